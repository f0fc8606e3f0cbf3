// Package xss detects cross-site scripting payloads in request values.
//
// Check scans a value with an HTML tokenizer (lexer.go) as if it had been
// injected in each place a web page echoes input: between tags, inside a
// tag, and after the opening quote of a double- or single-quoted attribute
// value. In each context it follows the tokens a browser would produce and
// reports markup that runs script or loads active content:
//
//   - start tags that execute, load or restyle: script, iframe, frame,
//     object, embed, applet, portal, base, link, meta, style, svg, math,
//     xml, import, layer, ilayer, and any tag with an svg:, math:, xsl: or
//     xml: prefix; the end tags of those (</script> closes a script block
//     the value was echoed into);
//   - event-handler attributes (on + three or more letters) with a value,
//     in any tag of the value; after breaking out of a value or tag
//     (`" onmouseover=alert(1) x="`, `onfocus=alert(1)`), where the tag is
//     the page's, the name must be a known handler or the value must hold
//     a call, a template or an escape, so "online=yes" passes;
//   - attribute values whose URL scheme runs script (javascript:,
//     vbscript:, livescript:, mocha:) or renders active content (data: with
//     an HTML, XML, SVG or script media type, or base64 data that starts
//     with "<"), after decoding character references and fullwidth forms
//     and dropping the control characters browsers ignore;
//   - style attributes with expression(), script URLs, behaviors or
//     bindings, after CSS unescaping and comment removal;
//   - srcdoc values holding markup, markup inside any attribute value,
//     SVG/HTML+TIME animation of handlers or links (attributeName),
//     XML Events (ev:event), IE data binding as HTML (dataformatas),
//     Netscape script entities (&{...}), namespace declarations of XHTML,
//     SVG, XSLT, XLink, MathML or XML Events, <?import?>, <?xml:namespace?>,
//     <?xml-stylesheet?> pointing at a data: or script URL, and DTD
//     declarations (<!ENTITY, <!ATTLIST, a DOCTYPE with an internal subset);
//   - all of the above inside comments and bogus comments (<![CDATA[ ...,
//     conditional comments, filters that strip comments), rescanned once.
//
// Outside markup it reports script URLs whose body starts like code
// ("javascript:alert(1)", but not "JavaScript: The Good Parts"), numeric
// character references to "<" ("&#60;", "&#x003C": editors write "&lt;"),
// and, in js.go, script-context payloads: calls or references of the
// functions payloads use to prove or run code (alert, prompt, confirm,
// eval, Function, setTimeout, setInterval, execScript, document.write,
// x.constructor) standing as expressions of their own, and a quote that
// closes a JavaScript string followed by an operator and such a call or a
// call or assignment on a browser object (`';alert(1)//`, `"-alert(1)-"`,
// `';document.location='//x'//`). Client-side template expressions
// ({{ ... }}) count when they reach a constructor or such a function: that
// is how AngularJS sandbox escapes run script; "{{ user.name }}" passes.
//
// Decoding: the engine normally applies transformers before an operator,
// but a value may still carry one layer of encoding. Check therefore also
// scans the value with one layer of percent-encoding (%XX, %uXXXX; "+" is
// left alone) removed, and with HTML character references decoded once
// when the value holds references to markup or script punctuation
// ("&lt;img src=x onerror=...&gt;", "alert&lpar;1&rpar;"), and both; and
// with JavaScript/JSON escapes (\u003c, \x3c) decoded when they encode
// markup characters (a value JSON-encoded once more than it was parsed).
// Inside attribute values, references are always decoded, as browsers do.
// A second layer of percent-encoding is left to the engine's transformers.
//
// Ordinary text passes: "a < b", "<3", "<john@example.com>", code snippets,
// markdown, and formatting markup without handlers (<b>, <p>, <table>,
// <a href="https://...">, <img src="https://...">).
//
// Known limits: CSS-only tricks without expression or script URLs
// (url(x.svg), font-family breakouts), bare fragments of multi-line
// payloads (<head>, <form>, an HTML comment alone), IP-obfuscated links,
// US-ASCII high-bit and UTF-7 encodings, and script whose sink is neither
// a known function nor reached through a closed string are not reported.
package xss

import (
	"bytes"
	"sync"
)

// MaxLen is the number of leading bytes of a value that Check examines.
// Scanning is linear, so the bound only caps the worst-case time per value
// (about a millisecond) and the size of the decoding buffers; payloads are
// short, and the engine truncates strings far below this anyway.
const MaxLen = 1 << 20

// maxHighlight bounds the length of the highlight Check returns.
const maxHighlight = 80

// Check reports whether s holds an XSS payload. On a match it returns the
// part of s (or of its decoded form) that matched. Check does not allocate
// unless it matches.
func Check(s []byte) (highlight string, ok bool) {
	var c checker
	return c.check(s)
}

// check is Check, with the work it did left in c.steps.
func (c *checker) check(s []byte) (string, bool) {
	if len(s) > MaxLen {
		s = s[:MaxLen]
	}
	m := charset(s)
	if c.scan(s, m) {
		return c.highlight(s), true
	}
	pct := m&hasPct != 0 && hasPercentEncoding(s)
	ref := m&hasAmp != 0 && hasMarkupRef(s)
	esc := m&hasBackslash != 0 && hasMarkupEscape(s)
	if !pct && !ref && !esc {
		return "", false
	}
	p := bufPool.Get().(*[]byte)
	defer bufPool.Put(p)
	if esc {
		d := jsUnescape((*p)[:0], s)
		*p = d[:0]
		if c.scan(d, charset(d)) {
			return c.highlight(d), true
		}
	}
	if pct {
		d := percentDecode((*p)[:0], s)
		*p = d[:0]
		dm := charset(d)
		if c.scan(d, dm) {
			return c.highlight(d), true
		}
		if dm&hasAmp != 0 && hasMarkupRef(d) {
			// Decode references in place: the result is never longer.
			r := refDecode(d[:0], d)
			if c.scan(r, charset(r)) {
				return c.highlight(r), true
			}
		}
	}
	if ref {
		r := refDecode((*p)[:0], s)
		*p = r[:0]
		if c.scan(r, charset(r)) {
			return c.highlight(r), true
		}
	}
	return "", false
}

// bufPool holds the buffers for decoded variants, so that Check does not
// allocate on values that do not match.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// checker holds the state of one Check: where the match is.
type checker struct {
	hitStart, hitEnd int
	steps            int // work done, for the linear-time check in tests
}

func (c *checker) hit(start, end int) bool {
	c.hitStart, c.hitEnd = start, end
	return true
}

func (c *checker) highlight(s []byte) string {
	st, e := c.hitStart, c.hitEnd
	if st < 0 {
		st = 0
	}
	if e > len(s) {
		e = len(s)
	}
	if e-st > maxHighlight {
		e = st + maxHighlight
	}
	if e <= st {
		return ""
	}
	return string(s[st:e])
}

// Characters whose presence enables each part of the scan.
const (
	hasLT = 1 << iota
	hasEq
	hasDQ
	hasSQ
	hasColon
	hasParen
	hasBacktick
	hasBrace
	hasBracket
	hasAmp
	hasPct
	hasBackslash
)

// charClass maps a byte to its has* bit.
var charClass = [256]uint16{
	'<': hasLT, '=': hasEq, '"': hasDQ, '\'': hasSQ, ':': hasColon, '(': hasParen,
	'`': hasBacktick, '{': hasBrace, '[': hasBracket, '&': hasAmp | hasColon, '%': hasPct,
	'\\': hasBackslash,
}

// charset returns the has* bits of the bytes in s ("&" also sets hasColon:
// "&colon;").
func charset(s []byte) int {
	// Four accumulators: the loads do not wait on one another.
	var m0, m1, m2, m3 uint16
	i := 0
	for ; i+4 <= len(s); i += 4 {
		m0 |= charClass[s[i]]
		m1 |= charClass[s[i+1]]
		m2 |= charClass[s[i+2]]
		m3 |= charClass[s[i+3]]
	}
	for ; i < len(s); i++ {
		m0 |= charClass[s[i]]
	}
	return int(m0 | m1 | m2 | m3)
}

// scan checks one form of the value, whose charset is m, in every context.
func (c *checker) scan(s []byte, m int) bool {
	c.steps += len(s)
	if m&hasLT != 0 && c.html(s, InData, 0) {
		return true
	}
	if m&hasEq != 0 {
		if c.html(s, InTag, 0) {
			return true
		}
		if m&hasDQ != 0 && c.html(s, InDoubleQuoted, 0) {
			return true
		}
		if m&hasSQ != 0 && c.html(s, InSingleQuoted, 0) {
			return true
		}
	}
	if m&hasAmp != 0 && c.ltRef(s) {
		return true
	}
	if m&hasColon != 0 && c.schemes(s, 0, len(s)) {
		return true
	}
	if m&(hasParen|hasBacktick|hasBracket|hasEq) != 0 && c.script(s, m) {
		return true
	}
	return false
}

// ltRef looks for a numeric character reference to "<" ("&#60;",
// "&#x003C", "&#0000060"). Editors and serializers write "&lt;"; the
// numeric forms, often padded or without ";", are how payloads smuggle a
// tag start past filters that decode once.
func (c *checker) ltRef(s []byte) bool {
	for i := 0; i+3 < len(s); i++ {
		if s[i] == '&' && s[i+1] == '#' {
			if ch, n := decodeRef(s, i); n > 0 && ch == '<' {
				return c.hit(i, i+n)
			}
		}
	}
	return false
}

// tagClass classifies a start tag.
type tagClass uint8

const (
	tagPlain  tagClass = iota // any other element
	tagDanger                 // runs or loads active content by itself
	tagXMLEvt                 // XML Events <handler>/<listener>: "event" attributes run script
)

// classify returns the class of the tag named name, ignoring ASCII case,
// NUL bytes and what follows the name's letters and digits ("script+src",
// a form-encoded space). A namespace prefix is dropped ("html:script"),
// and the SVG, MathML, XSLT and XML prefixes are dangerous by themselves.
func classify(name []byte) tagClass {
	var buf [12]byte
	n := 0
	for _, b := range name {
		switch {
		case b == 0:
			continue
		case b == ':':
			switch string(buf[:n]) {
			case "svg", "math", "xsl", "xml":
				return tagDanger
			}
			n = 0 // drop the prefix
			continue
		case !isLetter(b) && !(b >= '0' && b <= '9') && b != '-' && b != '_':
			goto done
		case n == len(buf):
			return tagPlain
		}
		buf[n] = lower(b)
		n++
	}
done:
	switch string(buf[:n]) {
	case "script", "iframe", "frame", "object", "embed", "applet", "base", "link",
		"meta", "svg", "math", "xml", "import", "layer", "ilayer", "portal", "style":
		return tagDanger
	case "handler", "listener":
		return tagXMLEvt
	}
	return tagPlain
}

// html scans s as injected in context ctx. Comments and bogus comments
// are scanned again as markup, once (depth 1).
func (c *checker) html(s []byte, ctx Context, depth int) bool {
	t := NewTokenizer(s, ctx)
	defer func() { c.steps += t.steps }()
	var (
		class     tagClass // class of the open start tag
		inStart   bool     // inside a start tag seen in this scan
		nameStart = -1     // span of the last attribute name
		nameEnd   = -1
		pending   = -1 // start of a handler name glued to junk ("onload!#$"), in a start tag
		skipFirst = ctx == InDoubleQuoted || ctx == InSingleQuoted || ctx == InUnquoted
	)
	for {
		tok, ok := t.Next()
		if !ok {
			return false
		}
		switch tok.Kind {
		case StartTag:
			class = classify(s[tok.Start+1 : tok.End])
			inStart = true
			nameStart = -1
			pending = -1
			if class == tagDanger {
				return c.hit(tok.Start, tok.End)
			}
		case EndTag:
			if classify(s[tok.Start+2:tok.End]) == tagDanger {
				// </script>, </svg>: closing an element the value did not open.
				return c.hit(tok.Start, tok.End)
			}
			inStart = false
			class = tagPlain
			nameStart = -1
		case AttrName:
			nameStart, nameEnd = tok.Start, tok.End
			if inStart && class == tagXMLEvt && attrIs(s[nameStart:nameEnd], "event") {
				return c.hit(tok.Start, tok.End)
			}
			if inStart && pending < 0 && gluedHandler(s[nameStart:nameEnd]) {
				pending = nameStart
			}
		case AttrValue:
			if skipFirst {
				skipFirst = false
				continue
			}
			if nameStart < 0 {
				continue
			}
			if c.attr(s, nameStart, nameEnd, tok.Start, tok.End, inStart) {
				return true
			}
			if pending >= 0 && tok.End > tok.Start {
				return c.hit(pending, tok.End)
			}
			if depth == 0 && bytesIndexByte(s[tok.Start:tok.End], '<') >= 0 {
				// Markup inside a value: filters that strip quotes, and
				// parsers that end the value early, let it out.
				vs, ve := unquote(s, tok.Start, tok.End)
				if c.html(s[vs:ve], InData, 1) {
					c.hitStart += vs
					c.hitEnd += vs
					return true
				}
			}
			nameStart = -1
		case TagClose:
			inStart = false
			class = tagPlain
			nameStart = -1
			pending = -1
		case Comment, Bogus:
			if isPI(s[tok.Start:tok.End]) || isDecl(s[tok.Start:tok.End]) {
				return c.hit(tok.Start, tok.End)
			}
			if depth == 0 && tok.End-tok.Start > 4 {
				if c.html(s[tok.Start+2:tok.End], InData, 1) {
					c.hitStart += tok.Start + 2
					c.hitEnd += tok.Start + 2
					return true
				}
			}
		}
		skipFirst = false
	}
}

// gluedHandler reports whether an attribute name is a known event handler
// followed by junk that old parsers skipped: "onload!#$%&()*~+-_.,:;?@[".
func gluedHandler(b []byte) bool {
	b = attrLead(b)
	n := 0
	for n < len(b) && isLetter(b[n]) {
		n++
	}
	return n < len(b) && isKnownHandler(b[:n])
}

// containsFold reports whether b contains the lowercase ASCII p, ignoring
// ASCII case.
func containsFold(b []byte, p string) bool {
	if len(p) == 0 {
		return true
	}
	c0 := p[0]
	if c0 < 'a' || c0 > 'z' {
		// The first byte has one case: look for it at machine speed.
		for len(b) >= len(p) {
			i := bytes.IndexByte(b[:len(b)-len(p)+1], c0)
			if i < 0 {
				return false
			}
			if hasPrefixFold(b[i+1:], p[1:]) {
				return true
			}
			b = b[i+1:]
		}
		return false
	}
	for i := 0; i+len(p) <= len(b); i++ {
		if b[i]|0x20 == c0 && hasPrefixFold(b[i+1:], p[1:]) {
			return true
		}
	}
	return false
}

func bytesIndexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// isPI reports whether a bogus comment is a processing instruction that
// loads a stylesheet or a behavior: <?xml-stylesheet ...?>, <?import ...?>.
func isPI(b []byte) bool {
	if len(b) < 2 || b[0] != '<' || b[1] != '?' {
		return false
	}
	switch b = b[2:]; {
	case hasPrefixFold(b, "import"), hasPrefixFold(b, "xml:namespace"):
		return true
	case hasPrefixFold(b, "xml-stylesheet"):
		// XML documents name their stylesheets this way; one from a data:
		// or script URL is an injected one.
		return containsFold(b, "data:") || containsFold(b, "script:")
	}
	return false
}

// isDecl reports whether a bogus comment is a DTD markup declaration or a
// DOCTYPE with an internal subset: entities and default attributes
// (<!ATTLIST img onerror CDATA "...">) inject markup in XML documents.
func isDecl(b []byte) bool {
	if len(b) < 2 || b[0] != '<' || b[1] != '!' {
		return false
	}
	b = b[2:]
	switch {
	case hasPrefixFold(b, "entity"), hasPrefixFold(b, "attlist"), hasPrefixFold(b, "element"):
		return true
	case hasPrefixFold(b, "doctype"):
		return bytesIndexByte(b, '[') >= 0
	}
	return false
}

// attrName returns the significant part of an attribute name: without
// leading punctuation (`"onload`, from broken quoting) and namespace
// prefix (xlink:href).
func attrName(b []byte) []byte {
	b = attrLead(b)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ':' {
			return b[i+1:]
		}
	}
	return b
}

// attrLead strips leading punctuation from an attribute name.
func attrLead(b []byte) []byte {
	for len(b) > 0 && !isLetter(b[0]) {
		b = b[1:]
	}
	return b
}

func attrIs(b []byte, name string) bool { return equalFold(attrName(b), name) }

// unquote strips the quotes of an attribute value token.
func unquote(b []byte, start, end int) (int, int) {
	if end > start && (b[start] == '"' || b[start] == '\'') {
		q := b[start]
		start++
		if end > start && b[end-1] == q {
			end--
		}
	}
	return start, end
}

// attr checks one attribute: name s[ns:ne], value token s[vs:ve]. real is
// set when the attribute belongs to a start tag in the scanned value,
// rather than to the unknown tag the value was injected into.
func (c *checker) attr(s []byte, ns, ne, vs, ve int, real bool) bool {
	name := attrName(s[ns:ne])
	quoted := s[vs] == '"' || s[vs] == '\''
	end := ve
	vs, ve = unquote(s, vs, ve)
	val := s[vs:ve]
	if isHandlerName(name) && len(val) > 0 {
		if real || isKnownHandler(name) || c.looksLikeCode(val) {
			return c.hit(ns, end)
		}
	}
	switch {
	case real && !quoted && handlerAssign(val):
		// <img src= onerror="alert(1)">: old parsers took the value as an attribute.
		return c.hit(ns, end)
	case equalFold(name, "attributename"):
		// SVG and HTML+TIME animation of a handler, a link or the markup.
		if a := attrName(val); isHandlerName(a) || equalFold(a, "href") || equalFold(a, "innerhtml") {
			return c.hit(ns, end)
		}
	case equalFold(name, "event") && bytesIndexByte(s[ns:ne], ':') >= 0:
		// XML Events (ev:event="load") attach a handler to any element.
		return c.hit(ns, end)
	case equalFold(s[ns:ne], "xmlns") || hasPrefixFold(s[ns:ne], "xmlns:"):
		// Declaring the XHTML, SVG, XSLT or XML Events namespace switches
		// how the markup around the value is parsed.
		if containsFold(val, "xhtml") || containsFold(val, "svg") || containsFold(val, "xsl") ||
			containsFold(val, "xml-events") || containsFold(val, "xlink") || containsFold(val, "mathml") {
			return c.hit(ns, end)
		}
	case scriptEntity(val):
		// Netscape JavaScript entities: &{alert(1)};
		return c.hit(ns, end)
	case equalFold(name, "dataformatas"):
		// Internet Explorer data binding that renders a data field as HTML.
		if hasPrefixFold(val, "html") {
			return c.hit(ns, end)
		}
	case equalFold(name, "style"):
		if c.css(s, vs, ve) {
			c.hitStart = ns
			return true
		}
	case equalFold(name, "srcdoc"):
		if c.hasMarkup(val) {
			return c.hit(ns, end)
		}
	}
	if u := c.urlScheme(val); u != schemeNone {
		return c.hit(ns, end)
	}
	return false
}

var scriptEntityOpen = []byte("&{")

// scriptEntity reports whether v holds a Netscape JavaScript entity that
// runs code: "&{", a call, and the closing "}" (&{alert(1)};). A bare "&{"
// is punctuation (passwords, tokens).
func scriptEntity(v []byte) bool {
	for {
		i := bytes.Index(v, scriptEntityOpen)
		if i < 0 {
			return false
		}
		v = v[i+2:]
		if j := bytesIndexByte(v, '}'); j > 0 && bytesIndexByte(v[:j], '(') >= 0 {
			return true
		}
	}
}

// handlerAssign reports whether an unquoted value starts with an event
// handler name and "=".
func handlerAssign(v []byte) bool {
	n := 0
	for n < len(v) && isLetter(v[n]) {
		n++
	}
	return n < len(v) && v[n] == '=' && isHandlerName(v[:n])
}

// isHandlerName reports whether name has the shape of an event-handler
// attribute: "on" and at least three more letters.
func isHandlerName(name []byte) bool {
	if len(name) < 5 || lower(name[0]) != 'o' || lower(name[1]) != 'n' {
		return false
	}
	for _, b := range name[2:] {
		if !isLetter(b) && b != 0 {
			return false
		}
	}
	return true
}

// looksLikeCode reports whether an attribute value, references decoded,
// holds a call, a template or an escape: what a handler needs to do more
// than name a function.
func (c *checker) looksLikeCode(v []byte) bool {
	r := normReader{s: v}
	defer func() { c.steps += r.i }()
	for {
		ch, _, ok := r.next()
		if !ok {
			return false
		}
		switch ch {
		case '(', '`', '\\':
			return true
		}
	}
}

// hasMarkup reports whether v holds a tag start, raw or as a reference.
func (c *checker) hasMarkup(v []byte) bool {
	r := normReader{s: v}
	defer func() { c.steps += r.i }()
	for {
		ch, _, ok := r.next()
		if !ok {
			return false
		}
		if ch == '<' {
			return true
		}
	}
}

// tail keeps the last characters read, to match keywords that end at the
// current character.
type tail struct {
	b [16]byte
	n uint
}

func (t *tail) push(c byte) { t.b[t.n&15] = c; t.n++ }

// endsWith reports whether the characters read end with the lowercase kw
// (at most 16 bytes).
func (t *tail) endsWith(kw string) bool {
	k := uint(len(kw))
	if k > t.n {
		return false
	}
	for i := uint(0); i < k; i++ {
		if t.b[(t.n-k+i)&15] != kw[i] {
			return false
		}
	}
	return true
}

// cssKeywords run script or load code from CSS.
var cssKeywords = [...]string{"expression(", "javascript:", "vbscript:", "livescript:", "behavior:", "behaviour:", "-moz-binding"}

// css checks the CSS of a style attribute value, s[start:end].
func (c *checker) css(s []byte, start, end int) bool {
	r := normReader{s: s[start:end], css: true}
	defer func() { c.steps += r.i }()
	var t tail
	for {
		ch, at, ok := r.next()
		if !ok {
			return false
		}
		t.push(ch)
		for _, kw := range cssKeywords {
			if kw[len(kw)-1] == ch && t.endsWith(kw) {
				return c.hit(start, start+at+1)
			}
		}
	}
}

type scheme uint8

const (
	schemeNone scheme = iota
	schemeScript
	schemeData
)

// urlScheme reports whether an attribute value is a URL that runs script:
// a javascript:, vbscript: or livescript: URL with a body, or a data: URL
// of active content, after references are decoded and control characters
// and leading spaces dropped (as URL parsers do). "feed:" wrappers are
// looked through.
func (c *checker) urlScheme(v []byte) scheme {
	r := normReader{s: v}
	defer func() { c.steps += r.i }()
	var buf [16]byte
	n := 0
	for {
		ch, at, ok := r.next()
		if !ok {
			return schemeNone
		}
		if ch == ' ' && n == 0 {
			continue
		}
		if ch != ':' {
			if n == len(buf) || !(isLetter(ch) || ch == '-' || ch == '+' || ch == '.' || (n > 0 && ch >= '0' && ch <= '9')) {
				return schemeNone
			}
			buf[n] = ch
			n++
			continue
		}
		switch string(buf[:n]) {
		case "javascript", "vbscript", "livescript", "mocha":
			rest := v[r.i:]
			_ = at
			for len(rest) > 0 && rest[0] <= ' ' {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				return schemeScript
			}
			return schemeNone
		case "data":
			if activeMedia(&r) {
				return schemeData
			}
			return schemeNone
		case "feed":
			n = 0
			continue
		}
		return schemeNone
	}
}

// activeMedia reads the media type of a data: URL and reports whether a
// browser would render it as active content (HTML, XML, SVG, script), or
// whether its base64 data starts with markup whatever type it claims.
func activeMedia(r *normReader) bool {
	var t tail
	for k := 0; k < 96; k++ {
		ch, _, ok := r.next()
		if !ok {
			return false
		}
		if ch == ',' {
			if !t.endsWith(";base64") {
				return false
			}
			// "<" (0x3C) in base64 starts with 'P' then one of 'A'..'P'.
			_, a0, ok0 := r.next()
			_, a1, ok1 := r.next()
			if !ok0 || !ok1 {
				return false
			}
			b0, b1 := r.s[a0], r.s[a1] // base64 is case-sensitive
			return b0 == 'P' && b1 >= 'A' && b1 <= 'P'
		}
		t.push(ch)
		if t.endsWith("html") || t.endsWith("xml") || t.endsWith("svg") || t.endsWith("script") {
			return true
		}
	}
	return false
}

// schemes scans s[start:end] as text for script URLs whose body is code:
// "javascript:alert(1)", "?url=vbscript:msgbox(1)", and data: URLs of
// active content.
func (c *checker) schemes(s []byte, start, end int) bool {
	r := normReader{s: s[start:end]}
	defer func() { c.steps += r.i }()
	var t tail
	var from [16]int // start offsets of the last characters, by t.n
	for {
		ch, at, ok := r.next()
		if !ok {
			return false
		}
		from[t.n&15] = at
		t.push(ch)
		if ch != ':' {
			continue
		}
		switch {
		case t.endsWith("javascript:"), t.endsWith("vbscript:"), t.endsWith("livescript:"), t.endsWith("mocha:"):
			k := uint(6) // the shortest: "mocha:"
			for _, kw := range [...]string{"javascript:", "livescript:", "vbscript:"} {
				if t.endsWith(kw) {
					k = uint(len(kw))
					break
				}
			}
			if codeBody(&r) {
				return c.hit(start+from[(t.n-k)&15], urlEnd(s, start+r.i, end))
			}
		case t.endsWith("data:") && (t.n == 5 || !isLetter(t.b[(t.n-6)&15])):
			save := r
			if activeMedia(&r) {
				return c.hit(start+from[(t.n-5)&15], start+r.i)
			}
			r = save
		}
	}
}

// urlEnd returns where a URL that reaches i ends: at a space, a quote or
// ">", or at end.
func urlEnd(s []byte, i, end int) int {
	for i < end && s[i] > ' ' && s[i] != '"' && s[i] != '\'' && s[i] != '>' {
		i++
	}
	return i
}

// codeBody reads the body of a script URL and reports whether it starts
// like code: a statement that begins with punctuation, or a dotted name
// (optionally after labels) followed by a call, template, index or
// assignment. It reads at most a few dozen characters.
func codeBody(r *normReader) bool {
	for k := 0; k < 4; k++ { // labels: "javascript:javascript:alert(1)"
		ch, ok := skipSpaces(r)
		if !ok {
			return false
		}
		switch ch {
		case '(', '[', '{', '/', '\\', '`', '!', '~', '+', '-', '%', '\'', '"', ';':
			return true
		}
		if !isIdentStart(ch) {
			return false
		}
		for n := 0; n < 64; n++ {
			ch, _, ok = r.next()
			if !ok {
				return false
			}
			if !isIdentPart(ch) && ch != '.' {
				break
			}
		}
		if ch == ' ' {
			if ch, ok = skipSpaces(r); !ok {
				return false
			}
		}
		switch ch {
		case '(', '`', '[', '=', '%':
			return true
		case ':':
			continue
		}
		return false
	}
	return false
}

func skipSpaces(r *normReader) (byte, bool) {
	for n := 0; n < 64; n++ {
		ch, _, ok := r.next()
		if !ok {
			return 0, false
		}
		if ch != ' ' {
			return ch, true
		}
	}
	return 0, false
}

func isIdentStart(c byte) bool { return isLetter(c) || c == '_' || c == '$' }

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }
