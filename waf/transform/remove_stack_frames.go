package transform

import "bytes"

// removeStackFrames deletes what a pasted JVM stack trace is made of, so
// that the class names in it do not read as a gadget chain: the frames
// ("at org.example.App.main(App.java:42)", "(Native Method)", "(Unknown
// Source)", a module prefix such as "java.base/") and the qualified names
// of exceptions and errors ("java.lang.IllegalStateException"). Each is
// replaced by one space. A class name anywhere else, as serialized objects,
// JSON type fields and expression payloads carry them, is kept: a frame
// needs a source file and a line number (or Native Method) after the
// method, which no such payload has.
//
// Growth: len(out) <= len(src).
func removeStackFrames(dst, src []byte) []byte {
	if noFrames(src) {
		return append(dst, src...)
	}
	start := len(dst)
	dst = append(dst, src...)
	b := dst[start:]
	n := blankFrames(b)
	n = blankThrowables(b[:n])
	return dst[:start+n]
}

var (
	exceptionWord = []byte("Exception")
	errorWord     = []byte("Error")
)

// isClassByte tells the bytes of a qualified JVM name (and a method's
// <init>, a module prefix's '/').
func isClassByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '.' || c == '<' || c == '>' || c == '/' || c == '-'
}

// frameEnd returns the index just past the location of a frame that b
// starts with, after its '(' ("App.java:42)", "Native Method)", "Unknown
// Source)", "App.kt)"), or -1.
func frameEnd(b []byte) int {
	for _, w := range [...]string{"Native Method)", "Unknown Source)"} {
		if bytes.HasPrefix(b, []byte(w)) {
			return len(w)
		}
	}
	i := 0
	for i < len(b) && (isClassByte(b[i]) && b[i] != '/' && b[i] != '<' && b[i] != '>') {
		i++
	}
	name := b[:i]
	dot := bytes.LastIndexByte(name, '.')
	if dot <= 0 {
		return -1
	}
	switch string(name[dot+1:]) {
	case "java", "kt", "scala", "groovy", "clj":
	default:
		return -1
	}
	if i < len(b) && b[i] == ':' {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && b[i] == ')' {
		return i + 1
	}
	return -1
}

// blankFrames replaces each frame of b with a space, in place, and
// returns b's new length.
func blankFrames(b []byte) int {
	w := 0 // write index
	for r := 0; r < len(b); {
		if b[r] != '(' {
			b[w] = b[r]
			w++
			r++
			continue
		}
		end := frameEnd(b[r+1:])
		// the method before '(' is written already: find its start
		s := w
		for s > 0 && isClassByte(b[s-1]) {
			s--
		}
		if end < 0 || s == w || bytes.IndexByte(b[s:w], '.') < 0 {
			b[w] = b[r]
			w++
			r++
			continue
		}
		// and the "at " before it
		if s >= 3 && string(b[s-3:s]) == "at " {
			s -= 3
		}
		w = s
		b[w] = ' '
		w++
		r += 1 + end
	}
	return w
}

// blankThrowables replaces each qualified name ending in Exception or
// Error (java.io.IOException) with a space, in place, and returns b's new
// length.
func blankThrowables(b []byte) int {
	if !bytes.Contains(b, exceptionWord) && !bytes.Contains(b, errorWord) {
		return len(b) // (most values with a '(' name no throwable)
	}
	w := 0
	for r := 0; r < len(b); {
		suffix := 0
		switch {
		case b[r] != 'E': // (both words start with it)
		case bytes.HasPrefix(b[r:], exceptionWord):
			suffix = len(exceptionWord)
		case bytes.HasPrefix(b[r:], errorWord):
			suffix = len(errorWord)
		}
		end := r + suffix
		if suffix == 0 || end < len(b) && isClassByte(b[end]) && b[end] != '.' && b[end] != '/' {
			b[w] = b[r]
			w++
			r++
			continue
		}
		s := w
		for s > 0 && isClassByte(b[s-1]) && b[s-1] != '/' {
			s--
		}
		if bytes.IndexByte(b[s:w], '.') < 0 {
			b[w] = b[r]
			w++
			r++
			continue
		}
		w = s
		b[w] = ' '
		w++
		r = end
	}
	return w
}

func init() {
	register("remove_stack_frames", removeStackFrames)
	registerKeeps("remove_stack_frames", noFrames)
}

// noFrames reports whether src has nothing removeStackFrames removes:
// no '(' that a frame's location follows, and no throwable's name.
func noFrames(src []byte) bool {
	if bytes.Contains(src, exceptionWord) || bytes.Contains(src, errorWord) {
		return false
	}
	for rest := src; ; {
		i := bytes.IndexByte(rest, '(')
		if i < 0 {
			return true
		}
		if rest = rest[i+1:]; frameEnd(rest) >= 0 {
			return false
		}
	}
}
