// Package nettest gives tests and the demo an outgoing-request dialer that
// never leaves the machine: names resolve from a table, and only loopback
// addresses are dialed; every other attempt is recorded and refused, so a
// check that fails open still sends nothing off the machine.
package nettest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

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

// Loopback dials loopback addresses only.
type Loopback struct {
	// Stand maps addresses that play public hosts in a test
	// ("203.0.113.10:80") to the loopback listeners that serve them.
	Stand   map[string]string
	mu      sync.Mutex
	refused []string
	d       net.Dialer
}

// Dial connects to a loopback address, and refuses (and records) any
// other.
func (l *Loopback) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := l.Stand[addr]; ok {
		addr = to
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		l.mu.Lock()
		l.refused = append(l.refused, addr)
		l.mu.Unlock()
		return nil, fmt.Errorf("nettest: not dialing %s (loopback only)", addr)
	}
	return l.d.DialContext(ctx, network, addr)
}

// Refused returns the addresses it refused to dial.
func (l *Loopback) Refused() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.refused...)
}

// Dialer returns an httpguard.Dialer resolving names from names and dialing
// through l.
func (l *Loopback) Dialer(names Resolver) *httpguard.Dialer {
	return &httpguard.Dialer{Resolver: names, Dial: l.Dial}
}
