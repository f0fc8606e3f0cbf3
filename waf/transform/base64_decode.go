package transform

// base64Std maps a byte to its value in the standard base64 alphabet of
// RFC 4648 (A-Z a-z 0-9 + /), or 0xFF when it is not in it.
var base64Std = base64Table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

// base64Table builds a 256-entry decoding table for a 64-letter alphabet.
func base64Table(alphabet string) (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}

// appendBase64 decodes the longest prefix of src made of alphabet letters:
// it stops at the first byte outside the alphabet ('=' padding included), so
// missing padding is tolerated and trailing garbage ignored. A final group of
// two or three letters yields one or two bytes (the spare bits are dropped,
// whatever they hold); a lone final letter yields nothing.
func appendBase64(dst, src []byte, t *[256]byte) []byte {
	var acc uint32
	n := 0
	for _, c := range src {
		v := t[c]
		if v == 0xFF {
			break
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		dst = append(dst, byte(acc>>4))
	case 3:
		dst = append(dst, byte(acc>>10), byte(acc>>2))
	}
	return dst
}

// base64Decode decodes standard base64 (RFC 4648 section 4), leniently: see
// appendBase64. Whitespace also ends the decoded prefix (RFC 4648, not the
// RFC 2045 of libddwaf's deprecated base64DecodeExt).
//
// Growth: len(out) <= 3*len(src)/4.
func base64Decode(dst, src []byte) []byte {
	return appendBase64(dst, src, &base64Std)
}

func init() { register("base64_decode", base64Decode, "base64Decode") }
