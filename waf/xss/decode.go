package xss

import "github.com/rampartsec/rampart/internal/hexdigit"

// This file holds the decoders: HTML character references and fullwidth
// forms (read one character at a time, without a buffer, by normReader),
// CSS escapes, and the whole-value percent and reference decoders used for
// the decoded variants of a value.

// named maps the character references that matter for injection (markup
// and URL punctuation, whitespace) to their characters. Letters have no
// named references, so numeric references cover the rest.
var named = [...]struct {
	name string
	c    byte
}{
	{"lt", '<'}, {"LT", '<'}, {"gt", '>'}, {"GT", '>'}, {"amp", '&'}, {"AMP", '&'},
	{"quot", '"'}, {"QUOT", '"'}, {"apos", '\''}, {"colon", ':'}, {"Tab", '\t'},
	{"NewLine", '\n'}, {"lpar", '('}, {"rpar", ')'}, {"equals", '='}, {"sol", '/'},
	{"bsol", '\\'}, {"semi", ';'}, {"commat", '@'}, {"comma", ','}, {"period", '.'}, {"excl", '!'},
	{"grave", '`'}, {"lsqb", '['}, {"rsqb", ']'}, {"lbrack", '['}, {"rbrack", ']'},
	{"lcub", '{'}, {"rcub", '}'}, {"lbrace", '{'}, {"rbrace", '}'}, {"plus", '+'},
	{"ast", '*'}, {"num", '#'}, {"percnt", '%'}, {"quest", '?'},
	{"lowbar", '_'}, {"dollar", '$'}, {"verbar", '|'}, {"nbsp", ' '}, {"hyphen", '-'},
	{"dash", '-'}, {"Hat", '^'},
}

// namedByFirst lists the indexes of named by the first letter of the
// name, in named's order (the first name that fits wins).
var namedByFirst = func() (t [128][]uint8) {
	for k := range named {
		c := named[k].name[0]
		t[c] = append(t[c], uint8(k))
	}
	return t
}()

// maxRefDigits bounds the digits of a numeric reference read (browsers
// accept any number of leading zeros; "&#0000060" is a known evasion).
// Longer runs are not a reference, so decoding stays linear.
const maxRefDigits = 12

// decodeRef decodes the character reference at s[i] == '&'. It returns the
// character (0x80 for anything outside ASCII that does not fold to ASCII)
// and the bytes consumed, or n == 0 when s[i:] is no reference. The
// trailing ";" is optional, as browsers accept it missing in most places.
func decodeRef(s []byte, i int) (c byte, n int) {
	j := i + 1
	if j >= len(s) {
		return 0, 0
	}
	if s[j] == '#' {
		j++
		hex := false
		if j < len(s) && (s[j] == 'x' || s[j] == 'X') {
			hex = true
			j++
		}
		d0 := j
		v := 0
		for j < len(s) && j-d0 < maxRefDigits {
			d := hexVal(s[j])
			if d < 0 || (!hex && d > 9) {
				break
			}
			if hex {
				v = v*16 + d
			} else {
				v = v*10 + d
			}
			j++
		}
		if j == d0 || j-d0 >= maxRefDigits {
			return 0, 0
		}
		if j < len(s) && s[j] == ';' {
			j++
		}
		return foldRune(v), j - i
	}
	if !isLetter(s[j]) {
		return 0, 0
	}
	e := j
	for e < len(s) && e-j < 8 && isLetter(s[e]) {
		e++
	}
	for _, k := range namedByFirst[s[j]] {
		nm := named[k].name
		if e-j >= len(nm) && string(s[j:j+len(nm)]) == nm {
			m := j + len(nm)
			if m < len(s) && s[m] == ';' {
				m++
			}
			return named[k].c, m - i
		}
	}
	return 0, 0
}

// foldRune maps a code point to ASCII: itself below 0x80, the ASCII
// character of a fullwidth form (U+FF01..U+FF5E, which NFKC folds), else
// 0x80.
func foldRune(v int) byte {
	switch {
	case v == 0:
		return 0
	case v < 0x80:
		return byte(v)
	case v >= 0xFF01 && v <= 0xFF5E:
		return byte(v - 0xFF01 + '!')
	}
	return 0x80
}

// hexVal is the value of the hex digit c, -1 when c is not one.
func hexVal(c byte) int {
	if v, ok := hexdigit.Value(c); ok {
		return int(v)
	}
	return -1
}

// decodeFullwidth decodes a UTF-8 fullwidth form at s[i] (EF BC 81 ..
// EF BD 9E) to its ASCII character, or returns n == 0.
func decodeFullwidth(s []byte, i int) (c byte, n int) {
	if i+2 >= len(s) || s[i] != 0xEF {
		return 0, 0
	}
	b1, b2 := s[i+1], s[i+2]
	if b2 < 0x80 || b2 > 0xBF {
		return 0, 0
	}
	var v int
	switch b1 {
	case 0xBC:
		v = 0xFF00 + int(b2-0x80)
	case 0xBD:
		v = 0xFF40 + int(b2-0x80)
	default:
		return 0, 0
	}
	if v < 0xFF01 || v > 0xFF5E {
		return 0, 0
	}
	return byte(v - 0xFF01 + '!'), 3
}

// normReader reads text one character at a time the way a browser's URL or
// CSS parser would see it after HTML decoding: character references and
// fullwidth forms decoded, ASCII lowercased, control characters dropped.
// With css set it also decodes CSS escapes and skips CSS comments and
// whitespace.
type normReader struct {
	s   []byte
	i   int
	css bool
}

// next returns the next character and the offset where it starts in s, or
// ok == false at the end.
func (r *normReader) next() (c byte, at int, ok bool) {
	for r.i < len(r.s) {
		at = r.i
		c = r.s[r.i]
		switch {
		case c == '&':
			if d, n := decodeRef(r.s, r.i); n > 0 {
				r.i += n
				c = d
			} else {
				r.i++
			}
		case c >= 0x80:
			if d, n := decodeFullwidth(r.s, r.i); n > 0 {
				r.i += n
				c = d
			} else {
				r.i++
			}
		case r.css && c == '\\':
			c = r.cssEscape()
		case r.css && c == '/' && r.i+1 < len(r.s) && r.s[r.i+1] == '*':
			r.skipComment()
			continue
		default:
			r.i++
		}
		if c < ' ' || c == 0x7f || (r.css && c == ' ') {
			continue
		}
		return lower(c), at, true
	}
	return 0, 0, false
}

// cssEscape decodes the CSS escape at r.s[r.i] == '\\': up to six hex
// digits and one optional whitespace, or the escaped character itself.
func (r *normReader) cssEscape() byte {
	j := r.i + 1
	if j >= len(r.s) {
		r.i = j
		return '\\'
	}
	if hexVal(r.s[j]) < 0 {
		r.i = j + 1
		return r.s[j]
	}
	v := 0
	for k := 0; k < 6 && j < len(r.s) && hexVal(r.s[j]) >= 0; k++ {
		v = v*16 + hexVal(r.s[j])
		j++
	}
	if j < len(r.s) && isSpace(r.s[j]) {
		j++
	}
	r.i = j
	return foldRune(v)
}

// skipComment skips a CSS comment starting at r.s[r.i].
func (r *normReader) skipComment() {
	j := r.i + 2
	for j+1 < len(r.s) && !(r.s[j] == '*' && r.s[j+1] == '/') {
		j++
	}
	if j+1 < len(r.s) {
		j += 2
	} else {
		j = len(r.s)
	}
	r.i = j
}

// hasPercentEncoding reports whether s holds a %XX or %uXXXX sequence.
func hasPercentEncoding(s []byte) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' {
			if _, n := percentAt(s, i); n > 0 {
				return true
			}
		}
	}
	return false
}

// percentAt decodes %XX or %uXXXX at s[i] == '%'.
func percentAt(s []byte, i int) (c byte, n int) {
	if i+2 < len(s) && hexVal(s[i+1]) >= 0 && hexVal(s[i+2]) >= 0 {
		return byte(hexVal(s[i+1])<<4 | hexVal(s[i+2])), 3
	}
	if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') &&
		hexVal(s[i+2]) >= 0 && hexVal(s[i+3]) >= 0 && hexVal(s[i+4]) >= 0 && hexVal(s[i+5]) >= 0 {
		v := hexVal(s[i+2])<<12 | hexVal(s[i+3])<<8 | hexVal(s[i+4])<<4 | hexVal(s[i+5])
		return foldRune(v), 6
	}
	return 0, 0
}

// percentDecode appends s with one layer of %XX and %uXXXX decoded to dst.
// "+" stays as it is: it is a space only in form bodies and query strings,
// where the engine has decoded it already.
func percentDecode(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] == '%' {
			if c, n := percentAt(s, i); n > 0 {
				dst = append(dst, c)
				i += n
				continue
			}
		}
		dst = append(dst, s[i])
		i++
	}
	return dst
}

// hasMarkupRef reports whether s holds a character reference that decodes
// to a character significant to markup or script: < > " ' ( ) : = ` / &
// (a doubly encoded "&amp;#x09;").
func hasMarkupRef(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		if c, n := decodeRef(s, i); n > 0 {
			switch c {
			case '<', '>', '"', '\'', '(', ')', ':', '=', '`', '/', '&':
				return true
			}
		}
	}
	return false
}

// refDecode appends s with character references decoded once to dst.
// Characters outside ASCII are kept as they are.
func refDecode(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if c, n := decodeRef(s, i); n > 0 && c < 0x80 {
				dst = append(dst, c)
				i += n
				continue
			}
		}
		dst = append(dst, s[i])
		i++
	}
	return dst
}

// jsEscapeAt decodes a JavaScript or JSON escape \xHH or \uHHHH at
// s[i] == '\\' to an ASCII character, or returns n == 0.
func jsEscapeAt(s []byte, i int) (c byte, n int) {
	if i+3 < len(s) && s[i+1] == 'x' && hexVal(s[i+2]) >= 0 && hexVal(s[i+3]) >= 0 {
		v := hexVal(s[i+2])<<4 | hexVal(s[i+3])
		if v < 0x80 {
			return byte(v), 4
		}
	}
	if i+5 < len(s) && s[i+1] == 'u' && hexVal(s[i+2]) >= 0 && hexVal(s[i+3]) >= 0 &&
		hexVal(s[i+4]) >= 0 && hexVal(s[i+5]) >= 0 {
		v := hexVal(s[i+2])<<12 | hexVal(s[i+3])<<8 | hexVal(s[i+4])<<4 | hexVal(s[i+5])
		if v < 0x80 {
			return byte(v), 6
		}
	}
	return 0, 0
}

// hasMarkupEscape reports whether s holds a JavaScript or JSON escape of
// a markup character ("\u003c", "\x3e", "\u0022"): a value that went
// through a JSON or script encoder one time more than the parser undid.
func hasMarkupEscape(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if c, n := jsEscapeAt(s, i); n > 0 {
			switch c {
			case '<', '>', '"', '\'':
				return true
			}
		}
	}
	return false
}

// jsUnescape appends s with \xHH and \uHHHH escapes of ASCII decoded to dst.
func jsUnescape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			if c, n := jsEscapeAt(s, i); n > 0 {
				dst = append(dst, c)
				i += n
				continue
			}
		}
		dst = append(dst, s[i])
		i++
	}
	return dst
}
