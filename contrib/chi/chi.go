// Package chi protects go-chi/chi (v5) routers with rampart: Middleware
// evaluates every request with the WAF once chi knows its route, so the
// route's URL parameters are inspected (server.request.path_params) and
// the route pattern ("/users/{id}") names the route in events; it blocks
// in block mode with rampart's block response, and puts the request's
// security context on the request's context.Context, where the sink
// guards (sqlguard, execguard, fsguard, rampart.CheckSQL...) find it.
//
//	r := chi.NewRouter()
//	r.Use(rampartchi.Middleware())
//	r.Get("/users/{id}", getUser)
//
// The middleware may be installed with Use (it runs before chi routes the
// request: it asks the router which route will serve the request, the
// same lookup chi then makes) or with With, Group and Route (it runs at
// the route).
//
// When rampart is disabled, the middleware returns the handler itself.
package chi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
)

// Middleware protects the router's handlers with the process-wide rampart
// Agent (rampart.Default): see httpguard.Middleware for the configuration.
func Middleware() func(http.Handler) http.Handler {
	return New(rampart.Default())
}

// New returns a chi middleware that protects the handlers with agent; a
// nil agent returns them unchanged.
func New(agent *rampart.Agent) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if agent == nil {
			return next
		}
		return &httpguard.Guard{Agent: agent, Next: next, Route: Route}
	}
}

// Route returns the route chi serves r with: its pattern, as
// chi.Context.RoutePattern reports it once routed ("/api/users/{id}"
// through mounted routers too), and its URL parameters. It asks the
// router with a route context of its own, so it works before chi routes r
// (in a Use middleware) and leaves r's untouched. Outside a chi router it
// returns nothing.
func Route(r *http.Request) (string, map[string]string) {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || rctx.Routes == nil {
		return "", nil
	}
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	if path == "" {
		path = "/"
	}
	tctx := chi.NewRouteContext()
	pattern := rctx.Routes.Find(tctx, r.Method, path)
	if pattern == "" {
		return "", nil
	}
	var params map[string]string
	keys, values := tctx.URLParams.Keys, tctx.URLParams.Values
	for i := 0; i < len(keys) && i < len(values); i++ {
		if params == nil {
			params = make(map[string]string, len(keys))
		}
		params[keys[i]] = values[i]
	}
	return tctx.RoutePattern(), params
}
