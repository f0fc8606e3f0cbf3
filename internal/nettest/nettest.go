// Package nettest gives tests an outgoing-request dialer that never leaves
// the machine, over package internal/loopback (names resolve from a table,
// only loopback addresses are dialed): addresses can stand in for public
// hosts, and every refused attempt is recorded, so a check that fails open
// still sends nothing off the machine and the test sees it.
package nettest

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/loopback"
)

// Resolver answers names from a table (name → IP); nothing is looked up for
// real.
type Resolver = loopback.Resolver

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
	if !loopback.Is(addr) {
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
