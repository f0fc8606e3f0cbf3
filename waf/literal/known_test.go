package literal_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/literal"
	"github.com/rampartsec/rampart/waf/rules"
)

// defaultPatternSets returns the pattern sets that loading the default
// ruleset (as rules.Default gives it) hands NewMatcher, in order.
func defaultPatternSets(t *testing.T) [][]string {
	t.Helper()
	var sets [][]string
	literal.RecordPatterns(func(ps []string) { sets = append(sets, ps) })
	defer literal.RecordPatterns(nil)
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := waf.New(rs, waf.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(sets) < 2 {
		t.Fatalf("only %d pattern sets", len(sets))
	}
	return sets
}

// TestKnownMatchers fails while matcher_table.bin is stale: it must be
// EncodeKnown of the pattern sets that loading the default ruleset gives
// NewMatcher, as go generate writes it.
func TestKnownMatchers(t *testing.T) {
	blob := string(literal.EncodeKnown(defaultPatternSets(t)))
	if blob != literal.KnownTable() {
		t.Fatal("matcher_table.bin is stale (the default ruleset, its prefilter literals or the matcher changed): run go generate ./waf/literal")
	}
	t.Logf("%d bytes", len(blob))
}

// TestKnownMatchersFresh: every matcher the default ruleset gets from the
// table equals the one built from scratch, and a pattern set that is not in
// the table is built as before.
func TestKnownMatchersFresh(t *testing.T) {
	for i, ps := range defaultPatternSets(t) {
		if !literal.IsKnown(ps) {
			t.Fatalf("pattern set %d (%d patterns) is not in the table", i, len(ps))
		}
		got, want := literal.NewMatcher(ps), literal.BuildMatcher(ps)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pattern set %d (%d patterns): the table's matcher differs from a fresh one", i, len(ps))
		}
	}
	other := []string{"not", "in the", "table"}
	if literal.IsKnown(other) {
		t.Fatal("an unknown pattern set was found")
	}
	if !reflect.DeepEqual(literal.NewMatcher(other), literal.BuildMatcher(other)) {
		t.Fatal("an unknown pattern set was not built from scratch")
	}
}

// defaultEngine builds the default ruleset's engine, with every rule's
// matches reported.
func defaultEngine(t *testing.T) *waf.Engine {
	t.Helper()
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := waf.New(rs, waf.Options{Timeout: -1, AllMatches: true})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// matchedRules returns the ids of the rules that match r, in order.
func matchedRules(eng *waf.Engine, r *corpus.Request) []string {
	in := &httpinput.Request{
		Method:     r.Request.Method,
		URI:        r.Request.URI,
		Headers:    r.Request.Headers,
		Body:       []byte(r.Request.Body),
		RemoteAddr: r.Request.ClientIP,
	}
	addrs, _ := httpinput.Build(in, nil, nil)
	addrs, _ = httpinput.BuildBody(in, nil, addrs)
	ctx := eng.NewContext()
	defer ctx.Close()
	res := ctx.Run(addrs)
	ids := make([]string, 0, len(res.Matches))
	for _, m := range res.Matches {
		ids = append(ids, m.RuleID)
	}
	return ids
}

// TestKnownMatchersSameEngine: the default engine built with the table
// and the one built without it match the same rules on every corpus
// request.
func TestKnownMatchersSameEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole corpus")
	}
	withTable := defaultEngine(t)
	literal.SetUseKnown(false)
	fresh := defaultEngine(t)
	literal.SetUseKnown(true)
	reqs := corpus.Requests(t)
	for i := range reqs {
		got, want := matchedRules(withTable, &reqs[i]), matchedRules(fresh, &reqs[i])
		if !slices.Equal(got, want) {
			t.Fatalf("request %s: %v with the table, %v without", reqs[i].ID, got, want)
		}
	}
	t.Logf("%d requests", len(reqs))
}
