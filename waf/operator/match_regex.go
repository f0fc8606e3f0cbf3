package operator

import (
	"bytes"
	"fmt"

	"github.com/rampartsec/rampart/waf/regex"
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
// matcher is compiled on first use (see regex.Expr): the prefilters keep
// most expressions from ever running in a short-lived process, so their
// compilation is not paid at cold start.
type matchRegex struct {
	re *regex.Expr
	// minLen is the "min_length" option.
	minLen int
	// branches are the operator's branches once split (split is set).
	branches []Operator
	split    bool
}

// Known reports whether the expression's analysis is decoded from the
// table built in advance (see regex.Expr.Known).
func (m *matchRegex) Known() bool { return m.re.Known() }

// ByteSet is a set of byte values, as a 256-bit bitmap (see regex.ByteSet).
type ByteSet = regex.ByteSet

// ByteFilter is a conjunction of byte sets: a value can only match when,
// for every set, it contains a byte of that set (see regex.ByteFilter).
type ByteFilter = regex.ByteFilter

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

// plain decodes raw into o when it is an object of case_sensitive (a
// boolean) and min_length (digits) alone, as json.Unmarshal would; it
// reports false, leaving o unchanged, for anything else.
func (o *regexOptions) plain(raw []byte) bool {
	v := *o
	i := 0
	skip := func() {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
	}
	skip()
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i++
	skip()
	if i < len(raw) && raw[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := plainStringAt(raw, i)
			if !ok {
				return false
			}
			i = j
			skip()
			if i >= len(raw) || raw[i] != ':' {
				return false
			}
			i++
			skip()
			switch rest := raw[i:]; {
			case key == "case_sensitive" && bytes.HasPrefix(rest, []byte("true")):
				v.CaseSensitive, i = true, i+4
			case key == "case_sensitive" && bytes.HasPrefix(rest, []byte("false")):
				v.CaseSensitive, i = false, i+5
			case key == "min_length" && len(rest) > 0 && '1' <= rest[0] && rest[0] <= '9':
				n := 0
				for i < len(raw) && '0' <= raw[i] && raw[i] <= '9' && n < 1e9 {
					n = n*10 + int(raw[i]-'0')
					i++
				}
				if i < len(raw) && ('0' <= raw[i] && raw[i] <= '9' || raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E') {
					return false
				}
				v.MinLength = n
			case key == "min_length" && len(rest) > 0 && rest[0] == '0':
				v.MinLength, i = 0, i+1
				if i < len(raw) && ('0' <= raw[i] && raw[i] <= '9' || raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E') {
					return false
				}
			default:
				return false
			}
			skip()
			if i >= len(raw) {
				return false
			}
			if raw[i] == '}' {
				i++
				break
			}
			if raw[i] != ',' {
				return false
			}
			i++
			skip()
		}
	}
	skip()
	if i != len(raw) {
		return false
	}
	*o = v
	return true
}

func newMatchRegex(p Params) (Operator, error) {
	var expr string
	if err := p.Decode("regex", &expr); err != nil {
		return nil, err
	}
	var opt regexOptions
	if raw, ok := p.Raw["options"]; ok {
		if !opt.plain(raw) {
			if err := p.Decode("options", &opt); err != nil {
				return nil, err
			}
		}
	}
	if opt.MinLength < 0 {
		return nil, fmt.Errorf("parameter %q: negative min_length %d", "options", opt.MinLength)
	}
	if !opt.CaseSensitive {
		expr = "(?i)" + expr
	}
	re, err := regex.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("parameter %q: error parsing regexp: %v", "regex", err)
	}
	return &matchRegex{re: re, minLen: opt.MinLength}, nil
}

// Branches implements Decomposable: an expression whose top level is an
// alternation is split into one expression per alternative (see
// regex.Expr.Branches), each with its own prefilter, so that a value runs
// only the alternatives whose literals it contains instead of the whole
// expression. It returns nil when the expression does not split.
//
// The split is made on the first call, and later calls return the same
// branches, so that an engine can split its operators ahead, on all CPUs,
// and find them split when it compiles. It is not safe for concurrent
// use.
func (o *matchRegex) Branches() []Operator {
	if o.split {
		return o.branches
	}
	o.split = true
	bs := o.re.Branches()
	if len(bs) == 0 {
		return nil
	}
	ms := make([]matchRegex, len(bs))
	out := make([]Operator, len(bs))
	for i := range bs {
		ms[i] = matchRegex{re: &bs[i], minLen: o.minLen}
		out[i] = &ms[i]
	}
	o.branches = out
	return out
}

// Cost implements Costly: the length of the expression, which its split
// and analysis grow with (0 when they were done in advance, see
// regex.Expr.Cost).
func (o *matchRegex) Cost() int { return o.re.Cost() }

// StringsOnly marks the operator as one that only matches strings and
// keys: the engine does not run it on numbers and booleans.
func (o *matchRegex) StringsOnly() {}

// Eval implements Operator.
func (o *matchRegex) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return "", false
	}
	start, end, ok := o.re.Find(v.Bytes)
	if !ok {
		return "", false
	}
	return string(v.Bytes[start:end]), true
}

// Matches implements Decider: Eval without the match's position.
func (o *matchRegex) Matches(v Value) bool {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return false
	}
	return o.re.Match(v.Bytes)
}

// RequiredBytes implements ByteFiltered, computed on first call.
func (o *matchRegex) RequiredBytes() *ByteFilter { return o.re.RequiredBytes() }

// RequiredLiterals implements Prefiltered, computed on first call.
func (o *matchRegex) RequiredLiterals() []string { return o.re.RequiredLiterals() }
