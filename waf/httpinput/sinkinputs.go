package httpinput

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/rampartsec/rampart/waf"
)

// DefaultSinkBodyLimit is the default Options.SinkBodyLimit: how much of a
// body exploit prevention keeps, counting what the application reads past
// the WAF's inspection limit.
const DefaultSinkBodyLimit = 8 << 20

// maxNestedJSON bounds how deep JSON carried inside JSON strings is read.
const maxNestedJSON = 4

// SinkInputs are a request's inputs as exploit prevention reads them: every
// string the application received, with none of the limits that bound a
// WAF pass (no string is cut, no container is cut at MaxContainerSize, no
// nesting is cut at MaxDepth, query strings and cookies are read past
// MaxParams and MaxCookies). It implements waf.InputSource.
//
// What a sink sees, by address:
//
//   - server.request.query: every name and value of the query string,
//     percent-decoded ('+' as a space).
//   - server.request.path_params: every value.
//   - server.request.cookies: every cookie name and value, as sent.
//   - server.request.headers.no_cookies: the values of the headers named by
//     the key path (all headers but Cookie without one).
//   - map keys (of the query, cookies, forms, JSON objects, multipart
//     names) count as inputs too, except plain names (waf.PlainKey: letters,
//     digits, '_', '-', '.'), which cannot change a statement's structure
//     and would only match the application's own words.
//   - server.request.body: the body however it is labelled: the raw body
//     as one string, and also every key and string value when it parses as
//     JSON (JSON inside JSON strings too, up to 4 levels), every name and
//     value when it reads as a form (the body has '=' and no line breaks),
//     every part's name, file name and text content when it is multipart
//     (by its boundary parameter, or by a first line that is a delimiter),
//     and the text and attribute values of an XML document. The body is the
//     part the WAF inspected (Options.BodyLimit) plus what the application
//     reads after it, up to Options.SinkBodyLimit bytes in all; a body cut
//     there is still read as far as it goes (the fields before the cut).
//
// Work is linear in the size of what is read. Strings are slices of the
// request where they can be; decoded ones are copies.
type SinkInputs struct {
	r     *Request
	limit int
}

// NewSinkInputs returns the inputs of r for exploit prevention; o's
// SinkBodyLimit bounds the body kept (nil: the defaults).
func NewSinkInputs(r *Request, o *Options) *SinkInputs {
	s := new(SinkInputs)
	s.Reset(r, o)
	return s
}

// Reset makes s the inputs of r, as NewSinkInputs does, without
// allocating.
func (s *SinkInputs) Reset(r *Request, o *Options) {
	*s = SinkInputs{r: r, limit: o.orDefault().sinkBodyLimit()}
}

func (o *Options) sinkBodyLimit() int {
	switch {
	case o.SinkBodyLimit == 0:
		return DefaultSinkBodyLimit
	case o.SinkBodyLimit < 0:
		return 0
	}
	return o.SinkBodyLimit
}

// Gen changes whenever the inputs change (the application read more of the
// body than the WAF inspected).
func (s *SinkInputs) Gen() uint32 {
	if s.r.tail == nil {
		return 0
	}
	s.r.tail.mu.Lock()
	defer s.r.tail.mu.Unlock()
	return s.r.tail.gen
}

// body returns the body as the sinks see it.
func (s *SinkInputs) body() string {
	b := s.r.Body
	if len(b) > s.limit {
		b = b[:s.limit]
	}
	t := s.r.tail
	if t == nil {
		return string(b)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.b) == 0 {
		return string(b)
	}
	rest := t.b[:min(len(t.b), max(0, s.limit-len(b)))]
	return string(b) + string(rest)
}

// bodyTail keeps the body bytes the application reads after the inspected
// prefix (Request.Body), up to limit bytes of body in all.
type bodyTail struct {
	mu    sync.Mutex
	b     []byte
	limit int
	gen   uint32
}

// tailReader reads r and records what it read in t.
type tailReader struct {
	r io.Reader
	t *bodyTail
	n int // body bytes before what r reads
}

func (tr *tailReader) Read(p []byte) (int, error) {
	n, err := tr.r.Read(p)
	if n > 0 {
		t := tr.t
		t.mu.Lock()
		if room := t.limit - tr.n - len(t.b); room > 0 {
			t.b = append(t.b, p[:min(n, room)]...)
			t.gen++
		}
		t.mu.Unlock()
	}
	return n, err
}

// Strings calls f with every string of address name below keyPath (see
// the type's documentation). It returns false for an address it does not
// hold, and for a key path it does not spell (an index among the values
// of a query parameter, cookie or header, or a negative index).
func (s *SinkInputs) Strings(name string, keyPath []string, f func(string)) bool {
	return s.walk(name, keyPath, false, func(_ []string, str string) bool { f(str); return true })
}

// Locate returns the key path of the first string of address name (below
// keyPath) equal to in, for reports.
func (s *SinkInputs) Locate(name string, keyPath []string, in string) ([]string, bool) {
	var path []string
	found := false
	s.walk(name, keyPath, true, func(p []string, str string) bool {
		if str == in {
			path, found = append([]string(nil), p...), true
			return false
		}
		return true
	})
	return path, found
}

// walk emits the strings of address name with their paths (tracked when
// track is set or a key path filters them).
func (s *SinkInputs) walk(name string, keyPath []string, track bool, f func([]string, string) bool) bool {
	// Key paths this source does not spell: an index among a name's
	// values (the WAF's query, cookies and headers are name → list), or a
	// negative index (from the end). The engine then reads the address's
	// evaluated value.
	for _, k := range keyPath {
		if strings.HasPrefix(k, "-") {
			return false
		}
	}
	if len(keyPath) > 1 && (name == waf.AddrQuery || name == waf.AddrCookies || name == waf.AddrHeaders) {
		return false
	}
	e := emitter{want: keyPath, track: track || len(keyPath) > 0, f: f}
	switch name {
	case waf.AddrQuery:
		if i := strings.IndexByte(s.r.URI, '?'); i >= 0 {
			q := s.r.URI[i+1:]
			if j := strings.IndexByte(q, '#'); j >= 0 {
				q = q[:j]
			}
			e.pairs(q, '&', true)
		}
	case waf.AddrPathParams:
		for k, v := range s.r.PathParams {
			if !e.emit(k, v) {
				break
			}
		}
	case waf.AddrCookies:
		for _, h := range s.r.Headers {
			if isCookieHeader(h[0]) && !e.pairs(h[1], ';', false) {
				break
			}
		}
	case waf.AddrHeaders:
		for _, h := range s.r.Headers {
			if isCookieHeader(h[0]) {
				continue
			}
			if !e.emit(strings.ToLower(h[0]), h[1]) {
				break
			}
		}
	case waf.AddrBody:
		b := s.body()
		if b == "" {
			return true
		}
		s.bodyStrings(b, &e)
	default:
		return false
	}
	return true
}

// bodyStrings emits the raw body and whatever it parses as.
func (s *SinkInputs) bodyStrings(b string, e *emitter) {
	if !e.emitAt(nil, b) {
		return
	}
	t := strings.TrimLeft(strings.TrimPrefix(b, "\uFEFF"), " \t\r\n")
	if t == "" {
		return
	}
	switch {
	case t[0] == '{' || t[0] == '[' || t[0] == '"':
		if !e.json(t, 0) {
			return
		}
	case t[0] == '<':
		e.xml(t)
		return
	}
	ct := ""
	for _, h := range s.r.Headers {
		if strings.EqualFold(h[0], "content-type") {
			ct = h[1]
			break
		}
	}
	mt, params := mediaType(ct)
	boundary := ""
	if strings.HasPrefix(mt, "multipart/") {
		boundary = param(params, "boundary")
	}
	if boundary == "" && strings.HasPrefix(t, "--") {
		// A first line that is a delimiter: multipart whatever the label.
		line := t[2:]
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = strings.TrimRight(line[:i], "\r \t")
			if line != "" && len(line) <= 200 && !strings.ContainsAny(line, " \t") {
				boundary = line
			}
		}
	}
	if boundary != "" && e.multipart(b, boundary) {
		return
	}
	if strings.IndexByte(b, '=') >= 0 && strings.IndexAny(b, "\r\n") < 0 {
		e.pairs(b, '&', true)
	}
}

// emitter walks strings with their key paths, keeping those at or below
// want. Paths are only built when track is set.
type emitter struct {
	want  []string
	track bool
	path  []string
	f     func([]string, string) bool
	stop  bool
}

// keep reports whether e.path is at or below want.
func (e *emitter) keep() bool {
	if len(e.path) < len(e.want) {
		return false
	}
	for i, w := range e.want {
		if e.path[i] != w {
			return false
		}
	}
	return true
}

// emitAt emits str at the path prefix+key (key nil: prefix alone).
func (e *emitter) emitAt(key *string, str string) bool {
	if e.stop {
		return false
	}
	if e.track {
		n := len(e.path)
		if key != nil {
			e.path = append(e.path, *key)
		}
		keep := e.keep()
		if keep && !e.f(e.path, str) {
			e.stop = true
		}
		e.path = e.path[:n]
		return !e.stop
	}
	if !e.f(nil, str) {
		e.stop = true
	}
	return !e.stop
}

// emit emits a map entry: its key (at the map's path) and its value.
func (e *emitter) emit(k, v string) bool {
	if !waf.PlainKey(k) && !e.emitAt(nil, k) {
		return false
	}
	return e.emitAt(&k, v)
}

// pairs emits the name=value pairs of s separated by sep.
func (e *emitter) pairs(s string, sep byte, decode bool) bool {
	for s != "" {
		var part string
		if i := strings.IndexByte(s, sep); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			part, s = s, ""
		}
		if !decode {
			part = trimBlank(part)
		}
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if decode {
			k, v = unescape(k), unescape(v)
		}
		if !e.emit(k, v) {
			return false
		}
	}
	return true
}

// emitString emits a JSON string and, when it is not valid UTF-8, also
// the string a decoder such as encoding/json gives the application (each
// invalid byte replaced by U+FFFD), which is what reaches the sink.
func (e *emitter) emitString(s string) bool {
	if !e.emitAt(nil, s) {
		return false
	}
	if utf8.ValidString(s) {
		return true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return e.emitAt(nil, b.String())
}

// jsonFrame is an open container of the JSON walk.
type jsonFrame struct {
	obj bool
	n   int    // arrays: the index of the current element
	key string // objects: the current key
}

// The states of the JSON walk.
const (
	jsValue = iota
	jsFirstKey
	jsKey
	jsFirstElem
	jsAfter
)

// setPath makes e.path the path of the current value: base followed by
// the keys and indices of the open containers.
func (e *emitter) setPath(base int, stack []jsonFrame) {
	e.path = e.path[:base]
	for _, f := range stack {
		if f.obj {
			e.path = append(e.path, f.key)
		} else {
			e.path = append(e.path, strconv.Itoa(f.n))
		}
	}
}

// json emits the keys and strings of the JSON text s, as far as it parses,
// with no limit on nesting or size (the open containers are a slice, not
// the call stack); strings that hold JSON are read too, up to
// maxNestedJSON levels. It returns false when f stopped the walk.
func (e *emitter) json(s string, level int) bool {
	p := jsonParser{s: s}
	var stack []jsonFrame
	base := len(e.path)
	defer func() { e.path = e.path[:base] }()
	state := jsValue
	for !e.stop {
		p.ws()
		if p.i >= len(s) {
			break
		}
		c := s[p.i]
		switch state {
		case jsValue:
			switch {
			case c == '{' || c == '[':
				p.i++
				stack = append(stack, jsonFrame{obj: c == '{'})
				state = jsFirstElem
				if c == '{' {
					state = jsFirstKey
				}
				continue
			case c == '"':
				str, ok := p.str(true)
				if !ok {
					return !e.stop
				}
				if e.track {
					e.setPath(base, stack)
				}
				if !e.emitString(str) {
					return false
				}
				if level < maxNestedJSON && len(str) > 1 && (str[0] == '{' || str[0] == '[') && !e.json(str, level+1) {
					return false
				}
			default:
				// A number, true, false or null: not a string input.
				j := p.i
				for j < len(s) && (s[j] == '-' || s[j] == '+' || s[j] == '.' || 'a' <= s[j]|0x20 && s[j]|0x20 <= 'z' || '0' <= s[j] && s[j] <= '9') {
					j++
				}
				if j == p.i {
					return true
				}
				p.i = j
			}
			state = jsAfter
		case jsFirstKey, jsKey:
			if c == '}' && state == jsFirstKey {
				p.i++
				stack = stack[:len(stack)-1]
				state = jsAfter
				continue
			}
			if c != '"' {
				return true
			}
			k, ok := p.str(true)
			if !ok {
				return true
			}
			if e.track {
				e.setPath(base, stack[:len(stack)-1])
			}
			if !waf.PlainKey(k) && !e.emitString(k) {
				return false
			}
			p.ws()
			if p.i >= len(s) || s[p.i] != ':' {
				return true
			}
			p.i++
			stack[len(stack)-1].key = k
			state = jsValue
		case jsFirstElem:
			if c == ']' {
				p.i++
				stack = stack[:len(stack)-1]
				state = jsAfter
				continue
			}
			state = jsValue
		case jsAfter:
			if len(stack) == 0 {
				return true // data after the top-level value is not read
			}
			top := &stack[len(stack)-1]
			switch {
			case c == ',':
				p.i++
				if top.obj {
					state = jsKey
				} else {
					top.n++
					state = jsValue
				}
			case c == '}' && top.obj, c == ']' && !top.obj:
				p.i++
				stack = stack[:len(stack)-1]
			default:
				return true
			}
		}
	}
	return !e.stop
}

// multipart emits the names, file names and text contents of the parts of
// b delimited by boundary. It reports whether b had at least one part.
func (e *emitter) multipart(b, boundary string) bool {
	dash := "--" + boundary
	parts := strings.Split(b, dash)
	if len(parts) < 2 {
		return false
	}
	any := false
	for _, part := range parts[1:] {
		if strings.HasPrefix(part, "--") {
			break
		}
		part = strings.TrimPrefix(strings.TrimPrefix(part, "\r"), "\n")
		head, content, ok := strings.Cut(part, "\r\n\r\n")
		if !ok {
			head, content, ok = strings.Cut(part, "\n\n")
		}
		if !ok {
			continue
		}
		any = true
		content = strings.TrimSuffix(strings.TrimSuffix(content, "\n"), "\r")
		name, file := "", ""
		for _, line := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(strings.TrimRight(line, "\r"), ":")
			if strings.EqualFold(strings.TrimSpace(k), "content-disposition") {
				name, file = param(v, "name"), param(v, "filename")
			}
		}
		if !waf.PlainKey(name) && len(e.want) == 0 && !e.emitAt(nil, name) {
			return true
		}
		if file != "" && !e.emitAt(&name, file) {
			return true
		}
		if strings.IndexByte(content[:min(len(content), 512)], 0) >= 0 {
			continue // binary
		}
		if !e.emitAt(&name, content) {
			return true
		}
	}
	return any
}

// xml emits the text runs and attribute values of the XML text s, with the
// predefined entities and character references decoded.
func (e *emitter) xml(s string) {
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			e.xmlText(s[i:])
			return
		}
		if lt > 0 && !e.xmlText(s[i:i+lt]) {
			return
		}
		i += lt
		if strings.HasPrefix(s[i:], "<![CDATA[") {
			end := strings.Index(s[i+9:], "]]>")
			if end < 0 {
				e.emitAt(nil, s[i+9:])
				return
			}
			if !e.emitAt(nil, s[i+9:i+9+end]) {
				return
			}
			i += 9 + end + 3
			continue
		}
		gt := i + 1
		var q byte
		for ; gt < len(s); gt++ {
			c := s[gt]
			if q != 0 {
				if c == q {
					q = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				q = c
				start := gt + 1
				end := strings.IndexByte(s[start:], c)
				if end < 0 {
					return
				}
				if !e.emitAt(nil, xmlUnescape(s[start:start+end])) {
					return
				}
				gt = start + end
				q = 0
				continue
			}
			if c == '>' {
				break
			}
		}
		i = gt + 1
	}
}

func (e *emitter) xmlText(t string) bool {
	if strings.TrimSpace(t) == "" {
		return true
	}
	return e.emitAt(nil, xmlUnescape(t))
}

// xmlUnescape decodes the predefined entities and character references;
// other entities stay as written.
func xmlUnescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		end := strings.IndexByte(s[i:], ';')
		if end < 0 || end > 12 {
			b.WriteByte('&')
			continue
		}
		ent := s[i+1 : i+end]
		r := rune(-1)
		switch ent {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X") {
				if n, err := strconv.ParseUint(ent[2:], 16, 32); err == nil {
					r = rune(n)
				}
			} else if strings.HasPrefix(ent, "#") {
				if n, err := strconv.ParseUint(ent[1:], 10, 32); err == nil {
					r = rune(n)
				}
			}
		}
		if r < 0 {
			b.WriteByte('&')
			continue
		}
		b.WriteRune(r)
		i += end
	}
	return b.String()
}
