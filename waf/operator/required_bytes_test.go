package operator

import (
	"bytes"
	"testing"
)

// TestByteFilterSound runs every ruleset expression, and every branch the
// engine splits it into, over corpus payloads (as they are and
// lower-cased): a value the expression matches always passes its filter,
// and the filters reject values.
func TestByteFilterSound(t *testing.T) {
	var ops []*matchRegex
	for _, op := range rulesetRegexOps(t) {
		ops = append(ops, op)
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
