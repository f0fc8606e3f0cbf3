package waf

import (
	"bytes"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/rampartsec/rampart/internal/jsonscan"

	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// Limits of whole-value inspection and decoding (see docs/waf.md, "Encoded
// and long values"). Each applies to one walk of an address by a view (the
// rules that read the same address under the same key path share a walk),
// so the work per request is linear in the request's size, with a fixed
// ceiling.
const (
	// MaxWalkBytes is the most string bytes a walk inspects: strings
	// longer than MaxStringLength are inspected in windows of
	// MaxStringLength bytes overlapping by WindowOverlap, and decoded
	// values count too. Twice the default body limit of httpinput.
	MaxWalkBytes = 2 << 20
	// MaxWalkElements is the most container elements a walk visits: the
	// first MaxElements of every container always, the ones past it while
	// the walk has visited fewer than this many in all.
	MaxWalkElements = 1 << 16
	// WindowOverlap is how many bytes consecutive windows of a long
	// string share: an attack shorter than this is whole in one window
	// wherever it sits.
	WindowOverlap = 512
	// MaxDecodeDepth is how many decodings may nest (a Base64 value in a
	// JSON string inside a JSON string is two).
	MaxDecodeDepth = 2
)

// Decodings named in Match.Decoded.
const (
	DecodedBase64  = "base64"
	DecodedEscapes = "escapes"
	DecodedJWT     = "jwt"
	DecodedJSON    = "json"
	// DecodedPathSegment marks a segment of the request path evaluated on
	// its own, percent-decoded (see decodePath).
	DecodedPathSegment = "path_segment"
)

// walkState is the budget of one walk (see MaxWalkBytes).
type walkState struct {
	bytes, elems int
	// level is the number of decodings around the value being walked,
	// decoded the outermost one ("" for the value as received).
	level   int
	decoded string
	// binary is set while the decoded bytes of a Base64 value that is not
	// text are walked (see transform.Base64Binary): the rules about
	// control bytes (rule.controlBytes) do not match there.
	binary bool
	// unpads is the number of paddings removed around the value being
	// walked (see unpad).
	unpads int
	// sent is the value being inspected as the request carried it: the
	// string (or the window of it, or the key) outside every decoding.
	sent string
	bufs [MaxDecodeDepth + 1][]byte
}

func (w *walkState) reset() {
	w.bytes, w.elems, w.level, w.decoded, w.sent, w.binary, w.unpads = 0, 0, 0, "", "", false, 0
}

// moreElements reports whether a container's element i (past MaxElements)
// is visited, counting it.
func (c *Context) moreElements(i int) bool {
	if i < MaxElements {
		return true
	}
	if c.e.opts.NoWholeValues || c.ws.elems >= MaxWalkElements {
		return false
	}
	c.ws.elems++
	return true
}

// stopped reports whether the walk of vw has nothing more to do.
func (c *Context) stopped(vw *view) bool {
	return (c.timedOut || c.block != nil && !c.e.opts.AllMatches) && !vw.essential
}

// inspectString evaluates a string value: what its padding surrounds (see
// unpad), all of it, in windows when it is long, then what it decodes to.
func (c *Context) inspectString(vw *view, s string, depth int, excl bool) {
	// A string found clean and with nothing more to read (no decoded
	// form, no padding, no windows) is so again: the cache of clean
	// values remembers it as inspected too, so that the decodings are not
	// even tried.
	var fp uint64
	if c.e.cache != nil && !c.warming && !c.ws.binary {
		fp = c.e.fingerprintIn(c.pass, vw, inspectedKind, excl, s) ^ uint64(c.ws.level<<8|c.ws.unpads<<4)
		slot := &c.e.cache[fp&uint64(len(c.e.cache)-1)]
		if slot.Load() == fp {
			c.cacheHits++
			c.shareSeq = 0
			c.ws.bytes += min(len(s), MaxStringLength)
			return
		}
		if !c.viewLive(vw) {
			fp = 0
		}
	}
	conds, read := c.conds, c.ws.bytes
	c.inspect(vw, s, depth, excl)
	if fp != 0 && c.conds == conds && c.viewLive(vw) && c.ws.bytes == read+min(len(s), MaxStringLength) && c.ws.bytes < MaxWalkBytes {
		// (only a string read once, as it is: nothing decoded, unpadded
		// or windowed, and nothing left unread, counts the same bytes
		// when it is found again)
		c.e.cache[fp&uint64(len(c.e.cache)-1)].Store(fp)
	}
}

// inspectedKind marks, in the cache of clean values, a string inspected
// whole (inspectString) rather than evaluated (scalar): no operator.Kind
// has its value.
const inspectedKind operator.Kind = 7

// inspect is inspectString without the cache.
func (c *Context) inspect(vw *view, s string, depth int, excl bool) {
	if !c.e.opts.NoWholeValues && c.ws.unpads < maxUnpads && len(s) > MinPadding && c.ws.bytes+MaxStringLength <= MaxWalkBytes {
		// (a string past the walk's bound is not read, padded or not)
		// First what the padding surrounds: short, and what a padded
		// attack is about, so it is read before the budget goes to the
		// padding.
		c.unpad(vw, s, depth, excl)
		if c.stopped(vw) {
			return
		}
	}
	seq := c.evalSeq
	if len(s) <= MaxStringLength || c.e.opts.NoWholeValues {
		n := min(len(s), MaxStringLength)
		if c.ws.bytes+n > MaxWalkBytes {
			return
		}
		c.ws.bytes += n
		c.scalar(vw, operator.String, s, excl)
	} else {
		for off := 0; ; off += MaxStringLength - WindowOverlap {
			end := min(off+MaxStringLength, len(s))
			if off > 0 && c.ws.bytes+end-off > MaxWalkBytes {
				break
			}
			c.ws.bytes += end - off
			c.scalar(vw, operator.String, s[off:end], excl)
			if end == len(s) || c.stopped(vw) {
				break
			}
		}
	}
	if !c.e.opts.NoDecode && c.ws.level < MaxDecodeDepth && len(s) >= transform.MinDecodeLength && !c.stopped(vw) {
		c.decode(vw, s, depth, excl, c.evalSeq != seq)
		if vw.uriPath && c.ws.level == 0 {
			c.decodePath(vw, s, depth, excl)
		}
	}
}

// maxPathSegments bounds the path segments decodePath looks at: a request
// path of thousands of short segments costs no more than its first 64.
const maxPathSegments = 64

// decodePath evaluates, under the target's address, the path segments of
// a request target that no parameter carries: a segment that is Base64 or
// Base64url text (GET /PHNjcmlwdD4...) decoded, and a segment holding a
// payload's characters (see pathPayload) as a value of its own. A segment
// is percent-decoded first; names, ids, slugs and hashes are left alone.
func (c *Context) decodePath(vw *view, s string, depth int, excl bool) {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 { // absolute-form: skip the authority
		s = s[i+3:]
		j := strings.IndexByte(s, '/')
		if j < 0 {
			return
		}
		s = s[j:]
	}
	buf := &c.ws.bufs[c.ws.level]
	for n := 0; s != "" && n < maxPathSegments && !c.stopped(vw); n++ {
		seg := s
		if i := strings.IndexByte(s, '/'); i >= 0 {
			seg, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if len(seg) < 2 {
			continue
		}
		src := bytesOfAll(seg)
		if strings.IndexByte(seg, '%') >= 0 {
			src = transform.PercentDecode(c.pathBuf[:0], src)
			c.pathBuf = src
		}
		if d, ok := transform.Base64Text((*buf)[:0], src); ok && (len(d) >= shortPathText || !hasControl(d)) {
			// (a short segment that decodes to a line break is a word
			// decoded by chance: the target's own rules would read it as
			// a line break in the request target; a CRLF payload is
			// longer)
			*buf = d
			c.evalDecoded(vw, DecodedBase64, string(d), depth, excl, false)
		} else if pathPayload(src) {
			c.evalDecoded(vw, DecodedPathSegment, string(src), depth, excl, false)
		}
	}
}

// shortPathText is the decoded length under which a path segment's
// decoding may hold no control character or line break.
const shortPathText = 16

// hasControl reports whether b holds a byte below 0x20 or DEL.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7F {
			return true
		}
	}
	return false
}

// pathPayload reports whether a percent-decoded path segment holds what
// names, ids and slugs never do: a space, a quote or a shell or markup
// metacharacter (GET /products/1' or '1'='1). Such a segment is evaluated
// as a value of its own, as a router's path parameter would be: the rules
// that read a whole value (a number broken out of, a command line) read
// it then.
func pathPayload(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\'', '"', '`', ';', '|', '<', '>', '$', '{', '}', '\t', '\n', '\r':
			return true
		}
	}
	return false
}

var charRefStart = []byte("&#")

// decode evaluates the decoded forms of s, if it has any: as Base64, as
// a JWT's payload, with its escapes decoded, and as JSON text. evaluated
// says s itself was the last value evaluated (not skipped as clean).
func (c *Context) decode(vw *view, s string, depth int, excl, evaluated bool) {
	src := bytesOfAll(s)
	buf := &c.ws.bufs[c.ws.level]
	text, bin := false, false
	if d, isText, isBin := transform.Base64Forms((*buf)[:0], src); isText {
		*buf, text = d, true
		c.evalDecoded(vw, DecodedBase64, string(d), depth, excl, false)
	} else if isBin {
		// Bytes that are not text: read for payloads, not for the control
		// bytes that any binary data holds (see rule.controlBytes).
		*buf, bin = d, true
		c.evalBinary(vw, string(d), depth, excl)
	}
	if (text && !utf8.Valid(*buf) || !text) && !c.stopped(vw) {
		if d, ok := transform.Base64Overlong((*buf)[:0], src); ok {
			// Overlong encodings, percent-encoded too: the form the rules
			// about them read.
			*buf, bin = d, true
			c.evalBinary(vw, string(d), depth, excl)
		}
	}
	if text || bin {
		return
	}
	if d, ok := transform.JWTPayload((*buf)[:0], src); ok {
		*buf = d
		c.evalDecoded(vw, DecodedJWT, string(d), depth, excl, false)
		return
	}
	if vw.uriPath && c.ws.level == 0 && !targetEscapes(src) {
		// (the request target's own percent-encoding: see targetEscapes)
	} else if bytes.IndexByte(src, '%') >= 0 || bytes.IndexByte(src, '\\') >= 0 || bytes.Contains(src, charRefStart) {
		if d, ok := transform.EscapedText((*buf)[:0], src); ok {
			*buf = d
			c.evalDecoded(vw, DecodedEscapes, string(d), depth, excl, evaluated)
			return
		}
	}
	if v, ok := parseJSONText(s); ok {
		c.enter(DecodedJSON)
		c.walk(vw, v, depth+1, excl)
		c.leave()
	}
}

// targetEscapes reports whether a request target as received holds an
// escape besides its own percent-encoding: a %HH in a request target is
// how any client spells a byte there, which the query's values (evaluated
// decoded under their own address), the path segments (decodePath) and
// the rules' own url_decode read decoded already, so the target is
// evaluated with its escapes decoded only when it holds what those do not
// decode: a double encoding (%25HH), %uHHHH, a backslash escape or a
// numeric character reference.
func targetEscapes(src []byte) bool {
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '%':
			if i+2 < len(src) && (src[i+1] == '2' && src[i+2] == '5' || src[i+1]|0x20 == 'u') {
				return true
			}
		case '\\':
			return true
		case '&':
			if i+1 < len(src) && src[i+1] == '#' {
				return true
			}
		}
	}
	return false
}

// evalBinary evaluates the decoded bytes of a Base64 value that are not
// text, with the rules about control bytes left out (see
// rule.controlBytes).
func (c *Context) evalBinary(vw *view, s string, depth int, excl bool) {
	outer := c.ws.binary
	c.ws.binary = true
	c.evalDecoded(vw, DecodedBase64, s, depth, excl, false)
	c.ws.binary = outer
}

// evalDecoded evaluates a decoded string: as a string, and as the JSON
// document it may be. share says the string is evaluated with the
// variants of the value it was decoded from, the last value evaluated.
func (c *Context) evalDecoded(vw *view, how, s string, depth int, excl, share bool) {
	if c.ws.bytes+len(s) > MaxWalkBytes {
		return
	}
	c.enter(how)
	if v, ok := parseJSONText(s); ok {
		// The JSON's values as values, and its keys, which are payloads
		// as well ({"__proto__": ...}, {"$gt": ""} in Base64) where the
		// view reads no keys: as values when they are names, and the
		// document as a string when one is more than a name. (A JWT's
		// claims, {"sub": "u-1", "iat": 1732442890}, are read as values,
		// their keys as strings that the cache of clean values knows.)
		c.walk(vw, v, depth+1, excl)
		switch {
		case c.stopped(vw):
		case nameKeys(v, 0):
			if !vw.keysOnly {
				c.evalKeys(vw, v, excl)
			}
		case c.ws.bytes+min(len(s), MaxStringLength) <= MaxWalkBytes:
			// (its first MaxStringLength bytes, counted as the walk's)
			c.ws.bytes += min(len(s), MaxStringLength)
			c.scalar(vw, operator.String, s, excl)
		}
	} else {
		if share {
			c.shareSeq = c.evalSeq
		}
		c.inspectString(vw, s, depth, excl)
	}
	c.leave()
}

// nameKeys reports whether every key of the JSON value v is a name: a
// letter, a digit or one of _ - . : / @ + in each byte (claims, fields,
// namespaced claims such as https://example.com/roles), nested containers
// included down to MaxDecodeDepth levels more. A key holding anything
// else (an operator such as $ne, markup, quotes, spaces) may be a payload,
// which only the document read as a string shows.
func nameKeys(v Value, depth int) bool {
	if v.kind != KindMap && v.kind != KindList {
		return true
	}
	if depth > maxNameKeyDepth {
		return false
	}
	for _, f := range v.items {
		if v.kind == KindMap {
			if f.Key == "" {
				return false
			}
			for i := 0; i < len(f.Key); i++ {
				if !nameByte[f.Key[i]] {
					return false
				}
			}
		}
		if !nameKeys(f.Value, depth+1) {
			return false
		}
	}
	return true
}

// evalKeys evaluates the keys of the decoded JSON value v as strings, as
// far as nameKeys looked (their bytes counted as the walk's).
func (c *Context) evalKeys(vw *view, v Value, excl bool) {
	if v.kind != KindMap && v.kind != KindList {
		return
	}
	for _, f := range v.items {
		if c.stopped(vw) {
			return
		}
		if v.kind == KindMap {
			if c.ws.bytes+len(f.Key) > MaxWalkBytes {
				return
			}
			c.ws.bytes += len(f.Key)
			c.scalar(vw, operator.String, f.Key, excl)
		}
		c.evalKeys(vw, f.Value, excl)
	}
}

// maxNameKeyDepth is how deep nameKeys looks: a document nested deeper is
// read as a string too.
const maxNameKeyDepth = 8

// nameByte marks the bytes of a key that is a name (see nameKeys).
var nameByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "_-.:/@+" {
		t[c] = true
	}
	return t
}()

func (c *Context) enter(how string) {
	if c.ws.level == 0 {
		c.ws.decoded = how
	}
	c.ws.level++
}

func (c *Context) leave() {
	c.ws.level--
	if c.ws.level == 0 {
		c.ws.decoded = ""
	}
}

// bytesOfAll is the bytes of s, not copied.
func bytesOfAll(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// parseJSONText parses s as a JSON object or array (whitespace around
// it allowed), keeping the order of fields. It is strict (RFC 8259), and a
// container deeper than MaxDepth fails it.
func parseJSONText(s string) (Value, bool) {
	i, j := 0, len(s)
	for i < j && isJSONSpace(s[i]) {
		i++
	}
	for j > i && isJSONSpace(s[j-1]) {
		j--
	}
	if j-i < 2 || !(s[i] == '{' && s[j-1] == '}' || s[i] == '[' && s[j-1] == ']') {
		return Value{}, false
	}
	p := jsonText{s: s[i:j]}
	v, ok := p.value(0)
	return v, ok && p.i == len(p.s)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// jsonText reads the JSON text of a decoded value. Strings are decoded as
// encoding/json decodes them, except that invalid UTF-8 is kept as it is;
// the values share the text's memory when they have no escapes.
type jsonText struct {
	s string
	i int
}

func (p *jsonText) ws() {
	for p.i < len(p.s) && isJSONSpace(p.s[p.i]) {
		p.i++
	}
}

// value reads the value at p.i, a container there having the given depth.
func (p *jsonText) value(depth int) (Value, bool) {
	p.ws()
	if p.i >= len(p.s) {
		return Value{}, false
	}
	switch p.s[p.i] {
	case '{', '[':
		if depth >= MaxDepth {
			return Value{}, false
		}
		return p.container(depth)
	case '"':
		v, ok := p.str()
		return String(v), ok
	case 't':
		return Bool(true), p.word("true")
	case 'f':
		return Bool(false), p.word("false")
	case 'n':
		return Null(), p.word("null")
	}
	start := p.i
	if !p.number() {
		return Value{}, false
	}
	return Number(p.s[start:p.i]), true
}

func (p *jsonText) str() (string, bool) {
	v, end, err := jsonscan.String(p.s, p.i, true)
	p.i = end
	return v, err == jsonscan.OK
}

func (p *jsonText) word(w string) bool {
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	p.i += len(w)
	return true
}

// number reads a number.
func (p *jsonText) number() bool {
	end, err := jsonscan.Number(p.s, p.i)
	p.i = end
	return err == jsonscan.OK
}

// container reads the object or array at p.i.
func (p *jsonText) container(depth int) (Value, bool) {
	obj := p.s[p.i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	p.i++
	var fs []Field
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == closer {
		p.i++
	} else {
		for {
			var f Field
			if obj {
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != '"' {
					return Value{}, false
				}
				k, ok := p.str()
				if !ok {
					return Value{}, false
				}
				f.Key = k
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != ':' {
					return Value{}, false
				}
				p.i++
			}
			v, ok := p.value(depth + 1)
			if !ok {
				return Value{}, false
			}
			f.Value = v
			fs = append(fs, f)
			p.ws()
			if p.i >= len(p.s) {
				return Value{}, false
			}
			c := p.s[p.i]
			p.i++
			if c == closer {
				break
			}
			if c != ',' {
				return Value{}, false
			}
		}
	}
	if obj {
		return Map(fs), true
	}
	return List(fs), true
}
