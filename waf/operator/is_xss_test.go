package operator

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

func evalXSS(s string) (string, bool) {
	return isXSS{}.Eval(Value{Kind: String, Bytes: []byte(s)})
}

// TestIsXSSVectorFile runs testdata/is_xss.json directly, besides the
// shared harness, and checks the file keeps both kinds of rows.
func TestIsXSSVectorFile(t *testing.T) {
	b, err := os.ReadFile("testdata/is_xss.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name      string          `json:"name"`
		Value     json.RawMessage `json:"value"`
		Key       bool            `json:"key"`
		Match     bool            `json:"match"`
		Highlight *string         `json:"highlight"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 40 {
		t.Fatalf("only %d vectors", len(rows))
	}
	op, err := newIsXSS(Params{})
	if err != nil {
		t.Fatal(err)
	}
	var matches, misses int
	for _, r := range rows {
		v := vectorValue(t, r.Value, r.Key)
		h, ok := op.Eval(v)
		if ok != r.Match {
			t.Errorf("%s: Eval(%s) = %q, %v; want %v", r.Name, r.Value, h, ok, r.Match)
		}
		if ok && r.Highlight != nil && h != *r.Highlight {
			t.Errorf("%s: highlight %q, want %q", r.Name, h, *r.Highlight)
		}
		if r.Match {
			matches++
		} else {
			misses++
		}
	}
	if matches < 20 || misses < 15 {
		t.Errorf("%d matching and %d non-matching rows; want at least 20 and 15", matches, misses)
	}
}

func TestIsXSSKinds(t *testing.T) {
	op, _ := newIsXSS(Params{})
	payload := []byte("<script>alert(1)</script>")
	for _, v := range []Value{
		{Kind: Number, Bytes: payload},
		{Kind: Bool, Bytes: payload},
		{Kind: Null, Bytes: payload},
	} {
		if h, ok := op.Eval(v); ok {
			t.Errorf("kind %d matched (%q)", v.Kind, h)
		}
	}
	for _, k := range []Kind{String, Key} {
		if _, ok := op.Eval(Value{Kind: k, Bytes: payload}); !ok {
			t.Errorf("kind %d did not match", k)
		}
	}
}

func TestIsXSSRegistered(t *testing.T) {
	f, ok := Lookup("is_xss")
	if !ok {
		t.Fatal("is_xss is not registered")
	}
	op, err := f(Params{Raw: map[string]json.RawMessage{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := op.Eval(Value{Kind: String, Bytes: []byte(`"><svg/onload=alert(1)>`)}); !ok {
		t.Error("the registered is_xss missed a payload")
	}
}

// TestIsXSSPrefilterSound checks that every value is_xss matches holds
// one of its required literals, so the engine's prefilter never skips a
// match.
func TestIsXSSPrefilterSound(t *testing.T) {
	var values []string
	for _, cat := range []string{"xss", "benign", "sqli", "rce", "ssti", "protocol", "xxe"} {
		for _, p := range corpus.Payloads(t, cat) {
			values = append(values, p.Payload)
		}
	}
	lits := isXSS{}.RequiredLiterals()
	checked := 0
	for _, s := range values {
		if _, ok := evalXSS(s); !ok {
			continue
		}
		checked++
		low := strings.ToLower(s)
		found := false
		for _, l := range lits {
			if strings.Contains(low, l) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%q matches but holds none of %q", s, lits)
		}
	}
	if checked < 2000 {
		t.Errorf("only %d matching values checked", checked)
	}
}

// isXSSRecallFloor is the share of payloads/xss.jsonl that is_xss must
// flag; waf/xss's TestCorpus holds the exact figures.
const isXSSRecallFloor = 0.94

func TestIsXSSCorpus(t *testing.T) {
	ps := corpus.Payloads(t, "xss")
	hit := 0
	for _, p := range ps {
		if _, ok := evalXSS(p.Payload); ok {
			hit++
		}
	}
	recall := float64(hit) / float64(len(ps))
	t.Logf("is_xss recall %.4f (%d/%d)", recall, hit, len(ps))
	if recall < isXSSRecallFloor {
		t.Errorf("recall %.4f below %.2f", recall, isXSSRecallFloor)
	}
}

func TestIsXSSNoAlloc(t *testing.T) {
	op, _ := newIsXSS(Params{})
	for _, s := range []string{
		"an ordinary fifty byte value, nothing to see here",
		`<p>See the <a href="https://docs.example.com">guide</a></p>`,
		`C:\x64\tools and \u00e9`,
		"caf%C3%A9 &amp; cr%C3%A8me, a=b; c=(d)",
	} {
		v := Value{Kind: String, Bytes: []byte(s)}
		if a := testing.AllocsPerRun(100, func() { op.Eval(v) }); a != 0 {
			t.Errorf("Eval(%q) allocates %v times", s, a)
		}
	}
}

func benchXSS(b *testing.B, category string) {
	ps := corpus.Payloads(b, category)
	vals := make([]Value, len(ps))
	n := 0
	for i, p := range ps {
		vals[i] = Value{Kind: String, Bytes: []byte(p.Payload)}
		n += len(p.Payload)
	}
	op, _ := newIsXSS(Params{})
	b.ReportAllocs()
	for b.Loop() {
		for _, v := range vals {
			op.Eval(v)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(vals)), "ns/value")
}

func BenchmarkIsXSSAttacks(b *testing.B) { benchXSS(b, "xss") }
func BenchmarkIsXSSBenign(b *testing.B)  { benchXSS(b, "benign") }

func BenchmarkIsXSS50Bytes(b *testing.B) {
	op, _ := newIsXSS(Params{})
	v := Value{Kind: String, Bytes: []byte("Great product; fast shipping & nice packaging. 5/5")}
	b.ReportAllocs()
	for b.Loop() {
		op.Eval(v)
	}
}

func FuzzIsXSS(f *testing.F) {
	b, err := os.ReadFile("testdata/is_xss.json")
	if err != nil {
		f.Fatal(err)
	}
	var rows []struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		f.Fatal(err)
	}
	for _, r := range rows {
		var s string
		if json.Unmarshal(r.Value, &s) == nil {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		h1, ok1 := evalXSS(s)
		h2, ok2 := evalXSS(s)
		if h1 != h2 || ok1 != ok2 {
			t.Fatalf("not deterministic: %q %v, then %q %v", h1, ok1, h2, ok2)
		}
		if ok1 != (h1 != "") {
			t.Fatalf("match %v with highlight %q", ok1, h1)
		}
		if ok1 {
			low := strings.ToLower(s)
			found := false
			for _, l := range xssLiterals {
				found = found || strings.Contains(low, l)
			}
			if !found {
				t.Fatalf("%q matched without a required literal", s)
			}
		}
	})
}
