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

// validPadding reports whether pad, what follows the letters of a value
// that has n of them, is padding libddwaf accepts: at most three '=' that
// end the value and do not pad past a group of four ("normalsentence==="
// is not base64, "Z===" and "Zm9v=" are).
func validPadding(pad []byte, n int) bool {
	if len(pad) > 3 || len(pad) > 4-n%4 {
		return false
	}
	for _, c := range pad {
		if c != '=' {
			return false
		}
	}
	return true
}

// appendBase64 implements base64_decode and base64url_decode as libddwaf
// does (src/transformer/base64_decode.cpp in github.com/DataDog/libddwaf):
//
//   - a value that is not base64 (a byte outside the alphabet, padding in
//     the middle or too much of it: see validPadding) is left as it is, so
//     "normal sentence" stays "normal sentence";
//   - a base64 value is decoded four letters at a time, padding optional;
//   - a final group of fewer than four letters is decoded partially, as
//     ModSecurity and CRS do: its first byte is always written (a lone
//     final letter yields its six bits, shifted: "Z" is "d"), and the
//     second and third only when they are not zero ("ZAA=" is "d",
//     "Zm9vYmF" is "fooba@").
//
// One pass: the groups are decoded as they are read, and the output is
// replaced by the value itself at the first byte that makes it not
// base64 (the decoded bytes written so far are fewer than those read).
func appendBase64(dst, src []byte, t *[256]byte) []byte {
	base := len(dst)
	i := 0
	for ; i+4 <= len(src); i += 4 {
		a, b, c, d := t[src[i]], t[src[i+1]], t[src[i+2]], t[src[i+3]]
		if (a|b|c|d)&0x40 != 0 { // 0xFF: not a letter
			break
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst = append(dst, byte(v>>16), byte(v>>8), byte(v))
	}
	// The last letters, fewer than four, then the padding.
	n := i
	for n < len(src) && t[src[n]] != 0xFF {
		n++
	}
	if !validPadding(src[n:], n) {
		return append(dst[:base], src...)
	}
	letters := src[i:n]
	if len(letters) == 0 {
		return dst
	}
	var v uint32
	for k, c := range letters {
		v |= uint32(t[c]) << (18 - 6*k)
	}
	b0, b1, b2 := byte(v>>16), byte(v>>8), byte(v)
	dst = append(dst, b0)
	if len(letters) > 1 && (b1 != 0 || b2 != 0) {
		dst = append(dst, b1)
	}
	if len(letters) > 2 && b2 != 0 {
		dst = append(dst, b2)
	}
	return dst
}

// base64Decode decodes standard base64 (RFC 4648 section 4), leniently, as
// libddwaf does: see appendBase64. Whitespace makes a value not base64 (RFC
// 4648, not the RFC 2045 of libddwaf's deprecated base64DecodeExt).
//
// Growth: len(out) <= len(src) (a value that is not base64 is copied; a
// lone final letter yields one byte).
func base64Decode(dst, src []byte) []byte {
	return appendBase64(dst, src, &base64Std)
}

func init() { register("base64_decode", base64Decode, "base64Decode") }
