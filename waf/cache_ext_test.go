package waf_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// TestValueCacheSameVerdicts runs the corpus twice through the default
// ruleset with and without the cache, on two goroutines at once (go test
// -race checks the cache's publication): every request matches the same
// rules.
func TestValueCacheSameVerdicts(t *testing.T) {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	on, err := waf.New(rs, waf.Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	off, err := waf.New(rs, waf.Options{Timeout: -1, ValueCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	var reqs [][]waf.Address
	for i, p := range prepare(t, "") {
		if i%2 == 0 {
			reqs = append(reqs, append(p.hdr, p.body...))
		}
	}
	ids := func(e *waf.Engine, a []waf.Address) []string {
		c := e.NewContext()
		defer c.Close()
		var out []string
		for _, m := range c.Run(a).Matches {
			out = append(out, m.RuleID)
		}
		slices.Sort(out)
		return out
	}
	want := make([][]string, len(reqs))
	for i, a := range reqs {
		want[i] = ids(off, a)
	}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pass := range 2 {
				for k := range reqs {
					i := (k + g*len(reqs)/2 + pass*7) % len(reqs)
					if got := ids(on, reqs[i]); !slices.Equal(got, want[i]) {
						t.Errorf("request %d: with the cache %v, without %v", i, got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
