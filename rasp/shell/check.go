package shell

import (
	"strings"
	"sync"
)

// MinInput is the shortest input Check considers: shorter inputs occur in
// command lines by chance and cannot carry an injection worth the name.
const MinInput = 4

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
// shell command line command: the command-injection test of the RASP. Each
// input of at least MinInput bytes is looked for in command (every
// occurrence). An occurrence, ignoring blanks at its ends, is benign when it
// stays inside one word: it covers only word text, quoted text and quotes,
// and it does not end with a backslash escaping the byte after it. It is
// reported when it spans blanks, adds an operator, redirection, newline,
// comment, substitution, parameter or {a,b} brace expansion, leaves a quoted
// string open to the end of the line, or touches malformed text. An
// occurrence strictly inside a $(...), `...` or process substitution written
// by the application is judged against the substitution's own command line.
// When no input occurs in command, Check does not allocate.
func Check(command string, inputs []string) (Finding, bool) {
	var toks *[]Token
	defer func() {
		if toks != nil {
			tokPool.Put(toks)
		}
	}()
	for _, in := range inputs {
		if len(in) < MinInput || len(in) > len(command) {
			continue
		}
		off := 0
		for {
			i := strings.Index(command[off:], in)
			if i < 0 {
				break
			}
			a := off + i
			if toks == nil {
				toks = tokPool.Get().(*[]Token)
				*toks = Tokenize(command, (*toks)[:0])
			}
			if reason := judge(command, *toks, a, a+len(in), 0); reason != "" {
				return Finding{Input: in, Reason: reason}, true
			}
			off = a + 1
		}
	}
	return Finding{}, false
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
	if a >= b {
		return ""
	}
	quotes := 0
	for _, t := range toks {
		if t.End <= a {
			continue
		}
		if t.Start >= b {
			break
		}
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
			return "input adds a comment"
		case Operator:
			return "input adds a command operator"
		case Redirect:
			return "input adds a redirection"
		case Subst:
			if inner, shift, ok := substBody(s, t); ok && a >= shift && b <= shift+len(inner) && depth < MaxDepth {
				sub := Tokenize(inner, nil)
				return judge(inner, sub, a-shift, b-shift, depth+1)
			}
			return "input adds a command substitution"
		case Param:
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

// inSingleQuotes reports whether offset p of s lies in the text of a
// '...' string, where a backslash is literal.
func inSingleQuotes(s string, toks []Token, p int) bool {
	for i, t := range toks {
		if t.Start <= p && p < t.End {
			return t.Kind == Text && i > 0 && toks[i-1].Kind == QuoteOpen && s[toks[i-1].Start] == '\''
		}
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
