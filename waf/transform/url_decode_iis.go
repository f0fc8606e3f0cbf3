package transform

// urlDecodeIIS decodes what url_decode decodes and, as IIS does, the
// non-standard %uXXXX escapes (ModSecurity's urlDecodeUni, libddwaf's
// url_decode_iis), and decodes again until nothing is left to decode, as
// libddwaf does (it repeats its pass while a pass finds an escape or a '+':
// src/transformer/url_decode.cpp in github.com/DataDog/libddwaf):
// "%252541" is "A", and "%2B" is a space (the '+' it decodes to is then
// decoded too).
//
//   - %XX, with two hex digits, is the byte XX, and '+' is a space;
//   - %uXXXX up to %u007F is the byte XX;
//   - %uFF01..%uFF5E, the fullwidth forms of '!'..'~', are the ASCII
//     characters they imitate ("%uFF1Cscript%uFF1E" is "<script>"), as IIS
//     and ModSecurity map them (libddwaf writes the fullwidth character:
//     rampart decodes the form IIS hands the application);
//   - a surrogate (%uD800..%uDFFF) is U+FFFD, each half of a pair alone, as
//     in libddwaf;
//   - any other %uXXXX is the UTF-8 encoding of U+XXXX;
//   - anything else, invalid escapes included, is copied.
//
// Decoding until a fixed point in one linear pass: the escapes of a string
// never overlap (a '%' starts at most one, and none contains a '%'), so
// the order in which they are decoded does not change the result, and the
// output can be kept as a stack: each byte pushed (read, or just decoded)
// completes at most one escape at the top, which is decoded at once and
// its result pushed in turn. Every reduction shortens the stack by at
// least two bytes, so the work is linear in len(src) whatever the nesting
// ("%25252525..." included). The result is a fixed point.
//
// Growth: len(out) <= len(src); the stack never holds more than the bytes
// read so far, but it may hold more than the final output.
func urlDecodeIIS(dst, src []byte) []byte {
	base := len(dst)
	for len(src) > 0 {
		if !iisPending(dst[base:]) {
			// No escape can be completed by what follows: copy up to the
			// next '%' or '+' at once.
			i := indexPercentOrPlus(src)
			if i < 0 {
				return append(dst, src...)
			}
			dst = append(dst, src[:i]...)
			src = src[i:]
			// A '+', or a %XX that decodes to neither '%' nor '+', cannot
			// start or complete an escape: written at once.
			if src[0] == '+' {
				dst = append(dst, ' ')
				src = src[1:]
				continue
			}
			if b, ok := hexByte(src[1:]); ok && b != '%' && b != '+' {
				dst = append(dst, b)
				src = src[3:]
				continue
			}
		}
		dst = iisPush(dst, base, src[0])
		src = src[1:]
	}
	return dst
}

// iisPending reports whether out ends in the start of an escape that more
// bytes could complete: a '%' among its last five bytes.
func iisPending(out []byte) bool {
	for i := len(out) - 1; i >= 0 && i >= len(out)-5; i-- {
		if out[i] == '%' {
			return true
		}
	}
	return false
}

// iisPush pushes c on the stack dst[base:] and decodes, for as long as
// there is one, the escape that ends at its top.
func iisPush(dst []byte, base int, c byte) []byte {
	for {
		if c == '+' {
			return append(dst, ' ')
		}
		dst = append(dst, c)
		out := dst[base:]
		n := len(out)
		if n >= 3 && out[n-3] == '%' {
			if b, ok := hexByte(out[n-2:]); ok {
				dst = dst[:len(dst)-3]
				c = b
				continue
			}
		}
		if n >= 6 && out[n-6] == '%' && out[n-5]|0x20 == 'u' {
			if r, ok := hex4(out[n-4:]); ok {
				dst = dst[:len(dst)-6]
				switch {
				case r <= 0x7F:
					c = byte(r)
					continue
				case r >= 0xFF01 && r <= 0xFF5E:
					c = byte(r - 0xFF01 + '!')
					continue
				}
				return appendRune(dst, r) // U+FFFD for a surrogate
			}
		}
		return dst
	}
}

func init() {
	register("url_decode_iis", urlDecodeIIS, "urlDecodeUni")
	registerKeeps("url_decode_iis", noPercentOrPlus)
}
