package engines

import (
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
	for _, want := range []string{"rampart-default", "rampart-default-literal", "rampart-datadog", "libddwaf", "coraza-crs"} {
		if !slices.Contains(names, want) {
			t.Errorf("engine %q is not registered (have %v)", want, names)
		}
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
