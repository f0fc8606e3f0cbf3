package rampart

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/redact"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// ErrBlocked is wrapped by every error rampart returns when it blocks.
var ErrBlocked = errors.New("rampart: blocked")

// BlockedError reports a request (or an action inside it) that rampart
// blocked. It wraps ErrBlocked.
type BlockedError struct {
	RuleID string
	Action *waf.Action
}

// Error describes the block.
func (e *BlockedError) Error() string { return "rampart: blocked by rule " + e.RuleID }

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Request is the security context of one request: its WAF evaluation, what
// it matched and whether it is blocked. Guards create it with
// Agent.Begin, and the application reaches it with FromContext.
type Request struct {
	// mu serializes the WAF context: a handler may reach the sinks from
	// several goroutines.
	mu       sync.Mutex
	agent    *Agent
	waf      *waf.Context
	in       *httpinput.Request
	inputs   httpinput.SinkInputs // what the sinks compare with (whole)
	addrs    []waf.Address
	matches  []waf.Match
	block    *waf.Action
	timedOut bool
	notRun   []string // the rules the time budget kept from running
	route    string
	start    time.Time
	done     bool
}

type ctxKey struct{}

// WithRequest returns a context carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the request's security context, or nil when rampart
// is not protecting this request.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(ctxKey{}).(*Request)
	return r
}

// NewRequest starts the evaluation of a request: it runs the rules over the
// addresses known from the request line and headers. Call Body when the body
// is available and Finish when the response is known.
func (a *Agent) NewRequest(in *httpinput.Request) *Request {
	r := &Request{agent: a, in: in, start: time.Now()}
	a.stats.Requests.Add(1)
	r.waf = a.engine.NewContext()
	r.inputs.Reset(in, &a.inputs)
	r.waf.SetInputSource(&r.inputs)
	var err error
	r.addrs, err = httpinput.Build(in, &a.inputs, r.addrs[:0])
	if err != nil {
		a.stats.Truncated.Add(1)
	}
	r.run(r.addrs)
	return r
}

// Body runs the rules over the parsed body.
func (r *Request) Body() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	// Parsed only when a rule reads it, and within the time budget: the
	// parse is charged to it, and a parse that reaches it stops there
	// (what was parsed is evaluated; the request is reported as timed
	// out). Exploit prevention reads the body on its own (SinkInputs).
	if !r.agent.engine.Reads(waf.AddrBody) && !r.agent.engine.Reads(waf.AddrBodyFilenames) {
		return
	}
	n := len(r.addrs)
	var deadline time.Time
	start := time.Now()
	if left := r.waf.Remaining(); left >= 0 {
		deadline = start.Add(left)
	}
	var err error
	r.addrs, err = httpinput.BuildBodyUntil(r.in, &r.agent.inputs, r.addrs, deadline)
	r.waf.Charge(time.Since(start))
	if errors.Is(err, httpinput.ErrDeadline) {
		r.waf.Expire() // the body rules are reported as not run
		r.timedOut = true
	}
	if err != nil && errors.Is(err, httpinput.ErrTruncated) {
		r.agent.stats.Truncated.Add(1)
	}
	if len(r.addrs) > n {
		r.run(r.addrs[n:])
	}
}

// SetRoute records the route template that served the request
// ("/users/{id}"), for reports.
func (r *Request) SetRoute(route string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.route = route
	r.mu.Unlock()
}

// Route returns the route template recorded by SetRoute, "" when none.
func (r *Request) Route() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.route
}

// Run evaluates extra addresses (path parameters from a router, the user
// id once known) within this request.
func (r *Request) Run(addrs ...waf.Address) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.run(addrs)
}

func (r *Request) run(addrs []waf.Address) {
	defer r.agent.Recover()
	res := r.waf.Run(addrs)
	r.matches = append(r.matches, res.Matches...)
	if res.TimedOut {
		r.timedOut = true
	}
	if res.Block != nil && r.block == nil {
		r.block = r.agent.enforced(res.Matches)
	}
}

// enforced returns the blocking action of the first blocking match that
// the agent's modes enforce: Mode for the block lists that the backend's
// decisions fill (category security_response), WAFMode for the other
// request rules. Nil when none is enforced.
func (a *Agent) enforced(ms []waf.Match) *waf.Action {
	for i := range ms {
		m := &ms[i]
		if !m.Blocking || m.Block == nil {
			continue
		}
		mode := a.cfg.WAFMode
		if m.Category == "security_response" {
			mode = a.cfg.Mode
		}
		if mode == ModeBlock {
			return m.Block
		}
	}
	return nil
}

// Blocked returns the blocking action when the request must be blocked
// (block mode and a blocking rule matched), nil otherwise.
func (r *Request) Blocked() *waf.Action {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.block
}

// Err returns a *BlockedError when the request is blocked, nil otherwise.
func (r *Request) Err() error {
	if b := r.Blocked(); b != nil {
		return &BlockedError{RuleID: b.RuleID, Action: b}
	}
	return nil
}

// Matches returns the rules matched so far.
func (r *Request) Matches() []waf.Match {
	if r == nil {
		return nil
	}
	return r.matches
}

// TimedOut reports whether the WAF's time budget ran out on this request.
func (r *Request) TimedOut() bool { return r != nil && r.timedOut }

// Finish records the response status, runs the response rules, reports the
// request's attack event when a rule matched, or its request event when
// the WAF's time budget ran out with no rule matched (so that no timeout
// goes unseen; the agent also logs them, at most once a minute), and
// releases the evaluation. It is safe to call more than once.
func (r *Request) Finish(status int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	if status > 0 {
		r.run([]waf.Address{{Name: waf.AddrStatus, Value: waf.String(strconv.Itoa(status))}})
	}
	r.done = true
	if r.timedOut {
		r.notRun = r.waf.NotRun()
	}
	r.waf.Close()
	r.waf = nil
	a := r.agent
	if r.block != nil {
		a.stats.Blocked.Add(1)
	}
	if len(r.matches) == 0 && !r.timedOut {
		return
	}
	defer a.Recover()
	if r.timedOut {
		a.stats.Timeouts.Add(1)
		a.noteTimeout(r.route, len(r.notRun))
	}
	if len(r.matches) > 0 {
		a.stats.Attacks.Add(1)
	}
	a.exporter.Export(r.event(status))
}

func (r *Request) event(status int) *event.Event {
	a := r.agent
	ev := &event.Event{
		Type: event.TypeAttack, Time: r.start.UTC(), Service: a.cfg.Service, Env: a.cfg.Env, Version: Version,
		Blocked: r.block != nil, Mode: string(a.cfg.Mode), TimedOut: r.timedOut,
		Request: &event.Request{Method: r.in.Method, URI: redactURI(r.in.URI), Route: r.route, Status: status, Headers: map[string]string{}},
	}
	if len(r.matches) == 0 {
		ev.Type = event.TypeRequest // a timeout: see Finish
	}
	if n := len(r.notRun); n > 0 {
		ev.NotRun, ev.NotRunCount = r.notRun[:min(n, event.MaxNotRun)], n
	}
	for _, ad := range r.addrs {
		if ad.Name == waf.AddrClientIP {
			ev.Request.ClientIP = ad.Value.Str()
		}
	}
	for _, h := range r.in.Headers {
		name := strings.ToLower(h[0])
		v := h[1]
		if name == "cookie" || redact.Key(name) {
			v = redact.Placeholder
		} else {
			v = redact.Truncate(redact.Value(v), 512)
		}
		if name == "user-agent" {
			ev.Request.UserAgent = v
		}
		if len(ev.Request.Headers) < 32 {
			ev.Request.Headers[name] = v
		}
	}
	for _, m := range r.matches {
		t := event.Trigger{
			RuleID: m.RuleID, RuleName: m.RuleName, Category: m.Category, Type: m.Type,
			Address: m.Address, KeyPath: m.KeyPath, Value: m.Value, Highlight: m.Highlight(), Blocking: m.Blocking,
		}
		if m.Raw != m.Value {
			t.Raw = m.Raw
		}
		ev.Triggers = append(ev.Triggers, t)
	}
	return ev
}

// redactURI hides the values of sensitive query parameters.
func redactURI(uri string) string {
	q := strings.IndexByte(uri, '?')
	if q < 0 {
		return redact.Truncate(uri, 2048)
	}
	var b strings.Builder
	b.WriteString(uri[:q+1])
	for i, kv := range strings.Split(uri[q+1:], "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		k, _, hasV := strings.Cut(kv, "=")
		if hasV && redact.Key(k) {
			b.WriteString(k + "=" + redact.Placeholder)
		} else {
			b.WriteString(kv)
		}
	}
	return redact.Truncate(b.String(), 2048)
}
