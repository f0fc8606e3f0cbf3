// Package httpinput turns an HTTP request into the WAF's addresses: the
// method, the raw URI, the decoded query, the headers, the cookies, the path
// parameters and the client IP (Build), and the parsed body (Body, BuildBody).
//
// It is on the path of every request, so it parses in place where it can
// (strings are slices of the request's own text, Field slices are carved from
// a few slabs) and every structure it builds is bounded: the body by
// Options.BodyLimit, containers by MaxDepth and MaxContainerSize (the limits
// the WAF walks with, as in libddwaf), pairs by MaxParams, MaxHeaders,
// MaxCookies and MaxParts. Input beyond a limit is dropped, never an error
// that stops the request: Build and Body always return usable values, and
// their error, when not nil, is for the caller to count or log (it wraps
// ErrTruncated, or is a *SyntaxError when a body was inspected as raw text
// because it did not parse as its declared type).
//
// Shapes of the addresses (the choices follow dd-trace-go, so that rulesets
// written for libddwaf find their values where they expect them):
//
//	server.request.method             string
//	server.request.uri.raw            string, the request target as received
//	server.request.query              map: name → list of values (decoded)
//	server.request.headers.no_cookies map: lower-case name → list of values
//	server.request.cookies            map: name → list of values (not decoded)
//	server.request.path_params        map: name → string
//	http.client_ip                    string (see ClientIP)
//	server.request.body               see Body
//	server.request.body.filenames     list of strings (multipart file names)
//
// Lists are used even for one value, so that a rule sees one shape whatever
// the client sends; maps keep keys in order of first appearance.
package httpinput

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/waf"
)

// Limits. Input beyond them is dropped (and reported with ErrTruncated), so
// that the time and memory spent on one request stay bounded whatever it holds.
const (
	// DefaultBodyLimit is the default Options.BodyLimit: bodies of API calls
	// and forms are far smaller, and inspecting more would let one request
	// cost the WAF megabytes of parsing.
	DefaultBodyLimit = 1 << 20

	// MaxDepth is the deepest nesting of maps and lists in a parsed body
	// (the top-level container has depth 1). It is libddwaf's limit: the
	// WAF would not walk deeper values anyway. The scalars found deeper are
	// not lost: they are added, in order, to the container at depth MaxDepth,
	// so that nesting cannot hide a payload.
	MaxDepth = 20

	// MaxContainerSize is the most fields of a map or elements of a list that
	// are kept: the WAF inspects containers past libddwaf's 256 elements,
	// up to waf.MaxWalkElements in all (see docs/waf.md).
	MaxContainerSize = 8192

	// MaxParams is the most name=value pairs read from a query string or a
	// form body: PHP's max_input_vars default, far above what real forms send.
	MaxParams = 1000

	// MaxHeaders is the most header lines read; real requests carry fewer
	// than 50, and Apache refuses more than 100 by default.
	MaxHeaders = 256

	// MaxCookies is the most cookies read from Cookie headers; browsers keep
	// at most about 180 per domain.
	MaxCookies = 256

	// MaxParts is the most parts read from a multipart body.
	MaxParts = 256

	// MaxPartHeaderBytes bounds the header block of one multipart part.
	MaxPartHeaderBytes = 8 << 10

	// MaxFilePrefix is how much of an uploaded file's content is inspected:
	// enough to see a script or markup at its start (a PHP web shell, an SVG
	// with a script), and no more than the WAF inspects of one string.
	// Files that look binary (a NUL byte in the prefix) are not inspected.
	MaxFilePrefix = 4096
)

// ErrTruncated is matched (errors.Is) by errors reporting that some input
// was dropped at a limit or that the body was longer than Options.BodyLimit.
var ErrTruncated = errors.New("httpinput: input truncated at a limit")

// LimitError reports input dropped at a limit. It matches ErrTruncated.
type LimitError struct {
	What  string // "body", "query", "headers", "cookies", "path_params", "form", "multipart", "json", "xml"
	Limit int    // the limit that was reached
}

// Error describes the limit reached.
func (e *LimitError) Error() string {
	return "httpinput: " + e.What + " truncated at limit " + strconv.Itoa(e.Limit)
}

// Is reports whether target is ErrTruncated.
func (e *LimitError) Is(target error) bool { return target == ErrTruncated }

// SyntaxError reports a body that did not parse as its declared type. The
// body was then inspected as raw text (a single string).
type SyntaxError struct {
	Format string // "json", "xml" or "multipart"
	Offset int    // byte offset of the error in the body
	Msg    string
}

// Error describes the syntax error and where it is.
func (e *SyntaxError) Error() string {
	return "httpinput: invalid " + e.Format + " body at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Request is an HTTP request as the WAF sees it.
type Request struct {
	Method string // as sent: GET, POST, ...
	URI    string // the request target as received, percent-encoded ("/a/b?q=1")
	// Headers in wire order with their original case; names may repeat.
	Headers [][2]string
	// Body is the body, or at least its first BodyLimit+1 bytes: a body
	// longer than BodyLimit is parsed up to the limit and reported truncated.
	Body       []byte
	RemoteAddr string            // the connection's peer, "ip:port" or "ip"
	PathParams map[string]string // from a router, optional

	// tail keeps what the application reads of a body longer than the
	// inspected prefix (FromHTTP), for exploit prevention.
	tail *bodyTail
}

// Options configures the parsing. The zero value (or a nil *Options) uses the
// defaults documented on each field.
type Options struct {
	// BodyLimit is the number of body bytes inspected: 0 means
	// DefaultBodyLimit, a negative value means the body is not inspected.
	BodyLimit int

	// TrustedProxies are the peers whose client IP headers are believed.
	// nil means loopback only (127.0.0.0/8 and ::1): a service reached
	// directly is not fooled by a client that sends X-Forwarded-For, and a
	// service behind a proxy on the same host works as is. A service behind
	// a load balancer sets its network here (PrivateNetworks() covers the
	// private ranges). An empty non-nil slice trusts no peer.
	TrustedProxies []netip.Prefix

	// TrustAllProxies believes the headers whatever the peer, for
	// deployments where every connection comes through a proxy that sets
	// them (API Gateway, an ALB in front of a private service). Addresses
	// in the chain are still skipped when they are in TrustedProxies or not
	// public.
	TrustAllProxies bool

	// ClientIPHeaders are the headers read for the client IP, in order of
	// preference (names compared without regard to case). nil means
	// DefaultClientIPHeaders; an empty non-nil slice reads none.
	ClientIPHeaders []string

	// SinkBodyLimit is how much of a body exploit prevention reads (see
	// SinkInputs): the inspected prefix and what the application reads
	// after it. 0 means DefaultSinkBodyLimit, a negative value only the
	// inspected prefix.
	SinkBodyLimit int
}

// DefaultClientIPHeaders are the headers ClientIP reads when
// Options.ClientIPHeaders is nil, in order of preference.
var DefaultClientIPHeaders = []string{
	"x-forwarded-for", "forwarded", "x-real-ip", "true-client-ip",
	"x-client-ip", "cf-connecting-ip", "fastly-client-ip",
}

var loopback = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// PrivateNetworks returns loopback and the private, link-local and shared
// (carrier-grade NAT) ranges, for Options.TrustedProxies when every proxy in
// front of the service is on a private network.
func PrivateNetworks() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("fc00::/7"),
		netip.MustParsePrefix("fe80::/10"),
	}
}

var defaultOptions Options

func (o *Options) orDefault() *Options {
	if o == nil {
		return &defaultOptions
	}
	return o
}

func (o *Options) bodyLimit() int {
	switch {
	case o.BodyLimit == 0:
		return DefaultBodyLimit
	case o.BodyLimit < 0:
		return 0
	}
	return o.BodyLimit
}

func (o *Options) trusted() []netip.Prefix {
	if o.TrustedProxies == nil {
		return loopback
	}
	return o.TrustedProxies
}

func (o *Options) ipHeaders() []string {
	if o.ClientIPHeaders == nil {
		return DefaultClientIPHeaders
	}
	return o.ClientIPHeaders
}

// Build appends the addresses known once the headers are read to dst and
// returns it: method, uri.raw and headers always; query, cookies and
// path_params when not empty; client_ip when one is found. The error, when
// not nil, reports input dropped at a limit (it wraps ErrTruncated); the
// addresses are usable either way. The values share memory with r's strings.
func Build(r *Request, o *Options, dst []waf.Address) ([]waf.Address, error) {
	o = o.orDefault()
	var errs []error

	rawQuery := ""
	if i := strings.IndexByte(r.URI, '?'); i >= 0 {
		rawQuery = r.URI[i+1:]
	}
	nh := min(len(r.Headers), MaxHeaders)
	nq := min(countPairs(rawQuery, '&'), MaxParams)
	nc := 0
	for _, h := range r.Headers[:nh] {
		if isCookieHeader(h[0]) {
			nc += countPairs(h[1], ';')
		}
	}
	nc = min(nc, MaxCookies)
	a := newArena(3*(nh+nq+nc) + len(r.PathParams))

	dst = append(dst,
		waf.Address{Name: waf.AddrMethod, Value: waf.String(r.Method)},
		waf.Address{Name: waf.AddrURIRaw, Value: waf.String(r.URI)})

	if nq > 0 {
		q, trunc := parseURLEncoded(&a, rawQuery, '&')
		if trunc {
			errs = append(errs, &LimitError{What: "query", Limit: limitOf(nq, MaxParams)})
		}
		if q.Len() > 0 {
			dst = append(dst, waf.Address{Name: waf.AddrQuery, Value: q})
		}
	}

	h, c, hTrunc, cTrunc := headers(&a, r.Headers, nh, nc)
	if hTrunc || len(r.Headers) > MaxHeaders {
		errs = append(errs, &LimitError{What: "headers", Limit: MaxHeaders})
	}
	dst = append(dst, waf.Address{Name: waf.AddrHeaders, Value: h})
	if cTrunc {
		errs = append(errs, &LimitError{What: "cookies", Limit: MaxCookies})
	}
	if c.Len() > 0 {
		dst = append(dst, waf.Address{Name: waf.AddrCookies, Value: c})
	}

	if len(r.PathParams) > 0 {
		if len(r.PathParams) > MaxContainerSize {
			errs = append(errs, &LimitError{What: "path_params", Limit: MaxContainerSize})
		}
		dst = append(dst, waf.Address{Name: waf.AddrPathParams, Value: pathParams(&a, r.PathParams)})
	}

	if ip := ClientIP(r.RemoteAddr, r.Headers, o); ip.IsValid() {
		dst = append(dst, waf.Address{Name: waf.AddrClientIP, Value: waf.String(ip.String())})
	}
	return dst, errors.Join(errs...)
}

// limitOf names the limit reached: MaxParams when the pairs were cut there,
// MaxContainerSize otherwise.
func limitOf(n, maxPairs int) int {
	if n >= maxPairs {
		return maxPairs
	}
	return MaxContainerSize
}

// BuildBody appends the body addresses to dst and returns it:
// server.request.body when the body is not empty (parsed by Body according
// to the request's first Content-Type header) and
// server.request.body.filenames when the body names uploaded files. The
// error is Body's: informational, the addresses are usable either way.
func BuildBody(r *Request, o *Options, dst []waf.Address) ([]waf.Address, error) {
	return BuildBodyUntil(r, o, dst, time.Time{})
}

// BuildBodyUntil is BuildBody with BodyUntil's deadline.
func BuildBodyUntil(r *Request, o *Options, dst []waf.Address, deadline time.Time) ([]waf.Address, error) {
	if len(r.Body) == 0 || o.orDefault().bodyLimit() == 0 {
		return dst, nil
	}
	ct := ""
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], "content-type") {
			ct = h[1]
			break
		}
	}
	body, files, err := BodyUntil(ct, r.Body, o, deadline)
	dst = append(dst, waf.Address{Name: waf.AddrBody, Value: body})
	if files.Len() > 0 {
		dst = append(dst, waf.Address{Name: waf.AddrBodyFilenames, Value: files})
	}
	return dst, err
}
