package lfi

import "strings"

// MinInput is the shortest input Check considers: shorter strings occur in
// paths by coincidence, and "../x" is the shortest useful traversal.
const MinInput = 4

// Finding says which input changed the path and how.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input climbs out of the base
	// directory".
	Reason string
}

// Check reports the first input (at least MinInput bytes) found verbatim in
// path that climbs above the directory it was put in (after normalizing /
// and \, "." and empty segments, encoded dots and separators), or
// that starts the path and is absolute (/..., \..., C:\..., \\server\...).
// A name that stays inside the directory, dots included ("a..b",
// "x/../y", "....//"), is not reported.
func Check(path string, inputs []string) (Finding, bool) {
	for _, in := range inputs {
		if len(in) < MinInput {
			continue
		}
		for off := 0; off < len(path); {
			k := strings.Index(path[off:], in)
			if k < 0 {
				break
			}
			s := off + k
			if r, ok := judge(path, s, s+len(in)); ok {
				return Finding{Input: in, Reason: r}, true
			}
			off = s + 1
		}
	}
	return Finding{}, false
}

func judge(p string, s, t int) (string, bool) {
	if s == 0 && absolute(p[:t]) {
		if sensitive(p) {
			return "input is an absolute path to a sensitive file", true
		}
		return "input is an absolute path", true
	}
	if strings.ContainsAny(p[s:t], ".%") && escapes(p, s, t, 0) {
		return "input climbs out of the base directory", true
	}
	return "", false
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
