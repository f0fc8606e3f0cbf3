// Package routerbench is the benchmark the router integrations
// (contrib/chi, echo, gin, gorillamux) share: one benign request with a
// path parameter served in process, bare and through rampart's
// middleware, so that their costs compare.
package routerbench

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
)

// Path is the route the benchmark's request reaches: a router registers
// GET /users/{id} (in its own syntax) and answers it with 200.
const Path = "/users/42?fields=name,email&page=2"

// Agent is rampart enabled in block mode with the default ruleset; its
// events (none for the benign request) go nowhere.
func Agent(tb testing.TB) *rampart.Agent {
	tb.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rampart.ExporterFunc(func(*event.Event) {}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Request is a benign API request with a path parameter, as a browser's
// fetch sends it.
func Request() *http.Request {
	r := httptest.NewRequest("GET", Path, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	r.Header.Set("Cookie", "session=3f2a9c0b7d1e4a6f8c2b5d9e0a1f3c7b; theme=dark")
	r.Header.Set("X-Request-Id", "3f2a9c")
	return r
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(p []byte) (int, error) { return len(p), nil }
func (w *discard) WriteHeader(code int)        { w.code = code }

// Serve serves Request through h b.N times, after checking that it is
// answered 200; with an agent, it then checks that the agent evaluated the
// requests and found no attack.
func Serve(b *testing.B, h http.Handler, agent *rampart.Agent) {
	b.Helper()
	r := Request()
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.code != 0 && w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r)
	}
	if agent != nil && (agent.Stats().Attacks.Load() != 0 || agent.Stats().Requests.Load() == 0) {
		b.Fatalf("the benign request: %d requests evaluated, %d attacks", agent.Stats().Requests.Load(), agent.Stats().Attacks.Load())
	}
}

// Run is a router's BenchmarkRequest: sub-benchmarks "bare" and
// "rampart", each serving Request through the handler build returns for
// a nil agent (the bare router) or for Agent's (the router with rampart's
// middleware).
func Run(b *testing.B, build func(agent *rampart.Agent) http.Handler) {
	for _, guarded := range []bool{false, true} {
		name, agent := "bare", (*rampart.Agent)(nil)
		if guarded {
			name, agent = "rampart", Agent(b)
		}
		b.Run(name, func(b *testing.B) { Serve(b, build(agent), agent) })
	}
}
