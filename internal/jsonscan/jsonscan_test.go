package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"
)

// stringRows are the String cases: the input (a string at offset 0), the
// value, the index returned and the error.
var stringRows = []struct {
	name string
	in   string
	want string
	end  int
	err  Error
}{
	{"empty", `""`, "", 2, OK},
	{"plain", `"abc" tail`, "abc", 5, OK},
	{"utf8", `"héllo"`, "héllo", 8, OK},
	{"escapes", `"a\"b\\c\/d\be\ff\ng\rh\ti"`, "a\"b\\c/d\be\ff\ng\rh\ti", 27, OK},
	{"unicode", `"\u00e9\u4e2D"`, "é中", 14, OK},
	{"pair", `"\ud83d\ude00"`, "😀", 14, OK},
	{"lone high", `"\ud83dx"`, "\uFFFDx", 9, OK},
	{"lone low", `"\ude00"`, "\uFFFD", 8, OK},
	{"high then high", `"\ud83d\ud83d\ude00"`, "\uFFFD😀", 20, OK},
	{"high then escape", `"\ud83d\n"`, "\uFFFD\n", 10, OK},
	{"nul escape", `"\u0000"`, "\x00", 8, OK},
	{"invalid utf8 kept", "\"\xff\"", "\xff", 3, OK},
	{"cut plain", `"abc`, "abc", 4, ErrEnd},
	{"cut after escape", `"ab\ncd`, "ab\ncd", 7, ErrEnd},
	{"cut at backslash", `"ab\`, "ab", 4, ErrEnd},
	{"cut in unicode", `"a\u00`, "a", 6, ErrEnd},
	{"cut in second half", `"a\ud83d\ude`, "a", 12, ErrEnd},
	{"control", "\"a\tb\"", "", 2, ErrControl},
	{"control after escape", "\"\\n\x01\"", "\n", 3, ErrControl},
	{"bad escape", `"a\x41"`, "a", 3, ErrEscape},
	{"bad unicode", `"\u12g4"`, "", 3, ErrUnicode},
	{"bad short unicode", `"\u1g`, "", 4, ErrUnicode},
	{"bad second unicode", `"\ud83d\uzzzz"`, "", 9, ErrUnicode},
}

func TestString(t *testing.T) {
	for _, tt := range stringRows {
		t.Run(tt.name, func(t *testing.T) {
			v, end, err := String(tt.in, 0, true)
			if v != tt.want || end != tt.end || err != tt.err {
				t.Errorf("String(%q) = %q, %d, %v; want %q, %d, %v", tt.in, v, end, err, tt.want, tt.end, tt.err)
			}
			bv, bend, berr := String([]byte(tt.in), 0, true)
			if bv != v || bend != end || berr != err {
				t.Errorf("String([]byte(%q)) = %q, %d, %v; the string form gives %q, %d, %v", tt.in, bv, bend, berr, v, end, err)
			}
			if _, nend, nerr := String(tt.in, 0, false); nend != end || nerr != err {
				t.Errorf("String(%q) without decoding ends at %d, %v; with at %d, %v", tt.in, nend, nerr, end, err)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	for e := ErrEnd; e <= ErrUnicode; e++ {
		if e.Error() == "" || e.Error() == OK.Error() {
			t.Errorf("error %d has no message", e)
		}
	}
}

func TestSplit(t *testing.T) {
	doc := []byte(` { "a" : [1, "x\"]", {"b":null}] , "c\u0041":"\n", "a": -1.5e3 } `)
	ms, ok := Members(doc, nil)
	if !ok || len(ms) != 3 {
		t.Fatalf("Members = %d members, %v", len(ms), ok)
	}
	for i, want := range [][2]string{{"a", `[1, "x\"]", {"b":null}]`}, {`c\u0041`, `"\n"`}, {"a", "-1.5e3"}} {
		if string(ms[i].Key) != want[0] || string(ms[i].Value) != want[1] {
			t.Errorf("member %d = %q: %q, want %q: %q", i, ms[i].Key, ms[i].Value, want[0], want[1])
		}
	}
	es, ok := Elements(ms[0].Value, nil)
	if !ok || len(es) != 3 || string(es[1]) != `"x\"]"` || string(es[2]) != `{"b":null}` {
		t.Errorf("Elements(%s) = %q, %v", ms[0].Value, es, ok)
	}
	if _, ok := Elements(doc, nil); ok {
		t.Error("Elements split an object")
	}
	if _, ok := Members(ms[0].Value, nil); ok {
		t.Error("Members split an array")
	}
	if !Plain([]byte("abc def")) || Plain([]byte(`a\n`)) || Plain([]byte("é")) || Plain([]byte("a\tb")) {
		t.Error("Plain is wrong")
	}
}

// checkValid compares the scanner with encoding/json on one input.
func checkValid(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	if Valid(b) != valid {
		t.Fatalf("Valid(%q) = %v; encoding/json says %v", b, !valid, valid)
	}
	start := Space(b, 0)
	if valid {
		if end := Space(b, Skip(b, 0)); end != len(b) {
			t.Fatalf("Skip(%q) stops at %d of %d", b, end, len(b))
		}
		checkSplit(t, b)
	}
	if start >= len(b) || b[start] != '"' {
		return
	}
	v, end, err := String(b, start, true)
	switch {
	case err != OK:
		if valid {
			t.Fatalf("String(%q) = %v at %d; encoding/json finds it valid", b, err, end)
		}
		if end < start || end > len(b) {
			t.Fatalf("String(%q) fails at %d, out of range", b, end)
		}
	case !json.Valid(b[start:end]):
		t.Fatalf("String(%q) read %q, which encoding/json finds invalid", b, b[start:end])
	case valid != (Space(b, end) == len(b)):
		t.Fatalf("String(%q) ends at %d; valid = %v", b, end, valid)
	case end != StringEnd(b, start):
		t.Fatalf("String(%q) ends at %d, StringEnd at %d", b, end, StringEnd(b, start))
	case utf8.Valid(b[start:end]):
		var want string
		if err := json.Unmarshal(b[start:end], &want); err != nil || v != want {
			t.Fatalf("String(%q) = %q; encoding/json decodes %q (%v)", b, v, want, err)
		}
	}
	if _, nend, nerr := String(b, start, false); nend != end || nerr != err {
		t.Fatalf("String(%q) without decoding ends at %d, %v; with at %d, %v", b, nend, nerr, end, err)
	}
	if sv, send, serr := String(string(b), start, true); sv != v || send != end || serr != err {
		t.Fatalf("String(string(%q)) = %q, %d, %v; the []byte form gives %q, %d, %v", b, sv, send, serr, v, end, err)
	}
}

// checkSplit compares Members and Elements with encoding/json on a valid
// document, down through its values.
func checkSplit(t *testing.T, raw []byte) {
	t.Helper()
	if ms, ok := Members(raw, nil); ok {
		var want map[string]json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("Members split %q: %v", raw, err)
		}
		got := map[string]json.RawMessage{}
		for _, m := range ms {
			quoted := append(append([]byte{'"'}, m.Key...), '"')
			var key string
			if err := json.Unmarshal(quoted, &key); err != nil {
				t.Fatalf("Members(%q): key %q: %v", raw, m.Key, err)
			}
			got[key] = m.Value
		}
		for k, v := range want {
			if !bytes.Equal(got[k], bytes.TrimSpace(v)) {
				t.Fatalf("Members(%q)[%q] = %q, want %q", raw, k, got[k], v)
			}
			checkSplit(t, v)
		}
		if len(got) != len(want) {
			t.Fatalf("Members(%q): %d keys, want %d", raw, len(got), len(want))
		}
	} else if i := Space(raw, 0); raw[i] == '{' {
		t.Fatalf("Members refused the object %q", raw)
	}
	if es, ok := Elements(raw, nil); ok {
		var want []json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("Elements split %q: %v", raw, err)
		}
		if len(es) != len(want) {
			t.Fatalf("Elements(%q): %d, want %d", raw, len(es), len(want))
		}
		for i := range want {
			if !bytes.Equal(es[i], bytes.TrimSpace(want[i])) {
				t.Fatalf("Elements(%q)[%d] = %q, want %q", raw, i, es[i], want[i])
			}
			checkSplit(t, want[i])
		}
	} else if i := Space(raw, 0); raw[i] == '[' {
		t.Fatalf("Elements refused the array %q", raw)
	}
}

// validRows are documents for the comparison with encoding/json, valid
// or not.
var validRows = []string{
	`{}`, `[]`, ` [ "a" , "b\u00e9" ] `, `{"a":1,"a":2}`, `"x\"y"`, `null`, `[null]`, `true`, `-0.5e+7`,
	`{"a":[1,"x",{"b":null}],"c":"\n"}`, `[{"operator":"match_regex","parameters":{"regex":"a\\b"}}]`,
	`{"k\\":"\\\"","":[[],{}]}`, `[1,]`, `{"a"}`, `"abc`, `"\ud800\udc00"`, "\"\xc3\x28\"", "[\"\t\"]",
	// the validator's edges: empty containers, separators, literals cut
	// short, numbers, keys and escapes
	``, ` `, `[`, `]`, `{`, `[[[]]]`, `[[],[]]`, `[{}, {}]`, `{"a":{}}`, `{"a":[]}`, `{"a":1,}`, `{,}`, `[,1]`,
	`{"a" "b"}`, `{"a":}`, `{1:2}`, `[1 2]`, `[1,,2]`, `tru`, `nul`, `falsey`, `[true,false,null]`,
	`01`, `-`, `1.`, `1.e5`, `1e`, `1e+`, `-01`, `[-0]`, `"\u12"`, `"\u12g4"`, `"\x"`, `"\`, `"a\"`,
	`{"a":"b"}}`, `[]]`, `{}x`, `"\/\b\f\n\r\t"`, "\"\x7f\xff\"", "\"\x1f\"",
}

func TestValidAgainstEncodingJSON(t *testing.T) {
	for _, r := range stringRows {
		checkValid(t, []byte(r.in))
	}
	for _, s := range validRows {
		checkValid(t, []byte(s))
	}
}

// FuzzScan: on any input, String agrees with encoding/json on validity and
// value, and on valid documents Skip, Members and Elements agree with it.
func FuzzScan(f *testing.F) {
	for _, r := range stringRows {
		f.Add([]byte(r.in))
	}
	for _, s := range validRows {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkValid(t, b)
	})
}

func TestMembersKeepsSlicesApart(t *testing.T) {
	// appending to a value must not write over the document
	doc := []byte(`{"a":"x","b":"y"}`)
	ms, _ := Members(doc, nil)
	_ = append(ms[0].Value, '!')
	_ = append(ms[0].Key, '!')
	if !reflect.DeepEqual(doc, []byte(`{"a":"x","b":"y"}`)) {
		t.Fatalf("append through a member changed the document: %s", doc)
	}
}

// TestNumber: the JSON number grammar, where each error is found.
func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		in  string
		end int
		err Error
	}{
		{"0", 1, OK}, {"-0,", 2, OK}, {"12.5e+3]", 7, OK}, {"1E9", 3, OK}, {"01", 1, OK},
		{"-", 1, ErrNumberEnd}, {"", 0, ErrNumberEnd}, {"+1", 0, ErrNumber}, {"-x", 1, ErrNumber},
		{"1.", 2, ErrFraction}, {"1.e5", 2, ErrFraction}, {"1e", 2, ErrExponent}, {"1e+", 3, ErrExponent}, {"2E-x", 3, ErrExponent},
	} {
		end, err := Number(tc.in, 0)
		if end != tc.end || err != tc.err {
			t.Errorf("Number(%q) = %d, %v; want %d, %v", tc.in, end, err, tc.end, tc.err)
		}
		if bend, berr := Number([]byte(tc.in), 0); bend != end || berr != err {
			t.Errorf("Number([]byte(%q)) = %d, %v; the string gives %d, %v", tc.in, bend, berr, end, err)
		}
	}
}

// BenchmarkValid compares Valid with encoding/json's on the default
// ruleset's document.
func BenchmarkValid(b *testing.B) {
	doc, err := os.ReadFile("../../waf/rules/default.json")
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(doc)))
	b.Run("jsonscan", func(b *testing.B) {
		for b.Loop() {
			if !Valid(doc) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if !json.Valid(doc) {
				b.Fatal("invalid")
			}
		}
	})
}
