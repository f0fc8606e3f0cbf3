package ui

import (
	_ "embed"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/collector"
)

//go:embed ipranges.txt
var ipRangesText string

// ipRange is a line of ipranges.txt.
type ipRange struct {
	prefix      netip.Prefix
	kind, owner string
}

// ipRanges parses ipranges.txt once.
var ipRanges = sync.OnceValue(func() []ipRange {
	var out []ipRange
	for _, line := range strings.Split(ipRangesText, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		p, err := netip.ParsePrefix(f[0])
		if err != nil {
			continue
		}
		out = append(out, ipRange{prefix: p.Masked(), kind: f[1], owner: strings.Join(f[2:], " ")})
	}
	return out
})

// specialRanges are the reserved ranges named by their RFCs, beside those
// netip knows (loopback, private, link-local, multicast).
var specialRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

// ipFact is what the console knows of an address offline.
type ipFact struct {
	IP string
	// Kind is loopback, private, link-local, multicast, shared (carrier-
	// grade NAT), documentation, unspecified, public, or "" when IP is not
	// an address or a prefix.
	Kind string
	// Owner and Via name the cloud or the proxy of ipranges.txt whose
	// range holds the address (Via is "cloud" or "proxy").
	Owner, Via string
	// Decisions counts the decisions on the address (or a prefix holding
	// it), Blocked says one of them is an active block.
	Decisions int
	Blocked   bool
	// Signals counts the signals that list the address (as written)
	// among their IPs.
	Signals int64
	// Blockable says the console offers to block it: not loopback,
	// private, link-local, multicast or unspecified, and not blocked.
	Blockable bool
}

// Local says the address is the operator's own network's.
func (f ipFact) Local() bool {
	switch f.Kind {
	case "loopback", "private", "link-local", "unspecified", "multicast":
		return true
	}
	return false
}

// addrKind returns the kind of a (unmapped) address.
func addrKind(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case a.IsUnspecified():
		return "unspecified"
	}
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	return "public"
}

// factsOf returns the facts of each ip, counting the decisions ds and
// the blocks active at now; signals are the signals per address
// (IPCounter's).
func factsOf(ips []string, ds []collector.Decision, signals map[string]int64, now time.Time) []ipFact {
	out := make([]ipFact, 0, len(ips))
	for _, ip := range ips {
		f := ipFact{IP: ip, Signals: signals[ip]}
		var a netip.Addr
		if p, err := netip.ParsePrefix(ip); err == nil {
			a = p.Masked().Addr()
		} else if x, err := netip.ParseAddr(ip); err == nil {
			a = x.Unmap()
		}
		if a.IsValid() {
			f.Kind = addrKind(a)
			for _, r := range ipRanges() {
				if r.prefix.Contains(a) {
					f.Owner, f.Via = r.owner, r.kind
					break
				}
			}
			for i := range ds {
				d := &ds[i]
				if d.Kind != collector.BlockIP && d.Kind != collector.ChallengeIP || !holds(d.Value, a) {
					continue
				}
				f.Decisions++
				if d.Kind == collector.BlockIP && d.Active(now) {
					f.Blocked = true
				}
			}
		}
		f.Blockable = f.Kind != "" && !f.Local() && !f.Blocked
		out = append(out, f)
	}
	return out
}

// holds reports whether the decision value v (an address or a prefix)
// covers a.
func holds(v string, a netip.Addr) bool {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Contains(a)
	}
	b, err := netip.ParseAddr(v)
	return err == nil && b.Unmap() == a
}
