package waf

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart/waf/operator"
)

// WarmUp builds what the engine's evaluation would otherwise build during
// the first requests of a process: New starts it in the background (or
// runs it before returning, with Options.WaitWarmUp; not at all with
// Options.NoWarmUp), so that a fresh process's first ordinary request
// costs what a warm one's does. It evaluates a synthetic ordinary request (a browser's
// headers and cookies, a query, a JSON body, a user id, a response status)
// over every address the rules read, with no time budget and without the
// cache of clean values: the expressions that ordinary values reach are
// compiled and their automata built (on all CPUs), then evaluated to fill
// the automata's first states; a Context, with its buffers, is in the
// pool.
//
// Expressions that only unusual values reach are still compiled on first
// use; that one-time cost is not charged to a request's time budget (see
// Options.Timeout), so an attack in the first request of a process is
// evaluated in full. WarmUp is safe to call again, and concurrently with
// requests.
//
// In the background, the warm-up overlaps what a process does after
// building its engine (the rest of a function's initialization, the wait
// for its first event): the engine is usable at once, and a request that
// reaches an expression the warm-up is building waits for that build,
// which is not charged to its time budget either.
func (e *Engine) WarmUp() {
	e.merge()
	addrs := warmUpRequest()
	run := func(collect *[]lazyRef) {
		c := e.NewContext()
		c.warming, c.collect = true, collect
		c.Run(addrs[:len(addrs)-1])
		c.Run(addrs[len(addrs)-1:]) // the response, as a request's last run
		c.Close()
	}
	// The lazy operators the request reaches (prefilters decide which,
	// not the operators' answers: collecting them instead of evaluating
	// them changes nothing to which are reached) are built on all CPUs,
	// their automata included, then the request is evaluated to fill
	// the automata's first states.
	var reached []lazyRef
	run(&reached)
	buildAll(reached)
	run(nil)
}

// lazyRef is a lazy operator and its build state; whole is set for the
// whole expression of a split condition, which runs only when several of
// its branches are tried on one value: it is compiled, and its automaton
// left for the values that keep reaching it.
type lazyRef struct {
	l     operator.Lazy
	state *atomic.Uint32
	whole bool
}

// buildAll builds the operators on all CPUs (at most 8): distinct
// operators build independently, and an operator reached twice builds
// once (the second waits for the first).
func buildAll(ls []lazyRef) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8, len(ls)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ls) {
					return
				}
				r := ls[i]
				if r.whole {
					r.l.Build()
				} else {
					r.l.BuildAll()
				}
				if r.l.Pending() == operator.Built {
					r.state.Store(builtAll)
				} else {
					r.state.CompareAndSwap(builtNone, builtLater)
				}
			}
		}()
	}
	wg.Wait()
}

// warmUpRequest returns the addresses of an ordinary API request: a POST
// of a JSON order from a browser, with its response status last.
func warmUpRequest() []Address {
	list := func(s ...string) Value { return Strings(s...) }
	field := func(k string, v Value) Field { return Field{Key: k, Value: v} }
	return []Address{
		{Name: AddrMethod, Value: String("POST")},
		{Name: AddrURIRaw, Value: String("/api/v1/orders/1042?page=2&sort=created_at&q=blue+running+shoes")},
		{Name: AddrQuery, Value: Map([]Field{
			field("page", list("2")), field("sort", list("created_at")), field("q", list("blue running shoes")),
		})},
		{Name: AddrHeaders, Value: Map([]Field{
			field("host", list("shop.example.com")),
			field("user-agent", list("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")),
			field("accept", list("application/json, text/plain, */*")),
			field("accept-language", list("en-US,en;q=0.9,fr;q=0.8")),
			field("accept-encoding", list("gzip, deflate, br")),
			field("content-type", list("application/json; charset=utf-8")),
			field("content-length", list("212")),
			field("origin", list("https://shop.example.com")),
			field("referer", list("https://shop.example.com/search?q=red%20shoes&step=2")),
			field("x-forwarded-for", list("203.0.113.10")),
			field("x-request-id", list("6f1c2a9e-3b7d-4e0a-9c51-2d8f4b6a7e13")),
		})},
		{Name: AddrCookies, Value: Map([]Field{
			field("session", list("d41d8cd98f00b204e9800998ecf8427e")), field("theme", list("dark")), field("lang", list("en-US")),
			field("prefs", list("%7B%22currency%22%3A%22USD%22%7D")),
		})},
		{Name: AddrPathParams, Value: Map([]Field{field("id", String("1042"))})},
		{Name: AddrClientIP, Value: String("203.0.113.10")},
		{Name: AddrBody, Value: Map([]Field{
			field("customer", Map([]Field{
				field("name", String("Alice Martin")), field("email", String("alice.martin@example.com")),
				field("phone", String("+1 555 0100")),
			})),
			field("items", List([]Field{{Value: Map([]Field{
				field("sku", String("SKU-1234")), field("quantity", Int(2)), field("price", Number("19.99")),
			})}})),
			field("shipping", Map([]Field{
				field("address", String("12 Main Street, Apt 4")), field("city", String("Springfield")), field("zip", String("62704")),
			})),
			field("note", String("Please leave the parcel at the front door -- order #1042, thanks!")),
			field("company", String("Smith &amp; Sons")),
			field("gift", Bool(false)),
		})},
		{Name: AddrUserID, Value: String("user-1042")},
		{Name: AddrStatus, Value: String("200")},
	}
}

// Warmed returns a channel that is closed when the warm-up New started is
// done (at once with Options.NoWarmUp or Options.WaitWarmUp).
func (e *Engine) Warmed() <-chan struct{} { return e.warmed }
