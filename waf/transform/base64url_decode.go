package transform

// base64URL is the decoding table of the URL- and filename-safe alphabet
// of RFC 4648 section 5 (A-Z a-z 0-9 - _).
var base64URL = base64Table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

// base64URLDecode decodes URL-safe base64 (as in JWTs), with the same
// leniency as base64_decode (see appendBase64): padding is optional, a
// value with a byte outside the alphabet ('+' and '/' included) is left as
// it is.
//
// Growth: len(out) <= len(src).
func base64URLDecode(dst, src []byte) []byte {
	return appendBase64(dst, src, &base64URL)
}

func init() { register("base64url_decode", base64URLDecode) }
