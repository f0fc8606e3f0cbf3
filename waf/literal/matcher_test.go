package literal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

type hit struct{ id, end int }

// naiveHits is the reference: every occurrence of every pattern, by
// end position, longest pattern first at the same end, then by id.
func naiveHits(patterns []string, s []byte) []hit {
	ls := asciiOnlyLower(s)
	var out []hit
	for id, p := range patterns {
		if p == "" {
			continue
		}
		lp := string(asciiOnlyLower([]byte(p)))
		for i := 0; i+len(lp) <= len(ls); i++ {
			if string(ls[i:i+len(lp)]) == lp {
				out = append(out, hit{id, i + len(lp)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b hit) int {
		if a.end != b.end {
			return a.end - b.end
		}
		if la, lb := len(patterns[a.id]), len(patterns[b.id]); la != lb {
			return lb - la
		}
		return a.id - b.id
	})
	var empty []hit
	for id, p := range patterns {
		if p == "" {
			empty = append(empty, hit{id, 0})
		}
	}
	return append(empty, out...)
}

// asciiOnlyLower folds A-Z only (bytes.ToLower would also fold UTF-8).
func asciiOnlyLower(s []byte) []byte {
	out := make([]byte, len(s))
	for i, c := range s {
		out[i] = lower(c)
	}
	return out
}

func scanAll(m *Matcher, s []byte) []hit {
	var out []hit
	m.Scan(s, func(id, end int) bool {
		out = append(out, hit{id, end})
		return true
	})
	return out
}

// checkAgainstNaive compares Scan (as a sorted multiset, since ids at the
// same end of equal length may come in any order) and Mark with the
// reference.
func checkAgainstNaive(t *testing.T, patterns []string, s []byte) {
	t.Helper()
	m := NewMatcher(patterns)
	got := scanAll(m, s)
	want := naiveHits(patterns, s)
	norm := func(h []hit) []hit {
		h = slices.Clone(h)
		slices.SortFunc(h, func(a, b hit) int {
			if a.end != b.end {
				return a.end - b.end
			}
			return a.id - b.id
		})
		return h
	}
	if !slices.Equal(norm(got), norm(want)) {
		t.Fatalf("patterns %q in %q:\nScan  %v\nnaive %v", patterns, s, got, want)
	}
	// Longest first at the same end.
	for i := 1; i < len(got); i++ {
		if got[i].end == got[i-1].end && len(patterns[got[i].id]) > len(patterns[got[i-1].id]) {
			t.Fatalf("patterns %q in %q: hits at end %d not longest first: %v", patterns, s, got[i].end, got)
		}
	}
	set := make([]uint64, m.SetWords())
	words := m.Mark(s, set)
	for w, x := range set {
		if got := words&(1<<min(w, 63)) != 0; x != 0 && !got || w < 63 && x == 0 && got {
			t.Fatalf("patterns %q in %q: Mark's words %b, word %d is %x", patterns, s, words, w, x)
		}
	}
	for id, p := range patterns {
		present := p == "" || bytes.Contains(asciiOnlyLower(s), asciiOnlyLower([]byte(p)))
		if marked := set[id/64]&(1<<(id%64)) != 0; marked != present {
			t.Fatalf("patterns %q in %q: Mark bit %d (%q) = %v, want %v", patterns, s, id, p, marked, present)
		}
	}
	if Count(set) > len(patterns) {
		t.Fatalf("Count %d > %d patterns", Count(set), len(patterns))
	}
}

var matcherRows = []struct {
	name     string
	patterns []string
	input    string
}{
	{"classic", []string{"he", "she", "his", "hers"}, "ushers"},
	{"case folded", []string{"select", "union"}, "1 UNION SeLeCt 2"},
	{"upper patterns folded", []string{"SELECT"}, "select"},
	{"overlapping", []string{"aa", "aaa", "a"}, "aaaa"},
	{"duplicates", []string{"ab", "ab", "AB"}, "xxabxx"},
	{"empty pattern", []string{"", "x"}, "yxy"},
	{"no patterns", nil, "anything"},
	{"empty input", []string{"a"}, ""},
	{"utf8 not folded", []string{"é", "straße"}, "STRASSE straße É é"},
	{"binary", []string{"\x00\xff", "\xff"}, "a\x00\xff\xffb"},
	{"suffix chain", []string{"abcd", "bcd", "cd", "d"}, "xabcdx"},
	{"many ids", func() []string {
		var p []string
		for i := range 130 {
			p = append(p, fmt.Sprintf("k%d", i))
		}
		return p
	}(), "k1 k64 k129 k7"},
}

func TestMatcher(t *testing.T) {
	for _, r := range matcherRows {
		t.Run(r.name, func(t *testing.T) {
			checkAgainstNaive(t, r.patterns, []byte(r.input))
		})
	}
}

func TestMatcherStop(t *testing.T) {
	m := NewMatcher([]string{"a"})
	n := 0
	m.Scan([]byte("aaaa"), func(id, end int) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("Scan went on after hit returned false: %d hits", n)
	}
}

func TestMatcherRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alpha := "abAB\x00\xc3\xa9"
	for range 2000 {
		var pats []string
		for range rng.IntN(8) {
			var b strings.Builder
			for range rng.IntN(5) {
				b.WriteByte(alpha[rng.IntN(len(alpha))])
			}
			pats = append(pats, b.String())
		}
		in := make([]byte, rng.IntN(40))
		for i := range in {
			in[i] = alpha[rng.IntN(len(alpha))]
		}
		checkAgainstNaive(t, pats, in)
	}
}

func TestMatcherCorpus(t *testing.T) {
	var pats []string
	for _, p := range corpus.Payloads(t, "scanner") {
		if len(p.Payload) >= 3 && len(p.Payload) < 40 {
			pats = append(pats, strings.ToLower(p.Payload))
		}
	}
	pats = append(pats, "select", "union", "../", "<script", "etc/passwd", "${jndi:")
	for _, cat := range []string{"sqli", "lfi", "xss", "benign"} {
		for i, p := range corpus.Payloads(t, cat) {
			if i%50 == 0 {
				checkAgainstNaive(t, pats, []byte(p.Payload))
			}
		}
	}
}

func TestMatcherZeroAlloc(t *testing.T) {
	m := NewMatcher([]string{"select", "union", "script"})
	in := []byte("a UNION SELECT from <script>")
	set := make([]uint64, m.SetWords())
	n := 0
	hitFn := func(id, end int) bool { n++; return true }
	if a := testing.AllocsPerRun(100, func() { m.Mark(in, set) }); a != 0 {
		t.Errorf("Mark allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { m.Scan(in, hitFn) }); a != 0 {
		t.Errorf("Scan allocates %v times", a)
	}
	if n == 0 {
		t.Fatal("no hits")
	}
}

func FuzzMatcher(f *testing.F) {
	for _, r := range matcherRows {
		f.Add(strings.Join(r.patterns, "\n"), []byte(r.input))
	}
	f.Fuzz(func(t *testing.T, patterns string, input []byte) {
		if len(patterns) > 200 || len(input) > 1000 {
			return
		}
		checkAgainstNaive(t, strings.Split(patterns, "\n"), input)
	})
}

func benchPatterns(tb testing.TB) ([]string, [][]byte) {
	var pats []string
	for _, p := range corpus.Payloads(tb, "scanner") {
		if len(p.Payload) >= 3 && len(p.Payload) < 40 {
			pats = append(pats, strings.ToLower(p.Payload))
		}
	}
	pats = append(pats, "select", "union", "../", "<script", "etc/passwd", "${jndi:", "onerror", "javascript:", "eval(", "sleep(")
	var in [][]byte
	for _, p := range corpus.Payloads(tb, "benign") {
		in = append(in, []byte(p.Payload))
	}
	return pats, in
}

func BenchmarkMark(b *testing.B) {
	pats, in := benchPatterns(b)
	m := NewMatcher(pats)
	set := make([]uint64, m.SetWords())
	total := 0
	for _, s := range in {
		total += len(s)
	}
	b.ReportAllocs()
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, s := range in {
			clear(set)
			m.Mark(s, set)
		}
	}
}

func BenchmarkNaiveContains(b *testing.B) {
	pats, in := benchPatterns(b)
	total := 0
	for _, s := range in {
		total += len(s)
	}
	lp := make([][]byte, len(pats))
	for i, p := range pats {
		lp[i] = []byte(p)
	}
	buf := make([]byte, 0, 1<<16)
	b.ReportAllocs()
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, s := range in {
			buf = buf[:0]
			for _, c := range s {
				buf = append(buf, lower(c))
			}
			for _, p := range lp {
				_ = bytes.Contains(buf, p)
			}
		}
	}
}

// TestMarkLanes checks the two-lane scan of long values: a pattern at any
// position, across the middle above all, is found, and nothing else.
func TestMarkLanes(t *testing.T) {
	patterns := []string{"union", "sel", "x", "abcdefgh", "ab", "zz"}
	for n := minLaneBytes; n < minLaneBytes+40; n++ {
		for _, p := range patterns {
			for at := 0; at+len(p) <= n; at++ {
				s := bytes.Repeat([]byte{'.'}, n)
				copy(s[at:], p)
				checkAgainstNaive(t, patterns, s)
			}
		}
	}
	// A matcher with only the empty pattern scans in one lane.
	checkAgainstNaive(t, []string{""}, bytes.Repeat([]byte{'a'}, 100))
}
