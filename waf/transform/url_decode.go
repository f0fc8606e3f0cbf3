package transform

import "bytes"

// urlDecode decodes %XX escapes (either case of hex digit) and turns '+'
// into a space, as application/x-www-form-urlencoded decoding does. An
// escape that is not followed by two hex digits (a stray '%', "%G1", a
// truncated "%4") is copied as it is, as libddwaf and ModSecurity do. One
// pass only: "%2541" decodes to "%41"; chain the transformer to decode
// twice.
//
// Growth: len(out) <= len(src).
func urlDecode(dst, src []byte) []byte { return percentDecode(dst, src, true) }

// PercentDecode appends src to dst with its %XX escapes decoded, as a URL
// path is decoded: '+' stays '+' (a Base64 character in a path segment).
// An escape not followed by two hex digits is copied as it is.
func PercentDecode(dst, src []byte) []byte { return percentDecode(dst, src, false) }

// percentDecode decodes %XX escapes, and '+' into a space when plus is set.
func percentDecode(dst, src []byte, plus bool) []byte {
	for len(src) > 0 {
		var i int
		if plus {
			i = indexPercentOrPlus(src)
		} else {
			i = bytes.IndexByte(src, '%')
		}
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
		dst = append(dst, '%')
		src = src[1:]
	}
	return dst
}

// indexPercentOrPlus returns the index of the first '%' or '+' in s, or -1.
func indexPercentOrPlus(s []byte) int {
	// Two vectorized scans: most values hold neither byte.
	i := bytes.IndexByte(s, '%')
	if i >= 0 {
		s = s[:i]
	}
	if j := bytes.IndexByte(s, '+'); j >= 0 {
		return j
	}
	return i
}

func init() {
	register("url_decode", urlDecode, "urlDecode")
	registerKeeps("url_decode", noPercentOrPlus)
}
