package ssrf

import (
	"strings"

	"github.com/rampartsec/rampart/rasp/lfi"
)

// MinInput is the shortest input Check considers: shorter strings occur in
// URLs by coincidence (a port, a label) and could not spell an internal
// host or a traversal anyway.
const MinInput = 4

// Finding says which input changed the URL and how.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input sets the host to a loopback
	// address".
	Reason string
}

// Check reports the first input (at least MinInput bytes) found verbatim in
// rawURL that sets a dangerous scheme, sets the host (or the port of an
// internal host) to an internal target, or adds a path traversal that
// leaves the path before it. An input that only fills a path segment, a
// query value or a fragment, or that names a public host, is not reported.
// Check never resolves names.
func Check(rawURL string, inputs []string) (Finding, bool) {
	return scan(rawURL, inputs, false)
}

// scan judges every occurrence of every input (at least MinInput bytes) in
// rawURL, parsing the URL once, on the first occurrence, and reports the
// first one flagged: by judge, or by judgeResolved for the dial-time check.
// (A flag rather than a func parameter, so that nothing escapes.)
func scan(rawURL string, inputs []string, resolved bool) (Finding, bool) {
	var u urlParts
	parsed := false
	for _, in := range inputs {
		if len(in) < MinInput {
			continue
		}
		off := 0
		for off < len(rawURL) {
			k := strings.Index(rawURL[off:], in)
			if k < 0 {
				break
			}
			s := off + k
			if !parsed {
				u = parseURL(rawURL)
				parsed = true
			}
			var r string
			var ok bool
			if resolved {
				r, ok = u.judgeResolved(s, s+len(in))
			} else {
				r, ok = u.judge(rawURL, s, s+len(in))
			}
			if ok {
				return Finding{Input: in, Reason: r}, true
			}
			off = s + 1
		}
	}
	return Finding{}, false
}

// span is a half-open byte range of the URL; lo < 0 when absent.
type span struct{ lo, hi int }

func (s span) ok() bool { return s.lo >= 0 && s.hi > s.lo }

// within reports whether s is non-empty and lies inside [lo, hi).
func (s span) within(lo, hi int) bool { return s.ok() && lo <= s.lo && s.hi <= hi }

// urlParts holds the spans of one URL under the two readings that matter:
// the WHATWG one (a backslash ends the authority of http(s) URLs) and the
// RFC 3986 one used by net/url (only / ? # end it).
type urlParts struct {
	scheme     span
	host, port [2]span
	path       span // WHATWG reading
}

var none = span{-1, -1}

func parseURL(raw string) urlParts {
	u := urlParts{scheme: none, host: [2]span{none, none}, port: [2]span{none, none}, path: none}
	i := 0
	for i < len(raw) && raw[i] <= ' ' {
		i++
	}
	n := len(raw)
	for n > i && raw[n-1] <= ' ' {
		n--
	}
	raw = raw[:n]
	special := true
	if j := schemeEnd(raw, i); j > 0 {
		u.scheme = span{i, j}
		name := raw[i:j]
		special = isSpecial(name)
		k := j + 1
		if strings.EqualFold(name, "file") {
			// file:///p has an empty host; file:/p and file:p have none.
			if !strings.HasPrefix(raw[k:], "//") {
				u.path = span{k, pathEnd(raw, k)}
				return u
			}
			i = k + 2
		} else if special {
			for k < len(raw) && (raw[k] == '/' || raw[k] == '\\') {
				k++
			}
			i = k
		} else if strings.HasPrefix(raw[k:], "//") {
			i = k + 2
		} else {
			return u // opaque: mailto:, jar:..., data:
		}
	} else {
		switch {
		case strings.HasPrefix(raw[i:], "//"), strings.HasPrefix(raw[i:], `\\`):
			i += 2
		case i < len(raw) && (raw[i] == '/' || raw[i] == '\\'):
			u.path = span{i, pathEnd(raw, i)}
			return u
		}
	}
	for r := 0; r < 2; r++ {
		stops := "/?#"
		if r == 0 && special {
			stops = `/\?#`
		}
		e := i
		for e < len(raw) && strings.IndexByte(stops, raw[e]) < 0 {
			e++
		}
		h := i
		if at := strings.LastIndexByte(raw[i:e], '@'); at >= 0 {
			h = i + at + 1
		}
		he := e
		if h < e && raw[h] == '[' {
			if c := strings.IndexByte(raw[h:e], ']'); c >= 0 {
				he = h + c + 1
			}
		} else if c := strings.IndexByte(raw[h:e], ':'); c >= 0 {
			he = h + c
		}
		u.host[r] = span{h, he}
		if he < e && raw[he] == ':' {
			u.port[r] = span{he + 1, e}
		}
		if r == 0 {
			u.path = span{e, pathEnd(raw, e)}
		}
	}
	return u
}

func pathEnd(raw string, i int) int {
	if k := strings.IndexAny(raw[i:], "?#"); k >= 0 {
		return i + k
	}
	return len(raw)
}

// schemeEnd returns the index of the ':' ending a scheme at i, or -1. A
// "name:digits" prefix is host:port with the scheme missing, not a scheme.
func schemeEnd(raw string, i int) int {
	if i >= len(raw) || !isAlpha(raw[i]) {
		return -1
	}
	j := i + 1
	for j < len(raw) && (isAlpha(raw[j]) || '0' <= raw[j] && raw[j] <= '9' || raw[j] == '+' || raw[j] == '-' || raw[j] == '.') {
		j++
	}
	if j >= len(raw) || raw[j] != ':' {
		return -1
	}
	d := j + 1
	for d < len(raw) && '0' <= raw[d] && raw[d] <= '9' {
		d++
	}
	if d > j+1 && (d == len(raw) || strings.IndexByte(`/?#\`, raw[d]) >= 0) && !isSpecial(raw[i:j]) {
		return -1
	}
	return j
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isSpecial reports the WHATWG special schemes, whose authority is always
// present and may be ended by a backslash.
func isSpecial(s string) bool {
	for _, n := range [...]string{"http", "https", "ws", "wss", "ftp", "file"} {
		if strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

// dangerousSchemes reach files, other protocols or code instead of a web
// resource.
var dangerousSchemes = [...]string{
	"file", "gopher", "dict", "ftp", "ftps", "sftp", "tftp", "ldap", "ldaps", "ldapi",
	"jar", "netdoc", "php", "phar", "data", "expect", "zip", "glob", "compress.zlib",
	"compress.bzip2", "ogg", "rar", "ssh2", "ssh2.shell", "ssh2.exec", "ssh2.tunnel",
	"ssh2.sftp", "ssh2.scp", "telnet", "smb", "smtp", "imap", "pop3", "rtsp", "rmi",
	"jndi", "iiop", "nfs", "mysql", "redis", "url", "wrapper", "jdbc", "scp", "ssh",
}

// DangerousScheme reports whether scheme (case-insensitive) reaches
// something other than a web resource (file, gopher, dict, ftp, ldap, jar,
// netdoc, php, data...).
func DangerousScheme(scheme string) bool {
	for _, n := range dangerousSchemes {
		if strings.EqualFold(scheme, n) {
			return true
		}
	}
	return false
}

// judge decides the occurrence of an input at raw[s:t].
func (u *urlParts) judge(raw string, s, t int) (string, bool) {
	// The input must hold the whole scheme and its colon: an input that
	// merely equals the word "file" of the application's own file: URL
	// chose nothing.
	if u.scheme.ok() && s <= u.scheme.lo && t > u.scheme.hi && DangerousScheme(raw[u.scheme.lo:u.scheme.hi]) {
		return "input sets a dangerous scheme", true
	}
	for r := 0; r < 2; r++ {
		h := u.host[r]
		if !h.ok() {
			continue
		}
		reason, internal := Internal(raw[h.lo:h.hi])
		if !internal {
			continue
		}
		if h.within(s, t) {
			return hostReason(reason), true
		}
		if u.port[r].within(s, t) {
			return "input sets the port of an internal host", true
		}
	}
	if u.path.ok() && s >= u.path.lo && s < u.path.hi && strings.ContainsAny(raw[s:t], ".%") {
		if lfi.Escapes(raw[:u.path.hi], s, t, u.path.lo, true) {
			return "input adds a path traversal that leaves the path before it", true
		}
	}
	return "", false
}

// hostReason names the finding for an internal host without allocating.
func hostReason(reason string) string {
	switch reason {
	case "loopback":
		return "input sets the host to a loopback target"
	case "cloud metadata":
		return "input sets the host to a cloud metadata service"
	case "private network":
		return "input sets the host to a private network address"
	case "link-local address":
		return "input sets the host to a link-local address"
	case "unspecified address":
		return "input sets the host to the unspecified address"
	}
	return "input sets the host to an internal target"
}
