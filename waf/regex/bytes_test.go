package regex

import (
	"bytes"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"sort"
	"testing"
)

// TestByteFilterSound runs every expression of the default and Datadog's
// rulesets, and every branch the engine splits them into, over corpus
// payloads (as they are and lower-cased): a value an expression matches
// always passes its filter, and the filters reject values.
func TestByteFilterSound(t *testing.T) {
	var ops []*Expr
	for _, e := range append(defaultExprs(t), datadogExprs(t)...) {
		ops = append(ops, parsed(t, e))
	}
	for _, op := range ops[:len(ops):len(ops)] {
		bs := op.Branches()
		for i := range bs {
			ops = append(ops, &bs[i])
		}
	}
	vals := corpusValues(t, "sqli", "xss", "rce", "lfi", "ssrf", "ssti", "jndi", "nosqli", "protocol", "benign")
	stride := 8
	if testing.Short() {
		stride = 25
	}
	var inputs [][]byte
	for i := 0; i < len(vals); i += stride {
		inputs = append(inputs, vals[i], bytes.ToLower(vals[i]))
	}
	rejected, matched := 0, 0
	for _, op := range ops {
		f := op.RequiredBytes()
		if f == nil {
			continue
		}
		for _, in := range inputs {
			var present ByteSet
			present.Fill(in)
			pass := f.Pass(&present)
			if _, _, ok := op.Find(in); ok {
				matched++
				if !pass {
					t.Fatalf("%s: filter rejects %q, which it matches", op.expr, in)
				}
			}
			if !pass {
				rejected++
			}
		}
	}
	t.Logf("%d expressions, %d matches, %d rejections", len(ops), matched, rejected)
	if matched == 0 || rejected == 0 {
		t.Fatal("the filters were not exercised")
	}
}

// TestByteFilterOrder: the filter's sets are in the order of sorting them
// by weight() at every comparison, as byteFilterOf first did, for every
// expression of the default and Datadog's rulesets and their branches.
func TestByteFilterOrder(t *testing.T) {
	exprs := append(defaultExprs(t), datadogExprs(t)...)
	for _, e := range exprs[:len(exprs):len(exprs)] {
		for _, b := range splitAll(e) {
			exprs = append(exprs, b.text)
		}
	}
	n := 0
	for _, e := range exprs {
		re, err := syntax.Parse(e, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got := byteFilterOf(re)
		if got == nil {
			continue
		}
		want := slices.Clone(got.Sets)
		// The sets before the sort: byteFilterOf keeps at most
		// maxByteSets, so the reference sorts the kept sets again from
		// the unsorted list.
		all := requiredByteSets(re.Simplify())
		var keep []ByteSet
		for _, s := range all {
			m := 0
			for c := 'a'; c <= 'z'; c++ {
				if s.Has(byte(c)) {
					m++
				}
			}
			if m <= 20 && !slices.Contains(keep, s) {
				keep = append(keep, s)
			}
		}
		sort.Slice(keep, func(i, j int) bool { return keep[i].weight() < keep[j].weight() })
		if len(keep) > maxByteSets {
			keep = keep[:maxByteSets]
		}
		if !slices.Equal(want, keep) {
			t.Fatalf("%q: sets in another order than sorting by weight", e)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d expressions have a filter", n)
	}
}

// TestByteSetFill: Fill holds exactly the bytes of its input, whatever
// its length and content, and forgets what the set held before.
func TestByteSetFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[i] = 'a' + byte(rng.IntN(26))
			}
		}
		s := ByteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		s.Fill(b)
		var want ByteSet
		for _, c := range b {
			want[c>>6] |= 1 << (c & 63)
		}
		if s != want {
			t.Fatalf("Fill(%q) = %x, want %x", b, s, want)
		}
	}
}
