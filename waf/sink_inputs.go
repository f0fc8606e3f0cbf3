package waf

import (
	"hash/maphash"
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
// per input that passes the filter. An input with blanks at its ends is
// also looked for trimmed (an application that trims its inputs).

// directLimit is the most input bytes × resource bytes searched directly
// before the resource is indexed.
const directLimit = 32 << 10

// indexBits is the size of the resource index, a bit set of hashed byte
// pairs and 4-byte windows (8 KiB, cleared per indexed check).
const indexBits = 1 << 16

// inputKey is an input's precomputed filter: its length and the hashes
// of its first and last pair (inputs of 2–3 bytes) or 4-byte window
// (longer inputs); for one byte, the byte.
type inputKey struct {
	n    uint32
	a, b uint16
}

func keyOf(s string) inputKey {
	k := inputKey{n: uint32(len(s))}
	switch {
	case len(s) == 1:
		k.a = uint16(s[0])
	case len(s) < 4:
		k.a, k.b = pairHash(s[0], s[1]), pairHash(s[len(s)-2], s[len(s)-1])
	default:
		k.a, k.b = quadHash(s), quadHash(s[len(s)-4:])
	}
	return k
}

func pairHash(a, b byte) uint16 { return uint16((uint32(a)<<8 | uint32(b)) * 0x9E3779B1 >> 16) }

func quadHash(s string) uint16 {
	v := uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
	return uint16((v * 0x85EBCA77) >> 16)
}

// resourceIndex is the bit set of a resource's hashed pairs and windows,
// and the set of its bytes.
type resourceIndex struct {
	bytes [4]uint64
	bits  []uint64
}

func (x *resourceIndex) build(r string) {
	if x.bits == nil {
		x.bits = make([]uint64, indexBits/64)
	} else {
		clear(x.bits)
	}
	x.bytes = [4]uint64{}
	for i := 0; i < len(r); i++ {
		c := r[i]
		x.bytes[c>>6] |= 1 << (c & 63)
		if i+1 < len(r) {
			h := pairHash(r[i], r[i+1])
			x.bits[h>>6] |= 1 << (h & 63)
		}
		if i+4 <= len(r) {
			h := quadHash(r[i:])
			x.bits[h>>6] |= 1 << (h & 63)
		}
	}
}

// mayOccur reports whether the input of key k can occur in the indexed
// resource.
func (x *resourceIndex) mayOccur(k inputKey) bool {
	if k.n == 1 {
		return x.bytes[k.a>>6]&(1<<(k.a&63)) != 0
	}
	return x.bits[k.a>>6]&(1<<(k.a&63)) != 0 && x.bits[k.b>>6]&(1<<(k.b&63)) != 0
}

// candidates returns the inputs of set s that occur in resource (some
// trimmed of their blanks); the slice is reused by the next call.
func (st *sinkState) candidates(resource string, s *sinkSet) []string {
	out := st.cands[:0]
	inputs := s.strs
	if resource == "" || len(inputs) == 0 {
		st.cands = out
		return out
	}
	if len(inputs)*len(resource) <= directLimit {
		for _, in := range inputs {
			if len(in) <= len(resource) && strings.Contains(resource, in) {
				out = st.addCand(out, in)
			}
			if t := trimBlanks(in); len(t) != len(in) && t != "" && len(t) <= len(resource) && strings.Contains(resource, t) {
				out = st.addCand(out, t)
			}
		}
		st.cands = out
		return out
	}
	s.keys()
	inputs = s.strs // deduplicated, trimmed forms added
	st.idx.build(resource)
	n := uint32(len(resource))
	bits := st.idx.bits[:indexBits/64]
	for i, k := range s.keys_ {
		if k.n > n {
			continue
		}
		if k.n == 1 {
			if !st.idx.mayOccur(k) {
				continue
			}
		} else if (bits[k.a>>6]>>(k.a&63))&(bits[k.b>>6]>>(k.b&63))&1 == 0 {
			continue
		}
		if strings.Contains(resource, inputs[i]) {
			out = append(out, inputs[i]) // distinct already
		}
	}
	st.cands = out
	return out
}

// keys computes the filter keys of the set's inputs, once per collection:
// duplicates are dropped, and an input with blanks at its ends is replaced
// by its trimmed form when that differs (an application that trims).
func (s *sinkSet) keys() {
	if s.keyed {
		return
	}
	s.keyed = true
	var seen stringSet
	seen.init(len(s.strs))
	out := make([]string, 0, len(s.strs))
	for _, in := range s.strs {
		if t := trimBlanks(in); len(t) != len(in) && t != "" && seen.add(t, out) {
			out = append(out, t)
		}
		if in != "" && seen.add(in, out) {
			out = append(out, in)
		}
	}
	s.strs = out
	s.keys_ = s.keys_[:0]
	for _, in := range out {
		s.keys_ = append(s.keys_, keyOf(in))
	}
}

// stringSet is an open-addressing set of strings, held as indexes into the
// slice being built: cheaper than a map for the tens of thousands of
// strings of a large body. Hashes are seeded per process (maphash), so a
// request cannot aim collisions.
type stringSet struct {
	slots []int32 // index+1 into the strings, 0 for empty
	mask  uint64
}

var setSeed = maphash.MakeSeed()

func (m *stringSet) init(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	m.slots = make([]int32, size)
	m.mask = uint64(size - 1)
}

// add reports whether s was not in the set, whose strings are in (s is
// then to be appended to it, at index len(in)).
func (m *stringSet) add(s string, in []string) bool {
	h := maphash.String(setSeed, s)
	for i := h & m.mask; ; i = (i + 1) & m.mask {
		k := m.slots[i]
		if k == 0 {
			m.slots[i] = int32(len(in) + 1)
			return true
		}
		if in[k-1] == s {
			return false
		}
	}
}

// addCand appends s unless it is there already (the direct path: few
// inputs, so few candidates).
func (st *sinkState) addCand(out []string, s string) []string {
	if slices.Contains(out, s) {
		return out
	}
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
// too (an application can build a statement from a key), but for plain
// names.
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
				if v.Kind() == KindMap && !PlainKey(fld.Key) {
					f(fld.Key)
				}
				stack = append(stack, fld.Value)
			}
		}
	}
}

// PlainKey reports whether a map key is a plain name (empty, or letters,
// digits, '_', '-' and '.' only, not starting with '-'): such a key is
// not an exploit-prevention input. It cannot change the structure of a
// statement, command or path, and it would only match the application's
// own words (a field named "file" and a program named file).
func PlainKey(k string) bool {
	if k != "" && k[0] == '-' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
