package waf

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/redact"
)

// TestMatchKeepsTheValueAsSent: Match.Raw is the value as the request
// carried it, before the rule's transformers (lowercase, url_decode) and
// the engine's decoding (Base64, a JWT), redacted and truncated as Value.
func TestMatchKeepsTheValueAsSent(t *testing.T) {
	e := mustEngine(t, testRules)
	jwtPart := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	jwt := jwtPart(`{"alg":"HS256","typ":"JWT"}`) + "." + jwtPart(`{"sub":"x' or 'a"}`) + ".c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	long := "x' or '" + strings.Repeat("A", 400)
	for _, tc := range []struct {
		name       string
		addr       Address
		rule       string
		raw, value string
		decoded    string
	}{
		{"lowercase keeps the case", Address{Name: AddrHeaders, Value: Map([]Field{{Key: "user-agent", Value: Strings("Nikto/2.1.6 (Evil)")}})},
			"r-ua", "Nikto/2.1.6 (Evil)", "nikto/2.1.6 (evil)", ""},
		{"url_decode and lowercase", Address{Name: AddrQuery, Value: query("q", "1%20UNION%20%20SELECT%20pw")},
			"r-sqli", "1%20UNION%20%20SELECT%20pw", "1 union  select pw", ""},
		{"no transformer: the same", Address{Name: AddrBody, Value: Map([]Field{{Key: "q", Value: String("a' or 'b")}})},
			"r-pw", "a' or 'b", "a' or 'b", ""},
		{"decoded from Base64", Address{Name: AddrBody, Value: Map([]Field{{Key: "q", Value: String(base64.StdEncoding.EncodeToString([]byte("admin' or '1'='1 --")))}})},
			"r-pw", base64.StdEncoding.EncodeToString([]byte("admin' or '1'='1 --")), "admin' or '1'='1 --", DecodedBase64},
		{"a JWT is redacted", Address{Name: AddrBody, Value: Map([]Field{{Key: "q", Value: String(jwt)}})},
			"r-pw", redact.Placeholder, "x' or 'a", DecodedJWT}, // the JSON inside the JWT's payload
		{"a sensitive key", Address{Name: AddrBody, Value: Map([]Field{{Key: "password", Value: String("X' or 'A")}})},
			"r-pw", redact.Placeholder, redact.Placeholder, ""},
		{"truncated", Address{Name: AddrBody, Value: Map([]Field{{Key: "q", Value: String(long)}})},
			"r-pw", redact.Truncate(long, maxValueInReport), redact.Truncate(long, maxValueInReport), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(e, tc.addr)
			var m *Match
			for i := range res.Matches {
				if res.Matches[i].RuleID == tc.rule {
					m = &res.Matches[i]
				}
			}
			if m == nil {
				t.Fatalf("%s did not match: %+v", tc.rule, res.Matches)
			}
			if m.Raw != tc.raw || m.Value != tc.value || m.Decoded != tc.decoded {
				t.Errorf("raw %q value %q decoded %q, want %q %q %q", m.Raw, m.Value, m.Decoded, tc.raw, tc.value, tc.decoded)
			}
		})
	}
}

// TestMatchRawOfAPresence: a condition on an address's presence has no
// value, as sent or matched.
func TestMatchRawOfAPresence(t *testing.T) {
	e := mustEngine(t, `{"version": "2.2", "rules": [{"id": "r-x", "name": "x", "tags": {"type": "t", "category": "c"},
		"conditions": [{"operator": "exists", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["x-debug"]}]}}]}]}`)
	res := run(e, Address{Name: AddrHeaders, Value: Map([]Field{{Key: "x-debug", Value: Strings("On")}})})
	if len(res.Matches) != 1 || res.Matches[0].Raw != "" || res.Matches[0].Value != "" {
		t.Fatalf("exists: %+v", res.Matches)
	}
}
