// Package operator holds the rule operators (match_regex, phrase_match,
// ip_match, is_sqli, ...), one file each, registered by their ruleset names.
//
// A factory validates and compiles an operator's parameters once, when a
// ruleset is loaded; Eval then runs once per value per request and must not
// allocate unless it matches.
package operator

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/jsonscan"
)

// Operator decides whether one scalar value matches.
type Operator interface {
	// Eval reports whether v matches. On a match it returns the highlight:
	// the part of v that matched (or the list entry, the CIDR, ...).
	// v is only valid during the call.
	Eval(v Value) (highlight string, ok bool)
}

// Decider is implemented by operators that can tell whether v matches at
// less cost than Eval, without the highlight (a regular expression's
// automaton answers before the match's position is known). The engine
// calls Eval for the highlight only when the match is reported.
type Decider interface {
	Matches(v Value) bool
}

// Kind is the type of a scalar value handed to an operator.
type Kind uint8

// The kinds of scalar values.
const (
	String Kind = iota
	Number      // Bytes holds the number's text, Num its value
	Bool        // Bool holds the value
	Null
	// Key marks a map key handed to the operator (keys_only inputs); Bytes holds the key.
	Key
)

// Value is one scalar seen by an operator.
type Value struct {
	Kind  Kind
	Bytes []byte
	Num   float64
	Bool  bool
}

// Prefiltered is implemented by operators that can only match a value
// containing at least one of a set of literals (compared case-insensitively,
// as lowercase ASCII). The engine scans each value once for the literals of
// every operator and skips Eval when none of an operator's literals occurs.
type Prefiltered interface {
	// RequiredLiterals returns the lowercase literals, one of which must occur
	// in any matching value, or nil when no such set is known.
	RequiredLiterals() []string
}

// ByteFiltered is implemented by operators that can only match a value
// containing at least one byte of each of a few sets; the engine checks them against
// the bytes of each value before calling Eval. It complements Prefiltered
// for expressions that require punctuation rather than words.
type ByteFiltered interface {
	// RequiredBytes returns the filter, or nil when there is none.
	RequiredBytes() *ByteFilter
}

// Decomposable is implemented by operators that can be split into
// alternatives: the operator matches a value exactly when one of its
// branches does. The engine evaluates the branches as separate targets of
// the same condition, each behind its own prefilter.
type Decomposable interface {
	// Branches returns the alternatives, or nil when there are none.
	Branches() []Operator
}

// Costly is implemented by operators whose preparation (the split into
// branches, the prefilters' analysis) costs in proportion to Cost: an
// engine hands the costliest out first when it prepares operators on
// several CPUs.
type Costly interface {
	Cost() int
}

// Existence is implemented by the exists operator: it matches the presence
// of the address (and key path) rather than a value, and the engine calls
// Eval with a Null value once when the target is present.
type Existence interface {
	Operator
	existence()
}

// Params are a condition's parameters, without its inputs.
type Params struct {
	// Raw holds every parameter other than "inputs" as raw JSON
	// ("regex", "options", "list", "value", "type", "data", ...).
	Raw map[string]json.RawMessage
	// Data returns the rules_data set named id, creating it when the
	// ruleset declares no entries yet. kind is the data type the operator
	// expects ("ip_with_expiration" or "data_with_expiration").
	Data func(id, kind string) *Data
}

// Has reports whether parameter name is present.
func (p Params) Has(name string) bool { _, ok := p.Raw[name]; return ok }

// Decode unmarshals parameter name into v; it is an error when it is missing.
func (p Params) Decode(name string, v any) error {
	raw, ok := p.Raw[name]
	if !ok {
		return fmt.Errorf("missing parameter %q", name)
	}
	switch dst := v.(type) {
	case *string:
		if s, ok := plainString(raw); ok {
			*dst = s
			return nil
		}
	case *[]string:
		if ss, ok := plainStrings(raw); ok {
			*dst = ss
			return nil
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("parameter %q: %v", name, err)
	}
	return nil
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return jsonscan.IsSpace(c) }

// plainStringAt decodes the JSON string at b[i:] when it is valid and
// decodes as with encoding/json (valid UTF-8): its value and the index
// after it.
func plainStringAt(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	s, end, err := jsonscan.String(b, i, true)
	if err != jsonscan.OK || !utf8.ValidString(s) {
		return "", 0, false // encoding/json decides
	}
	return s, end, true
}

// plainString is json.Unmarshal into a string for a plain JSON string;
// ok is false for anything else, which encoding/json then decodes.
func plainString(raw []byte) (string, bool) {
	i := 0
	for i < len(raw) && isSpace(raw[i]) {
		i++
	}
	s, j, ok := plainStringAt(raw, i)
	if !ok {
		return "", false
	}
	for j < len(raw) && isSpace(raw[j]) {
		j++
	}
	return s, j == len(raw)
}

// plainStrings is json.Unmarshal into a []string for an array of plain
// JSON strings; ok is false for anything else.
func plainStrings(raw []byte) ([]string, bool) {
	i := 0
	skip := func() {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
	}
	skip()
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	i++
	skip()
	out := []string{}
	if i < len(raw) && raw[i] == ']' {
		i++
	} else {
		for {
			s, j, ok := plainStringAt(raw, i)
			if !ok {
				return nil, false
			}
			out = append(out, s)
			i = j
			skip()
			if i >= len(raw) {
				return nil, false
			}
			if raw[i] == ']' {
				i++
				break
			}
			if raw[i] != ',' {
				return nil, false
			}
			i++
			skip()
		}
	}
	skip()
	return out, i == len(raw)
}

// Factory compiles an operator from its parameters.
type Factory func(p Params) (Operator, error)

var factories = map[string]Factory{}

// register adds an operator factory. It panics on an empty or duplicate
// name; it is only called from init functions.
func register(name string, f Factory) {
	if name == "" || f == nil {
		panic("operator: register with empty name or nil factory")
	}
	if _, dup := factories[name]; dup {
		panic(fmt.Sprintf("operator: %q registered twice", name))
	}
	factories[name] = f
}

// Lookup returns the factory registered under name. Versioned names such as
// "lfi_detector@v2" are looked up as written first, then without the version.
func Lookup(name string) (Factory, bool) {
	if f, ok := factories[name]; ok {
		return f, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '@' {
			f, ok := factories[name[:i]]
			return f, ok
		}
	}
	return nil, false
}

// Names returns the names of all registered operators, sorted.
func Names() []string {
	out := make([]string, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
