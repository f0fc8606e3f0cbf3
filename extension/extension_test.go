package extension

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/lambdatest"
)

// fakeLambda is a local Extensions API and Runtime API: the equivalent of
// the Lambda service for the extension, on loopback.
type fakeLambda struct {
	t      *testing.T
	srv    *httptest.Server
	events chan Event // what next returns

	mu         sync.Mutex
	registered []string // event types registered
	name       string
	invokes    chan invocation // Runtime API: invocations for the function
	responses  map[string]string
}

type invocation struct {
	id      string
	payload string
}

func newFakeLambda(t *testing.T) *fakeLambda {
	f := &fakeLambda{t: t, events: make(chan Event, 8), invokes: make(chan invocation, 8), responses: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Events []string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.registered, f.name = body.Events, r.Header.Get("Lambda-Extension-Name")
		f.mu.Unlock()
		w.Header().Set("Lambda-Extension-Identifier", "ext-1")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"functionName":"orders","functionVersion":"7"}`)
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Lambda-Extension-Identifier") != "ext-1" {
			http.Error(w, "no id", http.StatusForbidden)
			return
		}
		select {
		case ev := <-f.events:
			_ = json.NewEncoder(w).Encode(ev)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2020-01-01/extension/init/error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case inv := <-f.invokes:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
			_, _ = io.WriteString(w, inv.payload)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.responses[r.PathValue("id")] = string(b)
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLambda) addr() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeLambda) response(id string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.responses[id]
	return r, ok
}

// fakeCollector records the batches it is sent; fail makes the next n
// answers 503.
type fakeCollector struct {
	srv     *httptest.Server
	mu      sync.Mutex
	batches []event.Batch
	fail    int
	status  int // answer after the failures; 0 means 202
	auth    []string
	dGets   int
}

func newFakeCollector(t *testing.T) *fakeCollector {
	c := &fakeCollector{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.auth = append(c.auth, r.Header.Get("Authorization"))
		if c.fail > 0 {
			c.fail--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if c.status != 0 {
			http.Error(w, "bad", c.status)
			return
		}
		var b event.Batch
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.batches = append(c.batches, b)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("GET /v1/decisions", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.dGets++
		c.mu.Unlock()
		w.Header().Set("ETag", `"3"`)
		if r.Header.Get("If-None-Match") == `"3"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, `{"version":3,"decisions":[{"id":"d1","kind":"block_ip","value":"198.51.100.77","expires_at":"2099-01-01T00:00:00Z"}]}`)
	})
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *fakeCollector) all() []event.Batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event.Batch(nil), c.batches...)
}

func (c *fakeCollector) events() []map[string]any {
	var out []map[string]any
	for _, b := range c.all() {
		for _, e := range b.Events {
			var m map[string]any
			_ = json.Unmarshal(e, &m)
			out = append(out, m)
		}
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startExtension runs the extension against the fake Lambda and returns it
// once it registered.
func startExtension(t *testing.T, lam *fakeLambda, cfg Config) (*Extension, chan error) {
	t.Helper()
	ready := make(chan *Extension, 1)
	cfg.RuntimeAPI = lam.addr()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	cfg.Ready = func(e *Extension) { ready <- e }
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { done <- Run(ctx, cfg) }()
	select {
	case e := <-ready:
		return e, done
	case err := <-done:
		t.Fatalf("extension stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("extension did not register")
	}
	return nil, nil
}

func handoff(t *testing.T, addr string, b string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/v1/events", "application/json", strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("handoff: %s", resp.Status)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLifecycle(t *testing.T) {
	lam := newFakeLambda(t)
	col := newFakeCollector(t)
	e, done := startExtension(t, lam, Config{Endpoint: col.srv.URL, APIKey: "ingest-1"})
	if lam.name != Name || strings.Join(lam.registered, ",") != "INVOKE,SHUTDOWN" {
		t.Fatalf("registered %q for %v", lam.name, lam.registered)
	}

	// The function hands over an invocation's events; the next INVOKE
	// forwards them.
	handoff(t, e.Addr(), `{"batch_id":"b1","service":"orders","events":[{"type":"attack","blocked":true}],"dropped":2}`)
	handoff(t, e.Addr(), `{"batch_id":"b1","service":"orders","events":[{"type":"attack","blocked":true}]}`) // a retry
	if len(col.all()) != 0 {
		t.Fatal("forwarded before an INVOKE")
	}
	lam.events <- Event{EventType: Invoke, RequestID: "r2", DeadlineMs: time.Now().Add(time.Minute).UnixMilli()}
	waitFor(t, "the first batch", func() bool { return len(col.all()) == 1 })
	b := col.all()[0]
	if b.ID != "b1" || b.Service != "orders" || len(b.Events) != 1 || b.Dropped != 2 {
		t.Errorf("batch: %+v", b)
	}
	if col.auth[0] != "Bearer ingest-1" {
		t.Errorf("authorization %q", col.auth[0])
	}

	// What is handed over during the last invocation goes out on SHUTDOWN.
	handoff(t, e.Addr(), `{"batch_id":"b2","events":[{"type":"user.login.failure"}]}`)
	lam.events <- Event{EventType: Shutdown, ShutdownReason: "spindown", DeadlineMs: time.Now().Add(2 * time.Second).UnixMilli()}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the extension did not stop on SHUTDOWN")
	}
	evs := col.events()
	if len(evs) != 2 || evs[1]["type"] != "user.login.failure" {
		t.Errorf("events at the collector: %v", evs)
	}
	if st := e.Forwarder().Stats(); st.Received != 2 || st.Forwarded != 2 || st.Pending != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDecisionsForTheFunction(t *testing.T) {
	lam := newFakeLambda(t)
	col := newFakeCollector(t)
	e, _ := startExtension(t, lam, Config{Endpoint: col.srv.URL})
	get := func(etag string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+e.Addr()+"/v1/decisions", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	// Fetched as soon as the extension is registered, before any INVOKE:
	// the function's first request finds them (waiting for the fetch).
	resp, body := get("")
	if resp.StatusCode != 200 {
		t.Fatalf("at the first request: %s", resp.Status)
	}
	if resp.Header.Get("ETag") != `"3"` || !strings.Contains(body, "198.51.100.77") {
		t.Errorf("decisions: %s %q", resp.Header.Get("ETag"), body)
	}
	if resp, _ := get(`"3"`); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %s", resp.Status)
	}
	// Within the interval the collector is not asked again.
	col.mu.Lock()
	n := col.dGets
	col.mu.Unlock()
	lam.events <- Event{EventType: Invoke}
	time.Sleep(50 * time.Millisecond)
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.dGets != n {
		t.Errorf("collector asked %d times within the interval", col.dGets-n)
	}
}

func TestForwarderRetriesWithTheSameBatchID(t *testing.T) {
	col := newFakeCollector(t)
	col.fail = 2
	f := &Forwarder{Endpoint: col.srv.URL, Logger: quiet(), Backoff: func(int) time.Duration { return time.Millisecond }}
	f.Add(&event.Batch{ID: "b7", Events: []json.RawMessage{json.RawMessage(`{"type":"attack"}`)}})
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if bs := col.all(); len(bs) != 1 || bs[0].ID != "b7" || len(col.auth) != 3 {
		t.Errorf("batches %+v after %d attempts", bs, len(col.auth))
	}
	if st := f.Stats(); st.Failures != 2 || st.Forwarded != 1 {
		t.Errorf("stats %+v", st)
	}

	// Unreachable within the deadline: the batch stays queued.
	col.fail = 1000
	f.Add(&event.Batch{ID: "b8", Events: []json.RawMessage{json.RawMessage(`{"type":"attack"}`)}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := f.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded against a failing collector")
	}
	if st := f.Stats(); st.Pending != 1 {
		t.Errorf("pending %d, want the batch kept", st.Pending)
	}
}

func TestForwarderDropsAreCountedAndReported(t *testing.T) {
	col := newFakeCollector(t)
	f := &Forwarder{Endpoint: col.srv.URL, Logger: quiet()}
	ev := []json.RawMessage{json.RawMessage(`{"type":"attack"}`)}
	for i := range MaxPending + 3 {
		f.Add(&event.Batch{ID: fmt.Sprint("b", i), Events: ev})
	}
	if st := f.Stats(); st.Dropped != 3 || st.Pending != MaxPending {
		t.Fatalf("stats %+v", st)
	}
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs := col.all()
	if len(bs) != MaxPending || bs[0].Dropped != 3 || bs[1].Dropped != 0 {
		t.Errorf("%d batches, first reports %d drops", len(bs), bs[0].Dropped)
	}

	// A batch the collector rejects is dropped and counted, not retried.
	col.status = http.StatusBadRequest
	f.Add(&event.Batch{ID: "bad", Events: ev})
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := f.Stats(); st.Dropped != 4 || st.Pending != 0 {
		t.Errorf("after a rejected batch: %+v", st)
	}
}

func TestForwarderWithoutEndpointWritesLines(t *testing.T) {
	var out bytes.Buffer
	f := &Forwarder{Out: &out, Logger: quiet()}
	f.Add(&event.Batch{Events: []json.RawMessage{json.RawMessage(`{"type":"attack"}`)}, Dropped: 1})
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "{\"type\":\"attack\"}\n{\"type\":\"rampart.dropped\",\"count\":1}\n" {
		t.Errorf("output %q", got)
	}
}

func TestHandoffValidation(t *testing.T) {
	h := Handler(&Forwarder{Logger: quiet()}, &DecisionCache{})
	for _, body := range []string{`{`, `[]`, `{"events":[1]}`, `{"batch_id":"x"}`, strings.Repeat(" ", MaxHandoffBytes+1)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/events", strings.NewReader(body)))
		if rec.Code/100 != 4 {
			t.Errorf("%.20q: %d, want a 4xx", body, rec.Code)
		}
	}
}

func readEventFile(t *testing.T, name string) string {
	b, err := os.ReadFile("../lambdaguard/testdata/events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestProxyAnswersBlockedInvocations(t *testing.T) {
	lam := newFakeLambda(t)
	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rampart.ExporterFunc(func(*event.Event) {}), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := startExtension(t, lam, Config{Proxy: "127.0.0.1:0", Agent: agent})

	benign := readEventFile(t, "apigw-v2.json")
	var m map[string]any
	_ = json.Unmarshal([]byte(benign), &m)
	m["rawQueryString"] = "q=" + url.QueryEscape("<script>alert(document.cookie)</script>")
	attack, _ := json.Marshal(m)
	lam.invokes <- invocation{"attack-1", string(attack)}
	lam.invokes <- invocation{"benign-2", benign}
	lam.invokes <- invocation{"sqs-3", readEventFile(t, "sqs.json")}

	// The function, through the proxy, sees the benign event first: the
	// attack was answered by the proxy.
	next := func() (string, string) {
		resp, err := http.Get("http://" + e.ProxyAddr() + nextPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), string(b)
	}
	id, body := next()
	if id != "benign-2" || body != benign {
		t.Fatalf("function got %q", id)
	}
	r, ok := lam.response("attack-1")
	if !ok || !strings.Contains(r, `"statusCode":403`) || !strings.Contains(r, "blocked") {
		t.Fatalf("attack's response: %q", r)
	}
	resp, err := http.Post("http://"+e.ProxyAddr()+runtimePrefix+"benign-2/response", "application/json", strings.NewReader(`{"statusCode":200,"body":"ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r, _ := lam.response("benign-2"); r != `{"statusCode":200,"body":"ok"}` || resp.StatusCode != http.StatusAccepted {
		t.Errorf("function's response forwarded as %q (%s)", r, resp.Status)
	}
	if id, body := next(); id != "sqs-3" || !strings.Contains(body, "Records") {
		t.Errorf("a non-HTTP event passes through: %q", id)
	}
	if st := e.Proxy().Stats(); st.Invocations != 3 || st.Inspected != 2 || st.Blocked != 1 {
		t.Errorf("proxy stats %+v", st)
	}
}

func TestFlushBackoffAfterFailures(t *testing.T) {
	lam := newFakeLambda(t)
	col := newFakeCollector(t)
	col.fail = 1 << 30
	e, _ := startExtension(t, lam, Config{Endpoint: col.srv.URL, FlushTimeout: 30 * time.Millisecond})
	handoff(t, e.Addr(), `{"batch_id":"b1","events":[{"type":"attack"}]}`)
	lam.events <- Event{EventType: Invoke}
	waitFor(t, "a failed flush", func() bool { return e.Forwarder().Stats().Failures > 0 })
	time.Sleep(100 * time.Millisecond)
	n := e.Forwarder().Stats().Failures
	// Within the backoff, INVOKEs do not try the collector.
	for range 3 {
		lam.events <- Event{EventType: Invoke}
	}
	time.Sleep(100 * time.Millisecond)
	if got := e.Forwarder().Stats().Failures; got != n {
		t.Errorf("%d more attempts within the backoff", got-n)
	}
	// SHUTDOWN always tries.
	col.mu.Lock()
	col.fail = 0
	col.mu.Unlock()
	lam.events <- Event{EventType: Shutdown, DeadlineMs: time.Now().Add(2 * time.Second).UnixMilli()}
	waitFor(t, "the batch at shutdown", func() bool { return len(col.all()) == 1 })
}

func TestLocalAddressInUseFailsOpen(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	lam := newFakeLambda(t)
	ready := make(chan *Extension, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), Config{RuntimeAPI: lam.addr(), Addr: busy.Addr().String(), Logger: quiet(), Ready: func(e *Extension) { ready <- e }})
	}()
	select {
	case e := <-ready:
		if e.Addr() != "" {
			t.Errorf("listening on %q", e.Addr())
		}
	case err := <-done:
		t.Fatalf("the extension failed instead of running degraded: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not registered")
	}
	lam.events <- Event{EventType: Shutdown, DeadlineMs: time.Now().Add(time.Second).UnixMilli()}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestProxyForwardsLargeResponses(t *testing.T) {
	lam := newFakeLambda(t)
	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rampart.ExporterFunc(func(*event.Event) {}), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := startExtension(t, lam, Config{Proxy: "127.0.0.1:0", Agent: agent})
	lam.invokes <- invocation{"big-1", readEventFile(t, "apigw-v2.json")}
	resp, err := http.Get("http://" + e.ProxyAddr() + nextPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	big := `{"statusCode":200,"body":"` + strings.Repeat("x", 7<<20) + `"}`
	r, err := http.Post("http://"+e.ProxyAddr()+runtimePrefix+"big-1/response", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if got, _ := lam.response("big-1"); len(got) != len(big) {
		t.Errorf("forwarded %d bytes of %d", len(got), len(big))
	}
}

func TestDecisionsWaitForTheFirstFetch(t *testing.T) {
	release := make(chan struct{})
	col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("ETag", `"1"`)
		_, _ = io.WriteString(w, `{"version":1,"decisions":[]}`)
	}))
	defer col.Close()
	c := &DecisionCache{Endpoint: col.URL}
	go func() { _ = c.Prefetch(context.Background()) }()
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/decisions", nil))
	if rec.Code != 200 || rec.Header().Get("ETag") != `"1"` {
		t.Errorf("a request during the first fetch: %d %q", rec.Code, rec.Body.String())
	}
	// A collector that never answers: the function waits at most
	// maxFirstWait.
	stuck := &DecisionCache{Endpoint: "http://127.0.0.1:1"}
	start := time.Now()
	rec = httptest.NewRecorder()
	stuck.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/decisions", nil))
	if rec.Code != http.StatusServiceUnavailable || time.Since(start) > 2*maxFirstWait {
		t.Errorf("no fetch: %d after %v", rec.Code, time.Since(start))
	}
}

// TestForwarderDropsOnly: drops left to report with nothing queued go to
// the collector in a batch of their own.
func TestForwarderDropsOnly(t *testing.T) {
	col := newFakeCollector(t)
	f := &Forwarder{Endpoint: col.srv.URL, Logger: quiet()}
	f.mu.Lock()
	f.unreported = 4
	f.mu.Unlock()
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs := col.all()
	if len(bs) != 1 || len(bs[0].Events) != 0 || bs[0].Dropped != 4 || bs[0].ID == "" {
		t.Fatalf("batches %+v", bs)
	}
	if err := f.Flush(context.Background()); err != nil || len(col.all()) != 1 {
		t.Fatalf("a second flush sent again: %v, %d batches", err, len(col.all()))
	}
}

// TestProxyBypassIsCounted: an invocation the runtime fetches from the
// Runtime API itself, around the proxy (as on an OS-only runtime, where
// Lambda never runs the exec wrapper), is counted and warned about.
func TestProxyBypassIsCounted(t *testing.T) {
	t.Setenv("AWS_LAMBDA_EXEC_WRAPPER", "/opt/rampart/wrapper")
	t.Setenv("AWS_EXECUTION_ENV", "")
	lam := newFakeLambda(t)
	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rampart.ExporterFunc(func(*event.Event) {}), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	var log lambdatest.Buffer
	e, done := startExtension(t, lam, Config{Proxy: "127.0.0.1:0", Agent: agent, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if !strings.Contains(log.String(), "OS-only runtimes") {
		t.Errorf("no warning about the wrapper on an OS-only runtime: %s", log.String())
	}
	benign := readEventFile(t, "apigw-v2.json")
	fetch := func(addr, want string) {
		t.Helper()
		lam.invokes <- invocation{want, benign}
		resp, err := http.Get("http://" + addr + nextPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id"); id != want {
			t.Fatalf("fetched %q, want %q", id, want)
		}
	}
	invoke := func(id string) {
		lam.events <- Event{EventType: Invoke, RequestID: id, DeadlineMs: time.Now().Add(time.Minute).UnixMilli()}
	}
	fetch(e.ProxyAddr(), "a")
	invoke("a")
	fetch(lam.addr(), "b") // around the proxy
	invoke("b")
	waitFor(t, "the first check", func() bool { return e.Proxy().Stats().Invocations == 1 })
	fetch(e.ProxyAddr(), "c")
	invoke("c")
	waitFor(t, "the bypass", func() bool { return e.Proxy().Stats().Bypassed == 1 })
	lam.events <- Event{EventType: Shutdown, ShutdownReason: "spindown", DeadlineMs: time.Now().Add(2 * time.Second).UnixMilli()}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := e.Proxy().Stats(); st.Bypassed != 1 || st.Invocations != 2 {
		t.Errorf("stats %+v: want 1 bypassed of 3 (2 through the proxy)", st)
	}
	out := log.String()
	if !strings.Contains(out, "bypassed the proxy") || !strings.Contains(out, "request_id=b") || !strings.Contains(out, "bypassed=1") {
		t.Errorf("log: %s", out)
	}
}
