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
	"slices"
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
	// The trie, states numbered breadth-first (the root is 0): the goto
	// edges of state s are edgeClass/edgeTo[edgeStart[s]:edgeStart[s+1]],
	// by increasing class; fail[s] is its failure state.
	edgeStart []uint32
	edgeClass []uint8
	edgeTo    []uint32
	fail      []uint32
	// outs[outStart[s]:outStart[s+1]] are the ids of the patterns ending in
	// state s, longest first.
	outStart []uint32
	outs     []int32
	// The DFA, by column: the entry of state s and class c is
	// delta[c*states+s] (col[b] is class[b]*states), the next state with
	// outFlag set when patterns end there. A column's offset depends only
	// on the input byte, so a scan's chain from one state to the next is a
	// load and an add, no multiply. delta16 (half the memory) serves
	// automata of fewer than 32,768 states, delta32 the others.
	delta16 []uint16
	delta32 []uint32
	states  uint32
	col     [256]uint32
	// maxLen is the longest pattern's length.
	maxLen int
}

const (
	outFlag16 = 1 << 15
	outFlag32 = 1 << 31
)

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
	if recordPatterns != nil {
		recordPatterns(slices.Clone(patterns))
	}
	if m := knownMatcher(patterns); m != nil {
		return m
	}
	return buildMatcher(patterns)
}

// buildMatcher is NewMatcher without the table of known matchers.
func buildMatcher(patterns []string) *Matcher {
	m := &Matcher{n: len(patterns), lens: make([]int, len(patterns))}
	nc := m.buildClasses(patterns)
	t := m.buildTrie(patterns)
	m.link(t)
	// The rows, breadth-first: a state's row is its failure state's (which
	// is shallower, so already built) with its own goto edges over it.
	if t.nodes < outFlag16 {
		m.delta16 = make([]uint16, t.nodes*nc)
	} else {
		m.delta32 = make([]uint32, t.nodes*nc)
	}
	for s := range uint32(t.nodes) {
		m.fillRow(s)
	}
	// The trie and failure links were only needed to build the rows.
	m.edgeStart, m.edgeClass, m.edgeTo, m.fail = nil, nil, nil, nil
	m.delta16 = byColumn(m.delta16, uint32(t.nodes), uint32(nc))
	m.delta32 = byColumn(m.delta32, uint32(t.nodes), uint32(nc))
	m.setColumns(uint32(t.nodes))
	return m
}

// setColumns records the number of states and each byte's column offset
// (and the longest pattern's length).
func (m *Matcher) setColumns(states uint32) {
	m.states = states
	m.maxLen = 0
	for _, n := range m.lens {
		m.maxLen = max(m.maxLen, n)
	}
	for b := range m.col {
		m.col[b] = uint32(m.class[b]) * states
	}
}

// byColumn returns the rows of states×nc entries (row s is
// d[s*nc:(s+1)*nc]) as columns (column c is out[c*states:(c+1)*states]),
// copied in tiles that stay in cache.
func byColumn[T uint16 | uint32](d []T, states, nc uint32) []T {
	if d == nil {
		return nil
	}
	out := make([]T, len(d))
	const tile = 64
	for s0 := uint32(0); s0 < states; s0 += tile {
		s1 := min(s0+tile, states)
		for c0 := uint32(0); c0 < nc; c0 += tile {
			c1 := min(c0+tile, nc)
			for s := s0; s < s1; s++ {
				row := d[s*nc : (s+1)*nc]
				for c := c0; c < c1; c++ {
					out[c*states+s] = row[c]
				}
			}
		}
	}
	return out
}

// buildClasses sets the byte classes: one column per distinct (folded)
// pattern byte, column 0 for every byte that occurs in no pattern. It
// returns the number of classes.
func (m *Matcher) buildClasses(patterns []string) int {
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
	return nc
}

// trieEdge is an edge of the patterns' trie.
type trieEdge struct {
	parent, child uint32
	class         uint8
}

// trie is the patterns' trie before it becomes the automaton.
type trie struct {
	nodes int
	edges []trieEdge
	// The pattern ids ending at each node, as lists: own[node] is the
	// first (+1), nextID[id] the next (+1).
	own, nextID []int32
}

// buildTrie builds the trie from the patterns in sorted order: each adds
// nodes for what follows its common prefix with the previous one, so the
// children of a node are created by increasing class. Empty patterns go
// to m.empty.
func (m *Matcher) buildTrie(patterns []string) *trie {
	order := make([]int32, 0, len(patterns))
	folded := make([]string, len(patterns))
	for id, p := range patterns {
		if p == "" {
			m.empty = append(m.empty, int32(id))
			continue
		}
		folded[id] = lowerString(p)
		order = append(order, int32(id))
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := folded[order[a]], folded[order[b]]
		if x != y {
			return x < y
		}
		return order[a] < order[b]
	})
	size := 1
	for _, p := range patterns {
		size += len(p)
	}
	t := &trie{nodes: 1, edges: make([]trieEdge, 0, size-1), own: make([]int32, size), nextID: make([]int32, len(patterns))}
	path := []uint32{0} // nodes of the previous pattern's prefix
	prev := ""
	for _, id := range order {
		p := folded[id]
		l := 0
		for l < len(p) && l < len(prev) && p[l] == prev[l] {
			l++
		}
		path = path[:l+1]
		for k := l; k < len(p); k++ {
			child := uint32(t.nodes)
			t.nodes++
			t.edges = append(t.edges, trieEdge{path[k], child, m.class[p[k]]})
			path = append(path, child)
		}
		end := path[len(p)]
		t.nextID[id], t.own[end] = t.own[end], id+1
		prev = p
	}
	return t
}

// link numbers the trie's nodes breadth-first as states, and sets their
// goto edges, failure links and output lists.
func (m *Matcher) link(t *trie) {
	nodes, edges := t.nodes, t.edges
	// Children by parent (edges are already by increasing class within a
	// parent, and parents are created before their children).
	first := make([]uint32, nodes+1)
	for _, e := range edges {
		first[e.parent+1]++
	}
	for i := 1; i <= nodes; i++ {
		first[i] += first[i-1]
	}
	kids := make([]trieEdge, len(edges))
	next := slices.Clone(first[:nodes])
	for _, e := range edges {
		kids[next[e.parent]] = e
		next[e.parent]++
	}
	// Breadth-first numbering.
	num := make([]uint32, nodes) // trie node -> state
	bfs := make([]uint32, 1, nodes)
	for q := 0; q < len(bfs); q++ {
		for _, e := range kids[first[bfs[q]]:first[bfs[q]+1]] {
			num[e.child] = uint32(len(bfs))
			bfs = append(bfs, e.child)
		}
	}
	m.edgeStart = make([]uint32, nodes+1)
	m.edgeClass = make([]uint8, len(edges))
	m.edgeTo = make([]uint32, len(edges))
	m.fail = make([]uint32, nodes)
	m.outStart = make([]uint32, nodes+1)
	k := uint32(0)
	for s, node := range bfs {
		m.edgeStart[s] = k
		for _, e := range kids[first[node]:first[node+1]] {
			m.edgeClass[k], m.edgeTo[k] = e.class, num[e.child]
			k++
		}
	}
	m.edgeStart[nodes] = k
	for s, node := range bfs {
		// fail[s] was set when s's parent was processed, below.
		f := m.fail[s]
		// Own ids first (longest), then the failure state's (shorter).
		start := len(m.outs)
		for id := t.own[node]; id != 0; id = t.nextID[id-1] {
			m.outs = append(m.outs, id-1)
		}
		slices.Reverse(m.outs[start:]) // duplicates by increasing id
		if s > 0 {
			m.outs = append(m.outs, m.outs[m.outStart[f]:m.outStart[f+1]]...)
		}
		m.outStart[s+1] = uint32(len(m.outs))
		if s == 0 {
			continue // depth 1: fails to the root
		}
		for e := m.edgeStart[s]; e < m.edgeStart[s+1]; e++ {
			c, to := m.edgeClass[e], m.edgeTo[e]
			for g := f; ; g = m.fail[g] {
				if x, ok := m.gotoEdge(g, c); ok {
					m.fail[to] = x
					break
				}
				if g == 0 {
					break
				}
			}
		}
	}
}

// gotoEdge returns the trie child of state s by class c.
func (m *Matcher) gotoEdge(s uint32, c uint8) (uint32, bool) {
	lo, hi := m.edgeStart[s], m.edgeStart[s+1]
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case m.edgeClass[mid] < c:
			lo = mid + 1
		case m.edgeClass[mid] > c:
			hi = mid
		default:
			return m.edgeTo[mid], true
		}
	}
	return 0, false
}

// fillRow builds the row of state s from its failure state's, in the
// rows the automaton is built in (see byColumn).
func (m *Matcher) fillRow(s uint32) {
	nc := m.nclass
	f := m.fail[s]
	row, frow := s*nc, f*nc
	if d := m.delta16; d != nil {
		if s == 0 {
			clear(d[:nc])
		} else {
			copy(d[row:row+nc], d[frow:frow+nc])
		}
		for e := m.edgeStart[s]; e < m.edgeStart[s+1]; e++ {
			t := m.edgeTo[e]
			v := uint16(t)
			if m.outStart[t+1] > m.outStart[t] {
				v |= outFlag16
			}
			d[row+uint32(m.edgeClass[e])] = v
		}
	} else {
		d := m.delta32
		if s == 0 {
			clear(d[:nc])
		} else {
			copy(d[row:row+nc], d[frow:frow+nc])
		}
		for e := m.edgeStart[s]; e < m.edgeStart[s+1]; e++ {
			t := m.edgeTo[e]
			v := t
			if m.outStart[t+1] > m.outStart[t] {
				v |= outFlag32
			}
			d[row+uint32(m.edgeClass[e])] = v
		}
	}
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
	st := uint32(0)
	for i, b := range s {
		var out bool
		st, out = m.step(st, b)
		if out {
			for _, id := range m.outs[m.outStart[st]:m.outStart[st+1]] {
				if !hit(int(id), i+1) {
					return
				}
			}
		}
	}
}

// step returns the state after byte b from state st, and whether patterns
// end there.
func (m *Matcher) step(st uint32, b byte) (uint32, bool) {
	i := m.col[b] + st
	if m.delta16 != nil {
		v := m.delta16[i]
		return uint32(v &^ outFlag16), v&outFlag16 != 0
	}
	v := m.delta32[i]
	return v &^ outFlag32, v&outFlag32 != 0
}

// Mark sets bit id of set (bit id%64 of word id/64) for every pattern that
// occurs in s. Bits already set stay set, so one set can collect several
// values. set must have at least SetWords() words. It returns the words
// it set bits in: bit w for word w, bit 63 for the words from 63 on.
func (m *Matcher) Mark(s []byte, set []uint64) (words uint64) {
	if m.n == 0 {
		return 0
	}
	_ = set[(m.n-1)/64]
	for _, id := range m.empty {
		set[id>>6] |= 1 << (uint(id) & 63)
		words |= wordBit(id)
	}
	col := &m.col
	last := ^uint32(0)
	mark := func(st uint32) {
		if st != last {
			// A repeat of the previous output state adds nothing new.
			last = st
			for _, id := range m.outs[m.outStart[st]:m.outStart[st+1]] {
				set[id>>6] |= 1 << (uint(id) & 63)
				words |= wordBit(id)
			}
		}
	}
	st := uint32(0)
	if d := m.delta16; d != nil {
		if len(s) >= minLaneBytes && m.maxLen > 0 && m.maxLen <= maxLaneOverlap {
			// Each step waits for the one before (the next state is a
			// load at an offset the current state gives): two scans,
			// one per half of the value, run side by side instead. The
			// second starts at the root maxLen-1 bytes before the half,
			// so a pattern across the middle is found by one of them.
			return words | m.mark2(s, set)
		}
		for _, b := range s {
			v := uint32(d[col[b]+st])
			st = v &^ outFlag16
			if v&outFlag16 != 0 {
				mark(st)
			}
		}
		return words
	}
	d := m.delta32
	for _, b := range s {
		v := d[col[b]+st]
		st = v &^ outFlag32
		if v&outFlag32 != 0 {
			mark(st)
		}
	}
	return words
}

// wordBit is the bit of Mark's answer for pattern id.
func wordBit(id int32) uint64 { return 1 << min(uint(id)>>6, 63) }

// Values of minLaneBytes or more are scanned in two lanes (see mark2) by
// a matcher whose patterns are at most maxLaneOverlap bytes long.
const (
	minLaneBytes   = 64
	maxLaneOverlap = 16
)

// mark2 is Mark on the 16-bit table in two lanes: the first scans s up to
// its middle, the second from maxLen-1 bytes before the middle to the end.
// A pattern ending before the middle is found by the first; one ending at
// the middle or after starts at most maxLen-1 bytes before it, so the
// second, which starts at the root there, finds it.
func (m *Matcher) mark2(s []byte, set []uint64) (words uint64) {
	d, col, outs, outStart := m.delta16, &m.col, m.outs, m.outStart
	half := len(s) / 2
	a := s[:half]
	b := s[half-(m.maxLen-1):]
	b, tail := b[:len(a)], b[len(a):] // (b is at least as long as a)
	sa, sb := uint32(0), uint32(0)
	for i, x := range a {
		va := uint32(d[col[x]+sa])
		vb := uint32(d[col[b[i]]+sb])
		sa, sb = va&^outFlag16, vb&^outFlag16
		if (va|vb)&outFlag16 != 0 {
			if va&outFlag16 != 0 {
				for _, id := range outs[outStart[sa]:outStart[sa+1]] {
					set[id>>6] |= 1 << (uint(id) & 63)
					words |= wordBit(id)
				}
			}
			if vb&outFlag16 != 0 {
				for _, id := range outs[outStart[sb]:outStart[sb+1]] {
					set[id>>6] |= 1 << (uint(id) & 63)
					words |= wordBit(id)
				}
			}
		}
	}
	for _, x := range tail {
		vb := uint32(d[col[x]+sb])
		sb = vb &^ outFlag16
		if vb&outFlag16 != 0 {
			for _, id := range outs[outStart[sb]:outStart[sb+1]] {
				set[id>>6] |= 1 << (uint(id) & 63)
				words |= wordBit(id)
			}
		}
	}
	return words
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
