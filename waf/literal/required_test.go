package literal

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/corpus"
)

func required(t testing.TB, expr string) []string {
	t.Helper()
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	return Required(re)
}

var requiredRows = []struct {
	name, expr string
	want       []string // nil: no prefilter
}{
	{"literal", `select`, []string{"select"}},
	{"literal folded", `(?i)SeLeCt`, []string{"select", "ſelect"}},
	{"case sensitive upper", `UNION`, []string{"union"}},
	{"kelvin", `(?i)ok`, []string{"ok", "o\u212a"}},
	{"concat best", `union\s+select`, []string{"select"}},
	{"alternate", `(?:foo|bar)baz`, []string{"barbaz", "foobaz"}},
	{"alternate required", `foo.*|bar\d+`, []string{"bar", "foo"}},
	{"alternate one unknown", `foo|.x`, nil},
	{"quest exact", `colou?r`, []string{"color", "colour"}},
	{"star nil", `a*`, nil},
	{"plus", `(?:abc)+`, []string{"abc"}},
	{"repeat", `(?:ab){2}`, []string{"abab"}},
	{"repeat min0", `(?:ab){0,3}`, nil},
	{"repeat min", `(?:abc){2,}`, []string{"abc"}},
	{"short", `a.b`, nil},
	{"class", `[Ss]ys`, []string{"sys"}},
	{"class digits", `id[0-9]`, []string{"id"}},
	{"class cross", `[ab][cd]x`, []string{"acx", "adx", "bcx", "bdx"}},
	{"big class", `[a-z]+`, nil},
	{"anchors", `^/etc/passwd$`, []string{"/etc/passwd"}},
	{"word boundary", `\bon\w+\s*=`, []string{"on"}},
	{"capture", `(java)script:`, []string{"javascript:"}},
	{"replacement char", `a\x{FFFD}b`, nil},
	{"superstring dropped", `abc|xabcx`, []string{"abc"}},
	{"empty", ``, nil},
	{"any", `.`, nil},
	{"no match", `[^\x00-\x{10FFFF}]`, nil},
	{"too many", `[0-9][0-9][0-9]x`, []string{"0x", "1x", "2x", "3x", "4x", "5x", "6x", "7x", "8x", "9x"}},
	{"over limit", `[a-p][a-p]`, nil},
	{"cheapest run", `(?i)tsunamiscanner`, []string{"canner"}},
	{"duplicate products", `(?:a|ab)(?:bc|c)x`, []string{"abbcx", "abcx", "acx"}},
	{"duplicate products 3", `(?:ab|a)(?:bc|c)(?:de|d)`, []string{"abbcd", "abcd", "acd"}},
	{"fold after prefix", `(?i)(?:x|xs)kk`, []string{"xkk", "xk\u212a", "xskk", "xsk\u212a", "xs\u212ak", "xs\u212a\u212a", "xſkk", "xſk\u212a", "xſ\u212ak", "xſ\u212a\u212a", "x\u212ak", "x\u212a\u212a"}},
	{"quest in middle", `colou?r(?:ed|ing)`, []string{"colored", "coloring", "coloured", "colouring"}},
	{"fold orbit", `(?i)ſſſſ`, []string{"ssss", "sssſ", "ssſs", "ssſſ", "sſss", "sſsſ", "sſſs", "sſſſ", "ſsss", "ſssſ", "ſsſs", "ſsſſ", "ſſss", "ſſsſ", "ſſſs", "ſſſſ"}},
	{"run past the product", `(?:ab|a)[0-9]{2}yz`, []string{"yz"}},
}

func TestRequired(t *testing.T) {
	for _, r := range requiredRows {
		t.Run(r.name, func(t *testing.T) {
			got := required(t, r.expr)
			want := r.want
			if len(want) == 0 {
				want = nil
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Required(%q) = %q, want %q", r.expr, got, want)
			}
			checkSound(t, r.expr, rand.New(rand.NewPCG(3, 4)), 300)
		})
	}
}

// contains reports whether s contains one of lits, ASCII case-insensitively.
func contains(s []byte, lits []string) bool {
	ls := asciiOnlyLower(s)
	for _, l := range lits {
		if bytes.Contains(ls, []byte(l)) {
			return true
		}
	}
	return false
}

// checkSound generates n strings that re matches (from its syntax tree,
// plus random context and case flips) and checks that each contains one
// of the required literals. It returns how many matched.
func checkSound(t testing.TB, expr string, rng *rand.Rand, n int) int {
	t.Helper()
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	lits := Required(re)
	for _, l := range lits {
		if len(l) < minLiteral || lowerString(l) != l {
			t.Fatalf("%q: bad literal %q", expr, l)
		}
	}
	if lits == nil {
		return 0
	}
	prog := regexp.MustCompile(expr)
	matched := 0
	for range n {
		var b []byte
		b = randomBytes(rng, b, rng.IntN(4))
		b = generate(re.Simplify(), rng, b)
		b = randomBytes(rng, b, rng.IntN(4))
		if rng.IntN(4) == 0 {
			b = flipCase(rng, b)
		}
		if prog.Match(b) {
			matched++
			if !contains(b, lits) {
				t.Fatalf("%q matches %q, which contains none of %q", expr, b, lits)
			}
		}
	}
	return matched
}

func randomBytes(rng *rand.Rand, b []byte, n int) []byte {
	const alpha = "aZ09 _-'\"<>/\\.\n\xff\xc3"
	for range n {
		b = append(b, alpha[rng.IntN(len(alpha))])
	}
	return b
}

func flipCase(rng *rand.Rand, b []byte) []byte {
	for i, c := range b {
		if rng.IntN(2) == 0 {
			switch {
			case 'a' <= c && c <= 'z':
				b[i] = c - 32
			case 'A' <= c && c <= 'Z':
				b[i] = c + 32
			}
		}
	}
	return b
}

// generate appends a random string that re (most likely) matches; the
// caller checks with the real regexp.
func generate(re *syntax.Regexp, rng *rand.Rand, b []byte) []byte {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				for k := rng.IntN(3); k > 0; k-- {
					r = unicode.SimpleFold(r)
				}
			}
			b = utf8.AppendRune(b, r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return b
		}
		i := rng.IntN(len(re.Rune)/2) * 2
		lo, hi := re.Rune[i], re.Rune[i+1]
		r := lo
		if hi > lo {
			switch rng.IntN(3) {
			case 0:
				r = hi
			case 1:
				r = lo + rune(rng.IntN(int(min(hi-lo, 300))+1))
			}
		}
		b = utf8.AppendRune(b, r)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		rs := []rune{'a', 'Z', '0', ' ', '\u212a', 'ſ', 'é', '\'', '<'}
		b = utf8.AppendRune(b, rs[rng.IntN(len(rs))])
	case syntax.OpCapture:
		b = generate(re.Sub[0], rng, b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+3 {
				hi = lo + 3
			}
		}
		for range lo + rng.IntN(hi-lo+1) {
			b = generate(re.Sub[0], rng, b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			b = generate(s, rng, b)
		}
	case syntax.OpAlternate:
		b = generate(re.Sub[rng.IntN(len(re.Sub))], rng, b)
	}
	return b
}

// rulesetRegexes returns every regex of the reference ruleset, prefixed
// with (?i) unless the condition is case sensitive, as match_regex does.
func rulesetRegexes(tb testing.TB) []string {
	tb.Helper()
	data := corpus.Data(tb, corpus.DatadogRuleset)
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["regex"].(string); ok {
				cs := false
				if o, ok := x["options"].(map[string]any); ok {
					cs, _ = o["case_sensitive"].(bool)
				}
				if !cs {
					r = "(?i)" + r
				}
				out = append(out, r)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(out) < 200 {
		tb.Fatalf("only %d regexes in %s", len(out), corpus.DatadogRuleset)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestRequiredRulesetGenerated checks soundness on strings generated from
// every regex of the reference ruleset.
func TestRequiredRulesetGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	with, matched := 0, 0
	for _, expr := range rulesetRegexes(t) {
		if required(t, expr) != nil {
			with++
		}
		matched += checkSound(t, expr, rng, 200)
	}
	t.Logf("%d regexes have a prefilter; %d generated matches checked", with, matched)
	if matched < 1000 {
		t.Fatalf("only %d generated strings matched: the generator is broken", matched)
	}
}

// TestRequiredRulesetCorpus checks soundness on corpus payloads and
// mutations of them: whenever a ruleset regex matches, one of its literals
// occurs.
func TestRequiredRulesetCorpus(t *testing.T) {
	exprs := rulesetRegexes(t)
	type rx struct {
		re   *regexp.Regexp
		lits []string
	}
	var rs []rx
	var all []string
	for _, e := range exprs {
		lits := required(t, e)
		if lits == nil {
			continue
		}
		rs = append(rs, rx{regexp.MustCompile(e), lits})
		all = append(all, lits...)
	}
	m := NewMatcher(all)
	set := make([]uint64, m.SetWords())
	stride := 20
	if testing.Short() {
		stride = 100
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var inputs [][]byte
	for _, cat := range []string{"sqli", "xss", "lfi", "rce", "ssrf", "ssti", "jndi", "nosqli", "scanner", "protocol", "xxe", "ssi", "ldapi", "benign"} {
		for i, p := range corpus.Payloads(t, cat) {
			if i%stride != 0 {
				continue
			}
			s := []byte(p.Payload)
			inputs = append(inputs, s, flipCase(rng, slices.Clone(s)), mutate(rng, slices.Clone(s)))
		}
	}
	hits := 0
	for _, s := range inputs {
		clear(set)
		m.Mark(s, set)
		base := 0
		for _, r := range rs {
			// The Matcher's verdict for this regex, cross-checked with the
			// naive contains.
			pre := false
			for k := range r.lits {
				id := base + k
				if set[id/64]&(1<<(id%64)) != 0 {
					pre = true
				}
			}
			base += len(r.lits)
			if pre != contains(s, r.lits) {
				t.Fatalf("Mark and contains disagree on %q for %q", s, r.lits)
			}
			if !pre && r.re.Match(s) {
				t.Fatalf("%s matches %q, which contains none of %q", r.re, s, r.lits)
			}
			if pre {
				hits++
			}
		}
	}
	t.Logf("%d inputs x %d prefiltered regexes, %d prefilter hits", len(inputs), len(rs), hits)
}

// mutate applies a few random edits: byte changes, insertions, deletions.
func mutate(rng *rand.Rand, s []byte) []byte {
	for range 1 + rng.IntN(3) {
		if len(s) == 0 {
			return append(s, 'x')
		}
		i := rng.IntN(len(s))
		switch rng.IntN(3) {
		case 0:
			s[i] = byte(rng.IntN(256))
		case 1:
			const ins = "%/'<(\x00 "
			s = slices.Insert(s, i, ins[rng.IntN(len(ins))])
		case 2:
			s = slices.Delete(s, i, i+1)
		}
	}
	return s
}

// BenchmarkRequiredRuleset measures the analysis of every regex of the
// reference ruleset, as done when a ruleset loads.
func BenchmarkRequiredRuleset(b *testing.B) {
	var trees []*syntax.Regexp
	for _, e := range rulesetRegexes(b) {
		re, err := syntax.Parse(e, syntax.Perl)
		if err != nil {
			b.Fatal(err)
		}
		trees = append(trees, re)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, re := range trees {
			Required(re)
		}
	}
}

func FuzzRequired(f *testing.F) {
	for _, r := range requiredRows {
		f.Add(r.expr, "x"+strings.Join(r.want, " ")+"y", uint64(1))
	}
	f.Add(`(?i)union\s+select`, "1 UNION  SELECT", uint64(2))
	f.Add(`(?i)\bk\w+`, "\u212aelvin", uint64(3))
	f.Fuzz(func(t *testing.T, expr, input string, seed uint64) {
		if len(expr) > 100 || len(input) > 500 {
			return
		}
		re, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			return
		}
		lits := Required(re)
		if len(lits) > MaxLiterals {
			t.Fatalf("%q: %d literals", expr, len(lits))
		}
		prog, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		if lits != nil && prog.MatchString(input) && !contains([]byte(input), lits) {
			t.Fatalf("%q matches %q, which contains none of %q", expr, input, lits)
		}
		checkSound(t, expr, rand.New(rand.NewPCG(seed, 9)), 20)
	})
}
