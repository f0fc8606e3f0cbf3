package lambdaguard

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

// ErrNotHTTP is returned by HTTPHandler's Invoke for an event that is not
// an HTTP request.
var ErrNotHTTP = errors.New("lambdaguard: the event is not an HTTP request (API Gateway, ALB or Function URL)")

// HTTPHandler serves h, a net/http handler, from API Gateway (REST and HTTP
// API), ALB and Function URL events: each event becomes an *http.Request
// (method, URI, headers with the cookies, decoded body, RemoteAddr from
// the source IP, the invocation's context), and what h writes becomes the
// event's response type. Wrapped with Wrap,
//
//	lambda.Start(lambdaguard.Wrap(lambdaguard.HTTPHandler(mux)))
//
// the request's security context is on the *http.Request's context, so the
// sink guards inside h (sqlguard, execguard, fsguard, httpguard's client)
// protect it as in a server.
func HTTPHandler(h http.Handler) lambda.Handler { return &httpHandler{h: h} }

type httpHandler struct{ h http.Handler }

// Invoke serves one event.
func (x *httpHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, err := Decode(payload)
	if ev.Kind == KindOther {
		if err == nil {
			err = ErrNotHTTP
		}
		return nil, err
	}
	return x.serve(ctx, ev)
}

// serve serves a decoded HTTP event.
func (x *httpHandler) serve(ctx context.Context, ev Event) ([]byte, error) {
	r, err := NewHTTPRequest(ctx, ev)
	if err != nil {
		return nil, err
	}
	rec := &recorder{header: http.Header{}}
	x.h.ServeHTTP(rec, r)
	return rec.response().Marshal(ev.Kind, ev.MultiValue)
}

// NewHTTPRequest returns the *http.Request of a decoded HTTP event, with
// ctx as its context.
func NewHTTPRequest(ctx context.Context, ev Event) (*http.Request, error) {
	in := ev.Request
	if in == nil {
		return nil, ErrNotHTTP
	}
	u, err := url.ParseRequestURI(in.URI)
	if err != nil {
		// A path API Gateway let through but net/url refuses: keep it
		// opaque rather than fail the invocation.
		u = &url.URL{Path: in.URI, RawPath: in.URI}
		if p, q, ok := strings.Cut(in.URI, "?"); ok {
			u = &url.URL{Path: p, RawQuery: q}
		}
	}
	method := in.Method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, "/", bytes.NewReader(in.Body))
	if err != nil {
		return nil, err
	}
	r.URL = u
	r.RequestURI = in.URI
	r.ContentLength = int64(len(in.Body))
	r.Header = make(http.Header, len(in.Headers))
	var cookies []string
	for _, h := range in.Headers {
		if strings.EqualFold(h[0], "cookie") {
			cookies = append(cookies, h[1])
			continue
		}
		r.Header.Add(h[0], h[1])
	}
	if len(cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	r.Host = r.Header.Get("Host")
	if ip := in.RemoteAddr; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	for k, v := range in.PathParams {
		r.SetPathValue(k, v)
	}
	return r, nil
}
