package regex

import (
	"regexp/syntax"
	"slices"
	"strings"
)

// span is a range of bytes of an expression's source text.
type span struct{ start, end int }

// branch is an alternative of a split expression: its text and the spans
// of the whole expression's source it is made of.
type branch struct {
	text  string
	spans []span
	// cut, when the branch is an alternative of a group of its parent
	// (not of a top-level '|'), says where it comes from, so that its
	// syntax tree can be built from the parent's (see branchTree); alt
	// is its index among the group's alternatives.
	cut *groupCut
	alt int
}

// groupCut is the split of a text at the '|' of one of its groups: the
// group's body is text[body:end], its alternatives the ranges alts of
// text. capture is set when the text has a capturing group (whose
// numbering a branch would change). The templates are built on first use
// by branchTree.
type groupCut struct {
	text      string
	body, end int
	alts      []span
	capture   bool
	// parent, when the text is itself an alternative of parent (its
	// alt-th) and the group lies within that alternative, lets the
	// templates be built from the parent's (see groupCut.template).
	parent    *groupCut
	parentAlt int
	// litBeside is set when, in the template tmplOther, a literal is
	// next to the hole.
	litBeside bool
	// The templates: text with the group's body replaced by a hole (see
	// branchTree); built once for all of the group's alternatives.
	tried     [2]bool
	tmpl      [2]*syntax.Regexp
	holeFlags syntax.Flags
}

// splitAll splits an expression into alternatives as far as it goes
// within maxBranches: each alternative of a split is split again, the
// largest splits first. It returns nil when the expression does not split.
//
// Each alternative is split once: its parts are kept for the later rounds
// (a round only replaces one alternative by its parts), so that the work
// is linear in the alternatives made, not quadratic.
func splitAll(expr string) []branch {
	var sc splitScratch
	split := func(b branch) []branch {
		rs, cut := splitRangesCut(b.text, &sc)
		if len(rs) < 2 {
			return nil
		}
		if p := b.cut; cut != nil && p != nil {
			// b.text is p.text with p's group body replaced by the
			// alternative, which starts at p.body.
			if a := p.alts[b.alt]; cut.body >= p.body && cut.end <= p.body+a.end-a.start {
				cut.parent, cut.parentAlt = p, b.alt
			}
		}
		out := make([]branch, len(rs))
		for i, r := range rs {
			var sp []span
			for _, x := range r {
				sp = appendSubSpans(sp, b.spans, x.start, x.end)
			}
			out[i] = branch{text: spanText(expr, sp), spans: sp, cut: cut, alt: i}
		}
		return out
	}
	out := split(branch{text: expr, spans: []span{{0, len(expr)}}})
	if len(out) > maxBranches {
		return nil
	}
	// parts[i] are out[i]'s own parts, once split (done[i]).
	parts := make([][]branch, len(out), maxBranches)
	done := make([]bool, len(out), maxBranches)
	for len(out) > 1 {
		// The alternative whose own split adds the most branches that fit.
		best := -1
		for i := range out {
			if !done[i] {
				parts[i], done[i] = split(out[i]), true
			}
			p := parts[i]
			if len(p) < 2 || len(out)-1+len(p) > maxBranches {
				continue
			}
			if best < 0 || len(p) > len(parts[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		bp := parts[best]
		out = slices.Insert(slices.Delete(out, best, best+1), best, bp...)
		parts = slices.Insert(slices.Delete(parts, best, best+1), best, make([][]branch, len(bp))...)
		done = slices.Insert(slices.Delete(done, best, best+1), best, make([]bool, len(bp))...)
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
	rs, _ := splitRangesCut(expr, nil)
	return rs
}

// splitRangesCut is splitRanges, with the group split (nil for a split at
// a top-level '|').
func splitRangesCut(expr string, sc *splitScratch) ([][]span, *groupCut) {
	if sc == nil {
		sc = new(splitScratch)
	}
	whole := expr
	f := 0 // length of the leading flag group
	if strings.HasPrefix(expr, "(?") {
		if end := strings.IndexByte(expr, ')'); end > 2 && !strings.ContainsAny(expr[2:end], ":(<P") {
			f, expr = end+1, expr[end+1:]
		}
	}
	if strings.Contains(expr, `\Q`) {
		return nil, nil
	}
	var (
		top   = sc.top[:0]   // positions of '|' at depth 0
		stack = sc.stack[:0] // open groups, indexes in groups
		// One allocation for the groups: at most one per '('.
		groups = slices.Grow(sc.groups[:0], strings.Count(expr, "("))
		// The '|' inside groups, in order, and the group of each.
		pipes, pipeGroup = sc.pipes[:0], sc.pipeGroup[:0]
		capture          bool // a capturing group
	)
	defer func() {
		sc.top, sc.stack, sc.groups, sc.pipes, sc.pipeGroup = top, stack, groups, pipes, pipeGroup
	}()
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\\':
			i++
		case '[':
			i = skipClass(expr, i)
			if i < 0 {
				return nil, nil
			}
		case '(':
			g := splitGroup{open: int32(i), body: int32(i + 1), parent: -1}
			if len(stack) > 0 {
				g.parent = int32(stack[len(stack)-1])
			}
			if strings.HasPrefix(expr[i:], "(?") {
				end := strings.IndexByte(expr[i:], ':')
				if end < 0 || strings.HasPrefix(expr[i:], "(?P<") {
					end = strings.IndexByte(expr[i:], '>')
				}
				if end < 0 {
					return nil, nil
				}
				g.body = int32(i + end + 1)
				if closeFlag := strings.IndexByte(expr[i:], ')'); closeFlag >= 0 && closeFlag < end {
					return nil, nil // a flag group like (?s) inside: keep whole
				}
			}
			if g.body == g.open+1 || strings.HasPrefix(expr[i:], "(?P<") || strings.HasPrefix(expr[i:], "(?<") {
				capture = true
			}
			stack = append(stack, len(groups))
			groups = append(groups, g)
		case ')':
			if len(stack) == 0 {
				return nil, nil
			}
			g := &groups[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			g.close = int32(i)
			g.quantified = i+1 < len(expr) && strings.IndexByte("*+?{", expr[i+1]) >= 0
		case '|':
			if len(stack) == 0 {
				top = append(top, i)
			} else {
				k := stack[len(stack)-1]
				groups[k].pipes++
				pipes, pipeGroup = append(pipes, int32(i)), append(pipeGroup, int32(k))
			}
		}
	}
	if len(stack) != 0 {
		return nil, nil
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
		return append(parts, alt(span{prev, len(expr)})), nil
	}
	// A group splits when neither it nor an enclosing group is quantified
	// and no enclosing group has alternatives of its own: then
	// prefix(a|b)suffix distributes over the enclosing groups. The one
	// with the most alternatives is chosen, the longest on ties (it is
	// the likeliest to hold more alternations, split in turn).
	splittable := func(k int) bool {
		g := groups[k]
		if g.quantified || g.pipes == 0 {
			return false
		}
		for p := g.parent; p >= 0; p = groups[p].parent {
			if groups[p].quantified || groups[p].pipes > 0 {
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
		if b := best; b < 0 || g.pipes > groups[b].pipes ||
			g.pipes == groups[b].pipes && g.close-g.open > groups[b].close-groups[b].open {
			best = k
		}
	}
	if best < 0 {
		return nil, nil
	}
	g := groups[best]
	body, end := int(g.body), int(g.close)
	parts := make([][]span, 0, g.pipes+1)
	cut := &groupCut{text: whole, body: body + f, end: end + f, capture: capture, alts: make([]span, 0, g.pipes+1)}
	prev := body
	for j, p := range pipes {
		if pipeGroup[j] == int32(best) {
			parts = append(parts, alt(span{0, body}, span{prev, int(p)}, span{end, len(expr)}))
			cut.alts = append(cut.alts, span{prev + f, int(p) + f})
			prev = int(p) + 1
		}
	}
	cut.alts = append(cut.alts, span{prev + f, end + f})
	return append(parts, alt(span{0, body}, span{prev, end}, span{end, len(expr)})), cut
}

// splitGroup is a group of splitRangesCut: with its parent, whether a
// quantifier follows it, and the '|' at its own level.
type splitGroup struct {
	open, body, close int32 // body: index after the opener
	parent            int32 // index in groups, -1 at depth 0
	pipes             int32 // the number of its '|'
	quantified        bool
}

// splitScratch holds splitRangesCut's lists between calls, so that the
// splits of one expression reuse them.
type splitScratch struct {
	top, stack       []int
	groups           []splitGroup
	pipes, pipeGroup []int32
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
