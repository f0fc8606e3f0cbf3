package transform

import (
	"bytes"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// cssDecode decodes CSS escapes (CSS Syntax Level 3, "consume an escaped
// code point"), as libddwaf's css_decode does:
//
//   - a backslash and 1 to 6 hex digits become the UTF-8 encoding of that
//     code point, or U+FFFD for zero, a surrogate or a value above
//     U+10FFFF; one whitespace character after the digits is part of the
//     escape and is dropped ("\3c script" is "<script"), "\r\n" counting as
//     one;
//   - a backslash and a newline are both dropped (a line continuation);
//   - a backslash and any other byte become that byte ("\s" is "s");
//   - a backslash at the very end is dropped.
//
// Growth: len(out) <= 3*len(src)/2 ("\0", two bytes, becomes U+FFFD, three).
func cssDecode(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\\')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i+1:]
		if len(src) == 0 {
			return dst
		}
		var r rune
		n := 0
		for n < 6 && n < len(src) {
			v, ok := hexdigit.Value(src[n])
			if !ok {
				break
			}
			r = r<<4 | rune(v)
			n++
		}
		if n == 0 {
			if src[0] != '\n' {
				dst = append(dst, src[0])
			}
			src = src[1:]
			continue
		}
		src = src[n:]
		if r == 0 || r > 0x10FFFF {
			r = 0xFFFD
		}
		dst = appendRune(dst, r) // surrogates become U+FFFD
		switch {
		case len(src) >= 2 && src[0] == '\r' && src[1] == '\n':
			src = src[2:]
		case len(src) > 0 && isCSSSpace(src[0]):
			src = src[1:]
		}
	}
	return dst
}

// isCSSSpace reports whether c is CSS whitespace: space, tab, \n, \r, \f.
func isCSSSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func init() { register("css_decode", cssDecode, "cssDecode") }
