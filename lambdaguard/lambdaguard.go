// Package lambdaguard protects AWS Lambda functions written in Go with
// rampart: it wraps an aws-lambda-go handler so that every API Gateway (REST
// v1 and HTTP API v2), Application Load Balancer, Function URL and
// WebSocket event is evaluated by the WAF before the handler runs, blocked
// in block mode with a 403 in that event's own response type (a JSON or an
// HTML body, as httpguard answers), and handed to the handler with the request's security
// context on its context.Context, for the guards that run inside it. A
// Lambda authorizer's event is evaluated on the request it authorizes, and
// a blocked one is denied in the authorizer's own answer (an IAM Deny
// policy; isAuthorized false for HTTP APIs). Other events pass through
// untouched, with a security context all the same.
//
//	lambda.Start(lambdaguard.Wrap(handler))
//
// plus RAMPART_ENABLED=true on the function is all it takes. Off, Wrap
// returns the handler itself.
//
// The engine is built once per execution environment, on the first call of
// Wrap (or Agent), during the function's init phase. The environment
// freezes as soon as the handler returns, so the invocation's events are
// delivered before that, within FlushTimeout: handed over on localhost to
// the rampart Lambda extension when it runs beside the function (see
// ExtensionExporter), or flushed by the agent's own exporter (Agent.Flush).
// Events carry the function's qualified name and whether the invocation was
// a cold start. The collector's decisions (blocked IPs and users) are
// polled by the agent (package report) from the extension's cache, or from
// the collector itself without the extension.
package lambdaguard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// DefaultFlushTimeout is the default Guard.FlushTimeout: a handoff to the
// extension on localhost takes well under a millisecond, and a function's
// response must not wait on rampart for longer than a few.
const DefaultFlushTimeout = 5 * time.Millisecond

// invokePath is the Lambda Invoke API's path for this function.
var invokePath = "/2015-03-31/functions/" + url.PathEscape(os.Getenv("AWS_LAMBDA_FUNCTION_NAME")) + "/invocations"

// invocations counts the invocations of this process (one execution
// environment): the first one is the cold start.
var invocations atomic.Int64

// Wrap protects handler with the process-wide agent (Agent): when rampart is
// disabled it returns handler itself. handler is anything lambda.Start
// accepts: the typed forms func(context.Context, events.X) (events.Y, error)
// for the four HTTP event types are wrapped without reflection, a
// lambda.Handler is wrapped as one, and every other function is turned into
// a lambda.Handler with lambda.NewHandler first.
func Wrap(handler any) any { return New(Agent(), handler) }

// New protects handler with agent, as Wrap does; a nil agent returns
// handler unchanged.
func New(agent *rampart.Agent, handler any) any {
	if agent == nil {
		return handler
	}
	return (&Guard{Agent: agent}).Wrap(handler)
}

// Guard protects handlers with an Agent. Its zero FlushTimeout means
// DefaultFlushTimeout; its nil BlockResponse means BlockResponse.
type Guard struct {
	Agent *rampart.Agent
	// FlushTimeout bounds the delivery of an invocation's events before the
	// handler returns.
	FlushTimeout time.Duration
	// BlockResponse, when set, builds the response of a blocked request;
	// accept is the request's Accept header.
	BlockResponse func(a *waf.Action, accept string) *Response
}

// Wrap protects handler as the package-level Wrap does, with g.
func (g *Guard) Wrap(handler any) any {
	if g == nil || g.Agent == nil {
		return handler
	}
	switch h := handler.(type) {
	case func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayProxyResponse, error):
		return Func(g, h)
	case func(context.Context, events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error):
		return Func(g, h)
	case func(context.Context, events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerIAMPolicyResponse, error):
		return Func(g, h)
	case func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error):
		return Func(g, h)
	case lambda.Handler:
		return g.Handler(h)
	}
	return g.Handler(lambda.NewHandler(handler))
}

// Func protects the typed handler h with g (a nil g or agent returns h).
// TIn is an event type: the four HTTP event types of package events are
// evaluated, any other passes through with a security context. A blocked
// request is answered with TOut built from the block response: directly for
// the events response types, through JSON for other types.
func Func[TIn, TOut any](g *Guard, h func(context.Context, TIn) (TOut, error)) func(context.Context, TIn) (TOut, error) {
	if g == nil || g.Agent == nil {
		return h
	}
	return func(ctx context.Context, in TIn) (TOut, error) {
		inv := g.begin()
		var d Event
		switch ev := any(&in).(type) {
		case *events.APIGatewayProxyRequest:
			d = g.safeDecode(func() Event { return Event{Kind: KindAPIGatewayV1, Request: FromAPIGatewayV1(ev), MultiValue: false} })
		case *events.APIGatewayV2HTTPRequest:
			d = g.safeDecode(func() Event { return Event{Kind: KindAPIGatewayV2, Request: FromAPIGatewayV2(ev), MultiValue: false} })
		case *events.LambdaFunctionURLRequest:
			d = g.safeDecode(func() Event { return Event{Kind: KindFunctionURL, Request: FromFunctionURL(ev), MultiValue: false} })
		case *events.ALBTargetGroupRequest:
			d = g.safeDecode(func() Event {
				return Event{Kind: KindALB, Request: FromALB(ev), MultiValue: ev.MultiValueHeaders != nil}
			})
		case *events.APIGatewayCustomAuthorizerRequest:
			d = g.safeDecode(func() Event { return Event{Kind: KindAuthorizer, Request: FromTokenAuthorizer(ev), ARN: ev.MethodArn} })
		case *events.APIGatewayCustomAuthorizerRequestTypeRequest:
			d = g.safeDecode(func() Event {
				return Event{Kind: KindAuthorizer, Request: FromRequestAuthorizer(ev), ARN: ev.MethodArn}
			})
		case *events.APIGatewayV2CustomAuthorizerV2Request:
			d = g.safeDecode(func() Event { return Event{Kind: KindAuthorizerV2, Request: FromAuthorizerV2(ev), ARN: ev.RouteArn} })
		case *events.APIGatewayWebsocketProxyRequest:
			d = g.safeDecode(func() Event { return Event{Kind: KindWebSocket, Request: FromWebSocket(ev)} })
		}
		sec := g.evaluate(d.Request)
		defer inv.end(ctx)
		if sec == nil {
			return h(ctx, in) // rampart failed: fail open
		}
		if a := sec.Blocked(); a != nil && d.Kind != KindOther {
			return blockAs[TOut](g, sec, a, d)
		}
		out, err := h(rampart.WithRequest(ctx, sec), in)
		if a := sec.Blocked(); a != nil && d.Kind != KindOther {
			return blockAs[TOut](g, sec, a, d) // blocked inside the handler, at a sink
		}
		if d.Kind == KindOther {
			sec.Finish(0)
		} else {
			sec.Finish(statusOf(any(&out), err))
		}
		return out, err
	}
}

// blockAs answers a blocked request with the block response as a TOut. When
// TOut cannot hold it, the handler's error is the *rampart.BlockedError.
func blockAs[TOut any](g *Guard, sec *rampart.Request, a *waf.Action, d Event) (TOut, error) {
	var out TOut
	resp := g.blockResponse(a, d.Request)
	sec.Finish(resp.StatusCode)
	if d.Kind == KindOther {
		return out, sec.Err()
	}
	if d.Kind != KindAuthorizer && d.Kind != KindAuthorizerV2 {
		switch p := any(&out).(type) {
		case *events.APIGatewayProxyResponse:
			*p = resp.APIGatewayV1()
			return out, nil
		case *events.APIGatewayV2HTTPResponse:
			*p = resp.APIGatewayV2()
			return out, nil
		case *events.LambdaFunctionURLResponse:
			*p = resp.FunctionURL()
			return out, nil
		case *events.ALBTargetGroupResponse:
			*p = resp.ALB(d.MultiValue)
			return out, nil
		}
	}
	// An authorizer's deny, or a response type of the handler's own:
	// through JSON.
	b, err := d.Marshal(resp, a.RuleID)
	if err != nil || json.Unmarshal(b, &out) != nil {
		var zero TOut
		return zero, sec.Err()
	}
	return out, nil
}

// statusOf returns the status of a handler's response, for the response
// rules and the event: 200 when the response type has none, 502 (what API
// Gateway answers) when the handler failed.
func statusOf(out any, err error) int {
	if err != nil {
		return http.StatusBadGateway
	}
	s := 0
	switch p := out.(type) {
	case *events.APIGatewayProxyResponse:
		s = p.StatusCode
	case *events.APIGatewayV2HTTPResponse:
		s = p.StatusCode
	case *events.LambdaFunctionURLResponse:
		s = p.StatusCode
	case *events.ALBTargetGroupResponse:
		s = p.StatusCode
	}
	if s == 0 {
		s = http.StatusOK
	}
	return s
}

// Handler protects the raw handler h with g: the payload's kind is detected
// (Detect) and HTTP events are evaluated; every payload reaches h unchanged
// unless it is blocked, and a blocked one is answered with the block
// response in the event's format.
func (g *Guard) Handler(h lambda.Handler) lambda.Handler {
	if g == nil || g.Agent == nil {
		return h
	}
	return &rawHandler{g: g, next: h}
}

type rawHandler struct {
	g    *Guard
	next lambda.Handler
}

// Invoke evaluates the payload and calls the next handler unless it is
// blocked.
func (h *rawHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	g := h.g
	inv := g.begin()
	d := g.safeDecode(func() Event {
		d, err := Decode(payload)
		if err == ErrPayloadTooLarge {
			g.Agent.Stats().Truncated.Add(1)
		}
		return d
	})
	sec := g.evaluate(d.Request)
	defer inv.end(ctx)
	if sec == nil {
		return h.next.Invoke(ctx, payload)
	}
	if a := sec.Blocked(); a != nil && d.Kind != KindOther {
		return g.blockRaw(sec, a, d)
	}
	var out []byte
	var err error
	if hh, ok := h.next.(*httpHandler); ok && d.Kind != KindOther {
		out, err = hh.serve(rampart.WithRequest(ctx, sec), d) // decoded once
	} else {
		out, err = h.next.Invoke(rampart.WithRequest(ctx, sec), payload)
	}
	if a := sec.Blocked(); a != nil && d.Kind != KindOther {
		return g.blockRaw(sec, a, d)
	}
	status := 0
	if d.Kind != KindOther {
		var p struct {
			StatusCode int `json:"statusCode"`
		}
		if err == nil && json.Unmarshal(out, &p) == nil {
			status = p.StatusCode
		}
		if status == 0 {
			status = statusOf(nil, err)
		}
	}
	sec.Finish(status)
	return out, err
}

func (g *Guard) blockRaw(sec *rampart.Request, a *waf.Action, d Event) ([]byte, error) {
	resp := g.blockResponse(a, d.Request)
	sec.Finish(resp.StatusCode)
	b, err := d.Marshal(resp, a.RuleID)
	if err != nil {
		return nil, sec.Err()
	}
	return b, nil
}

func (g *Guard) blockResponse(a *waf.Action, in *httpinput.Request) *Response {
	accept := ""
	if in != nil {
		accept = headerValue(in.Headers, "accept")
	}
	if g.BlockResponse != nil {
		if r := g.customBlock(a, accept); r != nil {
			return r
		}
	}
	return BlockResponse(a, accept)
}

// customBlock calls g.BlockResponse; a panic in it is counted and the
// default response is used instead.
func (g *Guard) customBlock(a *waf.Action, accept string) *Response {
	defer g.Agent.Recover()
	return g.BlockResponse(a, accept)
}

// invocation is one invocation in progress.
type invocation struct {
	g    *Guard
	cold bool
}

// begin starts an invocation: it counts it (the first of the process is
// the cold start).
func (g *Guard) begin() invocation {
	inv := invocation{g: g, cold: invocations.Add(1) == 1}
	if inv.cold {
		coldStart.Store(true)
	}
	return inv
}

// end delivers the invocation's events before the handler returns. The
// events exported until the first invocation ends are the cold start's
// (with concurrent invocations in one environment, as Lambda Managed
// Instances run them, those of its neighbours too).
func (inv invocation) end(ctx context.Context) {
	if inv.cold {
		defer coldStart.Store(false)
	}
	a := inv.g.Agent
	if x, ok := a.Config().Exporter.(*Exporter); ok && !x.pending() {
		return
	}
	d := inv.g.FlushTimeout
	if d <= 0 {
		d = DefaultFlushTimeout
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	defer cancel()
	defer inv.g.Agent.Recover()
	if err := a.Flush(fctx); err != nil {
		// Not lost: the exporter keeps them for a later flush, and counts
		// what it has to drop.
		a.Config().Logger.Debug("rampart: delivering events before the invocation returns", "error", err)
	}
}

// safeDecode runs f, the decoding of an event, recovering a panic (fail
// open: the event then passes through as KindOther).
func (g *Guard) safeDecode(f func() Event) Event {
	defer g.Agent.Recover()
	return f()
}

// evaluate starts the request's evaluation (Agent.Begin). A nil in (an
// event that is not an HTTP request) gets a security context for the
// invocation itself, modelled as the Invoke API's request with no data
// (POST /2015-03-31/functions/NAME/invocations); a WAF rule that matches it
// is reported but never answers the event, which has no HTTP response. A
// fault inside rampart gives nil: the invocation goes on unprotected.
func (g *Guard) evaluate(in *httpinput.Request) *rampart.Request {
	if in == nil {
		// The invocation itself, as the Lambda Invoke API receives it.
		in = &httpinput.Request{Method: http.MethodPost, URI: invokePath}
	}
	return g.Agent.Begin(in)
}
