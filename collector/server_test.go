package collector_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

const (
	adminToken = "test-admin-token"
	ingestKey  = "test-ingest-key"
)

// now is the collector's clock in these tests: the storetest events are
// around it.
var now = time.Date(2026, 11, 30, 12, 5, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	store collector.Store
	srv   *collector.Server
	http  *httptest.Server
}

func newEnv(t *testing.T, cfg collector.Config) *env {
	t.Helper()
	ctx := context.Background()
	if cfg.Store == nil {
		st, err := sqlite.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		cfg.Store = st
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := collector.NewServer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if created, err := srv.Bootstrap(ctx, adminToken, []string{ingestKey}); err != nil || created != "" {
		t.Fatalf("Bootstrap: %q %v", created, err)
	}
	e := &env{t: t, store: cfg.Store, srv: srv, http: httptest.NewServer(srv.Handler())}
	t.Cleanup(func() {
		e.http.Close()
		srv.Close(context.Background())
		cfg.Store.Close()
	})
	return e
}

func (e *env) do(method, path, token string, body []byte, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func encode(t testing.TB, id string, evs ...*event.Event) []byte {
	t.Helper()
	b, err := collector.EncodeBatch(id, "shop", "prod", evs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) signals(q string) collector.SignalPage {
	e.t.Helper()
	resp, body := e.do("GET", "/v1/signals"+q, adminToken, nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET /v1/signals%s: %d %s", q, resp.StatusCode, body)
	}
	var p collector.SignalPage
	if err := json.Unmarshal(body, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// storedEvents counts the events in the store, through its signals and a
// direct count of batches by listing every signal's count.
func (e *env) totalCount() int64 {
	var n int64
	for _, s := range e.signals("?limit=500").Signals {
		n += s.Count
	}
	return n
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestIngestAndDuplicateBatch(t *testing.T) {
	e := newEnv(t, collector.Config{})
	body := encode(t, "batch-1", storetest.Attack("r1", "203.0.113.7", 0), storetest.Attack("r1", "203.0.113.7", 1))
	resp, b := e.do("POST", "/v1/events", ingestKey, body)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(b), `"accepted":2`) {
		t.Fatalf("first: %d %s", resp.StatusCode, b)
	}
	for range 3 { // the exporter's retries after a lost 202
		resp, b = e.do("POST", "/v1/events", ingestKey, body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"duplicate":true`) {
			t.Fatalf("retry: %d %s", resp.StatusCode, b)
		}
	}
	// gzip-encoded retry: the same batch, still once
	resp, b = e.do("POST", "/v1/events", ingestKey, gz(body), "Content-Encoding", "gzip")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("gzip retry: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("POST", "/v1/events", ingestKey, gz(encode(t, "batch-2", storetest.Attack("r1", "203.0.113.7", 2))), "Content-Encoding", "gzip")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("gzip batch: %d %s", resp.StatusCode, b)
	}
	if n := e.totalCount(); n != 3 {
		t.Fatalf("stored %d events, want 3 (retries counted once)", n)
	}
	if st := e.srv.Stats(); st.Batches.Load() != 2 || st.Duplicates.Load() != 4 || st.Events.Load() != 3 {
		t.Fatalf("stats: batches %d duplicates %d events %d", st.Batches.Load(), st.Duplicates.Load(), st.Events.Load())
	}
}

func TestIngestBadInput(t *testing.T) {
	e := newEnv(t, collector.Config{Limits: collector.Limits{Events: 10, StringBytes: 1000, BodyBytes: 64 << 10}})
	// a revoked key
	resp, b := e.do("POST", "/v1/keys", adminToken, []byte(`{"name":"old"}`))
	var k collector.KeyResponse
	json.Unmarshal(b, &k)
	if resp.StatusCode != 201 || k.Secret == "" {
		t.Fatalf("create key: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("DELETE", "/v1/keys/"+k.ID, adminToken, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	// a batch already stored, for the replay rows
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "used", storetest.Attack("r1", "203.0.113.7", 0))); resp.StatusCode != 202 {
		t.Fatalf("setup: %d %s", resp.StatusCode, b)
	}
	ok := storetest.Attack("r1", "203.0.113.7", 0)
	future := storetest.Attack("r1", "203.0.113.7", 0)
	future.Time = now.Add(time.Hour)
	ancient := storetest.Attack("r1", "203.0.113.7", 0)
	ancient.Time = now.AddDate(-2, 0, 0)
	long := storetest.Attack("r1", "203.0.113.7", 0)
	long.Triggers[0].Value = strings.Repeat("A", 1001)
	badIP := storetest.Attack("r1", "203.0.113.7", 0)
	badIP.Request.ClientIP = "not-an-ip"
	var eleven []*event.Event
	for range 11 {
		eleven = append(eleven, ok)
	}
	huge := []byte(`{"batch_id":"huge","events":[{"type":"attack","pad":"` + strings.Repeat("x", 70<<10) + `"}]}`)
	bomb := gz([]byte(`{"batch_id":"bomb","events":[{"type":"attack","pad":"` + strings.Repeat("x", 1<<20) + `"}]}`))
	for _, c := range []struct {
		name   string
		token  string
		body   []byte
		hdr    []string
		status int
		field  string
	}{
		{"no key", "", encode(t, "a1", ok), nil, 401, ""},
		{"unknown key", "nope", encode(t, "a2", ok), nil, 401, ""},
		{"revoked key", k.Secret, encode(t, "a3", ok), nil, 401, ""},
		{"admin token on ingest", adminToken, encode(t, "a4", ok), nil, 403, ""},
		{"malformed JSON", ingestKey, []byte(`{"batch_id":"a5","events":[{"type":`), nil, 400, "body"},
		{"not an object", ingestKey, []byte(`[1,2]`), nil, 400, "body"},
		{"wrong type of batch_id", ingestKey, []byte(`{"batch_id":5,"events":[]}`), nil, 400, "batch_id"},
		{"wrong type in an event", ingestKey, []byte(`{"batch_id":"a6","events":[{"type":"attack","time":"2026-11-30T12:00:00Z","request":{"status":"x"}}]}`), nil, 400, "events[0].request.status"},
		{"bad time", ingestKey, []byte(`{"batch_id":"a7","events":[{"type":"attack","time":"yesterday"}]}`), nil, 400, "events[0].time"},
		{"missing batch_id", ingestKey, []byte(`{"events":[{"type":"attack"}]}`), nil, 400, "batch_id"},
		{"bad batch_id", ingestKey, []byte(`{"batch_id":"a b","events":[]}`), nil, 400, "batch_id"},
		{"missing events", ingestKey, []byte(`{"batch_id":"a8"}`), nil, 400, "events"},
		{"empty events", ingestKey, []byte(`{"batch_id":"a9","events":[]}`), nil, 400, "events"},
		{"unknown event type", ingestKey, []byte(`{"batch_id":"a10","events":[{"type":"weird","time":"2026-11-30T12:00:00Z"}]}`), nil, 400, "events[0].type"},
		{"missing time", ingestKey, []byte(`{"batch_id":"a11","events":[{"type":"attack","triggers":[{"rule_id":"x","address":"a"}]}]}`), nil, 400, "events[0].time"},
		{"attack without triggers", ingestKey, []byte(`{"batch_id":"a12","events":[{"type":"attack","time":"2026-11-30T12:00:00Z"}]}`), nil, 400, "events[0].triggers"},
		{"user event without a user", ingestKey, []byte(`{"batch_id":"a13","events":[{"type":"user.login.failure","time":"2026-11-30T12:00:00Z","ip":"1.2.3.4"}]}`), nil, 400, "events[0].usr"},
		{"far-future time", ingestKey, encode(t, "a14", ok, future), nil, 400, "events[1].time"},
		{"ancient time", ingestKey, encode(t, "a15", ancient), nil, 400, "events[0].time"},
		{"oversized string", ingestKey, encode(t, "a16", long), nil, 413, "events[0].triggers[0].value"},
		{"bad IP", ingestKey, encode(t, "a17", badIP), nil, 400, "events[0].request.client_ip"},
		{"oversized batch", ingestKey, encode(t, "a18", eleven...), nil, 413, "events"},
		{"oversized body", ingestKey, huge, nil, 413, "body"},
		{"gzip bomb", ingestKey, bomb, []string{"Content-Encoding", "gzip"}, 413, "body"},
		{"bad gzip", ingestKey, []byte("not gzip at all"), []string{"Content-Encoding", "gzip"}, 400, "body"},
		{"unsupported encoding", ingestKey, encode(t, "a19", ok), []string{"Content-Encoding", "br"}, 415, "Content-Encoding"},
		{"wrong content type", ingestKey, encode(t, "a20", ok), []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"invalid UTF-8", ingestKey, []byte("{\"batch_id\":\"a21\",\"service\":\"\xff\",\"events\":[]}"), nil, 400, "body"},
		{"replayed batch id, other content", ingestKey, encode(t, "used", storetest.Attack("r2", "203.0.113.8", 0)), nil, 409, "batch_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.totalCount()
			resp, b := e.do("POST", "/v1/events", c.token, c.body, c.hdr...)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			var eb struct {
				Error struct{ Code, Field, Message string }
			}
			if err := json.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("error body %s: %v", b, err)
			}
			if eb.Error.Field != c.field {
				t.Fatalf("field %q, want %q (%s)", eb.Error.Field, c.field, b)
			}
			if after := e.totalCount(); after != before {
				t.Fatalf("a rejected batch changed the store: %d → %d events", before, after)
			}
		})
	}
	if n := e.srv.Stats().Batches.Load(); n != 1 {
		t.Fatalf("%d batches stored, want only the setup one", n)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, collector.Config{Rate: collector.Rate{PerSecond: 1, Burst: 3}})
	for i := range 3 {
		if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, fmt.Sprint("r", i), storetest.Attack("r1", "203.0.113.7", i))); resp.StatusCode != 202 {
			t.Fatalf("within the burst: %d %s", resp.StatusCode, b)
		}
	}
	resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "r9", storetest.Attack("r1", "203.0.113.7", 9)))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "rate_limited") {
		t.Fatalf("over the rate: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	if n := e.totalCount(); n != 3 {
		t.Fatalf("stored %d, want 3", n)
	}
}

func TestDecisionsAPI(t *testing.T) {
	e := newEnv(t, collector.Config{})
	post := func(token, body string) (*http.Response, []byte) {
		return e.do("POST", "/v1/decisions", token, []byte(body))
	}
	if resp, _ := post(ingestKey, `{"kind":"block_ip","value":"203.0.113.7"}`); resp.StatusCode != 403 {
		t.Fatalf("ingest key writing a decision: %d", resp.StatusCode)
	}
	for _, c := range []struct{ body, field string }{
		{`{"kind":"block_ip","value":"nope"}`, "value"},
		{`{"kind":"ban","value":"x"}`, "kind"},
		{`{"kind":"block_user","value":""}`, "value"},
		{`{"kind":"block_ip","value":"1.2.3.4","expires_at":"2020-01-01T00:00:00Z"}`, "expires_at"},
		{`{"kind":"block_ip","value":"1.2.3.4","ttl":"soon"}`, "ttl"},
		{`{"kind":"block_ip","value":"1.2.3.4","colour":"red"}`, "colour"},
		{`{"kind":1}`, "kind"},
	} {
		resp, b := post(adminToken, c.body)
		if resp.StatusCode != 400 || !strings.Contains(string(b), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.body, resp.StatusCode, b, c.field)
		}
	}
	resp, b := e.do("GET", "/v1/decisions", ingestKey, nil)
	etag0 := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag0 == "" || !strings.Contains(string(b), `"decisions":[]`) {
		t.Fatalf("empty list: %d %q %s", resp.StatusCode, etag0, b)
	}
	for _, inm := range []string{etag0, `"v999", ` + etag0, "W/" + etag0} {
		if resp, _ := e.do("GET", "/v1/decisions", ingestKey, nil, "If-None-Match", inm); resp.StatusCode != 304 {
			t.Fatalf("unchanged, If-None-Match %s: %d, want 304", inm, resp.StatusCode)
		}
	}
	if resp, _ := e.do("GET", "/v1/decisions", ingestKey, nil, "If-None-Match", `"v999"`); resp.StatusCode != 200 {
		t.Fatalf("another version: %d, want 200", resp.StatusCode)
	}
	// A long poll wakes up when a decision is posted.
	var wg sync.WaitGroup
	var polled *http.Response
	var pollBody []byte
	var pollTook time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		req, _ := http.NewRequest("GET", e.http.URL+"/v1/decisions?wait=20s", nil)
		req.Header.Set("Authorization", "Bearer "+ingestKey)
		req.Header.Set("If-None-Match", etag0)
		r, err := http.DefaultClient.Do(req)
		if err == nil {
			pollBody, _ = io.ReadAll(r.Body)
			r.Body.Close()
		}
		polled, pollTook = r, time.Since(start)
	}()
	time.Sleep(200 * time.Millisecond)
	resp, b = post(adminToken, `{"kind":"block_ip","value":"203.0.113.7","ttl":"1h","reason":"sqli","signal_id":"sig_x"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("post: %d %s", resp.StatusCode, b)
	}
	var dr collector.DecisionResponse
	json.Unmarshal(b, &dr)
	wg.Wait()
	if polled == nil || polled.StatusCode != 200 || pollTook > 5*time.Second || !strings.Contains(string(pollBody), "203.0.113.7") {
		t.Fatalf("long poll: %v after %v: %s", polled, pollTook, pollBody)
	}
	if polled.Header.Get("ETag") != collector.ETag(dr.Version) {
		t.Fatalf("ETag %q, want %q", polled.Header.Get("ETag"), collector.ETag(dr.Version))
	}
	var list collector.DecisionsResponse
	json.Unmarshal(pollBody, &list)
	d := list.Decisions[0]
	if d.Kind != "block_ip" || d.Reason != "sqli" || d.SignalID != "sig_x" || !d.ExpiresAt.Equal(now.Add(time.Hour)) || d.Author != "admin" {
		t.Fatalf("decision: %+v", d)
	}
	// A long poll with nothing new ends with 304 at its wait.
	start := time.Now()
	if resp, _ := e.do("GET", "/v1/decisions?wait=1s", ingestKey, nil, "If-None-Match", collector.ETag(dr.Version)); resp.StatusCode != 304 || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("idle long poll: %d after %v", resp.StatusCode, time.Since(start))
	}
	if resp, _ := e.do("DELETE", "/v1/decisions/"+d.ID, ingestKey, nil); resp.StatusCode != 403 {
		t.Fatalf("ingest key deleting: %d", resp.StatusCode)
	}
	if resp, b := e.do("DELETE", "/v1/decisions/"+d.ID, adminToken, nil); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("DELETE", "/v1/decisions/"+d.ID, adminToken, nil); resp.StatusCode != 404 {
		t.Fatalf("delete twice: %d", resp.StatusCode)
	}
	resp, b = e.do("GET", "/v1/decisions", ingestKey, nil, "If-None-Match", collector.ETag(dr.Version))
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"decisions":[]`) {
		t.Fatalf("after delete: %d %s", resp.StatusCode, b)
	}
}

func TestSignalsAPI(t *testing.T) {
	e := newEnv(t, collector.Config{})
	var evs []*event.Event
	for i := range 30 {
		evs = append(evs, storetest.Attack("r1", fmt.Sprintf("10.0.0.%d", i), i))
	}
	evs = append(evs, storetest.Exploit("handler.go", 12, 40, "203.0.113.9"))
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "s1", evs...)); resp.StatusCode != 202 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/v1/signals", ingestKey, nil); resp.StatusCode != 403 {
		t.Fatalf("ingest key reading signals: %d", resp.StatusCode)
	}
	p := e.signals("?limit=10")
	if p.Total != 31 || len(p.Signals) != 10 || p.NextCursor == "" || p.Signals[0].Type != "exploit" {
		t.Fatalf("first page: total %d, %d signals, cursor %q", p.Total, len(p.Signals), p.NextCursor)
	}
	n := len(p.Signals)
	for p.NextCursor != "" {
		p = e.signals("?limit=10&cursor=" + p.NextCursor)
		n += len(p.Signals)
	}
	if n != 31 {
		t.Fatalf("paged %d signals", n)
	}
	x := e.signals("?type=exploit")
	if x.Total != 1 {
		t.Fatalf("exploits: %d", x.Total)
	}
	if ip := e.signals("?ip=10.0.0.7"); ip.Total != 1 || ip.Signals[0].IPs[0] != "10.0.0.7" {
		t.Fatalf("the signals of 10.0.0.7: %+v", ip)
	}
	for _, q := range []string{"?type=nope", "?severity=urgent", "?status=closed", "?since=yesterday", "?limit=0", "?limit=501", "?cursor=zzz",
		"?ip=" + strings.Repeat("1", 65)} {
		if resp, b := e.do("GET", "/v1/signals"+q, adminToken, nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, b)
		}
	}
	id := x.Signals[0].ID
	resp, b := e.do("GET", "/v1/signals/"+id+"?events=5", adminToken, nil)
	var d collector.SignalDetail
	json.Unmarshal(b, &d)
	if resp.StatusCode != 200 || len(d.Events) != 1 || !strings.Contains(string(d.Events[0]), `"handler.go"`) || d.Location != "handler.go:12" {
		t.Fatalf("detail: %d %s", resp.StatusCode, b)
	}
	// The signal's notes, newest first, and its assignee.
	if ns, ok := e.store.(interface {
		AddSignalNote(context.Context, *collector.Note) error
	}); ok {
		for i, txt := range []string{"looking", "SEC-42 opened"} {
			n := &collector.Note{SignalID: id, Author: "alice", Text: txt, Assignee: "bob", CreatedAt: now.Add(time.Duration(i) * time.Second)}
			if err := ns.AddSignalNote(context.Background(), n); err != nil {
				t.Fatal(err)
			}
		}
		_, b := e.do("GET", "/v1/signals/"+id, adminToken, nil)
		var withNotes struct {
			Notes []struct {
				Author, Text string
			}
			Assignee string
		}
		json.Unmarshal(b, &withNotes)
		if len(withNotes.Notes) != 2 || withNotes.Notes[0].Text != "SEC-42 opened" || withNotes.Notes[1].Author != "alice" || withNotes.Assignee != "bob" {
			t.Fatalf("notes in the detail: %s", b)
		}
	}
	resp, b = e.do("PATCH", "/v1/signals/"+id, adminToken, []byte(`{"status":"archived"}`))
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"archived"`) {
		t.Fatalf("patch: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("PATCH", "/v1/signals/"+id, adminToken, []byte(`{"status":"gone"}`)); resp.StatusCode != 400 {
		t.Fatalf("bad status: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/v1/signals/sig_none", adminToken, nil); resp.StatusCode != 404 {
		t.Fatalf("unknown signal: %d", resp.StatusCode)
	}
	if got := e.signals("?status=archived&type=exploit").Total; got != 1 {
		t.Fatalf("archived exploits: %d", got)
	}
}

// fakeDetector raises a brute-force signal and a block for every login
// failure, and records what it saw.
type fakeDetector struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeDetector) Observe(_ context.Context, ev *event.Event) ([]collector.Detection, error) {
	f.mu.Lock()
	f.seen = append(f.seen, ev.Type+" "+ev.Usr.Login)
	f.mu.Unlock()
	if ev.Type != event.TypeLoginFailure {
		return nil, nil
	}
	return []collector.Detection{{
		Signal: collector.Signal{Key: "brute_force\x1f" + ev.Usr.Login, Type: collector.SignalBruteForce, Severity: collector.SeverityMedium,
			Title: "brute force on " + ev.Usr.Login, FirstSeen: ev.Time, LastSeen: ev.Time, IPs: []string{ev.IP}, Users: []string{ev.Usr.Login}, Count: 1},
		Decisions: []collector.Decision{{Kind: collector.BlockIP, Value: ev.IP, ExpiresAt: now.Add(time.Hour), Reason: "brute force"}},
	}}, nil
}

func TestDetectorSeesUserEventsOnce(t *testing.T) {
	det := &fakeDetector{}
	e := newEnv(t, collector.Config{Detector: det})
	body := encode(t, "u1", storetest.Login("alice", "198.51.100.1", 0), storetest.Attack("r1", "203.0.113.7", 1), storetest.Login("alice", "198.51.100.1", 2))
	for range 2 {
		e.do("POST", "/v1/events", ingestKey, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Stats().Detections.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	det.mu.Lock()
	seen := append([]string(nil), det.seen...)
	det.mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("detector saw %v, want the two logins once", seen)
	}
	p := e.signals("?type=brute_force")
	if p.Total != 1 || p.Signals[0].Count != 2 || p.Signals[0].Users[0] != "alice" {
		t.Fatalf("brute-force signal: %+v", p)
	}
	// The detection is counted before its decision is stored.
	var b []byte
	var list collector.DecisionsResponse
	for time.Now().Before(deadline) {
		_, b = e.do("GET", "/v1/decisions", ingestKey, nil)
		list = collector.DecisionsResponse{}
		json.Unmarshal(b, &list)
		if len(list.Decisions) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(list.Decisions) != 1 || list.Decisions[0].SignalID != p.Signals[0].ID || list.Decisions[0].Author != "detector" {
		t.Fatalf("detector decision: %s", b)
	}
}

func TestBootstrapCreatesAdminOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	tok, err := srv.Bootstrap(ctx, "", nil)
	if err != nil || !strings.HasPrefix(tok, "rk_admin_") {
		t.Fatalf("first start: %q %v", tok, err)
	}
	again, err := srv.Bootstrap(ctx, "", nil)
	if err != nil || again != "" {
		t.Fatalf("second start made another token: %q %v", again, err)
	}
	ks, _ := st.Keys(ctx)
	if len(ks) != 1 || ks[0].Hash == tok || ks[0].Hash != collector.HashSecret(tok) {
		t.Fatalf("stored keys: %+v (want only the hash)", ks)
	}
	h := httptest.NewServer(srv.Handler())
	defer h.Close()
	req, _ := http.NewRequest("GET", h.URL+"/v1/signals", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the printed token: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestGracefulShutdownDrains(t *testing.T) {
	e := newEnv(t, collector.Config{Rate: collector.Rate{PerSecond: -1}})
	hs := &http.Server{Handler: e.srv.Handler()}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(l)
	url := "http://" + l.Addr().String()
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("g-%d-%d", w, i)
				var evs []*event.Event
				for j := range 20 {
					evs = append(evs, storetest.Attack("r1", "203.0.113.7", j))
				}
				req, _ := http.NewRequest("POST", url+"/v1/events", bytes.NewReader(encode(t, id, evs...)))
				req.Header.Set("Authorization", "Bearer "+ingestKey)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 202 {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no batch acknowledged before the shutdown")
	}
	// Every acknowledged batch is stored: appending its id again is
	// refused (a conflict: other content), never stored anew.
	for id := range acked {
		res, err := e.store.Append(context.Background(), []*collector.Batch{storetest.MakeBatch(t, id, storetest.Login("x", "192.0.2.1", 0))})
		if err != nil || res[0].Err == nil {
			t.Fatalf("acknowledged batch %s is not in the store: %+v %v", id, res, err)
		}
	}
	var n int64
	for _, s := range e.signals("?limit=500").Signals {
		n += s.Count
	}
	if n < int64(20*len(acked)) {
		t.Fatalf("stored %d events for %d acknowledged batches of 20", n, len(acked))
	}
	t.Logf("%d batches acknowledged during the shutdown test", len(acked))
}

// TestIngestUserEventWithMetadata is a regression row from FuzzDecodeBatch
// (testdata/fuzz/FuzzDecodeBatch/metadata-string-typed-nil): a string in a
// user event's metadata came back as a nil *Error inside a non-nil error,
// refusing a valid batch.
func TestIngestUserEventWithMetadata(t *testing.T) {
	e := newEnv(t, collector.Config{})
	ev := storetest.Login("alice", "198.51.100.1", 0)
	ev.Metadata = map[string]any{"plan": "pro", "tags": []any{"a", "b"}, "n": 3.0}
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "meta-1", ev)); resp.StatusCode != 202 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// TestIngestInflightBound holds 64 ingest requests open mid-body: the next
// one is answered 503 with Retry-After, so slow or many clients cannot make
// the collector hold unbounded memory; once they finish, ingest goes on.
func TestIngestInflightBound(t *testing.T) {
	e := newEnv(t, collector.Config{})
	// 64 clients of four keys (a key has at most 16 slots) that send
	// their headers and the start of a body, then stall: each handler is
	// reading, holding its slot.
	keys := []string{ingestKey}
	for i := range 3 {
		resp, b := e.do("POST", "/v1/keys", adminToken, []byte(fmt.Sprintf(`{"name":"k%d"}`, i)))
		var k collector.KeyResponse
		json.Unmarshal(b, &k)
		if resp.StatusCode != 201 {
			t.Fatalf("create key: %d %s", resp.StatusCode, b)
		}
		keys = append(keys, k.Secret)
	}
	var conns []net.Conn
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	t.Cleanup(closeAll) // before the server's Close, even on a failure
	host := strings.TrimPrefix(e.http.URL, "http://")
	for i := range 64 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /v1/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"batch_id\":", host, keys[i%4])
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.Stats().InFlight.Load() < 64 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of the 64 stalled requests in progress", e.srv.Stats().InFlight.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "late", storetest.Attack("r1", "203.0.113.7", 0)))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with 64 requests in progress: %d Retry-After %q %s, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	closeAll()
	// The handlers see their clients gone a moment after the clients do.
	for {
		resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "after", storetest.Attack("r1", "203.0.113.7", 0)))
		if resp.StatusCode == 202 {
			break
		}
		if resp.StatusCode != 503 || time.Now().After(deadline.Add(5*time.Second)) {
			t.Fatalf("after the slow clients: %d %s", resp.StatusCode, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The Lambda extension reports the events it dropped in a batch's
// "dropped": counted once per stored batch in GET /v1/stats, from a batch
// with events or from one with drops only; an empty batch without drops
// and a bad count are refused.
func TestIngestDropped(t *testing.T) {
	e := newEnv(t, collector.Config{})
	post := func(body string, want int) string {
		t.Helper()
		resp, b := e.do("POST", "/v1/events", ingestKey, []byte(body))
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d %s, want %d", body, resp.StatusCode, b, want)
		}
		return string(b)
	}
	ev, err := json.Marshal(storetest.Attack("r1", "203.0.113.7", 0))
	if err != nil {
		t.Fatal(err)
	}
	post(`{"batch_id":"b1","service":"orders","events":[`+string(ev)+`],"dropped":2}`, http.StatusAccepted)
	only := `{"batch_id":"b2","service":"orders","events":[],"dropped":5}`
	if b := post(only, http.StatusAccepted); !strings.Contains(b, `"accepted":0`) {
		t.Fatalf("drops only: %s", b)
	}
	post(only, http.StatusOK)                                  // a retry: counted once
	post(`{"batch_id":"b3","dropped":1}`, http.StatusAccepted) // no events field, no service
	for _, bad := range []struct{ body, field string }{
		{`{"batch_id":"b4","events":[]}`, "events"},
		{`{"batch_id":"b4","events":[],"dropped":0}`, "events"},
		{`{"batch_id":"b4","events":[],"dropped":-1}`, "dropped"},
		{`{"batch_id":"b4","events":[],"dropped":1.5}`, "dropped"},
		{`{"batch_id":"b4","events":[],"dropped":"3"}`, "dropped"},
		{`{"batch_id":"b4","events":[],"dropped":1e99}`, "dropped"},
	} {
		if b := post(bad.body, http.StatusBadRequest); !strings.Contains(b, `"field":"`+bad.field+`"`) {
			t.Errorf("%s: %s, want the field %s", bad.body, b, bad.field)
		}
	}
	if resp, _ := e.do("GET", "/v1/stats", ingestKey, nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v1/stats with an ingest key: %d", resp.StatusCode)
	}
	resp, b := e.do("GET", "/v1/stats", adminToken, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/stats: %d %s", resp.StatusCode, b)
	}
	var st collector.StatsResponse
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.DroppedTotal != 8 || len(st.Dropped) != 2 || st.Server.Dropped != 8 || st.Server.Batches != 3 || st.Server.Events != 1 {
		t.Fatalf("stats: %s", b)
	}
	for _, d := range st.Dropped {
		switch d.Service {
		case "orders":
			if d.Events != 7 || d.Batches != 2 || !d.LastReported.Equal(now) {
				t.Errorf("orders: %+v", d)
			}
		case "":
			if d.Events != 1 || d.Batches != 1 {
				t.Errorf("no service: %+v", d)
			}
		default:
			t.Errorf("unexpected %+v", d)
		}
	}
}

// A request that ran out of the WAF's time budget is stored whether a
// rule matched (an attack event) or not (a request event, ungrouped), and
// counted in GET /v1/stats; a retried batch is counted once.
func TestIngestTimedOut(t *testing.T) {
	e := newEnv(t, collector.Config{})
	atk := storetest.Attack("r1", "203.0.113.7", 0)
	atk.TimedOut, atk.NotRun, atk.NotRunCount = true, []string{"r2"}, 1
	req := &event.Event{Type: event.TypeRequest, Time: now, Request: &event.Request{Method: "POST", URI: "/comments"},
		TimedOut: true, NotRun: []string{"r1", "r2"}, NotRunCount: 2}
	plain := storetest.Attack("r1", "203.0.113.8", 0)
	var raws []string
	for _, ev := range []*event.Event{atk, req, plain} {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, string(b))
	}
	body := []byte(`{"batch_id":"t1","service":"blog","events":[` + strings.Join(raws, ",") + `]}`)
	for i, want := range []int{http.StatusAccepted, http.StatusOK} {
		if resp, b := e.do("POST", "/v1/events", ingestKey, body); resp.StatusCode != want {
			t.Fatalf("POST %d: %d %s", i, resp.StatusCode, b)
		}
	}
	bad := strings.Replace(raws[1], `"rules_not_run_count":2`, `"rules_not_run_count":-1`, 1)
	if resp, b := e.do("POST", "/v1/events", ingestKey, []byte(`{"batch_id":"t2","events":[`+bad+`]}`)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "rules_not_run_count") {
		t.Errorf("a negative count: %d %s", resp.StatusCode, b)
	}
	_, b := e.do("GET", "/v1/stats", adminToken, nil)
	var st collector.StatsResponse
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.Server.TimedOut != 2 || st.Server.Events != 3 {
		t.Fatalf("stats: %s, want 2 timed out of 3 events", b)
	}
}

// TestSeededKeyStaysRevoked: an ingest key seeded from RAMPART_INGEST_KEYS
// and revoked through the API stays revoked when a replica restarts with
// the same variable (it used to work again).
func TestSeededKeyStaysRevoked(t *testing.T) {
	e := newEnv(t, collector.Config{})
	batch := encode(t, "b-1", storetest.Attack("r1", "203.0.113.7", 0))
	if resp, b := e.do("POST", "/v1/events", ingestKey, batch); resp.StatusCode != 202 {
		t.Fatalf("ingest with the seeded key: %d %s", resp.StatusCode, b)
	}
	ks, _ := e.store.Keys(context.Background())
	id := ""
	for _, k := range ks {
		if k.Kind == collector.KeyIngest {
			id = k.ID
		}
	}
	if resp, b := e.do("DELETE", "/v1/keys/"+id, adminToken, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke %s: %d %s", id, resp.StatusCode, b)
	}
	// A restart: the same variables.
	if _, err := e.srv.Bootstrap(context.Background(), adminToken, []string{ingestKey}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("POST", "/v1/events", ingestKey, encode(t, "b-2", storetest.Attack("r1", "203.0.113.7", 1))); resp.StatusCode != 401 {
		t.Fatalf("the revoked seeded key after a restart: %d, want 401", resp.StatusCode)
	}
}

// TestOneKeyCannotStarveTheOthers: one key's slow uploads take at most its
// share of the ingest slots; another key's batches still get in.
func TestOneKeyCannotStarveTheOthers(t *testing.T) {
	e := newEnv(t, collector.Config{})
	resp, b := e.do("POST", "/v1/keys", adminToken, []byte(`{"name":"other"}`))
	var other collector.KeyResponse
	json.Unmarshal(b, &other)
	if resp.StatusCode != 201 {
		t.Fatalf("create key: %d %s", resp.StatusCode, b)
	}
	// 40 uploads that never finish, from the ingest key.
	var pipes []*io.PipeWriter
	done := make(chan int, 40)
	for range 40 {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		req, _ := http.NewRequest("POST", e.http.URL+"/v1/events", pr)
		// A long body announced: a refused upload's answer is sent at once,
		// without the server waiting for the rest.
		req.ContentLength = 4 << 20
		req.Header.Set("Authorization", "Bearer "+ingestKey)
		req.Header.Set("Content-Type", "application/json")
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		pw.Write([]byte(`{"batch_id":`)) // the upload has begun
	}
	defer func() {
		for _, pw := range pipes {
			pw.Close()
		}
	}()
	// The key's share is taken: its 17th and later are refused at once.
	refused := 0
	deadline := time.After(10 * time.Second)
	for refused < 40-16 {
		select {
		case code := <-done:
			if code != http.StatusServiceUnavailable {
				t.Fatalf("an upload over the key's share: %d, want 503", code)
			}
			refused++
		case <-deadline:
			t.Fatalf("%d uploads refused, want %d", refused, 40-16)
		}
	}
	resp, b = e.do("POST", "/v1/events", other.Secret, encode(t, "other-1", storetest.Attack("r1", "203.0.113.7", 0)))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("another key while the first one's uploads hang: %d %s", resp.StatusCode, b)
	}
}

// TestServerPrunes: with a retention, the server prunes its store on its
// own, while it serves.
func TestServerPrunes(t *testing.T) {
	e := newEnv(t, collector.Config{Retention: collector.Retention{Events: time.Hour}, PruneEvery: 20 * time.Millisecond})
	old := storetest.Attack("r1", "203.0.113.7", 0)
	old.Time = now.Add(-2 * time.Hour)
	if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, "old", old, storetest.Attack("r1", "203.0.113.7", 1))); resp.StatusCode != 202 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	id := e.signals("").Signals[0].ID
	deadline := time.Now().Add(10 * time.Second)
	for {
		var d collector.SignalDetail
		_, b := e.do("GET", "/v1/signals/"+id+"?events=10", adminToken, nil)
		json.Unmarshal(b, &d)
		if len(d.Events) == 1 && d.Count == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old event was not pruned: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestScopedKey: a key scoped to a service sends that service's events
// only: a function's key cannot forge the events of the whole fleet.
func TestScopedKey(t *testing.T) {
	e := newEnv(t, collector.Config{})
	resp, b := e.do("POST", "/v1/keys", adminToken, []byte(`{"name":"shop functions","service":"shop"}`))
	var k collector.KeyResponse
	json.Unmarshal(b, &k)
	if resp.StatusCode != 201 || k.Service != "shop" {
		t.Fatalf("create a scoped key: %d %s", resp.StatusCode, b)
	}
	own := storetest.Attack("r1", "203.0.113.7", 0) // service "shop"
	if resp, b := e.do("POST", "/v1/events", k.Secret, encode(t, "s1", own)); resp.StatusCode != 202 {
		t.Fatalf("its own service: %d %s", resp.StatusCode, b)
	}
	other := storetest.Attack("r1", "203.0.113.7", 1)
	other.Service = "billing"
	resp, b = e.do("POST", "/v1/events", k.Secret, encode(t, "s2", own, other))
	if resp.StatusCode != 403 || !strings.Contains(string(b), `"field":"events[1].service"`) {
		t.Fatalf("another service's event: %d %s", resp.StatusCode, b)
	}
	_, b = e.do("GET", "/v1/keys", adminToken, nil)
	if !strings.Contains(string(b), `"service":"shop"`) {
		t.Errorf("the key list: %s", b)
	}
}

// slowDetector takes delay per event, or hangs forever (delay < 0: a
// replica killed mid-detection), and counts what it saw.
type slowDetector struct {
	delay time.Duration
	seen  atomic.Int64
}

func (d *slowDetector) Observe(ctx context.Context, ev *event.Event) ([]collector.Detection, error) {
	d.seen.Add(1)
	if d.delay < 0 {
		select {}
	}
	time.Sleep(d.delay)
	return nil, nil
}

func loginBatch(t *testing.T, id string) []byte {
	t.Helper()
	ev := storetest.Login("alice", "198.51.100.4", 0)
	ev.Time = now
	return encode(t, id, ev)
}

// TestIngestNotCappedByDetection: batches are acknowledged as fast as they
// are stored, however slow detection is (the in-memory queue of 256
// batches used to make ingest wait for the Detector).
func TestIngestNotCappedByDetection(t *testing.T) {
	if raceEnabled {
		t.Skip("400 sequential SQLite commits take half a minute under the race detector")
	}
	det := &slowDetector{delay: time.Second}
	e := newEnv(t, collector.Config{Detector: det})
	c := &http.Client{Timeout: 10 * time.Second} // an ingest that waits for detection fails
	for i := range 400 {
		req, _ := http.NewRequest("POST", e.http.URL+"/v1/events", bytes.NewReader(loginBatch(t, fmt.Sprint("q-", i))))
		req.Header.Set("Authorization", "Bearer "+ingestKey)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 202 {
			t.Fatalf("batch %d: %d", i, resp.StatusCode)
		}
	}
	if n := det.seen.Load(); n >= 400 {
		t.Fatalf("the detector already saw %d events: the test proves nothing", n)
	}
}

// TestDetectionSurvivesAKilledReplica: a replica that dies while detecting
// (here: its Detector hangs, and it is never closed) leaves its claimed
// batches to another replica once the claim's lease runs out: an
// acknowledged batch is detected.
func TestDetectionSurvivesAKilledReplica(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hung := &slowDetector{delay: -1}
	a, err := collector.NewServer(context.Background(), collector.Config{Store: st, Detector: hung, Logger: log, DetectLease: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), adminToken, []string{ingestKey}); err != nil {
		t.Fatal(err)
	}
	ha := httptest.NewServer(a.Handler())
	defer ha.Close()
	for i := range 3 {
		req, _ := http.NewRequest("POST", ha.URL+"/v1/events", bytes.NewReader(loginBatch(t, fmt.Sprint("k-", i))))
		req.Header.Set("Authorization", "Bearer "+ingestKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 202 {
			t.Fatalf("ingest: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for hung.seen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// Replica b on the same store.
	good := &slowDetector{}
	b, err := collector.NewServer(context.Background(), collector.Config{Store: st, Detector: good, Logger: log, DetectLease: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(context.Background())
	for good.seen.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := good.seen.Load(); n != 3 {
		t.Fatalf("replica b detected %d of the 3 acknowledged batches' events", n)
	}
}

// failingRates is a RateStore that is away.
type failingRates struct{}

func (failingRates) Allow(context.Context, string, int, float64, float64, time.Time) (bool, time.Duration, error) {
	return false, 0, fmt.Errorf("redis: connection refused")
}

// TestSharedRatesAway: while the shared rate store does not answer, ingest
// goes on with the replica's own bucket, and says so once, not per batch.
func TestSharedRatesAway(t *testing.T) {
	var log bytes.Buffer
	e := newEnv(t, collector.Config{RateStore: failingRates{}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	for i := range 5 {
		if resp, b := e.do("POST", "/v1/events", ingestKey, encode(t, fmt.Sprint("away-", i), storetest.Attack("r1", "203.0.113.7", i))); resp.StatusCode != 202 {
			t.Fatalf("batch %d: %d %s", i, resp.StatusCode, b)
		}
	}
	if n := strings.Count(log.String(), "shared rate limits"); n != 1 {
		t.Errorf("%d log lines about the shared store, want 1:\n%s", n, log.String())
	}
}
