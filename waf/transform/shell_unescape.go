package transform

// shellUnescape undoes the tricks that hide a command from a pattern
// (ModSecurity's cmdLine, libddwaf's shell_unescape):
//
//  1. backslashes, double quotes, single quotes and carets are deleted
//     ("c\at", "c'a't", "c^at" are all "cat");
//  2. commas and semicolons count as spaces;
//  3. a run of spaces (ASCII whitespace, commas, semicolons) becomes one
//     space, or nothing when a '/' or '(' follows it ("ls   /etc" is
//     "ls/etc", "a ; (b)" is "a(b)");
//  4. ASCII letters are lowercased.
//
// Deleted characters do not split a run of spaces: "a ' /b" is "a/b". The
// result is a fixed point: applying the transformer again changes nothing.
//
// Growth: len(out) <= len(src).
func shellUnescape(dst, src []byte) []byte {
	pending := false // a run of spaces has been read and not yet written
	for _, c := range src {
		switch {
		case c == '\\' || c == '"' || c == '\'' || c == '^':
			continue
		case isSpace(c) || c == ',' || c == ';':
			pending = true
			continue
		}
		if pending && c != '/' && c != '(' {
			dst = append(dst, ' ')
		}
		pending = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	if pending {
		dst = append(dst, ' ')
	}
	return dst
}

func init() { register("shell_unescape", shellUnescape, "cmdLine") }
