package operator

import (
	"unsafe"

	"github.com/rampartsec/rampart/rasp/sqli"
)

// isSQLi matches a value that reads as a SQL injection: placed into a query
// in one of the usual contexts, it would end the literal or operand it was
// meant to be and continue as a plausible piece of SQL. The grammar and its
// scoring are sqli.Detect's, over the rasp/sqli tokenizer.
//
// The highlight is the fragment that decided: the value from the quote it
// breaks out of (or from its first token) to the end of the parsed tokens.
// is_sqli takes no parameters.
type isSQLi struct{}

var _ Operator = isSQLi{}

func init() { register("is_sqli", newIsSQLi) }

func newIsSQLi(Params) (Operator, error) { return isSQLi{}, nil }

// Eval implements Operator.
func (isSQLi) Eval(v Value) (string, bool) {
	if v.Kind != String && v.Kind != Key {
		return "", false
	}
	b := v.Bytes
	if len(b) == 0 {
		return "", false
	}
	// Detect takes a string; the bytes are only read during this call.
	start, end, ok := sqli.Detect(unsafe.String(&b[0], len(b)))
	if !ok {
		return "", false
	}
	return string(b[start:end]), true
}

// sqliBytes are the bytes one of which every injection has: a value made
// only of letters, digits and the word punctuation of identifiers, numbers,
// dates, e-mail addresses and paths (_ . @ - : /) is one token in any SQL
// context and cannot change a statement's structure.
var sqliBytes = func() *ByteFilter {
	var s ByteSet
	for b := 0; b < 256; b++ {
		c := byte(b)
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_' || c == '.' || c == '@' || c == '-' || c == ':' || c == '/':
		default:
			s.Add(c)
		}
	}
	return &ByteFilter{Sets: []ByteSet{s}}
}()

var _ ByteFiltered = isSQLi{}

// RequiredBytes implements ByteFiltered.
func (isSQLi) RequiredBytes() *ByteFilter { return sqliBytes }
