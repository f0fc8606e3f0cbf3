package regex

import (
	"bytes"
	"testing"
)

// TestByteFilterSound runs every expression of the default and Datadog's
// rulesets, and every branch the engine splits them into, over corpus
// payloads (as they are and lower-cased): a value an expression matches
// always passes its filter, and the filters reject values.
func TestByteFilterSound(t *testing.T) {
	var ops []*Expr
	for _, e := range append(defaultExprs(t), datadogExprs(t)...) {
		ops = append(ops, parsed(t, e))
	}
	for _, op := range ops[:len(ops):len(ops)] {
		bs := op.Branches()
		for i := range bs {
			ops = append(ops, &bs[i])
		}
	}
	vals := corpusValues(t, "sqli", "xss", "rce", "lfi", "ssrf", "ssti", "jndi", "nosqli", "protocol", "benign")
	stride := 8
	if testing.Short() {
		stride = 25
	}
	var inputs [][]byte
	for i := 0; i < len(vals); i += stride {
		inputs = append(inputs, vals[i], bytes.ToLower(vals[i]))
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
			if _, _, ok := op.Find(in); ok {
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
