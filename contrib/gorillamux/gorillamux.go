// Package gorillamux protects gorilla/mux routers with rampart: installed
// with Router.Use, the middleware runs once mux has matched the route, so
// the route's variables are inspected by the WAF
// (server.request.path_params) and its path template ("/users/{id}")
// names the route in events; it blocks in block mode with rampart's block
// response, and puts the request's security context on the request's
// context.Context, where the sink guards find it.
//
//	r := mux.NewRouter()
//	r.Use(gorillamux.Middleware())
//	r.HandleFunc("/users/{id}", getUser)
//
// When rampart is disabled, the middleware returns the handler itself.
package gorillamux

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
)

// Middleware protects the router's handlers with the process-wide rampart
// Agent (rampart.Default): see httpguard.Middleware for the configuration.
func Middleware() mux.MiddlewareFunc {
	return New(rampart.Default())
}

// New returns a mux middleware that protects the handlers with agent; a
// nil agent returns them unchanged.
func New(agent *rampart.Agent) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		if agent == nil {
			return next
		}
		return &httpguard.Guard{Agent: agent, Next: next, Route: Route}
	}
}

// Route returns the path template and the variables of the route mux
// matched for r (mux.CurrentRoute, mux.Vars); nothing outside a matched
// route.
func Route(r *http.Request) (string, map[string]string) {
	cr := mux.CurrentRoute(r)
	if cr == nil {
		return "", nil
	}
	tpl, _ := cr.GetPathTemplate()
	return tpl, mux.Vars(r)
}
