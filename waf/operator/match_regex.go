package operator

import (
	"fmt"
	"regexp"
	"regexp/syntax"

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
type matchRegex struct {
	re     *regexp.Regexp
	minLen int
	lits   []string
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
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: %v", "regex", err)
	}
	// regexp.Compile parses with syntax.Perl; the analysis sees the same tree.
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: %v", "regex", err)
	}
	return &matchRegex{re: re, minLen: opt.MinLength, lits: literal.Required(tree)}, nil
}

// Eval implements Operator.
func (o *matchRegex) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return "", false
	}
	loc := o.re.FindIndex(v.Bytes)
	if loc == nil {
		return "", false
	}
	return string(v.Bytes[loc[0]:loc[1]]), true
}

// RequiredLiterals implements Prefiltered.
func (o *matchRegex) RequiredLiterals() []string { return o.lits }
