package operator

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
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
	anchor *anchor // set with re; nil when the expression has none
	minLen int
	// lits and bytes are the prefilters, computed by analyze.
	analyzed bool
	lits     []string
	bytes    *ByteFilter
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
	return &matchRegex{expr: expr, tree: tree, minLen: opt.MinLength}, nil
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
//
// The split is done on the source text (syntax.Regexp.String is far too
// slow on large case-folded classes to be used at load time), and each
// branch is parsed again, so a branch that does not parse cancels it.
func (o *matchRegex) Branches() []Operator {
	exprs := splitAll(o.expr)
	if len(exprs) < 2 {
		return nil
	}
	out := make([]Operator, 0, len(exprs))
	for _, expr := range exprs {
		bt, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			return nil
		}
		out = append(out, &matchRegex{expr: expr, tree: bt, minLen: o.minLen})
	}
	o.tree = nil // analyze parses again if the whole expression is ever asked for
	return out
}

// splitAll splits an expression into alternatives as far as it goes
// within maxBranches: each alternative of a split is split again, the
// largest splits first. It returns nil when the expression does not split.
func splitAll(expr string) []string {
	out := splitAlternation(expr)
	if len(out) > maxBranches {
		return nil
	}
	for len(out) > 1 {
		// The alternative whose own split adds the most branches that fit.
		best, bestParts := -1, []string(nil)
		for i, e := range out {
			parts := splitAlternation(e)
			if len(parts) < 2 || len(out)-1+len(parts) > maxBranches {
				continue
			}
			if len(parts) > len(bestParts) {
				best, bestParts = i, parts
			}
		}
		if best < 0 {
			break
		}
		out = append(out[:best], append(bestParts, out[best+1:]...)...)
	}
	return out
}

// splitAlternation splits a regular expression into alternatives whose
// union matches exactly what it matches: at a top-level '|', or else at the
// '|' of the unquantified top-level group with the most alternatives
// (prefix(a|b)suffix = prefix(a)suffix | prefix(b)suffix). A leading flag
// group such as (?i) is kept on every branch. It returns nil when the
// expression does not split or uses constructs it does not follow (\Q).
func splitAlternation(expr string) []string {
	flags := ""
	if strings.HasPrefix(expr, "(?") {
		if end := strings.IndexByte(expr, ')'); end > 2 && !strings.ContainsAny(expr[2:end], ":(<P") {
			flags, expr = expr[:end+1], expr[end+1:]
		}
	}
	if strings.Contains(expr, `\Q`) {
		return nil
	}
	// Every group, with its parent, whether a quantifier follows it, and
	// the '|' at its own level.
	type group struct {
		open, body, close int // body: index after the opener
		parent            int // index in groups, -1 at depth 0
		quantified        bool
		pipes             []int
	}
	var (
		top    []int // positions of '|' at depth 0
		stack  []int // open groups, indexes in groups
		groups []group
	)
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\\':
			i++
		case '[':
			i = skipClass(expr, i)
			if i < 0 {
				return nil
			}
		case '(':
			g := group{open: i, body: i + 1, parent: -1}
			if len(stack) > 0 {
				g.parent = stack[len(stack)-1]
			}
			if strings.HasPrefix(expr[i:], "(?") {
				end := strings.IndexByte(expr[i:], ':')
				if end < 0 || strings.HasPrefix(expr[i:], "(?P<") {
					end = strings.IndexByte(expr[i:], '>')
				}
				if end < 0 {
					return nil
				}
				g.body = i + end + 1
				if closeFlag := strings.IndexByte(expr[i:], ')'); closeFlag >= 0 && closeFlag < end {
					return nil // a flag group like (?s) inside: keep whole
				}
			}
			stack = append(stack, len(groups))
			groups = append(groups, g)
		case ')':
			if len(stack) == 0 {
				return nil
			}
			g := &groups[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			g.close = i
			g.quantified = i+1 < len(expr) && strings.IndexByte("*+?{", expr[i+1]) >= 0
		case '|':
			if len(stack) == 0 {
				top = append(top, i)
			} else {
				g := &groups[stack[len(stack)-1]]
				g.pipes = append(g.pipes, i)
			}
		}
	}
	if len(stack) != 0 {
		return nil
	}
	cut := func(s string, at []int, from int) []string {
		var parts []string
		prev := from
		for _, p := range at {
			parts = append(parts, s[prev:p])
			prev = p + 1
		}
		return parts
	}
	if len(top) > 0 {
		parts := cut(expr, top, 0)
		parts = append(parts, expr[top[len(top)-1]+1:])
		for i := range parts {
			parts[i] = flags + parts[i]
		}
		return parts
	}
	// A group splits when neither it nor an enclosing group is quantified
	// and no enclosing group has alternatives of its own: then
	// prefix(a|b)suffix distributes over the enclosing groups. The one
	// with the most alternatives is chosen, the longest on ties (it is
	// the likeliest to hold more alternations, split in turn).
	splittable := func(k int) bool {
		g := groups[k]
		if g.quantified || len(g.pipes) == 0 {
			return false
		}
		for p := g.parent; p >= 0; p = groups[p].parent {
			if groups[p].quantified || len(groups[p].pipes) > 0 {
				return false
			}
		}
		return true
	}
	best := -1
	for k, g := range groups {
		if !splittable(k) {
			continue
		}
		if b := best; b < 0 || len(g.pipes) > len(groups[b].pipes) ||
			len(g.pipes) == len(groups[b].pipes) && g.close-g.open > groups[b].close-groups[b].open {
			best = k
		}
	}
	if best < 0 {
		return nil
	}
	g := groups[best]
	at := g.pipes
	alts := cut(expr, at, g.body)
	alts = append(alts, expr[at[len(at)-1]+1:g.close])
	prefix, suffix := expr[:g.body], expr[g.close:]
	for i := range alts {
		alts[i] = flags + prefix + alts[i] + suffix
	}
	return alts
}

// skipClass returns the index of the ']' closing the character class that
// opens at i, or -1.
func skipClass(expr string, i int) int {
	j := i + 1
	if j < len(expr) && expr[j] == '^' {
		j++
	}
	if j < len(expr) && expr[j] == ']' {
		j++
	}
	for ; j < len(expr); j++ {
		switch expr[j] {
		case '\\':
			j++
		case '[':
			if j+1 < len(expr) && expr[j+1] == ':' {
				end := strings.Index(expr[j:], ":]")
				if end < 0 {
					return -1
				}
				j += end + 1
			}
		case ']':
			return j
		}
	}
	return -1
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
		if err == nil {
			if tree, err := syntax.Parse(o.expr, syntax.Perl); err == nil {
				o.anchor = newAnchor(tree)
			}
		}
	})
	return o.re
}

// Eval implements Operator.
func (o *matchRegex) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return "", false
	}
	re := o.compiled()
	if o.anchor != nil && !o.anchor.mayMatch(v.Bytes) {
		return "", false
	}
	// Match needs no positions, so it takes the regexp package's faster
	// paths; the positions are only computed for the highlight of a match.
	if !re.Match(v.Bytes) {
		return "", false
	}
	loc := re.FindIndex(v.Bytes)
	if loc == nil {
		return "", false
	}
	return string(v.Bytes[loc[0]:loc[1]]), true
}

// RequiredBytes implements ByteFiltered. It is computed on first call:
// when the engine splits an expression into branches, only the branches'
// filters are ever needed.
func (o *matchRegex) RequiredBytes() *ByteFilter {
	o.analyze()
	return o.bytes
}

// analyze computes the prefilters once. The engine calls it while it
// compiles, before any concurrent use.
func (o *matchRegex) analyze() {
	if o.analyzed {
		return
	}
	o.analyzed = true
	tree := o.tree
	if tree == nil {
		t, err := syntax.Parse(o.expr, syntax.Perl)
		if err != nil {
			return
		}
		tree = t
	}
	o.lits = literal.Required(tree)
	o.bytes = byteFilterOf(tree)
	o.tree = nil // the parse tree is large; the prefilters are all it was kept for
}

// RequiredLiterals implements Prefiltered, computed on first call.
func (o *matchRegex) RequiredLiterals() []string {
	o.analyze()
	return o.lits
}
