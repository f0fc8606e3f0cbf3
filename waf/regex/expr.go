package regex

import (
	"regexp"
	"regexp/syntax"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart/waf/literal"
)

// Expr is a regular expression prepared for the WAF: parsed (and
// validated) by Parse, analyzed for its prefilters on first request, and
// compiled on first use, so that the many expressions no value reaches
// cost little. The syntax is Go's RE2 syntax (syntax.Perl, as
// regexp.Compile parses).
//
// An Expr must not be copied once used. Its methods are safe for
// concurrent use, except RequiredLiterals, RequiredBytes and Branches,
// which are meant to be called while a ruleset compiles, before any
// concurrent use.
type Expr struct {
	// expr is the expression; a branch of a known expression (see
	// known.go) holds its spans of the whole expression instead, and
	// expr is built when it compiles.
	expr  string
	spans string
	// known is the offset + 1 of the expression's record in knownBlob,
	// 0 when it is not known.
	known int
	// pref, for a branch of a known expression, is the offset + 1 of its
	// prefilters in knownBlob, decoded by analyze.
	pref int
	tree *syntax.Regexp
	// once builds run, on first use.
	once sync.Once
	run  *program
	// lits and bytes are the prefilters, computed by analyze.
	analyzed bool
	lits     []string
	bytes    *ByteFilter
}

// program is what an expression compiles to on first use, kept apart
// from Expr so that the many branches never evaluated stay small.
type program struct {
	// re is Go's regexp, compiled on first use (see regexp): once the
	// automaton is built, only a match needs it, for its positions.
	reOnce  sync.Once
	re      *regexp.Regexp
	reBuilt atomic.Bool
	// tree is the expression's parse, kept for the automaton.
	tree *syntax.Regexp
	// anchor, or start, is a cheap check that runs before re (nil when
	// the expression has none).
	anchor *anchor
	start  *startAnchor
	// dfa decides whether the expression matches, so that re only runs
	// for the positions of a match. It is built the first time a value
	// gets past the anchor (see automaton); noDFA is set when it cannot be
	// built or has given up.
	dfaOnce sync.Once
	dfa     *dfa
	noDFA   atomic.Bool
	// tries counts the values that got past the anchor before the
	// automaton was built; dfaBuilt is set once it is.
	tries    atomic.Int32
	dfaBuilt atomic.Bool
	// find finds a match's positions without Go's unanchored NFA (see
	// finder), built the first time a long value matches.
	find finder
}

// DFAAfter is how many values Go's regexp decides for an expression before
// its automaton is built (by the next Find, or Build): most branches are
// rarely reached, and an automaton costs its program and states in memory.
const DFAAfter = 8

// Parse prepares expr. An expression of the table of known expressions
// (see known.go) is not parsed again: it was parsed, validated and
// analyzed when the table was generated. Other expressions are parsed with
// syntax.Perl, the flags regexp.Compile uses, so that the errors are the
// ones regexp.Compile reports.
func Parse(expr string) (*Expr, error) {
	if rec := lookupKnown(expr); rec != 0 {
		return &Expr{expr: expr, known: rec}, nil
	}
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return &Expr{expr: expr, tree: tree}, nil
}

// maxBranches bounds the decomposition of an expression into branches:
// beyond it the per-branch bookkeeping outweighs the gain.
const maxBranches = 64

// Branches splits an expression whose top level is an alternation
// (possibly between a fixed prefix and suffix, as in `\b(?:a|b|c)\s*\(`)
// into one expression per alternative, whose union matches what e
// matches; each has its own prefilters, so that a value need only run the
// alternatives whose literals it contains. It returns nil when the
// expression does not split, or when no alternative has a literal. The
// branches are returned in one slice, to be used in place (an Expr must
// not be copied once used).
//
// The split is done on the source text (syntax.Regexp.String is far too
// slow on large case-folded classes to be used at load time). A branch's
// syntax tree is the one syntax.Parse gives for its text, built from its
// alternative's tree and a template of its parent parsed once for all of
// the group's alternatives (see branchTree), or else parsed from its text,
// so that a branch that does not parse cancels the split; its prefilters
// are analyzed as soon as it has its tree.
func (e *Expr) Branches() []Expr {
	if e.known != 0 {
		return e.knownBranches()
	}
	exprs := splitAll(e.expr)
	if len(exprs) < 2 {
		return nil
	}
	out := make([]Expr, len(exprs))
	var la literal.Analyzer
	for i := range exprs {
		b := &exprs[i]
		bt := branchTree(b)
		if bt == nil {
			t, err := syntax.Parse(b.text, syntax.Perl)
			if err != nil {
				return nil
			}
			bt = t
		}
		out[i].expr, out[i].tree = b.text, bt
		// Analyzed now, while its tree is in the cache (analyze drops it),
		// with the subtrees it shares with the other branches analyzed once.
		out[i].analyzeWith(&la)
	}
	if !anyLiterals(out) {
		return nil
	}
	e.tree = nil // analyze parses again if the whole expression is ever asked for
	return out
}

// anyLiterals reports whether one of the branches has literals. A split
// none of whose branches gains a literal is refused: each branch would
// be a target of its own, checked against every value its byte filter
// lets through, where the whole expression is one.
func anyLiterals(bs []Expr) bool {
	for i := range bs {
		if bs[i].lits != nil {
			return true
		}
	}
	return false
}

// Cost estimates the work of splitting the expression and analyzing its
// prefilters: the length of its text, 0 when it is known in advance (see
// known.go).
func (e *Expr) Cost() int {
	if e.known != 0 || e.pref != 0 || e.spans != "" {
		return 0
	}
	return len(e.expr)
}

// String returns the expression's text. It compiles the expression, as
// Find would.
func (e *Expr) String() string {
	e.compiled()
	return e.expr
}

// compiled returns the compiled expression, compiling it on first use. An
// expression that parsed always compiles (only program size limits could
// refuse it, and syntax.Parse enforces them); if not, it never matches.
func (e *Expr) compiled() *program {
	e.once.Do(func() {
		if e.spans != "" {
			e.expr = knownBranchText(e.expr, e.spans)
		}
		run := &program{}
		if tree, err := syntax.Parse(e.expr, syntax.Perl); err == nil {
			run.tree = tree
			if run.anchor = newAnchor(tree); run.anchor == nil {
				run.start = newStartAnchor(tree)
			}
		} else {
			run.reOnce.Do(func() { run.re = matchNothing })
			run.noDFA.Store(true)
		}
		e.run = run
	})
	return e.run
}

// matchNothing is the regexp of an expression that does not compile.
var matchNothing = regexp.MustCompile(`[^\x00-\x{10FFFF}]`)

// regexp returns Go's regexp of the expression, compiling it on first
// use.
func (r *program) regexp(expr string) *regexp.Regexp {
	r.reOnce.Do(func() {
		re, err := regexp.Compile(expr)
		if err != nil {
			re = matchNothing
		}
		r.re = re
		r.reBuilt.Store(true)
	})
	return r.re
}

// automaton returns the expression's automaton, building it on first
// use, or nil.
func (r *program) automaton(expr string) *dfa {
	r.dfaOnce.Do(func() {
		tree := r.tree
		if tree == nil {
			tree, _ = syntax.Parse(expr, syntax.Perl)
		}
		if tree != nil {
			r.dfa = newDFA(tree)
		}
		if r.dfa == nil {
			r.noDFA.Store(true)
		}
		r.dfaBuilt.Store(true)
	})
	return r.dfa
}

// Find returns the leftmost match of the expression in b, as Go's regexp
// finds it. Deciding whether there is a match needs no positions: it is
// left to the anchor and the automaton, or the regexp package's faster
// paths; the positions are only computed for a match.
func (e *Expr) Find(b []byte) (start, end int, ok bool) {
	run, res := e.decide(b)
	if res == dfaNo {
		return 0, 0, false
	}
	re := run.regexp(e.expr)
	if res == dfaUnknown && !re.Match(b) {
		return 0, 0, false
	}
	if len(b) > findDirect && !noDFA && run.find.matches.Add(1) > 1 {
		run.find.build(e.expr, run.tree)
		if start, end, ok := run.find.find(b); ok {
			return start, end, true
		}
	}
	loc := re.FindIndex(b)
	if loc == nil {
		return 0, 0, false
	}
	return loc[0], loc[1], true
}

// Match reports whether the expression matches b, as Find would, without
// the positions.
func (e *Expr) Match(b []byte) bool {
	run, res := e.decide(b)
	switch res {
	case dfaNo:
		return false
	case dfaYes:
		return true
	}
	return run.regexp(e.expr).Match(b)
}

// decide runs the anchor and the automaton on b: dfaNo, dfaYes, or
// dfaUnknown when they could not tell.
func (e *Expr) decide(b []byte) (*program, dfaResult) {
	run := e.compiled()
	useDFA := !noDFA && !run.noDFA.Load()
	limit := -1
	if useDFA {
		limit = anchorChecksBeforeDFA
	}
	if run.start != nil && !run.start.mayMatch(b, useDFA) || run.anchor != nil && !run.anchor.mayMatchN(b, limit) {
		return run, dfaNo
	}
	res := dfaUnknown
	if useDFA && (run.dfaBuilt.Load() || run.tries.Add(1) > DFAAfter) {
		if d := run.automaton(e.expr); d != nil {
			if res = d.match(b); res == dfaUnknown && d.disabled.Load() {
				run.noDFA.Store(true)
			}
		}
	}
	return run, res
}

// RequiredBytes returns the expression's byte filter (nil when it has
// none): a value that does not pass it cannot match. It is computed on
// first call: when an expression is split into branches, only the
// branches' filters are ever needed.
func (e *Expr) RequiredBytes() *ByteFilter {
	e.analyze()
	return e.bytes
}

// RequiredLiterals returns literals one of which every match holds, as
// literal.Required computes them (nil when there are none), computed on
// first call. The slice may be shared and must not be modified.
func (e *Expr) RequiredLiterals() []string {
	e.analyze()
	return e.lits
}

// Known reports whether the expression's analysis comes from the table
// built in advance (the default ruleset's expressions): its prefilters
// and branches are then decoded, not computed.
func (e *Expr) Known() bool { return e.known != 0 }

// analyze computes the prefilters once. It runs while a ruleset
// compiles, before any concurrent use.
func (e *Expr) analyze() { e.analyzeWith(nil) }

// analyzeWith is analyze, with the literals computed by la when not nil.
func (e *Expr) analyzeWith(la *literal.Analyzer) {
	if e.analyzed {
		return
	}
	e.analyzed = true
	if e.pref != 0 {
		r := knownReader{e.pref - 1}
		e.lits, e.bytes = r.prefilters()
		return
	}
	if e.known != 0 {
		e.lits, e.bytes = knownPrefilters(e.known)
		return
	}
	tree := e.tree
	if tree == nil {
		t, err := syntax.Parse(e.expr, syntax.Perl)
		if err != nil {
			return
		}
		tree = t
	}
	if la != nil {
		e.lits = la.Required(tree)
	} else {
		e.lits = literal.Required(tree)
	}
	e.bytes = byteFilterOf(tree)
	e.tree = nil // the parse tree is large; the prefilters are all it was kept for
}

// BuildState says what an Expr has left to build (see Pending).
type BuildState uint8

// The build states.
const (
	// Built: nothing is left to build, ever.
	Built BuildState = iota
	// BuildNext: the next Find would build something.
	BuildNext
	// BuildLater: the next Find builds nothing, a later one may.
	BuildLater
)

// Pending says what the next Find would build: the anchor is built on
// first use (Pending builds it), Go's regexp when it decides values (until
// the automaton is built, or without one), the automaton once DFAAfter
// values have reached the expression. With the automaton built, the
// regexp is compiled by the first match, for its positions: that is not
// counted as pending.
func (e *Expr) Pending() BuildState {
	run := e.compiled()
	switch {
	case noDFA || run.noDFA.Load():
		if !run.reBuilt.Load() {
			return BuildNext
		}
		return Built
	case run.dfaBuilt.Load():
		return Built
	case run.tries.Load() >= DFAAfter:
		// Find counts the value and builds the automaton past DFAAfter.
		return BuildNext
	case !run.reBuilt.Load():
		return BuildNext
	}
	return BuildLater
}

// Build builds what the next Find would, now: the matcher and anchor on
// the first call, the automaton once DFAAfter values have reached the
// expression.
func (e *Expr) Build() {
	run := e.compiled()
	if !noDFA && !run.noDFA.Load() && !run.dfaBuilt.Load() && run.tries.Load() >= DFAAfter {
		run.automaton(e.expr)
	}
	if noDFA || run.noDFA.Load() || !run.dfaBuilt.Load() {
		run.regexp(e.expr) // it decides the values until the automaton is built
	}
}

// BuildAll builds the anchor and the automaton, and Go's regexp when
// there is no automaton (with one, only a match needs the regexp).
func (e *Expr) BuildAll() {
	run := e.compiled()
	if !noDFA && !run.noDFA.Load() {
		run.automaton(e.expr)
	}
	if noDFA || run.noDFA.Load() {
		run.regexp(e.expr)
	}
}
