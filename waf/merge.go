package waf

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// mergedView evaluates the values of a view at less cost than one chain
// group at a time, for the groups whose chains leave most values as they
// are: every transformer has an unchanged-value check, and those that
// lowercase (lowercase, shell_unescape: see transform.KeepsFolded) come
// after the others. A value that the others keep is its own transformed
// form for the chains that do not lowercase, and, when the lowercasing
// transformers only lowercase it, its lowercased form for the chains that
// do: the targets of such groups are evaluated in two sets, one on each
// form (one set when the value has no upper-case letter), instead of group
// by group.
type mergedView struct {
	// fold has the bits (see Engine.fnKeep) of the lowercasing
	// transformers of the merged chains.
	fold uint32
	// mergedSets holds every merged group.
	mergedSets
	// rest are the view's other chain groups, evaluated one by one.
	rest []*chainGroup
	// without[k] merges the groups that do not have the lowercasing
	// transformer without[k].fn, for a value that it changes otherwise
	// (shell_unescape on a comma or a quote): the groups that have it are
	// then evaluated one by one, and the others merged.
	without []mergedWithout
	// partials are the merged evaluations of the groups left when a value
	// is changed by some of the other transformers (see partialView), by
	// the combination of those transformers (partialIndex), each built the
	// first time such a value comes; nil when fns has too many bits.
	partials []atomic.Pointer[partialView]
}

// partialView evaluates a value that the transformers miss (bits of
// Engine.fnKeep, not lowercasing ones) change: a value with a percent
// escape (url_decode), a comment (remove_comments) or an entity
// (html_entity_decode) has the groups that have them evaluated one by one
// (with), and the other groups merged (mv, nil when fewer than two).
type partialView struct {
	miss uint32
	mv   *mergedView
	with []*chainGroup
}

// maxPartialBits bounds the transformers (bits of mergedSets.fns) of a
// merged view that has partial views: one for each combination of them.
const maxPartialBits = 10

// partialIndex numbers miss, a combination of the bits of fns: the bits of
// miss, packed in the order of those of fns.
func partialIndex(miss, fns uint32) int {
	i, k := 0, 0
	for ; fns != 0; fns &= fns - 1 {
		if miss&fns&-fns != 0 {
			i |= 1 << k
		}
		k++
	}
	return i
}

// partial returns the partial view of mv for a value that the
// transformers miss change, building it the first time such a value comes
// (some hundred microseconds, once for each combination that values
// bring, at most maxPartialViews an engine), or nil when mv has none.
func (c *Context) partial(mv *mergedView, miss uint32) *partialView {
	if mv.partials == nil {
		return nil
	}
	slot := &mv.partials[partialIndex(miss, mv.fns)]
	if p := slot.Load(); p != nil {
		return p
	}
	// (the build is not charged to the request's time budget, as the
	// lazy operators' are not: see Context.build)
	t0 := time.Now()
	p := c.e.buildPartial(mv, miss, slot)
	c.excused += time.Since(t0)
	return p
}

// buildPartial builds the partial view of mv for miss into slot, unless
// another request did.
func (e *Engine) buildPartial(mv *mergedView, miss uint32, slot *atomic.Pointer[partialView]) *partialView {
	e.partialMu.Lock()
	defer e.partialMu.Unlock()
	p := slot.Load()
	if p == nil {
		if e.nPartials < maxPartialViews {
			e.nPartials++
			p = e.merger.partial(e, mv, miss)
		} else {
			// Past the bound, the groups one by one, as without partial
			// views: values crafted to bring every combination cost no
			// more memory.
			p = &partialView{miss: miss, with: mv.groups}
		}
		slot.Store(p)
	}
	return p
}

// maxPartialViews bounds the partial views an engine builds (each some
// tens of KiB; the whole corpus brings 66 of them, every combination of
// every view of the default ruleset 473, about 31 MiB).
const maxPartialViews = 128

// partial builds the partial view of mv for miss.
func (b *mergeBuilder) partial(e *Engine, mv *mergedView, miss uint32) *partialView {
	p := &partialView{miss: miss}
	var keep []*chainGroup
	for _, g := range mv.groups {
		if g.fns&miss != 0 {
			p.with = append(p.with, g)
		} else {
			keep = append(keep, g)
		}
	}
	if len(keep) >= 2 {
		p.mv = b.merged(e, keep)
		p.mv.partials = nil // (every transformer it has keeps the value)
	} else {
		p.with = mv.groups
	}
	return p
}

// mergedWithout is a merged view's evaluation for a value that one of its
// lowercasing transformers (fn) changes otherwise than by lowercasing it.
type mergedWithout struct {
	fn, fold uint32 // fold: the remaining groups' lowercasing transformers
	mergedSets
	with []*chainGroup // the groups that have fn
}

// mergedSets are the targets of chain groups that merge.
type mergedSets struct {
	// fns has the bits of the groups' transformers but the lowercasing
	// ones.
	fns uint32
	// raw holds the targets of the chains that do not lowercase, low the
	// others (nil when empty). lowChain is a chain that lowercases: its
	// transformers give a kept value's lowercased form.
	raw, low *targetSet
	lowChain *chainGroup
	// groups are the groups, evaluated one by one when their
	// transformers change the value.
	groups []*chainGroup
}

// merge sets the merged evaluation of the views whose chain groups allow
// it (two groups at least): once, when the engine warms up (or in New,
// when it does not), since it costs about as much as the rest of New.
// Until then, values are evaluated group by group, with the same result.
func (e *Engine) merge() {
	e.mergeOnce.Do(func() {
		for _, l := range e.lazySets {
			l.once.Do(l.build)
		}
		litsOf, nPats := e.litsOf, e.nPats
		e.litsOf = nil
		if litsOf == nil {
			return
		}
		fold := uint32(0)
		for n, f := range e.fnFold {
			if f != nil {
				fold |= 1 << n
			}
		}
		b := &mergeBuilder{litsOf: litsOf, nPats: nPats, firstOf: e.firstOf, fold: fold, seen: make([]uint32, e.nTargets)}
		// (partial views are built by requests while the views merge: with
		// a builder of their own)
		pb := *b
		pb.seen = make([]uint32, e.nTargets)
		e.merger = &pb
		for _, vs := range e.views {
			for _, vw := range vs {
				if mv := b.view(e, vw); mv != nil {
					vw.merged.Store(mv)
				}
			}
		}
	})
}

// mergeBuilder builds the merged sets of the views.
type mergeBuilder struct {
	litsOf  [][]int
	nPats   int
	firstOf []uint8
	fold    uint32 // the lowercasing transformers
	// seen[t] is gen when target t is in the list being built.
	seen []uint32
	gen  uint32
}

// view returns the merged evaluation of vw, or nil.
func (b *mergeBuilder) view(e *Engine, vw *view) *mergedView {
	mv := &mergedView{}
	var merged []*chainGroup
	for _, g := range vw.chains {
		switch {
		case len(g.targets) == 0:
		case b.mergeable(e, g):
			merged = append(merged, g)
		default:
			mv.rest = append(mv.rest, g)
		}
	}
	if len(merged) < 2 {
		return nil
	}
	m := b.merged(e, merged)
	m.rest = mv.rest
	return m
}

// merged returns the merged evaluation of groups, two mergeable groups at
// least.
func (b *mergeBuilder) merged(e *Engine, merged []*chainGroup) *mergedView {
	mv := &mergedView{}
	mv.mergedSets = b.sets(merged)
	if n := bits.OnesCount32(mv.fns); n <= maxPartialBits {
		mv.partials = make([]atomic.Pointer[partialView], 1<<n)
	}
	for _, g := range merged {
		mv.fold |= g.fns & b.fold
	}
	for rw := mv.fold & e.foldRewrites; rw != 0; rw &= rw - 1 {
		fn := rw & -rw
		w := mergedWithout{fn: fn}
		var others []*chainGroup
		for _, g := range merged {
			if g.fns&fn != 0 {
				w.with = append(w.with, g)
			} else {
				others = append(others, g)
				w.fold |= g.fns & b.fold
			}
		}
		if len(others) < 2 {
			continue
		}
		w.mergedSets = b.sets(others)
		mv.without = append(mv.without, w)
	}
	return mv
}

// mergeable reports whether chain group g can be merged: every
// transformer has an unchanged-value check, and the lowercasing ones come
// after the others.
func (b *mergeBuilder) mergeable(e *Engine, g *chainGroup) bool {
	if len(g.funcs) > 0 && !g.allFns {
		return false
	}
	folded := false
	for _, id := range g.prefix {
		n := e.stepFn[id]
		switch {
		case n < 32 && b.fold&(1<<n) != 0:
			folded = true
		case folded:
			return false
		}
	}
	return true
}

// sets merges groups. A target of several chains (an input listed twice,
// with two transformer lists) is in each set once: it is evaluated once a
// form of the value.
func (b *mergeBuilder) sets(groups []*chainGroup) mergedSets {
	ms := mergedSets{groups: groups}
	var low bool
	for _, g := range groups {
		ms.fns |= g.fns &^ b.fold
		if len(g.funcs) > 0 && g.fns&b.fold != 0 {
			ms.lowChain, low = g, true
		}
	}
	ms.raw = b.set(groups, func(g *chainGroup) bool { return g.fns&b.fold == 0 })
	if low {
		ms.low = b.set(groups, func(g *chainGroup) bool { return g.fns&b.fold != 0 })
	}
	return ms
}

// set returns the index of the targets of the groups that keep selects,
// or nil when they have none.
func (b *mergeBuilder) set(groups []*chainGroup, keep func(*chainGroup) bool) *targetSet {
	b.gen++
	var ts []*target
	for _, g := range groups {
		if !keep(g) {
			continue
		}
		for _, t := range g.targets {
			if b.seen[t.idx] != b.gen {
				b.seen[t.idx] = b.gen
				ts = append(ts, t)
			}
		}
	}
	if len(ts) == 0 {
		return nil
	}
	// (numbers and booleans are evaluated group by group)
	return newTargetSet(ts, b.litsOf, b.nPats, b.firstOf)
}
