package transform

import (
	"bytes"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// jsDecode decodes JavaScript string escapes:
//
//   - \xHH becomes the byte 0xHH (as ModSecurity's jsDecode does; not its
//     UTF-8 encoding);
//   - \uHHHH becomes the UTF-8 encoding of U+HHHH; a high and a low
//     surrogate escape in a row ("\ud83e\udd14") become the one character
//     they encode, a lone surrogate becomes U+FFFD;
//   - \u{H...} (ES2015, up to 6 significant digits, leading zeros skipped)
//     becomes the UTF-8 encoding of the code point, U+FFFD when above
//     U+10FFFF or a surrogate;
//   - \O, \OO and \OOO (octal, at most 0377) become that byte;
//   - \a \b \f \n \r \t \v become their control characters;
//   - a backslash before any other byte is dropped ("\z" is "z", "\\" is
//     "\", "\'" is "'");
//   - an incomplete \x or \u escape ("\x4", "\u12G4") is dropped, its
//     backslash and letter both, and what follows is kept, as libddwaf does;
//   - a backslash at the very end is kept.
//
// Growth: len(out) <= len(src).
func jsDecode(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\\')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i+1:]
		if len(src) == 0 {
			return append(dst, '\\')
		}
		c := src[0]
		src = src[1:]
		switch c {
		case 'a':
			dst = append(dst, '\a')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case 'x':
			if b, ok := hexByte(src); ok {
				dst = append(dst, b)
				src = src[2:]
			}
		case 'u':
			dst, src = jsUnicodeEscape(dst, src)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && len(src) > 0 && src[0] >= '0' && src[0] <= '7'; k++ {
				w := v*8 + int(src[0]-'0')
				if w > 0xFF {
					break
				}
				v = w
				src = src[1:]
			}
			dst = append(dst, byte(v))
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// jsUnicodeEscape decodes what follows a "\u" in src: HHHH (with a second
// \uHHHH when it completes a surrogate pair) or {H...}. It returns the
// extended dst and the rest of src; a malformed escape appends nothing and
// consumes nothing.
func jsUnicodeEscape(dst, src []byte) ([]byte, []byte) {
	if len(src) > 0 && src[0] == '{' {
		var r rune
		digits := 0
		for k := 1; k < len(src); k++ {
			c := src[k]
			if c == '}' {
				if digits == 0 {
					return dst, src
				}
				if r > 0x10FFFF {
					r = 0xFFFD
				}
				return appendRune(dst, r), src[k+1:]
			}
			v, ok := hexdigit.Value(c)
			if !ok {
				return dst, src
			}
			digits++
			if r <= 0x10FFFF {
				r = r<<4 | rune(v) // saturates above the limit: at most 0x10FFFFF
			}
		}
		return dst, src // no closing brace
	}
	r, ok := hex4(src)
	if !ok {
		return dst, src
	}
	src = src[4:]
	if isHighSurrogate(r) && len(src) >= 6 && src[0] == '\\' && src[1] == 'u' {
		if lo, ok := hex4(src[2:]); ok && isLowSurrogate(lo) {
			return appendRune(dst, combineSurrogates(r, lo)), src[6:]
		}
	}
	return appendRune(dst, r), src
}

func init() {
	register("js_decode", jsDecode, "jsDecode")
	// (a value without a backslash has no escape to decode)
	registerKeeps("js_decode", func(src []byte) bool { return bytes.IndexByte(src, '\\') < 0 })
}
