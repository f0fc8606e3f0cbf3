package operator

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sync"

	"github.com/rampartsec/rampart/waf/literal"
)

// matchRegex matches a string (or map key) in which the regular expression
// "regex" finds a match anywhere. The syntax is Go's RE2 syntax, the family
// libddwaf uses. Options:
//   - "case_sensitive" (default false): when false the expression is
//     compiled with (?i).
//   - "min_length": values shorter than this many bytes never match.
//
// The highlight is the leftmost match.
//
// The expression is parsed (and validated) when the ruleset loads, but the
// matcher is compiled on first use: the prefilters keep most expressions
// from ever running in a short-lived process, so their compilation is not
// paid at cold start.
type matchRegex struct {
	expr   string
	tree   *syntax.Regexp
	once   sync.Once
	re     *regexp.Regexp
	minLen int
	lits   []string
	bytes  *ByteSet
}

var (
	_ Operator     = (*matchRegex)(nil)
	_ Prefiltered  = (*matchRegex)(nil)
	_ ByteFiltered = (*matchRegex)(nil)
	_ Decomposable = (*matchRegex)(nil)
)

func init() { register("match_regex", newMatchRegex) }

// regexOptions are match_regex's "options".
type regexOptions struct {
	CaseSensitive bool `json:"case_sensitive"`
	MinLength     int  `json:"min_length"`
}

func newMatchRegex(p Params) (Operator, error) {
	var expr string
	if err := p.Decode("regex", &expr); err != nil {
		return nil, err
	}
	var opt regexOptions
	if p.Has("options") {
		if err := p.Decode("options", &opt); err != nil {
			return nil, err
		}
	}
	if opt.MinLength < 0 {
		return nil, fmt.Errorf("parameter %q: negative min_length %d", "options", opt.MinLength)
	}
	if !opt.CaseSensitive {
		expr = "(?i)" + expr
	}
	// regexp.Compile parses with syntax.Perl; the analysis sees the same
	// tree, and the same errors are reported here.
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: error parsing regexp: %v", "regex", err)
	}
	return &matchRegex{expr: expr, tree: tree, minLen: opt.MinLength, lits: literal.Required(tree), bytes: byteFilterOf(tree)}, nil
}

// maxBranches bounds the decomposition of an expression into branches:
// beyond it the per-branch bookkeeping outweighs the gain.
const maxBranches = 64

// Branches implements Decomposable: an expression whose top level is an
// alternation (possibly between a fixed prefix and suffix, as in
// `\b(?:a|b|c)\s*\(`) is split into one expression per alternative, each
// with its own prefilter, so that a value runs only the alternatives whose
// literals it contains instead of the whole expression. It returns nil when
// the expression does not split.
func (o *matchRegex) Branches() []Operator {
	tree := o.tree.Simplify()
	for tree.Op == syntax.OpCapture {
		tree = tree.Sub[0]
	}
	var alts []*syntax.Regexp
	switch tree.Op {
	case syntax.OpAlternate:
		alts = tree.Sub
	case syntax.OpConcat:
		at := -1
		for i, sub := range tree.Sub {
			for sub.Op == syntax.OpCapture {
				sub = sub.Sub[0]
			}
			if sub.Op == syntax.OpAlternate {
				if at >= 0 {
					return nil // two alternations: would multiply
				}
				at = i
			}
		}
		if at < 0 {
			return nil
		}
		alt := tree.Sub[at]
		for alt.Op == syntax.OpCapture {
			alt = alt.Sub[0]
		}
		for _, b := range alt.Sub {
			subs := make([]*syntax.Regexp, 0, len(tree.Sub))
			subs = append(subs, tree.Sub[:at]...)
			subs = append(subs, b)
			subs = append(subs, tree.Sub[at+1:]...)
			alts = append(alts, &syntax.Regexp{Op: syntax.OpConcat, Sub: subs})
		}
	}
	if len(alts) < 2 || len(alts) > maxBranches {
		return nil
	}
	out := make([]Operator, 0, len(alts))
	for _, b := range alts {
		expr := b.String()
		bt, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			return nil
		}
		out = append(out, &matchRegex{expr: expr, tree: bt, minLen: o.minLen, lits: literal.Required(bt), bytes: byteFilterOf(bt)})
	}
	return out
}

// compiled returns the compiled expression, compiling it on first use. An
// expression that parsed always compiles (only program size limits could
// refuse it, and syntax.Parse enforces them); if not, it never matches.
func (o *matchRegex) compiled() *regexp.Regexp {
	o.once.Do(func() {
		re, err := regexp.Compile(o.expr)
		if err != nil {
			re = regexp.MustCompile(`[^\x00-\x{10FFFF}]`) // matches nothing
		}
		o.re = re
	})
	return o.re
}

// Eval implements Operator.
func (o *matchRegex) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return "", false
	}
	loc := o.compiled().FindIndex(v.Bytes)
	if loc == nil {
		return "", false
	}
	return string(v.Bytes[loc[0]:loc[1]]), true
}

// RequiredBytes implements ByteFiltered.
func (o *matchRegex) RequiredBytes() *ByteSet { return o.bytes }

// RequiredLiterals implements Prefiltered.
func (o *matchRegex) RequiredLiterals() []string { return o.lits }
