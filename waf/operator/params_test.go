package operator

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeFastPath: Decode's plain-string fast paths give what
// encoding/json gives, and leave everything else to it.
func TestDecodeFastPath(t *testing.T) {
	raws := []string{
		`"abc"`, ` "a b" `, `""`, `"a\"b"`, `"é"`, `"\u0041"`, `null`, `1`, `"abc`,
		`[]`, ` [ ] `, `["a"]`, `[ "a" , "b" ]`, `["a",]`, `["a" "b"]`, `["a\\b"]`,
		`[1]`, `["é"]`, `null`, `[`, `["a"] x`, "[\"a\",\n\t\"b\"]",
		`"a\\d+\/\n\t\"x"`, `["(?i)\\bunion\\b", "\\x00"]`, `"\q"`, `"\u00e9"`, "\"\xff\"", `"tab\` + "\t" + `"`,
	}
	for _, r := range raws {
		p := Params{Raw: map[string]json.RawMessage{"x": json.RawMessage(r)}}
		var s, ws string
		err, werr := p.Decode("x", &s), json.Unmarshal([]byte(r), &ws)
		if (err == nil) != (werr == nil) || s != ws {
			t.Errorf("%s as string: %q, %v; encoding/json: %q, %v", r, s, err, ws, werr)
		}
		var l, wl []string
		err, werr = p.Decode("x", &l), json.Unmarshal([]byte(r), &wl)
		if (err == nil) != (werr == nil) || !reflect.DeepEqual(l, wl) {
			t.Errorf("%s as list: %#v, %v; encoding/json: %#v, %v", r, l, err, wl, werr)
		}
	}
}

// TestRegexOptionsFastPath: the options fast path gives what
// encoding/json gives, or leaves the object to it.
func TestRegexOptionsFastPath(t *testing.T) {
	raws := []string{
		`{"case_sensitive": true}`, `{"case_sensitive":false}`, ` { } `, `{"min_length": 3}`,
		`{"min_length": 0, "case_sensitive": true}`, `{"min_length": 1.5}`, `{"min_length": 01}`,
		`{"min_length": -1}`, `{"Case_Sensitive": true}`, `{"case_sensitive": true,}`, `{"other": 1}`,
		`{"case_sensitive": true, "case_sensitive": false}`, `{"min_length": 99999999999}`, `null`,
		`{"case_sensitive": "yes"}`, `{"min_length": 12}`, `{"min_length": 2e1}`,
	}
	for _, r := range raws {
		var got, want regexOptions
		werr := json.Unmarshal([]byte(r), &want)
		if got.plain([]byte(r)) {
			if werr != nil || got != want {
				t.Errorf("%s: %+v; encoding/json: %+v, %v", r, got, want, werr)
			}
		} else if got != (regexOptions{}) {
			t.Errorf("%s: not plain, but changed to %+v", r, got)
		}
	}
}
