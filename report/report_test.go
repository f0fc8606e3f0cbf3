package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/report"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

const (
	admin  = "report-admin"
	ingest = "report-ingest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newCollector starts a real collector (SQLite in a temporary directory)
// behind wrap, which may interfere with its traffic.
func newCollector(t *testing.T, wrap func(http.Handler) http.Handler) (*collector.Server, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: quiet, Rate: collector.Rate{PerSecond: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Bootstrap(ctx, admin, []string{ingest}); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		hs.Close()
		srv.Close(context.Background())
		st.Close()
	})
	return srv, hs
}

func attack(i int) *event.Event {
	return &event.Event{Type: event.TypeAttack, Time: time.Now().UTC(), Request: &event.Request{Method: "GET", URI: "/x", ClientIP: "203.0.113.7"},
		Triggers: []event.Trigger{{RuleID: fmt.Sprint("r", i%2), Category: "sqli", Address: "server.request.query"}}}
}

func newExporter(t *testing.T, cfg report.Config) *report.Exporter {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	x, err := report.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		x.Close(ctx)
	})
	return x
}

func TestExporterBatchesAndFlush(t *testing.T) {
	srv, hs := newCollector(t, nil)
	x := newExporter(t, report.Config{Endpoint: hs.URL, APIKey: ingest, Service: "shop", FlushInterval: time.Hour})
	for i := range 250 {
		x.Export(attack(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := x.Stats()
	if st.Sent != 250 || st.Batches != 3 || st.Dropped != 0 || st.Queued != 250 {
		t.Fatalf("exporter stats: %+v, want 250 sent in 3 batches", st)
	}
	if n, b := srv.Stats().Events.Load(), srv.Stats().Batches.Load(); n != 250 || b != 3 {
		t.Fatalf("collector stored %d events in %d batches", n, b)
	}
}

func TestExporterFlushInterval(t *testing.T) {
	srv, hs := newCollector(t, nil)
	x := newExporter(t, report.Config{Endpoint: hs.URL, APIKey: ingest, FlushInterval: 50 * time.Millisecond})
	x.Export(attack(0))
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().Events.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Stats().Events.Load() != 1 {
		t.Fatal("a lone event was not sent at the flush interval")
	}
}

// TestRetriedBatchCountsOnce loses the collector's first two answers for
// every batch (the batch is stored, the 202 never arrives): the exporter
// retries with the same batch id and the collector stores it once.
func TestRetriedBatchCountsOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	var ids []string
	srv, hs := newCollector(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			rec := httptest.NewRecorder()
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(rec, r)
			var resp struct {
				BatchID string `json:"batch_id"`
			}
			json.Unmarshal(rec.Body.Bytes(), &resp)
			mu.Lock()
			seen[resp.BatchID]++
			n := seen[resp.BatchID]
			if n == 1 {
				ids = append(ids, resp.BatchID)
			}
			mu.Unlock()
			if n <= 2 {
				// the ack is lost: the connection dies after storing
				hj, _ := w.(http.Hijacker)
				c, _, _ := hj.Hijack()
				c.Close()
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	})
	x := newExporter(t, report.Config{Endpoint: hs.URL, APIKey: ingest, BatchSize: 10, FlushInterval: time.Hour,
		Backoff: func(int) time.Duration { return time.Millisecond }})
	for i := range 30 {
		x.Export(attack(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := x.Stats()
	if st.Sent != 30 || st.Retries != 6 {
		t.Fatalf("exporter: %+v, want 30 sent after 6 retries", st)
	}
	if n := srv.Stats().Events.Load(); n != 30 {
		t.Fatalf("collector stored %d events, want 30 (each batch once)", n)
	}
	if d := srv.Stats().Duplicates.Load(); d != 6 {
		t.Fatalf("collector saw %d duplicates, want 6", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 3 {
		t.Fatalf("batch ids %v, want 3 distinct", ids)
	}
}

func TestExporterHonoursRetryAfter(t *testing.T) {
	var calls atomic.Int32
	var first, second atomic.Int64
	_, hs := newCollector(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch calls.Add(1) {
			case 1:
				first.Store(time.Now().UnixNano())
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			case 2:
				second.Store(time.Now().UnixNano())
			}
			h.ServeHTTP(w, r)
		})
	})
	x := newExporter(t, report.Config{Endpoint: hs.URL, APIKey: ingest, Backoff: func(int) time.Duration { return time.Millisecond }})
	x.Export(attack(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if gap := time.Duration(second.Load() - first.Load()); gap < 950*time.Millisecond {
		t.Fatalf("retried after %v, want the 1s of Retry-After", gap)
	}
	if st := x.Stats(); st.Sent != 1 || st.Retries != 1 {
		t.Fatalf("%+v", st)
	}
}

func TestExporterRejectedAndGivenUp(t *testing.T) {
	_, hs := newCollector(t, nil)
	x := newExporter(t, report.Config{Endpoint: hs.URL, APIKey: "wrong-key"})
	x.Export(attack(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	x.Flush(ctx)
	if st := x.Stats(); st.Rejected != 1 || st.Retries != 0 || st.Sent != 0 {
		t.Fatalf("a refused key: %+v, want 1 rejected without retries", st)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	y := newExporter(t, report.Config{Endpoint: down.URL, MaxRetryTime: 100 * time.Millisecond, Backoff: func(int) time.Duration { return 20 * time.Millisecond }})
	y.Export(attack(0))
	y.Flush(ctx)
	if st := y.Stats(); st.Failed != 1 || st.Retries < 2 {
		t.Fatalf("a collector down: %+v, want failed after retries", st)
	}
}

func TestExporterNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer stuck.Close()
	defer close(release)
	x := newExporter(t, report.Config{Endpoint: stuck.URL, QueueSize: 50, BatchSize: 10})
	start := time.Now()
	for i := range 10_000 {
		x.Export(attack(i))
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("10,000 Exports took %v with the collector stuck", d)
	}
	st := x.Stats()
	if st.Dropped < 10_000-50-10-1 || st.Queued+st.Dropped != 10_000 {
		t.Fatalf("drops not counted: %+v", st)
	}
	// Flush gives up at its deadline, not later.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := x.Flush(ctx); err == nil {
		t.Fatal("Flush returned nil with the collector stuck")
	}
}

func TestExporterCloseFlushes(t *testing.T) {
	srv, hs := newCollector(t, nil)
	x, err := report.New(report.Config{Endpoint: hs.URL, APIKey: ingest, FlushInterval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 42 {
		x.Export(attack(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Events.Load(); n != 42 {
		t.Fatalf("stored %d events after Close, want 42", n)
	}
	x.Export(attack(0)) // after Close: dropped, never blocks
	if err := x.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := x.Stats(); st.Dropped != 1 || st.Queued != 42 || st.Sent != 42 {
		t.Fatalf("after Close: %+v, want the late event dropped", st)
	}
}

func TestDefaultBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt  int
		min, max time.Duration
	}{{1, 125 * time.Millisecond, 250 * time.Millisecond}, {2, 250 * time.Millisecond, 500 * time.Millisecond},
		{5, 2 * time.Second, 4 * time.Second}, {20, 15 * time.Second, 30 * time.Second}} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := report.DefaultBackoff(c.attempt)
			if d < c.min || d > c.max {
				t.Fatalf("attempt %d: %v outside [%v, %v]", c.attempt, d, c.min, c.max)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("attempt %d: no jitter (%d distinct waits)", c.attempt, len(seen))
		}
	}
}

func TestNewRejectsBadEndpoint(t *testing.T) {
	for _, e := range []string{"", "127.0.0.1:8080", "ftp://x"} {
		if _, err := report.New(report.Config{Endpoint: e}); err == nil {
			t.Errorf("endpoint %q accepted", e)
		}
	}
}

func newEngine(t *testing.T) *waf.Engine {
	t.Helper()
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := waf.New(rs, waf.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func blocked(e *waf.Engine, addr waf.Address) bool {
	ctx := e.NewContext()
	defer ctx.Close()
	return ctx.Run([]waf.Address{addr}).Block != nil
}

func postDecision(t *testing.T, url, body string) collector.DecisionResponse {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/v1/decisions", bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d collector.DecisionResponse
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		t.Fatalf("POST /v1/decisions: %d %s", resp.StatusCode, b)
	}
	json.Unmarshal(b, &d)
	return d
}

func TestPollerAppliesDecisions(t *testing.T) {
	var requests, notModified atomic.Int32
	_, hs := newCollector(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/decisions" && r.Method == "GET" {
				requests.Add(1)
				if r.Header.Get("If-None-Match") != "" {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					if rec.Code == 304 {
						notModified.Add(1)
					}
					for k, v := range rec.Header() {
						w.Header()[k] = v
					}
					w.WriteHeader(rec.Code)
					w.Write(rec.Body.Bytes())
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	eng := newEngine(t)
	p, err := report.NewPoller(report.PollerConfig{Endpoint: hs.URL, APIKey: ingest, Engine: eng, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ip := waf.Address{Name: waf.AddrClientIP, Value: waf.String("203.0.113.7")}
	user := waf.Address{Name: waf.AddrUserID, Value: waf.String("mallory")}
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if blocked(eng, ip) || p.Challenged("198.51.100.1", "alice") {
		t.Fatal("blocked or challenged with no decisions")
	}
	postDecision(t, hs.URL, `{"kind":"block_ip","value":"203.0.113.7","ttl":"1h"}`)
	postDecision(t, hs.URL, `{"kind":"block_user","value":"mallory"}`)
	postDecision(t, hs.URL, `{"kind":"challenge_ip","value":"198.51.100.0/24"}`)
	dr := postDecision(t, hs.URL, `{"kind":"challenge_user","value":"alice","ttl":"1h"}`)
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !blocked(eng, ip) || !blocked(eng, user) {
		t.Fatal("block decisions not applied to the engine")
	}
	if blocked(eng, waf.Address{Name: waf.AddrClientIP, Value: waf.String("203.0.113.8")}) {
		t.Fatal("another IP blocked")
	}
	if !p.Challenged("198.51.100.99", "") || !p.Challenged("", "alice") || p.Challenged("198.51.101.1", "bob") || !p.ChallengedUser("alice") {
		t.Fatal("challenge decisions not applied")
	}
	if p.Version() != dr.Version {
		t.Fatalf("version %d, want %d", p.Version(), dr.Version)
	}
	// Nothing changed: a 304, and everything stays in force.
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if notModified.Load() != 1 || !blocked(eng, ip) {
		t.Fatalf("unchanged poll: %d not-modified answers", notModified.Load())
	}
	// Delete the IP block: the next poll lifts it.
	var list collector.DecisionsResponse
	req, _ := http.NewRequest("GET", hs.URL+"/v1/decisions", nil)
	req.Header.Set("Authorization", "Bearer "+ingest)
	resp, _ := http.DefaultClient.Do(req)
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	for _, d := range list.Decisions {
		if d.Kind == "block_ip" {
			req, _ := http.NewRequest("DELETE", hs.URL+"/v1/decisions/"+d.ID, nil)
			req.Header.Set("Authorization", "Bearer "+admin)
			r, _ := http.DefaultClient.Do(req)
			r.Body.Close()
		}
	}
	if err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if blocked(eng, ip) || !blocked(eng, user) {
		t.Fatal("a deleted decision still blocks, or the others were lost")
	}
}

func TestPollerStartPollsAtInterval(t *testing.T) {
	_, hs := newCollector(t, nil)
	eng := newEngine(t)
	p, err := report.NewPoller(report.PollerConfig{Endpoint: hs.URL, APIKey: ingest, Engine: eng, Interval: 50 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	defer p.Stop()
	postDecision(t, hs.URL, `{"kind":"block_ip","value":"192.0.2.0/24"}`)
	deadline := time.Now().Add(5 * time.Second)
	for !blocked(eng, waf.Address{Name: waf.AddrClientIP, Value: waf.String("192.0.2.44")}) {
		if time.Now().After(deadline) {
			t.Fatal("the decision was not applied within 5s at a 50ms interval")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	polls, _ := p.Polls()
	time.Sleep(150 * time.Millisecond)
	if after, _ := p.Polls(); after != polls {
		t.Fatalf("still polling after Stop: %d → %d", polls, after)
	}
}

func TestPollerExpiryAndBadAnswers(t *testing.T) {
	now := time.Now()
	eng := newEngine(t)
	p, _ := report.NewPoller(report.PollerConfig{Endpoint: "http://127.0.0.1:1", Engine: eng, Logger: quiet, Now: func() time.Time { return now }})
	err := p.Apply([]report.Decision{
		{Kind: "block_ip", Value: "192.0.2.1", ExpiresAt: now.Add(-time.Second)}, // expired
		{Kind: "block_ip", Value: "not-an-ip"},                                   // ignored
		{Kind: "challenge_user", Value: "u1", ExpiresAt: now.Add(time.Minute)},
		{Kind: "launch_missiles", Value: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if blocked(eng, waf.Address{Name: waf.AddrClientIP, Value: waf.String("192.0.2.1")}) || !p.ChallengedUser("u1") {
		t.Fatal("expiry not honoured")
	}
	now = now.Add(2 * time.Minute)
	if p.ChallengedUser("u1") {
		t.Fatal("an expired challenge still in force")
	}
	if err := p.Poll(context.Background()); err == nil {
		t.Fatal("polling a closed port succeeded")
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not json")) }))
	defer garbage.Close()
	q, _ := report.NewPoller(report.PollerConfig{Endpoint: garbage.URL, Engine: eng, Logger: quiet})
	q.Apply([]report.Decision{{Kind: "block_ip", Value: "192.0.2.9"}})
	if err := q.Poll(context.Background()); err == nil {
		t.Fatal("a malformed answer was accepted")
	}
	if !blocked(eng, waf.Address{Name: waf.AddrClientIP, Value: waf.String("192.0.2.9")}) {
		t.Fatal("a malformed answer cleared the decisions in force")
	}
}
