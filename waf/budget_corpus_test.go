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
// The goroutine keeps its thread, so that the budget counts the thread's
// CPU time past a quarter of it, as it does for a goroutine that does not
// move (see Options.Timeout): the time a loaded machine keeps the thread
// waiting is not charged, and the verdict is the evaluation's cost, not
// the machine's load. The race detector multiplies that cost itself: the
// budget is for real builds.
func TestCorpusWithinDefaultBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector multiplies evaluation time several times; the budget is for real builds")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	reqs := corpus.Requests(t)
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	e, err := waf.New(rs, waf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ds []time.Duration
	var out []string
	for _, r := range reqs {
		in := &httpinput.Request{Method: r.Request.Method, URI: r.Request.URI, Headers: r.Request.Headers, Body: []byte(r.Request.Body), RemoteAddr: r.Request.ClientIP}
		hdr, _ := httpinput.Build(in, nil, nil)
		body, _ := httpinput.BuildBody(in, nil, nil)
		c := e.NewContext()
		d := c.Run(hdr).Duration
		if c.Blocked() == nil && len(body) > 0 {
			d += c.Run(body).Duration
		}
		if c.TimedOut() {
			out = append(out, r.ID)
		}
		c.Close()
		ds = append(ds, d)
	}
	slices.Sort(ds)
	n := len(ds)
	t.Logf("%d requests, evaluation (wall) p50 %v, p99 %v, p99.9 %v, max %v; default budget %v", n,
		ds[n/2], ds[n*99/100], ds[n*999/1000], ds[n-1], waf.DefaultTimeout)
	if len(out) > 0 {
		t.Errorf("%d corpus requests ran out of the default budget in a fresh engine: %v", len(out), out[:min(len(out), 20)])
	}
}
