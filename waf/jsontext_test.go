package waf

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// refJSONText is parseJSONText as encoding/json reads it: the reference
// the hand-written parser is checked against.
func refJSONText(s string) (Value, bool) {
	t := strings.Trim(s, " \t\r\n")
	if len(t) < 2 || !(t[0] == '{' && t[len(t)-1] == '}' || t[0] == '[' && t[len(t)-1] == ']') {
		return Value{}, false
	}
	d := json.NewDecoder(bytes.NewReader([]byte(t)))
	d.UseNumber()
	v, err := refJSONValue(d, 0)
	if err != nil {
		return Value{}, false
	}
	if _, err := d.Token(); err != io.EOF {
		return Value{}, false
	}
	return v, true
}

func refJSONValue(d *json.Decoder, depth int) (Value, error) {
	t, err := d.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := t.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return Value{}, io.ErrUnexpectedEOF
		}
		var fs []Field
		obj := t == '{'
		for d.More() {
			var f Field
			if obj {
				k, err := d.Token()
				if err != nil {
					return Value{}, err
				}
				f.Key, _ = k.(string)
			}
			if f.Value, err = refJSONValue(d, depth+1); err != nil {
				return Value{}, err
			}
			fs = append(fs, f)
		}
		if _, err := d.Token(); err != nil {
			return Value{}, err
		}
		if obj {
			return Map(fs), nil
		}
		return List(fs), nil
	case string:
		return String(t), nil
	case json.Number:
		return Number(string(t)), nil
	case bool:
		return Bool(t), nil
	}
	return Null(), nil
}

// sameValue reports whether two values have the same kind, scalars, keys
// and elements in the same order.
func sameValue(a, b Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case KindMap, KindList:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			fa, fb := a.Index(i), b.Index(i)
			if fa.Key != fb.Key || !sameValue(fa.Value, fb.Value) {
				return false
			}
		}
		return true
	}
	return a.Str() == b.Str() && a.BoolValue() == b.BoolValue()
}

var jsonTextSeeds = []string{
	`{"sub":"user-1","iat":1732420814,"scope":"read write"}`,
	`{"alg":"RS256","typ":"JWT","kid":"k1"}`,
	` [1, -0, 0.5e+3, 1E9, -12.25, true, false, null, "x"] `,
	`{"a":{"b":[{"c":"\u003cscript\u003e"}]},"k\"ey":"v\\n\ud83d\ude00"}`,
	`{}`, `[]`, `[[]]`, `{"a":[]}`, `{"":""}`,
	`{"a":1,}`, `[1,]`, `[01]`, `[1.]`, `[.5]`, `[1e]`, `[-]`, `[+1]`, `{"a" 1}`, `{a:1}`,
	`["\x01"]`, `["a`, `{"a":tru}`, `[nul]`, `[true false]`, `{"a":1}}`, `[1]]`, `[1] [2]`,
	`{"a":"\ud800"}`, `["\u12"]`, `["\q"]`, `[1, 2` + "\t" + `]`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	`{"nested":"{\"inner\":\"1' or '1'='1\"}"}`,
}

// TestJSONText: the parser of decoded JSON text agrees with encoding/json
// on what is JSON and on what it holds.
func TestJSONText(t *testing.T) {
	for _, s := range jsonTextSeeds {
		got, ok := parseJSONText(s)
		want, wok := refJSONText(s)
		if ok != wok || ok && !sameValue(got, want) {
			t.Errorf("%q: got %v %v, want %v %v", s, ok, got, wok, want)
		}
	}
}

// FuzzJSONText compares the parser with encoding/json on valid UTF-8
// (encoding/json replaces invalid UTF-8 in strings; the parser keeps it).
func FuzzJSONText(f *testing.F) {
	for _, s := range jsonTextSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseJSONText(s)
		if !utf8.ValidString(s) {
			return
		}
		want, wok := refJSONText(s)
		if ok != wok || ok && !sameValue(got, want) {
			t.Fatalf("%q: got %v %v, want %v %v", s, ok, got, wok, want)
		}
	})
}
