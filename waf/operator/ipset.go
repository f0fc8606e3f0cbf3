package operator

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ipKey is an address as a 128-bit integer; IPv4 addresses are stored as
// IPv4-mapped IPv6 (::ffff:a.b.c.d), so both families share one order and
// a mapped address matches the IPv4 entries.
type ipKey struct{ hi, lo uint64 }

func (a ipKey) less(b ipKey) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func keyOf(a netip.Addr) ipKey {
	b := a.Unmap().As16() // As16 maps IPv4 to ::ffff:a.b.c.d
	return ipKey{be64(b[:8]), be64(b[8:])}
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// ipSet is a set of IPv4/IPv6 addresses and CIDR ranges with per-entry
// expirations. IPv4-mapped IPv6 addresses are matched as IPv4.
//
// CIDR ranges are either nested or disjoint, so they form a forest. The
// entries are sorted by first address (wider first on ties) and each knows
// its nearest enclosing entry. A lookup binary-searches the last entry
// starting at or before the address; every entry containing the address
// is that entry or one of its ancestors, walked from the most specific.
// Lookups cost O(log n + nesting depth) and do not allocate.
type ipSet struct {
	entries []ipEntry
}

type ipEntry struct {
	first, last ipKey // inclusive range
	parent      int32 // nearest enclosing entry, -1 for none
	exp         int64
	p           netip.Prefix
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
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// prefixRange returns the first and last keys of p.
func prefixRange(p netip.Prefix) (first, last ipKey) {
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	first = keyOf(p.Addr())
	last = first
	host := 128 - bits
	switch {
	case host >= 64:
		last.lo = ^uint64(0)
		if host > 64 {
			last.hi |= ^uint64(0) >> (128 - host)
		}
	case host > 0:
		last.lo |= ^uint64(0) >> (64 - host)
	}
	return first, last
}

func newIPSet(entries []DataEntry) (*ipSet, error) {
	// Merge duplicates: the latest expiration wins, 0 (never) beats all.
	byPrefix := make(map[netip.Prefix]int64, len(entries))
	for _, e := range entries {
		p, err := parseIPOrCIDR(e.Value)
		if err != nil {
			return nil, fmt.Errorf("bad IP or CIDR %q: %v", e.Value, err)
		}
		if old, ok := byPrefix[p]; ok && (old == 0 || (e.Expiration != 0 && old > e.Expiration)) {
			continue
		}
		byPrefix[p] = e.Expiration
	}
	set := &ipSet{entries: make([]ipEntry, 0, len(byPrefix))}
	for p, exp := range byPrefix {
		first, last := prefixRange(p)
		set.entries = append(set.entries, ipEntry{first: first, last: last, exp: exp, p: p})
	}
	slices.SortFunc(set.entries, func(a, b ipEntry) int {
		switch {
		case a.first.less(b.first):
			return -1
		case b.first.less(a.first):
			return 1
		case b.last.less(a.last): // wider first
			return -1
		case a.last.less(b.last):
			return 1
		}
		return 0
	})
	var stack []int32
	for i := range set.entries {
		e := &set.entries[i]
		for len(stack) > 0 && set.entries[stack[len(stack)-1]].last.less(e.first) {
			stack = stack[:len(stack)-1]
		}
		e.parent = -1
		if len(stack) > 0 {
			e.parent = stack[len(stack)-1]
		}
		stack = append(stack, int32(i))
	}
	return set, nil
}

// lookup returns the most specific live entry containing a.
func (s *ipSet) lookup(a netip.Addr, live func(int64) bool) (netip.Prefix, bool) {
	i := s.find(keyOf(a), live)
	if i < 0 {
		return netip.Prefix{}, false
	}
	return s.entries[i].p, true
}

// find returns the index of the most specific live entry containing k, or -1.
func (s *ipSet) find(k ipKey, live func(int64) bool) int {
	// Binary search: the number of entries whose first key is <= k.
	lo, hi := 0, len(s.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if k.less(s.entries[m].first) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	for j := int32(lo - 1); j >= 0; j = s.entries[j].parent {
		e := &s.entries[j]
		if !e.last.less(k) && (e.exp == 0 || live(e.exp)) {
			return int(j)
		}
	}
	return -1
}
