package literal

import (
	"math/bits"
	"regexp/syntax"
	"slices"
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
	exact []string
	// req, when hasReq, holds literals one of which every match contains.
	req []string
	// parts, when not nil, are the parts of a concatenation whose
	// required set best computes when it needs it: most are discarded,
	// for the exact set.
	parts   []info
	isExact bool
	// pf reports that no literal of exact is a proper prefix of another
	// (false when unknown).
	pf     bool
	hasReq bool
}

var (
	unknown   = info{}
	emptyOnly = info{exact: []string{""}, isExact: true, pf: true}
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
	var a analyzer
	return a.required(re)
}

// Analyzer computes Required for trees that share subtrees, such as the
// branches of a split expression, analyzing each shared subtree once (the
// analysis of a tree depends on nothing else). It keeps every tree it
// analyzed until it is dropped; it is not safe for concurrent use.
type Analyzer struct{ a analyzer }

// Required is Required(re), sharing the analysis of subtrees seen before.
func (a *Analyzer) Required(re *syntax.Regexp) []string {
	if a.a.memo == nil {
		a.a.memo = map[*syntax.Regexp]info{}
	}
	return a.a.required(re)
}

// analyzer analyzes trees, remembering the analysis of every composite
// subtree when memo is not nil. An info is never modified once made, so
// that it can be shared.
type analyzer struct{ memo map[*syntax.Regexp]info }

func (a *analyzer) required(re *syntax.Regexp) []string {
	if re == nil {
		return nil
	}
	in := a.analyze(re.Simplify())
	set, ok := best(in)
	if !ok {
		return nil
	}
	set = normalize(slices.Clone(set))
	slices.Sort(set)
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
	if in.parts != nil {
		in.req, in.hasReq = concatReq(in.parts)
	}
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

func (a *analyzer) analyze(re *syntax.Regexp) info {
	if a.memo == nil || re.Op != syntax.OpConcat && re.Op != syntax.OpAlternate {
		return a.analyze1(re)
	}
	if in, ok := a.memo[re]; ok {
		return in
	}
	in := a.analyze1(re)
	a.memo[re] = in
	return in
}

func (a *analyzer) analyze1(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpNoMatch:
		return info{isExact: true, pf: true}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return emptyOnly
	case syntax.OpLiteral:
		return literalInfo(re.Rune, re.Flags&syntax.FoldCase != 0)
	case syntax.OpCharClass:
		return classInfo(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return unknown
	case syntax.OpCapture:
		return a.analyze(re.Sub[0])
	case syntax.OpStar:
		return unknown
	case syntax.OpQuest:
		return quest(a.analyze(re.Sub[0]))
	case syntax.OpPlus:
		return plus(a.analyze(re.Sub[0]))
	case syntax.OpRepeat:
		sub := a.analyze(re.Sub[0])
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
			parts[i] = a.analyze(s)
		}
		return concat(parts)
	case syntax.OpAlternate:
		parts := make([]info, len(re.Sub))
		for i, s := range re.Sub {
			parts[i] = a.analyze(s)
		}
		return alternate(parts)
	}
	return unknown
}

// runeInfo is the exact set of one literal rune: its ASCII-lowercased
// UTF-8 encoding, or every member of its folding orbit under (?i). The
// sets of ASCII runes come from tables shared by every call: exact sets
// are never modified in place.
func runeInfo(r rune, fold bool) info {
	if r == utf8.RuneError || r < 0 || r > unicode.MaxRune {
		return unknown
	}
	if r < utf8.RuneSelf {
		if fold {
			return asciiFold[r]
		}
		return asciiExact[r]
	}
	return foldInfo(r, fold)
}

func foldInfo(r rune, fold bool) info {
	if !fold {
		return info{exact: []string{lowerString(string(r))}, isExact: true, pf: true}
	}
	var set []string
	for f := r; ; {
		set = append(set, lowerString(string(f)))
		f = unicode.SimpleFold(f)
		if f == r {
			break
		}
	}
	// Whole UTF-8 encodings: prefix-free.
	return info{exact: dedupe(set), isExact: true, pf: true}
}

// asciiExact and asciiFold are runeInfo's sets for ASCII runes, without
// and with case folding; their slices are full (cap == len), so that an
// append copies them.
var asciiExact, asciiFold = func() (e, f [utf8.RuneSelf]info) {
	for r := range rune(utf8.RuneSelf) {
		x := foldInfo(r, false)
		x.exact = x.exact[:1:1]
		e[r] = x
		y := foldInfo(r, true)
		y.exact = y.exact[:len(y.exact):len(y.exact)]
		f[r] = y
	}
	return e, f
}()

// literalInfo is the info of a literal string: when every rune has one
// spelling, its single lowercase spelling, else concat's analysis.
func literalInfo(runes []rune, fold bool) info {
	b := make([]byte, 0, len(runes))
	for _, r := range runes {
		if r < utf8.RuneSelf {
			if fold && len(asciiFold[r].exact) != 1 {
				return runesInfo(runes, fold)
			}
			b = append(b, lower(byte(r)))
			continue
		}
		p := runeInfo(r, fold)
		if !p.isExact || len(p.exact) != 1 {
			return runesInfo(runes, fold)
		}
		b = append(b, p.exact[0]...)
	}
	return info{exact: []string{string(b)}, isExact: true, pf: true}
}

// runesInfo is concat's analysis of a literal string, one part a rune.
func runesInfo(runes []rune, fold bool) info {
	parts := make([]info, len(runes))
	for i, r := range runes {
		parts[i] = runeInfo(r, fold)
	}
	return concat(parts)
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
	// Count the members once lowercased (upper-case ASCII letters merge
	// with their lower-case ones) before building any string.
	var ascii [2]uint64
	other := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if lo <= utf8.RuneError && utf8.RuneError <= hi {
			return unknown
		}
		for r := lo; r <= hi; r++ {
			if r >= utf8.RuneSelf {
				other += int(hi-r) + 1
				break
			}
			c := lower(byte(r))
			ascii[c/64] |= 1 << (c % 64)
		}
	}
	size := bits.OnesCount64(ascii[0]) + bits.OnesCount64(ascii[1]) + other
	if size > maxClassRunes {
		return unknown
	}
	set := make([]string, 0, size)
	for c := range utf8.RuneSelf {
		if ascii[c/64]&(1<<(c%64)) != 0 {
			set = append(set, asciiExact[c].exact[0])
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := max(ranges[i], utf8.RuneSelf); r <= ranges[i+1]; r++ {
			set = append(set, string(r))
		}
	}
	return info{exact: set, isExact: true, pf: true}
}

func quest(sub info) info {
	if sub.isExact && len(sub.exact) < MaxLiterals {
		exact := append([]string{""}, sub.exact...)
		if slices.Contains(sub.exact, "") {
			exact = exact[1:]
		}
		return info{exact: exact, isExact: true}
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
//
// Runs are costed from their length histograms, without building their
// strings, as long as their left parts are prefix-free (their products
// then hold no duplicates); only the chosen run is materialized.
func concat(parts []info) info {
	ex, pf, ok := product(parts)
	if !ok {
		return info{parts: parts}
	}
	out := info{exact: ex, isExact: true, pf: pf}
	if len(ex) != 1 {
		// With a single string, every part is one and every run is a
		// substring of ex, which costs no less; best prefers exact on
		// ties.
		out.parts = parts
	}
	return out
}

// concatReq is the required set of concat(parts), false when none.
func concatReq(parts []info) ([]string, bool) {
	c := inf
	var (
		bestSet      []string // the chosen set, when already built
		bestI, bestJ = -1, -1 // else the run of parts to build it from
	)
	hs := make([]hist, len(parts))
	for i, p := range parts {
		if p.isExact {
			hs[i] = histOf(p.exact)
		}
	}
	for i, p := range parts {
		if !p.isExact {
			if set, ok := best(p); ok {
				if cs := cost(set); cs < c {
					c, bestSet, bestI = cs, set, -1
				}
			}
			continue
		}
		r := run{h: hs[i], n: len(p.exact), pf: p.pf, set: p.exact}
		if cs := r.cost(); cs < c {
			c, bestSet, bestI = cs, p.exact, -1
		}
		for j := i + 1; j < len(parts) && parts[j].isExact; j++ {
			if r.shortestAtLeast(longEnough) {
				break // longer literals cannot lower the cost
			}
			if !r.extend(parts, hs[j], i, j) {
				break
			}
			if cs := r.cost(); cs < c {
				c = cs
				if r.set != nil {
					bestSet, bestI = r.set, -1
				} else {
					bestSet, bestI, bestJ = nil, i, j
				}
			}
		}
	}
	if c != inf {
		if bestI >= 0 {
			bestSet = expand(parts[bestI:bestJ+1], runCount(parts[bestI:bestJ+1]))
		}
		return bestSet, true
	}
	return nil, false
}

// longEnough is the literal length past which concat stops extending a
// run: once every literal of a run has 6 bytes or more, each weighs 1 and
// a longer run has at least as many literals, so it cannot cost less.
const longEnough = 6

// hist counts a set's literals by length, the last bucket holding every
// literal of longEnough bytes or more: enough to compute its cost.
type hist [longEnough + 1]int

func histOf(set []string) hist {
	var h hist
	for _, s := range set {
		h[min(len(s), longEnough)]++
	}
	return h
}

// run is the product of parts[i..j] in concat's search. While every part
// but the last is prefix-free the product has no duplicates and only its
// histogram is kept (set is nil); otherwise set holds its literals.
type run struct {
	h   hist
	n   int
	pf  bool // the product is prefix-free
	set []string
}

// cost is cost of the run's literals.
func (r *run) cost() int {
	if r.n == 0 || r.n > MaxLiterals || r.h[0]+r.h[1] != 0 {
		return inf
	}
	total := 0
	for l, k := range r.h {
		w := 1
		for ; l < longEnough; l++ {
			w *= 4
		}
		total += k * w
	}
	return total
}

func (r *run) shortestAtLeast(l int) bool {
	for k := 0; k < l; k++ {
		if r.h[k] != 0 {
			return false
		}
	}
	return true
}

// extend multiplies the run parts[i..j-1] by parts[j], whose histogram is
// qh; it reports false
// when the product would exceed MaxLiterals.
func (r *run) extend(parts []info, qh hist, i, j int) bool {
	q := parts[j]
	if r.n*len(q.exact) > MaxLiterals {
		return false
	}
	if r.pf {
		var h hist
		for a, x := range r.h {
			if x == 0 {
				continue
			}
			for b, y := range qh {
				if y != 0 {
					h[min(a+b, longEnough)] += x * y
				}
			}
		}
		r.h, r.n, r.pf, r.set = h, r.n*len(q.exact), q.pf, nil
		return true
	}
	if r.set == nil {
		r.set = expand(parts[i:j], r.n)
	}
	prod, ok := cross(r.set, q.exact)
	if !ok {
		return false
	}
	r.set, r.h, r.n = prod, histOf(prod), len(prod)
	return true
}

// runCount is the size of the product of exact parts whose left parts are
// prefix-free.
func runCount(parts []info) int {
	n := 1
	for _, p := range parts {
		n *= len(p.exact)
	}
	return n
}

// product returns the exact product of parts, whether it is prefix-free,
// and false when a part is not exact or a partial product exceeds
// MaxLiterals.
func product(parts []info) (set []string, pf bool, ok bool) {
	n, pf := 1, true
	for k, p := range parts {
		if !p.isExact || n*len(p.exact) > MaxLiterals {
			return nil, false, false
		}
		if !pf {
			// A left part may be a prefix of another: build step by step,
			// removing duplicates.
			run := expand(parts[:k], n)
			for _, q := range parts[k:] {
				if !q.isExact {
					return nil, false, false
				}
				if run, ok = cross(run, q.exact); !ok {
					return nil, false, false
				}
			}
			return run, false, true
		}
		n *= len(p.exact)
		pf = p.pf
	}
	return expand(parts, n), pf, true
}

// expand builds the n literals of the product of exact parts whose left
// parts are prefix-free, in one buffer.
func expand(parts []info, n int) []string {
	if n == 0 {
		return []string{}
	}
	size := 0
	for _, p := range parts {
		l := 0
		for _, s := range p.exact {
			l += len(s)
		}
		size += l * (n / len(p.exact))
	}
	buf := make([]byte, 0, size)
	ends := make([]int, n)
	idx := make([]int, len(parts))
	for c := range n {
		for k, p := range parts {
			buf = append(buf, p.exact[idx[k]]...)
		}
		ends[c] = len(buf)
		for k := len(parts) - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < len(parts[k].exact) {
				break
			}
			idx[k] = 0
		}
	}
	all := string(buf)
	out := make([]string, n)
	start := 0
	for c, e := range ends {
		out[c] = all[start:e]
		start = e
	}
	return out
}

// cross returns every a+b, or false when there would be too many.
func cross(a, b []string) ([]string, bool) {
	n := len(a) * len(b)
	if n > MaxLiterals {
		return nil, false
	}
	if n == 0 {
		return []string{}, true
	}
	la, lb := 0, 0
	for _, x := range a {
		la += len(x)
	}
	for _, y := range b {
		lb += len(y)
	}
	buf := make([]byte, 0, la*len(b)+lb*len(a))
	ends := make([]int, 0, n)
	for _, x := range a {
		for _, y := range b {
			buf = append(buf, x...)
			buf = append(buf, y...)
			ends = append(ends, len(buf))
		}
	}
	all := string(buf)
	out := make([]string, n)
	start := 0
	for c, e := range ends {
		out[c] = all[start:e]
		start = e
	}
	if uniform(a) || uniform(b) {
		// x+y == x'+y' with |x| == |x'| or |y| == |y'| means x == x'
		// and y == y': no duplicates.
		return out, true
	}
	return dedupe(out), true
}

// uniform reports whether every literal of set has the same length.
func uniform(set []string) bool {
	for _, s := range set {
		if len(s) != len(set[0]) {
			return false
		}
	}
	return true
}

// dedupe sorts set and removes its duplicates, in place.
func dedupe(set []string) []string {
	slices.Sort(set)
	return slices.Compact(set)
}

// prefixFree reports whether no literal of a sorted, duplicate-free set is
// a prefix of another (it would be a prefix of its successor).
func prefixFree(sorted []string) bool {
	for i := 1; i < len(sorted); i++ {
		if strings.HasPrefix(sorted[i], sorted[i-1]) {
			return false
		}
	}
	return true
}

// alternate: an exact union when every branch is exact, else the union of
// every branch's best set (no requirement when a branch has none).
func alternate(parts []info) info {
	all := true
	n := 0
	for _, p := range parts {
		if !p.isExact {
			all = false
			break
		}
		n += len(p.exact)
	}
	if all {
		exact := make([]string, 0, n)
		for _, p := range parts {
			exact = append(exact, p.exact...)
		}
		if exact = dedupe(exact); len(exact) <= MaxLiterals {
			return info{exact: exact, isExact: true, pf: prefixFree(exact)}
		}
	}
	var req []string
	for _, p := range parts {
		set, ok := best(p)
		if !ok {
			return unknown
		}
		req = append(req, set...)
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
			cut = append(cut, s[:min(l, len(s))])
		}
		if cut = normalize(cut); len(cut) <= MaxLiterals {
			return cut
		}
	}
	return nil
}

// normalize removes duplicates and drops every literal that contains
// another one of the set (a value containing it contains the shorter one).
// The result is in no particular order.
func normalize(set []string) []string {
	set = byLength(set)
	out := set[:0]
	if len(set) <= 64 {
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
	} else {
		// Look every substring of s up among the kept literals of each
		// length, rather than searching s for each of them.
		kept := make(map[string]struct{}, len(set))
		var lens []int // lengths of kept literals, increasing
		for _, s := range set {
			if !containsAny(s, kept, lens) {
				kept[s] = struct{}{}
				out = append(out, s)
				if len(lens) == 0 || lens[len(lens)-1] != len(s) {
					lens = append(lens, len(s))
				}
			}
		}
	}
	return out
}

// byLength returns set's literals by increasing length (in place when
// that is cheaper).
func byLength(set []string) []string {
	maxLen := 0
	for _, s := range set {
		maxLen = max(maxLen, len(s))
	}
	if len(set) < 16 || maxLen > 4*len(set) {
		slices.SortFunc(set, func(a, b string) int { return len(a) - len(b) })
		return set
	}
	start := make([]int, maxLen+2)
	for _, s := range set {
		start[len(s)+1]++
	}
	for l := 1; l < len(start); l++ {
		start[l] += start[l-1]
	}
	out := make([]string, len(set))
	for _, s := range set {
		out[start[len(s)]] = s
		start[len(s)]++
	}
	return out
}

// containsAny reports whether s contains a literal of kept, whose lengths
// are lens.
func containsAny(s string, kept map[string]struct{}, lens []int) bool {
	for _, l := range lens {
		if l > len(s) {
			break
		}
		for i := 0; i+l <= len(s); i++ {
			if _, ok := kept[s[i:i+l]]; ok {
				return true
			}
		}
	}
	return false
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
