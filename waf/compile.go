package waf

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart/waf/literal"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// New compiles a ruleset into an Engine.
//
// It runs in phases: the actions and rules data (newEngine); the split of
// the rules' expressions into branches and their prefilters' analysis, on
// all CPUs (prepareOperators); the rules and the exclusions (a compiler:
// operators, transformer chains, views and chain groups); the literal
// prefilter over every target (analyzePrefilters, buildPrefilter); the
// evaluation passes and what reads each view (setPasses, markViews); then
// the cache of clean values and the warm-up.
func New(rs *Ruleset, opts Options) (*Engine, error) {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	e, err := newEngine(rs, opts)
	if err != nil {
		return nil, err
	}
	c := newCompiler(e)
	all := make([]Rule, 0, len(rs.CustomRules)+len(rs.Rules))
	all = append(all, rs.CustomRules...)
	all = append(all, rs.Rules...)
	all = applyOverrides(all, rs.Overrides)
	prepareOperators(all)
	for _, rr := range all {
		c.rule(rr)
	}
	for _, ex := range rs.Exclusions {
		c.exclusion(ex)
	}
	if len(c.errs) > 0 {
		return nil, &RulesetError{Problems: c.errs}
	}
	c.finishGroups()
	// Literal prefilter: one automaton over the literals of every
	// condition. Scanning costs one table lookup per byte whatever the
	// number of literals, so a single shared matcher is as fast as one per
	// group, and is built once.
	e.buildPrefilter(e.analyzePrefilters(c.nTargets))
	e.setPasses()
	e.setWalkOrder()
	e.markViews()
	e.flattenTargets()
	e.nPrefixes = len(c.chains.funcs)
	e.stepName = c.chains.stepNames()
	e.stepKeep = make([]func([]byte) bool, len(e.stepName))
	e.stepFn = make([]uint32, len(e.stepName))
	fnum := map[string]uint32{}
	for id, name := range e.stepName {
		if _, ok := fnum[name]; !ok {
			fnum[name] = uint32(len(fnum))
			e.fnKeep = append(e.fnKeep, nil)
			e.fnFold = append(e.fnFold, nil)
		}
		e.stepFn[id] = fnum[name]
		if _, canon, ok := transform.Lookup(name); ok {
			e.stepKeep[id] = transform.Keeps(canon)
			e.fnKeep[fnum[name]] = e.stepKeep[id]
			if f := transform.KeepsFolded(canon); f != nil && fnum[name] < 32 {
				e.fnFold[fnum[name]] = f
				if canon != "lowercase" {
					e.foldRewrites |= 1 << fnum[name]
				}
			}
		}
	}
	for _, g := range e.chainGroups() {
		g.allFns = len(g.funcs) > 0
		for _, id := range g.prefix {
			if n := e.stepFn[id]; n < 32 && e.fnKeep[n] != nil {
				g.fns |= 1 << n
			} else {
				g.allFns = false
			}
		}
	}
	e.nViews = len(c.views)
	e.makeCache(opts.ValueCache, len(rs.Exclusions) > 0, len(c.views))
	nChains := len(c.groups)
	e.pool.New = func() any { return newContext(e, nChains) }
	e.warmed = make(chan struct{})
	switch {
	case opts.NoWarmUp:
		e.merge()
		close(e.warmed)
	case opts.WaitWarmUp:
		e.WarmUp()
		close(e.warmed)
	default:
		go func() {
			defer close(e.warmed)
			e.WarmUp()
		}()
	}
	return e, nil
}

// prepareOperators splits the operators that the request rules' conditions
// bring compiled (from ParseRuleset) into their branches, and analyzes the
// prefilters of each branch (or of the whole operator when it does not
// split), on all CPUs (at most 8), the costliest first: for a ruleset
// whose expressions are not known in advance (see regex/known.go), this
// is most of New's work. The compiler then finds them split
// (operator.Decomposable splits once) and analyzed. An operator used by
// several conditions is prepared once, for the first, which is the one
// that keeps it (see compiler.condition).
func prepareOperators(rules []Rule) {
	type job struct {
		op   operator.Operator
		cost int
	}
	var jobs []job
	seen := map[operator.Operator]bool{}
	for _, rr := range rules {
		if rr.Enabled != nil && !*rr.Enabled || isSinkRule(rr) || isSinkOnly(rr) {
			continue
		}
		for _, cd := range rr.Conditions {
			op := cd.compiled
			if op == nil || seen[op] || strings.HasPrefix(cd.Operator, "!") {
				continue
			}
			seen[op] = true
			cost := 0
			if k, ok := op.(operator.Costly); ok {
				cost = k.Cost()
			}
			jobs = append(jobs, job{op, cost})
		}
	}
	// Below a few KiB of expressions the goroutines would cost more than
	// they save (the default ruleset's are known in advance: they cost
	// nothing).
	total := 0
	for _, j := range jobs {
		total += j.cost
	}
	workers := min(runtime.GOMAXPROCS(0), 8, len(jobs))
	if total < 4096 {
		workers = min(workers, 1)
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return b.cost - a.cost })
	if workers <= 1 {
		for _, j := range jobs {
			prepareOperator(j.op)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				prepareOperator(jobs[i].op)
			}
		}()
	}
	wg.Wait()
}

// prepareOperator builds what the prefilter reads of an operator: its
// branches, their required literals and bytes (each kept by the operator).
func prepareOperator(op operator.Operator) {
	ops := []operator.Operator{op}
	if d, ok := op.(operator.Decomposable); ok {
		if bs := d.Branches(); len(bs) > 1 {
			ops = bs
		}
	}
	for _, o := range ops {
		if pf, ok := o.(operator.Prefiltered); ok {
			pf.RequiredLiterals()
		}
		if bf, ok := o.(operator.ByteFiltered); ok {
			bf.RequiredBytes()
		}
	}
}

// newEngine returns an engine with the ruleset's actions (over the
// built-in ones) and its rules data, before any rule is compiled.
func newEngine(rs *Ruleset, opts Options) (*Engine, error) {
	e := &Engine{
		opts:     opts,
		addrs:    map[string]int{},
		data:     map[string]*operator.Data{},
		actions:  map[string]ActionSpec{},
		rulesVer: rs.RulesVersion,
	}
	for id, a := range builtinActions {
		e.actions[id] = a
	}
	for _, a := range rs.Actions {
		e.actions[a.ID] = a
	}
	for _, d := range rs.Data {
		dd, err := operator.NewData(d.ID, d.Type)
		if err != nil {
			return nil, err
		}
		if err := dd.Update(d.Data); err != nil {
			return nil, err
		}
		e.data[d.ID] = dd
	}
	return e, nil
}

// compiler compiles the rules and exclusions of a ruleset into an engine:
// it holds the views and chain groups made so far, by key, and the
// problems found (all of them, not just the first).
type compiler struct {
	e      *Engine
	errs   []*RuleError
	views  map[viewKey]*view
	groups map[groupKey]*chainGroup
	chains *chains
	// compiled holds the operators that conditions brought compiled (from
	// ParseRuleset's validation) once a condition uses them.
	compiled map[operator.Operator]bool
	// nTargets counts the targets made, for analyzePrefilters.
	nTargets int
}

func newCompiler(e *Engine) *compiler {
	return &compiler{
		e:        e,
		views:    map[viewKey]*view{},
		groups:   map[groupKey]*chainGroup{},
		chains:   newChains(),
		compiled: map[operator.Operator]bool{},
	}
}

// fail records a problem of a rule.
func (c *compiler) fail(ruleID, path, msg string) {
	c.errs = append(c.errs, &RuleError{RuleID: ruleID, Path: path, Msg: msg})
}

// rule compiles a rule of the ruleset, unless it is disabled: a sink rule
// (evaluated at sinks, see sink.go) or a request rule.
func (c *compiler) rule(rr Rule) {
	if rr.Enabled != nil && !*rr.Enabled {
		return
	}
	e := c.e
	r := &rule{idx: len(e.rules), id: rr.ID, name: rr.Name, tags: rr.Tags, typ: rr.Tags["type"], category: rr.Tags["category"], onMatch: rr.OnMatch}
	r.controlBytes = r.typ == "http_protocol_violation"
	if isSinkRule(rr) || isSinkOnly(rr) {
		e.compileSinkRule(r, rr, &c.errs)
		return
	}
	if len(rr.Conditions) > 64 {
		c.fail(rr.ID, "conditions", "more than 64 conditions")
		return
	}
	c.conditions(r, rr.Conditions, rr.Transformers)
	r.essential = len(rr.Conditions) > 0
	for _, cd := range rr.Conditions {
		if _, ok := cd.Params["data"]; !ok {
			r.essential = false
		}
	}
	e.setActions(r)
	e.rules = append(e.rules, r)
}

// exclusion compiles an exclusion: its conditions, as a pseudo-rule, and
// the rules it targets (request and sink rules, all compiled before).
func (c *compiler) exclusion(ex Exclusion) {
	e := c.e
	x := &exclusion{id: ex.ID, monitor: ex.OnMatch == "monitor"}
	for _, in := range ex.Inputs {
		x.inputs = append(x.inputs, exclInput{addr: in.Address, keyPath: in.KeyPath})
	}
	x.bypass = len(x.inputs) == 0 && !x.monitor
	if len(ex.Conditions) > 0 {
		pr := &rule{idx: len(e.exclRules), id: "exclusion:" + ex.ID, exclusion: x}
		c.conditions(pr, ex.Conditions, nil)
		x.pseudo = pr
		e.exclRules = append(e.exclRules, pr)
	}
	for _, r := range e.rules {
		if targeted(r, ex.RulesTarget) {
			r.excludedBy = append(r.excludedBy, x)
			e.excluding = true
		}
	}
	for _, sr := range e.sinks {
		if targeted(sr.r, ex.RulesTarget) {
			sr.r.excludedBy = append(sr.r.excludedBy, x)
		}
	}
}

// conditions compiles the conditions of r (a rule, or an exclusion's
// pseudo-rule) into r.conds, and files their targets in the chain groups
// of their inputs; an input without transformers of its own applies the
// rule's, ruleTransformers.
func (c *compiler) conditions(r *rule, src []Condition, ruleTransformers []string) {
	// The rule's chain, resolved on its first use: most inputs share it.
	ruleChain, ruleKeysOnly, ruleResolved := int32(-1), false, false
	for ci, cd := range src {
		cond := c.condition(r, ci, cd)
		if cond == nil {
			continue
		}
		tgts := c.targets(cond)
		for _, in := range cd.Inputs {
			var chain int32
			var keysOnly bool
			if in.hasTransformers {
				chain, keysOnly = c.chains.resolve(in.Transformers)
			} else {
				if !ruleResolved {
					ruleChain, ruleKeysOnly = c.chains.resolve(ruleTransformers)
					ruleResolved = true
				}
				chain, keysOnly = ruleChain, ruleKeysOnly
			}
			c.input(cond, tgts, in, chain, keysOnly)
		}
		r.conds = append(r.conds, cond)
	}
}

// condition compiles cd, the ci-th condition of r; it records the problem
// and returns nil when the operator is unknown or rejects its parameters.
func (c *compiler) condition(r *rule, ci int, cd Condition) *condition {
	name := strings.TrimPrefix(cd.Operator, "!")
	f, ok := operator.Lookup(name)
	if !ok {
		c.fail(r.id, fmt.Sprintf("conditions[%d].operator", ci), fmt.Sprintf("unknown operator %q", cd.Operator))
		return nil
	}
	op, err := cd.compiled, error(nil)
	if op != nil {
		// A Condition copied into another rule brings the same
		// operator: it is compiled again, so that no two targets
		// share an operator (analyzePrefilters analyzes each
		// target's on its own).
		if c.compiled[op] {
			op = nil
		} else {
			c.compiled[op] = true
		}
	}
	if op == nil {
		op, err = f(operator.Params{Raw: cd.Params, Data: c.e.dataFor})
	}
	if err != nil {
		c.fail(r.id, fmt.Sprintf("conditions[%d].parameters", ci), err.Error())
		return nil
	}
	cond := &condition{idx: len(r.conds), opName: cd.Operator, op: op, negate: cd.Operator != name, rule: r}
	if l, ok := op.(operator.Lazy); ok {
		cond.lazy = l
	}
	_, cond.exists = op.(operator.Existence)
	return cond
}

// targets returns the operators that cond runs, each behind its own
// prefilter: the operator itself, or its branches. One target per
// operator serves the chain groups of every input.
func (c *compiler) targets(cond *condition) []*target {
	var tgts []*target
	if d, ok := cond.op.(operator.Decomposable); ok && !cond.negate {
		if bs := d.Branches(); len(bs) > 1 {
			tgts = newTargets(cond, bs...)
			cond.split, cond.num = len(bs), c.e.nSplit
			c.e.nSplit++
		}
	}
	if tgts == nil {
		tgts = newTargets(cond, cond.op)
	}
	c.nTargets += len(tgts)
	return tgts
}

// input files the targets of cond in the chain group of one of its
// inputs: the group of the chain on the view of the input's address and
// key path, in the chain's mode.
func (c *compiler) input(cond *condition, tgts []*target, in Input, chain int32, keysOnly bool) {
	addr := c.e.addrID(in.Address)
	if r := cond.rule; !slices.Contains(r.addrs, addr) {
		r.addrs = append(r.addrs, addr)
	}
	g := c.group(c.view(addr, in.KeyPath, keysOnly), chain)
	if cond.exists {
		g.existence = append(g.existence, tgts...)
	} else {
		g.pending = append(g.pending, tgts)
	}
}

// view returns the view of an address at a key path in a mode, made on
// first use.
func (c *compiler) view(addr int, keyPath []string, keysOnly bool) *view {
	vk := viewKey{addr: addr, n: len(keyPath), keysOnly: keysOnly}
	switch len(keyPath) {
	case 0:
	case 1:
		vk.path = keyPath[0]
	default:
		vk.path = strings.Join(keyPath, "\x01")
	}
	v := c.views[vk]
	if v == nil {
		v = &view{idx: len(c.views), addr: addr, keyPath: keyPath, keysOnly: keysOnly,
			uriPath: c.e.addrNames[addr] == AddrURIRaw && len(keyPath) == 0 && !keysOnly}
		c.views[vk] = v
		e := c.e
		for len(e.views) <= addr {
			e.views = append(e.views, nil)
		}
		e.views[addr] = append(e.views[addr], v)
	}
	return v
}

// group returns the chain group of a transformer chain on a view, made on
// first use.
func (c *compiler) group(v *view, chain int32) *chainGroup {
	gk := groupKey{v: v, chain: chain}
	g := c.groups[gk]
	if g == nil {
		g = &chainGroup{idx: len(c.groups)}
		if chain >= 0 {
			g.funcs, g.prefix = c.chains.funcs[chain], c.chains.prefix[chain]
		}
		c.groups[gk] = g
		v.chains = append(v.chains, g)
	}
	return g
}

// finishGroups turns the pending targets of each group into its targets,
// in order, with one allocation per group.
func (c *compiler) finishGroups() {
	for _, g := range c.groups {
		n := 0
		for _, ts := range g.pending {
			n += len(ts)
		}
		if n > 0 {
			g.targets = make([]*target, 0, n)
		}
		for _, ts := range g.pending {
			g.targets = append(g.targets, ts...)
		}
		g.pending = nil
	}
}

// walkFirst ranks the addresses a run walks first: the client and the
// user, which the block lists read (one lookup each), then the request's
// own values, where attacks are carried, then the request target, then
// the cookies and headers, which clients repeat request after request
// (and whose values the cache of clean values mostly skips). An attack
// found early ends a blocking run early; an ordinary request is walked
// whole in any order. Addresses not listed come after, in the order they
// were first read.
var walkFirst = []string{
	AddrClientIP, AddrUserID, AddrUserLogin, AddrSessionID,
	AddrQuery, AddrBody, AddrPathParams, AddrGRPCMessage, AddrGraphQLAllResolvers, AddrGraphQLResolver,
	AddrURIRaw, AddrBodyFilenames, AddrCookies, AddrHeaders,
}

// setWalkOrder orders the addresses that have views (see walkFirst).
func (e *Engine) setWalkOrder() {
	rank := func(id int) int {
		if i := slices.Index(walkFirst, e.addrNames[id]); i >= 0 {
			return i
		}
		return len(walkFirst)
	}
	e.walkOrder = e.walkOrder[:0]
	for id := range e.views {
		e.walkOrder = append(e.walkOrder, id)
	}
	slices.SortStableFunc(e.walkOrder, func(a, b int) int { return rank(a) - rank(b) })
}

// setPasses decides whether the ruleset is mixed (some request rules run
// in the first pass and others do not) and the pass each rule runs in.
// The first pass holds the rules that block and are not marked of low
// confidence (tags.confidence "0"): when the time budget runs out, what is
// left unevaluated is what matters least, the rules that only report and
// the broad ones.
func (e *Engine) setPasses() {
	nFirst := 0
	for _, r := range e.rules {
		if r.first() {
			nFirst++
		}
	}
	e.mixed = nFirst > 0 && nFirst < len(e.rules)
	for _, r := range e.rules {
		switch {
		case !e.mixed:
			r.pass = passAll
		case r.first():
			r.pass = passBlocking
		default:
			r.pass = passOther
		}
	}
}

// first reports whether r runs in the first pass: it blocks and is not
// marked of low confidence.
func (r *rule) first() bool { return r.block && r.tags["confidence"] != "0" }

// markViews records on each view what reads it (essential rules,
// exclusions, the rules of each pass), and in passes[addr] the passes of
// the rules that read the address. The rules' passes are set.
func (e *Engine) markViews() {
	for _, vs := range e.views {
		for _, v := range vs {
			for _, g := range v.chains {
				for _, ts := range [2][]*target{g.targets, g.existence} {
					for _, t := range ts {
						v.mark(t.cond.rule)
						// The views come one after the other: a condition
						// seen in this one has it last.
						if cv := t.cond.views; len(cv) == 0 || cv[len(cv)-1] != int32(v.idx) {
							t.cond.views = append(cv, int32(v.idx))
						}
					}
				}
			}
		}
	}
	e.passes = make([]uint8, len(e.views))
	for id, vs := range e.views {
		for _, v := range vs {
			if v.rules {
				e.passes[id] |= 1 << passAll
			}
			if v.blocking {
				e.passes[id] |= 1 << passBlocking
			}
			if v.other {
				e.passes[id] |= 1 << passOther
			}
		}
	}
}

// mark records that r, a rule or an exclusion's pseudo-rule, reads the
// view.
func (v *view) mark(r *rule) {
	if r.essential {
		v.essential = true
	}
	if r.exclusion != nil {
		v.excl = true
		return
	}
	v.rules = true
	if r.pass == passOther {
		v.other = true
	} else {
		v.blocking = true
	}
}

// makeCache makes the cache of clean values (see DefaultValueCache) of n
// entries (0 for the default, negative for none), unless the ruleset has
// exclusions or 2^16 views or more (fingerprint packs a view's number in
// 16 bits).
func (e *Engine) makeCache(n int, exclusions bool, views int) {
	if n < 0 || exclusions || views >= 1<<16 {
		return
	}
	if n == 0 {
		n = DefaultValueCache
	}
	e.cache = make([]atomic.Uint64, 1<<bits.Len(uint(n-1)))
	e.cacheSeed = maphash.MakeSeed()
}

// viewKey identifies a view while the rules compile: the address, the key
// path (its elements joined) and the mode.
type viewKey struct {
	addr, n  int
	path     string
	keysOnly bool
}

// groupKey identifies a chain group: its view and its transformer chain
// (the number of the chain's longest prefix, -1 for none).
type groupKey struct {
	v     *view
	chain int32
}

// chainKey identifies a prefix of a transformer chain: the prefix one
// transformer shorter (-1 for none) and the last transformer's name.
type chainKey struct {
	parent int32
	name   string
}

// chains numbers the distinct prefixes of transformer chains; funcs[id]
// and prefix[id] are the transformers of prefix id and the numbers of its
// own prefixes, as chain groups hold them.
type chains struct {
	ids    map[chainKey]int32
	funcs  [][]transform.Func
	prefix [][]int32
}

func newChains() *chains { return &chains{ids: map[chainKey]int32{}} }

// resolve returns the number of the chain that a list of transformer names
// applies (-1 for none) and whether it reads keys (keys_only and
// values_only are modes, not transformers: the last one wins).
func (c *chains) resolve(names []string) (chain int32, keysOnly bool) {
	chain = -1
	for _, t := range names {
		switch t {
		case "keys_only":
			keysOnly = true
		case "values_only":
			keysOnly = false
		default:
			fn, canon, _ := transform.Lookup(t)
			k := chainKey{parent: chain, name: canon}
			id, ok := c.ids[k]
			if !ok {
				id = int32(len(c.funcs))
				c.ids[k] = id
				var funcs []transform.Func
				var prefix []int32
				if chain >= 0 {
					funcs, prefix = c.funcs[chain], c.prefix[chain]
				}
				c.funcs = append(c.funcs, append(funcs[:len(funcs):len(funcs)], fn))
				c.prefix = append(c.prefix, append(prefix[:len(prefix):len(prefix)], id))
			}
			chain = id
		}
	}
	return chain, keysOnly
}

// stepNames returns, by prefix number, the name of each prefix's last
// transformer.
func (c *chains) stepNames() []string {
	names := make([]string, len(c.funcs))
	for k, id := range c.ids {
		names[id] = k.name
	}
	return names
}

// newTargets returns one target per operator of a condition, allocated
// together.
func newTargets(cond *condition, ops ...operator.Operator) []*target {
	ts := make([]target, len(ops))
	out := make([]*target, len(ops))
	for i, o := range ops {
		ts[i] = target{cond: cond, op: o}
		ts[i].lazy, _ = o.(operator.Lazy)
		ts[i].dec, _ = o.(operator.Decider)
		out[i] = &ts[i]
	}
	return out
}

// analyzePrefilters derives every operator's prefilters (required literals
// and byte sets: regexp parsing and analysis, the larger part of compiling)
// on all CPUs, then attaches the byte filters to the targets.
//
// hint is the number of targets (at least those analyzed). It returns the
// number of targets analyzed and of their literals, for
// buildPrefilter to size its tables.
func (e *Engine) analyzePrefilters(hint int) (nTargets, nLits int) {
	// A target is in the groups of every input of its condition: each is
	// taken once, marked by an idx of -2 (buildPrefilter numbers them
	// next). Targets do not share operators (see New), so each operator is
	// analyzed by one worker.
	ts := make([]*target, 0, hint)
	for _, vs := range e.views {
		for _, v := range vs {
			for _, g := range v.chains {
				for _, t := range g.targets {
					if t.idx != -2 && !t.cond.negate {
						t.idx = -2
						ts = append(ts, t)
					}
				}
			}
		}
	}
	// Workers take the operators by index, a batch at a time: most are
	// known in advance (see regex/known.go) and cost next
	// to nothing, so the hand-off must cost less than a channel send, and
	// the workers must not contend for the counter at every operator.
	const batch = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8, (len(ts)+63)/64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(batch) - batch)
				if lo >= len(ts) {
					return
				}
				for _, t := range ts[lo:min(lo+batch, len(ts))] {
					if pf, ok := t.op.(operator.Prefiltered); ok {
						pf.RequiredLiterals()
					}
					if bf, ok := t.op.(operator.ByteFiltered); ok {
						bf.RequiredBytes()
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, t := range ts {
		if bf, ok := t.op.(operator.ByteFiltered); ok {
			t.bytes = bf.RequiredBytes()
		}
		if pf, ok := t.op.(operator.Prefiltered); ok {
			nLits += len(pf.RequiredLiterals())
		}
	}
	return len(ts), nLits
}

// maxPrefilterLiteral is the longest literal the prefilter looks for.
const maxPrefilterLiteral = 8

// buildPrefilter numbers the targets, builds the literal automaton and
// indexes each group's targets by literal; nTargets and nLits (the
// targets analyzed and their literals, repeated ones included) size its
// tables.
func (e *Engine) buildPrefilter(nTargets, nLits int) {
	groups := e.chainGroups()
	litsOf, pats := e.numberTargets(groups, nTargets, nLits)
	e.litsOf, e.nPats = litsOf, len(pats)
	var m *literal.Matcher
	if len(pats) > 0 {
		m = literal.NewMatcher(pats)
		e.matcher, e.words = m, m.SetWords()
	}
	// Groups with the same targets share one index.
	sets := map[string]*lazySet{}
	var key []byte
	e.lazySets = e.lazySets[:0]
	for _, g := range groups {
		key = key[:0]
		lits := false
		for _, t := range g.targets {
			key = binary.AppendUvarint(key, uint64(t.idx))
			lits = lits || litsOf[t.idx] != nil
			if _, ok := t.op.(stringsOnly); !ok || t.cond.negate {
				g.nonString = append(g.nonString, t)
			}
		}
		if set, ok := sets[string(key)]; ok {
			g.lazy = set
		} else {
			g.lazy = &lazySet{targets: g.targets, litsOf: litsOf, nPats: len(pats), firstOf: e.firstOf}
			sets[string(key)] = g.lazy
			e.lazySets = append(e.lazySets, g.lazy)
		}
		if lits {
			g.matcher, g.words = m, m.SetWords()
		}
	}
}

// flattenTargets copies into each target what Context.targetLive reads of
// its rule and condition (see target.ruleIdx), once the rules' passes are
// set.
func (e *Engine) flattenTargets() {
	for _, g := range e.chainGroups() {
		for _, ts := range [][]*target{g.targets, g.existence} {
			for _, t := range ts {
				r := t.cond.rule
				t.ruleIdx, t.condIdx, t.rulePass = int32(r.idx), uint8(t.cond.idx), r.pass
				t.essential, t.exclusion = r.essential, r.exclusion != nil
			}
		}
	}
}

// chainGroups returns the chain groups of every view, by address and view.
func (e *Engine) chainGroups() []*chainGroup {
	n := 0
	for _, vs := range e.views {
		for _, v := range vs {
			n += len(v.chains)
		}
	}
	groups := make([]*chainGroup, 0, n)
	for _, vs := range e.views {
		for _, v := range vs {
			groups = append(groups, v.chains...)
		}
	}
	return groups
}

// numberTargets numbers the targets of the groups in order (byIdx, firstOf)
// and returns, by target number, the ids of the literals each needs (nil:
// the target always runs), and the literals by id.
func (e *Engine) numberTargets(groups []*chainGroup, nTargets, nLits int) (litsOf [][]int, pats []string) {
	e.byIdx = make([]*target, 0, nTargets)
	e.firstOf = make([]uint8, 0, nTargets)
	e.firstSets, e.firstIDs = nil, nil
	defer func() { e.firstIDs = nil }()
	ids := make(map[string]int, nTargets)
	pats = make([]string, 0, nTargets)
	// idx -1 marks the targets not numbered yet.
	for _, g := range groups {
		for _, t := range g.targets {
			t.idx = -1
		}
		for _, t := range g.existence {
			t.idx = -1
		}
	}
	// The literal ids of target i are lits[litEnd[i-1]:litEnd[i]], in one
	// array for all targets.
	lits := make([]int, 0, nLits)
	litEnd := make([]int, 0, nTargets)
	for _, g := range groups {
		for _, t := range g.targets {
			if t.idx >= 0 {
				continue
			}
			start := len(lits)
			if pf, ok := t.op.(operator.Prefiltered); ok && !t.cond.negate {
				for _, l := range pf.RequiredLiterals() {
					// A value holding a literal holds its first bytes:
					// longer literals are cut, which keeps the automaton
					// small at little loss of selectivity.
					l = l[:min(len(l), maxPrefilterLiteral)]
					id, ok := ids[l]
					if !ok {
						id = len(pats)
						ids[l] = id
						pats = append(pats, l)
					}
					if !slices.Contains(lits[start:], id) {
						lits = append(lits, id)
					}
				}
			}
			litEnd = append(litEnd, len(lits))
			e.number(t)
		}
		for _, t := range g.existence {
			if t.idx < 0 {
				litEnd = append(litEnd, len(lits))
				e.number(t)
			}
		}
	}
	litsOf = make([][]int, len(litEnd))
	start := 0
	for i, end := range litEnd {
		if end > start {
			litsOf[i] = lits[start:end:end]
		}
		start = end
	}
	e.nOps = e.nTargets
	return litsOf, pats
}

// number gives t the engine's next target number.
func (e *Engine) number(t *target) {
	t.idx = e.nTargets
	e.nTargets++
	e.byIdx = append(e.byIdx, t)
	e.firstOf = append(e.firstOf, e.firstID(t.firstSet()))
}

// stringsOnly is implemented by operators that never match a value other
// than a string or a map key.
type stringsOnly interface{ StringsOnly() }

// newTargetSet indexes targets by the literals they need (litsOf, by
// target number).
func newTargetSet(targets []*target, litsOf [][]int, nLits int, firstOf []uint8) *targetSet {
	s := &targetSet{}
	// The targets by the number of their rarest byte set, in their order
	// for the same number (a counting sort): the always targets and each
	// literal's are listed in this order, in runs of the same set.
	var count [257]int
	for _, t := range targets {
		count[int(firstOf[t.idx])+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	order := make([]*target, len(targets))
	for _, t := range targets {
		f := firstOf[t.idx]
		order[count[f]] = t
		count[f]++
	}
	n := 0
	for _, t := range order {
		lits := litsOf[t.idx]
		if lits == nil {
			s.always = append(s.always, t)
			for i, w := range t.firstSet() {
				s.alwaysAny[i] |= w
			}
			continue
		}
		if s.mask == nil {
			s.mask = make([]uint64, (nLits+63)/64)
		}
		for _, id := range lits {
			s.mask[id>>6] |= 1 << (uint(id) & 63)
			n++
		}
	}
	for i, t := range s.always {
		if f := firstOf[t.idx]; i == 0 || f != s.alwaysRuns[len(s.alwaysRuns)-1].first {
			s.alwaysRuns = append(s.alwaysRuns, alwaysRun{first: f})
		}
		s.alwaysRuns[len(s.alwaysRuns)-1].end = uint32(i + 1)
	}
	if s.mask == nil {
		return s
	}
	s.rank = make([]uint32, len(s.mask))
	nr := uint32(0)
	for w, m := range s.mask {
		s.rank[w] = nr
		nr += uint32(bits.OnesCount64(m))
	}
	rankOf := func(id int) uint32 {
		w := id >> 6
		return s.rank[w] + uint32(bits.OnesCount64(s.mask[w]&(1<<(uint(id)&63)-1)))
	}
	s.litStart = make([]uint32, nr+1)
	for _, t := range order {
		for _, id := range litsOf[t.idx] {
			s.litStart[rankOf(id)+1]++
		}
	}
	for i := 1; i < len(s.litStart); i++ {
		s.litStart[i] += s.litStart[i-1]
	}
	s.litTargets = make([]int32, n)
	s.litFirst = make([]uint8, n)
	next := slices.Clone(s.litStart[:nr])
	for _, t := range order {
		for _, id := range litsOf[t.idx] {
			r := rankOf(id)
			s.litTargets[next[r]] = int32(t.idx)
			s.litFirst[next[r]] = firstOf[t.idx]
			next[r]++
		}
	}
	return s
}

func (e *Engine) dataFor(id, kind string) *operator.Data {
	if d, ok := e.data[id]; ok {
		return d
	}
	d, err := operator.NewData(id, kind)
	if err != nil {
		d, _ = operator.NewData(id, "data_with_expiration")
	}
	e.data[id] = d
	return d
}

func (e *Engine) addrID(name string) int {
	if id, ok := e.addrs[name]; ok {
		return id
	}
	id := len(e.addrNames)
	e.addrs[name] = id
	e.addrNames = append(e.addrNames, name)
	return id
}

// setActions derives a rule's blocking action and stack-trace flag from its
// on_match actions.
func (e *Engine) setActions(r *rule) {
	for _, a := range r.onMatch {
		switch e.actions[a].Type {
		case "block_request", "redirect_request":
			if !r.block {
				r.block, r.blockAction = true, a
			}
		case "generate_stack":
			r.stack = true
		}
	}
}

func isSinkRule(r Rule) bool {
	for _, c := range r.Conditions {
		name := strings.TrimPrefix(c.Operator, "!")
		if at := strings.IndexByte(name, '@'); at >= 0 {
			name = name[:at]
		}
		if detectorOperators[name] {
			if _, ok := operator.Lookup(c.Operator); !ok {
				return true
			}
		}
	}
	return false
}

func targeted(r *rule, ts []Target) bool {
	for _, t := range ts {
		if t.RuleID != "" {
			if t.RuleID == r.id {
				return true
			}
			continue
		}
		all := true
		for k, v := range t.Tags {
			if r.tags[k] != v {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func applyOverrides(rules []Rule, ovs []Override) []Rule {
	if len(ovs) == 0 {
		return rules
	}
	out := make([]Rule, len(rules))
	copy(out, rules)
	// libddwaf applies tag-targeted overrides first, then id-targeted ones,
	// so the most specific wins.
	sorted := make([]Override, len(ovs))
	copy(sorted, ovs)
	sort.SliceStable(sorted, func(i, j int) bool {
		return !hasIDTarget(sorted[i]) && hasIDTarget(sorted[j])
	})
	for _, o := range sorted {
		for i := range out {
			r := &rule{id: out[i].ID, tags: out[i].Tags}
			if !targeted(r, o.RulesTarget) {
				continue
			}
			if o.Enabled != nil {
				b := *o.Enabled
				out[i].Enabled = &b
			}
			if o.OnMatch != nil {
				out[i].OnMatch = o.OnMatch
			}
		}
	}
	return out
}

func hasIDTarget(o Override) bool {
	for _, t := range o.RulesTarget {
		if t.RuleID != "" {
			return true
		}
	}
	return false
}
