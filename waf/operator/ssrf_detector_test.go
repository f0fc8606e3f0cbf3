package operator

import (
	"encoding/json"
	"strings"
	"testing"
)

func ssrfWith(t *testing.T, params string) (Detector, error) {
	t.Helper()
	raw := map[string]json.RawMessage{}
	if params != "" {
		if err := json.Unmarshal([]byte(params), &raw); err != nil {
			t.Fatalf("bad test params %s: %v", params, err)
		}
	}
	info, ok := LookupDetector("ssrf_detector@v3")
	if !ok {
		t.Fatal("ssrf_detector@v3 not registered")
	}
	return info.Factory(Params{Raw: raw})
}

// TestSSRFDetectorOptions: each option and policy field changes what is
// reported, against the default, on exploit/benign rows of the same shape.
func TestSSRFDetectorOptions(t *testing.T) {
	for _, c := range []struct {
		name, params string
		url, input   string
		resolved     string
		want, deflt  bool // with the params, and with none
	}{
		{"authority off", `{"options": {"authority-inspection": false}}`,
			"https://internal-website.evil.com/path/to/stuffs?bla=42", ".evil.com/path/to/stuffs?", "", false, true},
		{"authority on", `{"options": {"authority-inspection": true}}`,
			"https://internal-website.evil.com/path/to/stuffs?bla=42", ".evil.com/path/to/stuffs?", "", true, true},
		{"path strict: encoded slash", `{"options": {"path-inspection": true}}`,
			"https://blabla.com/random/with%2fdodgy/characters?param=value", "with%2fdodgy", "", true, false},
		{"path strict: dot-dot inside", `{"options": {"path-inspection": true}}`,
			"https://blabla.com/random/..falsestart.something/../with?param=value", "..falsestart.something/../with", "", true, false},
		{"path strict: plain segment", `{"options": {"path-inspection": true}}`,
			"https://blabla.com/random/with-dodgy/characters", "with-dodgy", "", false, false},
		{"path off", `{"options": {"path-inspection": false}}`,
			"https://blabla.com/random/../with?param=value", "../with", "", false, true},
		{"query on: parameters", `{"options": {"query-inspection": true}}`,
			"https://blabla.com/path?name=param&name2=param2", "param&name2=param2", "", true, false},
		{"query on: starts the query", `{"options": {"query-inspection": true}}`,
			"https://internal.example/path/to/stuffs?bla=42", "/path/to/stuffs?", "", true, false},
		{"query on: a value", `{"options": {"query-inspection": true}}`,
			"https://blabla.com/path?name=base64=&x=1", "base64=", "", false, false},
		{"query on: short value", `{"options": {"query-inspection": true}}`,
			"https://blabla.com/path?n=a&x=1", "a", "", false, false},
		{"full url on", `{"options": {"forbid-full-url-injection": true}}`,
			"https://example.com/path", "https://example.com/path", "", true, false},
		{"full url on: path only", `{"options": {"forbid-full-url-injection": true}}`,
			"https://example.com/path", "/path", "", false, false},
		{"enforce policy false accepted", `{"options": {"enforce-policy-without-injection": false}}`,
			"gopher://blabla.com/path", "gopher:", "", true, true},
		{"schemes: gopher allowed", `{"policy": {"allowed-schemes": ["gopher", "data"]}}`,
			"gopher://blabla.com/path", "gopher:", "", false, true},
		{"schemes: https not listed", `{"policy": {"allowed-schemes": ["gopher", "data"]}}`,
			"https://blabla.com/path", "https:", "", true, false},
		{"schemes: ftp listed", `{"policy": {"allowed-schemes": ["https", "http", "ftps", "ftp"]}}`,
			"ftp://ftp.example.com/pub/f.txt", "ftp://ftp.example.com/pub/f.txt", "", false, true},
		{"domains: listed", `{"policy": {"forbidden-domains": ["corp.example"]}}`,
			"https://db.corp.example/x", "db.corp.example", "", true, false},
		{"domains: leading dot, subdomains only", `{"policy": {"forbidden-domains": [".corp.example"]}}`,
			"https://corp.example/x", "corp.example", "", false, false},
		{"domains: replaced built-in", `{"policy": {"forbidden-domains": []}}`,
			"https://printer.local/x", "printer.local", "", false, true},
		{"ips: listed range", `{"policy": {"forbidden-ips": ["13.12.52.0/16", "07e3:0814:4e19:0362:c5e1:e7ae:492a:6cc2"]}}`,
			"https://13.12.52.213/path", "13.12.52.213", "", true, false},
		{"ips: listed address", `{"policy": {"forbidden-ips": ["13.12.52.0/16", "07e3:0814:4e19:0362:c5e1:e7ae:492a:6cc2"]}}`,
			"https://[07e3:0814:4e19:0362:c5e1:e7ae:492a:6cc2]/x", "[07e3:0814:4e19:0362:c5e1:e7ae:492a:6cc2]", "", true, false},
		{"ips: mapped form of a listed range", `{"policy": {"forbidden-ips": ["13.12.0.0/16"]}}`,
			"https://[::ffff:13.12.1.1]/x", "[::ffff:13.12.1.1]", "", true, false},
		{"ips: replaced built-in", `{"policy": {"forbidden-ips": []}}`,
			"https://[::1]/path", "[::1]", "", false, true},
		{"ips: a spelled address judged by the list", `{"policy": {"forbidden-ips": ["10.0.0.0/8"]}}`,
			"http://10.1.2.3.nip.io/x", "10.1.2.3.nip.io", "", true, true},
		{"ips: a spelled address outside the list", `{"policy": {"forbidden-ips": ["10.0.0.0/8"]}}`,
			"http://127.0.0.1.nip.io/x", "127.0.0.1.nip.io", "", false, true},
		{"ips: at dial time", `{"policy": {"forbidden-ips": ["203.0.113.0/24"]}}`,
			"http://rebind.attacker.test/x", "rebind.attacker.test", "203.0.113.9", true, false},
		{"ips: at dial time, built-in replaced", `{"policy": {"forbidden-ips": ["203.0.113.0/24"]}}`,
			"http://rebind.attacker.test/x", "rebind.attacker.test", "127.0.0.1", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, params := range []string{c.params, ""} {
				det, err := ssrfWith(t, params)
				if err != nil {
					t.Fatalf("%s: %v", params, err)
				}
				want := c.want
				if params == "" {
					want = c.deflt
				}
				f, got := det.Detect(&Sink{Resource: c.url, Resolved: c.resolved}, []string{"unrelated", c.input})
				if got != want || got && (f.Input != c.input || f.Reason == "") {
					t.Errorf("params %s: Detect(%q, %q) = %v %+v, want %v", params, c.url, c.input, got, f, want)
				}
			}
		})
	}
}

// TestSSRFDetectorRefused: what the detector does not implement, or cannot
// read, is an error naming the field, never ignored.
func TestSSRFDetectorRefused(t *testing.T) {
	for _, c := range []struct{ params, field string }{
		{`{"options": "yes"}`, "options:"},
		{`{"options": null}`, "options:"},
		{`{"options": {"authority_inspection": true}}`, "options.authority_inspection:"},
		{`{"options": {"path-inspection": "true"}}`, "options.path-inspection:"},
		{`{"options": {"query-inspection": 1}}`, "options.query-inspection:"},
		{`{"options": {"forbid-full-url-injection": null}}`, "options.forbid-full-url-injection:"},
		{`{"options": {"enforce-policy-without-injection": true}}`, "options.enforce-policy-without-injection:"},
		{`{"policy": []}`, "policy:"},
		{`{"policy": {"allowed-schemes": "https"}}`, "policy.allowed-schemes:"},
		{`{"policy": {"allowed-schemes": ["https", "ht tp"]}}`, "policy.allowed-schemes[1]:"},
		{`{"policy": {"allowed-schemes": [""]}}`, "policy.allowed-schemes[0]:"},
		{`{"policy": {"forbidden-domains": ["ok.example", "http://x.example/"]}}`, "policy.forbidden-domains[1]:"},
		{`{"policy": {"forbidden-domains": [1]}}`, "policy.forbidden-domains:"},
		{`{"policy": {"forbidden-ips": ["10.0.0.0/8", "10.0.0.0/33"]}}`, "policy.forbidden-ips[1]:"},
		{`{"policy": {"forbidden-ips": ["localhost"]}}`, "policy.forbidden-ips[0]:"},
		{`{"policy": {"allowed-domains": ["x.example"]}}`, "policy.allowed-domains:"},
	} {
		_, err := ssrfWith(t, c.params)
		if err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%s: error %v, want one starting %q", c.params, err, c.field)
		}
	}
}
