package rampart_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
)

// TestTriggerKeepsTheValueAsSent: an attack event's trigger carries the
// value as the client sent it (raw) beside the form the rule matched
// (lower-cased by the default ruleset's transformers).
func TestTriggerKeepsTheValueAsSent(t *testing.T) {
	var mu sync.Mutex
	var evs []*event.Event
	agent, err := rampart.New(rampart.Config{
		Enabled: true, Mode: rampart.ModeMonitor, Timeout: time.Second,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exporter: rampart.ExporterFunc(func(e *event.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() }),
	})
	if err != nil {
		t.Fatal(err)
	}
	rampart.Enable(agent)
	defer rampart.Enable(nil)
	h := httpguard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?name=%3CSCRIPT%3EAlert(1)%3C/SCRIPT%3E", nil))
	mu.Lock()
	defer mu.Unlock()
	raws := 0
	for _, e := range evs {
		for _, tr := range e.Triggers {
			if tr.Raw == "" {
				continue
			}
			raws++
			if tr.Raw != "<SCRIPT>Alert(1)</SCRIPT>" || tr.Value == tr.Raw || !strings.Contains(tr.Value, "<script>alert(1)") {
				t.Errorf("%s: raw %q value %q, want the query's value as sent beside the lower-cased form", tr.RuleID, tr.Raw, tr.Value)
			}
		}
	}
	if raws == 0 {
		t.Fatalf("no trigger kept the value as sent: %+v", evs)
	}
}
