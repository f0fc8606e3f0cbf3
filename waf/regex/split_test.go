package regex

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func TestSplitAlternationTable(t *testing.T) {
	cases := []struct {
		name, expr string
		want       []string
	}{
		{"top level", `a|b|c`, []string{`a`, `b`, `c`}},
		{"flags kept", `(?i)ab|cd`, []string{`(?i)ab`, `(?i)cd`}},
		{"group between prefix and suffix", `\b(?:sleep|benchmark)\s*\(`, []string{`\b(?:sleep)\s*\(`, `\b(?:benchmark)\s*\(`}},
		{"quantified group not split", `x(?:a|b)+y`, nil},
		{"pipe in class ignored", `[|]x`, nil},
		{"escaped pipe ignored", `a\|b`, nil},
		{"largest group chosen", `(?:a|b)-(?:c|d|e)`, []string{`(?:a|b)-(?:c)`, `(?:a|b)-(?:d)`, `(?:a|b)-(?:e)`}},
		{"nested stays whole", `x(?:a(?:b|c)|d)y`, []string{`x(?:a(?:b|c))y`, `x(?:d)y`}},
		{"inline flag group kept whole", `(?s:a|b)c`, []string{`(?s:a)c`, `(?s:b)c`}},
		{"unbalanced", `(a|b`, nil},
		{"class with bracket", `[]|]a|b`, []string{`[]|]a`, `b`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := splitAlternation(c.expr)
			if len(got) != len(c.want) {
				t.Fatalf("split(%q) = %q, want %q", c.expr, got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("split(%q) = %q, want %q", c.expr, got, c.want)
				}
			}
		})
	}
}

// rulesetRegexes returns the expressions of every match_regex condition of
// a ruleset file, with (?i) when case-insensitive.
func rulesetRegexes(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		Rules []struct {
			Conditions []struct {
				Operator   string `json:"operator"`
				Parameters struct {
					Regex   string `json:"regex"`
					Options struct {
						CaseSensitive bool `json:"case_sensitive"`
					} `json:"options"`
				} `json:"parameters"`
			} `json:"conditions"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs.Rules {
		for _, c := range r.Conditions {
			if c.Operator != "match_regex" {
				continue
			}
			e := c.Parameters.Regex
			if !c.Parameters.Options.CaseSensitive {
				e = "(?i)" + e
			}
			out = append(out, e)
		}
	}
	return out
}

// TestSplitPreservesMatches: for every expression of the default and
// Datadog rulesets, the branches together match exactly the values the
// whole expression matches, over the corpus payloads.
func TestSplitPreservesMatches(t *testing.T) {
	var values []string
	for _, cat := range []string{"sqli", "xss", "lfi", "rce", "ssrf", "nosqli", "ssti", "jndi", "scanner", "protocol", "benign"} {
		ps := corpus.Payloads(t, cat)
		for i := 0; i < len(ps); i += 1 + len(ps)/400 {
			values = append(values, ps[i].Payload)
		}
	}
	exprs := append(rulesetRegexes(t, "../rules/default.json"), rulesetRegexes(t, corpus.DataFile(t, corpus.DatadogRuleset))...)
	split := 0
	for _, e := range exprs {
		parts := splitAlternation(e)
		if len(parts) < 2 {
			continue
		}
		split++
		whole := regexp.MustCompile(e)
		var branches []*regexp.Regexp
		for _, p := range parts {
			re, err := regexp.Compile(p)
			if err != nil {
				t.Fatalf("branch %q of %q does not compile: %v", p, e, err)
			}
			branches = append(branches, re)
		}
		for _, v := range values {
			any := false
			for _, b := range branches {
				if b.MatchString(v) {
					any = true
					break
				}
			}
			if any != whole.MatchString(v) {
				t.Fatalf("expression %q: whole=%v branches=%v on %q", e, !any, any, v)
			}
		}
	}
	if split < 20 {
		t.Errorf("only %d expressions split", split)
	}
	t.Logf("%d of %d expressions split, checked on %d values", split, len(exprs), len(values))
}

// FuzzSplitAlternation: whenever an expression splits, every branch
// compiles and the branches match exactly what the whole matches.
func FuzzSplitAlternation(f *testing.F) {
	f.Add(`\b(?:sleep|benchmark)\s*\(`, "x sleep (1)")
	f.Add(`(?i)ab|c[|]d`, "C|D")
	f.Add(`^(?:a|b)$|x(?:c|d)`, "xd")
	f.Add(`[]|]a|(?:b|c)+`, "]a")
	f.Fuzz(func(t *testing.T, expr, value string) {
		whole, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		parts := splitAlternation(expr)
		if len(parts) == 0 {
			return
		}
		any := false
		for _, p := range parts {
			re, err := regexp.Compile(p)
			if err != nil {
				t.Fatalf("branch %q of %q does not compile: %v", p, expr, err)
			}
			if re.MatchString(value) {
				any = true
			}
		}
		if any != whole.MatchString(value) {
			t.Fatalf("%q split into %q: branches %v, whole %v on %q", expr, parts, any, !any, value)
		}
	})
}
