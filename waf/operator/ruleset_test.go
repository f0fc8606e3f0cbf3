package operator

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf/literal"
)

// condition is one operator use found in the reference ruleset.
type condition struct {
	op     string
	params map[string]json.RawMessage
}

// rulesetConditions returns every operator condition (rules, rules_compat,
// processors, scanners) of ../shared/data/datadog-recommended-ruleset.json.
func rulesetConditions(tb testing.TB) []condition {
	tb.Helper()
	data := corpus.Data(tb, corpus.DatadogRuleset)
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	var out []condition
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if op, ok := x["operator"].(string); ok {
				params, _ := x["parameters"].(map[string]any)
				raw := map[string]json.RawMessage{}
				for k, v := range params {
					if k != "inputs" {
						raw[k], _ = json.Marshal(v)
					}
				}
				out = append(out, condition{op, raw})
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	return out
}

// TestRulesetCompiles compiles every condition of the reference ruleset
// whose operator is one of ours (negated forms included): every regex must
// be accepted by Go's RE2 syntax as written, without translation.
func TestRulesetCompiles(t *testing.T) {
	counts := map[string]int{}
	for _, c := range rulesetConditions(t) {
		name := strings.TrimPrefix(c.op, "!")
		switch name {
		case "match_regex", "phrase_match", "exact_match", "ip_match", "equals", "exists":
		default:
			continue
		}
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("operator %q not registered", name)
		}
		p := Params{Raw: c.params, Data: func(id, kind string) *Data {
			d, err := NewData(id, kind)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}}
		if _, err := f(p); err != nil {
			t.Errorf("%s %v: %v", c.op, c.params, err)
		}
		counts[name]++
	}
	if counts["match_regex"] < 250 || counts["phrase_match"] < 10 {
		t.Fatalf("too few conditions found: %v", counts)
	}
	t.Logf("compiled %v", counts)
}

// rulesetRegexOps compiles the ruleset's match_regex conditions.
func rulesetRegexOps(tb testing.TB) []*matchRegex {
	var ops []*matchRegex
	for _, c := range rulesetConditions(tb) {
		if strings.TrimPrefix(c.op, "!") != "match_regex" {
			continue
		}
		op, err := newMatchRegex(Params{Raw: c.params})
		if err != nil {
			tb.Fatal(err)
		}
		ops = append(ops, op.(*matchRegex))
	}
	return ops
}

// corpusValues returns payloads of every category, as String values.
func corpusValues(tb testing.TB, cats ...string) []Value {
	var vals []Value
	for _, cat := range cats {
		for _, p := range corpus.Payloads(tb, cat) {
			vals = append(vals, Value{Kind: String, Bytes: []byte(p.Payload)})
		}
	}
	return vals
}

// prefilter is how the engine uses RequiredLiterals: one Matcher over the
// literals of every operator, and for each operator the ids of its literals.
type prefilter struct {
	m   *literal.Matcher
	ids [][2]int // literal id range per operator; [0,0] when none
}

func newPrefilter(ops []*matchRegex) *prefilter {
	var all []string
	pf := &prefilter{}
	for _, op := range ops {
		lits := op.RequiredLiterals()
		pf.ids = append(pf.ids, [2]int{len(all), len(all) + len(lits)})
		all = append(all, lits...)
	}
	pf.m = literal.NewMatcher(all)
	return pf
}

// may reports whether operator i can match, given the marked set.
func (pf *prefilter) may(i int, set []uint64) bool {
	r := pf.ids[i]
	if r[0] == r[1] {
		return true
	}
	for id := r[0]; id < r[1]; id++ {
		if set[id>>6]&(1<<(id&63)) != 0 {
			return true
		}
	}
	return false
}

// TestRegexPrefilterSound runs every ruleset regex over corpus payloads and
// checks that the prefilter never skips a value the regex matches.
func TestRegexPrefilterSound(t *testing.T) {
	ops := rulesetRegexOps(t)
	pf := newPrefilter(ops)
	set := make([]uint64, pf.m.SetWords())
	vals := corpusValues(t, "xss", "rce", "ssrf", "ssti", "jndi", "nosqli", "scanner", "protocol", "xxe", "ssi", "ldapi", "benign")
	stride := 3
	if testing.Short() {
		stride = 20
	}
	skipped, evaluated, matched := 0, 0, 0
	for vi := 0; vi < len(vals); vi += stride {
		v := vals[vi]
		clear(set)
		pf.m.Mark(v.Bytes, set)
		for i, op := range ops {
			_, ok := op.Eval(v)
			if ok {
				matched++
			}
			if !pf.may(i, set) {
				skipped++
				if ok {
					t.Fatalf("prefilter %q skips %q, which %s matches", op.RequiredLiterals(), v.Bytes, op.re)
				}
			} else {
				evaluated++
			}
		}
	}
	t.Logf("%d evaluations skipped, %d run, %d matches", skipped, evaluated, matched)
	if skipped == 0 {
		t.Fatal("the prefilter skipped nothing")
	}
}

func TestEvalZeroAlloc(t *testing.T) {
	ops := rulesetRegexOps(t)
	v := Value{Kind: String, Bytes: []byte("an ordinary sentence, with nothing to see")}
	for _, op := range ops {
		if _, ok := op.Eval(v); ok {
			continue
		}
		if a := testing.AllocsPerRun(5, func() { op.Eval(v) }); a != 0 {
			t.Errorf("%s: %v allocations without a match", op.re, a)
		}
	}
}

// BenchmarkMatchRegex runs every ruleset regex over the benign payloads,
// without and with the literal prefilter.
func BenchmarkMatchRegex(b *testing.B) {
	ops := rulesetRegexOps(b)
	vals := corpusValues(b, "benign")
	total := 0
	for _, v := range vals {
		total += len(v.Bytes)
	}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			for _, v := range vals {
				for _, op := range ops {
					op.Eval(v)
				}
			}
		}
	})
	b.Run("prefiltered", func(b *testing.B) {
		pf := newPrefilter(ops)
		set := make([]uint64, pf.m.SetWords())
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			for _, v := range vals {
				clear(set)
				pf.m.Mark(v.Bytes, set)
				for i, op := range ops {
					if pf.may(i, set) {
						op.Eval(v)
					}
				}
			}
		}
	})
}

// BenchmarkPhraseMatch runs the ruleset's phrase_match lists over benign
// and lfi payloads.
func BenchmarkPhraseMatch(b *testing.B) {
	var ops []Operator
	for _, c := range rulesetConditions(b) {
		if c.op == "phrase_match" {
			op, err := newPhraseMatch(Params{Raw: c.params})
			if err != nil {
				b.Fatal(err)
			}
			ops = append(ops, op)
		}
	}
	vals := corpusValues(b, "benign")
	total := 0
	for _, v := range vals {
		total += len(v.Bytes)
	}
	b.ReportAllocs()
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, v := range vals {
			for _, op := range ops {
				op.Eval(v)
			}
		}
	}
}

// FuzzPhraseMatch compares phrase_match with a naive search.
func FuzzPhraseMatch(f *testing.F) {
	f.Add("banana\n$apple", "a banana; s$apple", true)
	f.Add("String1\nstring2", "bla_String1_bla", false)
	f.Add("ab\nb", "xABab", true)
	f.Fuzz(func(t *testing.T, list, input string, boundary bool) {
		if len(list) > 200 || len(input) > 500 || !utf8.ValidString(list) {
			return // phrases come from JSON, which cannot carry invalid UTF-8
		}
		phrases := strings.Split(list, "\n")
		rawList, _ := json.Marshal(phrases)
		rawOpt, _ := json.Marshal(map[string]bool{"enforce_word_boundary": boundary})
		op, err := newPhraseMatch(Params{Raw: map[string]json.RawMessage{"list": rawList, "options": rawOpt}})
		if err != nil {
			t.Fatal(err)
		}
		want := false
		in := []byte(input)
		for _, p := range phrases {
			for i := 0; p != "" && i+len(p) <= len(in); i++ {
				if !bytes.Equal(in[i:i+len(p)], []byte(p)) {
					continue
				}
				if !boundary || (edgeOK(p[0], in, i-1) && edgeOK(p[len(p)-1], in, i+len(p))) {
					want = true
				}
			}
		}
		hl, got := op.Eval(Value{Kind: String, Bytes: in})
		if got != want {
			t.Fatalf("phrase_match(%q, boundary %v) on %q = %v, want %v", phrases, boundary, input, got, want)
		}
		if got && !strings.Contains(input, hl) {
			t.Fatalf("highlight %q not in %q", hl, input)
		}
	})
}
