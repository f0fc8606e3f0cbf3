package regex

import (
	"regexp"
	"regexp/syntax"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Finding a match's positions. Go's regexp finds the leftmost match by
// running its NFA from the start of the value, a thread for every
// position: on a large expression that costs tens of microseconds for a
// few hundred bytes, once the automaton has already said there is a match.
// The leftmost start is found instead by an anchored automaton tried at
// each position in turn (most tries die within a few bytes), and Go's
// regexp then runs anchored there, with the byte before it as context, so
// that the match is the one FindIndex returns: the same start, and the
// same end by the expression's own priorities.

// findDirect is the length up to which FindIndex runs on the whole value:
// short values cost it little.
const findDirect = 64

// findSteps bounds the bytes the anchored tries step through, per byte of
// the value, before FindIndex is left to do it.
const findSteps = 8

// finder is what an expression needs to find positions fast: the anchored
// automaton and the anchored regexps (from the start of the value, and
// after one rune of context). It is built by the second long match of
// the expression: the first, often a cold start's first attack, pays only
// FindIndex, as it did, and not two more compilations.
type finder struct {
	matches  atomic.Int32
	once     sync.Once
	dfa      *dfa
	atStart  *regexp.Regexp
	afterOne *regexp.Regexp
}

// newAnchoredDFA builds the anchored automaton of a parsed expression, or
// returns nil.
func newAnchoredDFA(tree *syntax.Regexp) *dfa {
	d := newDFA(tree)
	if d == nil {
		return nil
	}
	d.anchored, d.hasSkip, d.beginOnly = true, false, false
	d.resetStates()
	return d
}

// build prepares the finder of expr, once; f.dfa stays nil when it cannot.
func (f *finder) build(expr string, tree *syntax.Regexp) {
	f.once.Do(func() {
		if tree == nil {
			var err error
			if tree, err = syntax.Parse(expr, syntax.Perl); err != nil {
				return
			}
		}
		a, err1 := regexp.Compile(`\A(?:` + expr + `)`)
		b, err2 := regexp.Compile(`\A(?s:.)(?:` + expr + `)`)
		if err1 != nil || err2 != nil {
			return
		}
		f.atStart, f.afterOne = a, b
		f.dfa = newAnchoredDFA(tree)
	})
}

// find returns the leftmost match of the expression in b as Go's
// regexp's FindIndex does, when b is known to hold one; ok is false when
// it could not tell (FindIndex is then the way).
func (f *finder) find(b []byte) (start, end int, ok bool) {
	d := f.dfa
	if d == nil || d.disabled.Load() {
		return 0, 0, false
	}
	budget := findSteps*len(b) + 64
	for p := 0; ; {
		found, steps, sure := d.matchAt(b, p, budget)
		if !sure {
			return 0, 0, false
		}
		if found {
			if p == 0 {
				loc := f.atStart.FindIndex(b)
				if loc == nil {
					return 0, 0, false
				}
				return 0, loc[1], true
			}
			// The rune before p is context: Go's regexp reads \b and (?m)^
			// from it, and (?s:.) takes it, one byte for a rune that is
			// not valid from there.
			_, w := utf8.DecodeLastRune(b[:p])
			loc := f.afterOne.FindIndex(b[p-w:])
			if loc == nil || loc[1] < w {
				return 0, 0, false
			}
			return p, p - w + loc[1], true
		}
		budget -= steps
		if p >= len(b) || budget <= 0 {
			return 0, 0, false
		}
		_, w := utf8.DecodeRune(b[p:])
		p += w
	}
}

// matchAt reports whether a match of the anchored automaton d starts at p
// in b, and how many bytes it stepped through; sure is false when it
// could not tell (its cache gave up, or the budget of steps ran out).
func (d *dfa) matchAt(b []byte, p, budget int) (found bool, steps int, sure bool) {
	t := d.tab.Load()
	nc := uint32(d.nclass)
	k := uint8(prevStart)
	if p > 0 {
		r, _ := utf8.DecodeLastRune(b[:p])
		k = kindOf(r)
	}
	row := (4 + uint32(k)) * nc
	built, slow := 0, 0
	for i := p; i < len(b); {
		if steps++; steps > budget {
			return false, steps, false
		}
		c := b[i]
		var e uint32
		if c < utf8.RuneSelf {
			cl := uint32(d.class[c])
			if e = t.rows[row+cl].Load(); e == 0 {
				if built++; built > maxDFABuild {
					return false, steps, false
				}
				if t, e = d.slowStep(t, row/nc, int(cl), rune(c)); e == 0 {
					return false, steps, false
				}
			}
			i++
		} else {
			r, w := utf8.DecodeRune(b[i:])
			i += w
			if cl := d.runeClass(r); cl >= 0 {
				if e = t.rows[row+uint32(cl)].Load(); e == 0 {
					if built++; built > maxDFABuild {
						return false, steps, false
					}
					t, e = d.slowStep(t, row/nc, cl, r)
				}
			} else {
				if slow++; slow > maxDFASlow {
					return false, steps, false
				}
				t, e = d.slowStep(t, row/nc, -1, r)
			}
			if e == 0 {
				return false, steps, false
			}
		}
		if e&dfaMatchBit != 0 {
			return true, steps, true
		}
		if e&dfaDeadBit != 0 {
			return false, steps, true
		}
		row = e&dfaIDMask - 1
	}
	return d.matchesAtEnd(t.states[row/nc].Load()), steps, true
}
