// Package literal finds many literal strings in one pass over a value and
// derives, from a regular expression, literals that every match must contain.
//
// The two halves make the WAF's prefilter: Required turns each match_regex
// condition into a small set of lowercase literals, one Matcher holds the
// literals of every condition, and Mark scans each value once to tell which
// conditions can possibly match it. Conditions none of whose literals occur
// are skipped without running their regular expression.
//
// All comparisons are ASCII case-insensitive: patterns are folded to lower
// case when the Matcher is built and input bytes A-Z are folded on the fly.
// Bytes outside ASCII are compared as they are.
package literal

import (
	"math/bits"
	"sort"
)

// Matcher is an Aho-Corasick automaton over a fixed set of byte patterns,
// compiled to a full DFA over byte classes. It is immutable once built and
// safe for concurrent use; scanning does not allocate.
type Matcher struct {
	n      int
	lens   []int // pattern lengths, by id
	empty  []int32
	class  [256]uint8 // input byte -> column (A-Z share their lowercase column)
	nclass uint32
	// delta16 (fewer than 65,536 states, the usual case) or delta32 holds
	// the next state: delta[state*nclass+class]. States are renumbered so
	// that every state at or above firstOut has at least one pattern
	// ending there. Narrow entries halve the table's memory.
	delta16  []uint16
	delta32  []uint32
	firstOut uint32
	// outs[outStart[i]:outStart[i+1]] are the ids of the patterns ending in
	// the i-th output state (state/nclass - firstOut/nclass), longest first.
	outStart []uint32
	outs     []int32
}

// lower folds an ASCII upper-case byte to lower case.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// NewMatcher compiles patterns; pattern i is reported with id i. Patterns
// are expected in lower case; ASCII upper-case letters in them are folded.
// Duplicates are allowed and each is reported under its own id. An empty
// pattern is present in every input and is reported once, at end 0.
func NewMatcher(patterns []string) *Matcher {
	m := &Matcher{n: len(patterns), lens: make([]int, len(patterns))}

	// Byte classes: one column per distinct (folded) pattern byte, column 0
	// for every byte that occurs in no pattern.
	var used [256]bool
	for i, p := range patterns {
		m.lens[i] = len(p)
		for j := 0; j < len(p); j++ {
			used[lower(p[j])] = true
		}
	}
	nc := 1
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = uint8(nc)
			nc++
		}
	}
	// Patterns are folded, so A-Z are never used: nc <= 1+256-26 fits a byte.
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	m.nclass = uint32(nc)

	// Trie, with dense child rows indexed by class; -1 is no child.
	type node struct {
		fail int32
		ids  []int32
	}
	nodes := []node{{}}
	next := make([]int32, nc, trieSize(patterns)*nc)
	for i := range next {
		next[i] = -1
	}
	for id, p := range patterns {
		if p == "" {
			m.empty = append(m.empty, int32(id))
			continue
		}
		s := int32(0)
		for j := 0; j < len(p); j++ {
			c := int32(m.class[lower(p[j])])
			t := next[s*int32(nc)+c]
			if t < 0 {
				t = int32(len(nodes))
				nodes = append(nodes, node{})
				for k := 0; k < nc; k++ {
					next = append(next, -1)
				}
				next[s*int32(nc)+c] = t
			}
			s = t
		}
		nodes[s].ids = append(nodes[s].ids, int32(id))
	}

	// Breadth-first: failure links, output lists, and the DFA (missing
	// transitions borrowed from the failure state, which is shallower and
	// so already complete).
	queue := make([]int32, 0, len(nodes))
	for c := 0; c < nc; c++ {
		if t := next[c]; t > 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		} else {
			next[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		// Own ids first (longest), then the failure state's (shorter).
		nodes[s].ids = append(nodes[s].ids, nodes[f].ids...)
		for c := int32(0); c < int32(nc); c++ {
			t := next[s*int32(nc)+c]
			if t > 0 {
				nodes[t].fail = next[f*int32(nc)+c]
				queue = append(queue, t)
			} else {
				next[s*int32(nc)+c] = next[f*int32(nc)+c]
			}
		}
	}

	// Renumber: states without output first (the root stays 0), then
	// output states.
	newIdx := make([]uint32, len(nodes))
	k := uint32(0)
	for i := range nodes {
		if len(nodes[i].ids) == 0 {
			newIdx[i] = k
			k++
		}
	}
	m.firstOut = k
	m.outStart = append(m.outStart, 0)
	for i := range nodes {
		if len(nodes[i].ids) > 0 {
			newIdx[i] = k
			k++
			m.outs = append(m.outs, nodes[i].ids...)
			m.outStart = append(m.outStart, uint32(len(m.outs)))
		}
	}
	if len(nodes) <= 1<<16 {
		m.delta16 = make([]uint16, len(nodes)*nc)
		for i := range nodes {
			row := newIdx[i] * m.nclass
			for c := 0; c < nc; c++ {
				m.delta16[row+uint32(c)] = uint16(newIdx[next[i*nc+c]])
			}
		}
		return m
	}
	m.delta32 = make([]uint32, len(nodes)*nc)
	for i := range nodes {
		row := newIdx[i] * m.nclass
		for c := 0; c < nc; c++ {
			m.delta32[row+uint32(c)] = newIdx[next[i*nc+c]]
		}
	}
	return m
}

// Len returns the number of patterns.
func (m *Matcher) Len() int { return m.n }

// PatternLen returns the length in bytes of pattern id.
func (m *Matcher) PatternLen(id int) int { return m.lens[id] }

// SetWords returns the number of uint64 words a set for Mark needs.
func (m *Matcher) SetWords() int { return (m.n + 63) / 64 }

// Scan reports every occurrence of every pattern in s, in order of end
// position (longest pattern first at the same end): pattern id occurs at
// s[end-PatternLen(id):end]. Scan stops when hit returns false.
func (m *Matcher) Scan(s []byte, hit func(id, end int) bool) {
	for _, id := range m.empty {
		if !hit(int(id), 0) {
			return
		}
	}
	class, first, nc := &m.class, m.firstOut, m.nclass
	st := uint32(0)
	for i, b := range s {
		st = m.step(st*nc + uint32(class[b]))
		if st >= first {
			o := st - first
			for _, id := range m.outs[m.outStart[o]:m.outStart[o+1]] {
				if !hit(int(id), i+1) {
					return
				}
			}
		}
	}
}

// step returns the state at index i of the transition table.
func (m *Matcher) step(i uint32) uint32 {
	if m.delta16 != nil {
		return uint32(m.delta16[i])
	}
	return m.delta32[i]
}

// Mark sets bit id of set (bit id%64 of word id/64) for every pattern that
// occurs in s. Bits already set stay set, so one set can collect several
// values. set must have at least SetWords() words.
func (m *Matcher) Mark(s []byte, set []uint64) {
	if m.n == 0 {
		return
	}
	_ = set[(m.n-1)/64]
	for _, id := range m.empty {
		set[id>>6] |= 1 << (uint(id) & 63)
	}
	class, first, nc := &m.class, m.firstOut, m.nclass
	st := uint32(0)
	last := ^uint32(0)
	mark := func(st uint32) {
		if st >= first && st != last {
			// A repeat of the previous output state adds nothing new.
			last = st
			o := st - first
			for _, id := range m.outs[m.outStart[o]:m.outStart[o+1]] {
				set[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
	if d := m.delta16; d != nil {
		for _, b := range s {
			st = uint32(d[st*nc+uint32(class[b])])
			if st >= first {
				mark(st)
			}
		}
		return
	}
	d := m.delta32
	for _, b := range s {
		st = d[st*nc+uint32(class[b])]
		if st >= first {
			mark(st)
		}
	}
}

// Any reports whether any bit of set is set; a helper for Mark's callers.
func Any(set []uint64) bool {
	for _, w := range set {
		if w != 0 {
			return true
		}
	}
	return false
}

// Count returns the number of bits set in set.
func Count(set []uint64) int {
	n := 0
	for _, w := range set {
		n += bits.OnesCount64(w)
	}
	return n
}

// trieSize returns the number of nodes of the trie of patterns (root
// included), ASCII case folded: one per distinct prefix, counted on the
// sorted patterns as the bytes each adds past its common prefix with the
// previous one. The transition table is then allocated once, exactly.
func trieSize(patterns []string) int {
	folded := make([]string, len(patterns))
	for i, p := range patterns {
		folded[i] = lowerString(p)
	}
	sort.Strings(folded)
	n := 1
	prev := ""
	for _, p := range folded {
		l := 0
		for l < len(p) && l < len(prev) && p[l] == prev[l] {
			l++
		}
		n += len(p) - l
		prev = p
	}
	return n
}
