package lambdaguard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// decodeMore decodes the events that are not proxy requests but carry one:
// authorizers (the request they authorize) and WebSocket events.
func decodeMore(k Kind, payload []byte) (Event, error) {
	switch k {
	case KindAuthorizer:
		var ev struct {
			events.APIGatewayCustomAuthorizerRequestTypeRequest
			Token string `json:"authorizationToken"`
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		if ev.Type == "TOKEN" {
			t := events.APIGatewayCustomAuthorizerRequest{Type: ev.Type, AuthorizationToken: ev.Token, MethodArn: ev.MethodArn}
			return Event{Kind: k, Request: FromTokenAuthorizer(&t), ARN: ev.MethodArn}, nil
		}
		return Event{Kind: k, Request: FromRequestAuthorizer(&ev.APIGatewayCustomAuthorizerRequestTypeRequest), ARN: ev.MethodArn}, nil
	case KindAuthorizerV2:
		var ev events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{Kind: k, Request: FromAuthorizerV2(&ev), ARN: ev.RouteArn}, nil
	case KindWebSocket:
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{Kind: k, Request: FromWebSocket(&ev)}, nil
	}
	return Event{}, nil
}

// arnRequest returns the method and path named by an execute-api ARN
// (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH), "" when it
// names none.
func arnRequest(arn string) (method, path string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", ""
	}
	seg := strings.SplitN(parts[5], "/", 4)
	if len(seg) < 3 {
		return "", ""
	}
	method = seg[2]
	if method == "*" || method == "ANY" {
		method = ""
	}
	path = "/"
	if len(seg) == 4 {
		path += seg[3]
	}
	return method, path
}

// FromTokenAuthorizer returns the request a TOKEN authorizer is asked
// about: the method and path of its methodArn, and the token as the
// Authorization header (the header API Gateway read it from, by default).
func FromTokenAuthorizer(ev *events.APIGatewayCustomAuthorizerRequest) *httpinput.Request {
	method, path := arnRequest(ev.MethodArn)
	if method == "" {
		method = http.MethodGet
	}
	return &httpinput.Request{Method: method, URI: path, Headers: [][2]string{{"Authorization", ev.AuthorizationToken}}}
}

// FromRequestAuthorizer returns the request a REQUEST authorizer (REST
// API, or HTTP API with payload format 1.0) is asked about: its headers,
// query, path parameters and source IP, as FromAPIGatewayV1 reads them. It
// has no body: API Gateway calls the authorizer before reading it.
func FromRequestAuthorizer(ev *events.APIGatewayCustomAuthorizerRequestTypeRequest) *httpinput.Request {
	method := ev.HTTPMethod
	if method == "" {
		method, _ = arnRequest(ev.MethodArn)
	}
	path := ev.Path
	if path == "" {
		_, path = arnRequest(ev.MethodArn)
	}
	p := events.APIGatewayProxyRequest{HTTPMethod: method, Path: path, Headers: ev.Headers, MultiValueHeaders: ev.MultiValueHeaders,
		QueryStringParameters: ev.QueryStringParameters, MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		PathParameters: ev.PathParameters}
	p.RequestContext.Identity.SourceIP = ev.RequestContext.Identity.SourceIP
	return FromAPIGatewayV1(&p)
}

// FromAuthorizerV2 returns the request an HTTP API authorizer (payload
// format 2.0) is asked about, as FromAPIGatewayV2 reads it, without a body.
func FromAuthorizerV2(ev *events.APIGatewayV2CustomAuthorizerV2Request) *httpinput.Request {
	return fromV2(ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString, ev.Headers, ev.Cookies,
		"", false, ev.RequestContext.HTTP.SourceIP, ev.PathParameters)
}

// FromWebSocket returns the request of a WebSocket API event: a CONNECT
// is the client's upgrade request (GET, with its headers and query), a
// MESSAGE is a POST of the message body to its route key ("/$default",
// "/sendmessage"), a DISCONNECT a GET of it. The source IP is the client's.
func FromWebSocket(ev *events.APIGatewayWebsocketProxyRequest) *httpinput.Request {
	rc := &ev.RequestContext
	method := ev.HTTPMethod
	if method == "" {
		method = http.MethodGet
		if rc.EventType == "MESSAGE" {
			method = http.MethodPost
		}
	}
	path := ev.Path
	if path == "" {
		path = "/" + url.PathEscape(rc.RouteKey)
	}
	r := &httpinput.Request{
		Method:     method,
		URI:        withQuery(path, buildQuery(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, true)),
		Body:       decodeBody(ev.Body, ev.IsBase64Encoded),
		RemoteAddr: rc.Identity.SourceIP,
		PathParams: ev.PathParameters,
	}
	r.Headers = appendHeaders(make([][2]string, 0, headerCount(ev.Headers, ev.MultiValueHeaders)), ev.Headers, ev.MultiValueHeaders)
	return r
}

// denyPolicy is an authorizer's IAM policy denying arn ("*" when unknown).
func denyPolicy(arn string) events.APIGatewayCustomAuthorizerPolicy {
	if arn == "" {
		arn = "*"
	}
	return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
		{Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{arn}},
	}}
}

// denyPrincipal is the principal a deny names: API Gateway requires one,
// and an authorizer's caller cannot be named yet.
const denyPrincipal = "rampart-blocked"

// authorizerV2Deny is an HTTP API authorizer's answer in both formats.
type authorizerV2Deny struct {
	IsAuthorized   bool                                    `json:"isAuthorized"`
	PrincipalID    string                                  `json:"principalId"`
	PolicyDocument events.APIGatewayCustomAuthorizerPolicy `json:"policyDocument"`
	Context        map[string]any                          `json:"context"`
}

// Answer returns the block response r in the shape the event's source
// expects (For's for the proxy events; a WebSocket event gets the proxy
// response; an authorizer a deny, whose context names the blocking rule),
// or nil for KindOther. rule is the blocking rule's id.
func (e Event) Answer(r *Response, rule string) any {
	ctx := map[string]any{"rampart": "blocked", "rule": rule}
	switch e.Kind {
	case KindWebSocket:
		return r.APIGatewayV1()
	case KindAuthorizer:
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: denyPrincipal, PolicyDocument: denyPolicy(e.ARN), Context: ctx}
	case KindAuthorizerV2:
		return authorizerV2Deny{PrincipalID: denyPrincipal, PolicyDocument: denyPolicy(e.ARN), Context: ctx}
	}
	return r.For(e.Kind, e.MultiValue)
}

// Marshal returns the JSON of Answer.
func (e Event) Marshal(r *Response, rule string) ([]byte, error) {
	return json.Marshal(e.Answer(r, rule))
}
