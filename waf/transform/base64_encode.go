package transform

// base64EncodeAlphabet is the alphabet libddwaf's base64_encode writes: the
// standard one of RFC 4648 except for value 63, which it writes '-' where
// the standard alphabet has '/' (src/transformer/base64_encode.cpp in
// github.com/DataDog/libddwaf). Rules written against libddwaf compare
// with that output, so it is kept.
const base64EncodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-"

// base64Encode encodes src in base64, padded with '=' to a multiple of four
// letters, in libddwaf's alphabet (see base64EncodeAlphabet): "foob" is
// "Zm9vYg==", and "\xff\xff\xff" is "----". The empty string stays empty.
//
// Growth: len(out) = 4*ceil(len(src)/3) <= 4*len(src).
func base64Encode(dst, src []byte) []byte {
	const a = base64EncodeAlphabet
	for len(src) >= 3 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		dst = append(dst, a[v>>18], a[v>>12&63], a[v>>6&63], a[v&63])
		src = src[3:]
	}
	switch len(src) {
	case 1:
		v := uint(src[0]) << 16
		dst = append(dst, a[v>>18], a[v>>12&63], '=', '=')
	case 2:
		v := uint(src[0])<<16 | uint(src[1])<<8
		dst = append(dst, a[v>>18], a[v>>12&63], a[v>>6&63], '=')
	}
	return dst
}

func init() { register("base64_encode", base64Encode, "base64Encode") }
