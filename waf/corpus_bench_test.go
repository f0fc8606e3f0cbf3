package waf_test

import (
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

func defaultEngine(tb testing.TB) *waf.Engine {
	return newEngineWith(tb, waf.Options{})
}

// newEngineWith builds the default ruleset with opts and no time budget.
func newEngineWith(tb testing.TB, opts waf.Options) *waf.Engine {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		tb.Fatal(err)
	}
	opts.Timeout = -1
	e, err := waf.New(rs, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

type prepared struct {
	hdr, body []waf.Address
}

func prepare(tb testing.TB, label string) []prepared {
	var out []prepared
	for _, r := range corpus.Requests(tb) {
		if label != "" && r.Label != label {
			continue
		}
		in := &httpinput.Request{Method: r.Request.Method, URI: r.Request.URI, Headers: r.Request.Headers, Body: []byte(r.Request.Body), RemoteAddr: r.Request.ClientIP}
		h, _ := httpinput.Build(in, nil, nil)
		b, _ := httpinput.BuildBody(in, nil, nil)
		out = append(out, prepared{h, b})
	}
	return out
}

// BenchmarkEvaluate measures the engine alone (already-parsed requests to
// the verdict) with the default ruleset, per request.
func BenchmarkEvaluate(b *testing.B) {
	for _, label := range []string{"benign", "attack"} {
		b.Run(label, func(b *testing.B) {
			e := defaultEngine(b)
			reqs := prepare(b, label)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p := reqs[i%len(reqs)]
				i++
				c := e.NewContext()
				c.Run(p.hdr)
				if c.Blocked() == nil && len(p.body) > 0 {
					c.Run(p.body)
				}
				c.Close()
			}
		})
	}
}

// BenchmarkParseAndEvaluate measures the whole request path of a guard:
// the request model (headers, query, cookies, body parsing) and the
// evaluation, per benign corpus request.
func BenchmarkParseAndEvaluate(b *testing.B) {
	e := defaultEngine(b)
	var reqs []*httpinput.Request
	for _, r := range corpus.Requests(b, "benign") {
		reqs = append(reqs, &httpinput.Request{Method: r.Request.Method, URI: r.Request.URI, Headers: r.Request.Headers, Body: []byte(r.Request.Body), RemoteAddr: r.Request.ClientIP})
	}
	b.ReportAllocs()
	i := 0
	var addrs []waf.Address
	for b.Loop() {
		in := reqs[i%len(reqs)]
		i++
		c := e.NewContext()
		addrs, _ = httpinput.Build(in, nil, addrs[:0])
		c.Run(addrs)
		n := len(addrs)
		addrs, _ = httpinput.BuildBody(in, nil, addrs)
		if len(addrs) > n {
			c.Run(addrs[n:])
		}
		c.Close()
	}
}

// BenchmarkEvaluateAll measures the engine over every corpus request,
// attacks and benign, in corpus order.
func BenchmarkEvaluateAll(b *testing.B) {
	e := defaultEngine(b)
	reqs := prepare(b, "")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := reqs[i%len(reqs)]
		i++
		c := e.NewContext()
		c.Run(p.hdr)
		if c.Blocked() == nil && len(p.body) > 0 {
			c.Run(p.body)
		}
		c.Close()
	}
}
