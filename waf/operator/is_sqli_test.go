package operator

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// The grammar's own tests (rows, corpus floors, fuzzing) are rasp/sqli's
// (detect_test.go); these check the operator around it.

func TestIsSQLiVectorFile(t *testing.T) {
	var vecs []struct {
		Name   string          `json:"name"`
		Params json.RawMessage `json:"params"`
		Value  string          `json:"value"`
		Match  bool            `json:"match"`
	}
	b, err := os.ReadFile("testdata/is_sqli.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vecs); err != nil {
		t.Fatal(err)
	}
	if len(vecs) < 20 {
		t.Fatalf("only %d vectors", len(vecs))
	}
	f, ok := Lookup("is_sqli")
	if !ok {
		t.Fatal("is_sqli not registered")
	}
	op, err := f(Params{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vecs {
		if _, ok := op.Eval(Value{Kind: String, Bytes: []byte(v.Value)}); ok != v.Match {
			t.Errorf("%s: is_sqli(%q) = %v, want %v", v.Name, v.Value, ok, v.Match)
		}
	}
}

func TestIsSQLiKinds(t *testing.T) {
	if _, ok := (isSQLi{}).Eval(Value{Kind: Number, Bytes: []byte("1"), Num: 1}); ok {
		t.Error("a number matched")
	}
	if _, ok := (isSQLi{}).Eval(Value{Kind: Key, Bytes: []byte("' or 1=1--")}); !ok {
		t.Error("a key holding an injection did not match")
	}
}

func TestIsSQLiNoAlloc(t *testing.T) {
	for _, s := range []string{"hello world, nothing to see", "O'Brien", "1 union select 1,2", "' or 1=1--"} {
		v := Value{Kind: String, Bytes: []byte(s)}
		op := isSQLi{}
		n := testing.AllocsPerRun(200, func() { op.Eval(v) })
		_, ok := op.Eval(v)
		if !ok && n != 0 {
			t.Errorf("Eval(%q) allocated %v times without a match", s, n)
		}
		if ok && n > 1 {
			t.Errorf("Eval(%q) allocated %v times on a match (the highlight only)", s, n)
		}
	}
}

func benchSQLi(b *testing.B, category string) {
	ps := corpus.Payloads(b, category)
	vals := make([]Value, len(ps))
	total := 0
	for i, p := range ps {
		vals[i] = Value{Kind: String, Bytes: []byte(p.Payload)}
		total += len(p.Payload)
	}
	op := isSQLi{}
	b.ReportAllocs()
	b.SetBytes(int64(total / len(vals)))
	i := 0
	for b.Loop() {
		op.Eval(vals[i%len(vals)])
		i++
	}
}

func BenchmarkIsSQLiAttacks(b *testing.B) { benchSQLi(b, "sqli") }
func BenchmarkIsSQLiBenign(b *testing.B)  { benchSQLi(b, "benign") }

func BenchmarkIsSQLi50Bytes(b *testing.B) {
	v := Value{Kind: String, Bytes: []byte("Great product; fast shipping & nice packaging!!")}
	op := isSQLi{}
	b.ReportAllocs()
	b.SetBytes(int64(len(v.Bytes)))
	for b.Loop() {
		op.Eval(v)
	}
}
