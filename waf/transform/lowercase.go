package transform

// lowercase maps the ASCII letters A-Z to a-z and copies every other byte
// unchanged, as libddwaf and ModSecurity do (non-ASCII text is left alone,
// so the output is still valid UTF-8 whenever the input was).
//
// Growth: len(out) == len(src).
func lowercase(dst, src []byte) []byte {
	n := len(dst)
	dst = append(dst, src...)
	out := dst[n:]
	for i, c := range out {
		if c >= 'A' && c <= 'Z' {
			out[i] = c + ('a' - 'A')
		}
	}
	return dst
}

// noUpper reports whether src has no ASCII upper-case letter.
func noUpper(src []byte) bool {
	for _, c := range src {
		if c-'A' < 26 {
			return false
		}
	}
	return true
}

func init() {
	register("lowercase", lowercase)
	registerKeeps("lowercase", noUpper)
}
