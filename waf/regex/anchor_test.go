package regex

import (
	"regexp"
	"regexp/syntax"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func TestAnchorTable(t *testing.T) {
	cases := []struct {
		expr, value string
		anchored    bool // the expression gets an anchor
		may         bool
	}{
		{`[;&|]\s*cat\s+/`, "a; cat /etc", true, true},
		{`[;&|]\s*cat\s+/`, "concatenate; x", true, false},
		{`[;&|]\s*cat\s+/`, "cat /x", true, false},  // no separator before
		{`[;&|]\s*cat\s+/`, "; cat x", true, false}, // suffix fails
		{`\bsleep\s*\(`, "xsleep(1)", true, false},  // \b before the literal
		{`\bsleep\s*\(`, "a sleep (1)", true, true}, // assertion at the occurrence
		{`(?i)\bunion\s+select`, "UNION  Select", true, true},
		{`(?i)\bunion\s+select`, "reunion select", true, false},
		{`(?:or|and)\s+1=1`, "x and 1=1", true, true},
		{`(?:or|and)\s+1=1`, "x andy 1=1", true, false},
		{`^\s*cmd$`, "  cmd", true, true},
		{`^\s*cmd$`, "a cmd", true, false},
		{`x\.{2}y`, "x..y", false, true},      // no literal of 2 bytes: none
		{`(?i)ks\d`, "KS1", false, true},      // k and s fold outside ASCII
		{`ab\x{fffd}`, "ab\xff", false, true}, // one literal holding U+FFFD: none
		{`é+ab`, "ééab", true, true},
		{`é+ab`, "e ab", true, false},
		{`applicationhost\.config`, "x/applicationhost.config", true, true}, // a literal alone
		{`applicationhost\.config`, "application/json", true, false},
		{`(?:foo|bar)`, "a bar", true, true},
	}
	for _, c := range cases {
		tree, err := syntax.Parse(c.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		a := newAnchor(tree)
		if (a != nil) != c.anchored {
			t.Errorf("%q: anchored = %v, want %v", c.expr, a != nil, c.anchored)
			continue
		}
		if a == nil {
			continue
		}
		if got := a.mayMatch([]byte(c.value)); got != c.may {
			t.Errorf("%q on %q: mayMatch = %v, want %v", c.expr, c.value, got, c.may)
		}
		if re := regexp.MustCompile(c.expr); re.MatchString(c.value) && !a.mayMatch([]byte(c.value)) {
			t.Errorf("%q on %q: the expression matches but the anchor refuses", c.expr, c.value)
		}
	}
}

// TestAnchorSoundOnRulesets: for every expression of the default and
// Datadog rulesets, and each of its branches, Find (behind its anchor)
// agrees with Go's regexp on the corpus payloads.
func TestAnchorSoundOnRulesets(t *testing.T) {
	var values [][]byte
	for _, cat := range []string{"sqli", "xss", "lfi", "rce", "ssrf", "nosqli", "ssti", "jndi", "scanner", "protocol", "benign"} {
		ps := corpus.Payloads(t, cat)
		for i := 0; i < len(ps); i += 1 + len(ps)/150 {
			values = append(values, []byte(ps[i].Payload))
		}
	}
	exprs := append(rulesetRegexes(t, "../rules/default.json"), rulesetRegexes(t, corpus.DataFile(t, corpus.DatadogRuleset))...)
	anchored := 0
	for _, e := range exprs {
		all := []string{e}
		for _, b := range splitAll(e) {
			all = append(all, b.text)
		}
		for _, x := range all {
			tree, err := syntax.Parse(x, syntax.Perl)
			if err != nil {
				t.Fatalf("%q: %v", x, err)
			}
			o := &Expr{expr: x, tree: tree}
			re := regexp.MustCompile(x)
			if o.compiled().anchor != nil {
				anchored++
			}
			for _, v := range values {
				_, _, got := o.Find(v)
				if want := re.Match(v); got != want {
					t.Fatalf("%q on %q: Find = %v, regexp = %v", x, v, got, want)
				}
			}
		}
	}
	if anchored < 100 {
		t.Errorf("only %d expressions anchored", anchored)
	}
	t.Logf("%d expressions and branches anchored, checked on %d values", anchored, len(values))
}

// FuzzAnchor: whenever an expression matches a value, its anchor lets the
// value through.
func FuzzAnchor(f *testing.F) {
	f.Add(`[;&|]\s*cat\s+/`, "a; cat /etc")
	f.Add(`(?i)\bunion\s+select\b`, "1 UNION SELECT 2")
	f.Add(`(?:or|and)\s+1=1$`, "x and 1=1")
	f.Add(`^(?m)\s*ab\s*$`, "x\n ab \ny")
	f.Add(`\bab\x{fffd}+\B`, "ab\xff\xfe")
	f.Add(`[;&|]\s*(?:cat|ls)\b`, "a;ls")
	f.Add(`(?:\$\(|[\x{fffd}<])\w`, "x\xff1")
	f.Fuzz(func(t *testing.T, expr, value string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			return
		}
		if sa := newStartAnchor(tree); sa != nil && re.MatchString(value) && !sa.mayMatch([]byte(value), false) {
			t.Fatalf("%q matches %q but its start anchor refuses it", expr, value)
		}
		a := newAnchor(tree)
		if a == nil {
			return
		}
		if re.MatchString(value) && !a.mayMatch([]byte(value)) {
			t.Fatalf("%q matches %q but its anchor refuses it", expr, value)
		}
	})
}
