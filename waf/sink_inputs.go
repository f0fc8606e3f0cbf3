package waf

import (
	"slices"
	"strings"
)

// The detectors' inputs: every string of the request is a candidate, and
// a check hands its detector only those that occur in its resource (a
// statement, URL, command line or path of at most a few KB), so that the
// cost of a check is bounded by the resource and the request, never by a
// limit an attacker could push a payload past.
//
// Per check: an input longer than the resource is skipped at once; with
// few inputs each is looked for directly (strings.Index); with many, the
// resource's bytes, byte pairs and 4-byte windows are first hashed into a
// bit set (O(len(resource))), and an input is looked for only when its
// bytes, pair or windows (the first, the middle and the last) are all in
// it. The work is then O(len(resource) + number of inputs) plus one search
// per input that passes the filter. An input with blanks at its ends that
// does not occur as it is, but trimmed does (an application that trims),
// is handed over trimmed.

// directLimit is the most input bytes × resource bytes searched directly
// before the resource is indexed.
const directLimit = 32 << 10

// resourceIndex is a bit set of hashed byte pairs and 4-byte windows of a
// resource, and the set of its bytes.
type resourceIndex struct {
	bytes [4]uint64
	bits  []uint64
	mask  uint32
}

// maxIndexWords bounds the index (32 KiB): a huge resource saturates it,
// which only costs more direct searches.
const maxIndexWords = 4096

func (x *resourceIndex) build(r string) {
	words := 16
	for words < maxIndexWords && words*64 < len(r)*16 {
		words *= 2
	}
	if cap(x.bits) < words {
		x.bits = make([]uint64, words)
	} else {
		x.bits = x.bits[:words]
		clear(x.bits)
	}
	x.mask = uint32(words*64 - 1)
	x.bytes = [4]uint64{}
	for i := 0; i < len(r); i++ {
		c := r[i]
		x.bytes[c>>6] |= 1 << (c & 63)
		if i+1 < len(r) {
			x.set(pairHash(r[i], r[i+1]))
		}
		if i+4 <= len(r) {
			x.set(quadHash(r[i:]))
		}
	}
}

func (x *resourceIndex) set(h uint32) { h &= x.mask; x.bits[h>>6] |= 1 << (h & 63) }
func (x *resourceIndex) has(h uint32) bool {
	h &= x.mask
	return x.bits[h>>6]&(1<<(h&63)) != 0
}

func pairHash(a, b byte) uint32 { return (uint32(a)<<8 | uint32(b)) * 0x9E3779B1 >> 7 }

func quadHash(s string) uint32 {
	v := uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
	return (v * 0x85EBCA77) ^ (v >> 15) ^ 0x5bd1e995
}

// mayOccur reports whether s can occur in the indexed resource.
func (x *resourceIndex) mayOccur(s string) bool {
	switch {
	case len(s) == 1:
		return x.bytes[s[0]>>6]&(1<<(s[0]&63)) != 0
	case len(s) < 4:
		return x.has(pairHash(s[0], s[1])) && x.has(pairHash(s[len(s)-2], s[len(s)-1]))
	}
	m := (len(s) - 4) / 2
	return x.has(quadHash(s)) && x.has(quadHash(s[len(s)-4:])) && x.has(quadHash(s[m:]))
}

// candidates returns the inputs that occur in resource (some trimmed of
// their blanks); the slice is reused by the next call.
func (st *sinkState) candidates(resource string, inputs []string) []string {
	out := st.cands[:0]
	if resource == "" || len(inputs) == 0 {
		st.cands = out
		return out
	}
	total := 0
	for _, in := range inputs {
		if len(in) <= len(resource) {
			total += len(resource)
		}
	}
	indexed := total > directLimit
	if indexed {
		st.idx.build(resource)
	}
	occurs := func(s string) bool {
		if s == "" || len(s) > len(resource) {
			return false
		}
		if indexed && !st.idx.mayOccur(s) {
			return false
		}
		return strings.Contains(resource, s)
	}
	for _, in := range inputs {
		if occurs(in) {
			out = st.addCand(out, in)
			continue
		}
		if t := trimBlanks(in); len(t) != len(in) && occurs(t) {
			out = st.addCand(out, t)
		}
	}
	st.cands = out
	return out
}

// addCand appends s unless it is there already: a request that repeats
// one string a thousand times costs the detector one judgment.
func (st *sinkState) addCand(out []string, s string) []string {
	if len(out) < 16 {
		if slices.Contains(out, s) {
			return out
		}
		return append(out, s)
	}
	if st.seen == nil {
		st.seen = make(map[string]struct{}, 64)
	}
	if len(out) == 16 {
		clear(st.seen)
		for _, o := range out {
			st.seen[o] = struct{}{}
		}
	}
	if _, dup := st.seen[s]; dup {
		return out
	}
	st.seen[s] = struct{}{}
	return append(out, s)
}

// trimBlanks trims ASCII whitespace at both ends (cheap: most inputs have
// none, and an input longer than the resource is usually padded content).
func trimBlanks(s string) string {
	i, j := 0, len(s)
	for i < j && isBlank(s[i]) {
		i++
	}
	for j > i && isBlank(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// walkAll calls f with every string of v, with no depth or element limit
// (an explicit stack, so nesting costs no call depth). Map keys are inputs
// too: an application can build a statement from a key.
func walkAll(v Value, f func(string)) {
	stack := []Value{v}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v.Kind() {
		case KindString:
			f(v.Str())
		case KindMap, KindList:
			for i := v.Len() - 1; i >= 0; i-- {
				fld := v.Index(i)
				if v.Kind() == KindMap && fld.Key != "" {
					f(fld.Key)
				}
				stack = append(stack, fld.Value)
			}
		}
	}
}
