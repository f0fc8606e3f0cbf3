package lambdaguard

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/waf"
)

// Response is an HTTP response in the shape common to the event formats:
// what a blocked request is answered with, and what HTTPHandler's handler
// wrote.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// BlockResponse returns rampart's default response for action a
// (rampart.BlockResponse), the same one that httpguard writes for a
// net/http server: a redirect for redirect_request, otherwise the action's
// status (403 by default) with a JSON or an HTML body, chosen by the
// action's type or, when it is "auto", by the request's Accept header.
func BlockResponse(a *waf.Action, accept string) *Response {
	r := rampart.BlockResponse(a, accept)
	return &Response{StatusCode: r.Status, Header: r.Header, Body: r.Body}
}

// recorder is an in-memory http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

func (w *recorder) response() *Response {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if _, ok := w.header["Content-Type"]; !ok && w.body.Len() > 0 {
		// As a net/http server does.
		w.header.Set("Content-Type", http.DetectContentType(w.body.Bytes()))
	}
	return &Response{StatusCode: w.status, Header: w.header, Body: w.body.Bytes()}
}

// single returns the header as a one-value-per-name map (values joined with
// a comma, as HTTP allows, except Set-Cookie which cannot be joined and
// keeps its last value; the event formats that need every cookie get them
// through Cookies or MultiValueHeaders).
func (r *Response) single() map[string]string {
	m := make(map[string]string, len(r.Header))
	for k, vs := range r.Header {
		if len(vs) == 0 || k == "Set-Cookie" {
			continue
		}
		v := vs[0]
		for _, x := range vs[1:] {
			v += "," + x
		}
		m[k] = v
	}
	return m
}

func (r *Response) multi() map[string][]string {
	m := make(map[string][]string, len(r.Header))
	for k, vs := range r.Header {
		m[k] = vs
	}
	return m
}

func (r *Response) cookies() []string { return r.Header.Values("Set-Cookie") }

// body returns the body as the event formats carry it: as text when it is
// valid UTF-8 text, else base64-encoded.
func (r *Response) body() (string, bool) {
	if isText(r.Body) {
		return string(r.Body), false
	}
	return b64(r.Body), true
}

// APIGatewayV1 returns r as an API Gateway REST proxy response.
func (r *Response) APIGatewayV1() events.APIGatewayProxyResponse {
	body, enc := r.body()
	return events.APIGatewayProxyResponse{StatusCode: r.StatusCode, Headers: r.single(), MultiValueHeaders: r.multi(), Body: body, IsBase64Encoded: enc}
}

// APIGatewayV2 returns r as an API Gateway HTTP API response (format 2.0).
func (r *Response) APIGatewayV2() events.APIGatewayV2HTTPResponse {
	body, enc := r.body()
	return events.APIGatewayV2HTTPResponse{StatusCode: r.StatusCode, Headers: r.single(), Body: body, IsBase64Encoded: enc, Cookies: r.cookies()}
}

// FunctionURL returns r as a Lambda Function URL response.
func (r *Response) FunctionURL() events.LambdaFunctionURLResponse {
	body, enc := r.body()
	return events.LambdaFunctionURLResponse{StatusCode: r.StatusCode, Headers: r.single(), Body: body, IsBase64Encoded: enc, Cookies: r.cookies()}
}

// ALB returns r as an Application Load Balancer response. multiValue must
// match the target group's setting (the request came with
// multiValueHeaders): ALB then reads only MultiValueHeaders.
func (r *Response) ALB(multiValue bool) events.ALBTargetGroupResponse {
	body, enc := r.body()
	resp := events.ALBTargetGroupResponse{StatusCode: r.StatusCode, StatusDescription: strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode), Body: body, IsBase64Encoded: enc}
	if multiValue {
		resp.MultiValueHeaders = r.multi()
	} else {
		resp.Headers = r.single()
	}
	return resp
}

// For returns r in the response type of an event of kind k (multiValue is
// for ALB, see ALB), or nil for KindOther and the authorizers, whose
// answers are not HTTP responses (see Event.Answer).
func (r *Response) For(k Kind, multiValue bool) any {
	switch k {
	case KindAPIGatewayV1, KindWebSocket:
		return r.APIGatewayV1()
	case KindAPIGatewayV2:
		return r.APIGatewayV2()
	case KindFunctionURL:
		return r.FunctionURL()
	case KindALB:
		return r.ALB(multiValue)
	}
	return nil
}

// Marshal returns the JSON of the response in the format of kind k (see
// For).
func (r *Response) Marshal(k Kind, multiValue bool) ([]byte, error) {
	return json.Marshal(r.For(k, multiValue))
}

// isText reports whether b can travel as a JSON string unchanged: valid
// UTF-8 without NUL bytes.
func isText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
