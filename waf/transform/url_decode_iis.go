package transform

// urlDecodeIIS decodes what url_decode decodes and, as IIS does, the
// non-standard %uXXXX escapes (ModSecurity's urlDecodeUni, libddwaf's
// url_decode_iis):
//
//   - %uFF01..%uFF5E, the fullwidth forms of '!'..'~', become the ASCII
//     characters they imitate ("%uFF1Cscript%uFF1E" is "<script>");
//   - a high and a low surrogate escape in a row ("%uD83D%uDE00") become the
//     one character they encode;
//   - a lone surrogate becomes U+FFFD;
//   - any other %uXXXX becomes the UTF-8 encoding of U+XXXX.
//
// Invalid escapes are copied as they are. Unlike libddwaf, which repeats
// the decoding until nothing changes (quadratic on "%25252525..."), this is
// one linear pass; chain it to decode twice.
//
// Growth: len(out) <= len(src) (a 6-byte escape yields at most 3 bytes, a
// 12-byte pair 4).
func urlDecodeIIS(dst, src []byte) []byte {
	for len(src) > 0 {
		i := indexPercentOrPlus(src)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if src[0] == '+' {
			dst = append(dst, ' ')
			src = src[1:]
			continue
		}
		if b, ok := hexByte(src[1:]); ok {
			dst = append(dst, b)
			src = src[3:]
			continue
		}
		if len(src) >= 6 && src[1]|0x20 == 'u' {
			if r, ok := hex4(src[2:]); ok {
				src = src[6:]
				switch {
				case r >= 0xFF01 && r <= 0xFF5E:
					dst = append(dst, byte(r-0xFF01+'!'))
				case isHighSurrogate(r):
					if len(src) >= 6 && src[0] == '%' && src[1]|0x20 == 'u' {
						if lo, ok := hex4(src[2:]); ok && isLowSurrogate(lo) {
							r = combineSurrogates(r, lo)
							src = src[6:]
						}
					}
					dst = appendRune(dst, r) // U+FFFD when still a surrogate
				default:
					dst = appendRune(dst, r)
				}
				continue
			}
		}
		dst = append(dst, '%')
		src = src[1:]
	}
	return dst
}

func init() { register("url_decode_iis", urlDecodeIIS, "urlDecodeUni") }
