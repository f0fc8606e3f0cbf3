package ssrf

import "net/netip"

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
	return scan(rawURL, inputs, true)
}

// judgeResolved flags an occurrence at [s, t) that covers the whole host.
func (u *urlParts) judgeResolved(s, t int) (string, bool) {
	for r := 0; r < 2; r++ {
		if u.host[r].within(s, t) {
			return "input sets the host to a name that resolves to an internal address", true
		}
	}
	return "", false
}
