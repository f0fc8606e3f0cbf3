package ssrf

import (
	"net/netip"
	"strings"

	"github.com/rampartsec/rampart/rasp/lfi"
)

// Finding says which input changed the URL and how.
type Finding struct {
	// Input is the offending input, as given to Check.
	Input string
	// Reason says briefly how, e.g. "input sets the host to a loopback
	// target".
	Reason string
}

// PathInspection says what Check looks for in the part of an input that
// lies in the URL's path.
type PathInspection uint8

const (
	// PathEscapes (the default) reports a ".." segment of the input that
	// climbs above the directory the input was put in.
	PathEscapes PathInspection = iota
	// PathOff reports nothing in the path.
	PathOff
	// PathStrict reports any ".." segment of the input and any encoded
	// separator (%2f, %5c, double-encoded too) it adds to the path, as the
	// ruleset format's path-inspection does.
	PathStrict
)

// Options choose what a Detector reports; DefaultOptions gives rampart's
// defaults. They mirror the options of the ruleset format's ssrf_detector.
type Options struct {
	// Authority reports inputs that change the scheme, userinfo, host or
	// port (authority-inspection, on by default).
	Authority bool
	// Path says what is reported in the path (path-inspection).
	Path PathInspection
	// Query reports an input that adds query parameters ('&'), starts the
	// query ('?') or cuts the URL with a fragment ('#') inside the text the
	// application wrote (query-inspection, off by default).
	Query bool
	// FullURL reports an input that supplies the scheme and the whole host
	// even when both are allowed (forbid-full-url-injection, off by
	// default).
	FullURL bool
	// Policy says which schemes, names and addresses are forbidden.
	Policy Policy
}

// Policy lists what an input may not choose. A nil list keeps rampart's
// built-in one; a non-nil list replaces it (an empty one forbids nothing).
type Policy struct {
	// AllowedSchemes are the schemes an input may choose (case-insensitive).
	// Built in: http and https. The ruleset format's default also allows
	// ftp and ftps; rampart's HTTP sinks speak neither, and an FTP URL the
	// user chose is the classic bounce and port-scan vector, so they are
	// reported unless a ruleset lists them.
	AllowedSchemes []string
	// ForbiddenDomains are names forbidden with their subdomains ("corp.example"
	// forbids corp.example and a.corp.example; ".example" only the
	// subdomains). Built in: the internal-by-definition suffixes (.internal,
	// .local, .localdomain, .home.arpa, .svc, .lan, .corp, .home),
	// single-label names, and out-of-band testing domains.
	ForbiddenDomains []string
	// ForbiddenIPs are the forbidden address ranges. Built in: see
	// InternalIP. Names whose address is known without resolving them
	// (localhost, cloud metadata names, wildcard-DNS names such as
	// 10.0.0.1.nip.io) are judged by that address.
	ForbiddenIPs []netip.Prefix
}

// DefaultOptions are rampart's defaults: authority inspection on, path
// traversal reported, query inspection and the full-URL ban off, the
// built-in policy.
func DefaultOptions() Options { return Options{Authority: true, Path: PathEscapes} }

// Detector checks outgoing URLs under one set of Options. It is safe for
// concurrent use.
type Detector struct {
	opts    Options
	schemes []string // nil: built-in
	domains []string // lowercased, nil: built-in
	ips     []netip.Prefix
}

// New compiles opts into a Detector.
func New(opts Options) *Detector {
	d := &Detector{opts: opts}
	if opts.Policy.AllowedSchemes != nil {
		d.schemes = make([]string, 0, len(opts.Policy.AllowedSchemes))
		for _, s := range opts.Policy.AllowedSchemes {
			d.schemes = append(d.schemes, strings.ToLower(strings.TrimSuffix(s, ":")))
		}
	}
	if opts.Policy.ForbiddenDomains != nil {
		d.domains = make([]string, 0, len(opts.Policy.ForbiddenDomains))
		for _, s := range opts.Policy.ForbiddenDomains {
			s = strings.TrimSuffix(strings.ToLower(s), ".")
			if s != "" && s != "." {
				d.domains = append(d.domains, s)
			}
		}
	}
	if opts.Policy.ForbiddenIPs != nil {
		d.ips = make([]netip.Prefix, 0, len(opts.Policy.ForbiddenIPs))
		for _, p := range opts.Policy.ForbiddenIPs {
			if p.IsValid() {
				d.ips = append(d.ips, p.Masked())
			}
		}
	}
	return d
}

var std = New(DefaultOptions())

// Check is the default Detector's Check.
func Check(rawURL string, inputs []string) (Finding, bool) { return std.Check(rawURL, inputs) }

// Check reports the first input found verbatim in rawURL that changes where
// the request goes: it chose a scheme outside the allowed list, made the
// host internal or forbidden, supplied the end of a host the application
// began, moved the application's host text out of the host (with / \ ? # @
// or :), set the port of an internal host, or climbed the path (see the
// package documentation). An input that only fills a path segment, a query
// value, a fragment or a label the application placed before its own
// domain, or that names a public host or URL, is not reported. Inputs of
// any length are judged; Check never resolves names.
func (d *Detector) Check(rawURL string, inputs []string) (Finding, bool) {
	return d.scan(rawURL, inputs, netip.Addr{})
}

// scan judges every occurrence of every input in rawURL, parsing the URL
// once, on the first occurrence, and reports the first one flagged: by
// judge, or, when ip is valid, by judgeResolved for the dial-time check.
func (d *Detector) scan(rawURL string, inputs []string, ip netip.Addr) (Finding, bool) {
	var u urlParts
	parsed := false
	resolved := ip.IsValid()
	prev := ""
	for i, in := range inputs {
		if in == "" || len(in) > len(rawURL) || (i > 0 && in == prev) {
			continue
		}
		prev = in
		// A short input without a dot or an escape can only matter in the
		// scheme and the authority (no traversal, no domain of its own),
		// and at dial time only an occurrence that covers the host counts:
		// occurrences that start later are not looked at, and a short
		// input is looked for only there.
		short := len(in) < 4 && !d.opts.Query && !hasDotOrEscape(in)
		if (short || resolved) && !parsed {
			u = parseURL(rawURL)
			parsed = true
		}
		end, startLimit := len(rawURL), len(rawURL)
		if parsed {
			startLimit = u.startLimit(short, resolved, len(rawURL))
			if short {
				end = min(len(rawURL), startLimit+len(in))
			}
		}
		in := input{s: in}
		climbKnown := false
		// The last separator (literal or encoded) before the occurrence,
		// and how far the path was read for it.
		sep, scanned := -1, 0
		for off := 0; off < end; {
			k := strings.Index(rawURL[off:end], in.s)
			if k < 0 {
				break
			}
			s := off + k
			if !parsed {
				u = parseURL(rawURL)
				parsed = true
				startLimit = u.startLimit(short, resolved, len(rawURL))
			}
			if s > startLimit {
				break
			}
			var r string
			var ok bool
			if resolved {
				r, ok = u.judgeResolved(s, s+len(in.s))
			} else {
				if u.path.ok() && s >= u.path.lo && !climbKnown {
					in.climb, climbKnown = mayClimb(in.s), true
				}
				if in.climb && u.path.ok() && s >= u.path.lo {
					// The walk of the path starts at the last separator
					// before the input (read once for all occurrences), not
					// at the path's start: it costs what lies between.
					j := max(scanned, u.path.lo)
					for j < s {
						c, n := decodeAt(rawURL, j)
						if c == '/' || c == '\\' {
							sep = j
						}
						j += n
					}
					scanned = j
					in.dir = max(sep, u.path.lo)
				}
				r, ok = d.judge(&u, rawURL, in, s, s+len(in.s))
			}
			if ok {
				return Finding{Input: in.s, Reason: r}, true
			}
			off = s + 1
		}
	}
	return Finding{}, false
}

func hasDotOrEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == '%' {
			return true
		}
	}
	return false
}

// input is an input with what its occurrences share.
type input struct {
	s string
	// climb: a piece of s between separators is made of dots only, so an
	// occurrence in a path may climb (see mayClimb).
	climb bool
	// dir is where the walk of the path starts for this occurrence.
	dir int
}

// mayClimb reports whether s holds two dots (literal or encoded) and a
// piece between separators (literal or encoded) that holds only dots and
// ;parameters: only such an input can add the ".." segment of a traversal.
func mayClimb(s string) bool {
	if dots(s) < 2 {
		return false
	}
	dotsOnly, params, any := true, false, false
	for i := 0; i <= len(s); {
		n, c := 1, byte('/')
		if i < len(s) {
			c, n = decodeAt(s, i)
		}
		switch {
		case c == '/' || c == '\\':
			if any && dotsOnly {
				return true
			}
			dotsOnly, params, any = true, false, false
		case params:
		case c == ';':
			params = true
		case c == '.':
			any = true
		default:
			dotsOnly = false
		}
		i += n
	}
	return false
}

// decodeAt decodes the encoded dots and separators that the path walk of
// package lfi reads (literal bytes otherwise), returning the byte and the
// length read.
func decodeAt(s string, i int) (byte, int) {
	if s[i] != '%' {
		return s[i], 1
	}
	for _, e := range [...]struct {
		enc string
		c   byte
	}{{"%2e", '.'}, {"%252e", '.'}, {"%u002e", '.'}, {"%c0%ae", '.'}, {"%e0%80%ae", '.'},
		{"%2f", '/'}, {"%252f", '/'}, {"%u002f", '/'}, {"%c0%af", '/'}, {"%e0%80%af", '/'},
		{"%5c", '\\'}, {"%255c", '\\'}, {"%u005c", '\\'}, {"%c1%9c", '\\'}} {
		if i+len(e.enc) <= len(s) && strings.EqualFold(s[i:i+len(e.enc)], e.enc) {
			return e.c, len(e.enc)
		}
	}
	return '%', 1
}

// startLimit is the last start of an occurrence worth judging.
func (u *urlParts) startLimit(short, resolved bool, n int) int {
	switch {
	case resolved:
		return max(u.inner[0].lo, u.inner[1].lo)
	case short:
		if u.auth < 0 {
			return max(u.scheme.hi, 0)
		}
		return max(u.authEnd[0], u.authEnd[1])
	}
	return n
}

// span is a half-open byte range of the URL; lo < 0 when absent.
type span struct{ lo, hi int }

func (s span) ok() bool { return s.lo >= 0 && s.hi > s.lo }

// within reports whether s is non-empty and lies inside [lo, hi).
func (s span) within(lo, hi int) bool { return s.ok() && lo <= s.lo && s.hi <= hi }

// urlParts holds the spans of one URL under the two readings that matter:
// the WHATWG one (index 0: a backslash ends the authority of http(s) URLs)
// and the RFC 3986 one used by net/url (index 1: only / ? # end it).
type urlParts struct {
	scheme span
	// auth is where the authority starts (after the scheme and slashes);
	// -1 when the URL has none (opaque, or a bare path).
	auth int
	// authEnd, host, inner (the host without IPv6 brackets) and port per
	// reading; at is the '@' ending the userinfo, or -1.
	authEnd     [2]int
	at          [2]int
	host, inner [2]span
	port        [2]span
	path        span // WHATWG reading
	query       span // after the '?', WHATWG reading
	frag        int  // index of the '#', or -1
	// class caches the host's classification per reading.
	classDone [2]bool
	reason    [2]string
	internal  [2]bool
}

var none = span{-1, -1}

func parseURL(raw string) urlParts {
	u := urlParts{scheme: none, auth: -1, authEnd: [2]int{-1, -1}, at: [2]int{-1, -1},
		host: [2]span{none, none}, inner: [2]span{none, none}, port: [2]span{none, none},
		path: none, query: none, frag: -1}
	i := 0
	for i < len(raw) && raw[i] <= ' ' {
		i++
	}
	n := len(raw)
	for n > i && raw[n-1] <= ' ' {
		n--
	}
	raw = raw[:n]
	if f := strings.IndexByte(raw, '#'); f >= 0 {
		u.frag = f
	}
	special := true
	if j := schemeEnd(raw, i); j > 0 {
		u.scheme = span{i, j}
		name := raw[i:j]
		special = isSpecial(name)
		k := j + 1
		if strings.EqualFold(name, "file") {
			// file:///p has an empty host; file:/p and file:p have none.
			if !strings.HasPrefix(raw[k:], "//") {
				u.setPath(raw, k)
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
			u.setPath(raw, i)
			return u
		}
	}
	u.auth = i
	for r := 0; r < 2; r++ {
		stops := "/?#"
		if r == 0 && special {
			stops = `/\?#`
		}
		e := i
		for e < len(raw) && strings.IndexByte(stops, raw[e]) < 0 {
			e++
		}
		u.authEnd[r] = e
		h := i
		if at := strings.LastIndexByte(raw[i:e], '@'); at >= 0 {
			u.at[r] = i + at
			h = i + at + 1
		}
		he := e
		inner := span{h, e}
		if h < e && raw[h] == '[' {
			if c := strings.IndexByte(raw[h:e], ']'); c >= 0 {
				he = h + c + 1
				inner = span{h + 1, he - 1}
			}
		} else if c := strings.IndexByte(raw[h:e], ':'); c >= 0 {
			he = h + c
			inner = span{h, he}
		}
		u.host[r] = span{h, he}
		u.inner[r] = inner
		if he < e && raw[he] == ':' {
			u.port[r] = span{he + 1, e}
		}
		if r == 0 {
			u.setPath(raw, e)
		}
	}
	return u
}

// setPath sets the path from i to the query or fragment, and the query.
func (u *urlParts) setPath(raw string, i int) {
	e := len(raw)
	if q := strings.IndexByte(raw[i:], '?'); q >= 0 {
		e = i + q
	}
	if u.frag >= i && u.frag < e {
		e = u.frag
	}
	u.path = span{i, e}
	if e < len(raw) && raw[e] == '?' {
		q := len(raw)
		if u.frag > e {
			q = u.frag
		}
		u.query = span{e + 1, q}
	}
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

// allowedScheme reports whether an input may choose scheme.
func (d *Detector) allowedScheme(scheme string) bool {
	if d.schemes == nil {
		return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")
	}
	for _, s := range d.schemes {
		if strings.EqualFold(scheme, s) {
			return true
		}
	}
	return false
}

// DangerousScheme reports whether the default Detector reports an input
// that chooses scheme (case-insensitive): anything but http and https.
func DangerousScheme(scheme string) bool { return !std.allowedScheme(scheme) }

// classify returns the classification of the host in reading r, computed
// once per URL.
func (d *Detector) classify(u *urlParts, raw string, r int) (string, bool) {
	if !u.classDone[r] {
		u.classDone[r] = true
		if h := u.host[r]; h.ok() {
			u.reason[r], u.internal[r] = d.internalHost(raw[h.lo:h.hi])
		}
	}
	return u.reason[r], u.internal[r]
}

// judge decides the occurrence of input in at raw[s:t].
func (d *Detector) judge(u *urlParts, raw string, inp input, s, t int) (string, bool) {
	in := inp.s
	// The scheme counts when the input holds it whole with its colon: an
	// input that merely equals the word "file" of the application's own
	// file: URL chose nothing.
	chose := u.scheme.ok() && s <= u.scheme.lo && t > u.scheme.hi
	if chose {
		name := raw[u.scheme.lo:u.scheme.hi]
		if !d.allowedScheme(name) {
			if d.schemes == nil && (strings.EqualFold(name, "ftp") || strings.EqualFold(name, "ftps")) {
				return "input switches the request to FTP", true
			}
			return "input sets a scheme outside the allowed list", true
		}
	}
	if d.opts.Authority && u.auth >= 0 {
		for r := 0; r < 2; r++ {
			if reason, ok := d.judgeAuthority(u, raw, in, s, t, r); ok {
				return reason, true
			}
		}
	}
	if chose && d.opts.FullURL && u.auth >= 0 && (u.inner[0].within(s, t) || u.inner[1].within(s, t)) {
		return "input supplies the whole URL", true
	}
	if u.path.ok() && s >= u.path.lo && s < u.path.hi {
		switch d.opts.Path {
		case PathEscapes:
			if inp.climb && lfi.Escapes(raw[:u.path.hi], s, t, inp.dir, true) {
				return "input adds a path traversal that leaves the path before it", true
			}
		case PathStrict:
			if inp.climb && lfi.Escapes(raw[:u.path.hi], s, t, inp.dir, true) {
				return "input adds a path traversal that leaves the path before it", true
			}
			if hasDotDot(raw[s:min(t, u.path.hi)]) {
				return "input adds a '..' segment to the path", true
			}
			if hasEncodedSeparator(raw[s:min(t, u.path.hi)]) {
				return "input adds an encoded separator to the path", true
			}
		}
	}
	if d.opts.Query {
		if reason, ok := u.judgeQuery(raw, s, t); ok {
			return reason, true
		}
	}
	return "", false
}

// judgeAuthority decides an occurrence at [s, t) against the authority of
// reading r.
func (d *Detector) judgeAuthority(u *urlParts, raw, in string, s, t, r int) (string, bool) {
	a, e := u.auth, u.authEnd[r]
	if s >= e || t <= a {
		return "", false // the input is not in the authority
	}
	h, inner, port := u.host[r], u.inner[r], u.port[r]
	reason, internal := d.classify(u, raw, r)
	whole := inner.ok() && s <= inner.lo && t >= inner.hi
	if internal {
		if whole {
			return hostReason(reason), true
		}
		if port.within(s, t) {
			return "input sets the port of an internal host", true
		}
	}
	// Where the input starts: at the authority's start, or after text the
	// application wrote there (p0 is where that text's host part begins).
	p0 := a
	if k := strings.LastIndexByte(raw[a:max(s, a)], '@'); k >= 0 {
		p0 = a + k + 1
	}
	appBefore := s > p0
	// An input the application placed in its host starts at a label: a
	// coincidence in the middle of one ("m/" at "com/") is not judged.
	aligned := s <= a || labelDelim(raw[s]) || labelDelim(raw[s-1])
	// And the application's text after it starts a label or a part: an
	// input glued to the next word ("patreon.com/" + "batch") is a
	// coincidence, not a slot.
	endAligned := t >= len(raw) || labelDelim(raw[t])
	if s >= a && e < t && s < e && aligned && endAligned {
		// The input holds the character that ends the authority. What the
		// application wrote after the input, up to where its authority
		// would have ended, has left the authority.
		e2 := t + stopIndex(raw[t:], r == 0 && u.backslashStops(raw))
		if e2 > t {
			return "input ends the authority, moving the application's host out of it", true
		}
	}
	if at := u.at[r]; at >= s && at < t && at+1 < t && at+1 < e && appBefore && aligned && len(in) >= 4 {
		// (A shorter input cannot name a host of its own after the '@'.)
		return "input adds '@', turning the application's host into userinfo", true
	}
	if h.ok() && h.hi < e && raw[h.hi] == ':' && s <= h.hi && h.hi < t {
		// The input holds the port separator.
		if s >= a && port.ok() && t < port.hi && !allDigits(raw[port.lo:port.hi]) {
			return "input adds a port separator inside the application's host", true
		}
		if appBefore && port.within(s, t) {
			return "input sets the port of the application's host", true
		}
	}
	if appBefore && aligned && h.ok() && s > inner.lo && s < inner.hi && t >= inner.hi && len(in) >= 4 {
		// The application began the host and the input supplies its end:
		// the registrable domain is the input's.
		hp := raw[s:inner.hi]
		if t <= e && (t > h.hi || hasInnerDot(hp)) || t > e && (t > e+1 || endAligned) {
			if internal {
				return hostReason(reason), true
			}
			return "input supplies the end of the host (its registrable domain)", true
		}
	}
	return "", false
}

// labelDelim reports the characters that end a label or a part of the
// authority.
func labelDelim(c byte) bool { return strings.IndexByte(".:@/\\?#[]-_", c) >= 0 }

// backslashStops reports whether a backslash ends the authority in the
// WHATWG reading: the scheme is special or absent.
func (u *urlParts) backslashStops(raw string) bool {
	return !u.scheme.ok() || isSpecial(raw[u.scheme.lo:u.scheme.hi])
}

// stopIndex returns the index of the first character of s that ends an
// authority, or len(s).
func stopIndex(s string, backslash bool) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '#':
			return i
		case '\\':
			if backslash {
				return i
			}
		}
	}
	return len(s)
}

// judgeQuery decides an occurrence against the query (query-inspection):
// an input that holds the '?' starting the query after text of its own,
// with the application's text after it; an '&' between parameters with
// text of the input on both sides; a '#' that moves the application's text
// after it into a fragment.
func (u *urlParts) judgeQuery(raw string, s, t int) (string, bool) {
	end := len(strings.TrimRight(raw, " \t\r\n"))
	from := u.path.lo
	if u.auth >= 0 {
		from = u.auth
	}
	if from < 0 || s < from {
		return "", false // the input chose the scheme: a URL of its own
	}
	if q := u.query; q.lo > 0 {
		qm := q.lo - 1
		if s < qm && qm < t && t < end {
			return "input starts the query", true
		}
		for i := max(s+1, q.lo); i < min(t-1, q.hi); i++ {
			if raw[i] == '&' {
				return "input adds query parameters", true
			}
		}
	}
	if f := u.frag; f > s && f < t && t < end {
		return "input cuts the URL with a fragment", true
	}
	return "", false
}

// hasInnerDot reports whether the host text s names a label and what
// follows it ("evil.example", ".evil.example"; not ".com", "example.").
func hasInnerDot(s string) bool {
	s = strings.TrimPrefix(s, ".")
	k := strings.IndexByte(s, '.')
	return k > 0 && k < len(s)-1
}

// dots counts the dots of s, literal or encoded (%2e, %252e, %u002e and
// the overlong UTF-8 forms): an input with fewer than two cannot spell the
// ".." of a traversal itself, it can only coincide with the application's.
func dots(s string) int {
	n := strings.Count(s, ".")
	if strings.IndexByte(s, '%') < 0 {
		return n
	}
	for _, e := range [...]string{"%2e", "%252e", "%u002e", "%c0%ae", "%e0%80%ae"} {
		for i := 0; i+len(e) <= len(s); i++ {
			if strings.EqualFold(s[i:i+len(e)], e) {
				n++
			}
		}
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// hasDotDot reports a ".." segment (".." between separators or ends).
func hasDotDot(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == '.' &&
			(i == 0 || s[i-1] == '/' || s[i-1] == '\\') &&
			(i+2 == len(s) || s[i+2] == '/' || s[i+2] == '\\' || s[i+2] == ';') {
			return true
		}
	}
	return false
}

// hasEncodedSeparator reports %2f or %5c, also double-encoded (%252f).
func hasEncodedSeparator(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		j := i + 1
		if s[j] == '2' && j+3 < len(s) && s[j+1] == '5' {
			j += 2
		}
		if j+1 < len(s) && (s[j] == '2' && s[j+1]|0x20 == 'f' || s[j] == '5' && s[j+1]|0x20 == 'c') {
			return true
		}
	}
	return false
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
	case "forbidden domain":
		return "input sets the host to a forbidden domain"
	case "forbidden address":
		return "input sets the host to a forbidden address"
	case "out-of-band testing domain":
		return "input sets the host to an out-of-band testing domain"
	}
	return "input sets the host to an internal target"
}
