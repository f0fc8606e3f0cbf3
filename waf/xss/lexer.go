package xss

// This file holds the HTML tokenizer: a small state machine after the
// tokenization chapter of the WHATWG HTML standard, reduced to what an
// injection check needs. It never fails: malformed markup is tokenized the
// way a browser would recover from it (or as Text), and every byte of the
// input belongs to exactly one token, so token spans tile the input.

// Kind is the kind of an HTML token.
type Kind uint8

// The token kinds.
const (
	Text      Kind = iota // character data outside tags
	StartTag              // "<" and the tag name: "<img", "<svg"
	EndTag                // "</" and the tag name: "</script"
	Space                 // whitespace and stray "/" between attributes
	AttrName              // an attribute name: "onerror", "href"
	Equals                // the "=" between an attribute name and its value
	AttrValue             // an attribute value, with its quotes when quoted
	TagClose              // ">" or "/>" closing a tag
	Comment               // "<!-- ... -->", up to the end of input when unclosed
	Bogus                 // "<!doctype ...>", "<?xml ...?>", "</ ...>", "<![CDATA[ ...>"
	RawText               // the content of <script>, <style> and other raw-text elements
)

var kindNames = [...]string{"Text", "StartTag", "EndTag", "Space", "AttrName", "Equals", "AttrValue", "TagClose", "Comment", "Bogus", "RawText"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Context is where the scanned value is assumed to have been injected.
type Context uint8

// The injection contexts.
const (
	InData         Context = iota // between tags (HTML body text)
	InTag                         // inside a tag, where an attribute name may start
	InDoubleQuoted                // inside an attribute value in double quotes
	InSingleQuoted                // inside an attribute value in single quotes
	InUnquoted                    // inside an unquoted attribute value
)

// Token is one token: its kind and its span src[Start:End].
type Token struct {
	Kind       Kind
	Start, End int
}

type state uint8

const (
	sData        state = iota
	sTag               // before an attribute name
	sAfterName         // after an attribute name: "=", another name or ">"
	sBeforeValue       // after "="
	sRaw               // inside a raw-text element, up to its end tag
	sValueDQ           // starting context only: inside a "..." value
	sValueSQ           // starting context only: inside a '...' value
	sValueUQ           // starting context only: inside an unquoted value
)

// Tokenizer splits an input into HTML tokens. The zero value is not usable;
// use NewTokenizer. It does not allocate.
type Tokenizer struct {
	src   []byte
	pos   int
	state state
	raw   rawElem // the raw-text element whose end tag ends sRaw
	steps int     // bytes examined, for the linear-time check in tests
}

// NewTokenizer returns a tokenizer over src as if src had been injected in
// context c.
func NewTokenizer(src []byte, c Context) Tokenizer {
	t := Tokenizer{src: src}
	switch c {
	case InTag:
		t.state = sTag
	case InDoubleQuoted:
		t.state = sValueDQ
	case InSingleQuoted:
		t.state = sValueSQ
	case InUnquoted:
		t.state = sValueUQ
	}
	return t
}

// rawElem names the elements whose content is raw text.
type rawElem uint8

const (
	rawNone rawElem = iota
	rawScript
	rawStyle
	rawXMP
)

var rawNames = [...]string{rawScript: "script", rawStyle: "style", rawXMP: "xmp"}

// isSpace reports whether c separates attributes. Browsers accept tab, LF,
// FF, CR and space; older ones accepted every control character, so all
// bytes up to 0x20 count here (a superset only splits more names apart).
func isSpace(c byte) bool { return c <= ' ' }

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// Next returns the next token, or false at the end of input.
func (t *Tokenizer) Next() (Token, bool) {
	if t.pos >= len(t.src) {
		return Token{}, false
	}
	start := t.pos
	var k Kind
	switch t.state {
	case sData:
		k = t.data()
	case sTag, sAfterName:
		k = t.tag()
	case sBeforeValue:
		k = t.beforeValue()
	case sRaw:
		k = t.rawText()
	case sValueDQ, sValueSQ:
		q := byte('"')
		if t.state == sValueSQ {
			q = '\''
		}
		t.quoted(start, q)
		k = AttrValue
	case sValueUQ:
		t.unquoted(start)
		k = AttrValue
		if t.pos == start { // an empty value: the tag goes on
			k = t.tag()
		}
	}
	t.steps += t.pos - start
	return Token{Kind: k, Start: start, End: t.pos}, true
}

// data scans from sData: text, a tag start, a comment or a bogus comment.
func (t *Tokenizer) data() Kind {
	s, i := t.src, t.pos
	if s[i] != '<' {
		for i < len(s) && s[i] != '<' {
			i++
		}
		t.pos = i
		return Text
	}
	// s[i] == '<'
	j := i + 1
	for j < len(s) && s[j] == 0 { // old IE skipped NULs here
		j++
	}
	if j >= len(s) {
		t.pos = len(s)
		return Text
	}
	c := s[j]
	switch {
	case isLetter(c):
		t.pos = t.tagName(j)
		t.state = sTag
		t.raw = rawNone
		if r := rawFor(s[j:t.pos]); r != rawNone {
			t.raw = r
		}
		return StartTag
	case c == '/':
		if j+1 < len(s) && isLetter(s[j+1]) {
			t.pos = t.tagName(j + 1)
			t.state = sTag
			t.raw = rawNone
			return EndTag
		}
		if j+1 < len(s) && s[j+1] == '>' { // "</>" is dropped
			t.pos = j + 2
			return Bogus
		}
		t.pos = t.toGT(j + 1)
		return Bogus
	case c == '!':
		if hasPrefix(s[j+1:], "--") {
			t.pos = t.comment(j + 3)
			return Comment
		}
		t.pos = t.toGT(j + 1)
		return Bogus
	case c == '?':
		t.pos = t.toGT(j + 1)
		return Bogus
	}
	// "<" not starting markup: text up to the next "<".
	i = j
	for i < len(s) && s[i] != '<' {
		i++
	}
	t.pos = i
	return Text
}

// tagName returns the end of the tag name starting at i.
func (t *Tokenizer) tagName(i int) int {
	s := t.src
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	return i
}

// toGT returns the index after the next ">" at or after i, or the end.
func (t *Tokenizer) toGT(i int) int {
	s := t.src
	for i < len(s) {
		if s[i] == '>' {
			return i + 1
		}
		i++
	}
	return len(s)
}

// comment returns the end of a comment whose text starts at i: after
// "-->" or "--!>", or right away for the abrupt "<!-->" and "<!--->".
func (t *Tokenizer) comment(i int) int {
	s := t.src
	if i > len(s) {
		return len(s)
	}
	if i < len(s) && s[i] == '>' {
		return i + 1
	}
	if i+1 < len(s) && s[i] == '-' && s[i+1] == '>' {
		return i + 2
	}
	for ; i < len(s); i++ {
		if s[i] != '-' || i+2 >= len(s) || s[i+1] != '-' {
			continue
		}
		if s[i+2] == '>' {
			return i + 3
		}
		if s[i+2] == '!' && i+3 < len(s) && s[i+3] == '>' {
			return i + 4
		}
	}
	return len(s)
}

// tag scans inside a tag: spaces, an attribute name, "=", or the close.
func (t *Tokenizer) tag() Kind {
	s, i := t.src, t.pos
	c := s[i]
	switch {
	case c == '>':
		t.pos = i + 1
		t.closeTag()
		return TagClose
	case c == '/' && i+1 < len(s) && s[i+1] == '>':
		t.pos = i + 2
		t.closeTag()
		return TagClose
	case isSpace(c) || c == '/':
		for i < len(s) && (isSpace(s[i]) || (s[i] == '/' && !(i+1 < len(s) && s[i+1] == '>'))) {
			i++
		}
		t.pos = i
		return Space
	case c == '=' && t.state == sAfterName:
		t.pos = i + 1
		t.state = sBeforeValue
		return Equals
	}
	// An attribute name; a leading "=" belongs to it.
	i++
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=' {
		i++
	}
	t.pos = i
	t.state = sAfterName
	return AttrName
}

// closeTag leaves the tag: into raw text after a raw-text start tag.
func (t *Tokenizer) closeTag() {
	if t.raw != rawNone {
		t.state = sRaw
		return
	}
	t.state = sData
}

// beforeValue scans after "=": spaces, then a quoted or unquoted value.
func (t *Tokenizer) beforeValue() Kind {
	s, i := t.src, t.pos
	switch c := s[i]; {
	case isSpace(c):
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		t.pos = i
		return Space
	case c == '>': // missing value
		t.pos = i + 1
		t.closeTag()
		return TagClose
	case c == '"' || c == '\'':
		t.quoted(i+1, c)
		return AttrValue
	}
	t.unquoted(i)
	return AttrValue
}

// quoted scans a value from i up to and including the quote q, then
// returns to the tag.
func (t *Tokenizer) quoted(i int, q byte) {
	s := t.src
	for i < len(s) && s[i] != q {
		i++
	}
	if i < len(s) {
		i++
	}
	t.pos = i
	t.state = sTag
}

// unquoted scans an unquoted value from i up to a space or ">".
func (t *Tokenizer) unquoted(i int) {
	s := t.src
	for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
		i++
	}
	t.pos = i
	t.state = sTag
}

// rawText scans the content of a raw-text element up to its end tag.
func (t *Tokenizer) rawText() Kind {
	s, i := t.src, t.pos
	name := rawNames[rawScript]
	if int(t.raw) < len(rawNames) && rawNames[t.raw] != "" {
		name = rawNames[t.raw]
	}
	for ; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && s[i+1] == '/' && hasPrefixFold(s[i+2:], name) {
			e := i + 2 + len(name)
			if e >= len(s) || isSpace(s[e]) || s[e] == '/' || s[e] == '>' {
				break
			}
		}
	}
	t.state = sData
	t.raw = rawNone
	if i == t.pos { // an empty element: the end tag comes next
		return t.data()
	}
	t.pos = i
	return RawText
}

// rawFor returns the raw-text element a start tag name opens, if any.
func rawFor(name []byte) rawElem {
	switch {
	case equalFold(name, "script"):
		return rawScript
	case equalFold(name, "style"):
		return rawStyle
	case equalFold(name, "xmp"):
		return rawXMP
	}
	return rawNone
}

func hasPrefix(s []byte, p string) bool {
	return len(s) >= len(p) && string(s[:len(p)]) == p
}

// hasPrefixFold reports whether s starts with the lowercase ASCII p,
// ignoring ASCII case.
func hasPrefixFold(s []byte, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lower(s[i]) != p[i] {
			return false
		}
	}
	return true
}

// equalFold reports whether s equals the lowercase ASCII p, ignoring case.
func equalFold(s []byte, p string) bool { return len(s) == len(p) && hasPrefixFold(s, p) }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
