// Package waf is rampart's in-process WAF engine: it loads rulesets in the
// libddwaf JSON format (version 2.x), compiles them once, and evaluates
// requests incrementally as their addresses become known (headers, then
// body, then response), each rule matching at most once per request.
//
// Evaluation inspects values whole and decoded (Base64, JWT payloads,
// escapes, JSON in strings), bounded per walk by MaxWalkBytes and
// MaxWalkElements and by container depth 20 (Options.NoWholeValues and
// NoDecode restore libddwaf's limits: 256 elements per container, strings
// cut at 4096 bytes), and by a time budget per request. It is fast by design: values are grouped by (address, key
// path, transformer chain) so each transformed value is computed once for
// every rule that shares the chain; one Aho-Corasick scan of each value
// finds the literals that the rules' regexes require, so most regexes never
// run on ordinary values; contexts and their buffers are pooled.
//
// # Exploit prevention rules
//
// Exploit prevention (RASP) rules run at the sinks, not on requests: a rule
// is a sink rule when one of its conditions uses a detector operator
// (sqli_detector, ssrf_detector, shi_detector, cmdi_detector,
// lfi_detector) or when every input of its conditions is a sink address
// (server.db.statement, server.io.net.url, ...). Context.RunSink evaluates
// them for one call at a sink, with the sink's addresses as ephemeral data:
// they are seen by this call only, and a sink rule may match again at the
// next call of the same request (a request that runs two queries is checked
// twice), unlike request rules, which match at most once per request.
//
// A detector's params inputs (the request data it compares with the
// resource: query, body, path params, cookies, selected headers) are read
// from the addresses the request has already run; their strings are
// collected once per request and reused by every sink call until the
// request runs more addresses.
package waf

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/waf/literal"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/transform"
)

// Limits of the value walk, the same as libddwaf's so that rulesets behave
// the same in both engines.
const (
	// MaxDepth is the deepest container level that is inspected.
	MaxDepth = 20
	// MaxElements is the number of elements always inspected per
	// container; more are while the walk is under MaxWalkElements (all of
	// them with Options.NoWholeValues).
	MaxElements = 256
	// MaxStringLength is the size of the windows a string is inspected in
	// (only its first window with Options.NoWholeValues).
	MaxStringLength = 4096
	// DefaultTimeout is the time budget of a request's evaluation (see
	// Options.Timeout). Evaluated in a fresh process, the corpus's
	// costliest request (attack or benign) takes 1.6 ms of its thread's
	// CPU time, the costliest once warm under 1 ms, and the 99.9th
	// percentile 0.25-0.7 ms: 5 ms leaves three times the worst for a
	// slower CPU than the one measured, and for what the clock charges
	// before a slow run is told apart from a waiting one.
	DefaultTimeout = 5 * time.Millisecond
	// maxValueInReport bounds the matched value kept in a Match.
	maxValueInReport = 256
)

// Options configure an Engine. The zero value uses the defaults.
type Options struct {
	// Timeout is the evaluation budget per request (all Run calls of a
	// Context together); 0 means DefaultTimeout, negative means none.
	//
	// What the budget counts is the evaluation's own running time: the
	// wall clock while a request is quick, and, once a run has taken a
	// quarter of the budget, the CPU time of the thread evaluating it
	// (on Linux), so that the time the thread was not running (preempted
	// on a loaded machine, throttled under a CPU quota such as a small
	// Lambda function's) is not charged. The one-time builds of lazy
	// operators (a regular expression compiled on its first use, its
	// automaton; see operator.Lazy) are not charged either: they are paid
	// once per process, not per request.
	//
	// When the budget runs out, the rules that read only rules_data (the
	// block lists of the backend's decisions) still run, and the others
	// stop: Context.NotRun lists them. The rules that block run before the
	// rules that only report (two passes over each run's addresses when a
	// ruleset has both), so that a timeout costs the monitoring rules
	// first.
	Timeout time.Duration
	// AllMatches keeps evaluating every rule after a blocking rule matched.
	// By default evaluation stops there (only the block lists still run):
	// nothing later can change the verdict, and an attacker's request
	// costs less. Rule tests and replay set it to see every rule.
	AllMatches bool
	// ValueCache is the number of entries (rounded up to a power of two)
	// of the engine's cache of values that matched nothing; 0 means
	// DefaultValueCache, negative turns the cache off.
	ValueCache int
	// NoWarmUp skips the warm-up of New (see Engine.WarmUp): tools that
	// build an engine for a handful of evaluations, and tests, set it.
	NoWarmUp bool
	// WaitWarmUp makes New return after the warm-up rather than while it
	// runs in the background (see Engine.Warmed).
	WaitWarmUp bool
	// NoDecode turns off the evaluation of decoded values: by default a
	// string that is Base64 text, a JWT, escaped text or JSON is evaluated
	// decoded as well (see docs/waf.md, "Encoded and long values").
	NoDecode bool
	// NoWholeValues restores libddwaf's limits: strings cut at
	// MaxStringLength and containers at MaxElements. By default the whole
	// of a value is inspected, up to MaxWalkBytes and MaxWalkElements.
	NoWholeValues bool
}

// DefaultValueCache is the default size of the cache of clean values.
//
// Traffic repeats most of its values (the same User-Agent, Accept,
// Accept-Language and cookies on request after request), and a value a
// view's rules found nothing in finds nothing the next time: the engine
// remembers the fingerprints of such values (a 64-bit keyed hash of the
// value's bytes, under a seed drawn when the engine is built, so that
// collisions cannot be aimed at, with the view and the value's kind
// mixed in) and skips them. Only
// values evaluated with every rule of their view live are remembered (no
// condition the view reads had matched yet in the request, nothing had
// blocked it, it had not run out of time, and the ruleset has no
// exclusions), and updating rules data forgets them all. A string found
// clean with nothing more to read in it (no decoded form, padding or
// window) is remembered as inspected too: its decodings are not tried
// again.
// The cache is small (64 KiB) and overwritten in place: a value seen once
// is gone a few hundred requests later.
const DefaultValueCache = 8192

// Engine is a compiled ruleset. It is safe for concurrent use; each request
// gets its own Context.
type Engine struct {
	opts Options
	// warmed is closed when New's warm-up is done (see Warmed).
	warmed    chan struct{}
	rules     []*rule
	exclRules []*rule // pseudo-rules holding the conditions of exclusions
	// excluding is set when an exclusion targets a request rule.
	excluding bool
	// evalAllSets makes evalSet run a set again on bytes it ran on (for
	// the tests that check it finds nothing new).
	evalAllSets bool
	addrs       map[string]int
	addrNames   []string
	// views[addr] lists the distinct (key path, mode) walks over an address.
	views    [][]*view
	data     map[string]*operator.Data
	actions  map[string]ActionSpec
	warnings []string
	pool     sync.Pool
	rulesVer string
	// cache holds fingerprints of clean values (see DefaultValueCache),
	// nil when off; cacheSeed keys them and cacheGen is mixed in, bumped
	// when rules data changes.
	cache     []atomic.Uint64
	cacheSeed maphash.Seed
	cacheGen  atomic.Uint64
	// byIdx and firstOf are, by target number, each target and the number
	// of its rarest byte set in firstSets (every byte when it has none).
	// The targets' filters have a few dozen distinct rarest sets: a
	// target set's targets are held in runs of the same set (see
	// targetSet), a value checked once a run, and the numbers take a byte
	// a target.
	byIdx     []*target
	firstOf   []uint8
	firstSets []operator.ByteSet
	firstIDs  map[operator.ByteSet]uint8 // (while the engine is built)
	// litsOf and nPats are, until the views are merged, the literal ids
	// of each target and the number of literals (see Engine.merge).
	litsOf    [][]int
	nPats     int
	mergeOnce sync.Once
	// merger builds the merged views' partial views (see Context.partial),
	// under partialMu.
	merger    *mergeBuilder
	partialMu sync.Mutex
	nPartials int // built so far (see maxPartialViews)
	// lazySets are the chain groups' target sets (see chainGroup.set),
	// built by merge if no request did it first.
	lazySets []*lazySet
	// matcher is the literal automaton of every chain group, words the
	// words of its sets (nil and 0 without literals).
	matcher *literal.Matcher
	words   int
	// nSplit counts the conditions evaluated as branches.
	nSplit int
	// nTargets and nOps count the targets and distinct operators, for the
	// per-context marks.
	nTargets, nOps int
	// nPrefixes counts the distinct prefixes of transformer chains, whose
	// results a context keeps for the value being evaluated; stepName[id]
	// is the name of prefix id's last transformer.
	nPrefixes int
	// nViews counts the views.
	nViews   int
	stepName []string
	// stepKeep[id], when set, tells cheaply that prefix id's last
	// transformer leaves a value unchanged (transform.Keeps).
	stepKeep []func([]byte) bool
	// stepFn[id] numbers the transformer of stepName[id]: the same number
	// for the same transformer; fnKeep[n] is transformer n's
	// unchanged-value check (nil: none), fnFold[n] its check that it
	// only lowercases a value (transform.KeepsFolded; nil: none).
	stepFn []uint32
	fnKeep []func([]byte) bool
	fnFold []func([]byte) bool
	// foldRewrites has the bits of the lowercasing transformers that
	// rewrite more than letters (shell_unescape), whose fold check fails
	// on many values (see mergedView.without).
	foldRewrites uint32
	// sinks are the exploit-prevention rules, evaluated at sinks
	// (sink.go); paramSets are the distinct params lists of their detectors.
	sinks     []*sinkRule
	paramSets []paramSet
	// mixed is set when some request rules run in the first pass and
	// others do not (see setPasses): each run then evaluates the blocking
	// rules of high confidence first (passBlocking), then the others
	// (passOther).
	mixed bool
	// passes[addr] has bit 1<<p when rules of pass p read the address.
	passes []uint8
	// walkOrder lists the addresses that have views in the order a run
	// walks them (see setWalkOrder).
	walkOrder []int
}

// Evaluation passes of a run (Context.pass, rule.pass).
const (
	passAll      = 0 // every rule (the ruleset is not mixed)
	passBlocking = 1 // the rules that block
	passOther    = 2 // the rules that only report
)

type rule struct {
	idx                     int
	id, name, typ, category string
	tags                    map[string]string
	conds                   []*condition
	onMatch                 []string
	block, stack            bool
	blockAction             string
	exclusion               *exclusion // set on exclusion pseudo-rules
	excludedBy              []*exclusion
	// essential rules read only rules_data lists (blocked IPs and users):
	// decisions of the backend, evaluated even after the time budget ran out.
	essential bool
	// controlBytes marks the rules about the bytes of the protocol
	// (type http_protocol_violation: CRLF, NUL, invalid UTF-8), which do
	// not match in the decoded bytes of binary Base64 (walkState.binary).
	controlBytes bool
	// addrs are the addresses the rule reads, and pass the evaluation
	// pass it runs in (passBlocking or passOther; see Engine.mixed).
	addrs []int
	pass  uint8
}

type condition struct {
	idx    int // index within its rule (< 64)
	opName string
	op     operator.Operator
	negate bool
	exists bool
	rule   *rule
	// split, when the operator is evaluated as branches, is their number,
	// and num numbers the split conditions of the engine (for per-context
	// marks).
	split, num int
	// lazy is op when it builds on first use and the condition is split
	// (the whole expression also runs, see Context.try); built is its
	// build state (see target.built).
	lazy  operator.Lazy
	built atomic.Uint32
	// views are the numbers of the views that read the condition: once it
	// matched in a request, their values are no longer evaluated with
	// every target live, and are not remembered as clean.
	views []int32
}

// target is a condition's operator, or one of its branches, as evaluated
// on values: one target serves the chain groups of all the condition's
// inputs.
type target struct {
	cond *condition
	// op is the condition's operator, or one of its branches.
	op operator.Operator
	// dec is op when it can tell a match without its highlight
	// (operator.Decider), nil otherwise.
	dec operator.Decider
	// bytes, when set, holds bytes one of which any value op matches has.
	bytes *operator.ByteFilter
	// idx numbers the targets of an engine, for per-context marks (it is
	// also the operator's number: one target per operator).
	idx int
	// lazy is op when it builds on first use (operator.Lazy), and built
	// says what is left: builtNone (never evaluated), builtLater (built
	// so far, a later evaluation may build more) or builtAll.
	lazy  operator.Lazy
	built atomic.Uint32
	// What Context.targetLive reads of the target's rule and condition,
	// copied once the engine is built (Engine.flattenTargets), so that
	// the check reads the target alone: the rule's number, the
	// condition's index in it, the rule's pass, whether it is essential
	// and whether it is an exclusion.
	ruleIdx   int32
	condIdx   uint8
	rulePass  uint8
	essential bool
	exclusion bool
}

// Build states of a lazy operator (target.built).
const (
	builtNone uint32 = iota
	builtLater
	builtAll
)

// view is a walk over one address at one key path, yielding values or keys.
type view struct {
	idx      int // numbers the engine's views
	addr     int
	keyPath  []string
	keysOnly bool
	// uriPath is true for the whole request target (uri.raw): its path
	// segments are decoded too (see decodePath).
	uriPath bool
	chains  []*chainGroup
	// merged, once set, evaluates the view's common values at less cost
	// (see mergedView).
	merged atomic.Pointer[mergedView]
	// essential is true when an essential rule reads the view.
	essential bool
	// rules and excl tell whether rules, and exclusion conditions, read
	// the view; blocking and other whether rules of each pass do.
	rules, excl     bool
	blocking, other bool
}

// chainGroup holds the targets that apply the same transformer chain to a
// view's values, and the literal matcher over their operators' literals.
type chainGroup struct {
	idx   int // global index, for per-context buffers
	funcs []transform.Func
	// prefix[k] numbers the chain's first k+1 transformers (funcs and
	// prefix are shared by the groups of the same chain: read-only).
	prefix  []int32
	targets []*target
	// pending are the targets while the rules compile, one slice per
	// condition input; they become targets, in order, before the
	// prefilters are built (one allocation per group).
	pending [][]*target
	// fns has bit n when the chain has transformer n (Engine.fnKeep);
	// allFns is set when every transformer of the chain has a bit and an
	// unchanged-value check, so that a value they all keep is its own
	// transformed form.
	fns    uint32
	allFns bool
	// existence targets: evaluated once when the view's path is present.
	existence []*target
	matcher   *literal.Matcher
	words     int
	// nonString are the targets that can match a number or a boolean: all
	// but the non-negated operators that only match strings.
	nonString []*target
	// lazy builds, on first use, the index of the targets by literal
	// (set); groups with the same targets share it.
	lazy *lazySet
}

// set returns the group's index of its targets by literal, built the first
// time it is needed: by the warm-up, or by a request that comes first
// (New does not pay for indexes that only some requests read).
func (g *chainGroup) set() *targetSet {
	g.lazy.once.Do(g.lazy.build)
	return g.lazy.s
}

// lazySet is a target set built on first use (see chainGroup.set).
type lazySet struct {
	once    sync.Once
	s       *targetSet
	targets []*target
	litsOf  [][]int // (Engine.litsOf, until built)
	nPats   int
	firstOf []uint8
}

func (l *lazySet) build() {
	l.s = newTargetSet(l.targets, l.litsOf, l.nPats, l.firstOf)
	l.targets, l.litsOf, l.firstOf = nil, nil, nil
}

// targetSet indexes the targets of chain groups by the literals they need.
type targetSet struct {
	// always are the targets without literals; mask has the bits of the
	// ids of the literals the others need.
	always []*target
	// always is ordered by the number of each target's rarest byte set
	// (Engine.firstOf): alwaysRuns[k] is the k-th run of targets with the
	// same set, which a value is checked against once for all of them.
	alwaysRuns []alwaysRun
	// alwaysAny is the union of those sets: a value that meets none of
	// them skips the runs.
	alwaysAny operator.ByteSet
	mask      []uint64
	// The literals of mask are numbered by rank: the r-th one's targets
	// are litTargets[litStart[r]:litStart[r+1]], as target numbers in
	// runs of the same rarest byte set (the engine's byIdx holds each
	// one's target, read only when a value is to be tried on it);
	// rank[w] counts the bits of mask's words before w.
	rank       []uint32
	litStart   []uint32
	litTargets []int32
	// litFirst[i] is the number of litTargets[i]'s rarest byte set: each
	// literal's targets are ordered by it, so that a value is checked
	// against a set once for a run of them.
	litFirst []uint8
}

// alwaysRun is a run of a target set's always targets with the same
// rarest byte set: the set's number, and the end of the run in always.
type alwaysRun struct {
	first uint8
	end   uint32
}

// byLit returns the numbers of the targets that need literal id, a bit of
// mask (of word w = id/64), and the numbers of their rarest byte sets.
func (s *targetSet) byLit(id int) ([]int32, []uint8) {
	w := id >> 6
	r := s.rank[w] + uint32(bits.OnesCount64(s.mask[w]&(1<<(uint(id)&63)-1)))
	lo, hi := s.litStart[r], s.litStart[r+1]
	return s.litTargets[lo:hi], s.litFirst[lo:hi]
}

type exclusion struct {
	id      string
	pseudo  *rule // nil when unconditional
	inputs  []exclInput
	monitor bool
	bypass  bool // disables the rules entirely
}

type exclInput struct {
	addr    string
	keyPath []string
}

// anyByte is the byte set of a target without a byte filter.
var anyByte = operator.ByteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}

// firstSet returns the rarest byte set of the target's filter, or anyByte.
func (t *target) firstSet() *operator.ByteSet {
	if t.bytes != nil && len(t.bytes.Sets) > 0 {
		return &t.bytes.Sets[0]
	}
	return &anyByte
}

// firstID returns the number of set in firstSets, adding it. Past 256
// distinct sets, the others are numbered as anyByte (number 0): the check
// lets through values it could have stopped, and the filter itself
// stops them.
func (e *Engine) firstID(set *operator.ByteSet) uint8 {
	if e.firstSets == nil {
		e.firstSets = []operator.ByteSet{anyByte}
	}
	if e.firstIDs == nil {
		e.firstIDs = make(map[operator.ByteSet]uint8, len(e.firstSets))
		for i, s := range e.firstSets {
			e.firstIDs[s] = uint8(i)
		}
	}
	if id, ok := e.firstIDs[*set]; ok {
		return id
	}
	if len(e.firstSets) == 256 {
		return 0
	}
	id := uint8(len(e.firstSets))
	e.firstSets = append(e.firstSets, *set)
	e.firstIDs[*set] = id
	return id
}

// Warnings returns what the engine ignored or deferred when it compiled.
func (e *Engine) Warnings() []string { return e.warnings }

// RulesVersion returns the ruleset's metadata.rules_version.
func (e *Engine) RulesVersion() string { return e.rulesVer }

// RuleCount returns the number of enabled request rules.
func (e *Engine) RuleCount() int { return len(e.rules) }

// Addresses returns the names of the addresses that some rule reads.
func (e *Engine) Addresses() []string {
	out := append([]string(nil), e.addrNames...)
	sort.Strings(out)
	return out
}

// UpdateData replaces the entries of a rules_data list (blocked IPs,
// blocked users, ...) at run time. Rules that name the list see the new
// entries from their next evaluation; nothing is recompiled.
func (e *Engine) UpdateData(id string, entries []operator.DataEntry) error {
	d, ok := e.data[id]
	if !ok {
		return fmt.Errorf("waf: no rule uses rules_data %q", id)
	}
	err := d.Update(entries)
	e.cacheGen.Add(1) // the clean values may not be clean any more
	return err
}

// fingerprint returns the cache key of a value of a view; never 0. The
// value's bytes go through the keyed hash; the view, the kind, the pass
// (rules or exclusions, and the evaluation pass) and the data generation
// are packed into a word (views < 2^16, checked in New) that a bijective
// mixer spreads before it is folded in, so that equal bytes under
// different views never share a key.
func (e *Engine) fingerprint(vw *view, kind operator.Kind, excl bool, s string) uint64 {
	return e.fingerprintIn(passAll, vw, kind, excl, s)
}

// fingerprintIn is fingerprint for the values evaluated in a pass (a
// value clean of the blocking rules may not be clean of the others).
func (e *Engine) fingerprintIn(pass uint8, vw *view, kind operator.Kind, excl bool, s string) uint64 {
	meta := e.cacheGen.Load()<<22 | uint64(vw.idx)<<6 | uint64(kind&7)<<3 | uint64(pass&3)<<1
	if excl {
		meta |= 1
	}
	return (maphash.String(e.cacheSeed, s) ^ mix64(meta)) | 1
}

// mix64 is a bijection of 64-bit words that spreads every input bit over
// the output (the finalizer of MurmurHash3).
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// Action returns the definition of an action named in on_match.
func (e *Engine) Action(id string) (ActionSpec, bool) {
	a, ok := e.actions[id]
	return a, ok
}

// DataEntry is one entry of a rules_data list: a value (an IP, a CIDR, a
// user id) and its expiration as a Unix time in seconds (0: never).
type DataEntry = operator.DataEntry
