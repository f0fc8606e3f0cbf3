package operator

import (
	"bytes"
	"encoding/json"
	"testing"
)

// jsonString is s as a JSON string.
func jsonString(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestByteFilterSound runs every expression of the default and Datadog's
// rulesets, and every branch the engine splits them into, over corpus
// payloads (as they are and lower-cased): a value an expression matches
// always passes its filter, and the filters reject values.
func TestByteFilterSound(t *testing.T) {
	var ops []*matchRegex
	for _, e := range defaultExprs(t) {
		op, err := newMatchRegex(Params{Raw: map[string]json.RawMessage{"regex": jsonString(e), "options": json.RawMessage(`{"case_sensitive":true}`)}})
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op.(*matchRegex))
	}
	ops = append(ops, rulesetRegexOps(t)...)
	for _, op := range ops[:len(ops):len(ops)] {
		for _, b := range op.Branches() {
			ops = append(ops, b.(*matchRegex))
		}
	}
	vals := corpusValues(t, "sqli", "xss", "rce", "lfi", "ssrf", "ssti", "jndi", "nosqli", "protocol", "benign")
	stride := 8
	if testing.Short() {
		stride = 25
	}
	var inputs [][]byte
	for i := 0; i < len(vals); i += stride {
		inputs = append(inputs, vals[i].Bytes, bytes.ToLower(vals[i].Bytes))
	}
	rejected, matched := 0, 0
	for _, op := range ops {
		f := op.RequiredBytes()
		if f == nil {
			continue
		}
		for _, in := range inputs {
			var present ByteSet
			present.Fill(in)
			pass := f.Pass(&present)
			if _, ok := op.Eval(Value{Kind: String, Bytes: in}); ok {
				matched++
				if !pass {
					t.Fatalf("%s: filter rejects %q, which it matches", op.expr, in)
				}
			}
			if !pass {
				rejected++
			}
		}
	}
	t.Logf("%d expressions, %d matches, %d rejections", len(ops), matched, rejected)
	if matched == 0 || rejected == 0 {
		t.Fatal("the filters were not exercised")
	}
}
