package httpinput

import (
	"strings"
	"sync"

	"github.com/rampartsec/rampart/internal/jsonscan"
	"github.com/rampartsec/rampart/waf"
)

// jsonParser is a strict JSON (RFC 8259) parser into waf values. It recurses
// only down to MaxDepth; deeper containers are read by an iterative scanner
// that adds their scalars to the container at MaxDepth, so no input can
// exhaust the stack, and no nesting hides a value.
type jsonParser struct {
	s         string
	i         int
	a         arena
	scratch   []waf.Field // fields of the containers being parsed, innermost last
	truncated bool        // s was cut at the body limit: its end is not an error
	eof       bool        // parsing stopped at the end of a truncated body
	dropped   bool        // some elements were dropped at MaxContainerSize
	err       *SyntaxError
	stack     []byte // open containers of scan
	high      int    // the most fields scratch held
}

var scratchPool = sync.Pool{New: func() any { s := make([]waf.Field, 0, 64); return &s }}

// parseJSON parses s as one JSON value. On a syntax error it returns the
// error (the caller then inspects the raw text). When truncated, an
// unexpected end is not an error: what was read is returned, with an
// unfinished string or number kept as it stands.
func parseJSON(s string, truncated bool) (waf.Value, bool, *SyntaxError) {
	sp := scratchPool.Get().(*[]waf.Field)
	p := jsonParser{s: s, truncated: truncated, scratch: (*sp)[:0], a: newArena(min(len(s)/16+8, 1024))}
	if strings.HasPrefix(s, "\uFEFF") {
		p.i = 3
	} else if truncated && strings.HasPrefix("\uFEFF", s) {
		p.i = len(s) // a body cut inside its byte order mark
	}
	v, ok := p.value(1)
	if ok {
		p.ws()
		if p.i < len(p.s) {
			p.fail("data after the top-level value")
		}
	}
	clear(p.scratch[:p.high]) // drop references to this body before pooling
	*sp = p.scratch[:0]
	scratchPool.Put(sp)
	if p.err != nil {
		return waf.Value{}, false, p.err
	}
	return v, p.dropped, nil
}

// fail records a syntax error at the current offset, or the end of a
// truncated body, and always returns false.
func (p *jsonParser) fail(msg string) bool {
	if p.i >= len(p.s) && p.truncated {
		p.eof = true
	} else if p.err == nil {
		p.err = &SyntaxError{Format: "json", Offset: p.i, Msg: msg}
	}
	return false
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at p.i; a container found here has the given depth.
// On failure it returns what it read so far, for a truncated body.
func (p *jsonParser) value(depth int) (waf.Value, bool) {
	p.ws()
	if p.i >= len(p.s) {
		return waf.Value{}, p.fail("unexpected end of input")
	}
	switch p.s[p.i] {
	case '{', '[':
		return p.container(depth)
	case '"':
		s, ok := p.str(true)
		return waf.String(s), ok
	}
	return p.scalar()
}

// scalar parses a number, true, false or null.
func (p *jsonParser) scalar() (waf.Value, bool) {
	switch p.s[p.i] {
	case 't', 'f', 'n':
		// An unfinished literal at the end of a truncated body is dropped.
		var w string
		var v waf.Value
		switch p.s[p.i] {
		case 't':
			w, v = "true", waf.Bool(true)
		case 'f':
			w, v = "false", waf.Bool(false)
		default:
			w = "null"
		}
		if !p.word(w) {
			return waf.Value{}, false
		}
		return v, true
	}
	start := p.i
	if !p.number() {
		if p.eof && p.i > start && p.s[p.i-1] >= '0' && p.s[p.i-1] <= '9' {
			return waf.Number(p.s[start:p.i]), false
		}
		return waf.Value{}, false
	}
	return waf.Number(p.s[start:p.i]), true
}

// word reads the literal w at p.i.
func (p *jsonParser) word(w string) bool {
	n := min(len(w), len(p.s)-p.i)
	if p.s[p.i:p.i+n] != w[:n] {
		return p.fail("invalid literal")
	}
	p.i += n
	if n < len(w) {
		return p.fail("unexpected end of input")
	}
	return true
}

// number scans a JSON number.
func (p *jsonParser) number() bool {
	end, err := jsonscan.Number(p.s, p.i)
	p.i = end
	return err == jsonscan.OK || p.failString(err)
}

// str parses a string at p.i (at its opening quote). When decode is false,
// it only checks the syntax and returns "".
func (p *jsonParser) str(decode bool) (string, bool) {
	v, end, err := jsonscan.String(p.s, p.i, decode)
	p.i = end
	return v, err == jsonscan.OK || p.failString(err)
}

// failString records the error of a string or a number; it is apart from
// str so that str, on the path of every key and value, is inlined.
func (p *jsonParser) failString(err jsonscan.Error) bool { return p.fail(err.Error()) }

// add appends a field to the container whose fields start at base, unless it
// is full.
func (p *jsonParser) add(base int, key string, v waf.Value) {
	if len(p.scratch)-base >= MaxContainerSize {
		p.dropped = true
		return
	}
	p.scratch = append(p.scratch, waf.Field{Key: key, Value: v})
}

// container parses an object or array at p.i with the given depth.
func (p *jsonParser) container(depth int) (waf.Value, bool) {
	isMap := p.s[p.i] == '{'
	closer := byte(']')
	if isMap {
		closer = '}'
	}
	p.i++
	base := len(p.scratch)
	ok := true
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == closer {
		p.i++
	} else {
		for {
			key := ""
			if isMap {
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != '"' {
					ok = p.fail("expected a string key")
					break
				}
				if key, ok = p.str(len(p.scratch)-base < MaxContainerSize); !ok {
					break
				}
				p.ws()
				if p.i >= len(p.s) || p.s[p.i] != ':' {
					ok = p.fail("expected ':' after key")
					break
				}
				p.i++
			}
			p.ws()
			full := len(p.scratch)-base >= MaxContainerSize
			if full {
				p.dropped = true
			}
			if p.i < len(p.s) && (p.s[p.i] == '{' || p.s[p.i] == '[') && (depth >= MaxDepth || full) {
				ok = p.scan(base, key, isMap, !full)
			} else if full && p.i < len(p.s) && p.s[p.i] == '"' {
				_, ok = p.str(false)
			} else {
				var v waf.Value
				v, ok = p.value(depth + 1)
				if ok || p.eof && v.Kind() != waf.KindNull {
					p.add(base, key, v)
				}
			}
			if !ok {
				break
			}
			p.ws()
			if p.i >= len(p.s) {
				ok = p.fail("unexpected end of input")
				break
			}
			c := p.s[p.i]
			p.i++
			if c == closer {
				break
			}
			if c != ',' {
				p.i--
				ok = p.fail("expected ',' or the end of the container")
				break
			}
		}
	}
	fs := p.a.copyOf(p.scratch[base:])
	p.high = max(p.high, len(p.scratch))
	p.scratch = p.scratch[:base]
	if isMap {
		return waf.Map(fs), ok
	}
	return waf.List(fs), ok
}

// scan parses the container at p.i without recursion. When collect is set,
// its scalars are added to the container whose fields start at base (under
// their nearest key when that container is a map), up to MaxContainerSize.
func (p *jsonParser) scan(base int, key string, parentMap, collect bool) bool {
	p.stack = p.stack[:0]
	if !parentMap {
		key = ""
	}
	for {
		// A value is expected at p.i.
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("unexpected end of input")
		}
		keep := collect && len(p.scratch)-base < MaxContainerSize
		switch c := p.s[p.i]; c {
		case '{', '[':
			p.stack = append(p.stack, c)
			p.i++
			p.ws()
			if p.i < len(p.s) && (p.s[p.i] == '}' && c == '{' || p.s[p.i] == ']' && c == '[') {
				p.i++
				p.stack = p.stack[:len(p.stack)-1]
				break
			}
			if c == '{' {
				k, ok := p.key(keep)
				if !ok {
					return false
				}
				if parentMap && keep {
					key = k
				}
			}
			continue
		case '"':
			s, ok := p.str(keep)
			if keep && (ok || p.eof) {
				p.add(base, key, waf.String(s))
			}
			if !ok {
				return false
			}
		default:
			v, ok := p.scalar()
			if keep && (ok || p.eof && v.Kind() != waf.KindNull) {
				p.add(base, key, v)
			}
			if !ok {
				return false
			}
		}
		if collect && !keep {
			p.dropped = true
		}
		// After a value: close containers, or move to the next element.
		for {
			if len(p.stack) == 0 {
				return true
			}
			p.ws()
			if p.i >= len(p.s) {
				return p.fail("unexpected end of input")
			}
			c := p.s[p.i]
			top := p.stack[len(p.stack)-1]
			if c == '}' && top == '{' || c == ']' && top == '[' {
				p.i++
				p.stack = p.stack[:len(p.stack)-1]
				continue
			}
			if c != ',' {
				return p.fail("expected ',' or the end of the container")
			}
			p.i++
			if top == '{' {
				k, ok := p.key(collect && len(p.scratch)-base < MaxContainerSize)
				if !ok {
					return false
				}
				if parentMap && collect {
					key = k
				}
			}
			break
		}
	}
}

// key parses `"key":` at p.i (after blanks).
func (p *jsonParser) key(decode bool) (string, bool) {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", p.fail("expected a string key")
	}
	k, ok := p.str(decode)
	if !ok {
		return "", false
	}
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", p.fail("expected ':' after key")
	}
	p.i++
	return k, true
}
