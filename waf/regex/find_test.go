package regex

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// TestFindAsFindIndex checks that Find returns Go's leftmost match, as
// FindIndex does, for every expression of the default ruleset on the
// corpus's attack payloads, lower-cased as the rules read them, alone,
// after text, inside text, and in values holding non-ASCII text and
// invalid UTF-8 (the anchored search steps rune by rune, as Go does).
func TestFindAsFindIndex(t *testing.T) {
	exprs := defaultExprs(t)
	var payloads []string
	for _, cat := range []string{"sqli", "xss", "rce", "lfi", "ssrf", "ssti", "nosqli", "jndi", "protocol"} {
		for _, p := range corpus.Payloads(t, cat) {
			payloads = append(payloads, strings.ToLower(p.Payload))
		}
	}
	if len(payloads) < 1000 {
		t.Fatalf("only %d payloads", len(payloads))
	}
	rng := rand.New(rand.NewPCG(5, 2026))
	// A sample: every expression on every value costs minutes.
	rng.Shuffle(len(payloads), func(i, j int) { payloads[i], payloads[j] = payloads[j], payloads[i] })
	payloads = payloads[:240]
	fillers := []string{"lorem ipsum dolor sit amet, ", "x=1&y=", "été à l'hôtel — ", "\xc0\xafbad\xff ", "{\"a\":\"", "\n\n", "   ", "a.b/c?d=e;f "}
	values := make([]string, 0, 3*len(payloads))
	for _, p := range payloads {
		f := fillers[rng.IntN(len(fillers))]
		g := fillers[rng.IntN(len(fillers))]
		values = append(values, strings.Repeat(f, 3)+p, p+g+p, strings.Repeat(g, 2)+p+strings.Repeat(f, 2))
	}
	checked, fast := 0, 0
	for _, expr := range exprs {
		e, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(expr)
		for _, v := range values {
			b := []byte(v)
			loc := re.FindIndex(b)
			s, end, ok := e.Find(b)
			if ok != (loc != nil) || ok && (s != loc[0] || end != loc[1]) {
				t.Fatalf("%.80s on %q: Find = %d, %d, %v; FindIndex = %v", expr, v, s, end, ok, loc)
			}
			if ok {
				checked++
				if len(b) > findDirect {
					fast++
				}
			}
		}
	}
	if fast < 2000 {
		t.Fatalf("only %d matches of long values checked (%d in all)", fast, checked)
	}
	t.Logf("%d matches checked, %d of long values", checked, fast)
}

// BenchmarkFind compares Find with FindIndex on values of a few hundred
// bytes whose match sits after text: go test -bench Find ./waf/regex.
func BenchmarkFind(b *testing.B) {
	exprs := defaultExprs(&testing.T{})
	var vals [][]byte
	for _, p := range []string{"../../../etc/passwd", "<script>alert(1)</script>", "' or 1=1--", "; cat /etc/passwd", "{{7*7}}", "${jndi:ldap://x/a}"} {
		vals = append(vals, []byte(strings.Repeat("lorem ipsum dolor sit amet, ", 8)+p+" and some more text after it"))
	}
	type pair struct {
		e  *Expr
		re *regexp.Regexp
		v  []byte
	}
	var ps []pair
	for _, x := range exprs {
		e, _ := Parse(x)
		re := regexp.MustCompile(x)
		for _, v := range vals {
			if re.Match(v) {
				ps = append(ps, pair{e, re, v})
			}
		}
	}
	b.Run("Find", func(b *testing.B) {
		for b.Loop() {
			for _, p := range ps {
				p.e.Find(p.v)
			}
		}
	})
	b.Run("FindIndex", func(b *testing.B) {
		for b.Loop() {
			for _, p := range ps {
				p.re.FindIndex(p.v)
			}
		}
	})
}

// TestDFAConcurrentFind runs Find on one expression from several goroutines
// (the anchored automaton's states are built and published concurrently;
// go test -race checks it).
func TestDFAConcurrentFind(t *testing.T) {
	e, err := Parse(`(?i)(?:^|[\s;&|])(?:cat|ls|id|wget)\b[^\n]{0,40}?(?:/etc/\w+|-la)`)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(e.String())
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 300 {
				v := []byte(strings.Repeat("some text here, ", 5+(i+g)%7) + "; cat /etc/passwd and more")
				s, end, ok := e.Find(v)
				loc := re.FindIndex(v)
				if !ok || loc == nil || s != loc[0] || end != loc[1] {
					t.Errorf("Find = %d, %d, %v; FindIndex = %v", s, end, ok, loc)
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
}
