package regex

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"
)

// ByteSet is a set of byte values, as a 256-bit bitmap.
type ByteSet [4]uint64

// Add adds b to the set.
func (s *ByteSet) Add(b byte) { s[b>>6] |= 1 << (b & 63) }

// Has reports whether b is in the set.
func (s *ByteSet) Has(b byte) bool  { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *ByteSet) union(o *ByteSet) { s[0] |= o[0]; s[1] |= o[1]; s[2] |= o[2]; s[3] |= o[3] }

// Meets reports whether the sets share a byte.
func (s *ByteSet) Meets(o *ByteSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}

// Fill sets s to the bytes present in b.
func (s *ByteSet) Fill(b []byte) {
	// Four sets, one per byte of each group of four, so that each byte's
	// update does not wait for the previous one's (a word updated twice
	// in a row is a store followed by a load of it); they are merged at
	// the end.
	var t0, t1, t2, t3 ByteSet
	i := 0
	for ; i+3 < len(b); i += 4 {
		c0, c1, c2, c3 := b[i], b[i+1], b[i+2], b[i+3]
		t0[c0>>6] |= 1 << (c0 & 63)
		t1[c1>>6] |= 1 << (c1 & 63)
		t2[c2>>6] |= 1 << (c2 & 63)
		t3[c3>>6] |= 1 << (c3 & 63)
	}
	for ; i < len(b); i++ {
		c := b[i]
		t0[c>>6] |= 1 << (c & 63)
	}
	for k := range s {
		s[k] = t0[k] | t1[k] | t2[k] | t3[k]
	}
}

// byteWeight estimates how common a byte is in ordinary values: letters,
// digits and spaces are everywhere, punctuation is rarer.
func byteWeight(b byte) int {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return 20
	case '0' <= b && b <= '9', b == ' ':
		return 15
	case b == '.' || b == '-' || b == '_' || b == '/' || b == ',' || b == ':':
		return 6
	case b >= 0x80:
		return 3
	}
	return 1
}

func (s *ByteSet) weight() int {
	w := 0
	for i := range s {
		for k, m := range weightMasks {
			w += weightValues[k] * bits.OnesCount64(s[i]&m[i])
		}
	}
	return w
}

// weightMasks partition the bytes by byteWeight, so weight is a few
// population counts.
var weightValues, weightMasks = func() ([]int, [][4]uint64) {
	var vals []int
	var masks [][4]uint64
	for b := 0; b < 256; b++ {
		w := byteWeight(byte(b))
		k := -1
		for i, v := range vals {
			if v == w {
				k = i
			}
		}
		if k < 0 {
			vals = append(vals, w)
			masks = append(masks, [4]uint64{})
			k = len(vals) - 1
		}
		masks[k][b>>6] |= 1 << (uint(b) & 63)
	}
	return vals, masks
}()

// requiredBytes returns a set of bytes one of which occurs in every string
// that re matches, or false when there is none (the expression can match
// the empty string, or any byte). It complements the literal prefilter for
// expressions that only require punctuation, such as `[;&|]\s*id`.
func requiredBytes(re *syntax.Regexp) (ByteSet, bool) {
	var s ByteSet
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return s, false
		}
		addRune(&s, re.Rune[0], re.Flags&syntax.FoldCase != 0)
		return s, true
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return s, false
		}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				s.Add(byte(r))
			}
			if hi >= utf8.RuneSelf {
				// Any non-ASCII rune starts with a byte >= 0xC2.
				for b := 0xC2; b <= 0xF4; b++ {
					s.Add(byte(b))
				}
			}
			if lo <= utf8.RuneError && utf8.RuneError <= hi {
				addInvalid(&s)
			}
		}
		return s, true
	case syntax.OpCapture:
		return requiredBytes(re.Sub[0])
	case syntax.OpPlus:
		return requiredBytes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredBytes(re.Sub[0])
		}
		return s, false
	case syntax.OpConcat:
		best, found, bestW := ByteSet{}, false, 0
		for _, sub := range re.Sub {
			cs, ok := requiredBytes(sub)
			if !ok {
				continue
			}
			if w := cs.weight(); !found || w < bestW {
				best, found, bestW = cs, true, w
			}
		}
		return best, found
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			cs, ok := requiredBytes(sub)
			if !ok {
				return s, false
			}
			s.union(&cs)
		}
		return s, true
	}
	// Star, Quest, empty-width assertions, any-char, empty match.
	return s, false
}

// addInvalid adds every byte that can start an invalid UTF-8 sequence,
// which Go's regexp reads as U+FFFD.
func addInvalid(s *ByteSet) {
	for b := 0x80; b <= 0xFF; b++ {
		s.Add(byte(b))
	}
}

func addRune(s *ByteSet, r rune, fold bool) {
	if r == utf8.RuneError {
		addInvalid(s) // U+FFFD also matches any invalid byte
	}
	add := func(r rune) {
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		if n > 0 {
			s.Add(buf[0])
		}
	}
	add(r)
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			add(f)
		}
	}
}

// ByteFilter is a conjunction of byte sets: a value can only match when,
// for every set, it contains a byte of that set.
type ByteFilter struct {
	Sets []ByteSet
}

// Pass reports whether a value whose bytes are present passes the filter.
func (f *ByteFilter) Pass(present *ByteSet) bool {
	for i := range f.Sets {
		if !present.Meets(&f.Sets[i]) {
			return false
		}
	}
	return true
}

// maxByteSets bounds the sets of a filter: the rarest few carry the
// selectivity, more only cost time per value.
const maxByteSets = 3

// requiredByteSets returns sets of bytes, each of which every string that
// re matches meets: the requirements of every part of a concatenation, one
// per character of a literal.
func requiredByteSets(re *syntax.Regexp) []ByteSet {
	var out []ByteSet
	eachRequiredByteSet(re, func(s ByteSet) { out = append(out, s) })
	return out
}

// eachRequiredByteSet calls f with each set of requiredByteSets(re), in
// order.
func eachRequiredByteSet(re *syntax.Regexp, f func(ByteSet)) {
	switch re.Op {
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			eachRequiredByteSet(sub, f)
		}
		return
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			var s ByteSet
			addRune(&s, r, re.Flags&syntax.FoldCase != 0)
			f(s)
		}
		return
	case syntax.OpCapture, syntax.OpPlus:
		eachRequiredByteSet(re.Sub[0], f)
		return
	case syntax.OpRepeat:
		if re.Min >= 1 {
			eachRequiredByteSet(re.Sub[0], f)
		}
		return
	}
	if s, ok := requiredBytes(re); ok {
		f(s)
	}
}

// byteFilterOf computes the byte filter of a parsed expression: its rarest
// required byte sets, leaving out sets that hold most letters (they filter
// nothing). It returns nil when no set is worth checking.
func byteFilterOf(re *syntax.Regexp) *ByteFilter {
	// The sets worth checking, each once, in the order they come.
	var keep []ByteSet
	eachRequiredByteSet(re.Simplify(), func(s ByteSet) {
		n := 0
		for b := 'a'; b <= 'z'; b++ {
			if s.Has(byte(b)) {
				n++
			}
		}
		if n <= 20 && !slices.Contains(keep, s) {
			keep = append(keep, s)
		}
	})
	if len(keep) == 0 {
		return nil
	}
	// The weights are computed once, not at every comparison; the sort
	// makes the same comparisons, so the order (of equal weights too) is
	// the one of sorting the sets by weight.
	type weighted struct {
		set ByteSet
		w   int
	}
	ws := make([]weighted, len(keep))
	for i := range keep {
		ws[i] = weighted{keep[i], keep[i].weight()}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].w < ws[j].w })
	for i := range ws {
		keep[i] = ws[i].set
	}
	// A copy of the rarest, so that the filter does not hold the others.
	return &ByteFilter{Sets: slices.Clone(keep[:min(len(keep), maxByteSets)])}
}
