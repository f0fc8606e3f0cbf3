package sqli

import (
	"strings"
	"sync"
)

// MinInput is the shortest input Check considers: shorter inputs occur in
// statements by chance and cannot carry an injection worth the name.
const MinInput = 4

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

// Check reports whether one of inputs changed the structure of statement,
// lexed under dialect d: the SQL-injection test of the RASP. It returns the
// first offending input with the reason.
//
// Each input of at least MinInput bytes is looked for in statement, at
// every occurrence; an input that does not occur (parameterized, or
// escaped by the application) is never reported. An occurrence is benign
// when, ignoring whitespace at its ends:
//
//   - it lies inside one string literal, quoted identifier or comment
//     written by the application: it starts after the opening quote (or,
//     overlapping the quote, is part of the literal's unescaped value, which
//     is how a doubled-quote escaping of quotes can look), and does not end
//     with a backslash that escapes a quote after it, nor with a '/' that
//     opens a nested comment;
//   - it is, or lies inside, one number, one word (identifier, keyword or
//     function: ORDER BY <column>, ASC/DESC) or one whole literal;
//   - it is a signed number after an operator, keyword or '(' (> -12.5), or
//     a dotted name without spaces (u.name).
//
// Any other occurrence is an exploit: it spans several significant tokens
// (ends a literal early, adds operators, keywords, UNION, subqueries,
// comments or ';'), opens a comment or a literal that the application's
// text closes, or leaves an unterminated literal.
//
// Cost: when no input occurs in statement Check scans it once per input
// for the input's rarest byte, and does not allocate; otherwise it lexes the statement once (with
// a pooled buffer) and does work linear in the statement per input.
//
// Limits: inputs are matched byte for byte, so an input the application
// transformed (decoded, trimmed, case-folded) before building the
// statement is not found; the lexer's gaps apply (MySQL ANSI_QUOTES and
// NO_BACKSLASH_ESCAPES, PostgreSQL standard_conforming_strings off); one
// keyword alone in a value position is accepted as a word; an input that
// ends a literal with a quote the application's next quote doubles is
// ambiguous with an escaped input and is not reported by itself (the input
// that follows in the swallowed text, if any, is).
func Check(d Dialect, statement string, inputs []string) (Finding, bool) {
	var toks *[]Token
	defer func() {
		if toks != nil && cap(*toks) <= maxPooled {
			tokPool.Put(toks)
		}
	}()
	for _, in := range inputs {
		if len(in) < MinInput || len(in) > len(statement) {
			continue
		}
		st := memo{escTok: -1, quotTok: -1}
		fd := newFinder(in)
		for a := fd.next(statement, 0); a >= 0; a = fd.next(statement, a+1) {
			if toks == nil {
				toks = tokPool.Get().(*[]Token)
				*toks = Tokenize(d, statement, *toks)
			}
			if reason := judge(d, statement, *toks, a, a+len(in), &st); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
		}
	}
	return Finding{}, false
}

// memo keeps, for the occurrences of one input, the work done on the
// literal tokens they fall in, so that many occurrences in one long literal
// cost time linear in its length.
type memo struct {
	escTok  int  // start of the string whose escapes were scanned, or -1
	escP    int  // the escape scan's position: a unit boundary
	quotTok int  // start of the literal whose value was searched, or -1
	quot    bool // whether that literal's value contains the input
}

// tokenAt returns the index of the token holding byte offset p (toks tile
// the statement, so a binary search finds it).
func tokenAt(toks []Token, p int) int {
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

// judge decides about the input occupying s[a:b]: "" when benign, else the
// reason it is an exploit.
func judge(d Dialect, s string, toks []Token, a, b int, st *memo) string {
	i, j := tokenAt(toks, a), tokenAt(toks, b-1)
	// Whitespace at the ends of the input is no structure.
	for i < j && toks[i].Kind == Whitespace {
		i++
	}
	for j > i && toks[j].Kind == Whitespace {
		j--
	}
	if i == j {
		return judgeOne(d, s, toks[i], a, b, st)
	}
	if benignRun(s, toks, i, j, a, b) {
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
		if b+1 < t.End && s[b-1] == '/' && s[b] == '*' {
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
func (st *memo) escapesEnd(d Dialect, s string, t Token, b int) bool {
	if t.Kind != String || b >= t.End || (s[b] != '\'' && s[b] != '"') {
		return false
	}
	if st.escTok == t.Start && st.escP <= b {
		// Occurrences come in increasing order: resume the scan.
		return st.scanEscapes(s, st.escP, b)
	}
	p := t.Start
	for p < t.End && s[p] != '\'' && s[p] != '"' {
		p++ // prefix: N, E, X, B
	}
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
	st.escTok = t.Start
	return st.scanEscapes(s, p+1, b)
}

// scanEscapes scans escape units from p, a unit boundary, to b and reports
// whether a backslash escape straddles b; it saves where it stopped.
func (st *memo) scanEscapes(s string, p, b int) bool {
	for p < b {
		if s[p] == '\\' {
			p += 2
		} else {
			p++
		}
	}
	st.escP = p
	return p > b
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
