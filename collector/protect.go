package collector

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultMaxAutoDecisions is the default Config.MaxAutoDecisions: of each
// kind, the most decisions the detectors make a minute. A distributed
// campaign names tens of addresses a minute, hundreds at its start; an
// ingest key forging failures makes at most this many blocks a minute,
// never of loopback, the collector, the allow lists or private ranges.
const DefaultMaxAutoDecisions = 600

// Addresses no decision may block or challenge: a forged login failure
// (any ingest key can send one) must not turn the fleet against its own
// health checks, its proxies or the collector.
var alwaysProtected = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("0.0.0.0/32"),
	netip.MustParsePrefix("::/128"),
}

// Addresses the detectors never block on their own (an operator may):
// private, shared, link-local and multicast ranges, which are a proxy's or
// a load balancer's rather than a client's when trusted proxy headers are
// misconfigured, and which no internet client sends from.
var autoProtected = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// guard decides which decisions the collector refuses to make.
type guard struct {
	always []netip.Prefix // loopback, AllowIPs: no decision covers them
	own    []netip.Addr   // the collector's own addresses: never blocked themselves
	auto   []netip.Prefix
	users  map[string]bool // AllowUsers
	max    int             // automatic decisions of each kind per minute; < 0: none
	now    func() time.Time

	mu     sync.Mutex
	minute time.Time
	made   map[string]int // by kind, this minute
}

func newGuard(cfg *Config, now func() time.Time) *guard {
	g := &guard{always: append([]netip.Prefix(nil), alwaysProtected...), auto: autoProtected, users: map[string]bool{}, max: cfg.MaxAutoDecisions, now: now}
	if g.max == 0 {
		g.max = DefaultMaxAutoDecisions
	}
	g.always = append(g.always, cfg.AllowIPs...)
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				g.own = append(g.own, p.Addr().Unmap())
			}
		}
	}
	for _, u := range cfg.AllowUsers {
		if u = strings.TrimSpace(u); u != "" {
			g.users[u] = true
		}
	}
	return g
}

// refuses returns why d (validated) must not be made, "" when it may;
// automatic is true for a detector's decision.
func (g *guard) refuses(d *Decision, automatic bool) string {
	switch d.Kind {
	case BlockIP, ChallengeIP:
		p, err := netip.ParsePrefix(d.Value)
		if err != nil {
			a, err := netip.ParseAddr(d.Value)
			if err != nil {
				return "not an address"
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		for _, q := range g.always {
			if p.Overlaps(q) {
				return "it covers " + q.String() + ", which is loopback or in the allow list"
			}
		}
		// The collector's own addresses: not themselves (a range holding
		// one is the operator's call: the collector is not a client).
		if p.IsSingleIP() && slices.Contains(g.own, p.Addr().Unmap()) {
			return "it is one of the collector's own addresses"
		}
		if automatic {
			for _, q := range g.auto {
				if p.Overlaps(q) {
					return "it is in " + q.String() + ", a private or special range that detectors do not block on their own"
				}
			}
		}
	case BlockUser, ChallengeUser:
		if g.users[d.Value] {
			return "the user is in the allow list"
		}
	}
	return ""
}

// allowAuto counts an automatic decision of kind against its per-minute
// cap and reports whether it may be made. Each kind has its own budget, so
// that a campaign's step-up challenges (one per targeted account) do not
// use up the blocks of its addresses.
func (g *guard) allowAuto(kind string) bool {
	if g.max < 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.now().Truncate(time.Minute)
	if !m.Equal(g.minute) || g.made == nil {
		g.minute, g.made = m, map[string]int{}
	}
	if g.made[kind] >= g.max {
		return false
	}
	g.made[kind]++
	return true
}
