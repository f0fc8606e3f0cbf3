package lfi

import "github.com/rampartsec/rampart/internal/hexdigit"

// Escapes reports whether the path p, read from the directory that holds
// byte s (the input's start; the directory begins after the last separator
// at or after lo and before s), climbs above that directory with a ".."
// segment that overlaps the input p[s:t]. Separators are / and \ and their
// encoded forms; dots may be encoded too (see nextChar). With urlParams, a
// segment is ".." also when followed by ;parameters ("..;/"), as servlet
// containers read URL paths; in a file system "..;" is a plain name. The
// SSRF detector uses it for URL paths.
func Escapes(p string, s, t, lo int, urlParams bool) bool {
	st := pathState{pos: lo, dir: lo}
	st.advance(p, s, urlParams)
	return climbs(p, s, t, st, urlParams, false)
}

// pathState is a path scanned up to a character boundary: where the
// current directory's segment began and what it holds so far.
type pathState struct {
	pos    int  // the boundary scanned to
	dir    int  // start of the segment holding pos
	dots   int  // dots in the segment so far
	other  bool // the segment holds a byte other than a dot
	params bool // the segment reached ;parameters (URL paths)
}

// advance scans p on from st.pos to the last character boundary at or
// before s. Occurrences visited in increasing order thus cost one scan of
// the path in all.
func (st *pathState) advance(p string, s int, urlParams bool) {
	for st.pos < s {
		c, n := nextChar(p, st.pos)
		if st.pos+n > s {
			return // s is inside an encoded character
		}
		st.pos += n
		switch {
		case c == '/' || c == '\\':
			*st = pathState{pos: st.pos, dir: st.pos}
		case st.params:
		case urlParams && c == ';':
			st.params = true
		case c == '.':
			st.dots++
		default:
			st.other = true
		}
	}
}

// climbs is Escapes from the scanned state st (at or just before s); with
// own, the climbing segment must lie within the input p[s:t], and the
// scan stops at t.
func climbs(p string, s, t int, st pathState, urlParams, own bool) bool {
	depth := 0
	segLo := st.dir
	dots, other, params := st.dots, st.other, st.params
	for i := st.pos; ; {
		var c byte
		n := 1
		end := i >= len(p)
		if !end {
			c, n = nextChar(p, i)
		}
		if end || c == '/' || c == '\\' {
			switch {
			case !other && dots == 2:
				depth--
				if depth < 0 && segLo < t && i > s && (!own || segLo >= s && i <= t) {
					return true
				}
				if depth < 0 {
					depth = 0 // climbing out by the application's own text
				}
			case !other && (dots == 0 || dots == 1):
				// "", "." stay
			default:
				depth++
			}
			if end {
				return false
			}
			i += n
			segLo = i
			if segLo >= t {
				return false // later segments are the application's own
			}
			dots, other, params = 0, false, false
			continue
		}
		i += n
		if own && i > t {
			return false // this segment ends past the input: not its own
		}
		switch {
		case params:
		case urlParams && c == ';':
			params = true
		case c == '.':
			dots++
		default:
			other = true
		}
	}
}

// nextChar decodes one character of p at i: a literal byte, %XX, a
// double-encoded %25XX, the overlong UTF-8 forms of . / \ (%c0%ae,
// %c0%af, %c1%9c, %e0%80%ae, %e0%80%af) or %u00XX. n is the bytes used.
func nextChar(p string, i int) (c byte, n int) {
	c = p[i]
	if c != '%' {
		return c, 1
	}
	if b, ok := hexAt(p, i+1); ok {
		switch b {
		case '%':
			if b2, ok := hexAt(p, i+3); ok {
				return b2, 5
			}
		case 0xc0, 0xc1:
			if i+5 < len(p) && p[i+3] == '%' {
				if b2, ok := hexAt(p, i+4); ok {
					switch {
					case b == 0xc0 && b2 == 0xae:
						return '.', 6
					case b == 0xc0 && b2 == 0xaf:
						return '/', 6
					case b == 0xc1 && b2 == 0x9c:
						return '\\', 6
					}
				}
			}
		case 0xe0:
			if i+8 < len(p) && p[i+3] == '%' && p[i+6] == '%' {
				b2, ok2 := hexAt(p, i+4)
				b3, ok3 := hexAt(p, i+7)
				if ok2 && ok3 && b2 == 0x80 {
					switch b3 {
					case 0xae:
						return '.', 9
					case 0xaf:
						return '/', 9
					}
				}
			}
		}
		return b, 3
	}
	if i+5 < len(p) && (p[i+1] == 'u' || p[i+1] == 'U') && p[i+2] == '0' && p[i+3] == '0' {
		if b, ok := hexAt(p, i+4); ok {
			return b, 6
		}
	}
	return c, 1
}

func hexAt(p string, i int) (byte, bool) {
	if i+1 >= len(p) {
		return 0, false
	}
	return hexdigit.Pair(p[i], p[i+1])
}
