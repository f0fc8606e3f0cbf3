package operator

import "github.com/rampartsec/rampart/waf/regex"

// Lazy is implemented by operators that build part of their matcher on
// first use rather than when the ruleset loads: match_regex compiles its
// matcher and its anchor on its first evaluation and its automaton once
// values keep reaching it (see regex.Expr), phrase_match builds its
// automaton on its first evaluation (unless it is known in advance), so
// that a ruleset loads fast and the operators no value reaches cost
// nothing.
//
// Building is a one-time cost per operator, bounded by the ruleset, that
// an attacker cannot make a process pay twice; the engine calls Build
// before the evaluation that would build, times it, and does not charge it
// to the request's time budget, so that a fresh process's first requests
// are evaluated as fully as a warm one's. Both methods are safe for
// concurrent use with Eval.
type Lazy interface {
	// Pending says what the next Eval would build.
	Pending() BuildState
	// Build builds what the next Eval would, now.
	Build()
	// BuildAll builds everything at once, what later evaluations would
	// build included (an engine's warm-up calls it for the operators that
	// ordinary values reach).
	BuildAll()
}

// BuildState says what a Lazy operator has left to build.
type BuildState uint8

// The build states.
const (
	// Built: nothing is left to build, ever.
	Built BuildState = iota
	// BuildNext: the next evaluation would build something.
	BuildNext
	// BuildLater: the next evaluation builds nothing, a later one may.
	BuildLater
)

var _ Lazy = (*matchRegex)(nil)

// Pending implements Lazy.
func (o *matchRegex) Pending() BuildState {
	switch o.re.Pending() {
	case regex.Built:
		return Built
	case regex.BuildNext:
		return BuildNext
	}
	return BuildLater
}

// Build implements Lazy: the expression's matcher and anchor are compiled
// on the first call, and the automaton once enough values have reached the
// expression.
func (o *matchRegex) Build() { o.re.Build() }

// BuildAll implements Lazy: the matcher, the anchor and the automaton.
func (o *matchRegex) BuildAll() { o.re.BuildAll() }
