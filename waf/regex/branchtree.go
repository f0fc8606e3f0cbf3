package regex

import (
	"regexp/syntax"
	"slices"
)

// hole is the rune that stands for a split group's body in the templates
// of branchTree: a noncharacter, which expressions have no use for (an
// expression that holds it gets its branches parsed from their text).
const hole = '\U0010FFFD'

// The templates of a groupCut: the text with the group's body replaced
// by the hole as a literal (the tree a branch whose alternative parses to
// a literal has), or by the hole repeated (the tree of a branch whose
// alternative parses to anything else).
const (
	tmplLiteral = iota
	tmplOther
)

var holeText = [2]string{tmplLiteral: `\x{10FFFD}`, tmplOther: `\x{10FFFD}+`}

// branchTree returns the syntax tree of a branch, built from its
// alternative's own tree and a template of its parent, parsed once for all
// of the group's alternatives: the tree syntax.Parse gives for the
// branch's text (see TestBranchTreeIsParse), at the cost of parsing the
// alternative rather than the branch, whose text repeats its parent's
// around the group. It returns nil when the tree is to be parsed from the
// text: the branch is an alternative of a top-level '|' (its text is its
// own), the parent has capturing groups (which the branch numbers
// differently), or a case the templates do not cover.
func branchTree(b *branch) *syntax.Regexp {
	c := b.cut
	if c == nil || c.capture {
		return nil
	}
	// The flags at the group's body, from the template of the other kind
	// (the hole is a literal of its own there, not merged with others).
	other := c.template(tmplOther)
	if other == nil {
		return nil
	}
	a := c.alts[b.alt]
	return c.fill(c.text[a.start:a.end])
}

// fill returns the tree of the cut's text with the group's body replaced
// by alt, built from alt's tree and a template, or nil.
func (c *groupCut) fill(alt string) *syntax.Regexp {
	other := c.template(tmplOther)
	if other == nil {
		return nil
	}
	x, err := syntax.Parse(alt, c.holeFlags)
	if err != nil {
		return nil
	}
	if x.Op == syntax.OpLiteral && c.litBeside {
		// Merged with the literals beside it, which the hole of
		// tmplOther is not: the literal template has them merged.
		if x.Flags&syntax.FoldCase != c.holeFlags&syntax.FoldCase {
			return nil // merged differently with the literals around
		}
		lit := c.template(tmplLiteral)
		if lit == nil {
			return nil
		}
		return substitute(lit, func(re *syntax.Regexp) bool {
			return re.Op == syntax.OpLiteral && slices.Contains(re.Rune, hole)
		}, func(re *syntax.Regexp, _ syntax.Op) []*syntax.Regexp {
			i := slices.Index(re.Rune, hole)
			n := *re
			if i == 0 {
				n.Flags = x.Flags // the merged literal is the first one's
			}
			n.Rune = make([]rune, 0, len(re.Rune)-1+len(x.Rune))
			n.Rune = append(append(append(n.Rune, re.Rune[:i]...), x.Rune...), re.Rune[i+1:]...)
			n.Rune0 = [2]rune{}
			return []*syntax.Regexp{&n}
		})
	}
	// With no literal beside the hole (in the concatenation the parser
	// flattens the enclosing groups into), a literal x merges with
	// nothing, whatever groups enclose it: it takes the hole's place as
	// any other tree does.
	return substitute(other, isHoleRepeat, func(_ *syntax.Regexp, parent syntax.Op) []*syntax.Regexp {
		if x.Op == syntax.OpConcat && parent == syntax.OpConcat {
			return x.Sub // spliced into the concatenation, as the parser collapses it
		}
		return []*syntax.Regexp{x}
	})
}

// derived returns the template of the kind built from the parent's
// templates, when the group lies within the parent's alternative: the
// alternative with the group's body replaced by the hole, filled into the
// parent's template; or nil, to be parsed from the text.
func (c *groupCut) derived(kind int) *syntax.Regexp {
	p := c.parent
	if p == nil || p.capture {
		return nil
	}
	a := p.alts[c.parentAlt]
	alt := p.text[a.start:a.end]
	body, end := c.body-p.body, c.end-p.body
	return p.fill(alt[:body] + holeText[kind] + alt[end:])
}

// isHoleRepeat says whether re is the hole of the template tmplOther.
func isHoleRepeat(re *syntax.Regexp) bool {
	return re.Op == syntax.OpPlus && re.Sub[0].Op == syntax.OpLiteral &&
		len(re.Sub[0].Rune) == 1 && re.Sub[0].Rune[0] == hole
}

// template returns the cut's template of the kind, parsing it on first
// use, or nil when it does not parse or its hole is not where it is
// expected.
func (c *groupCut) template(kind int) *syntax.Regexp {
	if c.tried[kind] {
		return c.tmpl[kind]
	}
	c.tried[kind] = true
	t := c.derived(kind)
	if t == nil {
		text := c.text[:c.body] + holeText[kind] + c.text[c.end:]
		var err error
		if t, err = syntax.Parse(text, syntax.Perl); err != nil {
			return nil
		}
	}
	// The hole must appear once, as a literal of the kind's form.
	holes, ok := 0, true
	var walk func(re *syntax.Regexp, parent syntax.Op)
	walk = func(re *syntax.Regexp, parent syntax.Op) {
		if kind == tmplOther && isHoleRepeat(re) {
			holes++
			c.holeFlags = re.Sub[0].Flags
			// The parser collapses a concatenation into its parent
			// concatenation only: the hole's parent must be one, a
			// capture or nothing.
			if parent != syntax.OpConcat && parent != syntax.OpCapture && parent != 0 {
				ok = false
			}
			return
		}
		if re.Op == syntax.OpLiteral {
			for _, r := range re.Rune {
				if r == hole {
					holes++
					ok = ok && kind == tmplLiteral
				}
			}
		}
		for i, s := range re.Sub {
			if kind == tmplOther && re.Op == syntax.OpConcat && isHoleRepeat(s) {
				c.litBeside = i > 0 && re.Sub[i-1].Op == syntax.OpLiteral ||
					i+1 < len(re.Sub) && re.Sub[i+1].Op == syntax.OpLiteral
			}
			walk(s, re.Op)
		}
	}
	walk(t, 0)
	if !ok || holes != 1 {
		return nil
	}
	c.tmpl[kind] = t
	return t
}

// substitute returns a copy of t (sharing every node off the path to the
// hole) with the node for which isHole holds replaced by the nodes repl
// returns, given the op of the hole's parent (0 at the root): several only
// in a concatenation.
func substitute(t *syntax.Regexp, isHole func(*syntax.Regexp) bool, repl func(*syntax.Regexp, syntax.Op) []*syntax.Regexp) *syntax.Regexp {
	var rec func(re *syntax.Regexp) (*syntax.Regexp, bool)
	rec = func(re *syntax.Regexp) (*syntax.Regexp, bool) {
		for i, s := range re.Sub {
			if isHole(s) {
				ns := repl(s, re.Op)
				if len(ns) != 1 && re.Op != syntax.OpConcat {
					return nil, false
				}
				n := *re
				n.Sub = slices.Concat(re.Sub[:i], ns, re.Sub[i+1:])
				n.Sub0 = [1]*syntax.Regexp{}
				return &n, true
			}
			if ns, ok := rec(s); ok {
				n := *re
				n.Sub = slices.Clone(re.Sub)
				n.Sub[i] = ns
				n.Sub0 = [1]*syntax.Regexp{}
				return &n, true
			}
		}
		return nil, false
	}
	if isHole(t) {
		if ns := repl(t, 0); len(ns) == 1 {
			return ns[0]
		}
		return nil
	}
	n, _ := rec(t)
	return n
}
