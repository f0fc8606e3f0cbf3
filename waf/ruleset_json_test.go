package waf

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf/rules"
)

// checkJSONFast compares the fast splitters with encoding/json on one
// valid JSON value.
func checkJSONFast(t *testing.T, raw []byte) {
	t.Helper()
	if m, ok := jsonObject(raw); ok {
		var want map[string]json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("jsonObject accepted %q: %v", raw, err)
		}
		if len(m) != len(want) {
			t.Fatalf("jsonObject(%q): %d members, want %d", raw, len(m), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(bytes.TrimSpace(m[k]), bytes.TrimSpace(v)) {
				t.Fatalf("jsonObject(%q)[%q] = %q, want %q", raw, k, m[k], v)
			}
			checkJSONFast(t, v)
		}
	}
	if a, ok := jsonArray(raw); ok {
		var want []json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("jsonArray accepted %q: %v", raw, err)
		}
		if len(a) != len(want) {
			t.Fatalf("jsonArray(%q): %d elements, want %d", raw, len(a), len(want))
		}
		for i := range want {
			if !bytes.Equal(a[i], bytes.TrimSpace(want[i])) {
				t.Fatalf("jsonArray(%q)[%d] = %q, want %q", raw, i, a[i], want[i])
			}
			checkJSONFast(t, want[i])
		}
	}
	if s, ok := jsonString(bytes.TrimSpace(raw)); ok {
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || s != want {
			t.Fatalf("jsonString(%q) = %q, want %q (%v)", raw, s, want, err)
		}
	}
	var got, want []string
	gerr, werr := decodeStrings(raw, &got), json.Unmarshal(raw, &want)
	if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeStrings(%q) = %q, %v; want %q, %v", raw, got, gerr, want, werr)
	}
	if ms, ok := jsonMembers(raw, nil); ok {
		var want map[string]json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("jsonMembers accepted %q: %v", raw, err)
		}
		seen := map[string]bool{}
		for _, m := range ms {
			seen[string(m.Key)] = true
		}
		if len(seen) != len(want) {
			t.Fatalf("jsonMembers(%q): %d keys, want %d", raw, len(seen), len(want))
		}
		for k, v := range want {
			if got, _ := getMember(ms, k); !bytes.Equal(got, bytes.TrimSpace(v)) {
				t.Fatalf("jsonMembers(%q)[%q] = %q, want %q", raw, k, got, v)
			}
		}
	}
	if es, ok := jsonElems(raw, nil); ok {
		var want []json.RawMessage
		if err := json.Unmarshal(raw, &want); err != nil || len(es) != len(want) {
			t.Fatalf("jsonElems(%q): %d elements, want %d (%v)", raw, len(es), len(want), err)
		}
	}
	in := interner{}
	if s, ok := in.str(bytes.TrimSpace(raw)); ok {
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || s != want {
			t.Fatalf("interner.str(%q) = %q, want %q (%v)", raw, s, want, err)
		}
	}
	got, want = nil, nil
	gerr, werr = in.decodeStrings(raw, &got), json.Unmarshal(raw, &want)
	if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("interner.decodeStrings(%q) = %q, %v; want %q, %v", raw, got, gerr, want, werr)
	}
	var conds, wantConds []rawCondition
	if fastConditions(in, raw, &conds) {
		if err := json.Unmarshal(raw, &wantConds); err != nil {
			t.Fatalf("fastConditions accepted %q: %v", raw, err)
		}
		if len(conds) != len(wantConds) {
			t.Fatalf("fastConditions(%q): %d, want %d", raw, len(conds), len(wantConds))
		}
		for i := range conds {
			c, w := conds[i], wantConds[i]
			n := len(c.params)
			if c.hasInputs {
				n++
			}
			if !c.split || c.Operator != w.Operator || (c.params == nil) != (w.Parameters == nil) || n != len(w.Parameters) || !bytes.Equal(c.inputs, bytes.TrimSpace(w.Parameters["inputs"])) {
				t.Fatalf("fastConditions(%q)[%d] = %+v, want %+v", raw, i, conds[i], wantConds[i])
			}
		}
	}
}

func TestJSONFastOnRulesets(t *testing.T) {
	checkJSONFast(t, rules.Default())
	t.Run("datadog", func(t *testing.T) { checkJSONFast(t, corpus.Data(t, corpus.DatadogRuleset)) })
	for _, s := range []string{`{}`, `[]`, ` [ "a" , "b\u00e9" ] `, `{"a":1,"a":2}`, `"x\"y"`, `null`, `[null]`, `{"Operator":"x"}`, `[{"operator":"m","OPERATOR":"n"}]`, `[{"operator":"m","parameters":{"inputs":[]}}]`, "\"\xc3\x28\""} {
		if !json.Valid([]byte(s)) {
			continue
		}
		checkJSONFast(t, []byte(s))
	}
}

// FuzzJSONFast: on valid JSON, the fast splitters give what encoding/json
// gives.
func FuzzJSONFast(f *testing.F) {
	f.Add(`{"a":[1,"x",{"b":null}],"c":"\n"}`)
	f.Add(`[{"operator":"match_regex","parameters":{"regex":"a\\b"}}]`)
	f.Add(`["on","off"]`)
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		checkJSONFast(t, []byte(s))
	})
}

// TestParseLargeInvalid: a large document that is not valid JSON (parsed
// while it is validated) is refused as invalid JSON, whatever is broken.
func TestParseLargeInvalid(t *testing.T) {
	src := rules.Default()
	if len(src) < parallelValidation {
		t.Fatalf("the default ruleset (%d bytes) is below the parallel threshold", len(src))
	}
	cuts := []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)/2] },
		func(b []byte) []byte { return b[:len(b)-1] },
		func(b []byte) []byte { return append(b, '}') },
		func(b []byte) []byte { return bytes.Replace(b, []byte(`"rules": [`), []byte(`"rules": [[`), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(`"conditions"`), []byte(`"conditions`), 1) },
		func(b []byte) []byte { return bytes.Replace(b, []byte(`"id"`), []byte(`"id\`), 3) },
		func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`}`), []byte(`]`)) },
	}
	for i, cut := range cuts {
		b := cut(append([]byte(nil), src...))
		_, _, err := ParseRuleset(b)
		var re *RulesetError
		if !errors.As(err, &re) || len(re.Problems) != 1 || !strings.HasPrefix(re.Problems[0].Msg, "not a JSON object") {
			t.Errorf("cut %d: %v", i, err)
		}
	}
}

// BenchmarkParseRuleset measures ParseRuleset alone (no compilation) on the
// default ruleset and on Datadog's: the JSON half of the cold start.
func BenchmarkParseRuleset(b *testing.B) {
	run := func(b *testing.B, src []byte) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := ParseRuleset(src); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("default", func(b *testing.B) { run(b, rules.Default()) })
	b.Run("datadog", func(b *testing.B) { run(b, corpus.Data(b, corpus.DatadogRuleset)) })
}
