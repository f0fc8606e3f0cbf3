package waf

import (
	"bytes"
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rampartsec/rampart/internal/redact"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// Match is one rule that matched a request.
type Match struct {
	RuleID   string
	RuleName string
	Type     string // tags.type
	Category string // tags.category
	Tags     map[string]string
	Operator string
	Address  string
	KeyPath  []string
	// Value is the inspected value (after transformers), truncated, and
	// redacted when it sits under a sensitive key or address.
	Value string
	// Raw is the value as the request carried it, before the rule's
	// transformers and the engine's decoding (the string a decoded value
	// came out of), truncated and redacted as Value; "" for conditions
	// on an address's presence.
	Raw string
	// Decoded names the decoding the matched value came out of
	// (DecodedBase64, DecodedJWT, DecodedEscapes, DecodedJSON,
	// DecodedPathSegment, or DecodedPadding for the rest of a padded
	// value: the outermost one), "" for a value as the request carried
	// it.
	Decoded string
	// highlight is the part of Value the operator matched (see
	// Highlight), or lazy the way to it.
	highlight string
	lazy      *lazyHighlight
	// Actions are the rule's on_match action ids.
	Actions []string
	// Blocking is true when an action of the rule blocks the request (and
	// no monitor exclusion applies).
	Blocking bool
	// StackTrace is true when the rule asks for a stack trace.
	StackTrace bool
	// Exploit is set for exploit-prevention matches (Context.RunSink).
	Exploit *Exploit
	// Block is the rule's blocking action when Blocking is set: an
	// application may enforce some rules (the block lists of its
	// backend's decisions) and only report others.
	Block *Action
}

// Highlight returns the part of Value the operator matched, truncated
// and redacted as Value is. For an expression, where the match starts and
// ends is only worked out when Highlight is first called (on the Match or
// a copy of it): the verdict never waits for it, and an application that
// reports no match never pays for it. It is safe for concurrent use.
func (m *Match) Highlight() string {
	if l := m.lazy; l != nil {
		l.once.Do(func() {
			hl, _ := l.op.Eval(operator.Value{Kind: l.kind, Bytes: bytesOfAll(l.in)})
			l.hl = redact.Truncate(redact.Value(hl), maxValueInReport)
		})
		return l.hl
	}
	return m.highlight
}

// lazyHighlight is what Match.Highlight needs to find a match's highlight:
// the operator that matched and the bytes it matched, as it read them.
type lazyHighlight struct {
	op   operator.Operator
	kind operator.Kind
	in   string
	once sync.Once
	hl   string
}

// Action is a blocking action decided for a request.
type Action struct {
	ID   string // the action id named in on_match ("block", ...)
	Type string // block_request or redirect_request
	// StatusCode is the response status (403 by default).
	StatusCode int
	// ContentType is "json", "html" or "auto" for block_request.
	ContentType string
	// Location is the redirect target for redirect_request.
	Location string
	// GRPCStatusCode is the gRPC status code a gRPC server answers a
	// blocked call with (the action's grpc_status_code; 7,
	// PERMISSION_DENIED, when it has none).
	GRPCStatusCode int
	// RuleID is the rule that asked for it.
	RuleID string
}

// Result is the outcome of one Run.
type Result struct {
	// Matches are the rules that matched in this run.
	Matches []Match
	// Block is the first blocking action of the request, once one is known
	// (it stays set in later runs of the same Context).
	Block *Action
	// StackTrace is true when a rule matched in this run asks for one.
	StackTrace bool
	// TimedOut is true when the request's time budget ran out; rules not
	// evaluated by then are skipped (Context.NotRun lists them).
	TimedOut bool
	// Duration is the time spent in this run (wall clock; what it
	// charged to the budget may be less, see Options.Timeout).
	Duration time.Duration
}

// Context evaluates one request. It is not safe for concurrent use.
type Context struct {
	e        *Engine
	values   []Value
	present  []bool
	fresh    []bool
	ruleDone []bool
	condMask []uint64
	// viewDirty[v] is set once a condition that view v reads matched.
	viewDirty []bool
	exclDone  []bool
	exclMask  []uint64
	active    []*exclusion
	// The time budget (see Options.Timeout): spent is what the earlier
	// runs charged, start the start of this run and excused the one-time
	// builds of its operators. Once the run has charged a quarter of the
	// budget, its charge follows the thread's CPU time from mark:
	// markCharge is the run's charge at markWall, markExcused its
	// excused then.
	spent, excused          time.Duration
	markCharge, markExcused time.Duration
	// lastCharge is the run's charge at its last check before the mark.
	lastCharge      time.Duration
	start, markWall time.Time
	mark            threadMark
	marked          bool
	timedOut        bool
	evals           int
	// warming is set for the engine's warm-up: no budget, no cache; and
	// while collect is set, the lazy operators the warm-up reaches are
	// added to it instead of being built and evaluated (see WarmUp).
	warming bool
	collect *[]lazyRef
	// pass is the evaluation pass of the run (passAll, or passBlocking
	// then passOther); cut[addr] has bit 1<<pass for each pass of the
	// address that the timeout cut short or skipped.
	pass uint8
	cut  []uint8
	// conds counts the conditions matched in this request; cacheHits the
	// values skipped as known clean (see DefaultValueCache).
	conds, cacheHits int
	// pbuf[id] holds the result of transformer chain prefix id on the
	// value of epoch tEpoch when pstamp[id] == tEpoch (pview[id] is it,
	// truncated).
	pbuf   [][]byte
	pview  [][]byte
	pstamp []uint32
	tEpoch uint32
	// memo records the transformer steps run on the value of epoch
	// tEpoch, by transformer and input: chains of one view share more
	// than their prefixes (url_decode_iis leaves a value without % as it
	// is, and every chain then lower-cases the same bytes).
	memo []stepMemo
	// keepKnown has bit n once transformer n's unchanged-value check ran
	// on the value being evaluated, keepMask when it answered unchanged
	// (see keeps).
	keepKnown, keepMask uint32
	// foldKnown and foldMask are the same for the lowercasing
	// transformers' check that they only lowercase the value (fnFold).
	foldKnown, foldMask uint32
	// raw and rawLen are the value's bytes (see step).
	raw     *byte
	rawLen  int
	set     []uint64
	path    []pathElem
	matches []Match
	block   *Action
	stack   bool
	// the view being walked and the address name
	curAddr string
	found   bool
	// vars are the distinct transformed forms of the value being evaluated;
	// opEpoch and opMask record which operators ran on which of them.
	vars     [maxVariants]variant
	nvars    int
	valEpoch uint32
	// evalSeq counts the values evaluated; a decoded form evaluated right
	// after the value it was decoded from sets shareSeq to evalSeq, and
	// shares that value's variants (see evalScalar).
	evalSeq, shareSeq uint64
	opEpoch           []uint32
	opMask            []uint8
	// For each condition evaluated as branches, by number: the variants
	// of the value one of its branches ran on (splitTried), and those the
	// whole expression ran on without a match (splitFull), as of the
	// value's epoch splitEpoch.
	splitEpoch []uint32
	splitTried []uint8
	splitFull  []uint8
	// stamp[t.idx] == epoch marks a target already tried on this value.
	stamp []uint32
	epoch uint32
	// sink holds the request inputs collected for the detectors (sink.go).
	sink sinkState
	// ws is the budget of the current walk (decode.go).
	ws walkState
	// pathBuf holds a percent-decoded path segment (see decodePath).
	pathBuf []byte
	// pad is the padding of the last padded-length string walked (see
	// padBounds).
	pad padMemo
}

// stepMemo is one transformer step run on the current value: the
// transformer's name, its input (by address and length) and its output.
type stepMemo struct {
	fn  uint32 // the transformer, numbered (Engine.stepFn)
	in  *byte
	n   int
	out []byte
}

type pathElem struct {
	key string
	idx int // -1 for map keys
}

func newContext(e *Engine, nChains int) *Context {
	n := len(e.addrNames)
	c := &Context{
		e:         e,
		values:    make([]Value, n),
		present:   make([]bool, n),
		fresh:     make([]bool, n),
		ruleDone:  make([]bool, len(e.rules)),
		condMask:  make([]uint64, len(e.rules)),
		viewDirty: make([]bool, e.nViews),
		exclDone:  make([]bool, len(e.exclRules)),
		exclMask:  make([]uint64, len(e.exclRules)),
		cut:       make([]uint8, n),
		pbuf:      make([][]byte, e.nPrefixes),
		pview:     make([][]byte, e.nPrefixes),
		pstamp:    make([]uint32, e.nPrefixes),
		path:      make([]pathElem, 0, MaxDepth+1),
	}
	words := 0
	for _, vs := range e.views {
		for _, v := range vs {
			for _, g := range v.chains {
				if g.words > words {
					words = g.words
				}
			}
		}
	}
	c.set = make([]uint64, words)
	for i := range c.vars {
		c.vars[i].set = make([]uint64, words)
		c.vars[i].nz = make([]uint16, 0, words)
	}
	c.stamp = make([]uint32, e.nTargets)
	c.opEpoch = make([]uint32, e.nOps)
	c.opMask = make([]uint8, e.nOps)
	c.splitEpoch = make([]uint32, e.nSplit)
	c.splitTried = make([]uint8, e.nSplit)
	c.splitFull = make([]uint8, e.nSplit)
	return c
}

// NewContext returns a Context for one request. Call Close when the request
// is done so its buffers are reused.
func (e *Engine) NewContext() *Context {
	c := e.pool.Get().(*Context)
	return c
}

// Close releases the context; it must not be used afterwards.
func (c *Context) Close() {
	clear(c.values)
	c.pad = padMemo{}
	clear(c.present)
	clear(c.fresh)
	clear(c.ruleDone)
	clear(c.condMask)
	clear(c.viewDirty)
	clear(c.exclDone)
	clear(c.exclMask)
	c.active = c.active[:0]
	c.spent, c.timedOut, c.evals = 0, false, 0
	c.excused, c.marked, c.warming, c.pass, c.collect = 0, false, false, passAll, nil
	clear(c.cut)
	c.conds, c.cacheHits = 0, 0
	c.block, c.stack = nil, false
	c.matches = nil
	c.sink.reset()
	c.e.pool.Put(c)
}

// Blocked returns the request's blocking action, if a rule asked for one.
func (c *Context) Blocked() *Action { return c.block }

// TimedOut reports whether the request's time budget ran out.
func (c *Context) TimedOut() bool { return c.timedOut }

// NotRun returns the ids of the request rules that the time budget kept
// from evaluating all their inputs, in the ruleset's order: the rules
// that had not matched and read an address whose evaluation the timeout
// cut short or skipped. It is nil when the budget did not run out. The
// rules that read only rules_data always run, and are never listed.
func (c *Context) NotRun() []string {
	if !c.timedOut {
		return nil
	}
	var out []string
	for _, r := range c.e.rules {
		if r.essential || c.ruleDone[r.idx] {
			continue
		}
		for _, a := range r.addrs {
			if c.cut[a]&(1<<r.pass) != 0 {
				out = append(out, r.id)
				break
			}
		}
	}
	return out
}

// Run evaluates the rules over the given addresses, added to those of
// earlier runs of this context. Rules that already matched in this request
// do not run again.
func (c *Context) Run(addrs []Address) Result {
	c.start = time.Now()
	c.excused, c.marked, c.lastCharge = 0, false, 0
	c.matches = nil
	c.stack = false
	any := false
	for _, a := range addrs {
		id, ok := c.e.addrs[a.Name]
		if !ok {
			continue
		}
		c.values[id] = a.Value
		c.present[id] = true
		c.fresh[id] = true
		any = true
	}
	if any {
		c.sink.gen++ // the detectors' inputs may have changed
	}
	if any {
		c.evalAll() // after a timeout, only the block-list rules run
	}
	clear(c.fresh)
	now := time.Now()
	d := now.Sub(c.start)
	if !c.warming {
		c.spent += max(c.endCharge(now), 0)
	}
	c.marked = false
	return Result{Matches: c.matches, Block: c.block, StackTrace: c.stack, TimedOut: c.timedOut, Duration: d}
}

// overBudget reports whether the time budget is spent, checking the clock
// only every 32 evaluations.
func (c *Context) overBudget() bool {
	if c.timedOut {
		return true
	}
	c.evals++
	if c.evals&31 != 0 {
		return false
	}
	return c.checkBudget()
}

// runCharge returns what the current run has charged to the budget at
// now: its wall time less its one-time builds, or, from the mark, the
// thread's CPU time when verify is set and the thread is the one marked
// (one system call, made only by slow runs).
func (c *Context) runCharge(now time.Time, verify bool) time.Duration {
	if !c.marked {
		return now.Sub(c.start) - c.excused
	}
	d := now.Sub(c.markWall)
	if verify {
		if cpu, ok := c.mark.since(); ok && cpu < d {
			d = cpu
		}
	}
	return c.markCharge + d - (c.excused - c.markExcused)
}

// endCharge is what the run charges when it ends at now. A run that
// never got past a quarter of the budget at a check is charged by the
// clock, but at most a quarter of the budget more than at its last check
// where the thread's clock tells waiting apart (one check interval of
// evaluations, at most, ran after it).
func (c *Context) endCharge(now time.Time) time.Duration {
	charge := c.runCharge(now, c.marked)
	if !c.marked && threadClock && c.e.opts.Timeout >= minStallBudget {
		charge = min(charge, c.lastCharge+c.e.opts.Timeout/4)
	}
	return charge
}

// minStallBudget is the smallest budget whose runs tell waiting from
// running (reading a thread's CPU time costs about a microsecond); below
// it the clock alone decides.
const minStallBudget = 100 * time.Microsecond

// checkBudget reads the clock and reports whether the time budget is
// spent, setting timedOut when it is.
//
// The clock is trusted while the run has charged less than a quarter of
// the budget. Past that, the thread's CPU time is marked, and a clock
// over the budget is checked against it: the time the thread spent
// waiting for a CPU is not charged. What ran before the mark is charged
// by the clock, but one check interval (32 evaluations, or the start of
// an address) after a check that found less than a quarter, it is
// charged at most a quarter more: more than that was waiting.
func (c *Context) checkBudget() bool {
	if c.timedOut {
		return true
	}
	budget := c.e.opts.Timeout
	if budget < 0 || c.warming || c.block != nil && !c.e.opts.AllMatches {
		// (after a block only the essential rules run, and they run
		// whatever the budget: the request did not time out)
		return false
	}
	now := time.Now()
	charge := c.runCharge(now, false)
	if !c.marked {
		if c.spent+charge <= budget/4 || budget < minStallBudget {
			c.lastCharge = charge
		} else if m, ok := markThread(); ok {
			c.mark, c.marked = m, true
			c.markCharge = min(charge, c.lastCharge+budget/4)
			c.markWall, c.markExcused = now, c.excused
			charge = c.markCharge
		}
	}
	if c.spent+charge <= budget {
		return false
	}
	if c.marked {
		if charge = c.runCharge(now, true); c.spent+charge <= budget {
			// The thread was waiting: the clock is trusted again
			// from here, up to the budget.
			if m, ok := markThread(); ok {
				c.mark = m
				c.markCharge, c.markWall, c.markExcused = charge, now, c.excused
			}
			return false
		}
	}
	c.timedOut = true
	return true
}

// build builds what the next evaluation of a lazy operator would (state
// is its build state, see target.built), timing it as excused from the
// budget.
//
// It reports false when the operator is not to be evaluated: the warm-up
// collects it instead.
func (c *Context) build(l operator.Lazy, state *atomic.Uint32, whole bool) bool {
	s := state.Load()
	if s == builtAll {
		return true
	}
	if c.collect != nil && s == builtNone {
		*c.collect = append(*c.collect, lazyRef{l, state, whole})
		return false
	}
	var p operator.BuildState
	if s != builtNone {
		p = l.Pending()
	}
	if s == builtNone || p == operator.BuildNext {
		t0 := time.Now()
		l.Build()
		c.excused += time.Since(t0)
		p = l.Pending()
	}
	switch p {
	case operator.Built:
		state.Store(builtAll)
	case operator.BuildLater:
		if s == builtNone {
			state.Store(builtLater)
		}
	}
	return true
}

func (c *Context) evalAll() {
	// Exclusion conditions first, so that they apply to this run's rules.
	if len(c.e.exclRules) > 0 {
		for id, fresh := range c.fresh {
			if fresh && id < len(c.e.views) {
				c.walkAddr(id, true)
			}
		}
	}
	c.refreshActive()
	if !c.e.mixed {
		c.walkFresh(passAll)
		return
	}
	// The rules that block, high-confidence ones, first: a timeout then
	// costs the others.
	c.walkFresh(passBlocking)
	c.walkFresh(passOther)
	c.pass = passAll
}

// walkFresh evaluates the rules of one pass over the run's addresses
// (those that rules of the pass read).
func (c *Context) walkFresh(pass uint8) {
	c.pass = pass
	for _, id := range c.e.walkOrder {
		if c.fresh[id] && c.e.passes[id]&(1<<pass) != 0 {
			c.walkAddr(id, false)
		}
	}
}

func (c *Context) refreshActive() {
	c.active = c.active[:0]
	if !c.e.excluding {
		return
	}
	seen := map[*exclusion]bool(nil)
	for _, r := range c.e.rules {
		for _, x := range r.excludedBy {
			if x.pseudo != nil && !c.exclDone[x.pseudo.idx] {
				continue
			}
			if seen == nil {
				seen = map[*exclusion]bool{}
			}
			if !seen[x] {
				seen[x] = true
				c.active = append(c.active, x)
			}
		}
	}
}

func (c *Context) isActive(x *exclusion) bool {
	for _, a := range c.active {
		if a == x {
			return true
		}
	}
	return false
}

// walkAddr evaluates every view over address id: exclusion pseudo-rules
// when excl is true, the rules otherwise.
func (c *Context) walkAddr(id int, excl bool) {
	c.curAddr = c.e.addrNames[id]
	c.checkBudget()
	for _, v := range c.e.views[id] {
		if !c.viewHasWork(v, excl) {
			continue
		}
		c.path = c.path[:0]
		c.found = false
		c.ws.reset()
		c.resolve(v, c.values[id], 0, 0, excl)
		if !c.found {
			// !exists matches an available address without the key path.
			for _, g := range v.chains {
				for _, t := range g.existence {
					if t.cond.negate && c.targetLive(t, excl) {
						c.condMatched(t, "", "", "")
					}
				}
			}
		}
	}
	if !excl && c.timedOut {
		c.noteCut(id) // after the walk, so that a timeout during it counts
	}
}

// noteCut records that the timeout cut short or skipped the current
// pass over address id (for NotRun), unless a block had stopped the
// rules anyway.
func (c *Context) noteCut(id int) {
	if c.block == nil || c.e.opts.AllMatches {
		c.cut[id] |= 1 << c.pass
	}
}

func (c *Context) viewHasWork(v *view, excl bool) bool {
	if excl {
		return v.excl
	}
	if c.timedOut || c.block != nil && !c.e.opts.AllMatches {
		return v.essential
	}
	// Rules already done are skipped target by target: checking them all
	// here would cost more than the walk saves.
	switch c.pass {
	case passBlocking:
		return v.blocking
	case passOther:
		return v.other
	}
	return v.rules
}

// targetLive reports whether a target still needs evaluating.
func (c *Context) targetLive(t *target, excl bool) bool {
	// (the rule's and the condition's fields, copied into the target)
	if (c.timedOut || c.block != nil && !c.e.opts.AllMatches) && !t.essential {
		return false
	}
	if t.exclusion != excl {
		return false
	}
	ri := t.ruleIdx
	if t.exclusion {
		return !c.exclDone[ri] && c.exclMask[ri]&(1<<t.condIdx) == 0
	}
	if c.pass != passAll && t.rulePass != c.pass {
		return false
	}
	return !c.ruleDone[ri] && c.condMask[ri]&(1<<t.condIdx) == 0
}

// resolve follows the view's key path from v, then walks what it reaches.
//
// A key path element selects the fields of a map with that key, or, when
// it is an integer, the element of a list at that index, counted from the
// end when negative as libddwaf does (-1 is the last element, -2 the one
// before; the match reports the index as the rule wrote it). An index
// reaches any element of the list: MaxElements bounds the walks of
// containers, not a lookup that costs one step.
func (c *Context) resolve(vw *view, v Value, kp, depth int, excl bool) {
	if kp == len(vw.keyPath) {
		c.present1(vw, excl)
		c.walk(vw, v, depth, excl)
		return
	}
	if depth >= MaxDepth {
		return
	}
	key := vw.keyPath[kp]
	switch v.kind {
	case KindMap:
		n := 0
		for i := range v.items {
			if v.items[i].Key != key {
				continue
			}
			if n++; n > MaxElements {
				break
			}
			c.path = append(c.path, pathElem{key: key, idx: -1})
			c.resolve(vw, v.items[i].Value, kp+1, depth+1, excl)
			c.path = c.path[:len(c.path)-1]
		}
	case KindList:
		i, ok := listIndex(key, len(v.items))
		if !ok {
			return
		}
		elem := pathElem{idx: i}
		if key[0] == '-' {
			elem = pathElem{key: key, idx: -1} // reported as written
		}
		c.path = append(c.path, elem)
		c.resolve(vw, v.items[i].Value, kp+1, depth+1, excl)
		c.path = c.path[:len(c.path)-1]
	}
}

// listIndex returns the element of a list of n elements that the key path
// element key selects: key is a decimal integer, counted from the end when
// negative (-1 is n-1), as libddwaf's key paths do.
func listIndex(key string, n int) (int, bool) {
	i, err := strconv.Atoi(key)
	if err != nil {
		return 0, false
	}
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// present1 evaluates the existence targets of a view whose path exists.
func (c *Context) present1(vw *view, excl bool) {
	c.found = true
	for _, g := range vw.chains {
		for _, t := range g.existence {
			if !c.targetLive(t, excl) || c.inputExcluded(t) {
				continue
			}
			if t.cond.negate {
				continue // !exists: the path exists, so it fails
			}
			c.condMatched(t, "", "", "")
		}
	}
}

func (c *Context) walk(vw *view, v Value, depth int, excl bool) {
	if (c.timedOut || c.block != nil && !c.e.opts.AllMatches) && !vw.essential {
		return
	}
	switch v.kind {
	case KindMap:
		if depth >= MaxDepth {
			return
		}
		for i := range v.items {
			if !c.moreElements(i) {
				break
			}
			f := &v.items[i]
			c.path = append(c.path, pathElem{key: f.Key, idx: -1})
			if vw.keysOnly {
				c.scalar(vw, operator.Key, f.Key, excl)
			}
			c.walk(vw, f.Value, depth+1, excl)
			c.path = c.path[:len(c.path)-1]
		}
	case KindList:
		if depth >= MaxDepth {
			return
		}
		for i := range v.items {
			if !c.moreElements(i) {
				break
			}
			c.path = append(c.path, pathElem{idx: i})
			c.walk(vw, v.items[i].Value, depth+1, excl)
			c.path = c.path[:len(c.path)-1]
		}
	case KindString:
		if !vw.keysOnly {
			c.inspectString(vw, v.s, depth, excl)
		}
	case KindNumber:
		if !vw.keysOnly {
			c.scalar(vw, operator.Number, v.s, excl)
		}
	case KindBool:
		if !vw.keysOnly {
			c.scalarBool(vw, v.b, excl)
		}
	}
}

func bytesOf(s string) []byte {
	if len(s) > MaxStringLength {
		s = s[:MaxStringLength]
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// scalar evaluates the live targets of the view on one value. Per chain
// group the value is transformed once and scanned once for the literals of
// every target; only the targets whose literals occur, and those without
// literals, are considered, so the cost follows what the value contains
// rather than the number of rules.
func (c *Context) scalar(vw *view, kind operator.Kind, s string, excl bool) {
	if c.ws.level == 0 {
		c.ws.sent = s
	}
	if c.e.cache == nil || c.warming || c.ws.binary {
		// (a value found clean in binary bytes was not read by every rule)
		c.evalScalar(vw, kind, s, excl)
		return
	}
	fp := c.e.fingerprintIn(c.pass, vw, kind, excl, s)
	slot := &c.e.cache[fp&uint64(len(c.e.cache)-1)]
	if slot.Load() == fp {
		// Found clean with every target of the view live: clean again,
		// and with fewer targets live (a block, a timeout, conditions
		// already matched) too.
		c.cacheHits++
		return
	}
	live, conds := c.viewLive(vw), c.conds
	c.evalScalar(vw, kind, s, excl)
	if live && c.conds == conds && c.viewLive(vw) {
		slot.Store(fp)
	}
}

// viewLive reports whether every target of the view is live: no block,
// no timeout, and no condition that the view reads matched yet in the
// request (a matched condition's targets are not evaluated again).
func (c *Context) viewLive(vw *view) bool {
	return c.block == nil && !c.timedOut && !c.viewDirty[vw.idx]
}

// evalScalar is scalar without the cache.
func (c *Context) evalScalar(vw *view, kind operator.Kind, s string, excl bool) {
	raw := bytesOf(s)
	// Chains often give the same bytes (a plain value is unchanged by
	// most transformers): each distinct result is a variant, scanned once,
	// and an operator runs at most once per variant.
	//
	// A decoded form of the value evaluated just before (its escapes
	// decoded) keeps that value's variants: the chains that URL-decode
	// give the same bytes for both, and an operator that ran on those
	// bytes does not run again. The kept variants are compared by
	// content from now on (the transformers' buffers are rewritten).
	share := c.shareSeq != 0 && c.shareSeq == c.evalSeq
	c.shareSeq = 0
	c.evalSeq++
	if share {
		for i := 0; i < c.nvars; i++ {
			c.vars[i].src = nil
		}
	} else {
		c.nvars = 0
		c.valEpoch++
		if c.valEpoch == 0 {
			clear(c.opEpoch)
			clear(c.splitEpoch)
			c.valEpoch = 1
		}
	}
	if c.tEpoch++; c.tEpoch == 0 {
		clear(c.pstamp)
		c.tEpoch = 1
	}
	c.memo = c.memo[:0]
	c.keepKnown, c.keepMask = 0, 0
	c.foldKnown, c.foldMask = 0, 0
	c.raw, c.rawLen = unsafe.SliceData(raw), len(raw)
	if kind == operator.Number {
		// Only the operators that can match a number run on it.
		for _, g := range vw.chains {
			if len(g.nonString) == 0 {
				continue
			}
			in := raw
			if len(g.funcs) > 0 && !c.keeps(g, raw) {
				in = c.transform(g, raw)
			}
			v := c.variantOf(in)
			for _, t := range g.nonString {
				if !c.try(t, kind, in, excl, v) {
					return
				}
			}
		}
		return
	}
	chains := vw.chains
	// (A decoded form shared with the value it came from runs its chains
	// one by one, as that value did when it had escapes: most of them
	// give the bytes they gave then, and their sets are not run again.)
	if mv := vw.merged.Load(); mv != nil && !share {
		if !c.evalMergedView(mv, kind, raw, excl) {
			return
		}
		chains = mv.rest
	}
	c.evalGroups(chains, kind, raw, excl)
}

// evalMergedView evaluates the merged groups of a view on raw, the value
// being evaluated (see mergedView); it returns false when evaluation stops
// there.
func (c *Context) evalMergedView(mv *mergedView, kind operator.Kind, raw []byte, excl bool) bool {
	if !c.keepsFns(mv.fns, raw) {
		// Some transformers change the value: the groups that do not
		// have them merged, then the others one by one. (The value's own
		// form first, as the merged view reads a value that every chain
		// keeps: a payload that a rule reads as sent, such as a JNDI
		// lookup, is reported by that rule rather than by one that
		// finds it after a transformer cut it, when both block.)
		if p := c.partial(mv, mv.fns&^c.keepMask); p != nil {
			return (p.mv == nil || c.evalMergedView(p.mv, kind, raw, excl)) && c.evalGroups(p.with, kind, raw, excl)
		}
		return c.evalGroups(mv.groups, kind, raw, excl)
	}
	if mv.low == nil || c.keepsFns(mv.fold, raw) || c.foldsFns(mv.fold, raw) {
		return c.evalMerged(&mv.mergedSets, mv.fold, kind, raw, excl)
	}
	for i := range mv.without {
		w := &mv.without[i]
		if w.low == nil || c.keepsFns(w.fold, raw) || c.foldsFns(w.fold, raw) {
			return c.evalMerged(&w.mergedSets, w.fold, kind, raw, excl) && c.evalGroups(w.with, kind, raw, excl)
		}
	}
	return c.evalGroups(mv.groups, kind, raw, excl)
}

// evalMerged evaluates merged sets on raw, the value being evaluated,
// which the sets' transformers but the lowercasing ones (fold) keep; it
// returns false when evaluation stops there.
func (c *Context) evalMerged(ms *mergedSets, fold uint32, kind operator.Kind, raw []byte, excl bool) bool {
	low := raw
	if ms.low != nil && !c.keepsFns(fold, raw) {
		if !c.foldsFns(fold, raw) {
			return c.evalGroups(ms.groups, kind, raw, excl)
		}
		low = c.transform(ms.lowChain, raw)
	}
	if ms.raw != nil && !c.evalSet(ms.raw, kind, raw, excl) {
		return false
	}
	return ms.low == nil || c.evalSet(ms.low, kind, low, excl)
}

// foldsFns reports whether every transformer of fold (bits of
// Engine.fnFold) gives raw, the value being evaluated, lowercased.
func (c *Context) foldsFns(fold uint32, raw []byte) bool {
	return checkFns(fold, raw, c.e.fnFold, &c.foldKnown, &c.foldMask)
}

// checkFns reports whether check[n](raw) holds for every bit n of fns,
// running each check at most once a value: known has the bits of the
// checks that ran, yes of those that held.
func checkFns(fns uint32, raw []byte, check []func([]byte) bool, known, yes *uint32) bool {
	for need := fns &^ *known; need != 0; need &= need - 1 {
		n := bits.TrailingZeros32(need)
		if check[n](raw) {
			*yes |= 1 << n
		}
		*known |= 1 << n
	}
	return fns&^*yes == 0
}

// evalGroups evaluates chain groups one by one on raw, the value being
// evaluated; it returns false when evaluation stops there.
func (c *Context) evalGroups(groups []*chainGroup, kind operator.Kind, raw []byte, excl bool) bool {
	for _, g := range groups {
		if len(g.targets) == 0 {
			continue
		}
		in := raw
		if len(g.funcs) > 0 && !c.keeps(g, raw) {
			in = c.transform(g, raw)
		}
		if !c.evalSet(g.set(), kind, in, excl) {
			return false
		}
	}
	return true
}

// evalSet evaluates the targets of s on in, a form of the value being
// evaluated; it returns false when evaluation stops there.
func (c *Context) evalSet(s *targetSet, kind operator.Kind, in []byte, excl bool) bool {
	v := c.variantOf(in)
	vr := &c.vars[v]
	// A set already evaluated on the same bytes (two chains with the same
	// targets, or a decoded form whose chains give the bytes the value's
	// gave) finds nothing new: each operator ran on them once, and a
	// target not live then is not live now.
	for _, d := range vr.done {
		if d.s == s && d.excl == excl && !c.e.evalAllSets {
			return true
		}
	}
	if !c.evalSetOnce(s, vr, v, kind, in, excl) {
		return false
	}
	vr.done = append(vr.done, doneSet{s, excl})
	return true
}

// evalSetOnce is evalSet on variant v (vr) of the value.
func (c *Context) evalSetOnce(s *targetSet, vr *variant, v int, kind operator.Kind, in []byte, excl bool) bool {
	if len(s.always) > 0 {
		if !vr.filled {
			vr.bytes.Fill(in)
			vr.filled = true
		}
		// Most of these targets need a byte the value does not have:
		// the value is checked against each run's set (when it meets
		// one of them), and only the targets of the runs it meets are
		// tried.
		if vr.bytes.Meets(&s.alwaysAny) {
			sets, start := c.e.firstSets, uint32(0)
			for _, r := range s.alwaysRuns {
				if vr.bytes.Meets(&sets[r.first]) {
					for _, t := range s.always[start:r.end] {
						if !c.try(t, kind, in, excl, v) {
							return false
						}
					}
				}
				start = r.end
			}
		}
	}
	if len(s.litTargets) == 0 {
		return true
	}
	c.epoch++
	if c.epoch == 0 { // wrapped: forget old stamps
		clear(c.stamp)
		c.epoch = 1
	}
	if !vr.marked {
		set := vr.set[:c.e.words]
		if o := c.foldTwin(vr, in); o != nil {
			// The matcher folds ASCII case: a value's lowercased
			// form holds the literals the value holds.
			copy(set, o.set)
			vr.nz = append(vr.nz[:0], o.nz...)
		} else {
			clear(set)
			words := c.e.matcher.Mark(in, set)
			// The words holding found literals: usually a few of many.
			vr.nz = vr.nz[:0]
			if len(set) <= 63 {
				for ; words != 0; words &= words - 1 {
					vr.nz = append(vr.nz, uint16(bits.TrailingZeros64(words)))
				}
			} else {
				for w, word := range set {
					if word != 0 {
						vr.nz = append(vr.nz, uint16(w))
					}
				}
			}
		}
		vr.set, vr.marked = set, true
	}
	set, sets := vr.set, c.e.firstSets
	for _, w := range vr.nz {
		word := set[w] & s.mask[w]
		for word != 0 {
			id := int32(int(w)<<6 + bits.TrailingZeros64(word))
			word &= word - 1
			ts, fs := s.byLit(int(id))
			if !vr.filled {
				vr.bytes.Fill(in)
				vr.filled = true
			}
			for i := 0; i < len(ts); {
				f, j := fs[i], i+1
				for j < len(ts) && fs[j] == f {
					j++
				}
				if !vr.bytes.Meets(&sets[f]) {
					i = j
					continue
				}
				for _, ti := range ts[i:j] {
					if c.stamp[ti] == c.epoch {
						continue
					}
					c.stamp[ti] = c.epoch
					if !c.try(c.e.byIdx[ti], kind, in, excl, v) {
						return false
					}
				}
				i = j
			}
		}
	}
	return true
}

// foldTwin returns a marked variant other than vr whose bytes equal in
// but for the case of ASCII letters, or nil.
func (c *Context) foldTwin(vr *variant, in []byte) *variant {
	for i := 0; i < c.nvars; i++ {
		if o := &c.vars[i]; o != vr && o.marked && len(o.b) == len(in) && asciiFoldEqual(o.b, in) {
			return o
		}
	}
	return nil
}

// asciiFoldEqual reports whether a and b, of the same length, are equal
// with ASCII letters folded to lower case (the literal matcher's
// equality).
func asciiFoldEqual(a, b []byte) bool {
	b = b[:len(a)]
	for i, x := range a {
		if y := b[i]; x != y && (x|0x20 != y|0x20 || x|0x20-'a' > 'z'-'a') {
			return false
		}
	}
	return true
}

// maxVariants bounds the distinct transformed forms of one value that are
// remembered; a value with more (rare) uses the last slot for the rest.
const maxVariants = 8

// variant is one distinct transformed form of the value being evaluated.
type variant struct {
	b      []byte
	src    *byte    // the first byte of the slice b was copied from
	set    []uint64 // literals found, once marked
	nz     []uint16 // the indexes of set's nonzero words
	marked bool
	bytes  operator.ByteSet // bytes present, once filled
	filled bool
	// done are the target sets evaluated on these bytes for the value
	// (see evalSet).
	done []doneSet
}

// doneSet is a target set evaluated on a variant, with or without the
// exclusions' conditions.
type doneSet struct {
	s    *targetSet
	excl bool
}

// variantOf returns the index of the variant holding in, adding it.
func (c *Context) variantOf(in []byte) int {
	// Chains that change nothing hand on the same bytes: the same memory
	// is the same variant, without comparing (the buffers a value's
	// transformers write stay as they are until the next value).
	if len(in) > 0 {
		for i := 0; i < c.nvars; i++ {
			if vr := &c.vars[i]; vr.src == &in[0] && len(vr.b) == len(in) {
				return i
			}
		}
	}
	for i := 0; i < c.nvars; i++ {
		if bytes.Equal(c.vars[i].b, in) {
			return i
		}
	}
	i := c.nvars
	if i == maxVariants {
		i = maxVariants - 1 // reuse the last slot: correct, only less sharing
	} else {
		c.nvars++
	}
	vr := &c.vars[i]
	vr.b = append(vr.b[:0], in...)
	vr.src = nil
	if len(in) > 0 {
		vr.src = &in[0]
	}
	vr.marked, vr.filled, vr.done = false, false, vr.done[:0]
	if i == maxVariants-1 {
		// The slot may have served another form of this value: forget which
		// operators ran on it.
		c.valEpoch++
		if c.valEpoch == 0 {
			clear(c.opEpoch)
			clear(c.splitEpoch)
			c.valEpoch = 1
		}
	}
	return i
}

// try evaluates one target on a (transformed) value, variant v of the
// value. It returns false when the time budget is spent.
func (c *Context) try(t *target, kind operator.Kind, in []byte, excl bool, v int) bool {
	// (the byte filter first: it stops most values, and reads only the
	// target and the value's bytes)
	vr := &c.vars[v]
	if bs := t.bytes; bs != nil {
		if !vr.filled {
			vr.bytes.Fill(in)
			vr.filled = true
		}
		if !bs.Pass(&vr.bytes) {
			return true
		}
	}
	if !c.targetLive(t, excl) {
		return true
	}
	if !t.cond.rule.essential && c.overBudget() {
		return true // from now on only the block-list rules run
	}
	if c.inputExcluded(t) {
		return true
	}
	// The same operator on the same bytes gives the same answer.
	if c.opEpoch[t.idx] != c.valEpoch {
		c.opEpoch[t.idx], c.opMask[t.idx] = c.valEpoch, 0
	}
	bit := uint8(1) << uint(v)
	if c.opMask[t.idx]&bit != 0 {
		return true
	}
	c.opMask[t.idx] |= bit
	if cd := t.cond; cd.split > 0 {
		// A value often holds the literals of several branches of one
		// expression (or, and, select in a sentence): the first runs
		// alone, the second runs the whole expression once for all of
		// them.
		n := cd.num
		if c.splitEpoch[n] != c.valEpoch {
			c.splitEpoch[n], c.splitTried[n], c.splitFull[n] = c.valEpoch, 0, 0
		}
		switch {
		case c.splitFull[n]&bit != 0:
			return true // no branch matches these bytes
		case c.splitTried[n]&bit != 0:
			c.splitFull[n] |= bit
			if cd.lazy != nil && cd.built.Load() != builtAll && !c.build(cd.lazy, &cd.built, true) {
				return true
			}
			val := operator.Value{Kind: kind, Bytes: in}
			if d, ok := cd.op.(operator.Decider); ok {
				if d.Matches(val) && c.condDone(t) {
					c.reportLazy(t, c.ws.sent, string(in), cd.op, kind)
				}
			} else if hl, ok := cd.op.Eval(val); ok {
				c.condMatched(t, c.ws.sent, string(in), hl)
			}
			return true
		}
		c.splitTried[n] |= bit
	}
	// (the state is read here first: built is the common case, and
	// build is not inlined)
	if t.lazy != nil && t.built.Load() != builtAll && !c.build(t.lazy, &t.built, false) {
		return true
	}
	val := operator.Value{Kind: kind, Bytes: in}
	if t.dec != nil {
		// Whether it matches is all the verdict needs: the match's
		// position is found if its highlight is asked for (see
		// Match.Highlight), and a condition among several (or an
		// exclusion's) only sets its bit.
		if t.dec.Matches(val) != t.cond.negate && c.condDone(t) {
			var op operator.Operator
			if !t.cond.negate {
				op = t.op // (a negated operator highlights nothing)
			}
			c.reportLazy(t, c.ws.sent, string(in), op, kind)
		}
		return true
	}
	hl, ok := t.op.Eval(val)
	if ok != t.cond.negate {
		c.condMatched(t, c.ws.sent, string(in), hl)
	}
	return true
}

func (c *Context) scalarBool(vw *view, b bool, excl bool) {
	for _, g := range vw.chains {
		for _, t := range g.nonString {
			if !c.targetLive(t, excl) || c.inputExcluded(t) {
				continue
			}
			hl, ok := t.op.Eval(operator.Value{Kind: operator.Bool, Bool: b})
			if ok != t.cond.negate {
				c.condMatched(t, strconv.FormatBool(b), strconv.FormatBool(b), hl)
			}
		}
	}
}

// anyBit reports whether one of the bits ids is set.
func anyBit(set []uint64, ids []int) bool {
	for _, id := range ids {
		if set[id>>6]&(1<<(uint(id)&63)) != 0 {
			return true
		}
	}
	return false
}

// keeps reports whether every transformer of g's chain leaves raw, the
// value being evaluated, as it is (each then reads raw): the chain's
// result is raw itself. Each transformer's check runs at most once per
// value.
func (c *Context) keeps(g *chainGroup, raw []byte) bool {
	return g.allFns && c.keepsFns(g.fns, raw)
}

// keepsFns reports whether every transformer of fns (bits of
// Engine.fnKeep) leaves raw, the value being evaluated, unchanged.
func (c *Context) keepsFns(fns uint32, raw []byte) bool {
	return checkFns(fns, raw, c.e.fnKeep, &c.keepKnown, &c.keepMask)
}

// transform applies a chain group's transformers.
//
// Chains of the same view often share a prefix (url_decode_iis first, then
// remove_nulls, ...): the result of every prefix is kept for the value
// being evaluated, and a chain starts from the longest one computed.
func (c *Context) transform(g *chainGroup, src []byte) []byte {
	start, cur := 0, src
	for k := len(g.funcs); k > 0; k-- {
		if id := g.prefix[k-1]; c.pstamp[id] == c.tEpoch {
			start, cur = k, c.pview[id]
			break
		}
	}
	for i := start; i < len(g.funcs); i++ {
		id := g.prefix[i]
		cur = c.step(g.funcs[i], id, cur)
		c.pview[id], c.pstamp[id] = cur, c.tEpoch
	}
	return cur
}

// step runs the last transformer of chain prefix id on in, or reuses its
// result when the same transformer already ran on the same bytes of this
// value. A transformer that changes nothing gives its input back, so that
// the steps after it are shared too.
func (c *Context) step(fn transform.Func, id int32, in []byte) []byte {
	if len(in) == 0 {
		dst := fn(c.pbuf[id][:0], in)
		c.pbuf[id] = dst
		return dst
	}
	name := c.e.stepFn[id]
	known := false // whether keep's answer on in is known (and false)
	if name < 32 && c.keepKnown&(1<<name) != 0 && &in[0] == c.raw && len(in) == c.rawLen {
		if c.keepMask&(1<<name) != 0 {
			return in // (checked by keeps for this value)
		}
		known = true
	}
	for k := range c.memo {
		if m := &c.memo[k]; m.in == &in[0] && m.n == len(in) && m.fn == name {
			return m.out
		}
	}
	if keep := c.e.stepKeep[id]; !known && keep != nil && keep(in) {
		// Nothing to change: no copy to make and compare.
		c.memo = append(c.memo, stepMemo{fn: name, in: &in[0], n: len(in), out: in})
		return in
	}
	dst := fn(c.pbuf[id][:0], in)
	c.pbuf[id] = dst
	out := dst
	if bytes.Equal(dst, in) {
		out = in
	} else if len(out) > MaxStringLength*2 {
		out = out[:MaxStringLength*2]
	}
	c.memo = append(c.memo, stepMemo{fn: name, in: &in[0], n: len(in), out: out})
	return out
}

func (c *Context) inputExcluded(t *target) bool {
	r := t.cond.rule
	if len(r.excludedBy) == 0 {
		return false
	}
	for _, x := range r.excludedBy {
		if !c.isActive(x) {
			continue
		}
		if x.bypass {
			return true
		}
		for _, in := range x.inputs {
			if in.addr != c.curAddr || len(in.keyPath) > len(c.path) {
				continue
			}
			match := true
			for i, k := range in.keyPath {
				p := c.path[i]
				if p.idx >= 0 {
					if strconv.Itoa(p.idx) != k {
						match = false
						break
					}
				} else if p.key != k {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}

func (c *Context) keyPath() []string {
	if len(c.path) == 0 {
		return nil
	}
	out := make([]string, len(c.path))
	for i, p := range c.path {
		if p.idx >= 0 {
			out[i] = strconv.Itoa(p.idx)
		} else {
			out[i] = p.key
		}
	}
	return out
}

// condMatched records a matched condition and, when it completes its rule,
// the rule's match: sent is the value as the request carried it, value
// the form the operator matched.
func (c *Context) condMatched(t *target, sent, value, highlight string) {
	if c.condDone(t) {
		c.report(t, sent, value, highlight)
	}
}

// completes reports whether a match of t's condition would complete its
// rule (not an exclusion's), so that the match, with its value and
// highlight, is reported.
func (c *Context) completes(t *target) bool {
	r := t.cond.rule
	return r.exclusion == nil && c.condMask[r.idx]|1<<t.cond.idx == fullMask(len(r.conds))
}

// condDone records that t's condition matched and reports whether that
// completes its rule (not an exclusion's).
func (c *Context) condDone(t *target) bool {
	r := t.cond.rule
	if c.ws.binary && r.controlBytes {
		return false
	}
	c.conds++
	if r.exclusion != nil {
		c.exclMask[r.idx] |= 1 << t.cond.idx
		if c.exclMask[r.idx] == fullMask(len(r.conds)) {
			c.exclDone[r.idx] = true
		}
		return false
	}
	c.condMask[r.idx] |= 1 << t.cond.idx
	for _, v := range t.cond.views {
		c.viewDirty[v] = true
	}
	if c.condMask[r.idx] != fullMask(len(r.conds)) {
		return false
	}
	c.ruleDone[r.idx] = true
	return true
}

// report adds the match of t's completed rule.
func (c *Context) report(t *target, sent, value, highlight string) {
	c.addMatch(t, sent, value, highlight, nil, 0)
}

// reportLazy is report for a match whose highlight op finds in value when
// it is asked for (nil: no highlight).
func (c *Context) reportLazy(t *target, sent, value string, op operator.Operator, kind operator.Kind) {
	c.addMatch(t, sent, value, "", op, kind)
}

// addMatch adds the match of t's completed rule: with its highlight, or,
// when op is set, the way to it.
func (c *Context) addMatch(t *target, sent, value, highlight string, op operator.Operator, kind operator.Kind) {
	r := t.cond.rule
	kp := c.keyPath()
	var lazy *lazyHighlight
	if redact.Address(c.curAddr) || redact.Path(kp) {
		sent, value, highlight = redact.Placeholder, redact.Placeholder, redact.Placeholder
	} else {
		if op != nil {
			lazy = &lazyHighlight{op: op, kind: kind, in: value}
		}
		same := sent == value
		value = redact.Truncate(redact.Value(value), maxValueInReport)
		if same {
			sent = value
		} else {
			sent = redact.Truncate(redact.Value(sent), maxValueInReport)
		}
		highlight = redact.Truncate(redact.Value(highlight), maxValueInReport)
	}
	m := Match{
		RuleID: r.id, RuleName: r.name, Type: r.typ, Category: r.category, Tags: r.tags,
		Operator: t.cond.opName, Address: c.curAddr, KeyPath: kp,
		Value: value, Raw: sent, highlight: highlight, lazy: lazy, Actions: r.onMatch, StackTrace: r.stack,
		Decoded: c.ws.decoded,
	}
	if r.block && !c.monitored(r) {
		m.Blocking = true
		m.Block = c.e.blockAction(r)
		if c.block == nil {
			c.block = m.Block
		}
	}
	if r.stack {
		c.stack = true
	}
	c.matches = append(c.matches, m)
}

func (c *Context) monitored(r *rule) bool {
	for _, x := range r.excludedBy {
		if x.monitor && c.isActive(x) {
			return true
		}
	}
	return false
}

func fullMask(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

func (e *Engine) blockAction(r *rule) *Action {
	spec := e.actions[r.blockAction]
	a := &Action{ID: r.blockAction, Type: spec.Type, StatusCode: 403, ContentType: "auto", GRPCStatusCode: 7, RuleID: r.id}
	if n, ok := number(spec.Parameters["status_code"]); ok {
		a.StatusCode = int(n)
	}
	if n, ok := number(spec.Parameters["grpc_status_code"]); ok {
		a.GRPCStatusCode = int(n)
	}
	if t, ok := spec.Parameters["type"].(string); ok {
		a.ContentType = t
	}
	if spec.Type == "redirect_request" {
		a.Location, _ = spec.Parameters["location"].(string)
		if _, ok := spec.Parameters["status_code"]; !ok {
			a.StatusCode = 303
		}
	}
	return a
}
