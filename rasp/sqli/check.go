package sqli

import (
	"strings"
	"sync"
)

// Finding describes an input that changed the structure of a statement.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how the input changed the statement, e.g.
	// "input ends a string literal and adds OR".
	Reason string
}

// tokPool holds token buffers for Check, so that repeated checks of
// statements with overlapping inputs do not allocate a buffer each time.
var tokPool = sync.Pool{New: func() any { b := make([]Token, 0, 128); return &b }}

// maxPooled bounds the capacity of the token buffers kept for reuse, so a
// huge statement does not pin its buffer.
const maxPooled = 4096

// ShortInput is the longest input, in significant bytes (whitespace at
// its ends aside), that Check judges by the short-input rules: an input
// this short occurs in statements by chance, so it is reported only for
// what it alone can do to the statement (see Check).
const ShortInput = 3

// MaxRelex bounds how many times one Check lexes the statement again with
// an occurrence blanked out (see Check): past it, an occurrence is judged
// without the exemptions that need the relexing, so an attacker who makes
// an input occur many times buys reports, not time.
const MaxRelex = 16

// Check reports whether one of inputs changed the structure of statement,
// lexed under dialect d: the SQL-injection test of the RASP. It returns the
// first offending input with the reason.
//
// Every non-empty input is looked for in statement, at every occurrence;
// an input that does not occur (parameterized, or escaped by the
// application) is never reported. An occurrence is benign when, ignoring
// whitespace at its ends:
//
//   - it lies inside one string literal, quoted identifier or comment
//     written by the application: it starts after the opening quote (or,
//     overlapping the quote, is part of the literal's unescaped value, which
//     is how a doubled-quote escaping of quotes can look), and does not end
//     with a backslash that escapes a quote after it; in a dialect whose
//     block comments nest, it does not open a nested comment;
//   - it is, or lies inside, one number, one word (identifier, keyword or
//     function: ORDER BY <column>, ASC/DESC) or one whole literal;
//   - it is a value the application's context asks for, written with
//     several tokens: a signed number after an operator, keyword, '(' or
//     ','; a dotted name without spaces (u.name); a sort list after ORDER
//     BY (name DESC, u.created_at ASC NULLS LAST, 2); a row count after
//     LIMIT (10, "10 OFFSET 20", MySQL's "20, 10"); a list of literals
//     inside the parentheses of IN (1,2,3; 'a','b'; or a','b inside the
//     quotes the application wrote), which neither closes the parenthesis
//     nor adds anything but literals and commas.
//
// Any other occurrence is an exploit: it spans several significant tokens
// (ends a literal early, adds operators, keywords, UNION, subqueries,
// comments or ';'), opens a comment or a literal that the application's
// text closes, completes a comment opener the application's text began
// ("-" + "-1"), or leaves an unterminated literal.
//
// Short inputs (at most ShortInput significant bytes) are reported only
// when the occurrence does what a short input can do alone: it ends a
// literal and opens a comment or a new literal that swallow the
// application's quote ('--, '#, ')#, '/*, '='); it opens or completes a
// comment that swallows application text (1#, "-" + "-1"); it adds a ';'
// after a value with more of the application's statement after it (1;);
// or it makes a statement that lexes without it fail to lex (a lone '
// or \ that unbalances the quotes). One symbol, a placeholder, a quote or
// backslash that leaves the statement well formed, a word or a number is
// benign: "1" in WHERE id = 1, "a" in a LIKE pattern, "?" or "," or "*"
// of the application's own text. A short occurrence that looks like one
// of the exploits is a coincidence with the application's delimiters, and
// benign, when the statement with the occurrence blanked out no longer
// lexes from that point (the quote it "ended" was the application's
// opening quote), or when the block comment it "opened" is closed by a
// "*/" that, the occurrence blanked out, closes nothing.
//
// Statements that do not lex (an unterminated literal, quoted identifier
// or block comment, or a control byte outside literals) are judged by
// lexing them again with the occurrence blanked out: when that lexes, the
// input is what broke the statement, and the occurrence is an exploit
// (the reason says how); when it still does not lex, the application's
// own text is broken, the database rejects the statement whatever the
// input, and an occurrence inside the broken region is benign (one before
// it is judged as in a well-formed statement).
//
// Cost: when no input occurs in statement Check scans it once per input
// for the input's rarest byte, and does not allocate. Otherwise it lexes
// the statement once (with a pooled buffer) and visits the occurrences in
// order: those inside one literal or comment are jumped over (only an end
// on a quote the input could escape is looked at), so the work per input
// is linear in the statement, however often the input occurs; the
// statement is lexed again at most MaxRelex times. The bound is thus
// O(len(statement) × inputs + MaxRelex × len(statement)); measured on 2
// cores, 1,000 inputs that each occur at nearly every offset of a 4 KB
// literal cost under 1 ms, and 255 one-byte inputs in a 4 KB statement of
// many tokens 0.2 ms.
//
// Limits: inputs are matched byte for byte, so an input the application
// transformed (decoded, trimmed, case-folded) before building the
// statement is not found; the lexer's gaps apply (MySQL ANSI_QUOTES and
// NO_BACKSLASH_ESCAPES, PostgreSQL standard_conforming_strings off); one
// keyword alone in a value position is accepted as a word; an input that
// ends a literal with a quote the application's next quote doubles is
// ambiguous with an escaped input and is not reported by itself (the input
// that follows in the swallowed text, if any, is); a short input that
// coincides with a comment opener or statement separator the application
// wrote itself ("--" and an application's own "-- note") is reported.
func Check(d Dialect, statement string, inputs []string) (Finding, bool) {
	c := checker{d: d, s: statement, valid: -1}
	defer c.release()
	for _, in := range inputs {
		if len(in) == 0 || len(in) > len(statement) {
			continue
		}
		st := memo{escTok: -1, quotTok: -1}
		fd := newFinder(in)
		for a := fd.next(statement, 0); a >= 0; a = fd.next(statement, c.skip(a, len(in))) {
			c.lex()
			if reason := c.occurrence(a, a+len(in), &st); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
		}
	}
	return Finding{}, false
}

// checker holds the work shared by the occurrences of one Check: the
// statement's tokens, whether it lexes, and the relexing budget.
type checker struct {
	d     Dialect
	s     string
	toks  *[]Token
	valid int8 // 1: no Invalid token; 0: some; -1: not known yet
	relex int  // relexings done
	buf   []byte
	hint  int // the token holding the last occurrence's start
}

// lex tokenizes the statement once.
func (c *checker) lex() {
	if c.toks != nil {
		return
	}
	c.toks = tokPool.Get().(*[]Token)
	*c.toks = Tokenize(c.d, c.s, *c.toks)
	c.valid = 1
	for _, t := range *c.toks {
		if t.Kind == Invalid {
			c.valid = 0
			break
		}
	}
}

func (c *checker) release() {
	if c.toks != nil && cap(*c.toks) <= maxPooled {
		tokPool.Put(c.toks)
	}
}

// skip returns where to look for the next occurrence of an n-byte input
// after the benign one at a. Occurrences inside the same literal or
// comment token are all benign but those whose end meets a quote the
// input could escape, so the search jumps to the next such end, or to the
// first occurrence that reaches past the token: the work per input is then
// linear in the statement however often the input occurs.
func (c *checker) skip(a, n int) int {
	toks, s := *c.toks, c.s
	t := toks[c.hint] // occurrence left it at the token holding a
	if a+n > t.End || a <= t.Start {
		return a + 1
	}
	last := t.End - n + 1 // the first occurrence that reaches past t
	switch t.Kind {
	case QuotedIdentifier:
		if a <= quoteAt(s, t) {
			return a + 1
		}
		return last
	case Comment:
		if a <= t.Start+1 || dialectRules[c.d].nestedComments && isBlockComment(s, t) {
			return a + 1
		}
		return last
	case String:
		q := quoteAt(s, t)
		if a <= q {
			return a + 1
		}
		escapes := dialectRules[c.d].backslash
		if s[t.Start]|0x20 == 'e' && q == t.Start+1 {
			escapes = dialectRules[c.d].eString
		}
		if !escapes || s[q] == '$' {
			return last
		}
		// The next occurrence that ends on a quote inside t, if any.
		if e := nextQuote(s, a+n+1, t.End-1); e >= 0 && e-n < last {
			return max(a+1, e-n)
		}
		return last
	}
	return a + 1
}

// nextQuote returns the offset of the first ' or " in s[from:to], or -1.
func nextQuote(s string, from, to int) int {
	if from >= to {
		return -1
	}
	q := strings.IndexByte(s[from:to], '\'')
	if q >= 0 {
		to = from + q
	}
	if d := strings.IndexByte(s[from:to], '"'); d >= 0 {
		return from + d
	}
	if q >= 0 {
		return from + q
	}
	return -1
}

// quoteAt returns the offset of the opening quote of the literal t (after
// any prefix: N, E, X, B, q).
func quoteAt(s string, t Token) int {
	p := t.Start
	for p < t.End && s[p] != '\'' && s[p] != '"' && s[p] != '`' && s[p] != '[' && s[p] != '$' {
		p++
	}
	return p
}

// relexed describes the statement lexed again with one occurrence blanked.
type relexed struct {
	ok        bool // the budget allowed the relexing
	invalidAt int  // start of the first Invalid token, or -1
	probeKind Kind // kind of the token holding the probe offset
}

// blanked lexes the statement again with s[a:b] replaced by spaces (a
// filler that starts, ends and escapes nothing) and reports where it first
// fails to lex and the kind of the token holding byte probe.
func (c *checker) blanked(a, b, probe int) relexed {
	if c.relex >= MaxRelex {
		return relexed{}
	}
	c.relex++
	c.buf = append(c.buf[:0], c.s...)
	for k := a; k < b; k++ {
		c.buf[k] = ' '
	}
	r := relexed{ok: true, invalidAt: -1, probeKind: Whitespace}
	var sc Scanner
	sc.Reset(c.d, string(c.buf))
	for {
		t, more := sc.Next()
		if !more {
			return r
		}
		if t.Kind == Invalid && r.invalidAt < 0 {
			r.invalidAt = t.Start
		}
		if t.Start <= probe && probe < t.End {
			r.probeKind = t.Kind
		}
		if r.invalidAt >= 0 && t.End > probe {
			return r
		}
	}
}

// occurrence judges the input occupying s[a:b]: "" when benign, else the
// reason it is an exploit.
func (c *checker) occurrence(a, b int, st *memo) string {
	toks := *c.toks
	if c.hint >= len(toks) || toks[c.hint].Start > a {
		c.hint = 0
	}
	c.hint = tokenFrom(toks, c.hint, a)
	i, j := spanFrom(toks, c.hint, a, b)
	reason := judge(c.d, c.s, toks, i, j, a, b, st)
	if reason == "" {
		return ""
	}
	if c.valid == 0 {
		r := c.blanked(a, b, b)
		if !r.ok || r.invalidAt < 0 {
			return reason // the input is what breaks the statement
		}
		for k := i; k <= j; k++ {
			if toks[k].Kind == Invalid {
				return "" // inside the application's own broken text
			}
		}
	}
	if sig := trimmed(c.s, a, b); sig > ShortInput {
		return reason
	}
	return c.short(i, j, a, b, reason)
}

// trimmed returns the length of s[a:b] without whitespace at its ends.
func trimmed(s string, a, b int) int {
	for a < b && isSpace(s[a]) {
		a++
	}
	for b > a && isSpace(s[b-1]) {
		b--
	}
	return b - a
}

// short decides about a short input spanning the significant tokens i..j
// that judge found to change the statement: it is reported only for what
// it alone can do (see Check).
func (c *checker) short(i, j, a, b int, reason string) string {
	s, toks := c.s, *c.toks
	endsLiteral := isQuoted(toks[i]) && toks[i].Start < a && toks[i].End > a && toks[i].End <= b
	for k := i; k <= j; k++ {
		t := toks[k]
		switch {
		case t.Kind == Comment && t.End > b && (t.Start >= a || opensAt(s, t, a)):
			if blank(s, b, t.End) {
				continue // the comment swallows nothing
			}
			if t.Start < a && trimmed(s, a, b) == 1 {
				continue // one byte of an opener the application wrote
			}
			if isBlockComment(s, t) && c.appClosed(a, b, t) {
				continue // the application wrote both ends
			}
			if i == j && !isBlockComment(s, t) && strings.Contains(s[b:t.End], s[a:b]) {
				// A lone line-comment opener whose comment holds the
				// input again: the comment is the application's, the
				// input inside it.
				continue
			}
			if endsLiteral && c.coincidence(a, b) {
				return ""
			}
			if endsLiteral {
				return "input ends a string literal and adds a comment"
			}
			return "input adds a comment that swallows the statement's text"
		case isQuoted(t) && k > i && endsLiteral && t.Start < b && t.End > b:
			if c.coincidence(a, b) {
				return ""
			}
			return "input ends a string literal and opens another"
		case t.Kind == Punct && s[t.Start] == ';' && k > i && codeAfter(s, toks, j+1):
			return "input adds a statement separator"
		}
	}
	return ""
}

// coincidence reports whether the occurrence s[a:b] is the application's
// own delimiters rather than an insertion: with it blanked out, the
// statement stops lexing before b (a literal the application opened now
// runs on). Without relexing budget it is not a coincidence.
func (c *checker) coincidence(a, b int) bool {
	r := c.blanked(a, b, b)
	return r.ok && r.invalidAt >= 0 && r.invalidAt < b
}

// appClosed reports whether the block comment t, opened inside the
// occurrence s[a:b], is closed by a "*/" that closes nothing once the
// occurrence is blanked out: the application wrote both ends of the
// comment, and the occurrence is its opener.
func (c *checker) appClosed(a, b int, t Token) bool {
	s := c.s
	if t.End-t.Start < 4 || s[t.End-2] != '*' || s[t.End-1] != '/' {
		return false
	}
	r := c.blanked(a, b, t.End-2)
	return r.ok && r.invalidAt < 0 && r.probeKind != Comment
}

// isQuoted reports a string literal or quoted identifier.
func isQuoted(t Token) bool { return t.Kind == String || t.Kind == QuotedIdentifier }

// isBlockComment reports a /* */ comment (not a line comment, nor a
// delimiter of a MySQL version comment).
func isBlockComment(s string, t Token) bool {
	return t.End-t.Start >= 4 && s[t.Start] == '/' && s[t.Start+1] == '*' && s[t.Start+2] != '!'
}

// opensAt reports whether the comment t begins with a two-byte opener
// ("--", "/*") whose second byte is at a: the application wrote the first
// byte and the input at a completes the opener.
func opensAt(s string, t Token, a int) bool {
	return t.Start+1 == a && t.End-t.Start >= 2 &&
		(s[t.Start] == '-' && s[t.Start+1] == '-' || s[t.Start] == '/' && s[t.Start+1] == '*')
}

// blank reports whether s[a:b] is only whitespace and comment closers: a
// comment that swallows nothing else of the statement changes nothing.
func blank(s string, a, b int) bool {
	for k := a; k < b; k++ {
		if !isSpace(s[k]) && !(k+1 < b && s[k] == '*' && s[k+1] == '/') && !(k > a && s[k-1] == '*' && s[k] == '/') {
			return false
		}
	}
	return true
}

// codeAfter reports whether a significant token other than a comment or a
// ';' comes at or after index k of the tokens of s.
func codeAfter(s string, toks []Token, k int) bool {
	for ; k < len(toks); k++ {
		switch t := toks[k]; t.Kind {
		case Whitespace, Comment:
		case Punct:
			if s[t.Start] != ';' {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// opensNested reports whether the input s[a:b], inside the block comment t
// of a dialect whose comments nest, changes the comment's depth: an
// unbalanced "/*" or "*/" of its own, or one it completes with the
// application's byte next to it.
func opensNested(s string, t Token, a, b int) bool {
	depth := 0
	if a > t.Start+2 && s[a-1] == '*' && s[a] == '/' {
		depth--
		a++
	}
	for k := a; k < b; k++ {
		switch {
		case k+1 < len(s) && s[k] == '/' && s[k+1] == '*' && k+2 <= t.End-2:
			depth++
			k++
		case k+1 < b && s[k] == '*' && s[k+1] == '/':
			depth--
			k++
		}
	}
	return depth != 0
}

// maxContext bounds how many tokens the context checks walk back from an
// input to find the clause it is in.
const maxContext = 256

// prevSig returns the index of the last significant token (not whitespace
// nor a comment) before index k, or -1.
func prevSig(toks []Token, k int) int {
	for k--; k >= 0; k-- {
		if toks[k].Kind != Whitespace && toks[k].Kind != Comment {
			return k
		}
	}
	return -1
}

// isWord reports whether t is the keyword w (lowercase).
func isWord(s string, t Token, w string) bool {
	return t.Kind == Keyword && strings.EqualFold(t.Text(s), w)
}

// isPunct reports whether t is the punctuation byte c.
func isPunct(s string, t Token, c byte) bool { return t.Kind == Punct && s[t.Start] == c }

// isName reports whether t can name a column in a sort list: an
// identifier, a quoted identifier, a function name not followed by '(' in
// the input (date, user) or a keyword that is not an operator, a clause or
// a statement (name, status).
func isName(t Token) bool {
	switch t.Kind {
	case Identifier, QuotedIdentifier:
		return true
	case Function:
		return t.Class&Danger == 0
	case Keyword:
		return t.Class&(Statement|Logic|WordOp|SetOp|Clause|Value) == 0
	}
	return false
}

// isSortWord reports ASC, DESC, NULLS, FIRST and LAST.
func isSortWord(s string, t Token) bool {
	if t.Kind != Keyword {
		return false
	}
	switch strings.ToLower(t.Text(s)) {
	case "asc", "desc", "nulls", "first", "last":
		return true
	}
	return false
}

// sortList reports whether the significant tokens i..j form a sort list
// (item {, item}, item = name{.name} [ASC|DESC] [NULLS FIRST|LAST], or a
// column number) written where the application's ORDER BY expects one:
// right after ORDER BY, or after a ',' of that clause's list.
func sortList(s string, toks []Token, i, j int) bool {
	// The context: walk back over the list's earlier items to ORDER BY.
	k := prevSig(toks, i)
	for n := 0; k >= 0 && n < maxContext; n++ {
		t := toks[k]
		if isWord(s, t, "by") {
			p := prevSig(toks, k)
			if p < 0 || !isWord(s, toks[p], "order") {
				return false
			}
			break
		}
		if !isName(t) && t.Kind != Number && !isSortWord(s, t) && !isPunct(s, t, '.') && !isPunct(s, t, ',') {
			return false
		}
		k = prevSig(toks, k)
	}
	if k < 0 {
		return false
	}
	// The input: a state machine over its tokens.
	const (
		item   = iota // expecting an item
		named         // after a name or number: '.', ASC/DESC, NULLS, ','
		dotted        // after '.': a name
		dir           // after ASC/DESC: NULLS or ','
		nulls         // after NULLS: FIRST or LAST
		done          // after FIRST/LAST: ','
	)
	state := item
	for k := i; k <= j; k++ {
		t := toks[k]
		switch {
		case t.Kind == Whitespace:
			if state == dotted {
				return false
			}
		case t.Kind == Comment:
			return false
		case state == item && (isName(t) || t.Kind == Number) && !isSortWord(s, t):
			state = named
		case state == dotted && isName(t):
			state = named
		case state == named && isPunct(s, t, '.'):
			state = dotted
		case (state == named || state == dir || state == done) && isPunct(s, t, ','):
			state = item
		case state == named && (isWord(s, t, "asc") || isWord(s, t, "desc")):
			state = dir
		case (state == named || state == dir) && isWord(s, t, "nulls"):
			state = nulls
		case state == nulls && (isWord(s, t, "first") || isWord(s, t, "last")):
			state = done
		default:
			return false
		}
	}
	return state == named || state == dir || state == done
}

// limitList reports whether the significant tokens i..j are a row count
// written right after LIMIT: "n", "n OFFSET m", or MySQL's "offset, n".
func limitList(s string, toks []Token, i, j int) bool {
	p := prevSig(toks, i)
	if p < 0 || !isWord(s, toks[p], "limit") {
		return false
	}
	var sig [4]Token
	n := 0
	for k := i; k <= j; k++ {
		if toks[k].Kind == Whitespace {
			continue
		}
		if n == len(sig) {
			return false
		}
		sig[n] = toks[k]
		n++
	}
	return n == 3 && sig[0].Kind == Number && sig[2].Kind == Number &&
		(isPunct(s, sig[1], ',') || isWord(s, sig[1], "offset"))
}

// inList reports whether the significant tokens i..j are literals and
// commas inside the parentheses of an IN (...) the application wrote:
// numbers (signed or not) and string literals, where the first may be the
// end of a literal the application opened and the last the start of one
// it closes (the input a','b in IN ('a','b')). Nothing else may appear:
// no ')' that closes the list, no operator, word or comment.
func inList(s string, toks []Token, i, j, a, b int) bool {
	// The context: the innermost '(' open before the input follows IN.
	depth, k := 0, i-1
	for n := 0; k >= 0 && n < maxContext; n++ {
		t := toks[k]
		if isPunct(s, t, ')') {
			depth++
		} else if isPunct(s, t, '(') {
			if depth == 0 {
				break
			}
			depth--
		}
		k--
	}
	if k < 0 || !isPunct(s, toks[k], '(') {
		return false
	}
	if p := prevSig(toks, k); p < 0 || !isWord(s, toks[p], "in") {
		return false
	}
	expect := true // an item comes next
	for k := i; k <= j; k++ {
		t := toks[k]
		switch {
		case t.Kind == Whitespace:
		case expect && t.Kind == Number:
			expect = false
		case expect && t.Kind == Operator && t.End-t.Start == 1 && (s[t.Start] == '-' || s[t.Start] == '+') &&
			k < j && toks[k+1].Kind == Number:
		case expect && t.Kind == String:
			if t.Start < a && (k != i || !insideQuotes(s, t, a)) || t.End > b && k != j {
				return false
			}
			expect = false
		case !expect && isPunct(s, t, ','):
			expect = true
		default:
			return false
		}
	}
	return !expect
}

// insideQuotes reports whether offset a is past the opening quote of the
// string literal t.
func insideQuotes(s string, t Token, a int) bool {
	p := t.Start
	for p < t.End && s[p] != '\'' && s[p] != '"' && s[p] != '$' {
		p++
	}
	return a > p
}

// memo keeps, for the occurrences of one input, the work done on the
// literal tokens they fall in, so that many occurrences in one long literal
// cost time linear in its length.
type memo struct {
	escTok  int  // start of the string whose backslash run was measured, or -1
	escP    int  // start of that run
	escEnd  int  // end of that run
	quotTok int  // start of the literal whose value was searched, or -1
	quot    bool // whether that literal's value contains the input
}

// tokenAt returns the index of the token holding byte offset p (toks tile
// the statement, so a binary search finds it).
func tokenAt(toks []Token, p int) int {
	return tokenFrom(toks, 0, p)
}

// tokenFrom is tokenAt for an offset p known to be at or after the start
// of token h: it steps forward a few tokens before searching, so that
// occurrences visited in increasing order cost O(1) each.
func tokenFrom(toks []Token, h, p int) int {
	for n := 0; n < 4 && h < len(toks); n++ {
		if p < toks[h].End {
			return h
		}
		h++
	}
	return h + tokenSearch(toks[h:], p)
}

// tokenSearch is the binary search of tokenAt.
func tokenSearch(toks []Token, p int) int {
	lo, hi := 0, len(toks)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if toks[m].End <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// span returns the first and last significant tokens of the occurrence
// s[a:b]: whitespace at its ends is no structure.
func span(toks []Token, a, b int) (i, j int) {
	return spanFrom(toks, tokenAt(toks, a), a, b)
}

// spanFrom is span given i, the token holding a.
func spanFrom(toks []Token, i, a, b int) (int, int) {
	j := tokenFrom(toks, i, b-1)
	for i < j && toks[i].Kind == Whitespace {
		i++
	}
	for j > i && toks[j].Kind == Whitespace {
		j--
	}
	return i, j
}

// judge decides about the input occupying s[a:b], whose significant
// tokens are i..j: "" when benign, else the reason it is an exploit.
func judge(d Dialect, s string, toks []Token, i, j, a, b int, st *memo) string {
	if i == j {
		return judgeOne(d, s, toks[i], a, b, st)
	}
	if benignRun(s, toks, i, j, a, b) || sortList(s, toks, i, j) ||
		limitList(s, toks, i, j) || inList(s, toks, i, j, a, b) {
		return ""
	}
	return spanReason(s, toks, i, j, a, b)
}

// judgeOne decides about an input within the single significant token t.
func judgeOne(d Dialect, s string, t Token, a, b int, st *memo) string {
	whole := a <= t.Start && t.End <= b
	switch t.Kind {
	case Whitespace:
		return ""
	case Number, Identifier, Keyword, Function:
		// One value or one name, whole or in part: ORDER BY <column>,
		// ASC/DESC, LIMIT <n>. Words and numbers have no escapes, so the
		// input cannot have moved the token's end.
		return ""
	case String, QuotedIdentifier:
		if whole {
			return "" // the input is one complete literal
		}
		// An occurrence that overlaps the opening quote or whose last
		// backslash escapes a quote is an exploit, unless the literal's
		// value contains the input: then the application quoted it and the
		// occurrence is a coincidence of its escaping.
		switch {
		case t.Start >= a:
			if !st.quotedIn(d, s, t, s[a:b]) {
				return "input opens a literal the application closes"
			}
		case st.escapesEnd(d, s, t, b):
			if !st.quotedIn(d, s, t, s[a:b]) {
				return "input escapes the quote after it"
			}
		}
		return ""
	case Comment:
		if t.Start >= a {
			return "input adds a comment"
		}
		if opensAt(s, t, a) {
			return "input completes a comment opener"
		}
		if dialectRules[d].nestedComments && isBlockComment(s, t) && opensNested(s, t, a, b) {
			return "input opens a nested comment"
		}
		return ""
	case Variable:
		if t.Start < a {
			return ""
		}
		return "input adds a variable reference"
	case Invalid:
		return "input leaves an unterminated literal or comment"
	case Operator:
		return "input adds an operator"
	case Punct:
		if s[t.Start] == ';' {
			return "input adds a statement separator"
		}
		return "input adds punctuation"
	}
	return "input changes the statement's tokens"
}

// quotedIn reports whether the value of the literal t, its content with
// doubled quotes and (where the dialect has them) backslash escapes
// undone, contains in: then an occurrence of in that overlaps the literal's
// opening quote is a coincidence of the application's quoting of in (an
// input of quotes and spaces, doubled), not an input that opened a literal
// for the application's quote to close.
func (st *memo) quotedIn(d Dialect, s string, t Token, in string) bool {
	if st.quotTok == t.Start {
		return st.quot
	}
	st.quotTok = t.Start
	st.quot = false
	p := t.Start
	for p < t.End && s[p] != '\'' && s[p] != '"' && s[p] != '`' && s[p] != '[' {
		p++
	}
	if p+1 >= t.End {
		return false
	}
	q := s[p]
	if q == '[' {
		q = ']'
	}
	escapes := (q == '\'' || q == '"') && t.Kind == String && dialectRules[d].backslash
	if s[t.Start]|0x20 == 'e' && p == t.Start+1 {
		escapes = dialectRules[d].eString
	}
	body := s[p+1 : t.End-1]
	if len(in) > len(body) {
		return false
	}
	if strings.IndexByte(body, q) < 0 && (!escapes || strings.IndexByte(body, '\\') < 0) {
		st.quot = strings.Contains(body, in) // nothing to undo
		return st.quot
	}
	var v strings.Builder
	v.Grow(len(body))
	for k := 0; k < len(body); k++ {
		c := body[k]
		if (c == q || (c == '\\' && escapes)) && k+1 < len(body) {
			k++
			c = body[k]
		}
		v.WriteByte(c)
	}
	st.quot = strings.Contains(v.String(), in)
	return st.quot
}

// escapesEnd reports whether, in the backslash-escaping string t, the
// input ending at b ends with a backslash that escapes the byte after it
// (the application's closing quote): an escape the application did not
// double. A doubled quote across b is not reported: an application that
// escapes by doubling quotes produces it from an input ending in a quote.
//
// The run of backslashes that ends at b starts at an escape unit boundary
// (the byte before it is no backslash, so no escape pair crosses into
// it): the byte at b is escaped exactly when the run is odd. The memo
// keeps the last run's start, so occurrences ending in one long run cost
// its length once.
func (st *memo) escapesEnd(d Dialect, s string, t Token, b int) bool {
	if t.Kind != String || b >= t.End || (s[b] != '\'' && s[b] != '"') || s[b-1] != '\\' {
		return false
	}
	p := quoteAt(s, t)
	if p >= t.End || p+1 >= b {
		return false
	}
	escapes := dialectRules[d].backslash
	if s[t.Start]|0x20 == 'e' && p == t.Start+1 {
		escapes = dialectRules[d].eString
	}
	if !escapes {
		return false
	}
	r := b - 1
	if st.escTok == t.Start && st.escP <= r && st.escEnd >= b {
		r = st.escP // the run already measured
	} else {
		for r > p+1 && s[r-1] == '\\' {
			r--
		}
		st.escTok, st.escP, st.escEnd = t.Start, r, b
	}
	return (b-r)%2 == 1
}

// significant reports whether a token matters to the statement's structure.
func significant(t Token) bool { return t.Kind != Whitespace }

// benignRun reports whether the significant tokens i..j, all inside the
// input, form one value the application could have meant as a whole: a
// signed number after an operator, keyword or '(' (price > -12.5), or a
// dotted name (u.name, schema.table.col).
func benignRun(s string, toks []Token, i, j, a, b int) bool {
	// Signed number: an operator '-' or '+' immediately followed by a number.
	if j == i+1 && toks[i].Kind == Operator && toks[j].Kind == Number &&
		toks[i].End-toks[i].Start == 1 && (s[toks[i].Start] == '-' || s[toks[i].Start] == '+') &&
		toks[i].Start >= a && toks[j].End <= b {
		p := i - 1
		for p >= 0 && !significant(toks[p]) {
			p--
		}
		if p < 0 {
			return true
		}
		switch pt := toks[p]; pt.Kind {
		case Operator:
			return true
		case Keyword:
			return pt.Class&(Value) == 0
		case Punct:
			return s[pt.Start] == '(' || s[pt.Start] == ','
		}
		return false
	}
	// Dotted name: word (. word)*, no whitespace.
	if (j-i)%2 != 0 {
		return false
	}
	for k := i; k <= j; k++ {
		t := toks[k]
		if (k-i)%2 == 0 {
			if t.Kind != Identifier && t.Kind != QuotedIdentifier && t.Kind != Keyword {
				return false
			}
			if k != i && t.Start < a || k != j && t.End > b {
				return false
			}
		} else if t.Kind != Punct || s[t.Start] != '.' {
			return false
		}
	}
	return true
}

// spanReason names what the input spanning tokens i..j adds.
func spanReason(s string, toks []Token, i, j, a, b int) string {
	first := "input spans several tokens"
	if t := toks[i]; t.Start < a && (t.Kind == String || t.Kind == QuotedIdentifier) {
		first = "input ends a string literal"
	} else if t.Kind == Invalid {
		first = "input opens an unterminated literal"
	}
	add := ""
	for k := i; k <= j && add == ""; k++ {
		t := toks[k]
		switch t.Kind {
		case Comment:
			add = "a comment"
		case Punct:
			if s[t.Start] == ';' {
				add = "a statement separator"
			}
		case Keyword:
			if t.Class&(SetOp|Statement|Logic) != 0 {
				add = strings.ToUpper(t.Text(s))
			}
		case Function:
			if t.Class&Danger != 0 {
				add = "a dangerous function"
			}
		case Operator:
			add = "an operator"
		}
	}
	if add == "" {
		return first
	}
	return first + " and adds " + add
}
