package waf_test

import (
	"strconv"
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

// BenchmarkShortValues measures what a request of short values costs
// (ids, numbers, words: most of a request's values), ten query
// parameters a request, by the values' shape.
func BenchmarkShortValues(b *testing.B) {
	e := newEngineWith(b, waf.Options{ValueCache: -1})
	for _, tc := range []struct {
		name string
		val  func(i int) string
	}{
		{"digits", func(i int) string { return strconv.Itoa(100000 + i) }},
		{"words", func(i int) string { return "green" + strconv.Itoa(i%7) }},
		{"ids", func(i int) string { return "User-" + strconv.Itoa(1000+i) }},
		{"phrases", func(i int) string { return "blue running shoes " + strconv.Itoa(i) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var reqs [][]waf.Address
			for k := range 64 {
				var fs []waf.Field
				for j := range 10 {
					fs = append(fs, waf.Field{Key: "k" + strconv.Itoa(j), Value: waf.Strings(tc.val(k*10 + j))})
				}
				reqs = append(reqs, []waf.Address{{Name: waf.AddrQuery, Value: waf.Map(fs)}})
			}
			i := 0
			for b.Loop() {
				c := e.NewContext()
				c.Run(reqs[i%len(reqs)])
				c.Close()
				i++
			}
		})
	}
}

// BenchmarkCorpusPass evaluates every request of the corpus once per
// operation, on an engine warmed up: instruction and cache-miss counts
// under Valgrind are steady where the machine's timings are not (see
// docs/performance.md).
func BenchmarkCorpusPass(b *testing.B) {
	e := newEngineWith(b, waf.Options{WaitWarmUp: true})
	reqs := prepare(b, "")
	for b.Loop() {
		for _, p := range reqs {
			c := e.NewContext()
			c.Run(p.hdr)
			if c.Blocked() == nil && len(p.body) > 0 {
				c.Run(p.body)
			}
			c.Close()
		}
	}
}
