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
	for i := 0; i < len(src); {
		c := src[i]
		if shellPlain[c] {
			// A run of bytes copied as they are, the common case.
			if pending && c != '/' && c != '(' {
				dst = append(dst, ' ')
			}
			pending = false
			j := i + 1
			for j < len(src) && shellPlain[src[j]] {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
		i++
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

// shellPlain tells the bytes shell_unescape copies as they are: not
// removed, not a separator, not an upper-case letter.
var shellPlain = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = !(b == '\\' || b == '"' || b == '\'' || b == '^' || isSpace(b) || b == ',' || b == ';' || 'A' <= b && b <= 'Z')
	}
	return t
}()

// shellKeeps reports whether shellUnescape leaves src as it is: every
// byte is copied, and the only spaces are single ' ' bytes that no '/' or
// '(' follows.
func shellKeeps(src []byte) bool { return shellKeepsCase(src, false) }

// ShellKeepsFolded reports whether shell_unescape gives src with its ASCII
// letters lowercased (as lowercase does), and nothing else changed:
// shellKeeps, upper-case letters aside.
func ShellKeepsFolded(src []byte) bool { return shellKeepsCase(src, true) }

func shellKeepsCase(src []byte, upper bool) bool {
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case shellPlain[c]:
		case c == ' ':
			// One space, written as it is unless a space or a byte
			// that swallows it comes next.
			if i+1 < len(src) {
				if n := src[i+1]; n == '/' || n == '(' || !shellPlain[n] && !(upper && 'A' <= n && n <= 'Z') {
					return false
				}
			}
		case upper && 'A' <= c && c <= 'Z':
		default:
			return false
		}
	}
	return true
}

func init() {
	register("shell_unescape", shellUnescape, "cmdLine")
	registerKeeps("shell_unescape", shellKeeps)
}
