package sqli

import "github.com/rampartsec/rampart/internal/hexdigit"

// MaxTokens bounds the tokens produced for one input. A statement with more
// tokens than this is far beyond anything written by hand or by an ORM for
// one call; past the limit the rest of the input becomes a single Invalid
// token, so the spans still tile the input and memory stays bounded
// (MaxTokens tokens of 32 bytes is 2 MiB) however large the input is.
const MaxTokens = 1 << 16

// Tokenize appends the tokens of s, lexed under dialect d, to dst[:0] and
// returns it. It never fails: bytes that start no token, and unterminated
// strings, identifiers and comments, become Invalid tokens. The spans of
// the result tile s exactly: the first starts at 0, each starts where the
// previous ended and the last ends at len(s). It runs in time linear in
// len(s) and allocates only when dst lacks capacity.
func Tokenize(d Dialect, s string, dst []Token) []Token {
	dst = dst[:0]
	var sc Scanner
	sc.Reset(d, s)
	for {
		t, ok := sc.Next()
		if !ok {
			return dst
		}
		dst = append(dst, t)
	}
}

// Scanner produces the tokens of one input one at a time. The zero value
// scans an empty input; call Reset to start on another.
type Scanner struct {
	src     string
	pos     int
	n       int // tokens produced
	d       Dialect
	r       *rules
	version bool // inside a MySQL /*! ... */ version comment
}

// Reset makes the scanner scan s under dialect d from the beginning.
func (sc *Scanner) Reset(d Dialect, s string) {
	if d >= numDialects {
		d = Generic
	}
	*sc = Scanner{src: s, d: d, r: &dialectRules[d]}
}

// Next returns the next token, or false at the end of the input.
func (sc *Scanner) Next() (Token, bool) {
	if sc.r == nil {
		sc.r = &dialectRules[Generic]
	}
	start := sc.pos
	if start >= len(sc.src) {
		return Token{}, false
	}
	sc.n++
	if sc.n >= MaxTokens {
		sc.pos = len(sc.src)
		return Token{Kind: Invalid, Start: start, End: sc.pos}, true
	}
	k, c := sc.scan()
	if sc.pos <= start { // defensive: always make progress
		sc.pos = start + 1
		k = Invalid
	}
	return Token{Kind: k, Class: c, Start: start, End: sc.pos}, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordStart reports whether c can begin a bare word. Bytes of multi-byte
// UTF-8 sequences are word bytes, as every dialect allows letters beyond
// ASCII in identifiers.
func isWordStart(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c >= 0x80
}

func (sc *Scanner) isWordByte(c byte) bool {
	return isWordStart(c) || isDigit(c) || (c == '$' && sc.r.dollarIdentChar)
}

func (sc *Scanner) peek(i int) byte {
	if p := sc.pos + i; p < len(sc.src) {
		return sc.src[p]
	}
	return 0
}

// scan lexes one token at sc.pos and advances past it.
func (sc *Scanner) scan() (Kind, Class) {
	s, r := sc.src, sc.r
	c := s[sc.pos]
	switch {
	case isSpace(c):
		for sc.pos < len(s) && isSpace(s[sc.pos]) {
			sc.pos++
		}
		return Whitespace, 0
	case isDigit(c) || (c == '.' && isDigit(sc.peek(1))):
		sc.number()
		return Number, 0
	case c == '\'':
		return sc.quoted('\'', r.backslash, String), 0
	case c == '"':
		if r.dquoteString {
			return sc.quoted('"', r.backslash, String), 0
		}
		return sc.quoted('"', false, QuotedIdentifier), 0
	case c == '`' && r.backtick:
		return sc.quoted('`', false, QuotedIdentifier), 0
	case c == '[' && r.brackets:
		return sc.quoted(']', false, QuotedIdentifier), 0
	case isWordStart(c):
		if k, ok := sc.prefixedString(); ok {
			return k, 0
		}
		return sc.word()
	case c == '-' && sc.peek(1) == '-':
		if !r.dashNeedsSpace || sc.pos+2 >= len(s) || s[sc.pos+2] <= ' ' || s[sc.pos+2] == 0x7f {
			sc.lineComment()
			return Comment, 0
		}
	case c == '#' && r.hashComment:
		sc.lineComment()
		return Comment, 0
	case c == '/' && sc.peek(1) == '*':
		return sc.blockComment(), 0
	case c == '*' && sc.peek(1) == '/' && sc.version:
		sc.version = false
		sc.pos += 2
		return Comment, 0
	case c == '(' || c == ')' || c == ',' || c == ';' || c == '.':
		sc.pos++
		return Punct, 0
	case c == '?':
		sc.pos++
		return Variable, 0
	case c == '$':
		if r.dollarQuote {
			if k, ok := sc.dollarQuoted(); ok {
				return k, 0
			}
		}
		if r.dollarParam && isDigit(sc.peek(1)) {
			sc.pos++
			for sc.pos < len(s) && isDigit(s[sc.pos]) {
				sc.pos++
			}
			return Variable, 0
		}
		if r.dollarParam && sc.d == SQLite && isWordStart(sc.peek(1)) {
			sc.pos++
			sc.skipWord()
			return Variable, 0
		}
	case c == ':' && r.colonParam && isWordStart(sc.peek(1)):
		sc.pos++
		sc.skipWord()
		return Variable, 0
	case c == '@' && r.atVariable:
		p := 1
		if sc.peek(1) == '@' {
			p = 2
		}
		if n := sc.peek(p); isWordStart(n) || isDigit(n) || n == '$' {
			sc.pos += p
			sc.skipWord()
			return Variable, 0
		}
	case c < ' ' || c == 0x7f:
		sc.pos++
		return Invalid, 0
	}
	sc.operator()
	return Operator, 0
}

func (sc *Scanner) skipWord() {
	for sc.pos < len(sc.src) && sc.isWordByte(sc.src[sc.pos]) {
		sc.pos++
	}
}

// word lexes a bare word and classifies it with the keyword table.
func (sc *Scanner) word() (Kind, Class) {
	start := sc.pos
	sc.skipWord()
	// MySQL and SQLite allow words that start with digits; those reach here
	// only through number(). Oracle and others allow '#' inside names: not
	// handled, '#' is an operator or a comment.
	cls := Lookup(sc.src[start:sc.pos])
	switch {
	case cls == 0 || cls&(Reserved|Func) == 0:
		return Identifier, cls
	case cls&Reserved != 0:
		return Keyword, cls
	default:
		return Function, cls
	}
}

// number lexes 123, 1.5, .5, 1e-3, 0x1F and 0b101.
func (sc *Scanner) number() {
	s := sc.src
	if s[sc.pos] == '0' && (sc.peek(1) == 'x' || sc.peek(1) == 'X') && hexdigit.Is(sc.peek(2)) {
		sc.pos += 2
		for sc.pos < len(s) && hexdigit.Is(s[sc.pos]) {
			sc.pos++
		}
		return
	}
	if s[sc.pos] == '0' && (sc.peek(1) == 'b' || sc.peek(1) == 'B') && (sc.peek(2) == '0' || sc.peek(2) == '1') {
		sc.pos += 2
		for sc.pos < len(s) && (s[sc.pos] == '0' || s[sc.pos] == '1') {
			sc.pos++
		}
		return
	}
	for sc.pos < len(s) && isDigit(s[sc.pos]) {
		sc.pos++
	}
	if sc.pos < len(s) && s[sc.pos] == '.' {
		sc.pos++
		for sc.pos < len(s) && isDigit(s[sc.pos]) {
			sc.pos++
		}
	}
	if sc.pos < len(s) && (s[sc.pos] == 'e' || s[sc.pos] == 'E') {
		p := sc.pos + 1
		if p < len(s) && (s[p] == '+' || s[p] == '-') {
			p++
		}
		if p < len(s) && isDigit(s[p]) {
			for p < len(s) && isDigit(s[p]) {
				p++
			}
			sc.pos = p
		}
	}
}

// quoted lexes a literal or identifier opened by the byte at sc.pos and
// closed by end. A doubled closing byte stands for itself; with backslash,
// a backslash escapes the next byte. Unterminated, it is Invalid.
func (sc *Scanner) quoted(end byte, backslash bool, k Kind) Kind {
	s := sc.src
	sc.pos++
	for sc.pos < len(s) {
		c := s[sc.pos]
		switch {
		case c == '\\' && backslash:
			sc.pos += 2
			if sc.pos > len(s) {
				sc.pos = len(s)
			}
		case c == end:
			sc.pos++
			if sc.pos < len(s) && s[sc.pos] == end {
				sc.pos++
				continue
			}
			return k
		default:
			sc.pos++
		}
	}
	return Invalid
}

// prefixedString lexes N'..', E'..', X'..', B'..' and Oracle's q'[..]' and
// nq'..'; it reports false, consuming nothing, when the word at sc.pos is
// not such a prefix.
func (sc *Scanner) prefixedString() (Kind, bool) {
	r := sc.r
	c := sc.src[sc.pos] | 0x20
	p1 := sc.peek(1)
	if p1 == '\'' {
		switch {
		case c == 'x' || c == 'b':
			sc.pos++
			return sc.quoted('\'', false, String), true
		case c == 'n' && r.nString:
			sc.pos++
			return sc.quoted('\'', r.backslash, String), true
		case c == 'e' && r.eString:
			sc.pos++
			return sc.quoted('\'', true, String), true
		case c == 'q' && r.qQuote:
			sc.pos++
			return sc.qQuoted(), true
		}
		return 0, false
	}
	if c == 'n' && r.qQuote && (p1|0x20) == 'q' && sc.peek(2) == '\'' {
		sc.pos += 2
		return sc.qQuoted(), true
	}
	return 0, false
}

// qQuoted lexes Oracle's q'c...c' at the quote: c is any byte but space, and
// [ ( { < close with ] ) } >.
func (sc *Scanner) qQuoted() Kind {
	s := sc.src
	sc.pos++ // the quote
	if sc.pos >= len(s) || isSpace(s[sc.pos]) {
		sc.pos = len(s)
		return Invalid
	}
	open := s[sc.pos]
	closing := open
	switch open {
	case '[':
		closing = ']'
	case '(':
		closing = ')'
	case '{':
		closing = '}'
	case '<':
		closing = '>'
	}
	sc.pos++
	for sc.pos+1 < len(s) {
		if s[sc.pos] == closing && s[sc.pos+1] == '\'' {
			sc.pos += 2
			return String
		}
		sc.pos++
	}
	sc.pos = len(s)
	return Invalid
}

// dollarQuoted lexes PostgreSQL's $tag$...$tag$ at a '$'; it reports false,
// consuming nothing, when no tag delimiter starts here.
func (sc *Scanner) dollarQuoted() (Kind, bool) {
	s := sc.src
	p := sc.pos + 1
	if p < len(s) && isWordStart(s[p]) {
		for p < len(s) && (isWordStart(s[p]) || isDigit(s[p])) {
			p++
		}
	}
	if p >= len(s) || s[p] != '$' {
		return 0, false
	}
	tag := s[sc.pos : p+1]
	sc.pos = p + 1
	for i := sc.pos; i+len(tag) <= len(s); i++ {
		if s[i] == '$' && s[i:i+len(tag)] == tag {
			sc.pos = i + len(tag)
			return String, true
		}
	}
	sc.pos = len(s)
	return Invalid, true
}

func (sc *Scanner) lineComment() {
	s := sc.src
	for sc.pos < len(s) && s[sc.pos] != '\n' {
		sc.pos++
	}
}

// blockComment lexes /* ... */ (nested where the dialect nests them) or the
// opening "/*!NNNNN" of a MySQL version comment.
func (sc *Scanner) blockComment() Kind {
	s := sc.src
	if sc.r.versionComment && sc.peek(2) == '!' && !sc.version {
		sc.pos += 3
		for sc.pos < len(s) && isDigit(s[sc.pos]) {
			sc.pos++
		}
		sc.version = true
		return Comment
	}
	sc.pos += 2
	depth := 1
	for sc.pos < len(s) {
		switch {
		case s[sc.pos] == '*' && sc.peek(1) == '/':
			sc.pos += 2
			depth--
			if depth == 0 {
				return Comment
			}
		case s[sc.pos] == '/' && sc.peek(1) == '*' && sc.r.nestedComments:
			sc.pos += 2
			depth++
		default:
			sc.pos++
		}
	}
	return Invalid
}

// operators lists the multi-byte operators, longest first within each
// leading byte.
var operators = [...]string{
	"<=>", "<>", "<=", "<<", "<@", ">=", ">>", "!=", "!~*", "!~", "!<", "!>",
	"||", "|/", "&&", "::", ":=", "->>", "->", "~*", "@>", "#>>", "#>", "^=", "**",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=",
}

// operatorsBy lists the operators by their first byte, in operators'
// order.
var operatorsBy = func() (t [256][]string) {
	for _, op := range operators {
		t[op[0]] = append(t[op[0]], op)
	}
	return t
}()

// operator lexes the longest symbol operator at sc.pos (one byte at least).
func (sc *Scanner) operator() {
	rest := sc.src[sc.pos:]
	if len(rest) < 2 || !isOpByte(rest[1]) {
		sc.pos++
		return
	}
	for _, op := range operatorsBy[rest[0]] {
		if len(rest) >= len(op) && rest[:len(op)] == op {
			sc.pos += len(op)
			return
		}
	}
	sc.pos++
}

// isOpByte reports whether c can continue a multi-byte operator.
func isOpByte(c byte) bool {
	switch c {
	case '<', '>', '=', '!', '|', '&', ':', '-', '~', '@', '#', '^', '*', '+', '/', '%':
		return true
	}
	return false
}
