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

func init() { register("lowercase", lowercase) }
