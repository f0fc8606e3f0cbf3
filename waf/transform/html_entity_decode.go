package transform

import (
	"bytes"

	"github.com/rampartsec/rampart/internal/hexdigit"
)

// maxEntityName is the length of the longest name in htmlEntities
// ("DiacriticalGrave"); a longer run of letters cannot be one.
const maxEntityName = 16

// htmlEntityDecode decodes HTML character references as libddwaf does
// (src/transformer/html_entity_decode.cpp in github.com/DataDog/libddwaf),
// with more names:
//
//   - &#DDDD; and &#xHHHH; (or &#XHHHH;), with or without the ';', become the
//     UTF-8 encoding of the code point; zero, surrogates and values above
//     U+10FFFF become U+FFFD, and 0x80..0x9F are read as Windows-1252 as
//     browsers do ("&#128;" is "€"; libddwaf writes U+0080);
//   - a named reference needs its ';', as in libddwaf: "&lt;" is "<" but
//     "&lt" and "&ltscript" stay as they are (browsers decode a few legacy
//     names without it; libddwaf and rampart do not);
//   - libddwaf's five names are matched in any case ("&LT;", "&Lt;",
//     "&aMp;"), and "&nbsp;" is the single byte 0xA0 (Latin-1's no-break
//     space, as libddwaf writes it, not its two-byte UTF-8 form);
//   - the other names of htmlEntities (HTML 4 and the HTML5 punctuation
//     names that hide "javascript:" and parentheses: &colon; &lpar; &Tab;)
//     are decoded too, case-sensitively, to their UTF-8 form: libddwaf
//     leaves them as they are;
//   - anything else ("&foo;", "&#;", "&#xZ") is copied as it is.
//
// Growth: len(out) <= len(src): every name is at least two letters and
// maps to one code point of at most three UTF-8 bytes, and a numeric
// reference is at least three bytes for at most three (four bytes need
// five hex digits).
func htmlEntityDecode(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '&')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		var n int
		if len(src) > 1 && src[1] == '#' {
			dst, n = appendNumericEntity(dst, src)
		} else {
			dst, n = appendNamedEntity(dst, src)
		}
		if n == 0 {
			dst = append(dst, '&')
			n = 1
		}
		src = src[n:]
	}
	return dst
}

// appendNumericEntity decodes the reference "&#..." at the start of src and
// returns the extended dst and the number of bytes read, 0 when there is no
// digit.
func appendNumericEntity(dst, src []byte) ([]byte, int) {
	i := 2
	hex := i < len(src) && src[i]|0x20 == 'x'
	if hex {
		i++
	}
	start := i
	var r rune
	for ; i < len(src); i++ {
		var v byte
		var ok bool
		if hex {
			v, ok = hexdigit.Value(src[i])
		} else {
			v, ok = src[i]-'0', src[i] >= '0' && src[i] <= '9'
		}
		if !ok {
			break
		}
		if r <= 0x10FFFF { // saturate: any larger value decodes to U+FFFD
			if hex {
				r = r<<4 | rune(v)
			} else {
				r = r*10 + rune(v)
			}
		}
	}
	if i == start {
		return dst, 0
	}
	if i < len(src) && src[i] == ';' {
		i++
	}
	switch {
	case r >= 0x80 && r <= 0x9F:
		r = windows1252[r-0x80]
	case r == 0 || r > 0x10FFFF:
		r = 0xFFFD
	}
	return appendRune(dst, r), i // surrogates become U+FFFD
}

// windows1252 gives the characters that browsers substitute for the C1
// control code points 0x80..0x9F in numeric references (the HTML5 table;
// the five unassigned bytes keep their code point).
var windows1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

// appendNamedEntity decodes the reference "&name;" at the start of src and
// returns the extended dst and the number of bytes read, 0 when src starts
// with no reference.
func appendNamedEntity(dst, src []byte) ([]byte, int) {
	i := 1
	for i < len(src) && i <= maxEntityName+1 && isAlnum(src[i]) {
		i++
	}
	name := src[1:i]
	if len(name) < 2 || len(name) > maxEntityName || i == len(src) || src[i] != ';' {
		return dst, 0
	}
	if b, ok := ddwafEntity(name); ok {
		return append(dst, b), i + 1
	}
	if v, ok := htmlEntities[string(name)]; ok {
		return appendRune(dst, rune(v)), i + 1
	}
	return dst, 0
}

// ddwafEntity returns the byte of the five names that libddwaf decodes
// (lt, gt, amp, quot, nbsp), matched in any case as it does.
func ddwafEntity(name []byte) (byte, bool) {
	if len(name) > 4 {
		return 0, false
	}
	var low [4]byte
	for i, c := range name {
		low[i] = c | 0x20
	}
	switch string(low[:len(name)]) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "nbsp":
		return 0xA0, true
	}
	return 0, false
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func init() {
	register("html_entity_decode", htmlEntityDecode, "htmlEntityDecode")
	// (a value without '&' has no reference to decode)
	registerKeeps("html_entity_decode", func(src []byte) bool { return bytes.IndexByte(src, '&') < 0 })
}
