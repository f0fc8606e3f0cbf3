package rampart

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/report"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// Version is the library's version, reported with every event.
const Version = "0.1.0"

// Mode says what rampart does with an attack.
type Mode string

// The modes.
const (
	// ModeMonitor reports attacks and lets requests through (the default).
	ModeMonitor Mode = "monitor"
	// ModeBlock also answers blocked requests with the block response.
	ModeBlock Mode = "block"
)

// Config configures rampart. The zero value is disabled; with Enabled set
// and nothing else, rampart runs its embedded default ruleset in monitor
// mode and writes attack events as JSON lines to stderr.
type Config struct {
	// Enabled turns rampart on (RAMPART_ENABLED).
	Enabled bool
	// Mode is monitor or block (RAMPART_MODE); empty means monitor.
	Mode Mode
	// WAFMode, when set, overrides Mode for the request rules only
	// (RAMPART_WAF_MODE): with Mode block and WAFMode monitor, the WAF
	// reports suspicious requests and exploit prevention blocks the ones
	// that really change a SQL statement, a command, a URL or a path, with
	// a stack trace. Empty means Mode.
	WAFMode Mode
	// RulesFile is a ruleset file in the libddwaf JSON format
	// (RAMPART_RULES); empty means the embedded default ruleset. A file
	// that cannot be read or used is replaced by the embedded default
	// ruleset (logged at every start, and in Status); its invalid rules
	// alone are left out (each logged).
	RulesFile string
	// Rules is a ruleset given in memory; it wins over RulesFile, and is
	// used as RulesFile is.
	Rules []byte
	// StrictRules makes New refuse a ruleset with any invalid part instead
	// of leaving that part out or falling back to the embedded default
	// (RAMPART_RULES_STRICT).
	StrictRules bool
	// Service and Env name where the events come from (RAMPART_SERVICE,
	// RAMPART_ENV).
	Service, Env string
	// Timeout is the WAF time budget per request; 0 means
	// waf.DefaultTimeout (5 ms).
	Timeout time.Duration
	// BodyLimit is the number of body bytes inspected; 0 means 1 MiB.
	BodyLimit int
	// TrustedProxies are the peers whose forwarding headers
	// (X-Forwarded-For, Forwarded, ...) are believed when finding the
	// client IP; empty means loopback only, 127.0.0.0/8 and ::1
	// (RAMPART_TRUSTED_PROXIES, comma-separated CIDRs, or "all";
	// httpinput.PrivateNetworks lists the private ranges for a service
	// whose every proxy is on them).
	TrustedProxies []netip.Prefix
	// TrustAllProxies believes forwarding headers from any peer; right
	// behind API Gateway or a load balancer that always sets them.
	TrustAllProxies bool
	// Exporter receives the events; nil means the collector at Endpoint
	// when it is set (package report), else JSON lines on stderr.
	Exporter Exporter
	// Endpoint is the collector's URL (RAMPART_ENDPOINT), such as
	// http://127.0.0.1:8080. Set, the agent sends its events there in
	// batches (unless Exporter is set) and polls the collector's
	// decisions, enforcing blocks as the ruleset's rules_data
	// (blocked_ips, blocked_users) and reporting challenges (Challenged).
	Endpoint string
	// APIKey is the collector's ingest key (RAMPART_API_KEY).
	APIKey string
	// PollInterval is the time between decision polls; 0 means 10 s
	// (RAMPART_POLL_INTERVAL, a Go duration).
	PollInterval time.Duration
	// Logger receives rampart's own diagnostics; nil means slog.Default().
	Logger *slog.Logger

	// warnings are ConfigFromEnv's, logged by New.
	warnings []string
}

// Agent is a configured rampart: the compiled WAF engine, the exporter and
// the counters. It is safe for concurrent use.
type Agent struct {
	cfg      Config
	engine   *waf.Engine
	inputs   httpinput.Options
	exporter Exporter
	poller   *report.Poller   // nil without an Endpoint
	closer   *report.Exporter // the exporter New made, closed by Close
	log      *slog.Logger
	initTime time.Duration
	stats    Stats
	status   Status
	timeouts timeoutLog
}

// Stats are an Agent's counters.
type Stats struct {
	Requests  atomic.Int64 // requests evaluated
	Attacks   atomic.Int64 // requests with at least one rule match
	Blocked   atomic.Int64 // requests answered with the block response
	Timeouts  atomic.Int64 // requests whose time budget ran out
	Panics    atomic.Int64 // internal faults recovered (fail open)
	Truncated atomic.Int64 // requests with input dropped at a limit
	Exploits  atomic.Int64 // exploits caught at a sink (exploit prevention)
}

// New builds an Agent from cfg, compiling the ruleset, and logs one
// startup line saying what is on (modes, ruleset and rule counts, version,
// where the events go, time budget). A nil Agent with no error means cfg
// is disabled. It returns an error for a Mode or WAFMode that is neither
// monitor nor block, for a collector it cannot use and, with StrictRules,
// for a ruleset with invalid parts. Without StrictRules, a ruleset that
// cannot be used is replaced by the embedded default one and its invalid
// rules are left out, each said in an ERROR line and in Status.
func New(cfg Config) (*Agent, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	start := time.Now()
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("rampart: %w", err)
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeMonitor
	}
	if cfg.WAFMode == "" {
		cfg.WAFMode = cfg.Mode
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// In a Lambda function the warm-up runs in the init phase, which
	// Lambda runs with burst CPU, rather than beside the first invocation,
	// which gets the function's share of a CPU.
	eng, st, warnings, err := compileRules(&cfg, waf.Options{Timeout: cfg.Timeout, WaitWarmUp: lambdaFunction() != ""})
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		cfg.Logger.Debug("rampart: ruleset", "warning", w)
	}
	a := &Agent{cfg: cfg, engine: eng, exporter: cfg.Exporter, log: cfg.Logger}
	a.inputs = httpinput.Options{BodyLimit: cfg.BodyLimit, TrustedProxies: cfg.TrustedProxies, TrustAllProxies: cfg.TrustAllProxies}
	if cfg.Endpoint != "" {
		if a.exporter == nil {
			x, err := report.New(report.Config{Endpoint: cfg.Endpoint, APIKey: cfg.APIKey, Service: cfg.Service, Env: cfg.Env, Logger: cfg.Logger})
			if err != nil {
				return nil, fmt.Errorf("rampart: %w", err)
			}
			a.exporter, a.closer = x, x
		}
		p, err := report.NewPoller(report.PollerConfig{Endpoint: cfg.Endpoint, APIKey: cfg.APIKey, Interval: cfg.PollInterval, Engine: eng, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("rampart: %w", err)
		}
		a.poller = p
		p.Start()
	}
	st.Events = "stderr (JSON lines)"
	switch {
	case cfg.Exporter != nil:
		st.Events = describeExporter(cfg.Exporter)
	case a.closer != nil:
		st.Events = "collector " + cfg.Endpoint
	}
	if a.exporter == nil {
		a.exporter = NewJSONExporter(os.Stderr)
	}
	st.Mode, st.WAFMode, st.Version = cfg.Mode, cfg.WAFMode, Version
	st.RulesVersion, st.Rules, st.ExploitRules = eng.RulesVersion(), eng.RuleCount(), eng.SinkRuleCount()
	st.Timeout = cfg.Timeout
	if st.Timeout == 0 {
		st.Timeout = waf.DefaultTimeout
	}
	a.status = st
	a.initTime = time.Since(start)
	a.logStart(cfg.warnings)
	return a, nil
}

// Status returns what the agent runs: its modes, its ruleset (and whether
// it is the embedded default in place of an unusable one), the rules in
// force and left out, where its events go and its time budget.
func (a *Agent) Status() Status {
	st := a.status
	st.Dropped = append([]*waf.RuleError(nil), st.Dropped...)
	return st
}

// Close flushes the events buffered for the collector within ctx, then
// stops the exporter that New made and the decision poller. It is a no-op
// for a nil agent; the agent goes on evaluating requests, without
// reporting them to the collector.
func (a *Agent) Close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	err := a.Flush(ctx)
	if a.poller != nil {
		a.poller.Stop()
	}
	if a.closer != nil {
		if cerr := a.closer.Close(ctx); err == nil {
			err = cerr
		}
	}
	return err
}

// Challenged reports whether the collector's decisions ask for step-up
// authentication (a challenge_ip decision covering ip, or a
// challenge_user decision naming userID; either may be empty). The user
// events SDK calls it to answer ActionChallenge; it is false for a nil
// agent and for an agent without an Endpoint. Block decisions need no
// call: they are rules_data, and the WAF blocks those requests itself.
func (a *Agent) Challenged(ip, userID string) bool {
	if a == nil || a.poller == nil {
		return false
	}
	return a.poller.Challenged(ip, userID)
}

// Decisions returns the poller of the collector's decisions, or nil
// without an Endpoint: for Poll (a Lambda handler may poll before its
// first request) and its counters.
func (a *Agent) Decisions() *report.Poller {
	if a == nil {
		return nil
	}
	return a.poller
}

// Engine returns the agent's WAF engine, for rules_data updates and tests.
func (a *Agent) Engine() *waf.Engine { return a.engine }

// Mode returns the agent's mode.
func (a *Agent) Mode() Mode { return a.cfg.Mode }

// Config returns the agent's configuration.
func (a *Agent) Config() Config { return a.cfg }

// Stats returns the agent's counters.
func (a *Agent) Stats() *Stats { return &a.stats }

// ExportStats returns the counters of the agent's exporter (events
// queued, sent, dropped, failed...) when it keeps them, as the collector
// exporter of package report does; false when the events go where nothing
// is counted (stderr, an Exporter without a Stats() report.Stats method)
// and for a nil agent.
func (a *Agent) ExportStats() (report.Stats, bool) {
	if a == nil {
		return report.Stats{}, false
	}
	if x, ok := a.exporter.(interface{ Stats() report.Stats }); ok {
		return x.Stats(), true
	}
	return report.Stats{}, false
}

// InitDuration is how long New took (ruleset parse and compile).
func (a *Agent) InitDuration() time.Duration { return a.initTime }

// InputOptions returns the request-model options (body limit, trusted
// proxies) the guards use.
func (a *Agent) InputOptions() *httpinput.Options { return &a.inputs }

var (
	global     atomic.Pointer[Agent]
	globalOnce sync.Once
	globalSet  atomic.Bool
)

// Enable installs a as the process-wide Agent used by guards that are not
// given one. A nil a disables rampart.
func Enable(a *Agent) {
	globalSet.Store(true)
	global.Store(a)
}

// Default returns the process-wide Agent: the one installed with Enable, or
// else one built once from the environment by FromEnv. It returns nil when
// rampart is off. A configuration error is logged and stops the process
// (FromEnv): rampart never runs switched off by a typo.
func Default() *Agent {
	globalOnce.Do(func() {
		if globalSet.Load() {
			return
		}
		a := FromEnv(nil)
		if !globalSet.Load() {
			global.Store(a)
		}
	})
	return global.Load()
}
