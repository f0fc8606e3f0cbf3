package operator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/waf"
)

func ssrfRuleset(params string) string {
	return `{"version": "2.2", "metadata": {"rules_version": "t"}, "rules": [
	 {"id": "ssrf", "name": "ssrf", "tags": {"type": "ssrf", "category": "exploit"},
	  "conditions": [{"operator": "ssrf_detector@v3", "parameters": {
	    "resource": [{"address": "server.io.net.url"}],
	    "params": [{"address": "server.request.query"}]` + params + `}}],
	  "on_match": ["block"]}]}`
}

// TestSSRFDetectorRuleError: an option the detector refuses fails the
// ruleset at New, as a RuleError at the condition's parameters naming the
// field.
func TestSSRFDetectorRuleError(t *testing.T) {
	rs, _, err := waf.ParseRuleset([]byte(ssrfRuleset(`, "options": {"enforce-policy-without-injection": true}`)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = waf.New(rs, waf.Options{Timeout: -1})
	var re *waf.RulesetError
	if !errors.As(err, &re) || len(re.Problems) != 1 {
		t.Fatalf("New: %v", err)
	}
	p := re.Problems[0]
	if p.RuleID != "ssrf" || p.Path != "conditions[0].parameters" || !strings.HasPrefix(p.Msg, "options.enforce-policy-without-injection:") {
		t.Fatalf("problem %+v", p)
	}
}

// TestSSRFDetectorPolicyThroughEngine: the policy reaches the sink check.
func TestSSRFDetectorPolicyThroughEngine(t *testing.T) {
	for _, c := range []struct {
		params, url, q string
		want           bool
	}{
		{``, "gopher://x.example/_x", "gopher://x.example/_x", true},
		{`, "policy": {"allowed-schemes": ["gopher"]}`, "gopher://x.example/_x", "gopher://x.example/_x", false},
		{`, "policy": {"forbidden-ips": ["198.51.100.0/24"]}`, "http://198.51.100.7/", "198.51.100.7", true},
		{``, "http://198.51.100.7/", "198.51.100.7", false},
	} {
		rs, _, err := waf.ParseRuleset([]byte(ssrfRuleset(c.params)))
		if err != nil {
			t.Fatal(err)
		}
		e, err := waf.New(rs, waf.Options{Timeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx := e.NewContext()
		ctx.Run([]waf.Address{{Name: waf.AddrQuery, Value: waf.Map([]waf.Field{{Key: "u", Value: waf.Strings(c.q)}})}})
		res := ctx.RunSink([]waf.Address{{Name: waf.AddrNetURL, Value: waf.String(c.url)}})
		if got := len(res.Matches) == 1; got != c.want {
			t.Errorf("%s %q: matches %+v, want %v", c.params, c.url, res.Matches, c.want)
		}
		ctx.Close()
	}
}
