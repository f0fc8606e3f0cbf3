package ui

import (
	_ "embed"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip"
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
	// Geo is its country and network from the operator's IP databases
	// (Config.GeoIP): empty without them, and for the operator's own
	// (Local) addresses, which are never looked up.
	Geo geoip.Info
}

// Local says the address is the operator's own network's.
func (f ipFact) Local() bool {
	switch f.Kind {
	case "loopback", "private", "link-local", "unspecified", "multicast":
		return true
	}
	return false
}

// Country is the country of Geo as shown: "United Kingdom (GB)", or the
// code alone.
func (f ipFact) Country() string {
	if f.Geo.CountryName == "" {
		return f.Geo.Country
	}
	return f.Geo.CountryName + " (" + f.Geo.Country + ")"
}

// Network is the network of Geo as shown: "AS64500 Example Net", or ""
// without one.
func (f ipFact) Network() string {
	if f.Geo.ASN == 0 {
		return ""
	}
	s := "AS" + strconv.FormatUint(uint64(f.Geo.ASN), 10)
	if f.Geo.ASOrg != "" {
		s += " " + f.Geo.ASOrg
	}
	return s
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
// (IPCounter's); geo, when not nil, names the country and the network of
// the addresses that are not Local.
func factsOf(ips []string, ds []collector.Decision, signals map[string]int64, now time.Time, geo *geoip.DB) []ipFact {
	out := make([]ipFact, 0, len(ips))
	var seen map[string]geoip.Info // a page may list an address twice
	for _, ip := range ips {
		f := ipFact{IP: ip, Signals: signals[ip]}
		var a netip.Addr
		var prefix netip.Prefix
		if p, err := netip.ParsePrefix(ip); err == nil {
			prefix = p.Masked()
			a = prefix.Addr()
		} else if x, err := netip.ParseAddr(ip); err == nil {
			a = x.Unmap()
		}
		if a.IsValid() {
			f.Kind = addrKind(a)
			if geo != nil && !f.Local() {
				g, ok := seen[ip]
				if !ok {
					if prefix.IsValid() {
						g = geo.LookupPrefix(prefix)
					} else {
						g = geo.Lookup(a)
					}
					if seen == nil {
						seen = map[string]geoip.Info{}
					}
					seen[ip] = g
				}
				f.Geo = g
			}
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
