package waf

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCandidatesMatchContains: the indexed filter keeps exactly the inputs
// that occur in the resource (or occur trimmed), as a plain search does.
func TestCandidatesMatchContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alpha := "ab' ;-()\t"
	randStr := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	var st sinkState
	for round := range 200 {
		res := randStr(1 + rng.IntN(3000))
		var inputs []string
		for range 1 + rng.IntN(2000) {
			if rng.IntN(3) == 0 {
				a := rng.IntN(len(res))
				b := min(len(res), a+1+rng.IntN(12))
				inputs = append(inputs, "  "[:rng.IntN(3)]+res[a:b])
			} else {
				inputs = append(inputs, randStr(1+rng.IntN(10)))
			}
		}
		var want []string
		for _, in := range inputs {
			if strings.Contains(res, in) && !slices.Contains(want, in) {
				want = append(want, in)
			}
			if tr := strings.TrimSpace(in); tr != in && tr != "" && strings.Contains(res, tr) && !slices.Contains(want, tr) {
				want = append(want, tr)
			}
		}
		got := st.candidates(res, &sinkSet{strs: inputs})
		if !sameSet(got, want) {
			t.Fatalf("round %d: %d candidates, want %d", round, len(got), len(want))
		}
	}
}

func TestCandidatesLongInputsSkipped(t *testing.T) {
	var st sinkState
	res := "SELECT 1 FROM t WHERE a = 'x'"
	got := st.candidates(res, &sinkSet{strs: []string{strings.Repeat("x", 1<<20), "x", " x "}})
	if !slices.Equal(got, []string{"x"}) {
		t.Errorf("got %q", got)
	}
}

// FuzzCandidates: the filter never drops an input that occurs.
func FuzzCandidates(f *testing.F) {
	f.Add("SELECT * FROM users WHERE name = 'a' OR 1=1", "a' OR 1=1", 40)
	f.Add("ls -l ;id", ";id", 3000)
	f.Fuzz(func(t *testing.T, res, in string, copies int) {
		copies = 1 + (copies&0x7fffffff)%3000
		inputs := make([]string, 0, copies+1)
		for i := range copies {
			inputs = append(inputs, strings.Repeat("q", i%7+1))
		}
		inputs = append(inputs, in)
		var st sinkState
		got := st.candidates(res, &sinkSet{strs: inputs})
		if in != "" && len(in) <= len(res) && strings.Contains(res, in) && !slices.Contains(got, in) {
			t.Fatalf("%q occurs in %q but was filtered out", in, res)
		}
		for _, c := range got {
			if !strings.Contains(res, c) {
				t.Fatalf("candidate %q does not occur", c)
			}
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// BenchmarkSinkSetKeys: deduplicating and keying the strings of a dense
// 1 MiB JSON body (about 54,000 strings, 18,000 distinct), once per request.
func BenchmarkSinkSetKeys(b *testing.B) {
	var strs []string
	for i := 0; len(strs) < 54000; i++ {
		strs = append(strs, "id", "item-"+strconv.Itoa(i), "title", "A title of item "+strconv.Itoa(i), "tags", "red", "blue", "note", strings.Repeat("n", 40))
	}
	b.ReportAllocs()
	for b.Loop() {
		s := sinkSet{strs: slices.Clone(strs)}
		s.keys()
	}
}
