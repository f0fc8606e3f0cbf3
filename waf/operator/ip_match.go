package operator

import (
	"fmt"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// ipMatch matches a string holding an IPv4 or IPv6 address (a zone such as
// %eth0 is ignored) that falls in one of the addresses or CIDR ranges of
// "list", or of the rules_data list named by "data" (type
// ip_with_expiration: blocked IPs; entries stop matching once expired and
// the list's current contents are read on every Eval). IPv4-mapped IPv6
// addresses (::ffff:1.2.3.4) match IPv4 entries. The highlight is the
// address, as given.
type ipMatch struct {
	set  *ipSet
	data *Data
}

var _ Operator = (*ipMatch)(nil)

func init() { register("ip_match", newIPMatch) }

func newIPMatch(p Params) (Operator, error) {
	switch {
	case p.Has("list") && p.Has("data"):
		return nil, fmt.Errorf("parameters %q and %q are exclusive", "list", "data")
	case p.Has("data"):
		d, err := dataParam(p, "ip_with_expiration")
		if err != nil {
			return nil, err
		}
		return &ipMatch{data: d}, nil
	}
	var list []string
	if err := p.Decode("list", &list); err != nil {
		return nil, err
	}
	entries := make([]DataEntry, len(list))
	for i, s := range list {
		entries[i].Value = s
	}
	set, err := newIPSet(entries)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: %v", "list", err)
	}
	return &ipMatch{set: set}, nil
}

// Eval implements Operator.
func (o *ipMatch) Eval(v Value) (string, bool) {
	if v.Kind != String {
		return "", false
	}
	k, ok := parseIPKey(v.Bytes)
	if !ok {
		return "", false
	}
	set, live := o.set, neverExpires
	if o.data != nil {
		set, live = o.data.snap.Load().ips, o.data.live
	}
	if set == nil || set.find(k, live) < 0 {
		return "", false
	}
	return string(v.Bytes), true
}

func neverExpires(int64) bool { return true }

// parseIPKey parses an IPv4 or IPv6 address with the syntax of
// netip.ParseAddr (no leading zeros in IPv4 parts, at most one "::", an
// optional embedded IPv4 tail and a non-empty %zone on IPv6, which is
// dropped) without allocating.
func parseIPKey(s []byte) (ipKey, bool) {
	for _, c := range s {
		switch c {
		case '.':
			v4, ok := parseIPv4(s)
			if !ok {
				return ipKey{}, false
			}
			return ipKey{0, 0xffff<<32 | uint64(v4)}, true
		case ':':
			return parseIPv6(s)
		case '%':
			return ipKey{}, false
		}
	}
	return ipKey{}, false
}

func parseIPv4(s []byte) (uint32, bool) {
	var v uint32
	fields, val, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || fields == 4 {
				return 0, false
			}
			v = v<<8 | uint32(val)
			fields++
			val, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || (digits == 1 && val == 0) {
			return 0, false // not a digit, or a leading zero
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return 0, false
		}
	}
	return v, fields == 4
}

func parseIPv6(s []byte) (ipKey, bool) {
	for i, c := range s {
		if c == '%' {
			if i == len(s)-1 {
				return ipKey{}, false
			}
			s = s[:i]
			break
		}
	}
	var ip [16]byte
	ellipsis := -1
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
	}
	i := 0
	for i < 16 && len(s) > 0 {
		off, acc := 0, 0
		for ; off < len(s); off++ {
			d := hexVal(s[off])
			if d < 0 {
				break
			}
			if off == 4 {
				return ipKey{}, false
			}
			acc = acc<<4 | d
		}
		if off == 0 {
			return ipKey{}, false
		}
		if off < len(s) && s[off] == '.' {
			if (ellipsis < 0 && i != 12) || i+4 > 16 {
				return ipKey{}, false
			}
			v4, ok := parseIPv4(s)
			if !ok {
				return ipKey{}, false
			}
			ip[i], ip[i+1], ip[i+2], ip[i+3] = byte(v4>>24), byte(v4>>16), byte(v4>>8), byte(v4)
			i += 4
			s = nil
			break
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc)
		i += 2
		s = s[off:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return ipKey{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return ipKey{}, false
			}
			ellipsis = i
			s = s[1:]
		}
	}
	if len(s) != 0 {
		return ipKey{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return ipKey{}, false
		}
		n := 16 - i
		copy(ip[ellipsis+n:], ip[ellipsis:i])
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return ipKey{}, false
	}
	return ipKey{be64(ip[:8]), be64(ip[8:])}, true
}

// hexVal is the value of the hex digit c, -1 when c is not one.
func hexVal(c byte) int {
	if v, ok := hexdigit.Value(c); ok {
		return int(v)
	}
	return -1
}
