package lfi

import "strings"

// Finding says which input changed the path and how.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input climbs out of the base
	// directory".
	Reason string
}

// Check reports the first input found verbatim in path that climbs above
// the directory it was put in with a ".." segment of its own (after
// normalizing / and \, "." and empty segments, encoded dots and
// separators), that starts the path and is absolute (/..., \..., C:\...,
// \\server\...), or that starts the path at a home directory (~/..., ~user/...).
// Inputs of any length count; see the package documentation for how short
// ones are decided. A name that stays inside the directory, dots included
// ("a..b", "x/../y", "....//"), is not reported.
func Check(path string, inputs []string) (Finding, bool) {
	for _, in := range inputs {
		if in == "" || len(in) > len(path) {
			continue
		}
		// Only an input holding two dots, literal or encoded, can add a
		// ".." segment of its own; any other counts only at the start.
		if !strings.Contains(in, "..") && strings.IndexByte(in, '%') < 0 {
			if strings.HasPrefix(path, in) {
				if r, ok := judgeStart(path, len(in)); ok {
					return Finding{Input: in, Reason: r}, true
				}
			}
			continue
		}
		// An input without a separator has a ".." of its own only in a
		// segment it starts.
		seps := strings.ContainsAny(in, "/\\%")
		var st pathState
		for off := 0; off < len(path); {
			k := strings.Index(path[off:], in)
			if k < 0 {
				break
			}
			s := off + k
			if s == 0 {
				if r, ok := judgeStart(path, len(in)); ok {
					return Finding{Input: in, Reason: r}, true
				}
			}
			st.advance(path, s, false)
			if (seps || st.pos == s && !st.other && st.dots == 0) && climbs(path, s, s+len(in), st, false, true) {
				return Finding{Input: in, Reason: "input climbs out of the base directory"}, true
			}
			off = s + 1
		}
	}
	return Finding{}, false
}

// judgeStart decides about an input that is the path's first t bytes: an
// absolute path, or a home directory.
func judgeStart(p string, t int) (string, bool) {
	if absolute(p[:t]) && choosesRoot(p, t) {
		if sensitive(p) {
			return "input is an absolute path to a sensitive file", true
		}
		return "input is an absolute path", true
	}
	if home(p, t) {
		return "input starts the path at a home directory", true
	}
	return "", false
}

// shortInput is the longest absolute input that must end where a segment
// of the path ends to count: a string that short ("/a") at the start of a
// path is as likely the first letters of the application's own base
// directory ("/app/...") as a root-level name of the input's choosing.
const shortInput = 3

// choosesRoot reports whether the absolute input p[:t] chooses more than
// the root the application's own path starts from: it names something
// after its root (separators, drive letter, UNC prefix) — and, when it is
// short, that name ends where a segment of the path ends — or it is the
// whole path. A bare root ("/", "\\", "C:\") followed by the
// application's text is the application's choice of file.
func choosesRoot(p string, t int) bool {
	if t == len(p) {
		return true
	}
	if in := p[:t]; strings.Trim(in, "./\\") == "" && !strings.Contains(in, "..") {
		return false // separators and "." segments: the root, however spelled
	}
	r := 0
	if len(p) >= 2 && isLetter(p[0]) && p[1] == ':' {
		r = 2
	}
	for r < t {
		c, n := nextChar(p, r)
		if c == '.' && r+n < len(p) {
			// A "." segment of the root ("/./") names nothing.
			if c2, _ := nextChar(p, r+n); (c2 == '/' || c2 == '\\') && r > 0 {
				if prev := p[r-1]; prev == '/' || prev == '\\' {
					r += n
					continue
				}
			}
		}
		if c != '/' && c != '\\' || r+n > t {
			break
		}
		r += n
	}
	if r >= t {
		return false // the root alone
	}
	if t > shortInput {
		return true
	}
	c, _ := nextChar(p, t)
	if c == '/' || c == '\\' {
		return true
	}
	in := p[:t]
	return strings.ContainsAny(in[r:], "/\\") || strings.HasSuffix(in, "/")
}

// home reports whether the input p[:t], at the start of the path, names a
// home directory as a shell or a path-expanding library reads it: "~"
// followed by a separator or the end of the path, or "~user" followed by
// a separator, with the whole first segment the input's.
func home(p string, t int) bool {
	if p[0] != '~' {
		return false
	}
	e := 1
	for e < len(p) && p[e] != '/' && p[e] != '\\' {
		c := p[e]
		if !isLetter(c) && !('0' <= c && c <= '9') && c != '.' && c != '_' && c != '-' {
			return false
		}
		e++
	}
	if e > t {
		return false // the application wrote part of the first segment
	}
	return e == 1 || e < len(p)
}

// absolute reports a POSIX or Windows absolute path: a leading separator
// (also encoded), or a drive letter followed by a separator or nothing.
func absolute(in string) bool {
	if in == "" {
		return false
	}
	if c, _ := nextChar(in, 0); c == '/' || c == '\\' {
		return true
	}
	if len(in) >= 2 && isLetter(in[0]) && in[1] == ':' {
		if len(in) == 2 {
			return true
		}
		c, _ := nextChar(in, 2)
		return c == '/' || c == '\\'
	}
	return false
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// sensitivePrefixes are system files and directories whose reading leaks
// secrets or configuration; compared case-insensitively on the path with
// backslashes as slashes.
var sensitivePrefixes = [...]string{
	"/etc/", "/proc/", "/sys/", "/root/", "/var/log/", "/var/run/secrets/",
	"/home/", "/dev/", "/boot/", "/var/lib/", "/usr/local/etc/", "/.env", "/app/.env",
	"c:/windows/", "c:/boot.ini", "c:/users/", "c:/inetpub/", "c:/programdata/",
	"c:/documents and settings/", "/windows/", "/boot.ini",
}

// sensitive reports whether the absolute path p names a sensitive system
// file (used for the reason only: every absolute path counts).
func sensitive(p string) bool {
	var buf [64]byte
	n := 0
	for i := 0; i < len(p) && n < len(buf); i++ {
		c := p[i]
		if c == '\\' {
			c = '/'
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	low := buf[:n]
	for _, pre := range sensitivePrefixes {
		if len(low) >= len(pre) && string(low[:len(pre)]) == pre {
			return true
		}
	}
	return false
}
