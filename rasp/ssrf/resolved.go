package ssrf

import "net/netip"

// CheckResolved is the default Detector's CheckResolved.
func CheckResolved(rawURL string, inputs []string, ip netip.Addr) (Finding, bool) {
	return std.CheckResolved(rawURL, inputs, ip)
}

// CheckResolved is the dial-time check, against DNS rebinding and names
// that point inside (a record the attacker controls, a wildcard-DNS name
// not known to Internal): ip is the address that the URL's host resolved
// to, about to be dialed. It reports the first input found verbatim in
// rawURL that covers the whole host when ip is forbidden (InternalIP, or
// the policy's ForbiddenIPs). A host the application chose itself, or a
// label the input filled in it, may resolve anywhere.
func (d *Detector) CheckResolved(rawURL string, inputs []string, ip netip.Addr) (Finding, bool) {
	if !ip.IsValid() {
		return Finding{}, false
	}
	if _, bad := d.ipReason(ip); !bad {
		return Finding{}, false
	}
	return d.scan(rawURL, inputs, ip)
}

// judgeResolved flags an occurrence at [s, t) that covers the whole host.
func (u *urlParts) judgeResolved(s, t int) (string, bool) {
	for r := 0; r < 2; r++ {
		if u.auth >= 0 && u.inner[r].within(s, t) {
			return "input sets the host to a name that resolves to an internal address", true
		}
	}
	return "", false
}
