package waf

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf/operator"
)

// TestParseParallelSameAsSequential: Datadog's ruleset parsed with its
// regexes compiled on other CPUs is the ruleset parsed in turn: the same
// rules and conditions, each with an operator of the same type and the
// same prefilter literals.
func TestParseParallelSameAsSequential(t *testing.T) {
	data := corpus.Data(t, corpus.DatadogRuleset)
	if len(data) < parallelCompile {
		t.Fatalf("the Datadog ruleset (%d bytes) is under parallelCompile", len(data))
	}
	par, _, err, ok := parseWith(data, newOpJobs())
	if err != nil || !ok {
		t.Fatalf("parallel parse: %v, ok %v", err, ok)
	}
	seq, _, err, _ := parseWith(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := json.Marshal(par)
	sj, _ := json.Marshal(seq)
	if string(pj) != string(sj) {
		t.Fatal("the parallel parse's ruleset differs from the sequential one")
	}
	n := 0
	for i, r := range par.Rules {
		for j, c := range r.Conditions {
			s := seq.Rules[i].Conditions[j]
			if c.job != nil {
				t.Fatalf("%s condition %d: job left", r.ID, j)
			}
			if (c.compiled == nil) != (s.compiled == nil) || fmt.Sprintf("%T", c.compiled) != fmt.Sprintf("%T", s.compiled) {
				t.Fatalf("%s condition %d: operator %T, sequential %T", r.ID, j, c.compiled, s.compiled)
			}
			if c.Operator == "match_regex" && c.compiled == s.compiled {
				t.Fatalf("%s condition %d: both parses share an operator", r.ID, j)
			}
			if pf, ok := c.compiled.(operator.Prefiltered); ok {
				if !slices.Equal(pf.RequiredLiterals(), s.compiled.(operator.Prefiltered).RequiredLiterals()) {
					t.Fatalf("%s condition %d: literals differ", r.ID, j)
				}
			}
			if c.Operator == "match_regex" {
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d match_regex conditions", n)
	}
}

// TestParseParallelProblems: when regexes of a large ruleset do not
// compile, ParseRuleset reports the problems the sequential parse
// reports, in the same order, the others (an unknown operator, a missing
// field) among them.
func TestParseParallelProblems(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(corpus.Data(t, corpus.DatadogRuleset), &doc); err != nil {
		t.Fatal(err)
	}
	rules := doc["rules"].([]any)
	nth := func(i int) map[string]any {
		for k := i; k < len(rules); k++ {
			r := rules[k].(map[string]any)
			for _, c := range r["conditions"].([]any) {
				c := c.(map[string]any)
				if c["operator"] == "match_regex" {
					return c
				}
			}
		}
		t.Fatalf("no match_regex condition from rule %d", i)
		return nil
	}
	params := func(c map[string]any) map[string]any { return c["parameters"].(map[string]any) }
	params(nth(5))["regex"] = "(unclosed"
	nth(20)["operator"] = "no_such_operator"
	params(nth(40))["regex"] = `a{2,1}`
	delete(rules[60].(map[string]any), "name")
	params(nth(80))["regex"] = `x**`
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < parallelCompile {
		t.Fatalf("%d bytes, under parallelCompile", len(data))
	}
	if _, _, _, ok := parseWith(data, newOpJobs()); ok {
		t.Fatal("the parallel parse did not report its failed regexes")
	}
	_, _, want, _ := parseWith(data, nil)
	_, _, got := ParseRuleset(data)
	if want == nil || got == nil {
		t.Fatalf("errors: sequential %v, ParseRuleset %v", want, got)
	}
	if got.Error() != want.Error() {
		t.Fatalf("ParseRuleset:\n%v\nsequential parse:\n%v", got, want)
	}
	for _, s := range []string{"missing closing )", "no_such_operator", "invalid repeat count", "invalid nested repetition operator", "name: missing"} {
		if !strings.Contains(got.Error(), s) {
			t.Errorf("no problem with %q in\n%v", s, got)
		}
	}
}
