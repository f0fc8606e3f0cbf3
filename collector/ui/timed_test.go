package ui_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
)

// storeCount reads the count of op's store latency histogram from the
// collector's GET /metrics.
func storeCount(t *testing.T, e *env, op string) int {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	m := regexp.MustCompile(`(?m)^rampart_collector_store_seconds_count\{op="` + op + `"\} (\d+)$`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no histogram for %s in\n%s", op, rec.Body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// The UI's reads of the store reach the collector's latency histograms
// (Config.ObserveStore), as `rampart serve` wires them.
func TestStoreLatencyOfPages(t *testing.T) {
	e := newEnv(t)
	ops := []string{"overview", "login_overview", "signals", "decisions"}
	before := map[string]int{}
	for _, op := range ops {
		before[op] = storeCount(t, e, op)
	}
	c := e.admin()
	resp, body := c.get("/")
	mustOK(t, resp, body)
	for _, op := range ops {
		if n := storeCount(t, e, op); n <= before[op] {
			t.Errorf("%s: count %d after the overview page, %d before", op, n, before[op])
		}
	}
}
