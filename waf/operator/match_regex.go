package operator

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"sync/atomic"

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
	// expr is the expression; a branch of a known expression (see
	// match_regex_known.go) holds its spans of the whole expression
	// instead, and expr is built when it compiles.
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
	run  *regexRun
	// minLen is the "min_length" option.
	minLen int
	// lits and bytes are the prefilters, computed by analyze.
	analyzed bool
	lits     []string
	bytes    *ByteFilter
}

// regexRun is what an expression compiles to on first use, kept apart
// from matchRegex so that the many branches never evaluated stay small.
type regexRun struct {
	re *regexp.Regexp
	// anchor, or start, is a cheap check that runs before re (nil when
	// the expression has none).
	anchor *anchor
	start  *startAnchor
	// dfa decides whether the expression matches, so that re only runs
	// for the highlight of a match. It is built the first time a value
	// gets past the anchor (see automaton); noDFA is set when it cannot be
	// built or has given up.
	dfaOnce sync.Once
	dfa     *dfa
	noDFA   atomic.Bool
	// tries counts the values that got past the anchor before the
	// automaton was built; dfaBuilt is set once it is.
	tries    atomic.Int32
	dfaBuilt atomic.Bool
}

// dfaAfter is how many values Go's regexp decides for an expression before
// its automaton is built: most branches are rarely reached, and an
// automaton costs its program and states in memory.
const dfaAfter = 8

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
	if rec := lookupKnown(expr); rec != 0 {
		// Parsed, validated and analyzed when the table was generated.
		return &matchRegex{expr: expr, known: rec, minLen: opt.MinLength}, nil
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
	if o.known != 0 {
		return o.knownBranches()
	}
	exprs := splitAll(o.expr)
	if len(exprs) < 2 {
		return nil
	}
	out := make([]Operator, 0, len(exprs))
	for _, b := range exprs {
		bt, err := syntax.Parse(b.text, syntax.Perl)
		if err != nil {
			return nil
		}
		out = append(out, &matchRegex{expr: b.text, tree: bt, minLen: o.minLen})
	}
	o.tree = nil // analyze parses again if the whole expression is ever asked for
	return out
}

// span is a range of bytes of an expression's source text.
type span struct{ start, end int }

// branch is an alternative of a split expression: its text and the spans
// of the whole expression's source it is made of.
type branch struct {
	text  string
	spans []span
}

// splitAll splits an expression into alternatives as far as it goes
// within maxBranches: each alternative of a split is split again, the
// largest splits first. It returns nil when the expression does not split.
func splitAll(expr string) []branch {
	split := func(b branch) []branch {
		rs := splitRanges(b.text)
		out := make([]branch, len(rs))
		for i, r := range rs {
			var sp []span
			for _, x := range r {
				sp = appendSubSpans(sp, b.spans, x.start, x.end)
			}
			out[i] = branch{text: spanText(expr, sp), spans: sp}
		}
		return out
	}
	out := split(branch{text: expr, spans: []span{{0, len(expr)}}})
	if len(out) > maxBranches {
		return nil
	}
	for len(out) > 1 {
		// The alternative whose own split adds the most branches that fit.
		best, bestParts := -1, []branch(nil)
		for i, b := range out {
			parts := split(b)
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

// appendSubSpans appends the spans of the source that bytes [a, b) of a
// text made of spans sp come from, merging adjacent ones.
func appendSubSpans(dst, sp []span, a, b int) []span {
	off := 0
	for _, x := range sp {
		n := x.end - x.start
		lo, hi := max(a, off), min(b, off+n)
		if lo < hi {
			s := span{x.start + lo - off, x.start + hi - off}
			if k := len(dst) - 1; k >= 0 && dst[k].end == s.start {
				dst[k].end = s.end
			} else {
				dst = append(dst, s)
			}
		}
		off += n
	}
	return dst
}

// spanText is the text made of spans of src.
func spanText(src string, sp []span) string {
	if len(sp) == 1 {
		return src[sp[0].start:sp[0].end]
	}
	n := 0
	for _, x := range sp {
		n += x.end - x.start
	}
	var b strings.Builder
	b.Grow(n)
	for _, x := range sp {
		b.WriteString(src[x.start:x.end])
	}
	return b.String()
}

// splitAlternation is splitRanges with the alternatives' texts.
func splitAlternation(expr string) []string {
	rs := splitRanges(expr)
	if rs == nil {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = spanText(expr, r)
	}
	return out
}

// splitRanges splits a regular expression into alternatives whose
// union matches exactly what it matches: at a top-level '|', or else at the
// '|' of the unquantified top-level group with the most alternatives
// (prefix(a|b)suffix = prefix(a)suffix | prefix(b)suffix). A leading flag
// group such as (?i) is kept on every branch. It returns nil when the
// expression does not split or uses constructs it does not follow (\Q).
// Each alternative is given as the spans of expr it is made of.
func splitRanges(expr string) [][]span {
	f := 0 // length of the leading flag group
	if strings.HasPrefix(expr, "(?") {
		if end := strings.IndexByte(expr, ')'); end > 2 && !strings.ContainsAny(expr[2:end], ":(<P") {
			f, expr = end+1, expr[end+1:]
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
	// alt is an alternative: the flags, then the given spans of expr.
	alt := func(parts ...span) []span {
		out := []span{{0, f}}
		for _, p := range parts {
			p = span{p.start + f, p.end + f}
			if p.start == p.end {
				continue
			}
			if k := len(out) - 1; out[k].end == p.start {
				out[k].end = p.end
			} else {
				out = append(out, p)
			}
		}
		if out[0].start == out[0].end {
			out = out[1:]
		}
		return out
	}
	if len(top) > 0 {
		var parts [][]span
		prev := 0
		for _, p := range top {
			parts = append(parts, alt(span{prev, p}))
			prev = p + 1
		}
		return append(parts, alt(span{prev, len(expr)}))
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
	var parts [][]span
	prev := g.body
	for _, p := range g.pipes {
		parts = append(parts, alt(span{0, g.body}, span{prev, p}, span{g.close, len(expr)}))
		prev = p + 1
	}
	return append(parts, alt(span{0, g.body}, span{prev, g.close}, span{g.close, len(expr)}))
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
func (o *matchRegex) compiled() *regexRun {
	o.once.Do(func() {
		if o.spans != "" {
			o.expr = knownBranchText(o.expr, o.spans)
		}
		run := &regexRun{}
		re, err := regexp.Compile(o.expr)
		if err != nil {
			re = regexp.MustCompile(`[^\x00-\x{10FFFF}]`) // matches nothing
		}
		run.re = re
		if err == nil {
			if tree, err := syntax.Parse(o.expr, syntax.Perl); err == nil {
				if run.anchor = newAnchor(tree); run.anchor == nil {
					run.start = newStartAnchor(tree)
				}
			}
		}
		o.run = run
	})
	return o.run
}

// automaton returns the expression's automaton, building it on first
// use, or nil.
func (r *regexRun) automaton(expr string) *dfa {
	r.dfaOnce.Do(func() {
		if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
			r.dfa = newDFA(tree)
		}
		if r.dfa == nil {
			r.noDFA.Store(true)
		}
		r.dfaBuilt.Store(true)
	})
	return r.dfa
}

// StringsOnly marks the operator as one that only matches strings and
// keys: the engine does not run it on numbers and booleans.
func (o *matchRegex) StringsOnly() {}

// Eval implements Operator.
func (o *matchRegex) Eval(v Value) (string, bool) {
	if (v.Kind != String && v.Kind != Key) || len(v.Bytes) < o.minLen {
		return "", false
	}
	run := o.compiled()
	useDFA := !noDFA && !run.noDFA.Load()
	limit := -1
	if useDFA {
		limit = anchorChecksBeforeDFA
	}
	if run.start != nil && !run.start.mayMatch(v.Bytes, useDFA) || run.anchor != nil && !run.anchor.mayMatchN(v.Bytes, limit) {
		return "", false
	}
	// Matching needs no positions, so it takes the automaton, or the
	// regexp package's faster paths; the positions are only computed for
	// the highlight of a match.
	re := run.re
	res := dfaUnknown
	if useDFA && (run.dfaBuilt.Load() || run.tries.Add(1) > dfaAfter) {
		if d := run.automaton(o.expr); d != nil {
			if res = d.match(v.Bytes); res == dfaUnknown && d.disabled.Load() {
				run.noDFA.Store(true)
			}
		}
	}
	if res == dfaNo || res == dfaUnknown && !re.Match(v.Bytes) {
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
	if o.pref != 0 {
		r := knownReader{o.pref - 1}
		o.lits, o.bytes = r.prefilters()
		return
	}
	if o.known != 0 {
		o.lits, o.bytes = knownPrefilters(o.known)
		return
	}
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
