// Package regex is the regular-expression engine behind the WAF's
// match_regex operator: Go's RE2 syntax and answers (the same matches as
// package regexp, leftmost first), with the work arranged for a ruleset of
// many expressions run over many short values, most of which match
// nothing.
//
// An Expr is parsed when a ruleset loads (Parse) and compiled on first use.
// Deciding whether a value matches goes through, in order:
//
//   - Prefilters, which the engine checks before calling Find:
//     RequiredLiterals (literals one of which every match holds, from
//     waf/literal) and RequiredBytes (a ByteFilter: sets of bytes, a byte
//     of each of which every match holds, for expressions that require
//     punctuation rather than words, such as `[;&|]\s*id`).
//   - An anchor: for an expression that is prefix · literal · suffix, the
//     prefix (run backwards) and suffix are checked at each occurrence of
//     the literal by a small backtracking matcher with a step budget; for
//     one whose matches can only start at a few rare bytes, the expression
//     is checked from those positions only. A value no occurrence passes
//     does not match.
//   - A lazily built DFA: each state is the set of instructions a Thompson
//     simulation of the expression's program would be at, each transition
//     is computed the first time it is taken and then costs one table load
//     per byte. The automaton is built once DFAAfter values have reached
//     the expression, its cache is bounded, and it is shared by every
//     goroutine (transitions are published atomically).
//   - Go's regexp, only for the positions of a match, or when the
//     automaton gives up on a value.
//
// Branches splits an expression whose top level is an alternation into one
// expression per alternative, so that each gets its own, more selective,
// prefilters.
//
// # Known expressions
//
// The parse, split and prefilter analysis of the default ruleset's
// expressions are done ahead of time and embedded (known_table.bin): Parse
// looks an expression up by a hash of its text and, when it is known, skips
// that work, which is most of what loading the default ruleset costs. The
// table is written by `go generate ./waf/regex` (EncodeKnown is its
// format), and a test fails while it is stale.
package regex
