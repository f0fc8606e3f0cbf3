// Package jsonscan scans JSON text without reflection, for the parsers on
// rampart's hot paths: the ruleset loader, the collector's ingest, the
// operators' parameters and the WAF's JSON body parser.
//
// It has two halves. Space, Skip, StringEnd, Members and Elements walk a
// document that Valid (or encoding/json) has already found valid: they
// do not validate, and on invalid input they return an index or a split
// that means nothing (but never read out of bounds). String reads one
// string and validates it, decoding its escapes exactly as encoding/json
// does; it is the one JSON string decoder of the module. Valid checks a
// whole document as encoding/json's Valid does, faster.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// IsSpace reports whether c is JSON whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Space returns the index of the first byte at or after b[i] that is not
// JSON whitespace (len(b) when there is none).
func Space(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	return i
}

// StringEnd returns the index just past the string whose opening quote is
// at b[i], or len(b) when it is not closed.
func StringEnd(b []byte, i int) int {
	start := i + 1
	i = start
	// Keys and short strings end before bytes.IndexByte's call pays.
	for n := min(len(b), start+16); i < n; i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			return stringEndFrom(b, start, i)
		}
	}
	return stringEndFrom(b, start, i)
}

// stringEndFrom is StringEnd past b[i], for the string whose first byte
// is b[start].
func stringEndFrom(b []byte, start, i int) int {
	for ; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		k := i
		for k > start && b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
	return len(b)
}

// Skip returns the index just past the value that starts at or after b[i]
// (after whitespace) in a valid document.
func Skip(b []byte, i int) int {
	i = Space(b, i)
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return StringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			// Whitespace and the bytes between strings, four at a time.
			for i+4 <= len(b) && skipClass[b[i]]|skipClass[b[i+1]]|skipClass[b[i+2]]|skipClass[b[i+3]] == 0 {
				i += 4
			}
			for i < len(b) && skipClass[b[i]] == 0 {
				i++
			}
			if i >= len(b) {
				break
			}
			switch skipClass[b[i]] {
			case skipQuote:
				i = StringEnd(b, i)
				continue
			case skipOpen:
				depth++
			case skipClose:
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	// a number or a literal: up to the next delimiter
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// Classes of skipClass: the bytes Skip stops at inside a container.
const (
	skipQuote = 1 + iota
	skipOpen
	skipClose
)

var skipClass = func() (t [256]byte) {
	t['"'] = skipQuote
	t['{'], t['['] = skipOpen, skipOpen
	t['}'], t[']'] = skipClose, skipClose
	return t
}()

// Member is a member of a JSON object.
type Member struct {
	// Key is the bytes between the key's quotes, undecoded: escapes
	// stay as written (Plain tells whether there are any).
	Key []byte
	// Value is the member's value, without the whitespace around it.
	Value json.RawMessage
}

// Members appends the members of raw, a valid JSON value, to dst when it
// is an object, in order: a repeated key is there twice (encoding/json
// keeps the last). ok is false when raw is not an object.
func Members(raw []byte, dst []Member) (_ []Member, ok bool) {
	i := Space(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return dst, false
	}
	i = Space(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return dst, true
	}
	for i < len(raw) {
		ks := Space(raw, i)
		ke := StringEnd(raw, ks)
		if ke-ks < 2 || raw[ks] != '"' || raw[ke-1] != '"' {
			return dst, false
		}
		i = Space(raw, ke)
		if i >= len(raw) || raw[i] != ':' {
			return dst, false
		}
		vs := Space(raw, i+1)
		ve := Skip(raw, vs)
		dst = append(dst, Member{Key: raw[ks+1 : ke-1 : ke-1], Value: json.RawMessage(raw[vs:ve:ve])})
		i = Space(raw, ve)
		if i >= len(raw) {
			return dst, false
		}
		if raw[i] == '}' {
			return dst, true
		}
		i++ // ','
	}
	return dst, false
}

// Elements appends the elements of raw, a valid JSON value, to dst when it
// is an array, each without the whitespace around it. ok is false when raw
// is not an array.
func Elements(raw []byte, dst []json.RawMessage) (_ []json.RawMessage, ok bool) {
	i := Space(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return dst, false
	}
	i = Space(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return dst, true
	}
	for i < len(raw) {
		vs := Space(raw, i)
		ve := Skip(raw, vs)
		dst = append(dst, json.RawMessage(raw[vs:ve:ve]))
		i = Space(raw, ve)
		if i >= len(raw) {
			return dst, false
		}
		if raw[i] == ']' {
			return dst, true
		}
		i++ // ','
	}
	return dst, false
}

// Plain reports whether body, the bytes between a JSON string's quotes,
// is the string's value as it stands: no escape, no control byte and no
// byte beyond ASCII (which encoding/json would check for UTF-8).
func Plain(body []byte) bool {
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf || c < 0x20 {
			return false
		}
	}
	return true
}
