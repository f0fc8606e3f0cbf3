package rampart

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// Begin starts the evaluation of the request in, the one way every guard
// does it (net/http, Lambda events, the Python binding): the engine's
// request is built with the agent's options, the rules run over the request
// line and headers, then over the body unless the request is already
// blocked. A fault inside rampart is recovered and counted (Recover), and
// Begin returns nil: the request goes on unprotected (fail open). Call
// Finish on the result when the response is known.
func (a *Agent) Begin(in *httpinput.Request) *Request {
	defer a.Recover()
	r := a.NewRequest(in)
	if r.Blocked() == nil {
		r.Body()
	}
	return r
}

// BeginHTTP begins the evaluation of r, a request of a net/http server,
// as Begin does. The body is read up to the agent's BodyLimit and r.Body
// is replaced so that the handler reads it whole.
//
// When r was routed by an http.ServeMux (r.Pattern is set: BeginHTTP runs
// inside the handler registered on the mux), the pattern's wildcards are
// evaluated as server.request.path_params and the pattern names the route
// in the request's events.
func (a *Agent) BeginHTTP(r *http.Request) *Request {
	return a.BeginHTTPRoute(r, r.Pattern, nil)
}

// BeginHTTPRoute begins the evaluation of r as BeginHTTP does, for a router
// that matched r: route is the template that matched ("/users/{id}",
// "GET /users/{id}"), which names the route in the request's events, and
// params the values the router extracted from the path (name → value),
// evaluated as server.request.path_params and seen by the sinks. Empty
// params leave those of r.Pattern, if any. Framework integrations call it
// where the framework knows the route.
func (a *Agent) BeginHTTPRoute(r *http.Request, route string, params map[string]string) *Request {
	defer a.Recover()
	in, _ := httpinput.FromHTTP(r, &a.inputs)
	if len(params) > 0 {
		in.PathParams = params
	}
	sec := a.Begin(in)
	sec.SetRoute(route)
	return sec
}

// Recover, deferred directly by a guard (defer agent.Recover()), recovers a
// panic inside rampart: it is counted (Stats.Panics) and logged with its
// stack, and the request goes on as if rampart were not there (fail open).
// Results assigned after the panic point are not set, so a guard returns
// its zero value, which means "not protected".
func (a *Agent) Recover() {
	if p := recover(); p != nil {
		a.fault(p)
	}
}

func (a *Agent) fault(p any) {
	a.stats.Panics.Add(1)
	a.log.Error("rampart: internal error (request allowed)", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}

// Response is an HTTP response held as a value: what a blocked request is
// answered with, in whatever shape the guard's transport needs (a
// net/http response, a Lambda event's response, the Python binding's).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// BlockResponse returns rampart's default response for the blocking action
// a: a redirect for redirect_request, otherwise the action's status (403 by
// default) with a JSON or an HTML body, chosen by the action's type or,
// when that is "auto", by accept, the request's Accept header (HTML when
// it asks for text/html ahead of JSON).
func BlockResponse(a *waf.Action, accept string) Response {
	h := http.Header{}
	if a.Type == "redirect_request" && a.Location != "" {
		h.Set("Location", a.Location)
		return Response{Status: a.StatusCode, Header: h}
	}
	h.Set("Cache-Control", "no-store")
	ct := a.ContentType
	if ct == "auto" || ct == "" {
		ct = "json"
		if strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json") {
			ct = "html"
		}
	}
	if ct == "html" {
		h.Set("Content-Type", "text/html; charset=utf-8")
		body := "<!doctype html><html><head><title>Request blocked</title></head><body><h1>Request blocked</h1><p>This request was blocked by the application's security policy (rule " + html.EscapeString(a.RuleID) + ").</p></body></html>\n"
		return Response{Status: a.StatusCode, Header: h, Body: []byte(body)}
	}
	h.Set("Content-Type", "application/json")
	body, _ := json.Marshal(map[string]string{"error": "blocked", "message": "This request was blocked by the application's security policy.", "rule": a.RuleID})
	return Response{Status: a.StatusCode, Header: h, Body: append(body, '\n')}
}

// BlockResponse returns the response the request is answered with when it
// is blocked (see the package-level BlockResponse; the request's own
// Accept header chooses the body), and false while it is not blocked.
func (r *Request) BlockResponse() (Response, bool) {
	a := r.Blocked()
	if a == nil {
		return Response{}, false
	}
	return BlockResponse(a, r.Header("accept")), true
}

// Header returns the first value of the request's header name (any case),
// "" when it has none.
func (r *Request) Header(name string) string {
	if r == nil || r.in == nil {
		return ""
	}
	for _, h := range r.in.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}
