package waf

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/jsonscan"
)

// Fast paths of the ruleset parser. ParseRuleset checks once that the
// whole document is valid JSON (jsonscan.Valid); the ruleset's objects and
// arrays are then split into their members by jsonscan's non-validating
// scan, strings without escapes or non-ASCII bytes are read in place, and
// strings with escapes are decoded by jsonscan.String.
// Everything else goes through encoding/json as before, so the values and
// the errors are the same; only the repeated validation and reflection of
// decoding every level again is saved.

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
		m[string(x.Key)] = x.Value // in order: the last of a repeated key stays
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
	if body := raw[1 : len(raw)-1]; jsonscan.Plain(body) {
		return string(body), true
	}
	// jsonscan.String decodes as encoding/json does, but for invalid
	// UTF-8, which encoding/json replaces with U+FFFD.
	if s, end, err := jsonscan.String(raw, 0, true); err == jsonscan.OK && end == len(raw) && utf8.ValidString(s) {
		return s, true
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
	if i := jsonscan.Space(raw, 0); i < len(raw) && raw[i] == 'n' {
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
			switch k := string(m.Key); {
			case k == "operator":
				if c.Operator, ok = in.str(m.Value); !ok {
					return false
				}
			case k == "parameters":
				ps, ok := jsonMembers(m.Value, pbuf[:0])
				if !ok {
					return false
				}
				c.params = make(map[string]json.RawMessage, len(ps))
				c.inputs, c.hasInputs = nil, false
				for _, p := range ps {
					if string(p.Key) == "inputs" {
						c.inputs, c.hasInputs = p.Value, true
						continue
					}
					c.params[in.bytes(p.Key)] = p.Value
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
type member = jsonscan.Member

// jsonMembers appends the members of a valid JSON value to dst when it is
// an object, in order (a repeated key is there twice: getMember takes
// the last, as encoding/json keeps it), with their keys decoded; ok is
// false otherwise.
func jsonMembers(raw []byte, dst []member) (_ []member, ok bool) {
	n := len(dst)
	if dst, ok = jsonscan.Members(raw, dst); !ok {
		return dst, false
	}
	for i := n; i < len(dst); i++ {
		if k := dst[i].Key; !jsonscan.Plain(k) {
			q := make([]byte, 0, len(k)+2)
			s, ok := jsonString(append(append(append(q, '"'), k...), '"'))
			if !ok {
				return dst, false
			}
			dst[i].Key = []byte(s)
		}
	}
	return dst, true
}

// getMember returns the value of key in ms, the last one when it is
// repeated.
func getMember(ms []member, key string) (json.RawMessage, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if string(ms[i].Key) == key {
			return ms[i].Value, true
		}
	}
	return nil, false
}

// mapMembers lists the members of a decoded object.
func mapMembers(m map[string]json.RawMessage) []member {
	out := make([]member, 0, len(m))
	for k, v := range m {
		out = append(out, member{Key: []byte(k), Value: v})
	}
	return out
}

// jsonElems appends the elements of a valid JSON value to dst when it is
// an array; ok is false otherwise.
func jsonElems(raw []byte, dst []json.RawMessage) ([]json.RawMessage, bool) {
	return jsonscan.Elements(raw, dst)
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
	if body := raw[1 : len(raw)-1]; jsonscan.Plain(body) {
		return in.bytes(body), true
	}
	return jsonString(raw)
}

// strs is jsonStrings with the plain strings interned.
func (in interner) strs(raw []byte) ([]string, bool) {
	if i := jsonscan.Space(raw, 0); i < len(raw) && raw[i] == 'n' {
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
