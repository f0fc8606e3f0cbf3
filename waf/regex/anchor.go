package regex

import (
	"bytes"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// anchor is a cheap necessary condition of a regular expression that is a
// concatenation with a literal part: prefix · literal · suffix. Every match
// holds the literal at some position p, preceded (up to p) by a match of
// the prefix and followed (from the literal's end) by a match of the
// suffix. When no occurrence of the literal in a value has both, the
// expression does not match the value, and Go's regexp (which tries every
// start position over the whole value) need not run. A value that passes
// runs the full expression, for the answer and its highlight.
//
// The literal part may also be a small alternation of literals. The prefix
// runs backwards, as the reverse of its expression, from the literal's
// start. Both run as a small backtracking matcher anchored at the
// occurrence, without memoization but with a step budget: when the budget
// is spent it answers "maybe", which keeps the check sound.
type anchor struct {
	lits   []anchorLit
	prefix *anchorProg // nil: nothing before the literal
	suffix *anchorProg // nil: nothing after it
}

type anchorLit struct {
	b    []byte // lower-cased when fold
	fold bool   // ASCII case-insensitive occurrences
}

// anchorProg is a compiled part of the expression.
type anchorProg struct {
	prog    *syntax.Prog
	reverse bool // reads the input leftwards from the position
	// insts is prog's instructions as the check reads them, in one array
	// (the ASCII runes a rune instruction accepts beside its operands).
	insts []anchorInst
	// When hasFirst, a match is never empty and its first byte (its last,
	// for reverse) is in first: other positions fail at once.
	first    ByteSet
	hasFirst bool
}

// anchorInst is an instruction of an anchor's program: its op, operands
// and, for a rune instruction, the ASCII runes it accepts (runes beyond
// ASCII are decided by prog's instruction pc).
type anchorInst struct {
	ascii    [2]uint64
	out, arg uint32
	op       syntax.InstOp
}

// anchorBudget bounds the steps of one check; beyond it the check gives up
// and the full expression runs.
const anchorBudget = 1024

// anchorStack bounds the pending alternatives of one check.
const anchorStack = 32

// maxAnchorLits bounds the literals of an alternation anchor: each costs a
// search of the value.
const maxAnchorLits = 6

// newAnchor derives the anchor of a parsed expression, or nil when it has
// no literal part worth anchoring on.
func newAnchor(re *syntax.Regexp) *anchor {
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if lits := anchorLits(re); lits != nil {
		// The whole expression is a literal (or a few): its search is the
		// check, and a value that passes it matches.
		return &anchor{lits: lits}
	}
	if re.Op != syntax.OpConcat {
		return nil
	}
	best, bestScore := -1, 0
	var bestLits []anchorLit
	for i, sub := range re.Sub {
		lits := anchorLits(sub)
		if lits == nil {
			continue
		}
		// Prefer one literal, long ones, and those holding punctuation
		// (rarer in ordinary values than letters: ".php" over "http").
		score := 1 << 10
		for _, l := range lits {
			w := 2 * len(l.b)
			for _, c := range l.b {
				if byteWeight(c) <= 6 {
					w += 3
				}
			}
			score = min(score, w)
		}
		score -= len(lits)
		if best < 0 || score > bestScore {
			best, bestScore, bestLits = i, score, lits
		}
	}
	if best < 0 || len(re.Sub) == 1 {
		return nil
	}
	a := &anchor{lits: bestLits}
	part := func(subs []*syntax.Regexp) *syntax.Regexp {
		if len(subs) == 1 {
			return subs[0]
		}
		return &syntax.Regexp{Op: syntax.OpConcat, Flags: re.Flags, Sub: subs}
	}
	if best > 0 {
		a.prefix = newAnchorProg(reverseRegexp(part(re.Sub[:best])), true)
		if a.prefix == nil {
			return nil
		}
	}
	if best < len(re.Sub)-1 {
		a.suffix = newAnchorProg(part(re.Sub[best+1:]), false)
		if a.suffix == nil {
			return nil
		}
	}
	return a
}

func newAnchorProg(re *syntax.Regexp, reverse bool) *anchorProg {
	prog, err := syntax.Compile(re)
	if err != nil {
		return nil
	}
	p := &anchorProg{prog: prog, reverse: reverse, insts: make([]anchorInst, len(prog.Inst))}
	p.first, p.hasFirst = firstBytes(re)
	if p.hasFirst && reverse {
		// Read leftwards, a non-ASCII rune ends with a continuation byte.
		for b := 0x80; b <= 0xFF; b++ {
			if p.first.Has(byte(b)) {
				addInvalid(&p.first)
				break
			}
		}
	}
	for pc := range prog.Inst {
		in := &prog.Inst[pc]
		ai := &p.insts[pc]
		ai.op, ai.out, ai.arg = in.Op, in.Out, in.Arg
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			for r := rune(0); r < utf8.RuneSelf; r++ {
				if runeInst(in, r) {
					ai.ascii[r>>6] |= 1 << (r & 63)
				}
			}
		}
	}
	return p
}

// reverseRegexp returns an expression matching the reverse of every string
// re matches, with the text and line assertions swapped. It shares re's
// character classes.
func reverseRegexp(re *syntax.Regexp) *syntax.Regexp {
	out := *re
	switch re.Op {
	case syntax.OpLiteral:
		out.Rune = make([]rune, len(re.Rune))
		for i, r := range re.Rune {
			out.Rune[len(re.Rune)-1-i] = r
		}
	case syntax.OpBeginLine:
		out.Op = syntax.OpEndLine
	case syntax.OpEndLine:
		out.Op = syntax.OpBeginLine
	case syntax.OpBeginText:
		out.Op = syntax.OpEndText
	case syntax.OpEndText:
		out.Op = syntax.OpBeginText
	}
	if len(re.Sub) > 0 {
		out.Sub = make([]*syntax.Regexp, len(re.Sub))
		for i, s := range re.Sub {
			out.Sub[i] = reverseRegexp(s)
		}
		if re.Op == syntax.OpConcat {
			for i, j := 0, len(out.Sub)-1; i < j; i, j = i+1, j-1 {
				out.Sub[i], out.Sub[j] = out.Sub[j], out.Sub[i]
			}
		}
	}
	return &out
}

// anchorLits returns the literals of a concatenation part that can be
// searched for byte-wise (a literal, or a small alternation of literals),
// or nil.
func anchorLits(re *syntax.Regexp) []anchorLit {
	var subs []*syntax.Regexp
	switch re.Op {
	case syntax.OpLiteral:
		subs = []*syntax.Regexp{re}
	case syntax.OpAlternate:
		if len(re.Sub) > maxAnchorLits {
			return nil
		}
		subs = re.Sub
	default:
		return nil
	}
	out := make([]anchorLit, 0, len(subs))
	for _, s := range subs {
		l, ok := anchorable(s)
		if !ok {
			return nil
		}
		out = append(out, l)
	}
	return out
}

// anchorable returns a literal that can be searched for byte-wise: at least
// 2 bytes, no U+FFFD (Go's regexp matches it against any invalid byte), and
// under case folding only ASCII, without k or s (which fold to K and ſ).
func anchorable(re *syntax.Regexp) (anchorLit, bool) {
	if re.Op != syntax.OpLiteral {
		return anchorLit{}, false
	}
	l := anchorLit{fold: re.Flags&syntax.FoldCase != 0}
	for _, r := range re.Rune {
		if r == utf8.RuneError {
			return anchorLit{}, false
		}
		if l.fold {
			if r >= utf8.RuneSelf {
				return anchorLit{}, false
			}
			r = unicode.ToLower(r)
			if r == 'k' || r == 's' {
				return anchorLit{}, false
			}
		}
		l.b = utf8.AppendRune(l.b, r)
	}
	return l, len(l.b) >= 2
}

// mayMatch reports whether some occurrence of a literal in b has a match
// of the prefix before it and of the suffix after it (or a check gave up).
func (a *anchor) mayMatch(b []byte) bool { return a.mayMatchN(b, -1) }

// mayMatchN is mayMatch checking at most limit occurrences of the
// literals (limit < 0: all of them); beyond, it answers true (maybe). With
// an automaton to decide, a value with many occurrences is cheaper to scan
// once than to check at each.
func (a *anchor) mayMatchN(b []byte, limit int) bool {
	for _, l := range a.lits {
		for off := 0; ; {
			i := l.index(b[off:])
			if i < 0 {
				break
			}
			if limit == 0 {
				return true
			}
			limit--
			p := off + i
			// The prefix first: what precedes a literal is usually a short
			// separator, where the suffix can take many steps to fail.
			quick := limit >= 0
			if (a.prefix == nil || a.prefix.at(b, p, quick)) && (a.suffix == nil || a.suffix.at(b, p+len(l.b), quick)) {
				return true
			}
			off = p + 1
		}
	}
	return false
}

// index finds the literal in b, ASCII case-insensitively when folding.
func (l *anchorLit) index(b []byte) int {
	if !l.fold {
		return bytes.Index(b, l.b)
	}
	first := l.b[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - 'a' + 'A'
	}
	for i := 0; i+len(l.b) <= len(b); i++ {
		c := b[i]
		if c != first && c != upper {
			continue
		}
		ok := true
		for j := 1; j < len(l.b); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != l.b[j] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

type anchorJob struct {
	pc  uint32
	pos int32
}

// at reports whether the program matches b from pos (rightwards, or
// leftwards when reverse; any end), or the check ran out of its budget.
// A quick check gives up after the first, short run (an automaton
// decides then).
func (p *anchorProg) at(b []byte, pos int, quick bool) bool {
	if p.hasFirst {
		if p.reverse {
			if pos == 0 || !p.first.Has(b[pos-1]) {
				return false
			}
		} else if pos >= len(b) || !p.first.Has(b[pos]) {
			return false
		}
	}
	// Most checks fail within a few steps. One that does not may be
	// backtracking over ambiguous repetitions ([^?]*?[\w.]*): it runs
	// again, remembering the (instruction, position) pairs it has been
	// through, which bounds its work by the program size times a window.
	if m, done := p.run(b, pos, nil); done || quick {
		return m || !done
	}
	var visited [anchorMemoWords]uint64
	m, done := p.run(b, pos, &visited)
	return m || !done
}

// anchorFastSteps bounds a check without memory of the pairs visited.
const anchorFastSteps = 64

// anchorMemoWords is the size of the visited set of a check with memory:
// instructions × window positions, in bits.
const anchorMemoWords = 64

// run runs the program from pos; done is false when it gave up (budget,
// stack or window exhausted), and then the answer is unknown.
func (p *anchorProg) run(b []byte, start int, visited *[anchorMemoWords]uint64) (matched, done bool) {
	var stack [anchorStack]anchorJob
	n := 0
	stack[n] = anchorJob{uint32(p.prog.Start), int32(start)}
	n++
	steps, budget := 0, anchorFastSteps
	insts := p.insts
	window := 0 // positions remembered on each side of start
	if visited != nil {
		window = anchorMemoWords*64/len(insts) - 1
		if window < 8 {
			return false, false
		}
		budget = anchorBudget * 4
	}
	for n > 0 {
		n--
		pc, pos := stack[n].pc, int(stack[n].pos)
	thread:
		for {
			if steps++; steps > budget {
				return false, false
			}
			if visited != nil {
				d := pos - start
				if d < 0 {
					d = -d
				}
				if d > window {
					return false, false
				}
				bit := int(pc)*(window+1) + d
				if visited[bit>>6]&(1<<(bit&63)) != 0 {
					break thread // explored from here already
				}
				visited[bit>>6] |= 1 << (bit & 63)
			}
			in := &insts[pc]
			switch in.op {
			case syntax.InstMatch:
				return true, true
			case syntax.InstFail:
				break thread
			case syntax.InstAlt, syntax.InstAltMatch:
				if n == anchorStack {
					return false, false
				}
				// Follow Arg, keep Out: alternations compile to Alts nested
				// through Out, loops to an Alt whose Out is the body, so
				// either way the stack stays shallow.
				stack[n] = anchorJob{in.out, int32(pos)}
				n++
				pc = in.arg
			case syntax.InstCapture, syntax.InstNop:
				pc = in.out
			case syntax.InstEmptyWidth:
				left, right := rune(-1), rune(-1)
				if pos > 0 {
					left, _ = utf8.DecodeLastRune(b[:pos])
				}
				if pos < len(b) {
					right, _ = utf8.DecodeRune(b[pos:])
				}
				if p.reverse {
					left, right = right, left
				}
				if syntax.EmptyOp(in.arg)&^syntax.EmptyOpContext(left, right) != 0 {
					break thread
				}
				pc = in.out
			default: // rune instructions
				var c byte
				if p.reverse {
					if pos == 0 {
						break thread
					}
					c = b[pos-1]
				} else {
					if pos >= len(b) {
						break thread
					}
					c = b[pos]
				}
				if c < utf8.RuneSelf {
					if in.ascii[c>>6]&(1<<(c&63)) == 0 {
						break thread
					}
					if p.reverse {
						pos--
					} else {
						pos++
					}
				} else if p.reverse {
					r, w := utf8.DecodeLastRune(b[:pos])
					if !runeInst(&p.prog.Inst[pc], r) {
						break thread
					}
					pos -= w
				} else {
					r, w := utf8.DecodeRune(b[pos:])
					if !runeInst(&p.prog.Inst[pc], r) {
						break thread
					}
					pos += w
				}
				pc = in.out
			}
		}
	}
	return false, true
}

// runeInst reports whether a rune instruction accepts r.
func runeInst(in *syntax.Inst, r rune) bool {
	switch in.Op {
	case syntax.InstRuneAny:
		return true
	case syntax.InstRuneAnyNotNL:
		return r != '\n'
	}
	return in.MatchRune(r)
}

// firstBytes returns the bytes a non-empty match of re can start with,
// and whether re matches only non-empty strings that start with one of
// them (false when it can match the empty string or starts with any
// byte). Invalid UTF-8 bytes count as U+FFFD.
func firstBytes(re *syntax.Regexp) (ByteSet, bool) {
	s, nullable, ok := firstSet(re)
	return s, ok && !nullable
}

// firstSet returns the first bytes of re's non-empty matches, whether re
// matches the empty string, and false when the first bytes are unknown.
func firstSet(re *syntax.Regexp) (s ByteSet, nullable, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return s, true, true
	case syntax.OpNoMatch:
		return s, false, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return s, true, true
		}
		addRune(&s, re.Rune[0], re.Flags&syntax.FoldCase != 0)
		return s, false, true
	case syntax.OpCharClass:
		cs, ok := requiredBytes(re)
		return cs, false, ok
	case syntax.OpCapture, syntax.OpPlus:
		return firstSet(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		s, _, ok := firstSet(re.Sub[0])
		return s, true, ok
	case syntax.OpRepeat:
		s, n, ok := firstSet(re.Sub[0])
		return s, n || re.Min == 0, ok
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			cs, n, ok := firstSet(sub)
			if !ok {
				return s, false, false
			}
			s.union(&cs)
			if !n {
				return s, false, true
			}
		}
		return s, true, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			cs, n, ok := firstSet(sub)
			if !ok {
				return s, false, false
			}
			s.union(&cs)
			nullable = nullable || n
		}
		return s, nullable, true
	}
	return s, false, false // any character
}

// rareStart reports whether every byte of s is punctuation or a control
// byte (no letter, digit, space or non-ASCII byte) and there are at most
// maxRareStart of them: a match can then only start at a few positions
// of an ordinary value.
func rareStart(s *ByteSet) bool {
	n := 0
	for b := 0; b < 256; b++ {
		if !s.Has(byte(b)) {
			continue
		}
		if byteWeight(byte(b)) > 1 && b != '\n' && b != '\r' {
			return false
		}
		n++
	}
	return n > 0 && n <= maxRareStart
}

const maxRareStart = 16

// startAnchor runs an expression from the positions its matches can
// start at, when they are few (see rareStart).
type startAnchor struct {
	first ByteSet
	prog  *anchorProg
}

func newStartAnchor(re *syntax.Regexp) *startAnchor {
	re = re.Simplify()
	first, ok := firstBytes(re)
	if !ok || !rareStart(&first) {
		return nil
	}
	p := newAnchorProg(re, false)
	if p == nil {
		return nil
	}
	return &startAnchor{first: first, prog: p}
}

// mayMatch reports whether the expression matches b from one of the
// positions holding a first byte (or a check gave up; quick: see
// anchorProg.at).
func (a *startAnchor) mayMatch(b []byte, quick bool) bool {
	for i, c := range b {
		if a.first.Has(c) && a.prog.at(b, i, quick) {
			return true
		}
	}
	return false
}
