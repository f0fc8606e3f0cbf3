package regex

import (
	"regexp/syntax"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf/literal"
)

// sameTree says whether a and b are the same tree, field by field (flags
// included, which Regexp.Equal does not always compare).
func sameTree(a, b *syntax.Regexp) bool {
	if a.Op != b.Op || a.Flags != b.Flags || !slices.Equal(a.Rune, b.Rune) ||
		a.Min != b.Min || a.Max != b.Max || a.Cap != b.Cap || a.Name != b.Name || len(a.Sub) != len(b.Sub) {
		return false
	}
	for i := range a.Sub {
		if !sameTree(a.Sub[i], b.Sub[i]) {
			return false
		}
	}
	return true
}

// TestBranchTreeIsParse: the tree branchTree builds for a branch is the
// one syntax.Parse gives for its text, and the literals a
// literal.Analyzer shared by an expression's branches gives are each
// branch's own, on every branch of the default and
// Datadog rulesets' expressions and of synthetic ones; and most branches
// of Datadog's get one.
func TestBranchTreeIsParse(t *testing.T) {
	dd := rulesetRegexes(t, corpus.DataFile(t, corpus.DatadogRuleset))
	exprs := append(rulesetRegexes(t, "../rules/default.json"), dd...)
	exprs = append(exprs,
		`(?:a|b)(?:c|d)(?:e|f)(?:g|h)(?:i|j)(?:k|l)(?:m|n)`,
		`x(?:a(?:b|c|d)|e(?:f|g))y|z(?:p|q)`,
		`y(?:foo(?:a|b\s)bar)z`, `y(?:foo(?:a|b\s)bar)*z`, `y(?:(?:a|b\s|c)d)z`, `y(?:(?:a|b\s|))z`,
		`(?i)y(?:foo(?:a|[1]|[Bb]|\d+)bar)z`, `(?i:y(?:foo(?:a|b|\d+)bar)z)`, `a(?s:(?:x.|y))`, `a(?-i:(?:x|Y\s))b`,
		`(?:ab|cd\s)`, `(?:ab|a[b])`, `(?i)(?:ab|a[b])`, `x(?:(?:a|b)|(?:c|d\s))`, `x(?:a|b)+(?:c|d)`,
		`^(?:a|b)$`, `\b(?:select|union|insert)\b\s*\(`, `(?:a|\x{10FFFD})`, `a(?:b|c)?(?:d|e\s)`,
		`(?:(?:a|b)c|d)e`, `y\s(?:(?:a|b\s))\sz`, `\s(?:a|b\s)c`, `c(?:a|b\s)\s`, `(?:x(?:a|b\s))`, `\s(?:x(?:a|b\s))\s`,
		`\s(?:(?:a|b\s)x)\s`, `(?i)\s(?:[1]|b\s)\s`, `(?i)1(?:[1]|b\s)`, `(a(?:b|c\s))`, `(?:a|(?:b|c)d)`, `(?U)x(?:a*|b+)`, `(?m)^(?:a|b)$`, `x(?:\pL|\PN)y`,
		`(?i)(?:a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z|0|1|2|3|4|5|6|7|8|9|A|B|C|D|E|F|G|H|I|J|K|L|M|N|O|P|Q|R|S|T|U|V|W|X|Y|Z|-|_|.)(?:1|2)`,
	)
	built, total, ddBuilt, ddTotal := 0, 0, 0, 0
	isDD := map[string]bool{}
	for _, e := range dd {
		isDD[e] = true
	}
	for _, e := range exprs {
		var la literal.Analyzer
		for _, b := range splitAll(e) {
			want, err := syntax.Parse(b.text, syntax.Perl)
			got := branchTree(&b)
			total++
			if err == nil {
				// The literals of the analysis shared between branches
				// are those of each branch's own.
				tree := got
				if tree == nil {
					tree = want
				}
				if l, w := la.Required(tree), literal.Required(want); !slices.Equal(l, w) {
					t.Fatalf("%q: branch %q: shared analysis %q, own %q", e, b.text, l, w)
				}
			}
			if isDD[e] {
				ddTotal++
			}
			if got == nil {
				continue
			}
			built++
			if isDD[e] {
				ddBuilt++
			}
			if err != nil {
				t.Fatalf("%q: branch %q does not parse (%v), but has a tree", e, b.text, err)
			}
			if !sameTree(got, want) {
				t.Fatalf("%q: branch %q: tree %v, parsed %v", e, b.text, got, want)
			}
		}
	}
	t.Logf("%d of %d branches built (Datadog's: %d of %d)", built, total, ddBuilt, ddTotal)
	if ddBuilt < ddTotal/2 {
		t.Errorf("only %d of Datadog's %d branches built", ddBuilt, ddTotal)
	}
}
