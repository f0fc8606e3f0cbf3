package rampart_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/internal/eventtest"
)

// TestRequestEventsCarryTheVersion: the attack and exploit events of a
// request carry the library's version, as user events do (the collector
// showed "?" for services protected through the middleware).
func TestRequestEventsCarryTheVersion(t *testing.T) {
	rec := &eventtest.Recorder{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second, Exporter: rec})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(t.Context())
	r := a.BeginHTTP(httptest.NewRequest("GET", "/search?q=1%27%20OR%20%271%27%3D%271", nil))
	if r == nil || r.Blocked() == nil {
		t.Fatal("the SQL injection was not blocked")
	}
	r.Finish(403)
	evs := rec.Events()
	if len(evs) != 1 || evs[0].Version != rampart.Version {
		t.Fatalf("events %+v, want one with version %s", evs, rampart.Version)
	}
}
