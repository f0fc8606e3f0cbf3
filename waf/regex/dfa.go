package regex

import (
	"bytes"
	"regexp/syntax"
	"slices"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// dfa answers whether an expression matches anywhere in a value, in one
// pass over the value, with a lazily built deterministic automaton: each
// state is the set of program instructions the threads of a Thompson
// simulation would be at, and each transition is computed the first time
// it is taken, then cached. A cached step is one table load per byte,
// whatever the expression, where Go's regexp (backtracking or NFA) costs
// work proportional to the program at every position. The positions of a
// match (the highlight) still come from Go's regexp, run only on values
// the automaton accepts.
//
// Empty-width assertions (^ $ \b \B and their line forms) are decided at
// each step from the previous rune's kind, kept in the state, and the next
// rune, as syntax.EmptyOpContext defines them. ASCII bytes step through
// the cache by byte class; other runes by the segment of the code space
// they fall in: the instructions' ranges above ASCII (and, under (?i), the
// runes that fold to ASCII letters, as U+212A to k) cut it into a few
// segments whose runes every instruction treats alike. An expression with
// too many such segments (large Unicode classes) steps each non-ASCII rune
// uncached, and a value with many of those goes back to Go's regexp.
//
// The automaton is shared by every evaluation of its expression: transitions
// are published with atomic stores and read with atomic loads; states are
// created under a mutex. The cache is bounded: when it is full it is
// emptied, and after maxDFAResets the expression stops using it (an
// expression whose automaton does not fit is left to Go's regexp).
type dfa struct {
	prog *syntax.Prog
	// class maps an ASCII byte to its class: bytes in one class are
	// accepted by the same instructions and have the same kind for the
	// empty-width assertions.
	class  [utf8.RuneSelf]uint8
	rep    []rune // a rune of each class
	nclass int
	// The runes from U+0080 up are in segments: segment k starts at
	// segStart[k] (segStart[0] is U+0080) and its runes are in class
	// segClass[k]. segStart is nil when the expression has too many
	// segments: those runes are then stepped uncached.
	segStart []rune
	segClass []uint8
	// maxStates is the number of states the cache holds before it is
	// emptied: maxDFAStates, fewer when the rows are wide.
	maxStates int

	// tab is the cache's current generation. Its states 0 to 3 have no
	// thread alive, after a rune of each kind (state 0 is the start).
	tab      atomic.Pointer[dtable]
	disabled atomic.Bool
	// anchored automata (see newAnchoredDFA) start a match only where a
	// run starts: their states 4 to 7 hold the program's start, after a
	// rune of each kind.
	anchored bool
	// beginOnly is set when every match starts at the beginning of the
	// value (^ without (?m), \A): once no thread is alive past it, the
	// value does not match.
	beginOnly bool

	// When a match can only start with a byte of skip (ASCII bytes only;
	// hasSkip), the scan jumps over the other ASCII bytes while no thread
	// is alive, from one of the empty states (one per kind of the rune
	// before), instead of stepping through them. A byte in skipByte (when
	// oneByte) is the only one that can start a match: the jump is then
	// bytes.IndexByte.
	skip     [2]uint64
	hasSkip  bool
	oneByte  bool
	skipByte byte

	mu      sync.Mutex
	ids     map[string]uint32 // the states of the current generation, by key
	n       int               // states in the current generation
	tgen    uint32            // the current generation
	resets  int
	key     []byte
	stack   []uint32
	visited []uint32 // generation stamps, by pc
	gen     uint32
	next    []uint32
}

// dtable is one generation of the automaton's cache: the transitions of
// every state, one row of nclass entries a state, in one array (a step
// reads one entry; the rows of an expression sit together in memory), and
// the states by number. A table grows by copy into a larger one of the
// same generation, whose state numbers it keeps; a reset starts a new
// generation.
type dtable struct {
	gen    uint32
	rows   []atomic.Uint32 // entry: 0 not computed, else a transition
	states []atomic.Pointer[dstate]
}

// A transition entry is the offset of the next state's row (its number
// times nclass) plus one, with dfaDeadBit when no thread is alive in it;
// dfaMatchBit alone when the transition completes a match.
const (
	dfaMatchBit = 1 << 31
	dfaDeadBit  = 1 << 30
	dfaIDMask   = dfaDeadBit - 1
)

// dstate is a state of the automaton.
type dstate struct {
	pcs  []uint32      // sorted instructions reached, before their closure
	prev uint8         // kind of the rune before this state (see prevRune)
	end  atomic.Uint32 // 0 unknown, 1 no match at the end, 2 match
}

// Limits of the automaton cache.
const (
	maxDFAStates = 512 // states held at once, per expression, at first
	// maxDFABytes bounds, beside maxDFAStates, the transition tables of an
	// expression's cached states (a state's row has 4 bytes a class).
	maxDFABytes = 48 << 10
	// An expression whose cache fills doubles it when it is emptied, up
	// to maxDFAGrownStates states and maxDFAGrownBytes of rows: only the
	// few expressions whose values need many states (a counted repetition
	// such as [\w,]{1,80}) grow, and they stop emptying.
	maxDFAGrownStates = 8192
	maxDFAGrownBytes  = 1 << 20
	maxDFAResets      = 16 // times the cache fills before the expression stops using it
	maxDFASlow        = 16 // uncached non-ASCII steps per value before giving up
	// maxDFABuild bounds the transitions one value may compute: a value
	// that needs more (a fresh automaton, an unusual value) leaves the
	// rest to Go's regexp, so that warming the cache never costs a request
	// more than a few microseconds per expression.
	maxDFABuild = 16
)

// Kinds of the rune before a position, the part of it the empty-width
// assertions depend on.
const (
	prevStart uint8 = iota // beginning of the text
	prevNL
	prevWord
	prevOther
)

var prevRune = [...]rune{prevStart: -1, prevNL: '\n', prevWord: 'a', prevOther: ' '}

func kindOf(r rune) uint8 {
	switch {
	case r == '\n':
		return prevNL
	case r < utf8.RuneSelf && syntax.IsWordChar(r):
		return prevWord
	}
	return prevOther
}

// newDFA builds the automaton of a parsed expression (parsed with
// syntax.Perl, as regexp.Compile does), or returns nil when it cannot.
func newDFA(tree *syntax.Regexp) *dfa {
	prog, err := syntax.Compile(tree.Simplify())
	if err != nil {
		return nil
	}
	d := &dfa{prog: prog, visited: make([]uint32, len(prog.Inst))}
	d.beginOnly = prog.StartCond()&syntax.EmptyBeginText != 0
	// Byte classes by signature: the rune instructions accepting the
	// byte, and its kind. Each instruction's ASCII runes are found from
	// its ranges, not by trying all 128 of them.
	var runes []int
	for pc := range prog.Inst {
		switch prog.Inst[pc].Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			runes = append(runes, pc)
		}
	}
	words := 1 + (len(runes)+63)/64
	sigs := make([]uint64, utf8.RuneSelf*words)
	for b := 0; b < utf8.RuneSelf; b++ {
		sigs[b*words] = uint64(kindOf(rune(b)))
	}
	for i, pc := range runes {
		acc := asciiAccepted(&prog.Inst[pc])
		for b := 0; b < utf8.RuneSelf; b++ {
			if acc[b>>6]&(1<<(b&63)) != 0 {
				sigs[b*words+1+i/64] |= 1 << (i % 64)
			}
		}
	}
	classOf := map[string]uint8{}
	key := make([]byte, 0, words*8)
	for b := 0; b < utf8.RuneSelf; b++ {
		key = key[:0]
		for _, w := range sigs[b*words : (b+1)*words] {
			key = append(key, byte(w), byte(w>>8), byte(w>>16), byte(w>>24), byte(w>>32), byte(w>>40), byte(w>>48), byte(w>>56))
		}
		c, ok := classOf[string(key)]
		if !ok {
			if len(classOf) >= 255 {
				return nil
			}
			c = uint8(len(classOf))
			classOf[string(key)] = c
			d.rep = append(d.rep, rune(b))
		}
		d.class[b] = c
	}
	if starts := nonASCIISegments(prog, runes); starts != nil {
		// Segments by signature: the rune instructions accepting their
		// runes (all non-ASCII runes have the same kind).
		segOf := map[string]uint8{}
		sig := make([]byte, len(runes))
		for _, r := range starts {
			for i, pc := range runes {
				sig[i] = 0
				if runeInst(&prog.Inst[pc], r) {
					sig[i] = 1
				}
			}
			c, ok := segOf[string(sig)]
			if !ok {
				if len(d.rep) >= 255 || len(segOf) >= maxDFASegClasses {
					starts = nil
					break
				}
				c = uint8(len(d.rep))
				segOf[string(sig)] = c
				d.rep = append(d.rep, r)
			}
			d.segClass = append(d.segClass, c)
		}
		if starts == nil {
			d.rep, d.segClass = d.rep[:len(classOf)], nil
		}
		d.segStart = starts
	}
	d.nclass = len(d.rep)
	d.maxStates = min(maxDFAStates, max(64, maxDFABytes/(4*d.nclass+48)))
	if first, ok := firstBytes(tree.Simplify()); ok {
		d.hasSkip = true
		n, ascii := 0, true
		for b := 0; b < 256; b++ {
			if !first.Has(byte(b)) {
				continue
			}
			n++
			if b < utf8.RuneSelf {
				d.skip[b>>6] |= 1 << (b & 63)
				d.skipByte = byte(b)
			} else {
				ascii = false
			}
		}
		d.oneByte = n == 1 && ascii
	}
	d.resetStates()
	return d
}

// resetStates empties the cache, keeping the start and empty states. It is
// called with d.mu held, or before d is shared.
func (d *dfa) resetStates() {
	d.ids = map[string]uint32{}
	d.n = 0
	d.tgen++
	c := min(16, d.maxStates)
	d.tab.Store(&dtable{gen: d.tgen, rows: make([]atomic.Uint32, c*d.nclass), states: make([]atomic.Pointer[dstate], c)})
	for k := range uint8(4) {
		d.newState(nil, k) // states 0 to 3
	}
	if d.anchored {
		for k := range uint8(4) {
			d.newState([]uint32{uint32(d.prog.Start)}, k) // states 4 to 7
		}
	}
}

// asciiAccepted returns the ASCII runes a rune instruction accepts, as
// runeInst decides them.
func asciiAccepted(in *syntax.Inst) (acc [2]uint64) {
	set := func(r rune) { acc[r>>6] |= 1 << (r & 63) }
	switch in.Op {
	case syntax.InstRuneAny:
		return [2]uint64{^uint64(0), ^uint64(0)}
	case syntax.InstRuneAnyNotNL:
		return [2]uint64{^uint64(0) &^ (1 << '\n'), ^uint64(0)}
	case syntax.InstRune1:
		if r := in.Rune[0]; r < utf8.RuneSelf {
			set(r)
		}
		return acc
	}
	rs := in.Rune
	if len(rs) == 1 {
		// One rune, case-folded when the flag says so: its ASCII folds.
		r := rs[0]
		if r < utf8.RuneSelf {
			set(r)
		}
		if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f < utf8.RuneSelf {
					set(f)
				}
			}
		}
		return acc
	}
	for i := 0; i+1 < len(rs); i += 2 {
		for r := rs[i]; r <= rs[i+1] && r < utf8.RuneSelf; r++ {
			set(r)
		}
	}
	return acc
}

// maxDFASegments and maxDFASegClasses bound the segments of the code space
// above ASCII an automaton tells apart, and their classes.
const (
	maxDFASegments   = 256
	maxDFASegClasses = 16
)

// nonASCIISegments returns the starts of the segments, from U+0080 up, in
// which every rune instruction of prog (runes are their pcs) accepts all
// runes or none, or nil when there are more than maxDFASegments. A
// single-rune instruction under (?i) accepts the members of the rune's
// folding orbit (U+212A for k); one with ranges accepts their runes, as
// syntax.Inst.MatchRune decides.
func nonASCIISegments(prog *syntax.Prog, runes []int) []rune {
	cuts := []rune{utf8.RuneSelf}
	cut := func(lo, hi rune) {
		if hi < utf8.RuneSelf {
			return
		}
		cuts = append(cuts, max(lo, utf8.RuneSelf))
		if hi < unicode.MaxRune {
			cuts = append(cuts, hi+1)
		}
	}
	for _, pc := range runes {
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			continue
		case syntax.InstRune1:
			cut(in.Rune[0], in.Rune[0])
			continue
		}
		rs := in.Rune
		if len(rs) == 1 {
			r := rs[0]
			cut(r, r)
			if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					cut(f, f)
				}
			}
		} else {
			for i := 0; i+1 < len(rs); i += 2 {
				cut(rs[i], rs[i+1])
			}
		}
		if len(cuts) > 2*maxDFASegments {
			return nil
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	if len(cuts) > maxDFASegments {
		return nil
	}
	return cuts
}

// runeClass returns the class of a rune from U+0080 up, or -1 when the
// automaton has no segments.
func (d *dfa) runeClass(r rune) int {
	st := d.segStart
	if len(st) == 0 {
		return -1
	}
	// The last segment starting at or before r.
	lo, hi := 0, len(st)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if st[m] <= r {
			lo = m
		} else {
			hi = m
		}
	}
	return int(d.segClass[lo])
}

// newState interns the state of pcs (sorted) after a rune of kind prev
// and returns its transition entry. It is called with d.mu held, or before
// d is shared; the caller has checked that the cache has room.
func (d *dfa) newState(pcs []uint32, prev uint8) uint32 {
	d.key = append(d.key[:0], prev)
	for _, pc := range pcs {
		d.key = append(d.key, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	id, ok := d.ids[string(d.key)]
	if !ok {
		id = uint32(d.n)
		t := d.tab.Load()
		if d.n == len(t.states) {
			// Grow: a copy twice the size, published whole.
			c := min(2*len(t.states), d.maxStates)
			g := &dtable{gen: t.gen, rows: make([]atomic.Uint32, c*d.nclass), states: make([]atomic.Pointer[dstate], c)}
			for k := range t.rows {
				g.rows[k].Store(t.rows[k].Load())
			}
			for k := range t.states {
				g.states[k].Store(t.states[k].Load())
			}
			d.tab.Store(g)
			t = g
		}
		t.states[id].Store(&dstate{pcs: slices.Clone(pcs), prev: prev})
		d.ids[string(d.key)] = id
		d.n++
	}
	e := id*uint32(d.nclass) + 1
	if len(pcs) == 0 {
		e |= dfaDeadBit
	}
	return e
}

// step computes the transition entry after rune r from s, with d.mu
// held.
func (d *dfa) step(s *dstate, r rune) uint32 {
	flags := syntax.EmptyOpContext(prevRune[s.prev], r)
	d.next = d.next[:0]
	if d.closure(s.pcs, flags, r) {
		return dfaMatchBit
	}
	slices.Sort(d.next)
	d.next = slices.Compact(d.next)
	return d.newState(d.next, kindOf(r))
}

// closure follows the instructions reachable from pcs and the start
// without consuming input, under the empty-width flags, and appends to
// d.next the instructions after those that accept r (r < 0: none). It
// reports whether a match instruction is reached.
func (d *dfa) closure(pcs []uint32, flags syntax.EmptyOp, r rune) bool {
	d.gen++
	if d.gen == 0 {
		clear(d.visited)
		d.gen = 1
	}
	d.stack = d.stack[:0]
	if !d.anchored {
		d.stack = append(d.stack, uint32(d.prog.Start))
	}
	d.stack = append(d.stack, pcs...)
	for len(d.stack) > 0 {
		pc := d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		if d.visited[pc] == d.gen {
			continue
		}
		d.visited[pc] = d.gen
		in := &d.prog.Inst[pc]
		switch in.Op {
		case syntax.InstMatch:
			return true
		case syntax.InstFail:
		case syntax.InstAlt, syntax.InstAltMatch:
			d.stack = append(d.stack, in.Arg, in.Out)
		case syntax.InstNop, syntax.InstCapture:
			d.stack = append(d.stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&^flags == 0 {
				d.stack = append(d.stack, in.Out)
			}
		default: // rune instructions
			if r >= 0 && runeInst(in, r) {
				d.next = append(d.next, in.Out)
			}
		}
	}
	return false
}

// dfaResult is the automaton's answer.
type dfaResult uint8

const (
	dfaNo dfaResult = iota
	dfaYes
	dfaUnknown // the cache could not hold the value's states: ask Go's regexp
)

// match reports whether the expression matches somewhere in b.
func (d *dfa) match(b []byte) dfaResult {
	if d.disabled.Load() {
		return dfaUnknown
	}
	t := d.tab.Load()
	rows, nc := t.rows, uint32(d.nclass)
	row, dead := uint32(0), true // the start state's row: no thread alive yet
	slow, built := 0, 0
	class, hasSkip := &d.class, d.hasSkip
	stop := uint32(dfaMatchBit)
	if hasSkip || d.beginOnly {
		stop |= dfaDeadBit
	}
	for i := 0; i < len(b); {
		if !dead {
			// The common case, in a loop of its own: an ASCII byte whose
			// transition is cached and leads to a state with threads.
			for i < len(b) {
				c := b[i]
				if c >= utf8.RuneSelf {
					break
				}
				e := rows[row+uint32(class[c])].Load()
				if e == 0 || e&stop != 0 {
					break
				}
				row = e&dfaIDMask - 1
				i++
			}
			if i == len(b) {
				break
			}
		}
		if dead && hasSkip {
			// No thread alive: jump to the next byte a match can start with.
			j := i
			if d.oneByte {
				if k := bytes.IndexByte(b[i:], d.skipByte); k < 0 {
					j = len(b)
				} else {
					j = i + k
				}
			} else {
				for j < len(b) && b[j] < utf8.RuneSelf && d.skip[b[j]>>6]&(1<<(b[j]&63)) == 0 {
					j++
				}
			}
			if j > i {
				i = j
				k := prevOther
				if c := b[j-1]; c < utf8.RuneSelf {
					k = kindOf(rune(c))
				}
				row = uint32(k) * nc // the state without threads after that kind
				if i == len(b) {
					break
				}
			}
		}
		c := b[i]
		var e uint32
		if c < utf8.RuneSelf {
			cl := uint32(class[c])
			if e = rows[row+cl].Load(); e == 0 {
				if built++; built > maxDFABuild {
					return dfaUnknown
				}
				if t, e = d.slowStep(t, row/nc, int(cl), rune(c)); e == 0 {
					return dfaUnknown
				}
				rows = t.rows
			}
			i++
		} else {
			r, w := utf8.DecodeRune(b[i:])
			i += w
			if cl := d.runeClass(r); cl >= 0 {
				if e = rows[row+uint32(cl)].Load(); e == 0 {
					if built++; built > maxDFABuild {
						return dfaUnknown
					}
					t, e = d.slowStep(t, row/nc, cl, r)
					rows = t.rows
				}
			} else {
				if slow++; slow > maxDFASlow {
					return dfaUnknown
				}
				t, e = d.slowStep(t, row/nc, -1, r)
				rows = t.rows
			}
			if e == 0 {
				return dfaUnknown
			}
		}
		if e&dfaMatchBit != 0 {
			return dfaYes
		}
		row, dead = e&dfaIDMask-1, e&dfaDeadBit != 0
		if dead && d.beginOnly {
			return dfaNo // (no thread left, and none can start past the beginning)
		}
	}
	if d.matchesAtEnd(t.states[row/nc].Load()) {
		return dfaYes
	}
	return dfaNo
}

// matchesAtEnd reports whether the state s, at the end of the value,
// holds a match (the empty-width assertions that need the end, such as $
// or \b, hold there), remembering it in the state.
func (d *dfa) matchesAtEnd(s *dstate) bool {
	switch s.end.Load() {
	case 1:
		return false
	case 2:
		return true
	}
	d.mu.Lock()
	d.next = d.next[:0]
	m := d.closure(s.pcs, syntax.EmptyOpContext(prevRune[s.prev], -1), -1)
	d.mu.Unlock()
	if m {
		s.end.Store(2)
	} else {
		s.end.Store(1)
	}
	return m
}

// slowStep computes (and, for cl >= 0, caches) the transition of state id
// of table t on r. It returns the current table, whose rows the caller
// reads from then on, and the entry; the entry is 0 when the cache is
// full (it is then emptied for the values that come next) or was emptied
// since t (the caller's state numbers are stale).
func (d *dfa) slowStep(t *dtable, id uint32, cl int, r rune) (*dtable, uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.tab.Load()
	if cur.gen != t.gen {
		return cur, 0
	}
	nc := uint32(d.nclass)
	if cl >= 0 {
		if e := cur.rows[id*nc+uint32(cl)].Load(); e != 0 {
			return cur, e
		}
	}
	if d.n >= d.maxStates {
		d.resets++
		if d.resets > maxDFAResets {
			d.disabled.Store(true)
		}
		d.maxStates = max(d.maxStates, min(2*d.maxStates, maxDFAGrownStates, maxDFAGrownBytes/(4*d.nclass+48)))
		d.resetStates()
		return d.tab.Load(), 0
	}
	e := d.step(cur.states[id].Load(), r)
	cur = d.tab.Load() // grown, maybe
	if cl >= 0 {
		cur.rows[id*nc+uint32(cl)].Store(e)
	}
	return cur, e
}

// anchorChecksBeforeDFA is how many occurrences of its literal an
// expression's anchor checks before the automaton takes over.
const anchorChecksBeforeDFA = 3

// noDFA turns the automaton off (tests and benchmarks compare with it).
var noDFA = false
