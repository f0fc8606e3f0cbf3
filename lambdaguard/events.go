package lambdaguard

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// Kind is the shape of an invocation event.
type Kind int

// The event kinds lambdaguard understands. Every other event is KindOther:
// it passes through untouched.
const (
	KindOther        Kind = iota
	KindAPIGatewayV1      // API Gateway REST API, Lambda proxy integration
	KindAPIGatewayV2      // API Gateway HTTP API, payload format 2.0
	KindALB               // Application Load Balancer target group
	KindFunctionURL       // Lambda Function URL
	// KindAuthorizer is an API Gateway Lambda authorizer with an IAM
	// policy answer: a REST API's TOKEN or REQUEST authorizer, or an HTTP
	// API's with payload format 1.0. A blocked one is denied with a Deny
	// policy on its methodArn.
	KindAuthorizer
	// KindAuthorizerV2 is an HTTP API Lambda authorizer with payload
	// format 2.0. A blocked one is denied in both of its answer formats at
	// once: a simple response (isAuthorized false) and a Deny policy on
	// its routeArn, so that the deny holds whichever the authorizer is
	// configured for.
	KindAuthorizerV2
	// KindWebSocket is an API Gateway WebSocket API event: CONNECT (its
	// headers and query), MESSAGE (its body) or DISCONNECT. A blocked one
	// is answered with the proxy response status, which refuses a
	// connection or a route's message.
	KindWebSocket
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindAPIGatewayV1:
		return "apigateway-v1"
	case KindAPIGatewayV2:
		return "apigateway-v2"
	case KindALB:
		return "alb"
	case KindFunctionURL:
		return "function-url"
	case KindAuthorizer:
		return "authorizer"
	case KindAuthorizerV2:
		return "authorizer-v2"
	case KindWebSocket:
		return "websocket"
	}
	return "other"
}

// Limits on what the decoding of an event keeps, so that one invocation's
// cost stays bounded whatever its payload holds. The request model applies
// its own limits (httpinput.MaxHeaders, MaxParams...) on top.
const (
	// MaxPayload is the largest raw payload that is decoded to look for an
	// HTTP request (WrapHandler, the extension's proxy mode). Lambda's own
	// limit on a synchronous invocation payload is 6 MB; a larger payload
	// is passed through uninspected and counted as truncated.
	MaxPayload = 6 << 20

	// maxValues is the most values of one multi-value header or query
	// parameter kept: far beyond real traffic, and
	// httpinput.MaxContainerSize caps what the WAF walks anyway.
	maxValues = 256
)

// ErrPayloadTooLarge reports a payload too large to inspect (MaxPayload).
var ErrPayloadTooLarge = errors.New("lambdaguard: payload too large to inspect")

// decodeBody returns the event's body as bytes, base64-decoded when the
// event says so. A body that is not valid base64 is inspected as it is:
// that is what the handler will see, and an attacker must not be able to
// hide a payload behind a bad encoding.
func decodeBody(body string, isBase64 bool) []byte {
	if body == "" {
		return nil
	}
	if isBase64 {
		b, err := base64.StdEncoding.DecodeString(body)
		if err == nil {
			return b
		}
		if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(body, "=")); err == nil {
			return b
		}
	}
	return []byte(body)
}

// headerCount is the number of header lines of a single- and a
// multi-value header map together (multi-value wins per name).
func headerCount(single map[string]string, multi map[string][]string) int {
	n := 0
	for _, vs := range multi {
		n += min(len(vs), maxValues)
	}
	for k := range single {
		if _, ok := multi[k]; !ok {
			n++
		}
	}
	return n
}

// appendHeaders appends the header lines of the maps: every value of a
// multi-value header, and the single-value headers that the multi-value map
// does not have. API Gateway REST and ALB (with multi-value headers on)
// send both maps, the single one holding the last value of each name.
func appendHeaders(dst [][2]string, single map[string]string, multi map[string][]string) [][2]string {
	for k, vs := range multi {
		for _, v := range vs[:min(len(vs), maxValues)] {
			dst = append(dst, [2]string{k, v})
		}
	}
	for k, v := range single {
		if _, ok := multi[k]; !ok {
			dst = append(dst, [2]string{k, v})
		}
	}
	return dst
}

// headerValue returns the value of the first header named name (case
// ignored) in hs.
func headerValue(hs [][2]string, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// buildQuery returns the query string of the parameter maps, sorted by
// name so the URI is the same on every invocation. escape says whether the
// values are decoded (API Gateway REST: escape them again so that the
// request model decodes them once) or as received (ALB: keep them).
func buildQuery(single map[string]string, multi map[string][]string, escape bool) string {
	if len(single) == 0 && len(multi) == 0 {
		return ""
	}
	names := make([]string, 0, len(single)+len(multi))
	for k := range multi {
		names = append(names, k)
	}
	for k := range single {
		if _, ok := multi[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		if escape {
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		} else {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	for _, k := range names {
		if vs, ok := multi[k]; ok {
			for _, v := range vs[:min(len(vs), maxValues)] {
				add(k, v)
			}
			continue
		}
		add(k, single[k])
	}
	return b.String()
}

func withQuery(path, query string) string {
	if path == "" {
		path = "/"
	}
	if query == "" {
		return path
	}
	return path + "?" + query
}

// FromAPIGatewayV1 returns the request of an API Gateway REST API proxy
// event: multi-value headers and query parameters merged with the
// single-value ones, the body base64-decoded when it is, the path
// parameters, and the source IP that API Gateway saw.
func FromAPIGatewayV1(ev *events.APIGatewayProxyRequest) *httpinput.Request {
	r := &httpinput.Request{
		Method:     ev.HTTPMethod,
		URI:        withQuery(ev.Path, buildQuery(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, true)),
		Body:       decodeBody(ev.Body, ev.IsBase64Encoded),
		RemoteAddr: ev.RequestContext.Identity.SourceIP,
		PathParams: ev.PathParameters,
	}
	r.Headers = appendHeaders(make([][2]string, 0, headerCount(ev.Headers, ev.MultiValueHeaders)), ev.Headers, ev.MultiValueHeaders)
	return r
}

// FromAPIGatewayV2 returns the request of an API Gateway HTTP API event
// (payload format 2.0): the raw path and query, the headers, the cookies
// (sent apart from the headers in this format), the body base64-decoded
// when it is, the path parameters and the source IP.
func FromAPIGatewayV2(ev *events.APIGatewayV2HTTPRequest) *httpinput.Request {
	return fromV2(ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString, ev.Headers, ev.Cookies,
		ev.Body, ev.IsBase64Encoded, ev.RequestContext.HTTP.SourceIP, ev.PathParameters)
}

// FromFunctionURL returns the request of a Lambda Function URL event, as
// FromAPIGatewayV2 does (the format is the same, without path parameters).
func FromFunctionURL(ev *events.LambdaFunctionURLRequest) *httpinput.Request {
	return fromV2(ev.RequestContext.HTTP.Method, ev.RawPath, ev.RawQueryString, ev.Headers, ev.Cookies,
		ev.Body, ev.IsBase64Encoded, ev.RequestContext.HTTP.SourceIP, nil)
}

func fromV2(method, path, query string, headers map[string]string, cookies []string, body string, b64 bool, ip string, params map[string]string) *httpinput.Request {
	r := &httpinput.Request{
		Method:     method,
		URI:        withQuery(path, query),
		Body:       decodeBody(body, b64),
		RemoteAddr: ip,
		PathParams: params,
	}
	n := min(len(cookies), httpinput.MaxCookies)
	hs := make([][2]string, 0, len(headers)+n)
	for k, v := range headers {
		if n > 0 && strings.EqualFold(k, "cookie") {
			continue // the format moves cookies to Cookies; a leftover header is the same data
		}
		hs = append(hs, [2]string{k, v})
	}
	for _, c := range cookies[:n] {
		hs = append(hs, [2]string{"cookie", c})
	}
	r.Headers = hs
	return r
}

// FromALB returns the request of an Application Load Balancer event, with
// single- or multi-value headers and query parameters (the target group's
// setting). ALB passes query parameters as the client sent them (not
// decoded), and gives the client's address only as the last entry of
// X-Forwarded-For, which it appends itself: that entry is the source IP.
func FromALB(ev *events.ALBTargetGroupRequest) *httpinput.Request {
	r := &httpinput.Request{
		Method: ev.HTTPMethod,
		URI:    withQuery(ev.Path, buildQuery(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, false)),
		Body:   decodeBody(ev.Body, ev.IsBase64Encoded),
	}
	r.Headers = appendHeaders(make([][2]string, 0, headerCount(ev.Headers, ev.MultiValueHeaders)), ev.Headers, ev.MultiValueHeaders)
	xff := ""
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "x-forwarded-for") {
			xff = h[1] // the last line: ALB appends to what it received
		}
	}
	if i := strings.LastIndexByte(xff, ','); i >= 0 {
		xff = xff[i+1:]
	}
	r.RemoteAddr = strings.TrimSpace(xff)
	return r
}

// probe holds the fields that tell the event kinds apart.
type probe struct {
	Version        string  `json:"version"`
	Type           string  `json:"type"`
	MethodArn      string  `json:"methodArn"`
	RouteArn       string  `json:"routeArn"`
	Token          *string `json:"authorizationToken"`
	RawPath        *string `json:"rawPath"`
	HTTPMethod     string  `json:"httpMethod"`
	RequestContext *struct {
		ELB          *json.RawMessage `json:"elb"`
		HTTP         *json.RawMessage `json:"http"`
		Stage        string           `json:"stage"`
		DomainName   string           `json:"domainName"`
		RouteKey     string           `json:"routeKey"`
		EventType    string           `json:"eventType"`
		ConnectionID string           `json:"connectionId"`
	} `json:"requestContext"`
}

// Detect returns the kind of a raw invocation payload, from the fields
// that tell the formats apart: an authorizer's type (TOKEN or REQUEST) with
// its methodArn (KindAuthorizer) or routeArn (KindAuthorizerV2), which the
// REQUEST ones carry besides the fields of the request they authorize; a
// WebSocket event's requestContext.eventType and connectionId; httpMethod
// with requestContext.elb (ALB) or without (API Gateway REST); version 2.0
// with rawPath and requestContext.http, then a *.lambda-url.* domain or no
// stage (Function URL) or else an HTTP API. Anything else, including a
// payload that is not a JSON object, is KindOther.
func Detect(payload []byte) Kind {
	k, _ := detect(payload)
	return k
}

func detect(payload []byte) (Kind, error) {
	if len(payload) > MaxPayload {
		return KindOther, ErrPayloadTooLarge
	}
	i := 0
	for i < len(payload) && (payload[i] == ' ' || payload[i] == '\t' || payload[i] == '\n' || payload[i] == '\r') {
		i++
	}
	if i == len(payload) || payload[i] != '{' {
		return KindOther, nil
	}
	var p probe
	if err := json.Unmarshal(payload, &p); err != nil {
		return KindOther, nil
	}
	switch {
	case p.Type == "TOKEN" && p.Token != nil && p.MethodArn != "":
		return KindAuthorizer, nil
	case p.Type == "REQUEST" && p.MethodArn != "":
		return KindAuthorizer, nil
	case p.Type == "REQUEST" && p.RouteArn != "" && p.Version == "2.0":
		return KindAuthorizerV2, nil
	case p.RequestContext == nil:
		return KindOther, nil
	case p.RequestContext.ConnectionID != "" && (p.RequestContext.EventType == "CONNECT" || p.RequestContext.EventType == "MESSAGE" || p.RequestContext.EventType == "DISCONNECT"):
		return KindWebSocket, nil
	case p.HTTPMethod != "" && p.RequestContext.ELB != nil:
		return KindALB, nil
	case p.HTTPMethod != "":
		return KindAPIGatewayV1, nil
	case p.Version == "2.0" && p.RawPath != nil && p.RequestContext.HTTP != nil:
		if strings.Contains(p.RequestContext.DomainName, ".lambda-url.") || p.RequestContext.Stage == "" && p.RequestContext.RouteKey == "" {
			return KindFunctionURL, nil
		}
		return KindAPIGatewayV2, nil
	}
	return KindOther, nil
}

// Event is a decoded invocation event.
type Event struct {
	Kind Kind
	// Request is the HTTP request, nil for KindOther.
	Request *httpinput.Request
	// MultiValue is true for an ALB event with multi-value headers, whose
	// response must use multiValueHeaders too.
	MultiValue bool
	// ARN is an authorizer's methodArn or routeArn: what its deny names.
	ARN string
}

// Decode detects the kind of a raw invocation payload and decodes its
// request. The error, when not nil, says why an event that looked like an
// HTTP event could not be decoded (it is then KindOther, to pass through)
// or that the payload was too large to inspect (more than MaxPayload).
func Decode(payload []byte) (Event, error) {
	k, err := detect(payload)
	if err != nil {
		return Event{}, err
	}
	switch k {
	case KindAPIGatewayV1:
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{k, FromAPIGatewayV1(&ev), false, ""}, nil
	case KindAPIGatewayV2:
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{k, FromAPIGatewayV2(&ev), false, ""}, nil
	case KindFunctionURL:
		var ev events.LambdaFunctionURLRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{k, FromFunctionURL(&ev), false, ""}, nil
	case KindALB:
		var ev events.ALBTargetGroupRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, err
		}
		return Event{k, FromALB(&ev), ev.MultiValueHeaders != nil, ""}, nil
	case KindAuthorizer, KindAuthorizerV2, KindWebSocket:
		return decodeMore(k, payload)
	}
	return Event{}, nil
}

// Header returns the value of the request's first header named name (case
// ignored), "" when there is none or the event is not an HTTP request.
func (e Event) Header(name string) string {
	if e.Request == nil {
		return ""
	}
	return headerValue(e.Request.Headers, name)
}
