package regex

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"testing"
)

// dfaOf builds the automaton of expr, failing the test when it cannot.
func dfaOf(tb testing.TB, expr string) (*dfa, *regexp.Regexp) {
	tb.Helper()
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		tb.Fatal(err)
	}
	d := newDFA(tree)
	if d == nil {
		tb.Fatalf("%q: no automaton", expr)
	}
	return d, regexp.MustCompile(expr)
}

// checkDFA compares the automaton's answer with Go's regexp, twice (the
// second time through the cached transitions).
func checkDFA(tb testing.TB, d *dfa, re *regexp.Regexp, in []byte) {
	tb.Helper()
	want := re.Match(in)
	for range 2 {
		switch got := d.match(in); {
		case got == dfaUnknown:
			return
		case (got == dfaYes) != want:
			tb.Fatalf("%q on %q: automaton %v, regexp %v", re.String(), in, got == dfaYes, want)
		}
	}
}

var dfaCases = []struct {
	expr   string
	inputs []string
}{
	{`^abc`, []string{"abc", "xabc", "ab", "", "abcabc", "\nabc"}},
	{`abc$`, []string{"abc", "abcx", "xxabc", "abc\n"}},
	{`(?m)^abc$`, []string{"x\nabc\ny", "x\nabcd", "abc", "\nabc\n"}},
	{`\bor\b`, []string{"or", "for", "a or b", "or1", "_or", "é or", "or\xff", "(or)"}},
	{`\Bor\B`, []string{"for", "forx", "or", "a or b"}},
	{`x*`, []string{"", "y", "xxx"}},
	{`^$`, []string{"", "a", "\n"}},
	{`(?i)kelvin`, []string{"KELVIN", "\u212aelvin", "kelvin", "kelv"}},
	{`(?i)s\w+`, []string{"\u017fab", "sab", "SAB", "s", "x"}},
	{`[^\n]{2,5}z`, []string{"abz", "a\nz", "\xe2\x82\xacz", "\xffz", "zz"}},
	{`\p{L}+\d`, []string{"é1", "a1", "1", "日本2", "\xff1"}},
	{`.\x{FFFD}`, []string{"a\xff", "a\xef\xbf\xbd", "ab", "\xff\xff"}},
	{`(?s)a.b`, []string{"a\nb", "axb", "ab"}},
	{`a.b`, []string{"a\nb", "axb", "a\u00e9b"}},
	{`['"](?:\s|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/)*(?:or|and)\b`, []string{"' or 1", "'/**/or 1", "'/* x */ and", "' orx", "\" /*a*/ /*b**/or", "'/*"}},
	{`(?:^|[\s)'"\d=])(?:or|and)\s+\w{1,3}\s*=`, []string{"1 or abc=", "x or abcd=", "or a =", ")and b="}},
	// Segments above ASCII: negated and folded classes, ranges, single
	// runes folded to and from ASCII.
	{`(?i)[^k]+x`, []string{"\u212ax", "\u212a\u212ax", "éx", "kx", "Kx", "aéx"}},
	{`(?i)s[^s]*t`, []string{"\u017fxt", "sxt", "s\u017ft", "sét", "s\u212at"}},
	{`[\x{100}-\x{200}]+\x{300}`, []string{"\u0150\u0300", "\u0099\u0300", "\u0201\u0300", "\u0100\u0200\u0300"}},
	{`(?i)\x{212a}elvin`, []string{"kelvin", "Kelvin", "\u212aelvin", "xelvin"}},
	{`[^a-z\x{e9}]z`, []string{"éz", "èz", "az", "Az", "\xffz", "日z"}},
}

// TestDFASegments checks that case-folded expressions step non-ASCII
// runes through the cache: a value of many such runes gets an answer, not
// Go's regexp.
func TestDFASegments(t *testing.T) {
	d, re := dfaOf(t, `(?i)<script[^>]*>[^<]*sink\(`)
	if d.segStart == nil {
		t.Fatal("no segments")
	}
	in := []byte(strings.Repeat("日本語のテキスト é ſ \u212a ", 20) + "<SCRIPT>ſink(")
	for range 3 {
		if got := d.match(in); got == dfaUnknown {
			continue // warming: at most maxDFABuild transitions a value
		} else if (got == dfaYes) != re.Match(in) {
			t.Fatalf("automaton %v, regexp %v", got == dfaYes, re.Match(in))
		}
	}
	if got := d.match(in); got != dfaYes {
		t.Fatalf("warm automaton: %v, want a match", got)
	}
}

func TestDFAMatchesRegexp(t *testing.T) {
	for _, c := range dfaCases {
		d, re := dfaOf(t, c.expr)
		for _, in := range c.inputs {
			checkDFA(t, d, re, []byte(in))
		}
	}
}

// TestDFARulesets compares the automaton with Go's regexp for every
// match_regex expression of the default and Datadog's rulesets, on the
// attack and benign payloads of the corpus, as they are and lower-cased.
func TestDFARulesets(t *testing.T) {
	exprs := append(defaultExprs(t), datadogExprs(t)...)
	vals := corpusValues(t, "sqli", "xss", "rce", "lfi", "jndi", "ssti", "ssrf", "nosqli", "benign")
	var inputs [][]byte
	for i, v := range vals {
		if i%40 == 0 || len(v) > 1000 {
			inputs = append(inputs, v, bytes.ToLower(v))
		}
	}
	built, unknown := 0, 0
	for _, e := range exprs {
		tree, err := syntax.Parse(e, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		d := newDFA(tree)
		if d == nil {
			continue
		}
		built++
		re := regexp.MustCompile(e)
		for _, in := range inputs {
			got := d.match(in)
			if got == dfaUnknown {
				unknown++
				continue
			}
			if want := re.Match(in); (got == dfaYes) != want {
				t.Fatalf("%q on %q: automaton %v, regexp %v", e, in, got == dfaYes, want)
			}
		}
	}
	if built < len(exprs)*9/10 {
		t.Fatalf("automata for %d of %d expressions", built, len(exprs))
	}
	t.Logf("%d expressions (%d automata) × %d inputs; %d answers left to regexp", len(exprs), built, len(inputs), unknown)
}

// TestDFACacheBound fills the cache of an expression with many states
// (counted repetitions over varied text) and checks that the answers stay
// right through the resets, and that the cache stays bounded as it grows.
func TestDFACacheBound(t *testing.T) {
	d, re := dfaOf(t, `a[^x]{0,40}b[^y]{0,40}c`)
	first := d.maxStates
	var sb strings.Builder
	x := uint32(1)
	for range 20000 {
		x = x*1664525 + 1013904223
		sb.WriteByte("abcxyz"[x>>16%6])
	}
	in := []byte(sb.String())
	for pass := range 40 {
		for i := pass % 7; i+300 <= len(in); i += 97 {
			checkDFA(t, d, re, in[i:i+300])
			d.mu.Lock()
			n, max := d.n, d.maxStates
			d.mu.Unlock()
			if n > max || max > maxDFAGrownStates || max*(4*d.nclass+48) > 2*maxDFAGrownBytes {
				t.Fatalf("%d states held, at most %d", n, max)
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t.Logf("%d resets, cache of %d states (from %d), %d held", d.resets, d.maxStates, first, d.n)
	if d.resets == 0 || d.maxStates <= first {
		t.Fatalf("the cache never filled or never grew: %d resets, %d states", d.resets, d.maxStates)
	}
}

// TestDFAConcurrent runs one automaton from many goroutines (go test
// -race checks the publication of transitions).
func TestDFAConcurrent(t *testing.T) {
	d, re := dfaOf(t, `(?:^|['"])\s*(?:or|and)\s+\w{1,8}\s*(?:=|like)\s*['"\w]`)
	inputs := [][]byte{[]byte("x' or abc = 'y"), []byte("name=o'brien and co"), []byte("' and 1 like 1"), []byte("plain text or not")}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				in := inputs[(g+i)%len(inputs)]
				if got, want := d.match(in), re.Match(in); got != dfaUnknown && (got == dfaYes) != want {
					t.Errorf("%q: automaton %v, regexp %v", in, got == dfaYes, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzDFA compares the automaton with Go's regexp on arbitrary
// expressions and inputs.
// TestDFABeginOnly: an expression whose matches all start at the
// beginning of the value stops its scan there once no thread is alive,
// and answers as Go's regexp does; one that may start elsewhere does not.
func TestDFABeginOnly(t *testing.T) {
	long := strings.Repeat("x ", 500)
	for _, c := range []struct {
		expr  string
		begin bool
	}{
		{`^abc`, true}, {`\Aab+c`, true}, {`^(?:a|b)c\s*$`, true}, {`(?i)^\s*select\b`, true},
		{`(?m)^abc`, false}, {`^a|bc`, false}, {`abc`, false}, {`(?:^|\s)abc`, false},
	} {
		d, re := dfaOf(t, c.expr)
		if d.beginOnly != c.begin {
			t.Errorf("%s: beginOnly %v, want %v", c.expr, d.beginOnly, c.begin)
		}
		for _, in := range []string{"abc", "abbc", "bc", " select 1", "x" + long + "abc", long, "abc" + long, "\nabc", "a\nbc", ""} {
			checkDFA(t, d, re, []byte(in))
		}
	}
}

func FuzzDFA(f *testing.F) {
	for _, c := range dfaCases {
		for _, in := range c.inputs {
			f.Add(c.expr, []byte(in))
		}
	}
	f.Fuzz(func(t *testing.T, expr string, in []byte) {
		if len(expr) > 200 || len(in) > 1000 {
			return
		}
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			return
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		d := newDFA(tree)
		if d == nil {
			return
		}
		checkDFA(t, d, re, in)
	})
}

func BenchmarkDFA(b *testing.B) {
	expr := `['"](?:\s|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|\(|\))*(?:\|\||&&|\b(?:or|and|xor|like|having|where)\b)(?:\s|\(|\))*(?:['"]?[\w.@]+['"]?\s*(?:=|<|>|\blike\b)|\d+\s*(?:[=<>!]|$|--|#))`
	in := bytes.Repeat([]byte(`<img src="x" alt='a b' title="it's fine"> `), 12)
	d, re := dfaOf(b, expr)
	b.Run("dfa", func(b *testing.B) {
		for b.Loop() {
			d.match(in)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			re.Match(in)
		}
	})
}

// TestFindWithDFA checks that Find answers the same, positions included,
// with the automaton and without it, on the Datadog ruleset's expressions
// (and their branches) and corpus payloads.
func TestFindWithDFA(t *testing.T) {
	var exprs []*Expr
	for _, x := range datadogExprs(t) {
		e := parsed(t, x)
		exprs = append(exprs, e)
		bs := e.Branches()
		for i := range bs {
			exprs = append(exprs, &bs[i])
		}
	}
	vals := corpusValues(t, "sqli", "xss", "rce", "lfi", "benign")
	for i, v := range vals {
		if i%29 != 0 {
			continue
		}
		for _, in := range [][]byte{v, bytes.ToLower(v)} {
			for _, e := range exprs {
				s, end, ok := e.Find(in)
				noDFA = true
				s2, end2, ok2 := e.Find(in)
				noDFA = false
				if s != s2 || end != end2 || ok != ok2 {
					t.Fatalf("%q on %q: with automaton %d:%d %v, without %d:%d %v", e.expr, in, s, end, ok, s2, end2, ok2)
				}
				if m := e.Match(in); m != ok {
					t.Fatalf("%q on %q: Match %v, Find %v", e.expr, in, m, ok)
				}
			}
		}
	}
}

// TestASCIIAccepted checks the ranges-based ASCII sets of the rune
// instructions against runeInst, on the instructions of the rulesets'
// expressions and of the cases above.
func TestASCIIAccepted(t *testing.T) {
	exprs := append(defaultExprs(t), datadogExprs(t)...)
	for _, c := range dfaCases {
		exprs = append(exprs, c.expr, "(?i)"+c.expr)
	}
	for _, e := range exprs {
		tree, err := syntax.Parse(e, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := syntax.Compile(tree.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		for pc := range prog.Inst {
			in := &prog.Inst[pc]
			switch in.Op {
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			default:
				continue
			}
			acc := asciiAccepted(in)
			for r := rune(0); r < 128; r++ {
				if got := acc[r>>6]&(1<<(r&63)) != 0; got != runeInst(in, r) {
					t.Fatalf("%q pc %d rune %q: ranges say %v", e, pc, r, got)
				}
			}
		}
	}
}
