// Package expvarstats publishes a rampart Agent's counters with the
// standard library's expvar: one variable, "rampart", in the JSON of the
// /debug/vars handler, with no dependency beyond the standard library.
//
//	agent, err := rampart.New(cfg)
//	...
//	if err := expvarstats.Publish(agent); err != nil { ... }
//	// GET /debug/vars (expvar.Handler) → {"rampart": {"requests": 1204, "blocked": 3, ...}, ...}
//
// It is a package of its own because importing expvar registers
// /debug/vars on http.DefaultServeMux and publishes the process's command
// line there: the core package does not, so a service that does not ask for
// it exposes neither.
package expvarstats

import (
	"encoding/json"
	"expvar"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rampartsec/rampart"
)

// Name is the expvar name Publish uses.
const Name = "rampart"

// Counters are the value published: an Agent's Stats, with the counters
// of its collector exporter and of its decision poller when it has them.
// Every counter counts since the agent was made.
type Counters struct {
	Requests  int64 `json:"requests"`  // requests evaluated
	Attacks   int64 `json:"attacks"`   // requests with at least one rule match
	Blocked   int64 `json:"blocked"`   // requests answered with the block response
	Timeouts  int64 `json:"timeouts"`  // requests whose time budget ran out
	Panics    int64 `json:"panics"`    // internal faults recovered (fail open)
	Truncated int64 `json:"truncated"` // requests with input dropped at a limit
	Exploits  int64 `json:"exploits"`  // exploits caught at a sink
	// Export is there when the events go to a collector.
	Export *ExportCounters `json:"export,omitempty"`
	// Decisions is there when the agent polls a collector's decisions.
	Decisions *DecisionCounters `json:"decisions,omitempty"`
}

// ExportCounters are the collector exporter's counters (report.Stats).
type ExportCounters struct {
	Queued   int64 `json:"queued"`   // events accepted
	Sent     int64 `json:"sent"`     // events the collector acknowledged
	Dropped  int64 `json:"dropped"`  // events dropped because the queue was full
	Failed   int64 `json:"failed"`   // events given up after the retries
	Rejected int64 `json:"rejected"` // events in batches the collector refused
	Batches  int64 `json:"batches"`  // batches acknowledged
	Retries  int64 `json:"retries"`  // requests retried
}

// DecisionCounters are the decision poller's counters.
type DecisionCounters struct {
	Version    int64 `json:"version"`     // the decisions version in force
	Polls      int64 `json:"polls"`       // polls made
	PollErrors int64 `json:"poll_errors"` // polls that failed
}

// Read returns agent's counters now; all zero for a nil (disabled) agent.
func Read(agent *rampart.Agent) Counters {
	if agent == nil {
		return Counters{}
	}
	s := agent.Stats()
	c := Counters{
		Requests: s.Requests.Load(), Attacks: s.Attacks.Load(), Blocked: s.Blocked.Load(), Timeouts: s.Timeouts.Load(),
		Panics: s.Panics.Load(), Truncated: s.Truncated.Load(), Exploits: s.Exploits.Load(),
	}
	if x, ok := agent.ExportStats(); ok {
		c.Export = &ExportCounters{Queued: x.Queued, Sent: x.Sent, Dropped: x.Dropped, Failed: x.Failed, Rejected: x.Rejected, Batches: x.Batches, Retries: x.Retries}
	}
	if p := agent.Decisions(); p != nil {
		polls, errs := p.Polls()
		c.Decisions = &DecisionCounters{Version: p.Version(), Polls: polls, PollErrors: errs}
	}
	return c
}

// Var returns an expvar.Var that reads agent's counters (Counters, as
// JSON) each time it is shown: for a name of one's own, or an expvar.Map
// of several agents.
func Var(agent *rampart.Agent) expvar.Var {
	return expvar.Func(func() any { return Read(agent) })
}

// agentVar is the variable Publish publishes: the agent it reads can be
// replaced.
type agentVar struct{ agent atomic.Pointer[rampart.Agent] }

func (v *agentVar) String() string {
	b, err := json.Marshal(Read(v.agent.Load()))
	if err != nil {
		return "{}"
	}
	return string(b)
}

var (
	mu        sync.Mutex
	published = map[string]*agentVar{}
)

// Publish publishes agent's counters under Name ("rampart"). It may be
// called again, with a new agent (after a reconfiguration) whose counters
// then replace the previous agent's; it returns an error, and publishes
// nothing, when something else has taken the name. A nil agent (rampart
// disabled) shows zero counters. It is safe for concurrent use.
func Publish(agent *rampart.Agent) error { return publish(Name, agent) }

func publish(name string, agent *rampart.Agent) error {
	mu.Lock()
	defer mu.Unlock()
	if v := published[name]; v != nil {
		v.agent.Store(agent)
		return nil
	}
	if expvar.Get(name) != nil {
		return fmt.Errorf("expvarstats: the expvar name %q is taken", name)
	}
	v := &agentVar{}
	v.agent.Store(agent)
	expvar.Publish(name, v)
	published[name] = v
	return nil
}
