package literal

import (
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the analysis. They bound the work done when a ruleset loads and
// the size of the literal sets handed to the Matcher.
const (
	// MaxLiterals is the largest set Required returns: beyond it the
	// prefilter would cost more than the regular expression it guards.
	MaxLiterals = 64
	// maxClassRunes is the largest character class expanded into its
	// members ([0-9] is, [a-z] is not).
	maxClassRunes = 16
	// minLiteral is the shortest useful literal: single bytes occur in
	// almost every value.
	minLiteral = 2
)

// info is what the analysis knows about a sub-expression.
type info struct {
	// exact, when isExact, is every string the sub-expression can match,
	// lowercased. An empty exact set matches nothing.
	exact   []string
	isExact bool
	// req, when hasReq, holds literals one of which every match contains.
	req    []string
	hasReq bool
}

var (
	unknown   = info{}
	emptyOnly = info{exact: []string{""}, isExact: true}
)

// Required returns lowercase literals such that every string re matches
// (anywhere inside it, as an unanchored search) contains at least one of
// them, compared ASCII case-insensitively. It returns nil when no such set
// is known, when the set would exceed MaxLiterals, or when a literal would
// be shorter than 2 bytes.
//
// The set is sound for both case-sensitive and case-insensitive
// expressions: a case-sensitive expression's matches contain the literal in
// some case. Runes outside ASCII are kept as their UTF-8 bytes, with every
// member of a case-folding orbit under (?i) (so (?i)k also yields the Kelvin
// sign). A literal U+FFFD is never required, since Go's regexp matches it
// against any invalid UTF-8 byte.
func Required(re *syntax.Regexp) []string {
	if re == nil {
		return nil
	}
	in := analyze(re.Simplify())
	set, ok := best(in)
	if !ok {
		return nil
	}
	set = normalize(set)
	if len(set) == 0 || len(set) > MaxLiterals {
		return nil
	}
	for _, s := range set {
		if len(s) < minLiteral {
			return nil
		}
	}
	return set
}

// best returns the better of in's exact set and its required set, as a
// required set; ok is false when neither is useful.
func best(in info) (set []string, ok bool) {
	c := inf
	if in.hasReq {
		set, c = in.req, cost(in.req)
	}
	if in.isExact {
		if ce := cost(in.exact); ce < c || (ce == c && c != inf) {
			set, c = in.exact, ce
		}
	}
	return set, c != inf
}

const inf = 1 << 62

// cost estimates how often a set lets a value through: short literals
// occur often, so each literal of length L weighs 4^(6-L). Sets with a
// literal shorter than 2 bytes are useless.
func cost(set []string) int {
	if len(set) == 0 || len(set) > MaxLiterals {
		return inf
	}
	total := 0
	for _, s := range set {
		if len(s) < minLiteral {
			return inf
		}
		w := 1
		for l := len(s); l < 6; l++ {
			w *= 4
		}
		total += w
	}
	return total
}

func analyze(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpNoMatch:
		return info{isExact: true}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return emptyOnly
	case syntax.OpLiteral:
		parts := make([]info, len(re.Rune))
		for i, r := range re.Rune {
			parts[i] = runeInfo(r, re.Flags&syntax.FoldCase != 0)
		}
		return concat(parts)
	case syntax.OpCharClass:
		return classInfo(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return unknown
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpStar:
		return unknown
	case syntax.OpQuest:
		return quest(analyze(re.Sub[0]))
	case syntax.OpPlus:
		return plus(analyze(re.Sub[0]))
	case syntax.OpRepeat:
		sub := analyze(re.Sub[0])
		switch {
		case re.Min == 0 && re.Max == 1:
			return quest(sub)
		case re.Min == 0:
			return unknown
		case re.Min == re.Max && sub.isExact:
			parts := make([]info, re.Min)
			for i := range parts {
				parts[i] = sub
			}
			return concat(parts)
		}
		return plus(sub)
	case syntax.OpConcat:
		parts := make([]info, len(re.Sub))
		for i, s := range re.Sub {
			parts[i] = analyze(s)
		}
		return concat(parts)
	case syntax.OpAlternate:
		parts := make([]info, len(re.Sub))
		for i, s := range re.Sub {
			parts[i] = analyze(s)
		}
		return alternate(parts)
	}
	return unknown
}

// runeInfo is the exact set of one literal rune: its ASCII-lowercased
// UTF-8 encoding, or every member of its folding orbit under (?i).
func runeInfo(r rune, fold bool) info {
	if r == utf8.RuneError || r < 0 || r > unicode.MaxRune {
		return unknown
	}
	if !fold {
		return info{exact: []string{lowerString(string(r))}, isExact: true}
	}
	var set []string
	for f := r; ; {
		set = appendUnique(set, lowerString(string(f)))
		f = unicode.SimpleFold(f)
		if f == r {
			break
		}
	}
	sort.Strings(set)
	return info{exact: set, isExact: true}
}

// classInfo expands a small character class into its members.
func classInfo(ranges []rune) info {
	n := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > 2*maxClassRunes+26 {
			return unknown
		}
	}
	var set []string
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if r == utf8.RuneError {
				return unknown
			}
			set = appendUnique(set, lowerString(string(r)))
		}
	}
	if len(set) > maxClassRunes {
		return unknown
	}
	sort.Strings(set)
	return info{exact: set, isExact: true}
}

func quest(sub info) info {
	if sub.isExact && len(sub.exact) < MaxLiterals {
		return info{exact: appendUnique(append([]string(nil), sub.exact...), ""), isExact: true}
	}
	return unknown
}

// plus: every match of x+ contains a match of x.
func plus(sub info) info {
	set, ok := best(sub)
	if !ok {
		return unknown
	}
	return info{req: set, hasReq: true}
}

// concat combines adjacent exact parts into longer literals (cross
// products, while they stay within MaxLiterals). The result is exact when
// every part is; its required set is the cheapest of every run of
// adjacent exact parts and of the other parts' best sets. Trying every run,
// not only the maximal ones, lets (?i)tsunamiscanner require "unamisc"
// alone rather than every spelling of its two s (s, ſ).
func concat(parts []info) info {
	run := []string{""}
	allExact := true
	for _, p := range parts {
		if !p.isExact {
			allExact = false
			break
		}
		prod, ok := cross(run, p.exact)
		if !ok {
			allExact = false
			break
		}
		run = prod
	}
	var out info
	if allExact {
		out = info{exact: run, isExact: true}
	}
	c := inf
	consider := func(set []string) {
		if cs := cost(set); cs < c {
			out.req, out.hasReq, c = set, true, cs
		}
	}
	for i, p := range parts {
		if !p.isExact {
			if set, ok := best(p); ok {
				consider(set)
			}
			continue
		}
		run := p.exact
		consider(run)
		for j := i + 1; j < len(parts) && parts[j].isExact; j++ {
			if shortest(run) >= longEnough {
				break // longer literals add little selectivity, and cost time
			}
			prod, ok := cross(run, parts[j].exact)
			if !ok {
				break
			}
			run = prod
			consider(run)
		}
	}
	return out
}

// longEnough is the literal length past which concat stops extending a
// run: a literal of this length is already rare in ordinary values, and
// trying every longer run is quadratic in the expression's length.
const longEnough = 8

// shortest returns the length of the shortest literal of set.
func shortest(set []string) int {
	n := -1
	for _, s := range set {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// cross returns every a+b, or false when there would be too many.
func cross(a, b []string) ([]string, bool) {
	if len(a)*len(b) > MaxLiterals {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = appendUnique(out, x+y)
		}
	}
	return out, true
}

// alternate: an exact union when every branch is exact, else the union of
// every branch's best set (no requirement when a branch has none).
func alternate(parts []info) info {
	all := true
	var exact []string
	for _, p := range parts {
		if !p.isExact {
			all = false
			break
		}
		for _, s := range p.exact {
			exact = appendUnique(exact, s)
		}
	}
	if all && len(exact) <= MaxLiterals {
		return info{exact: exact, isExact: true}
	}
	var req []string
	for _, p := range parts {
		set, ok := best(p)
		if !ok {
			return unknown
		}
		for _, s := range set {
			req = appendUnique(req, s)
		}
	}
	req = shorten(normalize(req))
	if req == nil {
		return unknown
	}
	return info{req: req, hasReq: true}
}

// shorten keeps a set within MaxLiterals by cutting its literals to their
// first L bytes, for the largest L that is enough (a value containing a
// literal contains its prefixes). It returns nil when even the shortest
// useful prefixes are too many.
func shorten(set []string) []string {
	if len(set) <= MaxLiterals {
		return set
	}
	for l := 8; l >= minLiteral; l-- {
		cut := make([]string, 0, len(set))
		for _, s := range set {
			cut = appendUnique(cut, s[:min(l, len(s))])
		}
		if cut = normalize(cut); len(cut) <= MaxLiterals {
			return cut
		}
	}
	return nil
}

// normalize sorts, removes duplicates and drops every literal that contains
// another one of the set (a value containing it contains the shorter one).
func normalize(set []string) []string {
	sort.Slice(set, func(i, j int) bool {
		if len(set[i]) != len(set[j]) {
			return len(set[i]) < len(set[j])
		}
		return set[i] < set[j]
	})
	out := make([]string, 0, len(set))
	for _, s := range set {
		redundant := false
		for _, t := range out {
			if strings.Contains(s, t) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func appendUnique(set []string, s string) []string {
	for _, t := range set {
		if t == s {
			return set
		}
	}
	return append(set, s)
}

// lowerString folds ASCII upper-case letters only, as the Matcher does.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}
