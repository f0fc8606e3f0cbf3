package httpinput

import (
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that sent the request, or the
// zero Addr when none is known.
//
// When the peer (remoteAddr, "ip:port" or "ip") is not a trusted proxy, the
// answer is the peer itself: anyone can send X-Forwarded-For, and believing
// it from an untrusted peer would let a client choose the IP that deny lists
// and account-takeover detection see. When the peer is trusted (or
// Options.TrustAllProxies is set), the headers of Options.ClientIPHeaders are
// read in order; the first that yields an address wins. Within a header,
// addresses are read from right to left (each proxy appends the address it
// received the request from, so the rightmost entries are the ones written by
// the proxies closest to the service), across repeated header lines from the
// last to the first. Trusted proxies are skipped, as are garbage entries and
// "unknown" or obfuscated Forwarded nodes; the first public address found
// wins. When the chain holds no public address, the first untrusted one is
// taken (a client on a private network); when it holds none at all, the next
// header is tried, and in the end the peer is returned.
//
// Ports, brackets around IPv6 addresses, quotes (Forwarded: for="[::1]:80")
// and IPv6 zones are removed; IPv4-mapped IPv6 addresses become IPv4.
func ClientIP(remoteAddr string, headers [][2]string, o *Options) netip.Addr {
	o = o.orDefault()
	peer := parseIP(remoteAddr)
	trusted := o.trusted()
	if !o.TrustAllProxies && !(peer.IsValid() && inPrefixes(trusted, peer)) {
		return peer
	}
	for _, name := range o.ipHeaders() {
		if ip := fromHeader(name, headers, trusted); ip.IsValid() {
			return ip
		}
	}
	return peer
}

// fromHeader walks the values of the named header from right to left.
func fromHeader(name string, headers [][2]string, trusted []netip.Prefix) netip.Addr {
	forwarded := strings.EqualFold(name, "forwarded")
	var fallback netip.Addr
	for i := len(headers) - 1; i >= 0; i-- {
		if !strings.EqualFold(headers[i][0], name) {
			continue
		}
		v := headers[i][1]
		for v != "" {
			var entry string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				entry, v = v[j+1:], v[:j]
			} else {
				entry, v = v, ""
			}
			if forwarded {
				entry = forwardedFor(entry)
			}
			ip := parseIP(entry)
			if !ip.IsValid() || !canBeClient(ip) || inPrefixes(trusted, ip) {
				continue
			}
			if isPublic(ip) {
				return ip
			}
			if !fallback.IsValid() {
				fallback = ip
			}
		}
	}
	return fallback
}

// forwardedFor returns the for= parameter of one Forwarded element (RFC 7239),
// or "".
func forwardedFor(elem string) string {
	for elem != "" {
		var pair string
		if j := strings.IndexByte(elem, ';'); j >= 0 {
			pair, elem = elem[:j], elem[j+1:]
		} else {
			pair, elem = elem, ""
		}
		k, v, ok := strings.Cut(trimBlank(pair), "=")
		if ok && strings.EqualFold(trimBlank(k), "for") {
			return v
		}
	}
	return ""
}

// parseIP parses one address as found in RemoteAddr or a forwarding header:
// "1.2.3.4", "1.2.3.4:80", "::1", "[::1]", "[::1]:80", optionally quoted. It
// returns the zero Addr for anything else.
func parseIP(s string) netip.Addr {
	s = trimBlank(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > 64 {
		return netip.Addr{}
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}
		}
		rest := s[end+1:]
		if rest != "" && !isPort(rest) {
			return netip.Addr{}
		}
		s = s[1:end]
		if strings.IndexByte(s, ':') < 0 { // "[1.2.3.4]" is not an IPv6 literal
			return netip.Addr{}
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		// One colon: IPv4 with a port.
		if !isPort(s[i:]) {
			return netip.Addr{}
		}
		s = s[:i]
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap().WithZone("")
}

// isPort reports whether s is ":" followed by 1 to 5 digits.
func isPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func inPrefixes(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// canBeClient reports whether ip can be the source of a request: not the
// unspecified address, a multicast group or the broadcast address.
func canBeClient(ip netip.Addr) bool {
	return !ip.IsUnspecified() && !ip.IsMulticast() && ip != broadcast
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// isPublic reports whether ip is a routable unicast address: not loopback,
// private, link-local, multicast, unspecified or carrier-grade NAT space.
func isPublic(ip netip.Addr) bool {
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedSpace.Contains(ip)
}
