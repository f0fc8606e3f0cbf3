package httpguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/rampartsec/rampart"
)

// Transport returns a RoundTripper that checks the URL of each outgoing
// request against the inputs of the incoming request on its context
// (rampart.CheckURL: an input that sets the scheme, userinfo, host or port
// to an internal target, climbs the path or uses a dangerous scheme) before
// sending it through base (nil means http.DefaultTransport). In block mode
// an exploit returns a *rampart.BlockedError and nothing is sent.
//
// The check reads the URL as written; a public-looking name that resolves
// to an internal address, or a public URL the input chose that redirects
// inside, is caught at dial time by Dialer, which NewClient and
// NewTransport install.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base}
}

type transport struct{ base http.RoundTripper }

type urlKey struct{}

// dialInfo is what RoundTrip tells the dialer about the request.
type dialInfo struct {
	url *url.URL
	// origin is the first URL of a redirect chain, nil for a first request.
	origin  *url.URL
	callers []uintptr
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if sec := rampart.FromContext(ctx); sec != nil && req.URL != nil {
		u := req.URL.String()
		if err := sec.CheckURL(u); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
		// The dialer checks the resolved address against the same URL, on
		// the transport's goroutine: keep the caller's stack for reports.
		pcs := make([]uintptr, 64)
		pcs = pcs[:runtime.Callers(2, pcs)]
		info := &dialInfo{url: req.URL, callers: pcs}
		// A redirect: the first request of the chain is what the input
		// chose; where the chain now leads is judged against it.
		for r := req.Response; r != nil && r.Request != nil; r = r.Request.Response {
			info.origin = r.Request.URL
		}
		req = req.WithContext(context.WithValue(ctx, urlKey{}, info))
	}
	return t.base.RoundTrip(req)
}

// Resolver resolves host names; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer dials outgoing connections after resolving the host itself and
// checking each resolved address (rampart.CheckResolved): when the incoming
// request's input chose the whole host of the URL and the name resolves to
// an internal address (DNS rebinding, nip.io-style names), the dial is
// refused in block mode. The checked address is the one dialed, so the name
// is not resolved twice.
type Dialer struct {
	// Resolver resolves names; nil means net.DefaultResolver.
	Resolver Resolver
	// Dial connects to an address (an IP and port); nil means a
	// net.Dialer with a 30 s timeout.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// DialContext resolves, checks and dials address, for
// http.Transport.DialContext.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		ips = []netip.Addr{ip}
	} else {
		r := d.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ipNet := "ip"
		switch network {
		case "tcp4", "udp4":
			ipNet = "ip4"
		case "tcp6", "udp6":
			ipNet = "ip6"
		}
		ips, err = r.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	// Only a dial to the URL's own host is judged against the URL: a
	// proxy's address is the application's choice.
	info, _ := ctx.Value(urlKey{}).(*dialInfo)
	if info != nil && !strings.EqualFold(info.url.Hostname(), strings.Trim(host, "[]")) {
		info = nil
	}
	// After a redirect the dial is also judged against the chain's first
	// URL: a host the input chose must not redirect inside.
	sec := rampart.FromContext(ctx)
	dial := d.Dial
	if dial == nil {
		nd := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		dial = nd.DialContext
	}
	var errs []error
	for _, ip := range ips {
		if info != nil {
			if err := sec.CheckResolvedAt(info.url.String(), ip.Unmap(), info.callers); err != nil {
				return nil, err
			}
			if info.origin != nil {
				if err := sec.CheckResolvedAt(info.origin.String(), ip.Unmap(), info.callers); err != nil {
					return nil, err
				}
			}
		}
		c, err := dial(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// NewTransport returns a RoundTripper like http.DefaultTransport whose
// connections are dialed by d (nil means a Dialer with the defaults),
// wrapped by Transport's URL check.
func NewTransport(d *Dialer) http.RoundTripper {
	if d == nil {
		d = &Dialer{}
	}
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{}
	}
	t.DialContext = d.DialContext
	return Transport(t)
}

// NewClient returns an http.Client whose requests are checked: the URL
// before sending, the resolved address at dial time. Pass the incoming
// request's context to each outgoing request (http.NewRequestWithContext)
// so the checks see its inputs.
func NewClient(d *Dialer) *http.Client {
	return &http.Client{Transport: NewTransport(d), Timeout: 60 * time.Second}
}
