package transform

import "bytes"

// removeNulls deletes every NUL (0x00) byte.
//
// Growth: len(out) <= len(src).
func removeNulls(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, 0)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i+1:]
	}
	return dst
}

func init() {
	register("remove_nulls", removeNulls, "removeNulls")
	registerKeeps("remove_nulls", func(src []byte) bool { return bytes.IndexByte(src, 0) < 0 })
}
