// Package engines puts the WAF engines that bench compares behind one small
// interface, so that the harness, the differential test and the binary-size
// probes drive each of them the same way. Adding an engine is one file that
// calls Register from an init function.
package engines

import (
	"fmt"
	"sort"
	"time"

	"github.com/rampartsec/rampart/internal/corpus"
)

// Engine is one initialized WAF with its ruleset compiled.
//
// Prepare turns a corpus request into the engine's own input form (the work
// a framework integration does before it calls the engine); it is never
// timed. Eval runs the engine on a prepared request, appends the ids of the
// rules that matched to rules, and reports whether the engine would flag
// the request. Eval is the timed region.
type Engine interface {
	Prepare(r *corpus.Request) (any, error)
	Eval(prepared any, rules []string) (out []string, v Verdict)
	Close()
}

// Verdict is the outcome of one Eval.
type Verdict struct {
	Flagged  bool // the request would be reported or blocked
	TimedOut bool // the engine ran out of its time budget
	Err      bool // the engine returned an error (it is counted, not fatal)
}

// Options are the settings shared by every engine.
type Options struct {
	// Budget is the time budget of one evaluation for engines that have one
	// (rampart and libddwaf). Zero means each engine's production default
	// (rampart 5 ms, libddwaf 2 ms); a negative value means unlimited.
	Budget time.Duration
	// RulesetPath is the Datadog-format ruleset used by the engines that
	// load one ("rampart-datadog", "libddwaf").
	RulesetPath string
	// NoValueCache turns off rampart's cache of clean values
	// (waf.Options.ValueCache), to measure the engine without it.
	NoValueCache bool
	// Literal evaluates values as libddwaf does: not decoded, strings and
	// containers cut at the engine's limits (waf.Options.NoDecode and
	// NoWholeValues), for a like-for-like comparison of verdicts.
	Literal bool
}

// DefaultBudget is the per-run time budget that both rampart and
// dd-trace-go give their engines by default.
const DefaultBudget = 2 * time.Millisecond

// Warmer is an engine whose constructor returns while a warm-up goes on
// in the background; Warmed is closed when it is done. The bench reports
// the time to that point beside the init time.
type Warmer interface {
	Warmed() <-chan struct{}
}

// Factory creates an engine. The time it takes is the engine's init time.
type Factory func(opt Options) (Engine, error)

var registry = map[string]Factory{}

// Register adds an engine under a name. Registering a name twice panics.
func Register(name string, f Factory) {
	if _, dup := registry[name]; dup {
		panic("engines: duplicate engine " + name)
	}
	registry[name] = f
}

// Names returns the registered engine names in a stable order.
func Names() []string {
	order := map[string]int{"rampart-default": 0, "rampart-default-literal": 1, "rampart-datadog": 2, "libddwaf": 3, "coraza-crs": 4}
	var out []string
	for n := range registry {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := order[out[i]]
		oj, jok := order[out[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return out[i] < out[j]
	})
	return out
}

// New creates the named engine.
func New(name string, opt Options) (Engine, error) {
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("engines: unknown engine %q (have %v)", name, Names())
	}
	return f(opt)
}
