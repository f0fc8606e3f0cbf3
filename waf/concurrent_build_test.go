package waf_test

import (
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// TestConcurrentFirstUse: a fresh engine over Datadog's ruleset, without
// its warm-up, evaluates corpus requests on several goroutines at once, so
// that the lazy operators (regexes, their automata, phrase lists) are
// built by concurrent first uses; every request's rules are those of a
// sequential evaluation in another fresh engine. Run with -race, it checks
// the builds' synchronisation.
func TestConcurrentFirstUse(t *testing.T) {
	src := corpus.Data(t, corpus.DatadogRuleset)
	reqs := corpus.Requests(t)
	step := 1
	if raceEnabled || testing.Short() {
		step = 8
	}
	var sample []corpus.Request
	for i := 0; i < len(reqs); i += step {
		sample = append(sample, reqs[i])
	}
	fresh := func() *waf.Engine {
		rs, _, err := waf.ParseRuleset(src)
		if err != nil {
			t.Fatal(err)
		}
		e, err := waf.New(rs, waf.Options{NoWarmUp: true, Timeout: -1, AllMatches: true})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	eval := func(e *waf.Engine, r corpus.Request) []string {
		in := &httpinput.Request{Method: r.Request.Method, URI: r.Request.URI, Headers: r.Request.Headers, Body: []byte(r.Request.Body), RemoteAddr: r.Request.ClientIP}
		addrs, _ := httpinput.Build(in, nil, nil)
		addrs, _ = httpinput.BuildBody(in, nil, addrs)
		c := e.NewContext()
		defer c.Close()
		var ids []string
		for _, m := range c.Run(addrs).Matches {
			ids = append(ids, m.RuleID)
		}
		slices.Sort(ids)
		return ids
	}
	seq := fresh()
	want := make([][]string, len(sample))
	flagged := 0
	for i, r := range sample {
		want[i] = eval(seq, r)
		if len(want[i]) > 0 {
			flagged++
		}
	}
	if flagged < len(sample)/5 {
		t.Fatalf("only %d of %d requests flagged", flagged, len(sample))
	}
	par := fresh()
	workers := max(4, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker starts at its own offset, so that first uses
			// of the same operators overlap.
			for k := range sample {
				i := (k + w*len(sample)/workers) % len(sample)
				if got := eval(par, sample[i]); !slices.Equal(got, want[i]) {
					errs <- sample[i].ID + ": " + join(got) + " concurrently, " + join(want[i]) + " in turn"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func join(ids []string) string {
	if len(ids) == 0 {
		return "no rule"
	}
	s := ids[0]
	for _, id := range ids[1:] {
		s += "," + id
	}
	return s
}
