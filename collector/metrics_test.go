package collector_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/storetest"
)

// GET /metrics gives the counters in Prometheus's text format to the
// admin only; GET /readyz says whether the store answers, 503 once it
// does not.
func TestMetricsAndReady(t *testing.T) {
	e := newEnv(t, collector.Config{})
	ev, err := json.Marshal(storetest.Attack("r1", "203.0.113.7", 0))
	if err != nil {
		t.Fatal(err)
	}
	if resp, b := e.do("POST", "/v1/events", ingestKey, []byte(`{"batch_id":"m1","service":"orders","events":[`+string(ev)+`],"dropped":3}`)); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /v1/events: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/metrics", ingestKey, nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics with an ingest key: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/metrics", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics without a token: %d", resp.StatusCode)
	}
	resp, b := e.do("GET", "/metrics", adminToken, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "rampart_collector_") {
			t.Fatalf("not an exposition line: %q", line)
		}
		got[name] = v
	}
	for name, want := range map[string]string{
		"rampart_collector_batches_total":               "1",
		"rampart_collector_events_total":                "1",
		"rampart_collector_sender_dropped_events_total": "3",
		"rampart_collector_store_up":                    "1",
		"rampart_collector_ingest_in_flight":            "0",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %s", name, got[name], want)
		}
	}
	if _, ok := got["rampart_collector_store_read_seconds"]; !ok {
		t.Error("no store latency")
	}

	resp, b = e.do("GET", "/readyz", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"status":"ready"`) {
		t.Fatalf("GET /readyz: %d %s", resp.StatusCode, b)
	}
	e.store.Close() // the database goes away
	resp, b = e.do("GET", "/readyz", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "store unavailable") {
		t.Fatalf("GET /readyz with the store closed: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/healthz", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with the store closed: %d", resp.StatusCode)
	}
}
