package sqli

import (
	"strings"
	"sync"
)

// Detect reports whether a value, such as a request parameter, reads as a
// SQL injection on its own, without the statement it may end up in (the
// WAF's is_sqli operator): placed into a query in one of the usual
// contexts, it would end the literal or operand it was meant to be and
// continue as a plausible piece of SQL. start and end delimit the fragment
// that decided.
//
// The value is lexed (Generic dialect) three times, as if it stood
// unquoted in the query (a number or a whole fragment), after a single
// quote and after a double quote. In a quoted context the value must close
// the literal. The tokens that follow must then parse as a prefix of SQL
// under a small grammar: an expression continued by operators, closing
// parentheses, UNION SELECT, ORDER BY and the other clauses, stacked
// statements, and a comment or an open string that swallows the rest of the
// query. A fragment that parses is scored by the SQL structure it holds
// (tautologies, logic operators, function calls, subqueries, catalogs,
// statements, comments used as terminators or spaces); English text that
// happens to parse ("select your plan", "black or white") stays under the
// threshold. The decision uses no list of known attack strings.
//
// The fragment runs from the quote the value breaks out of (or from its
// first token) to the end of the parsed tokens. Only the first
// sqliMaxInput bytes (16 KiB) of a value are examined. Detect does not
// allocate, and is safe for concurrent use.
func Detect(value string) (start, end int, ok bool) {
	if len(value) == 0 {
		return 0, 0, false
	}
	if len(value) > sqliMaxInput {
		value = value[:sqliMaxInput]
	}
	st := sqliPool.Get().(*sqliState)
	defer sqliPool.Put(st)
	return st.detect(value)
}

// sqliMaxInput bounds the bytes of a value that are examined: injection
// payloads are short, and lexing three contexts of a long body field would
// cost time for nothing. The first sqliMaxInput bytes are checked.
const sqliMaxInput = 16 << 10

// sqliMaxSig bounds the significant tokens parsed per context; past it the
// fragment is judged on its first sqliMaxSig tokens.
const sqliMaxSig = 512

// sqliMaxDepth bounds the parser's recursion (nested parentheses,
// subqueries); deeper nesting is judged on what came before it.
const sqliMaxDepth = 64

// sqliState is the reusable scratch space of one Eval.
type sqliState struct {
	sc   Scanner // the lexer of the context being parsed
	toks []Token
	sig  []Token
	p    sqlParser
}

var sqliPool = sync.Pool{New: func() any {
	return &sqliState{toks: make([]Token, 0, 256), sig: make([]Token, 0, 128)}
}}

func (st *sqliState) detect(s string) (int, int, bool) {
	if start, end, ok := st.context(s, 0, true); ok {
		return start, end, true
	}
	for _, q := range [2]byte{'\'', '"'} {
		if strings.IndexByte(s, q) < 0 {
			continue // nothing to break out of this literal with
		}
		if start, end, ok := st.context(s, q, true); ok {
			return start, end, true
		}
		// SQLite, and PostgreSQL with standard strings, read a backslash
		// as an ordinary character: there \' ends the literal.
		if escapedQuote(s, q) {
			if start, end, ok := st.context(s, q, false); ok {
				return start, end, true
			}
		}
	}
	return 0, 0, false
}

// escapedQuote reports whether s holds the quote q after a backslash.
func escapedQuote(s string, q byte) bool {
	for {
		i := strings.IndexByte(s, '\\')
		if i < 0 || i+1 >= len(s) {
			return false
		}
		if s[i+1] == q {
			return true
		}
		s = s[i+1:]
	}
}

// breakout returns the offset of the quote q that ends a literal which the
// value starts inside of, or -1. Doubled quotes, and backslash escapes
// when backslash is set, stay inside the literal.
func breakout(s string, q byte, backslash bool) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if !backslash {
				continue
			}
			i++
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i
		}
	}
	return -1
}

// sqliPrefixTokens is how many tokens of a context are lexed before it is
// parsed; the rest is lexed only when the parser needs it. Most values fail
// to parse within a few tokens (prose is not SQL for long). 0 lexes every
// token first (tests compare the two).
var sqliPrefixTokens = 8

// context checks s placed unquoted (q == 0) or after the quote q, read
// with backslash escapes or without.
//
// The parse first runs on a prefix of the tokens. A parse that fails
// without having looked at the prefix's end fails the same way on all the
// tokens: the parser decides from the tokens it peeks, and what it knows
// of the rest (comments, the budget of peeks) only counts for a fragment
// that parsed. Any other outcome is decided again on all the tokens.
func (st *sqliState) context(s string, q byte, backslash bool) (int, int, bool) {
	off := 0
	if q != 0 {
		i := breakout(s, q, backslash)
		if i < 0 {
			return 0, 0, false
		}
		off = i + 1
	}
	rest := s[off:]
	sc := &st.sc
	sc.Reset(Generic, rest)
	st.toks = st.toks[:0]
	if n := sqliPrefixTokens; n > 0 {
		// One token past the prefix tells whether there are more.
		if st.lex(n+1) <= n {
			start, end, ok, _ := st.parse(s, off, rest, q)
			return start, end, ok // every token
		}
		if start, end, ok, sure := st.parse(s, off, rest, q); sure {
			return start, end, ok
		}
	}
	st.lex(-1) // the rest
	start, end, ok, _ := st.parse(s, off, rest, q)
	return start, end, ok
}

// lex appends tokens of the context to st.toks until it holds n (all of
// them when n < 0) and returns how many it holds.
func (st *sqliState) lex(n int) int {
	for n < 0 || len(st.toks) < n {
		t, ok := st.sc.Next()
		if !ok {
			break
		}
		st.toks = append(st.toks, t)
	}
	return len(st.toks)
}

// parse parses the context from the tokens in st.toks: rest is s from
// off, after the quote q (0: none). sure reports a failure the tokens
// before the last one decided (see context).
func (st *sqliState) parse(s string, off int, rest string, q byte) (start, end int, ok, sure bool) {
	p := &st.p
	p.reset(rest)
	st.sig = p.significant(st.toks, st.sig[:0])
	p.toks = st.sig
	if len(p.toks) == 0 && (q == 0 || !p.terminated) {
		return 0, 0, false, false
	}
	var score int
	if q != 0 {
		score, ok = p.afterQuote(q)
	} else {
		score, ok = p.unquoted()
	}
	if q != 0 && noisyLiteral(s[:off-1]) {
		score -= 2
	}
	if !ok || p.aborted || score < p.threshold(q != 0) {
		// Only a grammar failure short of the last token is sure: a
		// fragment that parsed scores what follows it too.
		return 0, 0, false, !ok && !p.hitEnd && !p.aborted
	}
	start = off - 1
	if q == 0 {
		start = p.toks[0].Start
	}
	end = off + p.lastEnd
	if end <= start {
		end = len(s)
	}
	return start, end, true, false
}

// noisyLiteral reports whether the text a value holds before the quote it
// closes reads as noise rather than as a value: two or more of the symbols
// that names, numbers, addresses and LIKE patterns do not hold (a random
// password or token, "s^d}jm0t9&'#"). An injection written after such a
// prefix needs more SQL to count (see parse).
func noisyLiteral(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '}', '[', ']', '^', '$', '&', '|', '~', '`', '<', '>', '?', '!', '*', ';', '\\':
			if n++; n >= 2 {
				return true
			}
		}
	}
	return false
}

// sqlParser is a permissive recursive-descent parser over the significant
// tokens of one context. Running out of tokens anywhere is success: the
// value only has to be a prefix of SQL, the query supplies the rest.
type sqlParser struct {
	src        string
	toks       []Token
	i          int
	eof        bool // ran out of tokens (or nesting): what was seen parsed
	depth      int  // recursion depth
	parens     int  // parentheses opened by the fragment and not closed
	score      int
	lastEnd    int
	lit        bool // the last operand was a literal
	terminated bool // a line comment or an open block comment ends the fragment
	inline     int  // closed /* */ comments between tokens
	version    bool // MySQL /*! */ comments
	bareEnd    bool // the terminating comment holds nothing but spaces and dashes
	weakEnd    bool // the terminating comment is "--" glued to a word
	quoted     bool // the fragment follows a quote it closed
	peeks      int  // token peeks so far, bounded by sqliPeekBudget
	aborted    bool // the peek budget ran out
	hitEnd     bool // the parser looked at or past the last token
	dangling   bool // a comment ends the fragment where an operand is due
}

// sqliPeekBudget is the fixed part of the per-context peek budget; the rest
// grows with the token count, so the work per value stays linear.
const sqliPeekBudget = 1024

func (p *sqlParser) reset(src string) { *p = sqlParser{src: src} }

// significant keeps the tokens the grammar sees: no whitespace or comments;
// a line comment or an unterminated block comment ends the list.
func (p *sqlParser) significant(toks, dst []Token) []Token {
	for _, t := range toks {
		switch t.Kind {
		case Whitespace:
			continue
		case Comment:
			txt := p.src[t.Start:t.End]
			switch {
			case len(txt) >= 3 && txt[:3] == "/*!", txt == "*/":
				p.version = true
			case txt[0] == '/':
				p.inline++
			case t.End < len(p.src):
				// code continues on the next line: the comment is a space
				p.inline++
			default:
				p.terminated = true
				// "--x" is arithmetic to MySQL and reads as a dash in text, "#x" as a number sign
				p.bareEnd = strings.Trim(txt, "-# \t\r") == ""
				p.weakEnd = txt[0] == '-' && len(txt) > 2 && txt[2] > ' ' || txt[0] == '#' && len(txt) > 1 && txt[1] > ' '
				return dst
			}
			continue
		case Invalid:
			c := p.src[t.Start]
			if c == '/' {
				p.terminated = true
				return dst
			}
			if c != '\'' && c != '"' && c != '`' {
				continue // a control byte: read as space
			}
		}
		if len(dst) == sqliMaxSig {
			return dst
		}
		dst = append(dst, t)
	}
	return dst
}

// threshold is the score a parsed fragment needs.
func (p *sqlParser) threshold(quoted bool) int {
	if quoted {
		return 3
	}
	return 4
}

func (p *sqlParser) finish(ok bool) (int, bool) {
	if !ok || (!p.eof && p.i < len(p.toks)) {
		return 0, false
	}
	// A comment right after the quote must be bare (admin'--), not prose.
	if p.terminated && (p.i > 0 || p.quoted && p.bareEnd) {
		p.score += 2
		if p.weakEnd {
			p.score--
		}
	}
	p.score += min(p.inline, 2)
	if p.version {
		p.score += 3
	}
	if p.dangling {
		p.score--
	}
	return p.score, true
}

// unquoted parses the value as it would stand in a query unquoted.
func (p *sqlParser) unquoted() (int, bool) {
	t := p.toks[0]
	cls := t.Class
	var ok bool
	switch {
	case t.Kind == Keyword && cls&Statement != 0 && !p.callNext(0):
		ok = p.statement() && p.tail()
	case p.startsContinuation():
		ok = p.continuation() && p.tail()
	default:
		ok = p.expr() && p.continuation() && p.tail()
	}
	if p.terminated && !p.eof {
		p.score-- // a comment ends a value less tellingly without a quote
	}
	return p.finish(ok)
}

// afterQuote parses what follows the quote the value closed.
func (p *sqlParser) afterQuote(q byte) (int, bool) {
	p.score++
	p.quoted = true
	// The literal just closed is the query's own: comparing it is no tautology.
	p.lit = false
	ok := p.continuation() && p.tail()
	if n := len(p.toks); ok && n > 0 && p.i == n && !p.terminated {
		// The value reopens a literal for the query's own closing quote
		// with a short token value (' OR '1), not prose.
		if last := p.toks[n-1]; last.Kind == Invalid && p.src[last.Start] == q &&
			last.End-last.Start >= 2 && last.End-last.Start <= 5 && !strings.ContainsAny(p.src[last.Start:last.End], " \t\n") {
			p.score++
		}
	}
	return p.finish(ok)
}

// startsContinuation reports whether the first token continues an operand
// written by the query: a binary operator, a clause, ')' or ';'.
func (p *sqlParser) startsContinuation() bool {
	t := p.toks[0]
	switch t.Kind {
	case Keyword:
		return t.Class&(Logic|WordOp|SetOp|Clause) != 0 && !p.word(0, "not")
	case Punct:
		c := p.src[t.Start]
		return c == ')' || c == ';' || c == ','
	case Operator:
		return isBinaryOp(p.text(0)) && !isUnaryOp(p.text(0))
	}
	return false
}

// ---- token access

const kindEOF Kind = 255

func (p *sqlParser) kind(off int) Kind {
	// Every parser loop peeks at least once per iteration: a budget on
	// peeks bounds the work even if a grammar path stops advancing. Spent,
	// the parser jumps to the end and the context does not match.
	if p.peeks++; p.peeks > sqliPeekBudget+64*len(p.toks) {
		p.aborted, p.eof, p.i = true, true, len(p.toks)
	}
	if j := p.i + off; j < len(p.toks) {
		if j == len(p.toks)-1 {
			p.hitEnd = true
		}
		t := p.toks[j]
		if t.Kind == Invalid {
			return String // an open string closed by the query
		}
		return t.Kind
	}
	p.hitEnd = true
	return kindEOF
}

func (p *sqlParser) text(off int) string {
	if j := p.i + off; j < len(p.toks) {
		if j == len(p.toks)-1 {
			p.hitEnd = true
		}
		return p.src[p.toks[j].Start:p.toks[j].End]
	}
	p.hitEnd = true
	return ""
}

func (p *sqlParser) class(off int) Class {
	if j := p.i + off; j < len(p.toks) {
		if j == len(p.toks)-1 {
			p.hitEnd = true
		}
		return p.toks[j].Class
	}
	p.hitEnd = true
	return 0
}

// word reports whether the token at off is the keyword w (lowercase).
func (p *sqlParser) word(off int, w string) bool {
	k := p.kind(off)
	if k != Keyword && k != Function && k != Identifier {
		return false
	}
	return equalFold(p.text(off), w)
}

func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func (p *sqlParser) punct(off int, c byte) bool {
	return p.kind(off) == Punct && p.src[p.toks[p.i+off].Start] == c
}

func (p *sqlParser) op(off int, s string) bool {
	return p.kind(off) == Operator && p.text(off) == s
}

// callNext reports whether a '(' follows the token at off.
func (p *sqlParser) callNext(off int) bool { return p.punct(off+1, '(') }

func (p *sqlParser) next() {
	if p.i >= len(p.toks)-1 {
		p.hitEnd = true
	}
	if p.i >= len(p.toks) {
		return // aborted, or a path that peeked past the end
	}
	p.lastEnd = p.toks[p.i].End
	p.i++
}

// atEOF marks the fragment complete when the tokens ran out.
func (p *sqlParser) atEOF() bool {
	if p.i >= len(p.toks) {
		p.eof = true
		p.hitEnd = true
		return true
	}
	return false
}

// openEnd is called where the tokens run out and an operand is due: the
// query may supply it, unless a line comment (or an open block comment)
// ends the fragment, which swallows the rest of the query and leaves the
// operator dangling ("6=#", "1<--"). Such a fragment is no valid SQL; it
// counts only with more evidence (see finish).
func (p *sqlParser) openEnd() bool {
	if p.terminated && !p.aborted {
		p.dangling = true
	}
	return true
}

// expect consumes the punctuation c; running out of tokens is success.
func (p *sqlParser) expect(c byte) bool {
	if p.atEOF() {
		return true
	}
	if p.punct(0, c) {
		p.next()
		return true
	}
	return false
}

func (p *sqlParser) enter() bool {
	p.depth++
	if p.depth > sqliMaxDepth {
		p.eof = true
		return false
	}
	return true
}

// ---- expressions

func isComparison(op string) bool {
	switch op {
	case "=", "<>", "!=", "<", ">", "<=", ">=", "<=>", "!<", "!>", "==":
		return true
	}
	return false
}

func isBinaryOp(op string) bool {
	switch op {
	case "+", "-", "*", "/", "%", "^", "|", "&", "<<", ">>", "||", "&&", "::", "->", "->>",
		"~", "!~", "~*", "!~*", ":=", "@>", "<@":
		return true
	}
	return isComparison(op)
}

func isUnaryOp(op string) bool { return op == "-" || op == "+" || op == "~" || op == "!" }

// expr parses operand (operator operand)*.
func (p *sqlParser) expr() bool {
	if !p.enter() {
		return true
	}
	defer func() { p.depth-- }()
	return p.operand() && p.binary()
}

// binary parses the operators that follow an operand.
func (p *sqlParser) binary() bool {
	for !p.eof {
		if p.atEOF() {
			return true
		}
		lhs := p.lit
		switch k := p.kind(0); {
		case k == Operator && isBinaryOp(p.text(0)):
			o := p.text(0)
			p.next()
			if o == "::" { // a cast: a type name follows
				if p.atEOF() {
					return true
				}
				if k := p.kind(0); k != Keyword && k != Identifier && k != Function {
					return false
				}
				p.next()
				continue
			}
			if o == "||" || o == "&&" {
				p.score++
			}
			if !p.operand() {
				return false
			}
			if isComparison(o) {
				p.compared(lhs)
			} else {
				p.lit = lhs && p.lit
			}
		case k == Keyword && p.class(0)&Logic != 0 && !p.word(0, "not"):
			p.next()
			p.score++
			if !p.operand() {
				return false
			}
		case k == Variable && p.text(0) == "?" && p.i > 0 &&
			(p.kind(1) == String || (p.op(1, "|") || p.op(1, "&")) && p.word(2, "array")):
			// PostgreSQL's JSON operators: jsonb ? 'key', ?| and ?& ARRAY[...]
			// (a placeholder cannot follow an operand; a URL's '?' is
			// followed by a name)
			p.next()
			if p.op(0, "|") || p.op(0, "&") {
				p.next()
			}
			p.score++
			if !p.operand() {
				return false
			}
			p.compared(lhs)
		case k == Identifier && (p.word(0, "notnull") || p.word(0, "isnull")):
			// PostgreSQL's and SQLite's postfix IS [NOT] NULL
			p.next()
			p.score++
			p.lit = false
		case k == Operator && p.text(0) == "[":
			// an array subscript or constructor: a[i], a[i:j], ARRAY['a','b']
			if p.i > 0 && p.word(-1, "array") {
				p.score++
			}
			p.next()
			if !p.list() {
				return false
			}
			if p.op(0, ":") {
				p.next()
				if !p.expr() {
					return false
				}
			}
			if p.eof || p.atEOF() {
				return true
			}
			if !p.op(0, "]") {
				return false
			}
			p.next()
			p.lit = false
		case k == Keyword && p.word(0, "not") && p.class(1)&WordOp != 0:
			p.next()
		case k == Keyword && p.class(0)&WordOp != 0:
			if !p.wordOp(lhs) {
				return false
			}
		default:
			return true
		}
	}
	return true
}

// compared scores a comparison whose right operand was just parsed.
func (p *sqlParser) compared(lhs bool) {
	switch {
	case lhs && p.lit:
		p.score += 3 // literal against literal: a tautology or a contradiction
	case lhs || p.lit:
		p.score++
	}
	p.lit = false
}

// wordOp parses LIKE, IN, IS, BETWEEN, REGEXP, ... and their right side.
func (p *sqlParser) wordOp(lhs bool) bool {
	w := p.text(0)
	p.next()
	switch {
	case equalFold(w, "is"):
		if p.word(0, "not") {
			p.next()
		}
		if p.word(0, "distinct") {
			p.next()
			if p.word(0, "from") {
				p.next()
			}
			return p.operand()
		}
		if p.atEOF() {
			return true
		}
		if p.kind(0) == Keyword && p.class(0)&Value != 0 {
			p.next()
			p.score++
			p.lit = false
			return true
		}
		return false
	case equalFold(w, "in"):
		if p.atEOF() {
			return true
		}
		if !p.punct(0, '(') {
			return false
		}
		if !p.operand() { // a parenthesized list or subquery
			return false
		}
		p.score++
		p.lit = false
		return true
	case equalFold(w, "between"):
		if !p.operand() {
			return false
		}
		if p.atEOF() {
			return true
		}
		if !p.word(0, "and") {
			return false
		}
		p.next()
		if !p.operand() {
			return false
		}
		p.score++
		p.lit = false
		return true
	case equalFold(w, "collate"):
		if p.atEOF() {
			return true
		}
		p.next()
		return true
	case equalFold(w, "sounds"), equalFold(w, "similar"):
		if p.word(0, "like") || p.word(0, "to") {
			p.next()
		}
	case equalFold(w, "div"), equalFold(w, "mod"):
		if !p.operand() {
			return false
		}
		p.lit = lhs && p.lit
		return true
	case equalFold(w, "escape"), equalFold(w, "member"):
		return false
	}
	// LIKE, ILIKE, REGEXP, RLIKE, GLOB, MATCH
	if p.word(0, "binary") {
		p.next()
	}
	if !p.operand() {
		return false
	}
	p.compared(lhs)
	if p.word(0, "escape") {
		p.next()
		return p.operand()
	}
	return true
}

// operand parses one operand with its unary prefixes, and sets p.lit.
func (p *sqlParser) operand() bool {
	if p.atEOF() {
		return p.openEnd()
	}
	if !p.enter() {
		return true
	}
	defer func() { p.depth-- }()
	for {
		if p.atEOF() {
			return p.openEnd()
		}
		if p.kind(0) == Operator && isUnaryOp(p.text(0)) || p.word(0, "not") || p.word(0, "binary") {
			p.next()
			continue
		}
		break
	}
	p.lit = false
	if p.atEOF() { // the peek budget can end the tokens inside the loop
		return p.openEnd()
	}
	t := p.toks[p.i]
	k := p.kind(0)
	switch k {
	case Number:
		if txt := p.text(0); len(txt) > 2 && (txt[1] == 'x' || txt[1] == 'X') {
			p.score++
		}
		p.next()
		p.lit = true
		return true
	case String:
		p.next()
		p.lit = true
		return true
	case Variable:
		txt := p.text(0)
		if len(txt) > 2 && txt[1] == '@' {
			p.score += 2
		} else if txt[0] == '@' {
			p.score++
		}
		p.next()
		return true
	case Punct:
		if p.punct(0, '(') {
			return p.parens1()
		}
		return false
	case Identifier, QuotedIdentifier:
		if t.Class&Catalog != 0 {
			p.score += 2
		}
		if k == Identifier && p.callNext(0) {
			p.next()
			return p.call()
		}
		return p.name()
	case Function, Keyword:
		cls := t.Class
		if (p.word(0, "all") || p.word(0, "any") || p.word(0, "some")) && p.callNext(0) {
			// a quantified comparison: x = ALL (SELECT ...)
			p.next()
			p.score++
			return p.parens1()
		}
		if k == Keyword && cls&Func == 0 && cls&(Statement|Clause|Logic|WordOp|SetOp|Value) == 0 && p.callNext(0) {
			// a type or other keyword used as a function: json(x), date(x)
			p.next()
			p.score++
			return p.call()
		}
		if cls&Func != 0 && p.callNext(0) {
			p.next()
			p.score++
			if cls&Danger != 0 {
				p.score += 2
			}
			return p.call()
		}
		switch {
		case cls&Value != 0:
			p.next()
			p.lit = p.word(-1, "null") || p.word(-1, "true") || p.word(-1, "false")
			if !p.lit {
				p.score++ // CURRENT_USER and the like
			}
			return true
		case k == Function || cls&(Func|Type) != 0 && cls&(Statement|Clause|Logic|WordOp|SetOp) == 0:
			return p.name()
		case p.word(0, "case"):
			return p.caseExpr()
		case p.word(0, "exists"):
			p.next()
			if p.atEOF() {
				return true
			}
			if !p.punct(0, '(') {
				return false
			}
			p.score++
			return p.parens1()
		case p.word(0, "interval"):
			p.next()
			if !p.operand() {
				return false
			}
			if p.atEOF() {
				return true
			}
			p.next() // the unit
			return true
		}
	}
	return false
}

// name parses a dotted name: a.b.c, db..table, t.*.
func (p *sqlParser) name() bool {
	p.next()
	for p.punct(0, '.') {
		p.next()
		for p.punct(0, '.') { // SQL Server's master..sysobjects
			p.next()
		}
		if p.atEOF() {
			return true
		}
		switch k := p.kind(0); {
		case k == Identifier || k == QuotedIdentifier || k == Keyword || k == Function:
			if p.class(0)&Catalog != 0 {
				p.score += 2
			}
			if p.callNext(0) {
				p.next()
				return p.call()
			}
			p.next()
		case k == Operator && p.text(0) == "*":
			p.next()
			return true
		default:
			return false
		}
	}
	return true
}

// parens1 parses a parenthesized subquery or expression list at '('.
func (p *sqlParser) parens1() bool {
	p.next()
	p.parens++
	if p.atEOF() {
		return true
	}
	if p.word(0, "select") || p.word(0, "with") {
		p.score += 2
		if !p.selectStmt() || !p.tail() {
			return false
		}
	} else if !p.list() {
		return false
	}
	if p.eof {
		return true
	}
	if !p.expect(')') {
		return false
	}
	p.parens--
	p.alias() // a derived table may carry an alias
	return true
}

// list parses expr (, expr)*.
func (p *sqlParser) list() bool {
	for {
		if !p.expr() {
			return false
		}
		if p.eof || !p.punct(0, ',') {
			return true
		}
		p.next()
	}
}

// call parses a function's arguments at '('. Inside them AS, USING, FROM,
// FOR, SEPARATOR, IN and ORDER BY join arguments (CAST(x AS int),
// CONVERT(x USING utf8), SUBSTRING(x FROM 1 FOR 2), GROUP_CONCAT(x SEPARATOR y)).
func (p *sqlParser) call() bool {
	p.next() // (
	p.parens++
	if p.atEOF() {
		return true
	}
	if p.punct(0, ')') {
		p.next()
		p.parens--
		return true
	}
	if p.word(0, "select") {
		p.score += 2
		if !p.selectStmt() || !p.tail() {
			return false
		}
	} else {
		if p.word(0, "distinct") || p.word(0, "all") {
			p.next()
		}
		for {
			if p.op(0, "*") {
				p.next()
			} else if !p.expr() {
				return false
			}
			if p.eof || p.atEOF() {
				return true
			}
			if p.punct(0, ',') {
				p.next()
				continue
			}
			if p.word(0, "as") || p.word(0, "using") || p.word(0, "char") || p.word(0, "character") {
				// a type or charset name, possibly with a size
				p.next()
				for k := p.kind(0); (k == Keyword || k == Identifier || k == Function) &&
					!p.punct(1, ','); k = p.kind(0) {
					p.next()
					if p.punct(0, '(') {
						p.next()
						if !p.list() || !p.expect(')') {
							return false
						}
					}
				}
				if p.atEOF() {
					return true
				}
				if p.punct(0, ',') {
					p.next()
					continue
				}
				break
			}
			if p.word(0, "from") || p.word(0, "for") || p.word(0, "separator") || p.word(0, "in") ||
				p.word(0, "order") || p.word(0, "by") {
				p.next()
				if p.word(0, "by") {
					p.next()
				}
				continue
			}
			break
		}
	}
	if p.eof {
		return true
	}
	if !p.expect(')') {
		return false
	}
	p.parens--
	return true
}

// caseExpr parses CASE [x] WHEN a THEN b ... [ELSE c] END.
func (p *sqlParser) caseExpr() bool {
	p.next()
	p.score += 2
	if !p.word(0, "when") {
		if !p.expr() {
			return false
		}
	}
	for !p.eof {
		if p.atEOF() {
			return true
		}
		switch {
		case p.word(0, "when"), p.word(0, "then"), p.word(0, "else"):
			p.next()
			if !p.expr() {
				return false
			}
		case p.word(0, "end"):
			p.next()
			return true
		default:
			return false
		}
	}
	return true
}

// ---- clauses and statements

// continuation parses what may follow an operand at the top of the
// fragment: operators, commas (a list the query opened) and closing
// parentheses the query opened.
func (p *sqlParser) continuation() bool {
	for !p.eof {
		if !p.binary() {
			return false
		}
		if p.eof || p.atEOF() {
			return true
		}
		switch {
		case p.punct(0, ')') && p.parens == 0:
			p.next()
			p.alias()
		case p.punct(0, ',') && p.parens == 0:
			p.next()
			if !p.expr() {
				return false
			}
		default:
			return true
		}
	}
	return true
}

// alias skips an optional [AS] alias after a closing parenthesis or a table.
func (p *sqlParser) alias() {
	if p.word(0, "as") && (p.kind(1) == Identifier || p.kind(1) == QuotedIdentifier) {
		p.next()
		if !p.atEOF() && (p.kind(0) == Identifier || p.kind(0) == QuotedIdentifier) {
			p.next()
		}
		return
	}
	if p.kind(0) == Identifier || p.kind(0) == QuotedIdentifier {
		p.next()
	}
}

// tail parses clauses and statements that follow an expression, until the
// end or a ')' that closes a parenthesis of the fragment.
func (p *sqlParser) tail() bool {
	for !p.eof {
		if p.atEOF() {
			return true
		}
		t := p.toks[p.i]
		switch {
		case p.punct(0, ')'):
			if p.parens > 0 {
				return true
			}
			if !p.continuation() {
				return false
			}
			continue
		case p.punct(0, ';'):
			p.next()
			p.score++
			if p.atEOF() {
				return true
			}
			if p.kind(0) != Keyword || p.class(0)&Statement == 0 {
				return false
			}
			if !p.statement() {
				return false
			}
			continue
		case t.Kind != Keyword:
			return false
		case t.Class&SetOp != 0:
			p.next()
			if p.word(0, "all") || p.word(0, "distinct") {
				p.next()
			}
			if p.atEOF() {
				return true
			}
			if p.punct(0, '(') {
				p.score += 3
				if !p.parens1() {
					return false
				}
				continue
			}
			if !p.word(0, "select") {
				return false
			}
			p.score += 2
			if !p.selectStmt() {
				return false
			}
			continue
		case p.word(0, "order") || p.word(0, "group"):
			p.next()
			if p.atEOF() {
				return true
			}
			if !p.word(0, "by") {
				return false
			}
			p.next()
			p.score += 2
			for {
				if !p.expr() {
					return false
				}
				if p.word(0, "asc") || p.word(0, "desc") {
					p.next()
				}
				if p.word(0, "with") && p.word(1, "rollup") {
					p.next()
					p.next()
				}
				if p.eof || !p.punct(0, ',') {
					break
				}
				p.next()
			}
		case p.word(0, "having"), p.word(0, "where"):
			if p.word(0, "having") {
				p.score++
			}
			p.next()
			p.score++
			if !p.expr() {
				return false
			}
		case p.word(0, "limit"), p.word(0, "offset"):
			p.next()
			p.score += 2
			if !p.expr() {
				return false
			}
			if p.punct(0, ',') || p.word(0, "offset") {
				p.next()
				if !p.expr() {
					return false
				}
			}
		case p.word(0, "procedure"):
			p.next()
			p.score += 2
			if !p.operand() {
				return false
			}
		case p.word(0, "into"):
			p.next()
			p.score += 2
			if p.word(0, "outfile") || p.word(0, "dumpfile") {
				p.next()
				p.score++
			}
			if !p.list() {
				return false
			}
		case p.word(0, "from"):
			p.next()
			p.score++
			if !p.tables() {
				return false
			}
		case p.word(0, "as"):
			i := p.i
			if p.alias(); p.i == i {
				return false
			}
		case p.word(0, "for") && p.word(1, "update"):
			p.next()
			p.next()
		case t.Class&Statement != 0 && p.batchStatement():
			// SQL Server runs statements one after another without ';'
			if !p.statement() {
				return false
			}
		default:
			return false
		}
		if p.eof {
			return true
		}
		if !p.continuation() {
			return false
		}
	}
	return true
}

// batchStatement reports whether the statement keyword at the cursor may
// follow another statement without a ';' (SQL Server batches).
func (p *sqlParser) batchStatement() bool {
	for _, w := range [...]string{"waitfor", "exec", "execute", "declare", "drop", "insert", "delete", "update", "shutdown", "if"} {
		if p.word(0, w) {
			return !p.word(0, "if") || !p.callNext(0)
		}
	}
	return false
}

// tables parses FROM's table references.
func (p *sqlParser) tables() bool {
	for {
		if p.atEOF() {
			return true
		}
		switch k := p.kind(0); {
		case p.punct(0, '('):
			if !p.parens1() {
				return false
			}
		case k == Identifier || k == QuotedIdentifier || k == Function ||
			k == Keyword && p.class(0)&(Func|Type) != 0 && p.class(0)&Clause == 0:
			if p.class(0)&Catalog != 0 {
				p.score += 2
			}
			if p.callNext(0) {
				p.next()
				if !p.call() {
					return false
				}
			} else if !p.name() {
				return false
			}
		default:
			return false
		}
		if p.eof {
			return true
		}
		p.alias()
		switch {
		case p.punct(0, ','):
			p.next()
		case p.word(0, "join") || p.word(0, "left") || p.word(0, "inner") || p.word(0, "cross") || p.word(0, "right"):
			for p.word(0, "left") || p.word(0, "right") || p.word(0, "inner") || p.word(0, "outer") || p.word(0, "cross") {
				p.next()
			}
			if p.atEOF() {
				return true
			}
			if !p.word(0, "join") {
				return false
			}
			p.next()
			if !p.tables() {
				return false
			}
			if p.word(0, "on") {
				p.next()
				return p.expr()
			}
			return true
		default:
			return true
		}
	}
}

// selectStmt parses SELECT and its select list; the clauses after it are
// left to tail.
func (p *sqlParser) selectStmt() bool {
	p.next()
	p.score++
	for p.word(0, "distinct") || p.word(0, "all") || p.word(0, "distinctrow") ||
		p.kind(0) == Keyword && len(p.text(0)) > 4 && equalFold(p.text(0)[:4], "sql_") {
		p.next()
	}
	if p.word(0, "top") {
		p.next()
		if !p.operand() {
			return false
		}
	}
	litItem := false
	for {
		if p.atEOF() {
			return true
		}
		if p.op(0, "*") {
			p.next()
			p.score++
		} else {
			if !p.expr() {
				return false
			}
			if p.lit && !litItem {
				litItem = true
				p.score++ // SELECT 1, SELECT 'a': probing, not prose
			}
			if p.eof {
				return true
			}
			p.alias()
		}
		if !p.punct(0, ',') {
			return true
		}
		p.next()
	}
}

// statement parses a statement at its first keyword: SELECT in full, the
// others by a head that must look right (DROP TABLE x, WAITFOR DELAY '..',
// EXEC name, DECLARE @v, ...), after which the rest up to ';' is skipped.
func (p *sqlParser) statement() bool {
	switch {
	case p.word(0, "select"):
		return p.selectStmt()
	case p.word(0, "waitfor"):
		p.next()
		if p.atEOF() {
			return true
		}
		if !p.word(0, "delay") && !p.word(0, "time") {
			return false
		}
		p.next()
		p.score += 4
		return p.operand()
	case p.word(0, "insert"), p.word(0, "replace"):
		p.next()
		if p.word(0, "into") {
			p.next()
		} else if !p.atEOF() && !((p.kind(0) == Identifier || p.kind(0) == QuotedIdentifier) &&
			(p.punct(1, '(') || p.word(1, "values") || p.word(1, "value") || p.word(1, "set") || p.word(1, "select"))) {
			// MySQL's INSERT and REPLACE take the table without INTO, but
			// then its columns or values must follow ("replace batteries
			// yearly" is prose)
			return false
		}
		// the table's name, then anything up to ';'
		return p.head(0, Identifier, QuotedIdentifier)
	case p.word(0, "update"):
		p.next()
		if !p.atEOF() && p.kind(0) != Identifier && p.kind(0) != QuotedIdentifier {
			return false
		}
		if !p.name() {
			return false
		}
		if p.atEOF() {
			return true
		}
		if !p.word(0, "set") {
			return false
		}
		return p.head(0)
	case p.word(0, "delete"):
		p.next()
		if p.atEOF() {
			return true
		}
		if !p.word(0, "from") {
			return false
		}
		p.next()
		return p.head(0, Identifier, QuotedIdentifier)
	case p.word(0, "drop"), p.word(0, "create"), p.word(0, "alter"), p.word(0, "truncate"):
		trunc := p.word(0, "truncate")
		p.next()
		if p.atEOF() {
			return true
		}
		if trunc && (p.kind(0) == Identifier || p.kind(0) == QuotedIdentifier) {
			return p.head(0)
		}
		if p.kind(0) != Keyword || p.class(0)&(Statement|Logic) != 0 {
			return false
		}
		if p.word(0, "or") && !p.word(1, "replace") {
			return false
		}
		p.next()
		return p.head(0, Identifier, QuotedIdentifier, Keyword)
	case p.word(0, "exec"), p.word(0, "execute"):
		p.next()
		// a procedure name takes arguments or ends the statement
		if k := p.kind(0); k == Identifier && !p.punct(1, '.') && !p.punct(1, ';') && !p.punct(1, '(') {
			if k1 := p.kind(1); k1 != kindEOF && k1 != String && k1 != Number && k1 != Variable {
				return false
			}
		}
		return p.head(0, Identifier, QuotedIdentifier, Function, Variable, Punct)
	case p.word(0, "declare"):
		p.next()
		return p.head(0, Variable)
	case p.word(0, "set"):
		p.next()
		if p.atEOF() {
			return true
		}
		if p.kind(0) != Variable && p.kind(0) != Identifier {
			return false
		}
		p.next()
		if p.atEOF() {
			return true
		}
		if !p.op(0, "=") && !p.op(0, ":=") {
			return false
		}
		return p.head(0)
	case p.word(0, "shutdown"):
		p.next()
		p.score += 2
		return p.head(0, Keyword)
	case p.word(0, "if"):
		p.next()
		cond := p.i
		if !p.expr() {
			return false
		}
		if p.eof || p.atEOF() {
			return true
		}
		if p.i == cond+1 && p.toks[cond].Kind == Identifier {
			// IF takes a condition: a bare name is prose ("if we copy the feed")
			return false
		}
		if p.word(0, "begin") {
			return p.head(1)
		}
		if p.kind(0) != Keyword || p.class(0)&Statement == 0 {
			return false
		}
		p.score++
		return p.statement()
	case p.word(0, "call"):
		p.next()
		return p.head(0, Identifier, Function)
	case p.word(0, "show"), p.word(0, "grant"), p.word(0, "revoke"), p.word(0, "load"), p.word(0, "use"),
		p.word(0, "kill"), p.word(0, "pragma"), p.word(0, "attach"), p.word(0, "copy"), p.word(0, "handler"):
		first := p.i == 0
		p.next()
		if first && p.longStatement(maxOpeningStatement) {
			// A value that opens with the word and runs on is an
			// imperative sentence ("Use the optical monitor, then ..."),
			// not USE db or SHOW TABLES.
			return false
		}
		return p.head(0, Keyword, Identifier, Function)
	}
	return false
}

// maxOpeningStatement is the most tokens a statement of the administrative
// kind (SHOW, USE, GRANT, LOAD, COPY, KILL...) has when it opens a value:
// "GRANT ALL PRIVILEGES ON db.* TO 'u'@'%'" has 13.
const maxOpeningStatement = 16

// longStatement reports whether more than n tokens follow before the
// statement ends (a ';' or a comment) or the value does.
func (p *sqlParser) longStatement(n int) bool {
	for k := p.i; k < len(p.toks); k++ {
		t := p.toks[k]
		if t.Kind == Comment || t.Kind == Punct && p.src[t.Start] == ';' {
			return false
		}
		if k-p.i >= n {
			return true
		}
	}
	return false
}

// head checks the token after a statement's first words against kinds
// (none: anything), scores the statement and skips the rest of it up to a
// ';' at the same depth, scoring dangerous functions and catalogs in it.
func (p *sqlParser) head(skip int, kinds ...Kind) bool {
	for ; skip > 0 && !p.atEOF(); skip-- {
		p.next()
	}
	if p.atEOF() {
		return true
	}
	if len(kinds) > 0 {
		ok := false
		for _, k := range kinds {
			if p.kind(0) == k && (k != Punct || p.punct(0, '(')) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	p.score += 3
	depth := 0
	for !p.atEOF() {
		switch {
		case p.punct(0, '('):
			depth++
		case p.punct(0, ')'):
			depth--
			if depth < 0 && p.parens > 0 {
				return true
			}
		case p.punct(0, ';') && depth <= 0:
			return true
		}
		if p.dangerous(0) {
			p.score += 2
		}
		p.next()
	}
	return true
}

// dangerous reports whether the token at off is a catalog, or a dangerous
// function or procedure written as code: called, or a name no English
// word spells (xp_cmdshell, pg_sleep, load_file). "Show me how to sleep
// better" holds SLEEP as a word.
func (p *sqlParser) dangerous(off int) bool {
	c := p.class(off)
	if c&Catalog != 0 {
		return true
	}
	return c&Danger != 0 && (p.punct(off+1, '(') || strings.ContainsAny(p.text(off), "_0123456789$"))
}
