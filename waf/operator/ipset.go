package operator

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// ipSet is a set of IPv4/IPv6 addresses and CIDR ranges with per-entry
// expirations. IPv4-mapped IPv6 addresses are matched as IPv4.
type ipSet struct {
	// prefixes sorted by address then length; searched by binary search on
	// the range start, then checked for containment.
	entries []ipEntry
	// maxBits per family lets lookups stop early.
}

type ipEntry struct {
	p   netip.Prefix
	exp int64
}

// parseIPOrCIDR parses "1.2.3.4", "1.2.3.0/24", "::1" or "2001:db8::/32".
func parseIPOrCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func newIPSet(entries []DataEntry) (*ipSet, error) {
	set := &ipSet{entries: make([]ipEntry, 0, len(entries))}
	for _, e := range entries {
		p, err := parseIPOrCIDR(e.Value)
		if err != nil {
			return nil, fmt.Errorf("bad IP or CIDR %q: %v", e.Value, err)
		}
		set.entries = append(set.entries, ipEntry{p: p, exp: e.Expiration})
	}
	sort.Slice(set.entries, func(i, j int) bool {
		a, b := set.entries[i].p, set.entries[j].p
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return set, nil
}

// lookup returns the first live entry containing a, as the highlight text.
func (s *ipSet) lookup(a netip.Addr, live func(int64) bool) (netip.Prefix, bool) {
	a = a.Unmap()
	// Entries whose start address is <= a; any of them may contain a.
	n := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].p.Addr().Compare(a) > 0 })
	for i := n - 1; i >= 0; i-- {
		e := s.entries[i]
		if e.p.Addr().Is4() != a.Is4() {
			if e.p.Addr().Is4() && !a.Is4() || !e.p.Addr().Is4() && a.Is4() {
				// Different family: families sort separately; keep scanning
				// only while still in a's family.
				if e.p.Addr().BitLen() != a.BitLen() {
					break
				}
			}
		}
		if e.p.Contains(a) && live(e.exp) {
			return e.p, true
		}
		// A range starting before a's network at the widest length cannot
		// contain a once starts fall below a masked to /0 of the family; the
		// scan is bounded by len(entries) in the worst case, which is fine
		// for decision lists (thousands of entries).
	}
	return netip.Prefix{}, false
}
