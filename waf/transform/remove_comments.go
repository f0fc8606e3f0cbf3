package transform

import "bytes"

// removeComments deletes comments of the languages that injections are
// written in, without knowing which language the value is:
//
//   - C block comments, "/*" to the next "*/", or to the end of the value
//     when unterminated;
//   - HTML comments, "<!--" to the next "-->", or to the end when
//     unterminated;
//   - SQL "--", shell "#" and C++ "//" line comments, from the marker to the
//     end of the line: the newline itself is kept.
//
// libddwaf and ModSecurity drop everything after a line-comment marker; we
// stop at the newline, because MySQL, shells and JavaScript all resume
// there, and dropping the rest of the value would let "#\n<payload>" hide a
// payload from the rule. Comments do not nest and markers inside quotes are
// not special ("bar/*/*x*/*/bar" is "bar*/bar").
//
// Growth: len(out) <= len(src).
func removeComments(dst, src []byte) []byte {
	i, start := 0, 0
	for i < len(src) {
		c := src[i]
		if c != '/' && c != '-' && c != '<' && c != '#' {
			i++
			continue
		}
		var end int // index just past the comment, or -1 when c starts none
		switch {
		case c == '#':
			end = lineEnd(src, i+1)
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			end = lineEnd(src, i+2)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			end = lineEnd(src, i+2)
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end = blockEnd(src, i+2, "*/")
		case c == '<' && bytes.HasPrefix(src[i:], []byte("<!--")):
			end = blockEnd(src, i+4, "-->")
		default:
			end = -1
		}
		if end < 0 {
			i++
			continue
		}
		dst = append(dst, src[start:i]...)
		i, start = end, end
	}
	return append(dst, src[start:]...)
}

// lineEnd returns the index of the first '\n' at or after i, or len(src).
func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// blockEnd returns the index just past the first terminator at or after i,
// or len(src) when there is none.
func blockEnd(src []byte, i int, terminator string) int {
	if j := bytes.Index(src[i:], []byte(terminator)); j >= 0 {
		return i + j + len(terminator)
	}
	return len(src)
}

// noComment reports whether src holds no comment opener (#, --, //, /*,
// <!--): removeComments leaves it as it is.
func noComment(src []byte) bool {
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '#':
			return false
		case '-', '/':
			if i+1 < len(src) && (src[i+1] == src[i] || src[i] == '/' && src[i+1] == '*') {
				return false
			}
		case '<':
			if bytes.HasPrefix(src[i:], commentOpen) {
				return false
			}
		}
	}
	return true
}

var commentOpen = []byte("<!--")

func init() {
	register("remove_comments", removeComments, "removeComments")
	registerKeeps("remove_comments", noComment)
}
