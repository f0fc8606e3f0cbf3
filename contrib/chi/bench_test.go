package chi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/rampartsec/rampart"
	rampartchi "github.com/rampartsec/rampart/contrib/chi"
	"github.com/rampartsec/rampart/event"
)

// BenchmarkRequest is one benign request with a path parameter served in
// process by a chi router, bare and with rampart's middleware (default
// ruleset, block mode): what the middleware costs a request, without the
// network.
func BenchmarkRequest(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name, agent := "bare", (*rampart.Agent)(nil)
		if guarded {
			name, agent = "rampart", benchAgent(b)
		}
		b.Run(name, func(b *testing.B) {
			r := chi.NewRouter()
			if agent != nil {
				r.Use(rampartchi.New(agent))
			}
			r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"id":"`+chi.URLParam(r, "id")+`"}`)
			})
			benchServe(b, r, agent)
		})
	}
}

// benchAgent is rampart enabled in block mode with the default ruleset;
// its events (none for the benign request) go nowhere.
func benchAgent(b *testing.B) *rampart.Agent {
	b.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: rampart.ExporterFunc(func(*event.Event) {}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// benchRequest is a benign API request with a path parameter, as a
// browser's fetch sends it.
func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "/users/42?fields=name,email&page=2", nil)
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

// benchServe serves the benchmark's request through h b.N times, after
// checking that it is answered 200.
func benchServe(b *testing.B, h http.Handler, agent *rampart.Agent) {
	b.Helper()
	r := benchRequest()
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
