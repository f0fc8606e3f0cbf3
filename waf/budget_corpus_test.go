package waf_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

// TestCorpusWithinDefaultBudget evaluates every request of the corpus
// once, in a fresh engine with the default options (its warm-up, the
// default time budget), as a process that has just started would: the
// expressions the corpus reaches are built as it goes (not charged), and
// no request, attack or benign, may run out of the budget. It logs the
// slowest evaluations (wall time, parsing excluded).
//
// The verdict is the evaluation's cost, not the machine's load. The
// goroutine keeps its thread, so that past a quarter of the budget it
// counts the thread's CPU time (see Options.Timeout), not the time a
// loaded machine keeps the thread waiting; what the clock charges before
// that is bounded, but can add up over a request's runs on a machine
// loaded enough, so a request that runs out is evaluated again, each
// time in a new fresh engine (where it has all to build again): an
// evaluation that costs more than the budget runs out every time. The
// race detector multiplies the cost itself: the budget is for real
// builds.
func TestCorpusWithinDefaultBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector multiplies evaluation time several times; the budget is for real builds")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	reqs := corpus.Requests(t)
	fresh := func() *waf.Engine {
		rs, _, err := waf.ParseRuleset(rules.Default())
		if err != nil {
			t.Fatal(err)
		}
		e, err := waf.New(rs, waf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// evaluate runs r in a new context of e, as the agent does (headers,
	// then the body unless blocked), and returns the evaluation's wall
	// time and whether it ran out of the budget.
	evaluate := func(e *waf.Engine, r corpus.Request) (time.Duration, bool) {
		in := &httpinput.Request{Method: r.Request.Method, URI: r.Request.URI, Headers: r.Request.Headers, Body: []byte(r.Request.Body), RemoteAddr: r.Request.ClientIP}
		hdr, _ := httpinput.Build(in, nil, nil)
		body, _ := httpinput.BuildBody(in, nil, nil)
		c := e.NewContext()
		defer c.Close()
		d := c.Run(hdr).Duration
		if c.Blocked() == nil && len(body) > 0 {
			d += c.Run(body).Duration
		}
		return d, c.TimedOut()
	}
	const tries = 3
	e := fresh()
	var ds []time.Duration
	var out []string
	again := 0
	for _, r := range reqs {
		d, timedOut := evaluate(e, r)
		ds = append(ds, d)
		for try := 1; timedOut && try < tries; try++ {
			again++
			_, timedOut = evaluate(fresh(), r)
		}
		if timedOut {
			out = append(out, r.ID)
		}
	}
	slices.Sort(ds)
	n := len(ds)
	t.Logf("%d requests, evaluation (wall) p50 %v, p99 %v, p99.9 %v, max %v; default budget %v; %d evaluated again in a fresh engine", n,
		ds[n/2], ds[n*99/100], ds[n*999/1000], ds[n-1], waf.DefaultTimeout, again)
	if len(out) > 0 {
		t.Errorf("%d corpus requests ran out of the default budget in %d fresh engines: %v", len(out), tries, out[:min(len(out), 20)])
	}
}
