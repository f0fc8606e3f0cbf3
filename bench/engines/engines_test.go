package engines

import (
	"encoding/base64"
	"net/url"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// TestEngines checks every registered engine against the contract the
// harness relies on: it initializes, flags a plain SQL injection and an
// XSS, reports the rules it matched, and passes an ordinary request.
func TestEngines(t *testing.T) {
	opt := Options{Budget: -1, RulesetPath: filepath.Join(corpus.Dir(t), "..", "data", "datadog-recommended-ruleset.json")}
	browser := [][2]string{
		{"Host", "shop.example.com"},
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"},
		{"Accept-Language", "en-US,en;q=0.5"},
	}
	attacks := []*corpus.Request{
		request("GET", "/items?id=1%27%20UNION%20SELECT%20password%20FROM%20users--", "", browser...),
		request("GET", "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E", "", browser...),
	}
	benign := request("GET", "/items?id=42&sort=price", "", browser...)

	names := Names()
	if want := []string{"rampart-default", "rampart-default-literal", "rampart-datadog", "libddwaf", "coraza-crs"}; !slices.Equal(names[:min(len(names), len(want))], want) {
		t.Errorf("Names() = %v, want %v first", names, want)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			e, err := New(name, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			for _, r := range attacks {
				p, err := e.Prepare(r)
				if err != nil {
					t.Fatal(err)
				}
				rules, v := e.Eval(p, nil)
				if !v.Flagged || len(rules) == 0 || v.Err {
					t.Errorf("%s: verdict %+v, rules %v; want flagged with rules", r.Request.URI, v, rules)
				}
			}
			p, _ := e.Prepare(benign)
			if rules, v := e.Eval(p, nil); v.Flagged || v.Err {
				t.Errorf("benign request: verdict %+v, rules %v; want not flagged", v, rules)
			}
		})
	}
	if _, err := New("no-such-engine", opt); err == nil {
		t.Error("New of an unknown engine: no error")
	}
}

// TestRampartLiteral checks that rampart-default-literal is the default
// ruleset without decoding: it misses an attack sent Base64-encoded that
// rampart-default flags, and both flag it plain.
func TestRampartLiteral(t *testing.T) {
	const sqli = "1' UNION SELECT password FROM users--"
	plain := request("GET", "/items?id="+url.QueryEscape(sqli), "", [2]string{"Host", "h"})
	encoded := request("GET", "/items?id="+url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(sqli))), "", [2]string{"Host", "h"})
	for _, tc := range []struct {
		engine      string
		wantEncoded bool
	}{{"rampart-default", true}, {"rampart-default-literal", false}} {
		e, err := New(tc.engine, Options{Budget: -1})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			req  *corpus.Request
			want bool
		}{{plain, true}, {encoded, tc.wantEncoded}} {
			p, _ := e.Prepare(r.req)
			if rules, v := e.Eval(p, nil); v.Flagged != r.want {
				t.Errorf("%s on %s: flagged %v (rules %v), want %v", tc.engine, r.req.Request.URI, v.Flagged, rules, r.want)
			}
		}
		e.Close()
	}
}
