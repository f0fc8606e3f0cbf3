package shell

// Kind is the class of a token.
type Kind uint8

// Token kinds. Quoted strings are split into an opening quote, the quoted
// text and a closing quote, so that a caller can tell an input that stays
// inside a string from one that ends it.
const (
	// Invalid is malformed text: an unterminated substitution, text past
	// MaxTokens or nesting past MaxDepth. It runs to the end of the input.
	Invalid Kind = iota
	// Blank is a run of spaces and tabs (and backslash-newline pairs).
	Blank
	// Newline is one newline, a command separator.
	Newline
	// Comment is '#' at the start of a word, to the end of the line.
	Comment
	// Word is unquoted word text, backslash escapes included.
	Word
	// QuoteOpen is an opening quote: ', " or $'.
	QuoteOpen
	// QuoteClose is the closing quote of a string.
	QuoteClose
	// Text is the text inside quotes.
	Text
	// Operator is a control operator: ; ;; ;& & && | || |& ( ).
	Operator
	// Redirect is a redirection operator with its optional fd number:
	// < > >> << <<- <<< <> >& <& >| &> &>>.
	Redirect
	// Subst is a command, arithmetic or process substitution: $(...),
	// $((...)), `...`, <(...), >(...).
	Subst
	// Param is a parameter expansion: ${...}, $name, $1, $?, $$ ...
	Param
)

var kindNames = [...]string{"Invalid", "Blank", "Newline", "Comment", "Word", "QuoteOpen", "QuoteClose", "Text", "Operator", "Redirect", "Subst", "Param"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind?"
}

// Token is a span [Start, End) of the tokenized text.
type Token struct {
	Kind       Kind
	Start, End int
}

// MaxTokens bounds the tokens Tokenize emits: a command line longer than
// that in tokens is hostile or generated, and bounding the count bounds the
// memory and time a check spends on it. The rest of the text becomes one
// Invalid token, which Check treats as structure an input may not touch.
const MaxTokens = 8192

// MaxDepth bounds the nesting of substitutions and quotes inside
// substitutions that the scanner follows, so that crafted input cannot make
// it recurse deeply; deeper text is Invalid.
const MaxDepth = 64

// Tokenize appends the tokens of command line s to dst and returns it. The
// tokens tile s exactly: they are contiguous, non-empty and cover every
// byte. Tokenize never fails: malformed text becomes an Invalid token.
func Tokenize(s string, dst []Token) []Token {
	t := tokenizer{s: s, dst: dst, base: len(dst)}
	t.run()
	return t.dst
}

type tokenizer struct {
	s    string
	dst  []Token
	base int
}

func (t *tokenizer) emit(k Kind, a, b int) bool {
	if len(t.dst)-t.base >= MaxTokens-1 {
		t.dst = append(t.dst, Token{Invalid, a, len(t.s)})
		return false
	}
	// Merge adjacent Word tokens.
	if k == Word && len(t.dst) > t.base {
		if last := &t.dst[len(t.dst)-1]; last.Kind == Word && last.End == a {
			last.End = b
			return true
		}
	}
	t.dst = append(t.dst, Token{k, a, b})
	return true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

func isMeta(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\f', '\v', '\n', ';', '&', '|', '<', '>', '(', ')':
		return true
	}
	return false
}

func isNameStart(c byte) bool { return c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }

func (t *tokenizer) run() {
	s := t.s
	i := 0
	wordStart := true // at the start of a word (for '#' and fd numbers)
	for i < len(s) {
		c := s[i]
		start := i
		var k Kind
		switch {
		case isBlank(c) || c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			for i < len(s) {
				if isBlank(s[i]) {
					i++
				} else if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\n' {
					i += 2
				} else {
					break
				}
			}
			k, wordStart = Blank, true
		case c == '\n':
			i++
			k, wordStart = Newline, true
		case c == '#' && wordStart:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			k = Comment
		case (c == '<' || c == '>') && i+1 < len(s) && s[i+1] == '(':
			end, ok := skipParen(s, i+2, 1)
			if !ok {
				t.emit(Invalid, i, len(s))
				return
			}
			i, k, wordStart = end, Subst, false
		case c == '<' || c == '>' || c == '&' && i+1 < len(s) && s[i+1] == '>':
			i = redirEnd(s, i)
			k, wordStart = Redirect, true
		case isDigit(c) && wordStart && fdRedirect(s, i) > 0:
			i = redirEnd(s, fdRedirect(s, i))
			k, wordStart = Redirect, true
		case c == ';' || c == '&' || c == '|' || c == '(' || c == ')':
			i++
			if i < len(s) && (c == ';' && (s[i] == ';' || s[i] == '&') || c == '&' && s[i] == '&' || c == '|' && (s[i] == '|' || s[i] == '&')) {
				i++
			}
			k, wordStart = Operator, true
		case c == '\'' || c == '"' || c == '$' && i+1 < len(s) && s[i+1] == '\'':
			if !t.quoted(&i) {
				return
			}
			wordStart = false
			continue
		case c == '$' || c == '`':
			end, kk, ok := expansion(s, i, 0)
			if !ok {
				t.emit(Invalid, i, len(s))
				return
			}
			i, k, wordStart = end, kk, false
		default:
			for i < len(s) {
				c := s[i]
				if c == '\\' {
					if i+1 < len(s) && s[i+1] == '\n' {
						break
					}
					i += 2
					if i > len(s) {
						i = len(s)
					}
					continue
				}
				if isMeta(c) || c == '\'' || c == '"' || c == '$' || c == '`' {
					break
				}
				i++
			}
			k, wordStart = Word, false
		}
		if !t.emit(k, start, i) {
			return
		}
	}
}

// quoted emits a quoted string starting at *i.
func (t *tokenizer) quoted(i *int) bool {
	s := t.s
	p := *i
	q := s[p]
	open := p + 1
	ansi := false
	if q == '$' {
		q, open, ansi = '\'', p+2, true
	}
	if !t.emit(QuoteOpen, p, open) {
		return false
	}
	p = open
	text := p
	for {
		if p >= len(s) {
			if text < p && !t.emit(Text, text, p) {
				return false
			}
			*i = p
			return true
		}
		c := s[p]
		switch {
		case c == q:
			if text < p && !t.emit(Text, text, p) {
				return false
			}
			if !t.emit(QuoteClose, p, p+1) {
				return false
			}
			*i = p + 1
			return true
		case c == '\\' && (q == '"' || ansi):
			p += 2
			if p > len(s) {
				p = len(s)
			}
		case q == '"' && (c == '$' || c == '`'):
			end, k, ok := expansion(s, p, 0)
			if !ok {
				if text < p && !t.emit(Text, text, p) {
					return false
				}
				t.emit(Invalid, p, len(s))
				*i = len(s)
				return false
			}
			if end == p+1 { // a lone '$' is text
				p++
				continue
			}
			if text < p && !t.emit(Text, text, p) {
				return false
			}
			if !t.emit(k, p, end) {
				return false
			}
			p, text = end, end
		default:
			p++
		}
	}
}

// fdRedirect returns the offset of the redirection operator after the fd
// digits at i, or 0 when the digits are not followed by one.
func fdRedirect(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && (s[j] == '<' || s[j] == '>') {
		return j
	}
	return 0
}

// redirEnd returns the end of the redirection operator at i.
func redirEnd(s string, i int) int {
	for _, op := range [...]string{"&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">"} {
		if len(s)-i >= len(op) && s[i:i+len(op)] == op {
			return i + len(op)
		}
	}
	return i + 1
}

// expansion scans the expansion at i ('$' or '`') and returns its end and
// kind. A '$' that starts nothing is a one-byte Word.
func expansion(s string, i, depth int) (int, Kind, bool) {
	if depth > MaxDepth {
		return 0, Invalid, false
	}
	if s[i] == '`' {
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '`':
				return j + 1, Subst, true
			}
		}
		return 0, Invalid, false
	}
	if i+1 >= len(s) {
		return i + 1, Word, true
	}
	switch c := s[i+1]; {
	case c == '(':
		end, ok := skipParen(s, i+2, depth+1)
		return end, Subst, ok
	case c == '{':
		end, ok := skipBrace(s, i+2, depth+1)
		return end, Param, ok
	case isNameStart(c):
		j := i + 2
		for j < len(s) && (isNameStart(s[j]) || isDigit(s[j])) {
			j++
		}
		return j, Param, true
	case isDigit(c) || c == '?' || c == '$' || c == '!' || c == '#' || c == '@' || c == '*' || c == '-':
		return i + 2, Param, true
	}
	return i + 1, Word, true
}

// skipParen scans to the ')' closing a '(' before i, following quotes,
// escapes, nested parentheses and expansions.
func skipParen(s string, i, depth int) (int, bool) { return skipTo(s, i, '(', ')', depth) }

// skipBrace scans to the '}' closing ${.
func skipBrace(s string, i, depth int) (int, bool) { return skipTo(s, i, '{', '}', depth) }

func skipTo(s string, i int, open, close byte, depth int) (int, bool) {
	if depth > MaxDepth {
		return 0, false
	}
	n := 1
	for i < len(s) {
		switch c := s[i]; c {
		case '\\':
			i += 2
			continue
		case '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				j++
			}
			if j >= len(s) {
				return 0, false
			}
			i = j + 1
			continue
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				} else if s[j] == '$' || s[j] == '`' {
					end, _, ok := expansion(s, j, depth+1)
					if !ok {
						return 0, false
					}
					j = end
					continue
				}
				j++
			}
			if j >= len(s) {
				return 0, false
			}
			i = j + 1
			continue
		case '$', '`':
			end, _, ok := expansion(s, i, depth+1)
			if !ok {
				return 0, false
			}
			i = end
			continue
		case open:
			n++
		case close:
			n--
			if n == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return 0, false
}
