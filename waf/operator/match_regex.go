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
	once   sync.Once
	re     *regexp.Regexp
	minLen int
	lits   []string
	bytes  *ByteSet
}

var (
	_ Operator    = (*matchRegex)(nil)
	_ Prefiltered = (*matchRegex)(nil)
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
	return &matchRegex{expr: expr, minLen: opt.MinLength, lits: literal.Required(tree), bytes: byteFilterOf(tree)}, nil
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
