package transform

import "unicode/utf8"

// unicodeNormalize folds UTF-8 text towards ASCII with a compatibility
// decomposition (Unicode NFKD) followed by the removal of combining marks,
// for the characters that attackers use to slip past ASCII patterns, as
// libddwaf's unicode_normalize does (src/utf8.cpp and
// src/transformer/unicode_normalize.cpp in github.com/DataDog/libddwaf,
// which call utf8proc with DECOMPOSE, COMPAT, LUMP, STRIPMARK, IGNORE):
//
//   - combining marks are removed, and precomposed Latin letters lose their
//     accents ("é" is "e", "Ǎ" is "A"): Latin-1, Latin Extended-A, the
//     common part of Latin Extended-B and Latin Extended Additional;
//   - fullwidth ASCII ("＜ｓｃｒｉｐｔ＞") and small form variants become
//     ASCII, ideographic and typographic spaces a space;
//   - mathematical alphanumeric symbols ("𝐚", "𝑎", "𝓪", "𝟙"), letterlike
//     symbols ("ℌ", "ℓ", "™"), superscripts and subscripts ("⁵", "ₐ"),
//     circled and parenthesized letters and numbers ("ⓐ", "⑴"), Roman
//     numerals, vulgar fractions ("⅖" is "2/5", with an ASCII slash) and
//     ligatures ("ﬁ") are spelled out in ASCII;
//   - Unicode tag characters, the "hidden ASCII" of plane 14, become the
//     ASCII they shadow: U+E0020..U+E007F and the language tag U+E0001
//     (which is "\x01"), as libddwaf maps them;
//   - the default-ignorable code points of Unicode (zero-width space and
//     non-joiner, word joiner, BOM, soft hyphen, bidirectional controls,
//     variation selectors, the other tag characters, ...) are removed,
//     except the zero-width joiner U+200D, which libddwaf keeps for emoji
//     sequences ("👨\u200d👩" stays as it is);
//
// and, beyond NFKD, as libddwaf does: "ß" is "ss", dotless "ı" is "i",
// dashes and the minus sign are "-", curly quotes are straight, "Æ", "Œ",
// "Ø", "Ł", "Đ" are spelled in ASCII.
//
// As in libddwaf, a value is only rewritten when one of its characters
// changes: then the whole value is re-encoded, invalid UTF-8 bytes are
// dropped, sequences are decoded leniently (an overlong "\xc0\xaf" is
// "/"), a surrogate is U+FFFD, and a code point from U+10FFFF up is
// dropped; a value none of whose characters change is left byte for byte
// as it is, invalid bytes included. Other characters are unchanged. The
// result is a fixed point.
//
// This is a hand-written table for the ranges above, not a full NFKD: CJK
// compatibility ideographs, Hangul, Greek and Cyrillic with accents and
// Arabic presentation forms are left as they are.
//
// Growth: len(out) <= 2*len(src) (every replacement is at most twice the
// length of the encoding it replaces; "⑽", three bytes, is "(10)").
func unicodeNormalize(dst, src []byte) []byte {
	if !needsNormalize(src) {
		return append(dst, src...)
	}
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			j := i + 1
			for j < len(src) && src[j] < utf8.RuneSelf {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
		r, size := decodeLenient(src[i:])
		i += max(size, 1)
		if size == 0 {
			continue // an invalid byte is dropped
		}
		ascii, repl, op := normalizeRune(r)
		switch op {
		case runeKeep:
			dst = appendRune(dst, r) // re-encoded: U+FFFD for a surrogate
		case runeASCII:
			dst = append(dst, ascii)
		case runeRepl:
			dst = append(dst, repl...)
		}
	}
	return dst
}

// needsNormalize reports whether a character of src changes under
// unicode_normalize (ASCII, overlong ASCII and invalid bytes do not count).
func needsNormalize(src []byte) bool {
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := decodeLenient(src[i:])
		i += max(size, 1)
		if size == 0 || r < utf8.RuneSelf {
			continue
		}
		if _, _, op := normalizeRune(r); op != runeKeep {
			return true
		}
	}
	return false
}

// decodeLenient decodes the UTF-8 sequence at the start of s as libddwaf
// does: the lead byte gives the length and the next bytes must be
// continuation bytes, but overlong forms, surrogates and code points above
// U+10FFFF are not refused. size is 0 when s starts with no such sequence.
func decodeLenient(s []byte) (r rune, size int) {
	c := s[0]
	switch {
	case c < 0x80:
		return rune(c), 1
	case c>>5 == 0x6:
		size = 2
	case c>>4 == 0xE:
		size = 3
	case c>>3 == 0x1E:
		size = 4
	default:
		return 0, 0
	}
	if len(s) < size {
		return 0, 0
	}
	r = rune(c) & (0xFF >> (size + 1))
	for _, b := range s[1:size] {
		if b>>6 != 2 {
			return 0, 0
		}
		r = r<<6 | rune(b&0x3F)
	}
	return r, size
}

// What normalizeRune does with a code point.
const (
	runeKeep  = iota // unchanged
	runeDrop         // removed
	runeASCII        // replaced by one ASCII byte
	runeRepl         // replaced by a string
)

// normalizeRune returns what unicode_normalize writes for r.
func normalizeRune(r rune) (ascii byte, repl string, op int) {
	switch {
	case r < utf8.RuneSelf:
		return byte(r), "", runeASCII
	case r == 0x200D: // zero-width joiner, kept for emoji
		return 0, "", runeKeep
	case r >= 0x10FFFF:
		return 0, "", runeDrop
	case r == 0xE0001 || r >= 0xE0020 && r <= 0xE007F: // tag characters
		return byte(r - 0xE0000), "", runeASCII
	case isCombiningMark(r) || isDefaultIgnorable(r):
		return 0, "", runeDrop
	case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
		return byte(r - 0xFF01 + '!'), "", runeASCII
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical letters, 13 alphabets
		k := byte((r - 0x1D400) % 52)
		if k < 26 {
			return 'A' + k, "", runeASCII
		}
		return 'a' + k - 26, "", runeASCII
	case r == 0x1D6A4:
		return 'i', "", runeASCII
	case r == 0x1D6A5:
		return 'j', "", runeASCII
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits, 5 styles
		return '0' + byte((r-0x1D7CE)%10), "", runeASCII
	case r >= 0x2460 && r <= 0x24FF:
		b, s := enclosedAlphanumeric(r)
		switch {
		case b != 0:
			return b, "", runeASCII
		case s != "":
			return 0, s, runeRepl
		}
		return 0, "", runeKeep
	}
	if b := pairedLatinBase(r); b != 0 {
		return b, "", runeASCII
	}
	if s, ok := compatibility[r]; ok {
		return 0, s, runeRepl
	}
	return 0, "", runeKeep
}

// isCombiningMark reports whether r is in one of the blocks of combining
// diacritical marks.
func isCombiningMark(r rune) bool {
	return r >= 0x0300 && r <= 0x036F || r >= 0x1AB0 && r <= 0x1AFF ||
		r >= 0x1DC0 && r <= 0x1DFF || r >= 0x20D0 && r <= 0x20FF || r >= 0xFE20 && r <= 0xFE2F
}

// isDefaultIgnorable reports whether r has the Default_Ignorable_Code_Point
// property of Unicode (DerivedCoreProperties.txt, Unicode 15), which
// utf8proc's IGNORE option removes; the caller keeps U+200D and maps the
// tag characters first.
func isDefaultIgnorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r >= 0x180B && r <= 0x180F, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E,
		r >= 0x2060 && r <= 0x206F, r == 0x3164, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF,
		r == 0xFFA0, r >= 0xFFF0 && r <= 0xFFF8, r >= 0x1BCA0 && r <= 0x1BCA3,
		r >= 0x1D173 && r <= 0x1D17A, r >= 0xE0000 && r <= 0xE0FFF:
		return true
	}
	return false
}

// enclosedAlphanumeric spells the Enclosed Alphanumerics block
// (U+2460..U+24FF) in ASCII: one byte, or a string, or neither for the
// characters left unchanged.
func enclosedAlphanumeric(r rune) (byte, string) {
	switch {
	case r <= 0x2473: // ① .. ⑳
		return 0, numbers[r-0x2460+1]
	case r <= 0x2487: // ⑴ .. ⒇
		return 0, parenNumbers[r-0x2474+1]
	case r <= 0x249B: // ⒈ .. ⒛
		return 0, dotNumbers[r-0x2488+1]
	case r <= 0x24B5: // ⒜ .. ⒵
		return 0, parenLetters[r-0x249C]
	case r <= 0x24CF: // Ⓐ .. Ⓩ
		return byte('A' + r - 0x24B6), ""
	case r <= 0x24E9: // ⓐ .. ⓩ
		return byte('a' + r - 0x24D0), ""
	case r == 0x24EA: // ⓪
		return '0', ""
	}
	return 0, ""
}

var (
	numbers = [21]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
		"11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
	parenNumbers = [21]string{"(0)", "(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)",
		"(11)", "(12)", "(13)", "(14)", "(15)", "(16)", "(17)", "(18)", "(19)", "(20)"}
	dotNumbers = [21]string{"0.", "1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9.", "10.",
		"11.", "12.", "13.", "14.", "15.", "16.", "17.", "18.", "19.", "20."}
	parenLetters = [26]string{"(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)", "(i)", "(j)", "(k)", "(l)", "(m)",
		"(n)", "(o)", "(p)", "(q)", "(r)", "(s)", "(t)", "(u)", "(v)", "(w)", "(x)", "(y)", "(z)"}
)

// latinRun is a run of accented Latin letters that alternate upper case,
// lower case: lo is the upper-case form of base, lo+1 the lower-case one,
// and so on up to hi.
type latinRun struct {
	lo, hi rune
	base   byte // upper case
}

// latinRuns lists the alternating runs of Latin Extended-A, -B and Latin
// Extended Additional, sorted by lo.
var latinRuns = [...]latinRun{
	{0x0100, 0x0105, 'A'}, {0x0106, 0x010D, 'C'}, {0x010E, 0x0111, 'D'}, {0x0112, 0x011B, 'E'},
	{0x011C, 0x0123, 'G'}, {0x0124, 0x0127, 'H'}, {0x0128, 0x0131, 'I'}, {0x0134, 0x0135, 'J'},
	{0x0136, 0x0137, 'K'}, {0x0139, 0x0142, 'L'}, {0x0143, 0x0148, 'N'}, {0x014C, 0x0151, 'O'},
	{0x0154, 0x0159, 'R'}, {0x015A, 0x0161, 'S'}, {0x0162, 0x0167, 'T'}, {0x0168, 0x0173, 'U'},
	{0x0174, 0x0175, 'W'}, {0x0176, 0x0177, 'Y'}, {0x0179, 0x017E, 'Z'},
	{0x01CD, 0x01CE, 'A'}, {0x01CF, 0x01D0, 'I'}, {0x01D1, 0x01D2, 'O'}, {0x01D3, 0x01DC, 'U'},
	{0x01DE, 0x01E1, 'A'}, {0x01E6, 0x01E7, 'G'}, {0x01E8, 0x01E9, 'K'}, {0x01EA, 0x01ED, 'O'},
	{0x01F4, 0x01F5, 'G'}, {0x01F8, 0x01F9, 'N'}, {0x01FA, 0x01FB, 'A'}, {0x01FE, 0x01FF, 'O'},
	{0x0200, 0x0203, 'A'}, {0x0204, 0x0207, 'E'}, {0x0208, 0x020B, 'I'}, {0x020C, 0x020F, 'O'},
	{0x0210, 0x0213, 'R'}, {0x0214, 0x0217, 'U'}, {0x0218, 0x0219, 'S'}, {0x021A, 0x021B, 'T'},
	{0x021E, 0x021F, 'H'}, {0x0226, 0x0227, 'A'}, {0x0228, 0x0229, 'E'}, {0x022A, 0x0231, 'O'},
	{0x0232, 0x0233, 'Y'},
	{0x1E00, 0x1E01, 'A'}, {0x1E02, 0x1E07, 'B'}, {0x1E08, 0x1E09, 'C'}, {0x1E0A, 0x1E13, 'D'},
	{0x1E14, 0x1E1D, 'E'}, {0x1E1E, 0x1E1F, 'F'}, {0x1E20, 0x1E21, 'G'}, {0x1E22, 0x1E2B, 'H'},
	{0x1E2C, 0x1E2F, 'I'}, {0x1E30, 0x1E35, 'K'}, {0x1E36, 0x1E3D, 'L'}, {0x1E3E, 0x1E43, 'M'},
	{0x1E44, 0x1E4B, 'N'}, {0x1E4C, 0x1E53, 'O'}, {0x1E54, 0x1E57, 'P'}, {0x1E58, 0x1E5F, 'R'},
	{0x1E60, 0x1E69, 'S'}, {0x1E6A, 0x1E71, 'T'}, {0x1E72, 0x1E7B, 'U'}, {0x1E7C, 0x1E7F, 'V'},
	{0x1E80, 0x1E89, 'W'}, {0x1E8A, 0x1E8D, 'X'}, {0x1E8E, 0x1E8F, 'Y'}, {0x1E90, 0x1E95, 'Z'},
	{0x1EA0, 0x1EB7, 'A'}, {0x1EB8, 0x1EC7, 'E'}, {0x1EC8, 0x1ECB, 'I'}, {0x1ECC, 0x1EE3, 'O'},
	{0x1EE4, 0x1EF1, 'U'}, {0x1EF2, 0x1EF9, 'Y'},
}

// pairedLatinBase returns the unaccented ASCII letter of an accented letter
// of latinRuns, or 0.
func pairedLatinBase(r rune) byte {
	if r < 0x0100 || r > 0x1EF9 {
		return 0
	}
	lo, hi := 0, len(latinRuns)
	for lo < hi {
		m := (lo + hi) / 2
		if latinRuns[m].hi < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(latinRuns) || r < latinRuns[lo].lo {
		return 0
	}
	run := latinRuns[lo]
	if (r-run.lo)%2 == 1 {
		return run.base + ('a' - 'A')
	}
	return run.base
}

// compatibility holds the other replacements, one code point each.
var compatibility = map[rune]string{
	// Latin-1 Supplement.
	0xA0: " ", 0xA8: " ", 0xAA: "a", 0xAF: " ", 0xB2: "2", 0xB3: "3", 0xB4: " ",
	0xB8: " ", 0xB9: "1", 0xBA: "o", 0xBC: "1/4", 0xBD: "1/2", 0xBE: "3/4",
	0xC0: "A", 0xC1: "A", 0xC2: "A", 0xC3: "A", 0xC4: "A", 0xC5: "A", 0xC6: "AE", 0xC7: "C",
	0xC8: "E", 0xC9: "E", 0xCA: "E", 0xCB: "E", 0xCC: "I", 0xCD: "I", 0xCE: "I", 0xCF: "I",
	0xD0: "D", 0xD1: "N", 0xD2: "O", 0xD3: "O", 0xD4: "O", 0xD5: "O", 0xD6: "O",
	0xD8: "O", 0xD9: "U", 0xDA: "U", 0xDB: "U", 0xDC: "U", 0xDD: "Y", 0xDF: "ss",
	0xE0: "a", 0xE1: "a", 0xE2: "a", 0xE3: "a", 0xE4: "a", 0xE5: "a", 0xE6: "ae", 0xE7: "c",
	0xE8: "e", 0xE9: "e", 0xEA: "e", 0xEB: "e", 0xEC: "i", 0xED: "i", 0xEE: "i", 0xEF: "i",
	0xF0: "d", 0xF1: "n", 0xF2: "o", 0xF3: "o", 0xF4: "o", 0xF5: "o", 0xF6: "o",
	0xF8: "o", 0xF9: "u", 0xFA: "u", 0xFB: "u", 0xFC: "u", 0xFD: "y", 0xFF: "y",

	// Latin Extended-A and -B outside the alternating runs.
	0x0132: "IJ", 0x0133: "ij", 0x0138: "k", 0x0149: "n", 0x0152: "OE", 0x0153: "oe",
	0x0178: "Y", 0x017F: "s", 0x0180: "b", 0x0189: "D", 0x0197: "I", 0x019A: "l",
	0x01A0: "O", 0x01A1: "o", 0x01AF: "U", 0x01B0: "u", 0x01B5: "Z", 0x01B6: "z",
	0x01C4: "DZ", 0x01C5: "Dz", 0x01C6: "dz", 0x01C7: "LJ", 0x01C8: "Lj", 0x01C9: "lj",
	0x01CA: "NJ", 0x01CB: "Nj", 0x01CC: "nj", 0x01F0: "j", 0x01F1: "DZ", 0x01F2: "Dz", 0x01F3: "dz",
	0x01FC: "AE", 0x01FD: "ae", 0x0237: "j", 0x1E96: "h", 0x1E97: "t", 0x1E98: "w",
	0x1E99: "y", 0x1E9A: "a", 0x1E9B: "s", 0x1E9E: "SS",

	// Spacing modifier letters.
	0x02B0: "h", 0x02B2: "j", 0x02B3: "r", 0x02B7: "w", 0x02B8: "y", 0x02BC: "'",
	0x02C6: "^", 0x02C8: "'", 0x02CB: "`", 0x02DC: "~", 0x02E1: "l", 0x02E2: "s", 0x02E3: "x",

	// Spaces and punctuation.
	0x2000: " ", 0x2001: " ", 0x2002: " ", 0x2003: " ", 0x2004: " ", 0x2005: " ",
	0x2006: " ", 0x2007: " ", 0x2008: " ", 0x2009: " ", 0x200A: " ", 0x202F: " ",
	0x205F: " ", 0x3000: " ",
	0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-",
	0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'", 0x201C: "\"", 0x201D: "\"",
	0x201E: "\"", 0x201F: "\"", 0x2024: ".", 0x2025: "..", 0x2026: "...",
	0x2032: "'", 0x2033: "''", 0x2035: "`", 0x2039: "<", 0x203A: ">", 0x203C: "!!",
	0x2044: "/", 0x2047: "??", 0x2048: "?!", 0x2049: "!?",

	// Superscripts and subscripts.
	0x2070: "0", 0x2071: "i", 0x2074: "4", 0x2075: "5", 0x2076: "6", 0x2077: "7",
	0x2078: "8", 0x2079: "9", 0x207A: "+", 0x207B: "-", 0x207C: "=", 0x207D: "(",
	0x207E: ")", 0x207F: "n",
	0x2080: "0", 0x2081: "1", 0x2082: "2", 0x2083: "3", 0x2084: "4", 0x2085: "5",
	0x2086: "6", 0x2087: "7", 0x2088: "8", 0x2089: "9", 0x208A: "+", 0x208B: "-",
	0x208C: "=", 0x208D: "(", 0x208E: ")",
	0x2090: "a", 0x2091: "e", 0x2092: "o", 0x2093: "x", 0x2095: "h", 0x2096: "k",
	0x2097: "l", 0x2098: "m", 0x2099: "n", 0x209A: "p", 0x209B: "s", 0x209C: "t",

	// Letterlike symbols.
	0x2100: "a/c", 0x2101: "a/s", 0x2102: "C", 0x2105: "c/o", 0x2106: "c/u",
	0x210A: "g", 0x210B: "H", 0x210C: "H", 0x210D: "H", 0x210E: "h", 0x2110: "I",
	0x2111: "I", 0x2112: "L", 0x2113: "l", 0x2115: "N", 0x2116: "No", 0x2119: "P",
	0x211A: "Q", 0x211B: "R", 0x211C: "R", 0x211D: "R", 0x2120: "SM", 0x2121: "TEL",
	0x2122: "TM", 0x2124: "Z", 0x2128: "Z", 0x212A: "K", 0x212B: "A", 0x212C: "B",
	0x212D: "C", 0x212F: "e", 0x2130: "E", 0x2131: "F", 0x2133: "M", 0x2134: "o",
	0x2139: "i", 0x2145: "D", 0x2146: "d", 0x2147: "e", 0x2148: "i", 0x2149: "j",

	// Number forms.
	0x2150: "1/7", 0x2151: "1/9", 0x2152: "1/10", 0x2153: "1/3", 0x2154: "2/3",
	0x2155: "1/5", 0x2156: "2/5", 0x2157: "3/5", 0x2158: "4/5", 0x2159: "1/6",
	0x215A: "5/6", 0x215B: "1/8", 0x215C: "3/8", 0x215D: "5/8", 0x215E: "7/8",
	0x215F: "1/", 0x2189: "0/3",
	0x2160: "I", 0x2161: "II", 0x2162: "III", 0x2163: "IV", 0x2164: "V", 0x2165: "VI",
	0x2166: "VII", 0x2167: "VIII", 0x2168: "IX", 0x2169: "X", 0x216A: "XI", 0x216B: "XII",
	0x216C: "L", 0x216D: "C", 0x216E: "D", 0x216F: "M",
	0x2170: "i", 0x2171: "ii", 0x2172: "iii", 0x2173: "iv", 0x2174: "v", 0x2175: "vi",
	0x2176: "vii", 0x2177: "viii", 0x2178: "ix", 0x2179: "x", 0x217A: "xi", 0x217B: "xii",
	0x217C: "l", 0x217D: "c", 0x217E: "d", 0x217F: "m",

	// Mathematical operators that imitate ASCII.
	0x2212: "-", 0x2215: "/", 0x2216: "\\", 0x2217: "*", 0x2223: "|", 0x2236: ":",
	0x223C: "~", 0x2264: "<=", 0x2265: ">=",

	// Alphabetic presentation forms (ligatures).
	0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st",

	// Small form variants.
	0xFE50: ",", 0xFE52: ".", 0xFE54: ";", 0xFE55: ":", 0xFE56: "?", 0xFE57: "!",
	0xFE58: "-", 0xFE59: "(", 0xFE5A: ")", 0xFE5B: "{", 0xFE5C: "}", 0xFE5F: "#",
	0xFE60: "&", 0xFE61: "*", 0xFE62: "+", 0xFE63: "-", 0xFE64: "<", 0xFE65: ">",
	0xFE66: "=", 0xFE68: "\\", 0xFE69: "$", 0xFE6A: "%", 0xFE6B: "@",

	// Halfwidth forms of ASCII-like signs.
	0xFFE8: "|",
}

func init() { register("unicode_normalize", unicodeNormalize) }
