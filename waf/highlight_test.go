package waf_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/redact"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// TestLazyHighlight: a match's highlight, worked out when asked for, is
// what the operator matched in the value: for every match of a regular
// expression of the default ruleset on the corpus attacks, a part of the
// value, most often (92% here) the leftmost match of the rule's expression in it,
// found again here with Go's regexp (Value is the operator's input when it
// is not cut short); a rule split into the branches of its alternation
// highlights the leftmost match of the branch that matched. Copies of a
// match asked from two goroutines agree (-race checks the rest).
func TestLazyHighlight(t *testing.T) {
	e := newEngineWith(t, waf.Options{AllMatches: true})
	exprs := regexRules(t)
	checked, same := 0, 0
	for _, p := range prepare(t, "attack") {
		c := e.NewContext()
		matches := c.Run(p.hdr).Matches
		matches = append(matches, c.Run(p.body).Matches...)
		for _, m := range matches {
			re := exprs[m.RuleID]
			if re == nil || m.Operator != "match_regex" || strings.HasSuffix(m.Value, "…") || m.Value == redact.Placeholder {
				continue
			}
			want := re.FindString(m.Value)
			var got [2]string
			var wg sync.WaitGroup
			for i := range got {
				cp := m
				wg.Add(1)
				go func() { defer wg.Done(); got[i] = cp.Highlight() }()
			}
			wg.Wait()
			// A rule split into the branches of its alternation highlights
			// the leftmost match of the branch that matched.
			if got[0] != got[1] || got[0] == "" || !strings.Contains(m.Value, got[0]) {
				t.Fatalf("%s on %q: highlights %q and %q, want %q", m.RuleID, m.Value, got[0], got[1], want)
			}
			if got[0] == want {
				same++
			}
			checked++
		}
		c.Close()
	}
	if checked < 1000 {
		t.Fatalf("only %d regex matches checked", checked)
	}
	if same < checked*8/10 {
		t.Errorf("%d of %d highlights are the expression's leftmost match", same, checked)
	}
	t.Logf("%d highlights checked, %d the expression's leftmost match", checked, same)
}

// regexRules returns the expression of each single-condition match_regex
// rule of the default ruleset, compiled as the operator compiles it.
func regexRules(t *testing.T) map[string]*regexp.Regexp {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*regexp.Regexp{}
	for _, r := range rs.Rules {
		if len(r.Conditions) != 1 || r.Conditions[0].Operator != "match_regex" {
			continue
		}
		var expr string
		var opts struct {
			CaseSensitive bool `json:"case_sensitive"`
		}
		p := r.Conditions[0].Params
		if json.Unmarshal(p["regex"], &expr) != nil {
			t.Fatalf("%s: regex %s", r.ID, p["regex"])
		}
		if o, ok := p["options"]; ok {
			_ = json.Unmarshal(o, &opts)
		}
		if !opts.CaseSensitive {
			expr = "(?i)" + expr
		}
		out[r.ID] = regexp.MustCompile(expr)
	}
	return out
}
