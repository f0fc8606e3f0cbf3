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
func New(rs *Ruleset, opts Options) (*Engine, error) {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
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
	all := make([]Rule, 0, len(rs.CustomRules)+len(rs.Rules))
	all = append(all, rs.CustomRules...)
	all = append(all, rs.Rules...)
	all = applyOverrides(all, rs.Overrides)
	var errs []*RuleError
	groups := map[groupKey]*chainGroup{}
	viewsByKey := map[viewKey]*view{}
	ch := newChains()
	compiled := map[operator.Operator]bool{}
	nChains, nTargets := 0, 0
	compileConds := func(r *rule, src []Condition, ruleTransformers []string) {
		// The rule's chain, resolved on its first use: most inputs share it.
		ruleChain, ruleKeysOnly, ruleResolved := int32(-1), false, false
		for ci, c := range src {
			name := strings.TrimPrefix(c.Operator, "!")
			f, ok := operator.Lookup(name)
			if !ok {
				errs = append(errs, &RuleError{RuleID: r.id, Path: fmt.Sprintf("conditions[%d].operator", ci), Msg: fmt.Sprintf("unknown operator %q", c.Operator)})
				continue
			}
			op, err := c.compiled, error(nil)
			if op != nil {
				// A Condition copied into another rule brings the same
				// operator: it is compiled again, so that no two targets
				// share an operator (analyzePrefilters analyzes each
				// target's on its own).
				if compiled[op] {
					op = nil
				} else {
					compiled[op] = true
				}
			}
			if op == nil {
				op, err = f(operator.Params{Raw: c.Params, Data: e.dataFor})
			}
			if err != nil {
				errs = append(errs, &RuleError{RuleID: r.id, Path: fmt.Sprintf("conditions[%d].parameters", ci), Msg: err.Error()})
				continue
			}
			cond := &condition{idx: len(r.conds), opName: c.Operator, op: op, negate: c.Operator != name, rule: r}
			if l, ok := op.(operator.Lazy); ok {
				cond.lazy = l
			}
			_, cond.exists = op.(operator.Existence)
			// The operators a target runs: the operator itself, or its
			// branches, each behind its own prefilter.
			var tgts []*target
			if d, ok := op.(operator.Decomposable); ok && !cond.negate {
				if bs := d.Branches(); len(bs) > 1 {
					tgts = newTargets(cond, bs...)
					cond.split, cond.num = len(bs), e.nSplit
					e.nSplit++
				}
			}
			// One target per operator, shared by the chain groups of every
			// input.
			if tgts == nil {
				tgts = newTargets(cond, op)
			}
			nTargets += len(tgts)
			for _, in := range c.Inputs {
				var chain int32
				var keysOnly bool
				if in.hasTransformers {
					chain, keysOnly = ch.resolve(in.Transformers)
				} else {
					if !ruleResolved {
						ruleChain, ruleKeysOnly = ch.resolve(ruleTransformers)
						ruleResolved = true
					}
					chain, keysOnly = ruleChain, ruleKeysOnly
				}
				addr := e.addrID(in.Address)
				if !slices.Contains(r.addrs, addr) {
					r.addrs = append(r.addrs, addr)
				}
				vk := viewKey{addr: addr, n: len(in.KeyPath), keysOnly: keysOnly}
				switch len(in.KeyPath) {
				case 0:
				case 1:
					vk.path = in.KeyPath[0]
				default:
					vk.path = strings.Join(in.KeyPath, "\x01")
				}
				v := viewsByKey[vk]
				if v == nil {
					v = &view{idx: len(viewsByKey), addr: addr, keyPath: in.KeyPath, keysOnly: keysOnly}
					viewsByKey[vk] = v
					for len(e.views) <= addr {
						e.views = append(e.views, nil)
					}
					e.views[addr] = append(e.views[addr], v)
				}
				gk := groupKey{v: v, chain: chain}
				g := groups[gk]
				if g == nil {
					g = &chainGroup{idx: nChains}
					if chain >= 0 {
						g.funcs, g.prefix = ch.funcs[chain], ch.prefix[chain]
					}
					nChains++
					groups[gk] = g
					v.chains = append(v.chains, g)
				}
				if cond.exists {
					g.existence = append(g.existence, tgts...)
				} else {
					g.pending = append(g.pending, tgts)
				}
			}
			r.conds = append(r.conds, cond)
		}
	}
	for _, rr := range all {
		if rr.Enabled != nil && !*rr.Enabled {
			continue
		}
		r := &rule{idx: len(e.rules), id: rr.ID, name: rr.Name, tags: rr.Tags, typ: rr.Tags["type"], category: rr.Tags["category"], onMatch: rr.OnMatch}
		if isSinkRule(rr) || isSinkOnly(rr) {
			e.compileSinkRule(r, rr, &errs)
			continue
		}
		if len(rr.Conditions) > 64 {
			errs = append(errs, &RuleError{RuleID: rr.ID, Path: "conditions", Msg: "more than 64 conditions"})
			continue
		}
		compileConds(r, rr.Conditions, rr.Transformers)
		r.essential = len(rr.Conditions) > 0
		for _, c := range rr.Conditions {
			if _, ok := c.Params["data"]; !ok {
				r.essential = false
			}
		}
		e.setActions(r)
		e.rules = append(e.rules, r)
	}
	// Exclusions.
	for _, ex := range rs.Exclusions {
		x := &exclusion{id: ex.ID, monitor: ex.OnMatch == "monitor"}
		for _, in := range ex.Inputs {
			x.inputs = append(x.inputs, exclInput{addr: in.Address, keyPath: in.KeyPath})
		}
		x.bypass = len(x.inputs) == 0 && !x.monitor
		if len(ex.Conditions) > 0 {
			pr := &rule{idx: len(e.exclRules), id: "exclusion:" + ex.ID, exclusion: x}
			compileConds(pr, ex.Conditions, nil)
			x.pseudo = pr
			e.exclRules = append(e.exclRules, pr)
		}
		for _, r := range e.rules {
			if targeted(r, ex.RulesTarget) {
				r.excludedBy = append(r.excludedBy, x)
			}
		}
		for _, sr := range e.sinks {
			if targeted(sr.r, ex.RulesTarget) {
				sr.r.excludedBy = append(sr.r.excludedBy, x)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &RulesetError{Problems: errs}
	}
	for _, g := range groups {
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
	// Literal prefilter: one automaton over the literals of every
	// condition. Scanning costs one table lookup per byte whatever the
	// number of literals, so a single shared matcher is as fast as one per
	// group, and is built once.
	e.buildPrefilter(e.analyzePrefilters(nTargets))
	nBlock := 0
	for _, r := range e.rules {
		if r.block {
			nBlock++
		}
	}
	e.mixed = nBlock > 0 && nBlock < len(e.rules)
	for _, r := range e.rules {
		switch {
		case !e.mixed:
			r.pass = passAll
		case r.block:
			r.pass = passBlocking
		default:
			r.pass = passOther
		}
	}
	for _, vs := range e.views {
		for _, v := range vs {
			for _, g := range v.chains {
				for _, ts := range [2][]*target{g.targets, g.existence} {
					for _, t := range ts {
						if t.cond.rule.essential {
							v.essential = true
						}
						if r := t.cond.rule; r.exclusion != nil {
							v.excl = true
						} else {
							v.rules = true
							if r.pass == passOther {
								v.other = true
							} else {
								v.blocking = true
							}
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
	e.nPrefixes = len(ch.funcs)
	e.stepName = make([]string, len(ch.funcs))
	for k, id := range ch.ids {
		e.stepName[id] = k.name
	}
	if n := opts.ValueCache; n >= 0 && len(rs.Exclusions) == 0 && len(viewsByKey) < 1<<16 {
		if n == 0 {
			n = DefaultValueCache
		}
		e.cache = make([]atomic.Uint64, 1<<bits.Len(uint(n-1)))
		e.cacheSeed = maphash.MakeSeed()
	}
	e.pool.New = func() any { return newContext(e, nChains) }
	if !opts.NoWarmUp {
		e.WarmUp()
	}
	return e, nil
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

// newTargets returns one target per operator of a condition, allocated
// together.
func newTargets(cond *condition, ops ...operator.Operator) []*target {
	ts := make([]target, len(ops))
	out := make([]*target, len(ops))
	for i, o := range ops {
		ts[i] = target{cond: cond, op: o}
		ts[i].lazy, _ = o.(operator.Lazy)
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
	// known in advance (see operator/match_regex_known.go) and cost next
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
	e.byIdx = make([]*target, 0, nTargets)
	e.first = make([]*operator.ByteSet, 0, nTargets)
	ids := make(map[string]int, nTargets)
	pats := make([]string, 0, nTargets)
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
	// The ids of each target's literals (nil: the target always runs), by
	// the target's number; idx -1 marks the targets not numbered yet.
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
			t.idx = e.nTargets
			e.nTargets++
			e.byIdx = append(e.byIdx, t)
			e.first = append(e.first, t.firstSet())
		}
		for _, t := range g.existence {
			if t.idx < 0 {
				litEnd = append(litEnd, len(lits))
				t.idx = e.nTargets
				e.nTargets++
				e.byIdx = append(e.byIdx, t)
				e.first = append(e.first, t.firstSet())
			}
		}
	}
	// nil: the target always runs.
	litsOf := make([][]int, len(litEnd))
	start := 0
	for i, end := range litEnd {
		if end > start {
			litsOf[i] = lits[start:end:end]
		}
		start = end
	}
	e.nOps = e.nTargets
	var m *literal.Matcher
	if len(pats) > 0 {
		m = literal.NewMatcher(pats)
	}
	// Groups with the same targets share one index.
	sets := map[string]*targetSet{}
	var key []byte
	for _, g := range groups {
		key = key[:0]
		for _, t := range g.targets {
			key = binary.AppendUvarint(key, uint64(t.idx))
		}
		if set, ok := sets[string(key)]; ok {
			g.targetSet = set
		} else {
			g.targetSet = newTargetSet(g.targets, litsOf, len(pats))
			sets[string(key)] = g.targetSet
		}
		if len(g.litTargets) > 0 {
			g.matcher, g.words = m, m.SetWords()
		}
	}
}

// stringsOnly is implemented by operators that never match a value other
// than a string or a map key.
type stringsOnly interface{ StringsOnly() }

// newTargetSet indexes targets by the literals they need (litsOf, by
// target number).
func newTargetSet(targets []*target, litsOf [][]int, nLits int) *targetSet {
	s := &targetSet{}
	for _, t := range targets {
		if _, ok := t.op.(stringsOnly); !ok || t.cond.negate {
			s.nonString = append(s.nonString, t)
		}
	}
	n := 0
	for _, t := range targets {
		lits := litsOf[t.idx]
		if lits == nil {
			s.always = append(s.always, t)
			s.alwaysFirst = append(s.alwaysFirst, *t.firstSet())
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
	for _, t := range targets {
		for _, id := range litsOf[t.idx] {
			s.litStart[rankOf(id)+1]++
		}
	}
	for i := 1; i < len(s.litStart); i++ {
		s.litStart[i] += s.litStart[i-1]
	}
	s.litTargets = make([]int32, n)
	next := slices.Clone(s.litStart[:nr])
	for _, t := range targets {
		for _, id := range litsOf[t.idx] {
			r := rankOf(id)
			s.litTargets[next[r]] = int32(t.idx)
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
