package waf_test

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// TestPathSegmentBase64 checks that a payload sent Base64-encoded as a
// path segment (no parameter carries it) is evaluated decoded, a plain one
// as a value of its own, and that ordinary paths, names with spaces and
// quotes, ids and tokens in the path are not flagged.
func TestPathSegmentBase64(t *testing.T) {
	e := defaultEngine(t)
	eval := func(target string) *waf.Result { return evalTarget(e, target) }
	for _, p := range []string{
		"<script>alert(111)</script>",
		"' or 1=1--",
		"; cat /etc/passwd",
		"../../../../etc/passwd",
		"${jndi:ldap://x.example.com/a}",
		"x\r\nRCPT TO: victim@example.com\r\nDATA", // a line break, from 16 bytes on
	} {
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding, base64.StdEncoding} {
			seg := url.PathEscape(enc.EncodeToString([]byte(p)))
			for _, target := range []string{"/" + seg, "/api/v1/" + seg + "/details", "/x/" + seg + "?page=2"} {
				res := eval(target)
				if res.Block == nil {
					t.Errorf("%s (%q): not blocked", target, p)
					continue
				}
				if m := res.Matches[0]; m.Decoded != waf.DecodedBase64 {
					t.Errorf("%s: match decoded %q, want %q", target, m.Decoded, waf.DecodedBase64)
				}
			}
		}
	}
	// a payload as a plain path segment, read as a value of its own
	for _, target := range []string{
		"/api/v1/products/or%20true--",
		"/items/1%27%20or%20%271%27%3D%271",
		"/run/%3Bcat%20%2Fetc%2Fpasswd",
		"/x/1%20union%20select%20password%20from%20users",
	} {
		res := eval(target)
		if res.Block == nil {
			t.Errorf("%s: not blocked", target)
		}
	}
	for _, target := range []string{
		"/c/Cummings/CUMMINGS", // decodes to a line break and junk
		"/c/Sam/sam?q=SAM",     // not the SAM hive
		"/s?q=alert&t=CONFIRM",
		"/search/red%20shoes",
		"/wiki/Rock%20%27n%27%20roll",
		"/files/Q1%20report%20(final).pdf",
		"/users/o%27brien/profile",
		"/blog/why%20we%20moved%3B%20part%202",
		"/wiki/Select%20(SQL)",
		"/wiki/Echo%20%26%20the%20Bunnymen",
		"/api/v1/products/64028/reviews",
		"/files/aGVsbG8gd29ybGQ/download",                    // "hello world"
		"/u/dXNlcjEyMzQ1Njc4OQ",                              // "user123456789"
		"/share/Kq3x9vPz0bQ7LmN2RtY8wA",                      // a random token
		"/blog/2024/05/why-we-moved-to-postgres",             // a slug
		"/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6/items", // a UUID
		"/img/4f9d2c1b8e7a6d5c4b3a29181716151413121110.png",  // a hash
		"/static/js/app.8c1f0e2b.js",
	} {
		if res := eval(target); len(res.Matches) > 0 {
			t.Errorf("%s: flagged by %s", target, res.Matches[0].RuleID)
		}
	}
}

// evalTarget evaluates a GET of the request target with the engine.
func evalTarget(e *waf.Engine, target string) *waf.Result {
	in := &httpinput.Request{Method: "GET", URI: target, Headers: [][2]string{{"Host", "api.example.com"}}, RemoteAddr: "203.0.113.9"}
	addrs, _ := httpinput.Build(in, nil, nil)
	c := e.NewContext()
	defer c.Close()
	res := c.Run(addrs)
	return &res
}

// TestTargetEscapes checks that the request target is evaluated with its
// escapes decoded when it holds more than its own percent-encoding (a
// double encoding, %uHHHH), and not for single %HH escapes, which the
// query's values and the path segments carry decoded already.
func TestTargetEscapes(t *testing.T) {
	e := newEngineWith(t, waf.Options{AllMatches: true})
	decodedTarget := func(res *waf.Result) bool {
		for _, m := range res.Matches {
			if m.Address == waf.AddrURIRaw && m.Decoded == waf.DecodedEscapes {
				return true
			}
		}
		return false
	}
	for _, target := range []string{
		// (triple encodings: the rules' own url_decode reads the double
		// encodings of the target as received)
		"/download/..%255%25c..%255%25c..%255%25c..%255%25c..%255%25cetc%255%25cissue",
		"/image/%5C..%255%25c%5C..%255%25c%5C..%255%25cetc%255%25cpasswd",
	} {
		res := evalTarget(e, target)
		if res.Block == nil || !decodedTarget(res) {
			t.Errorf("%s: blocked %v, matches %+v: want a match on the decoded target", target, res.Block != nil, res.Matches)
		}
	}
	// A rule on the target as received, without transformers.
	rs, _, err := waf.ParseRuleset([]byte(`{"version": "2.2", "rules": [{"id": "t-1", "name": "script",
	  "tags": {"type": "xss", "category": "xss"}, "on_match": ["block"],
	  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.uri.raw"}], "regex": "<script"}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := waf.New(rs, waf.Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{
		"/search?q=%3Cscript%3Ealert(1)": false, // the query value carries it decoded
		"/search?q=%u003cscript%u003e":   true,
		`/search?q=\x3cscript\x3e`:       true,
		"/search?q=&#x3c;script&#x3e;":   true,
	} {
		if got := decodedTarget(evalTarget(raw, target)); got != want {
			t.Errorf("%s: decoded target matched %v, want %v", target, got, want)
		}
	}
}

func TestTargetEscapesScan(t *testing.T) {
	for s, want := range map[string]bool{
		"/a?q=hello%20world&b=%2F": false, "/plain/path": false, "/x%2": false, "/x%25": true,
		"/a?q=%2527": true, "/x?q=%u0027": true, "/x?q=%U0027": true, `/x?q=\x41`: true, "/x?a=&#39;": true, "/x?a=&b=#": false,
	} {
		if got := waf.TargetEscapes([]byte(s)); got != want {
			t.Errorf("targetEscapes(%q) = %v, want %v", s, got, want)
		}
	}
}
