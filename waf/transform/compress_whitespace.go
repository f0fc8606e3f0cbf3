package transform

// compressWhitespace replaces every run of ASCII whitespace (space, \t, \n,
// \v, \f, \r) by one space, as ModSecurity's compressWhitespace does.
// Leading and trailing runs become one space too; nothing is trimmed.
//
// Growth: len(out) <= len(src).
func compressWhitespace(dst, src []byte) []byte {
	inRun := false
	start := 0 // start of the pending run of non-space bytes
	for i := 0; i < len(src); i++ {
		if !isSpace(src[i]) {
			if inRun {
				inRun = false
				start = i
			}
			continue
		}
		if !inRun {
			dst = append(dst, src[start:i]...)
			dst = append(dst, ' ')
			inRun = true
		}
	}
	if !inRun {
		dst = append(dst, src[start:]...)
	}
	return dst
}

func init() { register("compress_whitespace", compressWhitespace, "compressWhiteSpace") }
