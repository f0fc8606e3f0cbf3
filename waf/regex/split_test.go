package regex

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
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

// splitAllNaive is splitAll as first written: every round splits every
// alternative again. splitAll must give the same branches.
func splitAllNaive(expr string) []branch {
	split := func(b branch) []branch {
		rs := splitRanges(b.text)
		out := make([]branch, len(rs))
		for i, r := range rs {
			var sp []span
			for _, x := range r {
				sp = appendSubSpans(sp, b.spans, x.start, x.end)
			}
			out[i] = branch{text: spanText(expr, sp), spans: sp}
		}
		return out
	}
	out := split(branch{text: expr, spans: []span{{0, len(expr)}}})
	if len(out) > maxBranches {
		return nil
	}
	for len(out) > 1 {
		best, bestParts := -1, []branch(nil)
		for i, b := range out {
			parts := split(b)
			if len(parts) < 2 || len(out)-1+len(parts) > maxBranches {
				continue
			}
			if len(parts) > len(bestParts) {
				best, bestParts = i, parts
			}
		}
		if best < 0 {
			break
		}
		out = append(out[:best], append(bestParts, out[best+1:]...)...)
	}
	return out
}

// TestSplitAllSameAsNaive: on every expression of the default and Datadog
// rulesets, and on synthetic nested alternations, splitAll gives the
// branches (texts and spans) of the naive algorithm.
func TestSplitAllSameAsNaive(t *testing.T) {
	exprs := append(rulesetRegexes(t, "../rules/default.json"), rulesetRegexes(t, corpus.DataFile(t, corpus.DatadogRuleset))...)
	exprs = append(exprs,
		`(?:a|b)(?:c|d)(?:e|f)(?:g|h)(?:i|j)(?:k|l)(?:m|n)`,
		`x(?:a(?:b|c|d)|e(?:f|g))y|z(?:p|q)`,
		`(?i)(?:a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z|0|1|2|3|4|5|6|7|8|9|A|B|C|D|E|F|G|H|I|J|K|L|M|N|O|P|Q|R|S|T|U|V|W|X|Y|Z|-|_|.)(?:1|2)`,
	)
	nSplit := 0
	for _, e := range exprs {
		got, want := splitAll(e), splitAllNaive(e)
		if len(want) < 2 {
			want = nil
		}
		if len(got) < 2 {
			got = nil
		}
		if len(got) != len(want) {
			t.Fatalf("splitAll(%q): %d branches, naive %d", e, len(got), len(want))
		}
		for i := range got {
			if got[i].text != want[i].text || !slices.Equal(got[i].spans, want[i].spans) {
				t.Fatalf("splitAll(%q) branch %d = %q %v, naive %q %v", e, i, got[i].text, got[i].spans, want[i].text, want[i].spans)
			}
		}
		if got != nil {
			nSplit++
		}
	}
	if nSplit < 50 {
		t.Errorf("only %d of %d expressions split", nSplit, len(exprs))
	}
}
