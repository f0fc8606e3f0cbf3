package ssrf

import (
	"net/netip"
	"strings"
)

// CheckResolved is the dial-time check, against DNS rebinding and names
// that point inside (nip.io, localtest.me, a record the attacker controls):
// ip is the address that the URL's host resolved to, about to be dialed.
// It reports the first input (at least MinInput bytes) found verbatim in
// rawURL that covers the whole host when ip is internal (InternalIP). A
// host the application chose itself may resolve anywhere.
func CheckResolved(rawURL string, inputs []string, ip netip.Addr) (Finding, bool) {
	if !InternalIP(ip) {
		return Finding{}, false
	}
	var u urlParts
	parsed := false
	for _, in := range inputs {
		if len(in) < MinInput {
			continue
		}
		off := 0
		for off < len(rawURL) {
			k := strings.Index(rawURL[off:], in)
			if k < 0 {
				break
			}
			s := off + k
			if !parsed {
				u = parseURL(rawURL)
				parsed = true
			}
			for r := 0; r < 2; r++ {
				if u.host[r].within(s, s+len(in)) {
					return Finding{Input: in, Reason: "input sets the host to a name that resolves to an internal address"}, true
				}
			}
			off = s + 1
		}
	}
	return Finding{}, false
}
