package shell

import (
	"strings"
	"sync"
)

// Finding describes an input that changed the structure of a command line.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how the input changed the command line, e.g.
	// "input adds a command separator".
	Reason string
}

var tokPool = sync.Pool{New: func() any { b := make([]Token, 0, 64); return &b }}

// Check reports whether one of inputs changed the structure of the POSIX
// shell command line command: the command-injection test of the RASP.
//
// Each input is looked for in command (every occurrence); an input with
// blanks or newlines at its ends that does not occur as is is looked for
// without them. An occurrence, blanks at its ends ignored, is judged by the
// tokens it covers: it is benign when it stays inside one word (word text,
// quoted text, quotes, the fd number of a redirection, part of a parameter
// name, a name or number inside $((...)), text strictly inside the
// application's own # comment) and does not end with a backslash escaping
// the byte after it. It is reported when it spans blanks, adds an operator,
// redirection, newline, comment, substitution, parameter or {a,b} brace
// expansion, leaves a quoted string open to the end of the line, or touches
// malformed text. An occurrence strictly inside a $(...), `...` or process
// substitution written by the application is judged against the
// substitution's own command line.
//
// An occurrence of a single byte (blanks aside) is never reported: one byte
// can be a separator or a command but not both, and a lone ';', '|', '#' or
// quote is indistinguishable from the application's own. Two bytes are
// enough (";w", "&&", "$(", "x'"). When no input occurs in command, Check
// does not allocate.
func Check(command string, inputs []string) (Finding, bool) {
	var toks *[]Token
	defer func() {
		if toks != nil {
			tokPool.Put(toks)
		}
	}()
	for _, in := range inputs {
		s := Occurring(command, in)
		if len(trimBlanks(s)) < 2 {
			continue
		}
		off := 0
		for {
			i := strings.Index(command[off:], s)
			if i < 0 {
				break
			}
			a := off + i
			if toks == nil {
				toks = tokPool.Get().(*[]Token)
				*toks = Tokenize(command, (*toks)[:0])
			}
			if reason := judge(command, *toks, a, a+len(s), 0); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
			off = a + 1
		}
	}
	return Finding{}, false
}

// CheckArgs is Check for a command line given as a list of words, which the
// shell runs joined by single spaces (a spawn with a shell, a ruleset's
// list-valued server.sys.shell.cmd). The joined line is judged as Check
// does, and an occurrence that spans the boundary between two elements is
// reported too: the application wrote them as separate words, so an input
// that covers the space between them added a word. When no input occurs in
// the joined line, CheckArgs does not allocate.
func CheckArgs(args []string, inputs []string) (Finding, bool) {
	var line string
	var toks []Token
	for _, in := range inputs {
		s := in
		if !OccursJoined(args, s) {
			if t := trimSpace(s); t != s && OccursJoined(args, t) {
				s = t
			} else {
				continue
			}
		}
		if len(trimBlanks(s)) < 2 {
			continue
		}
		if toks == nil {
			line = strings.Join(args, " ")
			toks = Tokenize(line, nil)
		}
		off := 0
		for {
			i := strings.Index(line[off:], s)
			if i < 0 {
				break
			}
			a, b := off+i, off+i+len(s)
			if crossesBoundary(args, line, a, b) {
				return Finding{Input: in, Reason: "input spans several arguments"}, true
			}
			if reason := judge(line, toks, a, b, 0); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
			off = a + 1
		}
	}
	return Finding{}, false
}

// CheckRange judges the span [start, end) of command as if an input
// occupied it, by the rules of Check, and returns why it changes the
// structure of command ("" when it does not). It serves callers that know
// which bytes a request controlled without the input occurring as is (the
// decoded part of an encoded script).
func CheckRange(command string, start, end int) string {
	if start < 0 || end > len(command) || start >= end {
		return ""
	}
	toks := tokPool.Get().(*[]Token)
	defer tokPool.Put(toks)
	*toks = Tokenize(command, (*toks)[:0])
	return judge(command, *toks, start, end, 0)
}

// Occurring returns the form of input in that occurs in s: in itself, or in
// without the blanks and newlines at its ends, or "" when neither occurs.
func Occurring(s, in string) string {
	if len(in) == 0 {
		return ""
	}
	if len(in) <= len(s) && strings.Contains(s, in) {
		return in
	}
	if t := trimSpace(in); t != in && t != "" && strings.Contains(s, t) {
		return t
	}
	return ""
}

// OccursJoined reports whether s occurs in the elements of args joined by
// single spaces, without joining them.
func OccursJoined(args []string, s string) bool {
	if s == "" {
		return false
	}
	for _, a := range args {
		if strings.Contains(a, s) {
			return true
		}
	}
	return SpansJoined(args, s)
}

// SpansJoined reports whether s occurs in the elements of args joined by
// single spaces across the space between two elements.
func SpansJoined(args []string, s string) bool {
	if strings.IndexByte(s, ' ') < 0 {
		return false
	}
	for i := 0; i+1 < len(args); i++ {
		for p := strings.IndexByte(s, ' '); p >= 0; {
			if strings.HasSuffix(args[i], s[:p]) && prefixOfJoined(args[i+1:], s[p+1:]) {
				return true
			}
			q := strings.IndexByte(s[p+1:], ' ')
			if q < 0 {
				break
			}
			p += 1 + q
		}
	}
	return false
}

// prefixOfJoined reports whether r is a prefix of args joined by spaces.
func prefixOfJoined(args []string, r string) bool {
	for i, a := range args {
		if len(r) <= len(a) {
			return strings.HasPrefix(a, r)
		}
		if i == len(args)-1 || !strings.HasPrefix(r, a) || r[len(a)] != ' ' {
			return false
		}
		r = r[len(a)+1:]
	}
	return r == ""
}

// crossesBoundary reports whether the occurrence [a, b) of line (args
// joined by spaces), blanks at its ends ignored, covers a joining space.
func crossesBoundary(args []string, line string, a, b int) bool {
	for a < b && isBlank(line[a]) {
		a++
	}
	for b > a && isBlank(line[b-1]) {
		b--
	}
	p := 0
	for i := 0; i+1 < len(args); i++ {
		p += len(args[i])
		if p >= b {
			return false
		}
		if p >= a {
			return true
		}
		p++
	}
	return false
}

func trimBlanks(s string) string {
	for len(s) > 0 && isBlank(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func trimSpace(s string) string {
	for len(s) > 0 && (isBlank(s[0]) || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (isBlank(s[len(s)-1]) || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

// firstToken returns the index of the first token of toks ending after a.
func firstToken(toks []Token, a int) int {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if toks[m].End <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// judge returns why the occurrence [a, b) of an input changes the structure
// of s (tokenized as toks), or "" when it does not.
func judge(s string, toks []Token, a, b, depth int) string {
	for a < b && isBlank(s[a]) {
		a++
	}
	for b > a && isBlank(s[b-1]) {
		b--
	}
	if b-a < 2 {
		return ""
	}
	quotes := 0
	for i := firstToken(toks, a); i < len(toks) && toks[i].Start < b; i++ {
		t := toks[i]
		switch t.Kind {
		case Text:
		case Word:
			if braceList(s[max(a, t.Start):min(b, t.End)]) {
				return "input adds a brace expansion"
			}
		case QuoteOpen:
			quotes++
		case QuoteClose:
			quotes--
		case Blank:
			return "input spans several words"
		case Newline:
			return "input adds a newline"
		case Comment:
			// Text strictly inside the application's comment is dead text:
			// the '#' that starts it is not the input's.
			if a > t.Start {
				if b <= t.End {
					return ""
				}
				continue
			}
			return "input adds a comment"
		case Operator:
			return "input adds a command operator"
		case Redirect:
			if allDigits(s[max(a, t.Start):min(b, t.End)]) {
				continue // only the fd number, not the operator
			}
			return "input adds a redirection"
		case Subst:
			tx := s[t.Start:t.End]
			if strings.HasPrefix(tx, "$((") && len(tx) >= 5 && a >= t.Start+3 && b <= t.End-2 && allWordChars(s[a:b]) {
				return "" // a name or number of the application's arithmetic
			}
			if inner, shift, ok := substBody(s, t); ok && a >= shift && b <= shift+len(inner) && depth < MaxDepth {
				sub := Tokenize(inner, nil)
				return judge(inner, sub, a-shift, b-shift, depth+1)
			}
			return "input adds a command substitution"
		case Param:
			// Part of the application's parameter name: the input wrote
			// neither the '$' nor the whole name.
			na, nb := paramName(s, t)
			if a > na && a < nb && (b <= nb || s[t.Start+1] != '{') || a == na && b < nb {
				continue
			}
			return "input adds a parameter expansion"
		default:
			return "input makes the command line malformed"
		}
	}
	if quotes != 0 && len(toks) > 0 && toks[len(toks)-1].Kind != QuoteClose && unterminated(toks) {
		return "input leaves a quoted string open"
	}
	// A backslash at the end escapes the application's next byte.
	n := 0
	for j := b - 1; j >= a && s[j] == '\\'; j-- {
		n++
	}
	if n%2 == 1 && b < len(s) && !inSingleQuotes(s, toks, b-1) {
		return "input ends with a backslash escaping the next byte"
	}
	return ""
}

// paramName returns the span of the name of parameter expansion t ($name
// or ${name...}); it is empty for special parameters and ${...} that do not
// start with a name.
func paramName(s string, t Token) (int, int) {
	p := t.Start + 1
	if p < t.End && s[p] == '{' {
		p++
	}
	e := p
	for e < t.End && (isNameStart(s[e]) || e > p && isDigit(s[e])) {
		e++
	}
	return p, e
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allWordChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// inSingleQuotes reports whether offset p of s lies in the text of a
// '...' string, where a backslash is literal.
func inSingleQuotes(s string, toks []Token, p int) bool {
	i := firstToken(toks, p)
	if i < len(toks) && toks[i].Start <= p {
		t := toks[i]
		return t.Kind == Text && i > 0 && toks[i-1].Kind == QuoteOpen && s[toks[i-1].Start] == '\''
	}
	return false
}

// unterminated reports whether the last quoted string of toks has no
// closing quote.
func unterminated(toks []Token) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Kind {
		case QuoteClose:
			return false
		case QuoteOpen:
			return true
		}
	}
	return false
}

// substBody returns the command line inside the substitution token t and
// its offset in s; ok is false for arithmetic expansion and malformed text.
func substBody(s string, t Token) (body string, off int, ok bool) {
	tx := s[t.Start:t.End]
	switch {
	case strings.HasPrefix(tx, "$(("):
		return "", 0, false
	case len(tx) >= 2 && tx[0] == '`' && tx[len(tx)-1] == '`':
		return tx[1 : len(tx)-1], t.Start + 1, true
	case len(tx) >= 3 && tx[1] == '(' && tx[len(tx)-1] == ')':
		return tx[2 : len(tx)-1], t.Start + 2, true
	}
	return "", 0, false
}

// braceList reports whether unquoted word text w holds a {a,b} brace
// expansion, which splits one word into several.
func braceList(w string) bool {
	open := -1
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '\\':
			i++
		case '{':
			open = i
		case ',':
			if open >= 0 {
				if strings.IndexByte(w[i:], '}') >= 0 {
					return true
				}
			}
		}
	}
	return false
}
