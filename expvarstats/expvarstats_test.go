package expvarstats_test

import (
	"context"
	"encoding/json"
	"expvar"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/expvarstats"
	"github.com/rampartsec/rampart/httpguard"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// serve runs app behind httpguard with agent on a loopback listener.
func serve(t *testing.T, agent *rampart.Agent) *httptest.Server {
	t.Helper()
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv := httptest.NewServer(httpguard.New(agent, app))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// debugVars reads the "rampart" variable from expvar's /debug/vars
// handler.
func debugVars(t *testing.T) expvarstats.Counters {
	t.Helper()
	rec := httptest.NewRecorder()
	expvar.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	var all map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &all); err != nil {
		t.Fatalf("/debug/vars: %v\n%s", err, rec.Body)
	}
	raw, ok := all[expvarstats.Name]
	if !ok {
		t.Fatalf("/debug/vars has no %q: %s", expvarstats.Name, rec.Body)
	}
	var c expvarstats.Counters
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return c
}

func TestPublish(t *testing.T) {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second, Logger: quiet,
		Exporter: rampart.ExporterFunc(func(*event.Event) {})})
	if err != nil {
		t.Fatal(err)
	}
	if err := expvarstats.Publish(a); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, a)
	if c := get(t, srv.URL+"/items/42?q=blue+widgets"); c != 200 {
		t.Fatalf("benign request: %d", c)
	}
	if c := get(t, srv.URL+"/items?id=1%27%20OR%20%271%27%3D%271"); c != 403 {
		t.Fatalf("attack: %d", c)
	}
	c := debugVars(t)
	if c.Requests != 2 || c.Attacks != 1 || c.Blocked != 1 || c.Panics != 0 || c.Timeouts != 0 {
		t.Errorf("counters %+v, want 2 requests, 1 attack blocked", c)
	}
	if c.Export != nil || c.Decisions != nil {
		t.Errorf("export or decision counters without a collector: %+v", c)
	}
	if got := expvar.Get(expvarstats.Name).String(); got == "" || got[0] != '{' {
		t.Errorf("expvar.Get(%q) = %q", expvarstats.Name, got)
	}

	// Publishing again (a new agent after a reconfiguration) does not
	// panic on the taken name, and shows the new agent.
	b, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeMonitor, Timeout: time.Second, Logger: quiet,
		Exporter: rampart.ExporterFunc(func(*event.Event) {})})
	if err != nil {
		t.Fatal(err)
	}
	if err := expvarstats.Publish(b); err != nil {
		t.Fatalf("publishing again: %v", err)
	}
	if c := debugVars(t); c.Requests != 0 {
		t.Errorf("after publishing a new agent: %+v", c)
	}
	if c := get(t, serve(t, b).URL+"/items?id=1%27%20OR%20%271%27%3D%271"); c != 200 {
		t.Fatalf("attack in monitor mode: %d", c)
	}
	if c := debugVars(t); c.Requests != 1 || c.Attacks != 1 || c.Blocked != 0 {
		t.Errorf("new agent's counters %+v, want 1 request, 1 attack, none blocked", c)
	}
	if err := expvarstats.Publish(nil); err != nil {
		t.Fatal(err)
	}
	if c := debugVars(t); c != (expvarstats.Counters{}) {
		t.Errorf("a nil agent's counters: %+v", c)
	}
}

// With a collector, the exporter's and the poller's counters are there
// too: events sent, decisions polled.
func TestReadWithCollector(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Bootstrap(ctx, "expvar-admin-token", []string{"expvar-ingest-key"}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(cs.Handler())
	t.Cleanup(func() { hs.Close(); cs.Close(ctx); st.Close() })

	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second, Logger: quiet,
		Endpoint: hs.URL, APIKey: "expvar-ingest-key", Service: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(ctx) })
	srv := serve(t, a)
	for range 3 {
		if c := get(t, srv.URL+"/items?id=1%27%20OR%20%271%27%3D%271"); c != 403 {
			t.Fatalf("attack: %d", c)
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Decisions().Poll(fctx); err != nil {
		t.Fatal(err)
	}
	var c expvarstats.Counters
	if err := json.Unmarshal([]byte(expvarstats.Var(a).String()), &c); err != nil {
		t.Fatal(err)
	}
	if c.Blocked != 3 {
		t.Errorf("blocked %d, want 3", c.Blocked)
	}
	if c.Export == nil || c.Export.Queued != 3 || c.Export.Sent != 3 || c.Export.Dropped != 0 || c.Export.Batches < 1 {
		t.Errorf("export counters %+v, want 3 queued and sent", c.Export)
	}
	if c.Decisions == nil || c.Decisions.Polls < 1 || c.Decisions.PollErrors != 0 {
		t.Errorf("decision counters %+v, want a poll without error", c.Decisions)
	}
}
