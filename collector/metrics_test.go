package collector_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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

// histogram is one op's series of rampart_collector_store_seconds.
type histogram struct {
	buckets []string // the le labels, in exposition order
	cum     []float64
	sum     float64
	count   float64
}

// scrapeStore reads GET /metrics and parses the store latency histograms
// and error counters by op, checking the exposition's shape.
func scrapeStore(t *testing.T, e *env) (map[string]*histogram, map[string]float64) {
	t.Helper()
	resp, b := e.do("GET", "/metrics", adminToken, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	hs, errs := map[string]*histogram{}, map[string]float64{}
	var typed bool
	h := func(op string) *histogram {
		if hs[op] == nil {
			hs[op] = &histogram{}
		}
		return hs[op]
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "# TYPE rampart_collector_store_seconds histogram" {
			typed = true
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		series, val, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("not an exposition line: %q", line)
		}
		name, labels, hasLabels := strings.Cut(series, "{")
		if !hasLabels {
			continue
		}
		if !strings.HasSuffix(labels, "}") {
			t.Fatalf("labels not closed: %q", line)
		}
		ls := map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			k, v, ok := strings.Cut(kv, "=")
			uq, err := strconv.Unquote(v)
			if !ok || err != nil {
				t.Fatalf("bad label %q in %q", kv, line)
			}
			ls[k] = uq
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("bad value in %q", line)
		}
		op := ls["op"]
		switch name {
		case "rampart_collector_store_seconds_bucket":
			h(op).buckets = append(h(op).buckets, ls["le"])
			h(op).cum = append(h(op).cum, f)
		case "rampart_collector_store_seconds_sum":
			h(op).sum = f
		case "rampart_collector_store_seconds_count":
			h(op).count = f
		case "rampart_collector_store_errors_total":
			errs[op] = f
		default:
			t.Fatalf("unexpected series %q", line)
		}
	}
	if !typed {
		t.Fatal("no TYPE line for rampart_collector_store_seconds")
	}
	for op, h := range hs {
		if len(h.buckets) < 2 || h.buckets[len(h.buckets)-1] != "+Inf" {
			t.Fatalf("%s: buckets %v do not end with +Inf", op, h.buckets)
		}
		prev := -1.0
		for i, le := range h.buckets[:len(h.buckets)-1] {
			v, err := strconv.ParseFloat(le, 64)
			if err != nil || v <= prev {
				t.Fatalf("%s: le %q not increasing", op, le)
			}
			prev = v
			if h.cum[i] > h.cum[i+1] {
				t.Fatalf("%s: buckets not cumulative: %v", op, h.cum)
			}
		}
		if h.cum[len(h.cum)-1] != h.count {
			t.Fatalf("%s: +Inf bucket %v, count %v", op, h.cum[len(h.cum)-1], h.count)
		}
		if h.count > 0 && h.sum <= 0 || h.count == 0 && h.sum != 0 {
			t.Fatalf("%s: sum %v for count %v", op, h.sum, h.count)
		}
	}
	return hs, errs
}

// GET /metrics has a latency histogram per store operation, whose counts
// grow with the operations the API makes, and counts the failed ones.
func TestMetricsStoreLatency(t *testing.T) {
	e := newEnv(t, collector.Config{})
	before, errs0 := scrapeStore(t, e)
	for _, op := range []string{collector.StoreOpAppend, collector.StoreOpSignals, collector.StoreOpDecisions, collector.StoreOpPutDecision, collector.StoreOpOverview} {
		if before[op] == nil {
			t.Fatalf("no histogram for %s before its first call", op)
		}
	}

	for i := range 3 {
		ev, err := json.Marshal(storetest.Attack("r"+strconv.Itoa(i), "203.0.113.7", 0))
		if err != nil {
			t.Fatal(err)
		}
		if resp, b := e.do("POST", "/v1/events", ingestKey, []byte(`{"batch_id":"h`+strconv.Itoa(i)+`","service":"orders","events":[`+string(ev)+`]}`)); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST /v1/events: %d %s", resp.StatusCode, b)
		}
	}
	page := e.signals("")
	if len(page.Signals) == 0 {
		t.Fatal("no signal stored")
	}
	if resp, b := e.do("GET", "/v1/signals/"+page.Signals[0].ID, adminToken, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET a signal: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/v1/signals/no-such-signal", adminToken, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET an unknown signal: %d", resp.StatusCode)
	}
	if resp, b := e.do("POST", "/v1/decisions", adminToken, []byte(`{"kind":"block_ip","value":"203.0.113.7","ttl":"1h"}`)); resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/decisions: %d %s", resp.StatusCode, b)
	}
	e.srv.ObserveStore(collector.StoreOpOverview, 3*time.Millisecond, nil) // as the web UI reports its reads

	after, errs1 := scrapeStore(t, e)
	grew := func(op string, min float64) {
		t.Helper()
		if d := after[op].count - before[op].count; d < min {
			t.Errorf("%s: count grew by %v, want at least %v", op, d, min)
		}
		if after[op].sum <= before[op].sum {
			t.Errorf("%s: sum %v -> %v", op, before[op].sum, after[op].sum)
		}
	}
	grew(collector.StoreOpAppend, 1) // group commits: 1 to 3 for 3 batches
	grew(collector.StoreOpSignals, 1)
	grew(collector.StoreOpSignal, 2)
	grew(collector.StoreOpPutDecision, 1)
	grew(collector.StoreOpDrops, 1) // the first scrape's own read
	grew(collector.StoreOpOverview, 1)
	if d := after[collector.StoreOpOverview]; d.cum[slicesIndex(d.buckets, "0.0025")] != before[collector.StoreOpOverview].cum[slicesIndex(d.buckets, "0.0025")] ||
		d.cum[slicesIndex(d.buckets, "0.005")] != before[collector.StoreOpOverview].cum[slicesIndex(d.buckets, "0.005")]+1 {
		t.Errorf("a 3 ms overview is not in the 5 ms bucket: %v %v", d.buckets, d.cum)
	}
	for op, n := range errs1 {
		if n != errs0[op] {
			t.Errorf("store errors of %s: %v -> %v (an unknown signal is an answer, not a failure)", op, errs0[op], n)
		}
	}

	e.store.Close() // the database goes away: its reads fail
	if resp, _ := e.do("GET", "/v1/signals", adminToken, nil); resp.StatusCode < 500 {
		t.Fatalf("GET /v1/signals with the store closed: %d", resp.StatusCode)
	}
	_, errs2 := scrapeStore(t, e)
	if d := errs2[collector.StoreOpSignals] - errs1[collector.StoreOpSignals]; d != 1 {
		t.Errorf("store errors of signals grew by %v, want 1", d)
	}
	if d := errs2[collector.StoreOpDrops] - errs1[collector.StoreOpDrops]; d != 1 {
		t.Errorf("store errors of drops grew by %v, want 1 (the scrape's read)", d)
	}
}

func slicesIndex(s []string, v string) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	panic("no bucket " + v)
}
