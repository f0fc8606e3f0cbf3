package transform

import "bytes"

const (
	// maxEntityName is the length of the longest name in htmlEntities
	// ("DiacriticalGrave"); a longer run of letters cannot be one.
	maxEntityName = 16
	// maxLegacyEntityName is the length of the longest name that HTML
	// decodes without ';' ("frac12", "Oslash", ...): only prefixes this
	// long are tried when no ';' ends the name.
	maxLegacyEntityName = 6
)

// htmlEntityDecode decodes HTML character references as the HTML5
// tokenizer does in text (not in attribute values):
//
//   - &#DDDD; and &#xHHHH; (or &#XHHHH;), with or without the ';', become the
//     UTF-8 encoding of the code point; zero, surrogates and values above
//     U+10FFFF become U+FFFD, and 0x80..0x9F are read as Windows-1252 (as
//     browsers do: "&#128;" is "€");
//   - &name; becomes its character, for the names of htmlEntities (HTML 4
//     and the HTML5 punctuation names);
//   - without the ';', the HTML 4 Latin-1 names and amp, lt, gt, quot are
//     still decoded, as their longest prefix ("&ltscript&gt" is "<script>",
//     "&notit;" is "¬it;"), as browsers do;
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
			v, ok = unhex(src[i])
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

// appendNamedEntity decodes the reference "&name" at the start of src and
// returns the extended dst and the number of bytes read, 0 when src starts
// with no reference.
func appendNamedEntity(dst, src []byte) ([]byte, int) {
	i := 1
	for i < len(src) && i <= maxEntityName+1 && isAlnum(src[i]) {
		i++
	}
	name := src[1:i]
	if len(name) < 2 {
		return dst, 0
	}
	if i < len(src) && src[i] == ';' && len(name) <= maxEntityName {
		if v, ok := htmlEntities[string(name)]; ok {
			return appendRune(dst, rune(v&^legacyEntity)), i + 1
		}
	}
	for n := min(len(name), maxLegacyEntityName); n >= 2; n-- {
		if v, ok := htmlEntities[string(name[:n])]; ok && v&legacyEntity != 0 {
			return appendRune(dst, rune(v&^legacyEntity)), 1 + n
		}
	}
	return dst, 0
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func init() { register("html_entity_decode", htmlEntityDecode, "htmlEntityDecode") }
