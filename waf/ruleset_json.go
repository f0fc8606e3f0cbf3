package waf

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Fast paths of the ruleset parser. ParseRuleset checks once that the
// whole document is valid JSON (json.Valid); the ruleset's objects and
// arrays are then split into their members by jsonSplit's non-validating
// scan, and strings without escapes or non-ASCII bytes are read in place.
// Everything else goes through encoding/json as before, so the values and
// the errors are the same; only the repeated validation and reflection of
// decoding every level again is saved.

// jsonSkip returns the index just past the JSON value that starts at or
// after b[i] (after whitespace); b is known to be valid JSON.
func jsonSkip(b []byte, i int) int {
	i = jsonSpace(b, i)
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return jsonStringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = jsonStringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// jsonStringEnd returns the index past the string that opens at b[i].
func jsonStringEnd(b []byte, i int) int {
	start := i + 1
	for i = start; i < len(b); i++ {
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

func jsonSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonObject splits a valid JSON value into its members when it is an
// object; ok is false otherwise. A repeated key keeps its last value, as
// with encoding/json.
func jsonObject(raw []byte) (m map[string]json.RawMessage, ok bool) {
	ms, ok := jsonMembers(raw, nil)
	if !ok {
		return nil, false
	}
	m = make(map[string]json.RawMessage, len(ms))
	for _, x := range ms {
		m[string(x.key)] = x.val // in order: the last of a repeated key stays
	}
	return m, true
}

// jsonArray splits a valid JSON value into its elements when it is an
// array; ok is false otherwise.
func jsonArray(raw []byte) (out []json.RawMessage, ok bool) {
	if out, ok = jsonElems(raw, []json.RawMessage{}); !ok {
		return nil, false
	}
	return out, true
}

// jsonString decodes a JSON string value; ok is false when raw is not a
// string.
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(body), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonStrings decodes a JSON array of strings; ok is false when raw is
// not one.
func jsonStrings(raw []byte) ([]string, bool) {
	if i := jsonSpace(raw, 0); i < len(raw) && raw[i] == 'n' {
		return nil, true // null, as encoding/json leaves the slice nil
	}
	elems, ok := jsonArray(raw)
	if !ok {
		return nil, false
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if out[i], ok = jsonString(e); !ok {
			return nil, false
		}
	}
	return out, true
}

// decodeString is json.Unmarshal(raw, dst) for a string.
func decodeString(raw json.RawMessage, dst *string) error {
	if s, ok := jsonString(raw); ok {
		*dst = s
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// decodeStrings is json.Unmarshal(raw, dst) for a list of strings.
func decodeStrings(raw json.RawMessage, dst *[]string) error {
	if ss, ok := jsonStrings(raw); ok {
		*dst = ss
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// decodeObject is json.Unmarshal(raw, dst) for a map of raw members.
func decodeObject(raw json.RawMessage, dst *map[string]json.RawMessage) error {
	if m, ok := jsonObject(raw); ok {
		*dst = m
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// decodeArray is json.Unmarshal(raw, dst) for a list of raw elements.
func decodeArray(raw json.RawMessage, dst *[]json.RawMessage) error {
	if a, ok := jsonArray(raw); ok {
		*dst = a
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// rawCondition is a condition as it is written.
type rawCondition struct {
	Operator   string                     `json:"operator"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	// split is set by fastConditions, which leaves Parameters nil and
	// gives the parameters other than inputs (params, never nil when
	// the condition has parameters) and inputs apart.
	split     bool
	params    map[string]json.RawMessage
	inputs    json.RawMessage
	hasInputs bool
}

// fastConditions splits a list of conditions as json.Unmarshal would;
// false sends the caller to encoding/json (for anything unusual, such as
// keys that only match the field names case-insensitively).
func fastConditions(in interner, raw []byte, dst *[]rawCondition) bool {
	var ebuf [8]json.RawMessage
	elems, ok := jsonElems(raw, ebuf[:0])
	if !ok {
		return false
	}
	out := make([]rawCondition, len(elems))
	var mbuf, pbuf [16]member
	for i, e := range elems {
		ms, ok := jsonMembers(e, mbuf[:0])
		if !ok {
			return false
		}
		c := &out[i]
		c.split = true
		for _, m := range ms {
			switch k := string(m.key); {
			case k == "operator":
				if c.Operator, ok = in.str(m.val); !ok {
					return false
				}
			case k == "parameters":
				ps, ok := jsonMembers(m.val, pbuf[:0])
				if !ok {
					return false
				}
				c.params = make(map[string]json.RawMessage, len(ps))
				c.inputs, c.hasInputs = nil, false
				for _, p := range ps {
					if string(p.key) == "inputs" {
						c.inputs, c.hasInputs = p.val, true
						continue
					}
					c.params[in.bytes(p.key)] = p.val
				}
			case strings.EqualFold(k, "operator"), strings.EqualFold(k, "parameters"):
				return false
			}
		}
	}
	*dst = out
	return true
}

// member is a member of a JSON object: its key (the bytes between the
// quotes, decoded when they hold an escape) and its raw value.
type member struct {
	key []byte
	val json.RawMessage
}

// jsonMembers appends the members of a valid JSON value to dst when it is
// an object, in order (a repeated key is there twice: getMember takes
// the last, as encoding/json keeps it); ok is false otherwise.
func jsonMembers(raw []byte, dst []member) (_ []member, ok bool) {
	i := jsonSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return dst, false
	}
	i = jsonSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return dst, true
	}
	for i < len(raw) {
		ks := jsonSpace(raw, i)
		ke := jsonStringEnd(raw, ks)
		if ke-ks < 2 || raw[ks] != '"' || raw[ke-1] != '"' {
			return dst, false
		}
		key := raw[ks+1 : ke-1]
		if !plainJSON(key) {
			s, ok := jsonString(raw[ks:ke])
			if !ok {
				return dst, false
			}
			key = []byte(s)
		}
		i = jsonSpace(raw, ke)
		if i >= len(raw) || raw[i] != ':' {
			return dst, false
		}
		vs := jsonSpace(raw, i+1)
		ve := jsonSkip(raw, vs)
		dst = append(dst, member{key: key, val: json.RawMessage(raw[vs:ve:ve])})
		i = jsonSpace(raw, ve)
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

// getMember returns the value of key in ms, the last one when it is
// repeated.
func getMember(ms []member, key string) (json.RawMessage, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if string(ms[i].key) == key {
			return ms[i].val, true
		}
	}
	return nil, false
}

// mapMembers lists the members of a decoded object.
func mapMembers(m map[string]json.RawMessage) []member {
	out := make([]member, 0, len(m))
	for k, v := range m {
		out = append(out, member{key: []byte(k), val: v})
	}
	return out
}

// jsonElems appends the elements of a valid JSON value to dst when it is
// an array; ok is false otherwise.
func jsonElems(raw []byte, dst []json.RawMessage) (_ []json.RawMessage, ok bool) {
	i := jsonSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return dst, false
	}
	i = jsonSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return dst, true
	}
	for i < len(raw) {
		vs := jsonSpace(raw, i)
		ve := jsonSkip(raw, vs)
		dst = append(dst, json.RawMessage(raw[vs:ve:ve]))
		i = jsonSpace(raw, ve)
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

// interner hands out one copy of each distinct string: addresses,
// transformer and operator names, tags and parameter names repeat across
// a ruleset's rules.
type interner map[string]string

// bytes returns b as a string, interned (the lookup does not allocate).
func (in interner) bytes(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// str is jsonString with plain strings interned.
func (in interner) str(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if body := raw[1 : len(raw)-1]; plainJSON(body) {
		return in.bytes(body), true
	}
	return jsonString(raw)
}

// plainJSON reports whether the body of a JSON string is its value: no
// escape, no control or non-ASCII byte.
func plainJSON(body []byte) bool {
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf || c < 0x20 {
			return false
		}
	}
	return true
}

// strs is jsonStrings with the plain strings interned.
func (in interner) strs(raw []byte) ([]string, bool) {
	if i := jsonSpace(raw, 0); i < len(raw) && raw[i] == 'n' {
		return nil, true // null, as encoding/json leaves the slice nil
	}
	var buf [16]json.RawMessage
	elems, ok := jsonElems(raw, buf[:0])
	if !ok {
		return nil, false
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if out[i], ok = in.str(e); !ok {
			return nil, false
		}
	}
	return out, true
}

// decodeString is decodeString with plain strings interned.
func (in interner) decodeString(raw json.RawMessage, dst *string) error {
	if s, ok := in.str(raw); ok {
		*dst = s
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// decodeStrings is decodeStrings with plain strings interned.
func (in interner) decodeStrings(raw json.RawMessage, dst *[]string) error {
	if ss, ok := in.strs(raw); ok {
		*dst = ss
		return nil
	}
	return json.Unmarshal(raw, dst)
}
