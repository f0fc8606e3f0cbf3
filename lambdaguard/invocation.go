package lambdaguard

import (
	"context"

	"github.com/rampartsec/rampart"
)

// Invocation is one invocation of a function whose handler is not Go code
// (the Python binding's): the raw payload decoded and evaluated as Wrap
// does, the security context the handler's sink checks and user events
// use, and the block response in the event's own shape.
type Invocation struct {
	g   *Guard
	inv invocation
	ev  Event
	sec *rampart.Request
	end bool
}

// Begin starts an invocation of payload, the raw invocation event: its
// kind is detected (Detect), an HTTP event is decoded and evaluated
// (headers, then body), and any other gets a security context for the
// invocation itself. A fault inside rampart is recovered and counted: the
// invocation then has no security context (Request returns nil) and goes
// on unprotected.
func (g *Guard) Begin(payload []byte) *Invocation {
	v := &Invocation{g: g, inv: g.begin()}
	v.ev = g.safeDecode(func() Event {
		d, err := Decode(payload)
		if err == ErrPayloadTooLarge {
			g.Agent.Stats().Truncated.Add(1)
		}
		return d
	})
	v.sec = g.evaluate(v.ev.Request)
	return v
}

// Kind is the kind of the invocation's event.
func (v *Invocation) Kind() Kind { return v.ev.Kind }

// Request is the invocation's security context, nil when rampart failed.
func (v *Invocation) Request() *rampart.Request { return v.sec }

// Blocked returns the block response of the invocation, in the event's own
// response shape, once a rule blocked it (at the start or at a sink); nil
// while it is not blocked, and for an event that is not an HTTP request
// (which has no HTTP response to answer with).
func (v *Invocation) Blocked() []byte {
	if v.sec == nil || v.ev.Kind == KindOther {
		return nil
	}
	a := v.sec.Blocked()
	if a == nil {
		return nil
	}
	b, err := v.ev.Marshal(v.g.blockResponse(a, v.ev.Request), a.RuleID)
	if err != nil {
		return nil
	}
	return b
}

// End finishes the invocation with the status of the handler's response
// (0 when it has none: an event that is not an HTTP request) and delivers
// its events before the handler returns, within the guard's FlushTimeout.
// A blocked invocation is finished with its block response's status. It
// returns the block response when the invocation is blocked (Blocked), so
// that the caller answers with it whatever the handler returned. Calls
// after the first do nothing and return nil.
func (v *Invocation) End(ctx context.Context, status int) []byte {
	if v.end {
		return nil
	}
	v.end = true
	defer v.inv.end(ctx)
	if v.sec == nil {
		return nil
	}
	if a := v.sec.Blocked(); a != nil && v.ev.Kind != KindOther {
		resp := v.g.blockResponse(a, v.ev.Request)
		v.sec.Finish(resp.StatusCode)
		b, err := v.ev.Marshal(resp, a.RuleID)
		if err != nil {
			return nil
		}
		return b
	}
	if v.ev.Kind == KindOther {
		status = 0
	}
	v.sec.Finish(status)
	return nil
}
