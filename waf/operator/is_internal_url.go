package operator

import (
	"unsafe"

	"github.com/rampartsec/rampart/rasp/ssrf"
)

// isInternalURL (is_internal_url) matches a value that is an absolute URL
// whose host names an internal target: loopback, private, link-local and
// cloud metadata addresses in any spelling a URL parser accepts (decimal
// 2130706433, hex 0x7f000001, octal 0177.0.0.1 with any leading zeros,
// short forms 127.1, IPv4-mapped and zoned IPv6, fullwidth and circled
// characters, percent-escapes, a trailing dot), names whose address is
// known without DNS (localhost, localtest.me, 10.0.0.1.nip.io, the
// metadata names) and names internal by definition (.internal, .local,
// .svc, and single labels when the value is the URL alone). The host is read as a WHATWG URL parser reads it:
// after the scheme and any run of slashes or backslashes, up to the first
// '/', '\', '?' or '#', after the last '@' (so "http://a.com:80 &@127.1/"
// names 127.1), without the port; and again with '\\' inside the
// authority, as RFC 3986 parsers read it ("http://a.com\\@127.1/"), and
// with '#' and '?' inside it too ("http://a.com# @127.1/"). The classification is rasp/ssrf's
// Internal, the one the outgoing-request check uses; no name is resolved.
//
// A value matches only when it starts (after spaces) with a scheme and
// "//", a special scheme (http, https, ws, wss, ftp) and a host, or
// "//". Only strings and map keys are read; the highlight is the host as
// written. With options {"single_label": false}, a name without a dot never
// counts.
type isInternalURL struct {
	// noSingleLabel is options.single_label false: a name without a
	// dot never counts (for headers such as Referer, where an intranet
	// page's URL alone is ordinary).
	noSingleLabel bool
}

var (
	_ Operator    = isInternalURL{}
	_ Prefiltered = isInternalURL{}
)

func init() { register("is_internal_url", newIsInternalURL) }

func newIsInternalURL(p Params) (Operator, error) {
	var opt struct {
		SingleLabel *bool `json:"single_label"`
	}
	if p.Has("options") {
		if err := p.Decode("options", &opt); err != nil {
			return nil, err
		}
	}
	return isInternalURL{noSingleLabel: opt.SingleLabel != nil && !*opt.SingleLabel}, nil
}

// singleLabel is rasp/ssrf's reason for a name without a dot.
const singleLabel = "single-label name"

// maxURLScan bounds how much of a value is read for its scheme and
// authority: a URL's authority is short, and the rest is never read.
const maxURLScan = 2048

// Eval implements Operator.
func (o isInternalURL) Eval(v Value) (string, bool) {
	if v.Kind != String && v.Kind != Key {
		return "", false
	}
	b := v.Bytes
	if len(b) > maxURLScan {
		b = b[:maxURLScan]
	}
	// Two readings of the authority: a WHATWG parser's, for which '\\'
	// ends it like '/', and an RFC 3986 parser's (curl, many libraries),
	// for which it is an ordinary character: "http://a.com\\@127.1/" is
	// a.com to one and 127.1 to the other.
	// A third reading takes the last '@' before the first '/', as parsers
	// that split userinfo before the query and fragment do:
	// "http://a.com# @127.1/" is a.com to a WHATWG parser, 127.1 to them.
	for i, r := range [...]reading{{backslashEnds: true, fragmentEnds: true}, {fragmentEnds: true}, {}} {
		if i == 1 && !hasAny(b, '\\') || i == 2 && !hasAny(b, '#', '?') {
			continue // the same authority as the reading before
		}
		host, web, ok := urlHost(b, r)
		if !ok {
			return "", false
		}
		// host is read, not kept: no copy unless it is the highlight
		// A single-label name ("http://wiki/") is internal to an outgoing
		// request, which resolves it through search domains. In text it
		// is as often a link to an intranet page ("http://wiki/FAQ has
		// it"), and custom schemes name apps, not hosts (api://orders,
		// myapp://settings): it counts only for a web URL that is the
		// value alone, and not when it reads as a random token (a Base64
		// nonce that starts with "//").
		if why, bad := ssrf.Internal(unsafe.String(&host[0], len(host))); bad && (why != singleLabel || !o.noSingleLabel && web && urlAlone(b) && !tokenLike(host)) {
			return string(host), true
		}
	}
	return "", false
}

// tokenLike reports whether a single-label name reads as a random token
// rather than a host: 12 characters or more mixing upper- and lower-case
// letters and digits. Host names are case-insensitive, and intranet names
// are written in one case ("wiki", "FILESRV01").
func tokenLike(host []byte) bool {
	if len(host) < 12 {
		return false
	}
	var upper, lower, digit bool
	for _, c := range host {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	return upper && lower && digit
}

// hasAny reports whether b holds one of cs.
func hasAny(b []byte, cs ...byte) bool {
	for _, c := range b {
		for _, x := range cs {
			if c == x {
				return true
			}
		}
	}
	return false
}

// urlAlone reports whether b, spaces around it aside, holds no space: a
// URL and nothing else.
func urlAlone(b []byte) bool {
	i, j := 0, len(b)
	for i < j && b[i] <= ' ' {
		i++
	}
	for j > i && b[j-1] <= ' ' {
		j--
	}
	for _, c := range b[i:j] {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			return false
		}
	}
	return true
}

// RequiredLiterals implements Prefiltered: an absolute URL holds two
// slashes or backslashes, a slash or backslash after its scheme's colon,
// or a special scheme and its colon ("Mozilla/5.0 (X11)" holds none).
func (isInternalURL) RequiredLiterals() []string {
	return []string{"//", "\\\\", "\\/", "/\\", ":/", ":\\", "http:", "https:", "ws:", "wss:", "ftp:"}
}

// reading is how a parser finds the end of a URL's authority: at '/',
// and at '\\' (backslashEnds), '?' and '#' (fragmentEnds).
type reading struct{ backslashEnds, fragmentEnds bool }

// urlHost returns the host of b read as an absolute URL by r, whether its
// scheme is a web one (special, gopher, dict, or none: "//host"), and
// whether b is an absolute URL.
func urlHost(b []byte, r reading) (host []byte, web, ok bool) {
	i := 0
	for i < len(b) && b[i] <= ' ' {
		i++
	}
	b = b[i:]
	rest, web, ok := afterScheme(b)
	if !ok {
		return nil, false, false
	}
	end := 0
	for end < len(rest) {
		c := rest[end]
		if c == '/' || c == '\\' && r.backslashEnds || (c == '?' || c == '#') && r.fragmentEnds {
			break
		}
		end++
	}
	auth := rest[:end]
	for k := len(auth) - 1; k >= 0; k-- {
		if auth[k] == '@' {
			auth = auth[k+1:]
			break
		}
	}
	host = stripPort(auth)
	if len(host) == 0 {
		return nil, false, false
	}
	return host, web, true
}

// afterScheme returns what follows a URL's scheme and slashes: the
// authority and the rest, and whether the scheme is a web one. A value
// starting with "//" (or "\\") is a scheme-relative URL.
func afterScheme(b []byte) ([]byte, bool, bool) {
	slashes := func(s []byte) ([]byte, int) {
		n := 0
		for n < len(s) && (s[n] == '/' || s[n] == '\\') {
			n++
		}
		return s[n:], n
	}
	if len(b) > 1 && (b[0] == '/' || b[0] == '\\') && (b[1] == '/' || b[1] == '\\') {
		rest, _ := slashes(b)
		return rest, true, true
	}
	if len(b) == 0 || !isAlpha(b[0]) {
		return nil, false, false
	}
	k := 1
	for k < len(b) && k < 32 && (isAlpha(b[k]) || b[k] >= '0' && b[k] <= '9' || b[k] == '+' || b[k] == '-' || b[k] == '.') {
		k++
	}
	if k >= len(b) || b[k] != ':' || k == 1 {
		return nil, false, false // no scheme, or a drive letter (C:\\)
	}
	scheme := b[:k]
	special := specialScheme(scheme)
	rest, n := slashes(b[k+1:])
	if n >= 2 || special && len(rest) > 0 {
		return rest, special || foldEqual(scheme, "gopher") || foldEqual(scheme, "dict"), true
	}
	return nil, false, false
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// specialScheme reports the WHATWG special schemes that have a host even
// without "//" (http:127.1 is http://127.1/).
func specialScheme(s []byte) bool {
	for _, w := range [...]string{"http", "https", "ws", "wss", "ftp"} {
		if foldEqual(s, w) {
			return true
		}
	}
	return false
}

// foldEqual reports whether s equals the lowercase ASCII w, ignoring case.
func foldEqual(s []byte, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := range s {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// stripPort drops a ":port" (digits, or nothing) from an authority's host;
// a bracketed IPv6 host keeps its colons.
func stripPort(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		for k, c := range h {
			if c == ']' {
				return h[:k+1]
			}
		}
		return h
	}
	for k := len(h) - 1; k >= 0; k-- {
		c := h[k]
		if c == ':' {
			return h[:k]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return h
}
