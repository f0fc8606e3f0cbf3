package engines

import (
	"fmt"
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

func init() {
	Register("rampart-default", func(opt Options) (Engine, error) {
		return newRampart(rules.Default(), opt)
	})
	// The default ruleset without decoding and whole values: what they
	// cost, and what they catch, beside rampart-default.
	Register("rampart-default-literal", func(opt Options) (Engine, error) {
		opt.Literal = true
		return newRampart(rules.Default(), opt)
	})
	Register("rampart-datadog", func(opt Options) (Engine, error) {
		raw, err := os.ReadFile(opt.RulesetPath)
		if err != nil {
			return nil, err
		}
		return newRampart(raw, opt)
	})
}

// rampartEngine is rampart's own engine (package waf) with a ruleset in
// the libddwaf format.
type rampartEngine struct {
	eng *waf.Engine
}

// NewRampart parses and compiles ruleset JSON, evaluating values as
// libddwaf does (Options.Literal). budget is the time budget of one
// request: 0 for rampart's default, negative for unlimited.
func NewRampart(ruleset []byte, budget time.Duration) (Engine, error) {
	return newRampart(ruleset, Options{Budget: budget, Literal: true})
}

func newRampart(ruleset []byte, opt Options) (Engine, error) {
	rs, _, err := waf.ParseRuleset(ruleset)
	if err != nil {
		return nil, fmt.Errorf("rampart: ruleset: %w", err)
	}
	wo := waf.Options{Timeout: opt.Budget}
	if opt.NoValueCache {
		wo.ValueCache = -1
	}
	wo.NoDecode, wo.NoWholeValues = opt.Literal, opt.Literal
	eng, err := waf.New(rs, wo)
	if err != nil {
		return nil, fmt.Errorf("rampart: %w", err)
	}
	return &rampartEngine{eng: eng}, nil
}

// Warmed implements Warmer: the engine's background warm-up (see
// waf.Engine.WarmUp).
func (e *rampartEngine) Warmed() <-chan struct{} { return e.eng.Warmed() }

// Prepare parses the request with waf/httpinput into rampart's addresses,
// as rampart's own integrations do. The connection peer is the corpus
// client IP.
func (e *rampartEngine) Prepare(r *corpus.Request) (any, error) {
	return RampartAddresses(r), nil
}

// RampartAddresses returns the addresses httpinput builds for a request,
// headers and body. Input dropped at a limit is not an error here: the
// addresses are what the engine would see.
func RampartAddresses(r *corpus.Request) []waf.Address {
	req := &httpinput.Request{
		Method:     r.Request.Method,
		URI:        r.Request.URI,
		Headers:    Wire(r),
		Body:       []byte(r.Request.Body),
		RemoteAddr: r.Request.ClientIP,
	}
	addrs, _ := httpinput.Build(req, nil, nil)
	addrs, _ = httpinput.BuildBody(req, nil, addrs)
	return addrs
}

func (e *rampartEngine) Eval(p any, rules []string) ([]string, Verdict) {
	ctx := e.eng.NewContext()
	res := ctx.Run(p.([]waf.Address))
	for i := range res.Matches {
		rules = append(rules, res.Matches[i].RuleID)
	}
	ctx.Close()
	return rules, Verdict{Flagged: len(res.Matches) > 0, TimedOut: res.TimedOut}
}

func (e *rampartEngine) Close() {}
