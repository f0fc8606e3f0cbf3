package ssrf

import (
	"net/netip"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// maxHost bounds the host text Internal normalizes on the stack; longer
// names (DNS allows 253 bytes) are looked at as they are.
const maxHost = 256

// InternalIP reports whether ip is not a public unicast address: loopback,
// unspecified, private (RFC 1918, fc00::/7), link-local, carrier-grade NAT,
// reserved (192.0.0.0/24, 198.18.0.0/15), multicast, broadcast, cloud
// metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200, Azure's
// 168.63.129.16), including IPv4 addresses carried inside IPv6
// (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16). It is
// meant for a dial-time check of the address a name resolved to.
func InternalIP(ip netip.Addr) bool {
	_, ok := ipReason(ip)
	return ok
}

func ipReason(ip netip.Addr) (string, bool) {
	if !ip.IsValid() {
		return "", false
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if ip.Is4() {
		b := ip.As4()
		return v4Reason(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	}
	b := ip.As16()
	switch {
	case ip.IsLoopback():
		return "loopback", true
	case ip.IsUnspecified():
		return "unspecified address", true
	case ip == fdEC2:
		return "cloud metadata", true
	case b[0]&0xfe == 0xfc:
		return "unique local address", true
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return "link-local address", true
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return "site-local address", true
	case b[0] == 0xff:
		return "multicast address", true
	}
	var v4 uint32
	switch {
	case isZero(b[:12]): // IPv4-compatible ::a.b.c.d
		v4 = be32(b[12:])
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]): // NAT64
		v4 = be32(b[12:])
	case b[0] == 0x20 && b[1] == 0x02: // 6to4
		v4 = be32(b[2:6])
	default:
		return "", false
	}
	return v4Reason(v4)
}

var fdEC2 = netip.MustParseAddr("fd00:ec2::254")

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// v4Reason classifies an IPv4 address held in a uint32.
func v4Reason(a uint32) (string, bool) {
	in := func(prefix uint32, bits uint) bool { return a>>(32-bits) == prefix>>(32-bits) }
	switch {
	case a == 0xa9fea9fe, a == 0xa9fea9fb: // 169.254.169.254, .251 (Azure, AWS)
		return "cloud metadata", true
	case a == 0x646464c8: // 100.100.100.200, Alibaba Cloud metadata
		return "cloud metadata", true
	case a == 0xa83f8110: // 168.63.129.16, Azure's platform endpoint (WireServer)
		return "cloud metadata", true
	case in(0x7f000000, 8):
		return "loopback", true
	case in(0x00000000, 8):
		return "unspecified address", true
	case in(0x0a000000, 8), in(0xac100000, 12), in(0xc0a80000, 16):
		return "private network", true
	case in(0xa9fe0000, 16):
		return "link-local address", true
	case in(0x64400000, 10):
		return "carrier-grade NAT", true
	case in(0xc0000000, 24), in(0xc6120000, 15):
		return "reserved address", true
	case in(0xe0000000, 4):
		return "multicast address", true
	case a == 0xffffffff:
		// The rest of 240.0.0.0/4 is reserved but routed nowhere, public or
		// private: a request there fails, as the reference engine assumes.
		return "broadcast address", true
	}
	return "", false
}

// Internal reports whether host, as written in a URL, names an internal
// target under the built-in policy, and why. host may be bracketed IPv6
// (with a zone), carry a trailing dot, percent-encoding, fullwidth
// characters, or any inet_aton spelling of IPv4 (decimal 2130706433, hex
// 0x7f000001, octal 0177.0.0.1, short forms 127.1). Names count when their
// address is known without resolving them (localhost and *.localhost, the
// cloud metadata names, loopback wildcard domains such as localtest.me and
// lvh.me, names that spell their address such as 10.0.0.1.nip.io or
// 10-0-0-1.sslip.io), when they are internal by definition (the .internal,
// .local, .localdomain, .home.arpa, .svc, .lan, .corp and .home suffixes;
// single-label names, which resolve through local search domains), and for
// out-of-band testing domains. Internal never resolves a name: a
// public-looking name that resolves to an internal address is for a
// dial-time check with InternalIP.
func Internal(host string) (reason string, ok bool) { return std.internalHost(host) }

// internalHost is Internal under d's policy.
func (d *Detector) internalHost(host string) (string, bool) {
	var buf [maxHost]byte
	h := normHost(buf[:0], host)
	return d.internalNorm(h)
}

// normHost lowercases host, decodes percent-escapes and fullwidth forms,
// drops brackets, zone and trailing dots, appending to dst.
func normHost(dst []byte, host string) []byte {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c == '%' && i+2 < len(host) && hexdigit.Is(host[i+1]) && hexdigit.Is(host[i+2]) {
			c, _ = hexdigit.Pair(host[i+1], host[i+2])
			i += 2
		} else if c >= 0x80 {
			if r, n := mapWide(host[i:]); n > 0 {
				c = r
				i += n - 1
			}
		}
		if c == '\t' || c == '\n' || c == '\r' {
			continue // WHATWG drops them anywhere in a URL
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if len(dst) == cap(dst) {
			break
		}
		dst = append(dst, c)
	}
	if len(dst) > 1 && dst[0] == '[' {
		dst = dst[1:]
		if k := indexByte(dst, ']'); k >= 0 {
			dst = dst[:k]
		}
	}
	for len(dst) > 1 && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// mapWide maps the fullwidth ASCII forms, ideographic full stops, circled
// digits and circled letters that IDNA folds to ASCII; n is 0 when s starts otherwise.
func mapWide(s string) (byte, int) {
	if len(s) < 3 {
		return 0, 0
	}
	r := rune(s[0]&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f)
	if s[0]&0xf0 != 0xe0 || s[1]&0xc0 != 0x80 || s[2]&0xc0 != 0x80 {
		return 0, 0
	}
	switch {
	case r >= 0xff01 && r <= 0xff5e:
		return byte(r - 0xfee0), 3
	case r == 0x3002 || r == 0xff61:
		return '.', 3
	case r >= 0x2460 && r <= 0x2468:
		return byte('1' + r - 0x2460), 3
	case r == 0x24ea:
		return '0', 3
	case r >= 0x24b6 && r <= 0x24cf: // circled capital letters
		return byte('a' + r - 0x24b6), 3
	case r >= 0x24d0 && r <= 0x24e9: // circled small letters
		return byte('a' + r - 0x24d0), 3
	}
	return 0, 0
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func (d *Detector) internalNorm(h []byte) (string, bool) {
	if len(h) == 0 {
		return "", false
	}
	if a, ok := parseV4(h); ok {
		return d.ipReason(v4Addr(a))
	}
	if indexByte(h, ':') >= 0 {
		s := h
		if k := indexByte(s, '%'); k >= 0 {
			s = s[:k]
		}
		ip, ok := parseV6(s)
		if !ok {
			return "", false
		}
		return d.ipReason(ip)
	}
	if ip, why, ok := knownAddr(h); ok {
		if reason, bad := d.ipReason(ip); bad {
			if why != "" && d.ips == nil {
				reason = why
			}
			return reason, true
		}
	}
	return d.nameReason(h)
}

func v4Addr(a uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
}

// parseV6 parses an IPv6 address without allocating.
func parseV6(s []byte) (netip.Addr, bool) {
	var sb [64]byte
	if len(s) > len(sb) {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(string(append(sb[:0], s...)))
	return ip, err == nil && ip.Is6()
}

// ipReason classifies ip under d's policy.
func (d *Detector) ipReason(ip netip.Addr) (string, bool) {
	if d.ips == nil {
		return ipReason(ip)
	}
	if !ip.IsValid() {
		return "", false
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	for _, p := range d.ips {
		if p.Contains(ip) {
			return "forbidden address", true
		}
	}
	if ip.Is6() {
		// An IPv4 address carried inside IPv6 is judged as that address.
		b := ip.As16()
		var v4 uint32
		switch {
		case isZero(b[:12]):
			v4 = be32(b[12:])
		case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]):
			v4 = be32(b[12:])
		case b[0] == 0x20 && b[1] == 0x02:
			v4 = be32(b[2:6])
		default:
			return "", false
		}
		a4 := v4Addr(v4)
		for _, p := range d.ips {
			if p.Contains(a4) {
				return "forbidden address", true
			}
		}
	}
	return "", false
}

// Names whose address is known without asking DNS.
var (
	loopback4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	loopback6 = netip.IPv6Loopback()
	imds      = netip.AddrFrom4([4]byte{169, 254, 169, 254})
	tencent   = netip.AddrFrom4([4]byte{169, 254, 0, 23})
)

var knownNames = [...]struct {
	name string
	ip   netip.Addr
	why  string
}{
	{"localhost", loopback4, "loopback"},
	{"localhost.localdomain", loopback4, "loopback"},
	{"ip6-localhost", loopback6, "loopback"},
	{"ip6-loopback", loopback6, "loopback"},
	// Google Compute Engine (and its short name through the search domain).
	{"metadata.google.internal", imds, "cloud metadata"},
	{"metadata.goog", imds, "cloud metadata"},
	{"metadata", imds, "cloud metadata"},
	// AWS EC2.
	{"instance-data", imds, "cloud metadata"},
	{"instance-data.ec2.internal", imds, "cloud metadata"},
	// Tencent Cloud.
	{"metadata.tencentyun.com", tencent, "cloud metadata"},
}

// loopbackDomains resolve, with every subdomain, to 127.0.0.1.
var loopbackDomains = [...]string{"localtest.me", "lvh.me", "vcap.me", "fuf.me", "localho.st"}

// addressDomains resolve a subdomain that spells an address to that
// address: 10.0.0.1.nip.io, app.10.0.0.1.nip.io, 10-0-0-1.sslip.io,
// app-0a000001.nip.io, --1.sslip.io (::1).
var addressDomains = [...]string{"nip.io", "sslip.io", "xip.io", "traefik.me"}

// knownAddr returns the address of a name known without resolving it.
func knownAddr(h []byte) (netip.Addr, string, bool) {
	for _, n := range knownNames {
		if string(h) == n.name {
			return n.ip, n.why, true
		}
	}
	if hasSuffix(h, ".localhost") {
		return loopback4, "loopback", true
	}
	for _, dom := range loopbackDomains {
		if string(h) == dom || hasDomainSuffix(h, dom) {
			return loopback4, "loopback", true
		}
	}
	for _, dom := range addressDomains {
		if hasDomainSuffix(h, dom) {
			if ip, ok := spelledAddr(h[:len(h)-len(dom)-1]); ok {
				return ip, "", true
			}
		}
	}
	return netip.Addr{}, "", false
}

// spelledAddr reads the address a wildcard-DNS name spells in its labels
// (h is the name without the wildcard domain): four dotted decimal labels
// at the end, or a last label ending in four dash-separated decimal
// fields, eight hex digits, or an IPv6 address with dashes for colons.
func spelledAddr(h []byte) (netip.Addr, bool) {
	if len(h) == 0 {
		return netip.Addr{}, false
	}
	// a.b.c.d at the end.
	n, i := 0, len(h)
	for n < 4 && i > 0 {
		j := i - 1
		for j >= 0 && h[j] != '.' {
			j--
		}
		if !decOctet(h[j+1 : i]) {
			break
		}
		n++
		i = j
	}
	if n == 4 {
		if a, ok := parseV4(h[max(i+1, 0):]); ok {
			return v4Addr(a), true
		}
	}
	last := h[lastIndexByte(h, '.')+1:]
	// a-b-c-d at the end of the last label.
	n, i = 0, len(last)
	var b [4]byte
	for n < 4 && i > 0 {
		j := i - 1
		for j >= 0 && last[j] != '-' {
			j--
		}
		f := last[j+1 : i]
		if !decOctet(f) {
			break
		}
		v, _ := parseNum(f)
		b[3-n] = byte(v)
		n++
		i = j
	}
	if n == 4 {
		return netip.AddrFrom4(b), true
	}
	// Eight hex digits, after the last dash.
	hx := last[lastIndexByte(last, '-')+1:]
	if len(hx) == 8 {
		var v uint32
		ok := true
		for _, c := range hx {
			d, isHex := hexdigit.Value(c)
			if !isHex {
				ok = false
				break
			}
			v = v<<4 | uint32(d)
		}
		if ok {
			return v4Addr(v), true
		}
	}
	// IPv6 with dashes (sslip.io): "--1", "fe80--1", "2001-db8--1".
	if indexByte(last, '-') >= 0 && len(last) <= 45 {
		var sb [45]byte
		s := append(sb[:0], last...)
		for k := range s {
			if s[k] == '-' {
				s[k] = ':'
			}
		}
		if ip, ok := parseV6(s); ok {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// decOctet reports a decimal 0-255 without leading zeros.
func decOctet(f []byte) bool {
	if len(f) == 0 || len(f) > 3 || len(f) > 1 && f[0] == '0' {
		return false
	}
	v := 0
	for _, c := range f {
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int(c-'0')
	}
	return v <= 255
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

var localSuffixes = [...]string{
	".internal", ".local", ".localdomain", ".home.arpa", ".svc", ".lan", ".corp", ".home",
}

// oobDomains are out-of-band interaction services of attack tooling (Burp
// Collaborator, interactsh) and an address echo service: a request there is
// an exfiltration or reconnaissance probe.
var oobDomains = [...]string{
	"burpcollaborator.net", "oastify.com", "interact.sh", "oast.fun", "oast.live",
	"oast.me", "oast.online", "oast.pro", "oast.site", "ifconfig.pro",
}

// nameReason classifies a name by the domain policy.
func (d *Detector) nameReason(h []byte) (string, bool) {
	if d.domains != nil {
		for _, dom := range d.domains {
			if dom[0] == '.' {
				if hasSuffix(h, dom) {
					return "forbidden domain", true
				}
			} else if string(h) == dom || hasDomainSuffix(h, dom) {
				return "forbidden domain", true
			}
		}
		return "", false
	}
	for _, s := range localSuffixes {
		if hasSuffix(h, s) {
			return "internal name", true
		}
	}
	for _, dom := range oobDomains {
		if string(h) == dom || hasDomainSuffix(h, dom) {
			return "out-of-band testing domain", true
		}
	}
	if indexByte(h, '.') < 0 && validLabel(h) {
		return "single-label name", true
	}
	return "", false
}

// hasDomainSuffix reports whether h is a subdomain of dom.
func hasDomainSuffix(h []byte, dom string) bool {
	return len(h) > len(dom)+1 && h[len(h)-len(dom)-1] == '.' && string(h[len(h)-len(dom):]) == dom
}

func hasSuffix(h []byte, s string) bool {
	return len(h) > len(s) && string(h[len(h)-len(s):]) == s
}

// validLabel reports a DNS label with a letter in it (an all-digit label
// is an out-of-range number, which URL parsers reject as a host).
func validLabel(h []byte) bool {
	letter := false
	for _, c := range h {
		switch {
		case 'a' <= c && c <= 'z':
			letter = true
		case '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return letter && !(len(h) > 1 && h[0] == '0' && h[1] == 'x')
}

// parseV4 parses h the way inet_aton does: one to four parts separated by
// dots, each decimal, octal (leading 0) or hex (0x); the last part fills
// the remaining bytes. A trailing dot is allowed.
func parseV4(h []byte) (uint32, bool) {
	if len(h) == 0 {
		return 0, false
	}
	if h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	var parts [4]uint64
	n := 0
	for len(h) > 0 || n == 0 {
		if n == 4 {
			return 0, false
		}
		end := indexByte(h, '.')
		var p []byte
		if end < 0 {
			p, h = h, nil
		} else {
			p, h = h[:end], h[end+1:]
			if len(h) == 0 {
				return 0, false
			}
		}
		v, ok := parseNum(p)
		if !ok {
			return 0, false
		}
		parts[n] = v
		n++
	}
	for i := 0; i < n-1; i++ {
		if parts[i] > 0xff {
			return 0, false
		}
	}
	last := parts[n-1]
	if last >= 1<<(8*(5-n)) {
		return 0, false
	}
	var a uint64
	for i := 0; i < n-1; i++ {
		a |= parts[i] << (24 - 8*i)
	}
	return uint32(a | last), true
}

func parseNum(p []byte) (uint64, bool) {
	if len(p) == 0 {
		return 0, false
	}
	base := uint64(10)
	if len(p) > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') {
		base, p = 16, p[2:]
		if len(p) == 0 {
			return 0, true // "0x" is zero for inet_aton
		}
	} else if len(p) > 1 && p[0] == '0' {
		base, p = 8, p[1:]
	}
	var v uint64
	for _, c := range p {
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, false
		}
	}
	return v, true
}
