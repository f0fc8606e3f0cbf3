// Package httpguard protects net/http servers with rampart: Middleware
// evaluates every request with the WAF before the handler runs, blocks it
// in block mode, and puts the request's security context on the request's
// context.Context for the guards that run inside the handler.
//
// When rampart is disabled, Middleware returns the handler itself: nothing
// is added to the request path.
package httpguard

import (
	"net/http"
	"strings"
	"sync"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
)

// Middleware protects next with the process-wide rampart Agent
// (rampart.Default, configured from RAMPART_ENABLED and the other
// environment variables, or installed with rampart.Enable). When rampart is
// disabled it returns next unchanged. Call it before serving: with rampart
// on, a configuration error (a value rampart does not accept, such as
// RAMPART_MODE=enforce) is logged and exits the process there
// (rampart.FromEnv), rather than serving unprotected.
func Middleware(next http.Handler) http.Handler {
	return New(rampart.Default(), next)
}

// New protects next with agent; a nil agent returns next unchanged.
func New(agent *rampart.Agent, next http.Handler) http.Handler {
	if agent == nil {
		return next
	}
	return &Guard{Agent: agent, Next: next}
}

// Guard is the middleware. Its zero BlockResponse writes the default block
// page: JSON or HTML depending on the action and the request's Accept.
type Guard struct {
	Agent *rampart.Agent
	Next  http.Handler
	// BlockResponse, when set, writes the response of a blocked request.
	BlockResponse func(w http.ResponseWriter, r *http.Request, a *waf.Action)
	// Route, when set, tells the route that serves r: its template, which
	// names the route in events, and the path parameters, which the WAF
	// evaluates (server.request.path_params). Router integrations set it;
	// without it the route is r.Pattern's, the pattern of the http.ServeMux
	// that routed r, or the one Next (an *http.ServeMux) routes r to.
	Route func(r *http.Request) (route string, params map[string]string)
}

// ServeHTTP evaluates the request and calls the next handler unless the
// request is blocked.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var sec *rampart.Request
	if g.Route != nil {
		route, params := g.Route(r)
		sec = g.Agent.BeginHTTPRoute(r, route, params)
	} else {
		if mux, ok := g.Next.(*http.ServeMux); ok && r.Pattern == "" {
			routeMux(mux, r)
		}
		sec = g.Agent.BeginHTTP(r)
	}
	if sec == nil {
		g.Next.ServeHTTP(w, r) // rampart failed: fail open
		return
	}
	if a := sec.Blocked(); a != nil {
		g.writeBlock(w, r, a)
		sec.Finish(a.StatusCode)
		return
	}
	rw := &responseWriter{ResponseWriter: w, guard: g, req: r, sec: sec}
	defer func() {
		if rw.status == 0 && sec.Blocked() != nil {
			// Blocked inside the handler (a sink guard), which wrote
			// nothing: answer with the block response.
			rw.WriteHeader(http.StatusForbidden)
		}
		status := rw.status
		if status == 0 {
			status = http.StatusOK
		}
		sec.Finish(status)
	}()
	g.Next.ServeHTTP(rw, r.WithContext(rampart.WithRequest(r.Context(), sec)))
}

func (g *Guard) writeBlock(w http.ResponseWriter, r *http.Request, a *waf.Action) {
	if g.BlockResponse != nil {
		g.BlockResponse(w, r, a)
		return
	}
	WriteBlockResponse(w, r, a)
}

// WriteBlockResponse writes rampart's default block response for action a
// (rampart.BlockResponse, by the request's Accept header): a redirect for
// redirect_request, otherwise the status with a JSON or HTML body.
func WriteBlockResponse(w http.ResponseWriter, r *http.Request, a *waf.Action) {
	resp := rampart.BlockResponse(a, r.Header.Get("Accept"))
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// responseWriter records the status, and discards what the handler writes
// once the request is blocked from inside the handler (by a sink guard).
type responseWriter struct {
	http.ResponseWriter
	guard   *Guard
	req     *http.Request
	sec     *rampart.Request
	status  int
	blocked bool
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	if a := w.sec.Blocked(); a != nil {
		w.blocked = true
		w.status = a.StatusCode
		w.guard.writeBlock(w.ResponseWriter, w.req, a)
		return
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.blocked {
		return len(p), nil // discarded: the block response was written
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush flushes the underlying writer when it supports it.
func (w *responseWriter) Flush() {
	if w.blocked {
		return
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// routeMux sets r.Pattern and r's path values to those of the route mux
// serves r with, so that the WAF evaluates them before the mux runs the
// handler (mux sets them again when it serves r). The values come from the
// standard library's own matching: a mux holding only the matched pattern,
// kept per pattern, serves r to a handler that does nothing.
func routeMux(mux *http.ServeMux, r *http.Request) {
	_, pattern := mux.Handler(r)
	if pattern == "" {
		return
	}
	if !strings.Contains(pattern, "{") {
		r.Pattern = pattern
		return
	}
	m, ok := patternMuxes.Load(pattern)
	if !ok {
		pm := http.NewServeMux()
		pm.HandleFunc(pattern, func(w http.ResponseWriter, _ *http.Request) {
			if c, ok := w.(*captureWriter); ok {
				c.routed = true
			}
		})
		m, _ = patternMuxes.LoadOrStore(pattern, pm)
	}
	var c captureWriter
	m.(*http.ServeMux).ServeHTTP(&c, r)
	if !c.routed {
		r.Pattern = ""
	}
}

// patternMuxes holds a one-pattern http.ServeMux per route pattern seen by
// routeMux; patterns are the application's, so the set is bounded.
var patternMuxes sync.Map

// captureWriter is the ResponseWriter of routeMux's one-pattern mux: it
// records that the pattern's handler ran and discards anything written.
type captureWriter struct {
	h      http.Header
	routed bool
}

func (c *captureWriter) Header() http.Header {
	if c.h == nil {
		c.h = http.Header{}
	}
	return c.h
}
func (c *captureWriter) Write(p []byte) (int, error) { return len(p), nil }
func (c *captureWriter) WriteHeader(int)             {}
