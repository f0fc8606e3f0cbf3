package regex

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// datadogExprs returns the match_regex expressions of Datadog's ruleset
// (from the shared corpus), with (?i) when case-insensitive.
func datadogExprs(t *testing.T) []string {
	return rulesetRegexes(t, corpus.DataFile(t, corpus.DatadogRuleset))
}

// corpusValues returns the payloads of the categories.
func corpusValues(tb testing.TB, cats ...string) [][]byte {
	var vals [][]byte
	for _, cat := range cats {
		for _, p := range corpus.Payloads(tb, cat) {
			vals = append(vals, []byte(p.Payload))
		}
	}
	return vals
}

// parsed parses expr, failing the test when it does not parse.
func parsed(tb testing.TB, expr string) *Expr {
	tb.Helper()
	e, err := Parse(expr)
	if err != nil {
		tb.Fatalf("%q: %v", expr, err)
	}
	return e
}
