package jsonscan

import (
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// Error is what String found wrong with a string, or Number with a
// number; its text is the message of a syntax error.
type Error uint8

// The errors of String.
const (
	OK         Error = iota
	ErrEnd           // the input ends inside the string
	ErrControl       // a control byte (below 0x20) inside the string
	ErrEscape        // a backslash followed by anything but " \ / b f n r t u
	ErrUnicode       // \u not followed by four hexadecimal digits
	// The errors of Number.
	ErrNumberEnd // the input ends inside the number
	ErrNumber    // no digit where the number starts
	ErrFraction  // a '.' not followed by a digit
	ErrExponent  // an exponent without digits
)

var errorText = [...]string{
	OK:         "ok",
	ErrEnd:     "unexpected end of input in string",
	ErrControl: "control character in string",
	ErrEscape:  "invalid escape in string",
	ErrUnicode: `invalid \u escape`,

	ErrNumberEnd: "unexpected end of input",
	ErrNumber:    "invalid character in number",
	ErrFraction:  "invalid number fraction",
	ErrExponent:  "invalid number exponent",
}

// Error returns the message of e, as a syntax error says it.
func (e Error) Error() string { return errorText[e] }

// special marks the bytes that end a run of a string's plain bytes: the
// quote, the backslash and the control bytes.
var special = [256]bool{
	'"': true, '\\': true,
	0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true, 10: true, 11: true, 12: true, 13: true, 14: true, 15: true, 16: true, 17: true, 18: true, 19: true, 20: true, 21: true, 22: true, 23: true, 24: true, 25: true, 26: true, 27: true, 28: true, 29: true, 30: true, 31: true,
}

// String reads the JSON string whose opening quote is at s[i] and returns
// its value, the index just past its closing quote, and OK. Escapes are
// decoded as encoding/json decodes them: \uXXXX pairs of UTF-16
// surrogates make one rune, and a surrogate that is not half of a pair is
// U+FFFD. The other bytes are copied as they are, without a UTF-8 check
// (encoding/json would replace invalid UTF-8 with U+FFFD). A string
// without escapes is returned without copying when s is a string.
//
// With decode false, String only checks the string and returns "" as its
// value, unless it fails before the first escape.
//
// On failure, the index is where the error is (len(s) for ErrEnd) and the
// value is what was decoded before it: the rest of s for a string cut
// before any escape, the decoded part (the escape being read left out)
// otherwise. A reader of a body cut at a size limit keeps that value.
func String[T ~string | ~[]byte](s T, i int, decode bool) (string, int, Error) {
	i++
	start := i
	for i < len(s) && !special[s[i]] {
		i++
	}
	switch {
	case i >= len(s):
		return string(s[start:]), i, ErrEnd
	case s[i] == '"':
		return string(s[start:i]), i + 1, OK
	case s[i] != '\\':
		return "", i, ErrControl
	}
	return unescape(s, start, i, decode)
}

// unescape reads the rest of the string that String began: s[start:i] is
// plain and s[i] is a backslash.
func unescape[T ~string | ~[]byte](s T, start, i int, decode bool) (string, int, Error) {
	// The value is built in b and handed out without a copy, as
	// strings.Builder does: b is not written again once it is a string.
	var b []byte
	if decode {
		b = make([]byte, 0, len(s)-start)
		b = append(b, s[start:i]...)
	}
	str := func() string { return unsafe.String(unsafe.SliceData(b), len(b)) }
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return str(), i + 1, OK
		case c < 0x20:
			return str(), i, ErrControl
		case c != '\\':
			// Copy a run of plain bytes at once.
			j := i + 1
			for j < len(s) && !special[s[j]] {
				j++
			}
			if decode {
				b = append(b, s[i:j]...)
			}
			i = j
			continue
		}
		if i+1 >= len(s) {
			return str(), len(s), ErrEnd
		}
		e := s[i+1]
		i += 2
		var r rune
		switch e {
		case '"', '\\', '/':
			r = rune(e)
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			var err Error
			if r, i, err = hex4(s, i); err != OK {
				return str(), i, err
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate followed by an escaped low one is a
				// pair; anything else is an invalid code point, as in
				// encoding/json.
				pair := false
				if r < 0xDC00 && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, j, err := hex4(s, i+2)
					if err != OK {
						return str(), j, err
					}
					if 0xDC00 <= r2 && r2 < 0xE000 {
						r, pair, i = utf16.DecodeRune(r, r2), true, j
					} // else the second escape is read on its own
				}
				if !pair {
					r = utf8.RuneError
				}
			}
		default:
			return str(), i - 1, ErrEscape
		}
		if decode {
			b = utf8.AppendRune(b, r)
		}
	}
	return str(), len(s), ErrEnd
}

// hex4 reads the four hexadecimal digits of a \u escape at s[i:] and
// returns their value and the index after them; on failure, the index of
// the error: the first digit when one of four is not hexadecimal, the
// first non-digit or len(s) when fewer than four bytes are left.
func hex4[T ~string | ~[]byte](s T, i int) (rune, int, Error) {
	if i+4 > len(s) {
		for ; i < len(s); i++ {
			if !hexdigit.Is(s[i]) {
				return 0, i, ErrUnicode
			}
		}
		return 0, i, ErrEnd
	}
	var n rune
	for k := range 4 {
		d, ok := hexdigit.Value(s[i+k])
		if !ok {
			return 0, i, ErrUnicode
		}
		n = n<<4 | rune(d)
	}
	return n, i + 4, OK
}

// Number reads the JSON number that starts at s[i]
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and returns the index
// just past it and OK, or the index where it is wrong and the error.
func Number[T ~string | ~[]byte](s T, i int) (int, Error) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return i, ErrNumberEnd
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return i, ErrNumber
	}
	if i < len(s) && s[i] == '.' {
		if i++; i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, ErrFraction
		}
		i = digits(s, i)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return i, ErrExponent
		}
		i = digits(s, i)
	}
	return i, OK
}

// digits returns the index of the first byte at or after s[i] that is not
// a decimal digit.
func digits[T ~string | ~[]byte](s T, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}
