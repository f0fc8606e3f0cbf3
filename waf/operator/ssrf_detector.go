package operator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/rasp/ssrf"
)

// ssrfDetector (ssrf_detector) reports a request input that controls an
// outgoing URL's scheme, userinfo, host or port, climbs its path, or uses a
// scheme outside the allowed list: see package rasp/ssrf. At dial time,
// when the sink carries the resolved address, it reports an input that
// chose the whole host of a name that resolved to a forbidden address (DNS
// rebinding).
//
// The condition's "options" and "policy" (version 3 of the operator in the
// ruleset format) are read as follows; any other key, or a value of the
// wrong type, is an error naming the field:
//
//	options.authority-inspection (bool, default true): host, port, userinfo and scheme changes.
//	options.path-inspection (bool): absent, a traversal out of the input's directory is
//	  reported; true also any ".." segment and encoded separator the input adds; false
//	  nothing in the path.
//	options.query-inspection (bool, default false): '?', '&' and '#' the input adds.
//	options.forbid-full-url-injection (bool, default false): an input that is a whole URL.
//	options.enforce-policy-without-injection: only false; true is refused (the sink
//	  check runs when a request input occurs in the URL, never without one).
//	policy.allowed-schemes ([]string): the schemes an input may choose (default http, https).
//	policy.forbidden-domains ([]string): names forbidden with their subdomains; replaces
//	  the built-in internal and out-of-band names.
//	policy.forbidden-ips ([]string): addresses and CIDR ranges; replaces the built-in ranges.
type ssrfDetector struct{ d *ssrf.Detector }

func newSSRFDetector(p Params) (Detector, error) {
	o := ssrf.DefaultOptions()
	if raw, ok := p.Raw["options"]; ok {
		if err := ssrfOptions(raw, &o); err != nil {
			return nil, err
		}
	}
	if raw, ok := p.Raw["policy"]; ok {
		if err := ssrfPolicy(raw, &o.Policy); err != nil {
			return nil, err
		}
	}
	return ssrfDetector{ssrf.New(o)}, nil
}

// object decodes raw as a JSON object, in key order for stable errors.
func object(field string, raw json.RawMessage) (map[string]json.RawMessage, []string, error) {
	var m map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &m) != nil {
		return nil, nil, fmt.Errorf("%s: must be an object", field)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m, keys, nil
}

func boolField(field string, raw json.RawMessage) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s: must be true or false", field)
}

func ssrfOptions(raw json.RawMessage, o *ssrf.Options) error {
	m, keys, err := object("options", raw)
	if err != nil {
		return err
	}
	for _, k := range keys {
		field := "options." + k
		v, err := boolField(field, m[k])
		if err != nil {
			return err
		}
		switch k {
		case "authority-inspection":
			o.Authority = v
		case "path-inspection":
			o.Path = ssrf.PathOff
			if v {
				o.Path = ssrf.PathStrict
			}
		case "query-inspection":
			o.Query = v
		case "forbid-full-url-injection":
			o.FullURL = v
		case "enforce-policy-without-injection":
			if v {
				return fmt.Errorf("%s: true is not supported: the sink check runs only when a request input occurs in the URL (match the URL itself with a rule on server.io.net.url instead)", field)
			}
		default:
			return fmt.Errorf("%s: unknown option (known: authority-inspection, path-inspection, query-inspection, forbid-full-url-injection, enforce-policy-without-injection)", field)
		}
	}
	return nil
}

func stringList(field string, raw json.RawMessage) ([]string, error) {
	var l []string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(t, &l) != nil {
		return nil, fmt.Errorf("%s: must be a list of strings", field)
	}
	for i, s := range l {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("%s[%d]: empty", field, i)
		}
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
}

func ssrfPolicy(raw json.RawMessage, p *ssrf.Policy) error {
	m, keys, err := object("policy", raw)
	if err != nil {
		return err
	}
	for _, k := range keys {
		field := "policy." + k
		l, err := stringList(field, m[k])
		if err != nil {
			return err
		}
		switch k {
		case "allowed-schemes":
			for i, s := range l {
				if !validScheme(strings.TrimSuffix(s, ":")) {
					return fmt.Errorf("%s[%d]: %q is not a URL scheme", field, i, s)
				}
			}
			p.AllowedSchemes = l
		case "forbidden-domains":
			for i, s := range l {
				if strings.ContainsAny(s, "/:@?#[] \t") {
					return fmt.Errorf("%s[%d]: %q is not a domain name", field, i, s)
				}
			}
			p.ForbiddenDomains = l
		case "forbidden-ips":
			ips := make([]netip.Prefix, 0, len(l))
			for i, s := range l {
				pr, err := parseRange(strings.TrimSpace(s))
				if err != nil {
					return fmt.Errorf("%s[%d]: %q is not an IP address or CIDR range", field, i, s)
				}
				ips = append(ips, pr)
			}
			p.ForbiddenIPs = ips
		default:
			return fmt.Errorf("%s: unknown policy field (known: allowed-schemes, forbidden-domains, forbidden-ips)", field)
		}
	}
	return nil
}

// parseRange reads "10.0.0.0/8", "13.12.52.0/16" (host bits allowed) or a
// single address.
func parseRange(s string) (netip.Prefix, error) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func validScheme(s string) bool {
	if s == "" || !('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (d ssrfDetector) Detect(s *Sink, inputs []string) (Finding, bool) {
	if s.Resolved != "" {
		ip, err := netip.ParseAddr(s.Resolved)
		if err != nil {
			return Finding{}, false
		}
		f, ok := d.d.CheckResolved(s.Resource, inputs, ip)
		return Finding{Input: f.Input, Reason: f.Reason}, ok
	}
	f, ok := d.d.Check(s.Resource, inputs)
	return Finding{Input: f.Input, Reason: f.Reason}, ok
}

var _ Detector = ssrfDetector{}

func init() {
	registerDetector(DetectorInfo{Name: "ssrf_detector", Short: "ssrf", Sink: "http", Factory: newSSRFDetector})
}
