// Package loopback gives the demo, the example Lambda function (when
// VULNAPP_LOOPBACK_ONLY=1) and the tests an outgoing-request dialer that
// never leaves the machine: names resolve from a table, and only loopback
// addresses are dialed, so that a check that fails open still sends
// nothing off the machine. internal/nettest adds what tests need on top
// (stand-ins for public hosts, a record of what was refused).
package loopback

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/rampartsec/rampart/httpguard"
)

// Resolver answers names from a table (name → IP); nothing is looked up for
// real.
type Resolver map[string]string

// LookupNetIP returns the table's address for host.
func (r Resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ip, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(ip)}, nil
	}
	return nil, &net.DNSError{Err: "not found (stub resolver)", Name: host, IsNotFound: true}
}

// Is reports whether addr, a host:port, is a loopback IP address.
func Is(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Dial connects to a loopback address, and refuses any other.
func Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if !Is(addr) {
		return nil, fmt.Errorf("loopback: not dialing %s (loopback only)", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Dialer returns an httpguard.Dialer resolving names from names and
// dialing loopback addresses only.
func Dialer(names Resolver) *httpguard.Dialer {
	return &httpguard.Dialer{Resolver: names, Dial: Dial}
}
