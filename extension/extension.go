package extension

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/lambdaguard"
)

// DefaultProxyAddr is where the proxy listens in proxy mode: the function's
// AWS_LAMBDA_RUNTIME_API is set to it (by the layer's wrapper script).
const DefaultProxyAddr = "127.0.0.1:4378"

// Timeouts of the lifecycle.
const (
	// DefaultFlushTimeout bounds the forwarding at each INVOKE. It runs
	// while the function works, but Lambda freezes the environment only
	// when the extension asks for the next event, so a long flush would
	// lengthen the invocation's billed duration.
	DefaultFlushTimeout = 500 * time.Millisecond

	// shutdownMargin is kept of SHUTDOWN's deadline to exit in time
	// (Lambda gives external extensions up to 2 s in all).
	shutdownMargin = 100 * time.Millisecond
)

// Config configures the extension. Its zero value, with RuntimeAPI set,
// serves the function on lambdaguard.DefaultExtensionAddr and writes the
// events to stdout.
type Config struct {
	// RuntimeAPI is the Lambda API's address (AWS_LAMBDA_RUNTIME_API).
	RuntimeAPI string
	// Addr is the local address the function hands its events to
	// (RAMPART_EXTENSION_ADDR); empty means lambdaguard.DefaultExtensionAddr.
	Addr string
	// Endpoint and APIKey are the collector's base URL and ingest key
	// (RAMPART_ENDPOINT, RAMPART_API_KEY); no Endpoint means JSON lines on
	// stdout.
	Endpoint, APIKey string
	// Proxy is the Runtime API proxy's address (RAMPART_PROXY=on for
	// DefaultProxyAddr, or an address); empty means no proxy mode.
	Proxy string
	// Agent evaluates events in proxy mode; nil builds one from the
	// environment (rampart.ConfigFromEnv) when Proxy is set.
	Agent *rampart.Agent
	// FlushTimeout bounds each flush at INVOKE; 0 means DefaultFlushTimeout.
	FlushTimeout time.Duration
	// DecisionInterval is how often the decisions are asked for; 0 means
	// DefaultDecisionInterval.
	DecisionInterval time.Duration
	// Out receives events when there is no Endpoint; nil means stdout.
	Out io.Writer
	// Logger receives the extension's diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// Ready, when set, is called once the local endpoints listen and the
	// extension is registered.
	Ready func(*Extension)
}

// ConfigFromEnv reads the configuration from the environment that Lambda
// gives an extension (the function's variables and AWS_LAMBDA_RUNTIME_API):
// RAMPART_ENDPOINT, RAMPART_API_KEY, RAMPART_EXTENSION_ADDR, RAMPART_PROXY
// and RAMPART_DECISION_INTERVAL (a Go duration).
func ConfigFromEnv() (Config, error) {
	c := Config{
		RuntimeAPI: os.Getenv("AWS_LAMBDA_RUNTIME_API"),
		Addr:       os.Getenv("RAMPART_EXTENSION_ADDR"),
		Endpoint:   strings.TrimRight(os.Getenv("RAMPART_ENDPOINT"), "/"),
		APIKey:     os.Getenv("RAMPART_API_KEY"),
	}
	// RAMPART_PROXY takes rampart's switch spellings, or an address.
	switch v := os.Getenv("RAMPART_PROXY"); strings.ToLower(strings.TrimSpace(v)) {
	case "", "off", "false", "0", "no":
	case "on", "true", "1", "yes":
		c.Proxy = DefaultProxyAddr
	default:
		if _, _, err := net.SplitHostPort(strings.TrimSpace(v)); err != nil {
			return c, &rampart.ConfigError{Var: "RAMPART_PROXY", Value: v, Want: "on (" + DefaultProxyAddr + "), off, or a host:port address"}
		}
		c.Proxy = strings.TrimSpace(v)
	}
	if v := os.Getenv("RAMPART_DECISION_INTERVAL"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return c, &rampart.ConfigError{Var: "RAMPART_DECISION_INTERVAL", Value: v, Want: "a positive Go duration, such as 10s"}
		}
		c.DecisionInterval = d
	}
	if c.RuntimeAPI == "" {
		return c, errors.New("AWS_LAMBDA_RUNTIME_API is not set: the extension runs inside a Lambda execution environment (or under the runtime interface emulator)")
	}
	return c, nil
}

// Extension is a running extension.
type Extension struct {
	cfg       Config
	client    *Client
	forwarder *Forwarder
	decisions *DecisionCache
	proxy     *Proxy
	addr      string
	proxyAddr string
	// failures counts the flushes that failed in a row; retryAt is when
	// the next INVOKE may try again.
	failures int
	retryAt  time.Time
	// lastInvoke is the id of the last INVOKE, looked for in the proxy's
	// fetched invocations at the next INVOKE or SHUTDOWN (by then the
	// runtime has fetched it, through the proxy or around it).
	lastInvoke string
}

// checkBypass counts the previous invocation as bypassing the proxy when
// the runtime did not fetch it through the proxy, warning at the first
// one and at every hundredth, and remembers next for the next check.
func (e *Extension) checkBypass(log *slog.Logger, next string) {
	if e.proxy == nil {
		return
	}
	prev := e.lastInvoke
	e.lastInvoke = next
	if prev == "" || e.proxy.passedThrough(prev) {
		return
	}
	if n := e.proxy.bypassed.Add(1); n == 1 || n%100 == 0 {
		log.Warn("rampart extension: an invocation bypassed the proxy: it reached the function uninspected (the runtime does not use AWS_LAMBDA_RUNTIME_API="+e.proxyAddr+"; on OS-only runtimes, provided.*, Lambda does not run AWS_LAMBDA_EXEC_WRAPPER: protect the function in-process with lambdaguard, or point the bootstrap at the proxy)",
			"request_id", prev, "bypassed", n, "invocations", e.proxy.invocations.Load())
	}
}

// Forwarder returns the forwarder of the function's events.
func (e *Extension) Forwarder() *Forwarder { return e.forwarder }

// Decisions returns the decision cache.
func (e *Extension) Decisions() *DecisionCache { return e.decisions }

// Proxy returns the Runtime API proxy, nil without proxy mode.
func (e *Extension) Proxy() *Proxy { return e.proxy }

// Addr returns the address the function hands its events to.
func (e *Extension) Addr() string { return e.addr }

// ProxyAddr returns the Runtime API proxy's address, "" without proxy mode.
func (e *Extension) ProxyAddr() string { return e.proxyAddr }

// Run runs the extension until SHUTDOWN (or ctx is done): it listens on
// the local address (and the proxy's), registers for INVOKE and SHUTDOWN,
// then at every INVOKE forwards what the function handed over and
// refreshes the decisions, and at SHUTDOWN forwards what is left.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = lambdaguard.DefaultExtensionAddr
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	e := &Extension{cfg: cfg, client: NewClient(cfg.RuntimeAPI)}
	e.forwarder = &Forwarder{Endpoint: cfg.Endpoint, APIKey: cfg.APIKey, Out: cfg.Out, Logger: log}
	e.decisions = &DecisionCache{Endpoint: cfg.Endpoint, APIKey: cfg.APIKey, Interval: cfg.DecisionInterval}

	// Fail open: without its local endpoint the extension still runs its
	// lifecycle (the function counts the events it cannot hand over),
	// rather than failing the function's init.
	if ln, err := net.Listen("tcp", cfg.Addr); err != nil {
		log.Error("rampart extension: cannot listen for the function's events (they will be dropped and counted)", "addr", cfg.Addr, "error", err)
	} else {
		e.addr = ln.Addr().String()
		srv := &http.Server{Handler: Handler(e.forwarder, e.decisions), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
	}

	if cfg.Proxy != "" {
		agent := cfg.Agent
		var x *queueExporter
		var err error
		if agent == nil {
			agent, x, err = proxyAgent(e.forwarder)
			if err != nil {
				return e.initFailed(ctx, "Extension.Config", err)
			}
		}
		e.proxy = &Proxy{Upstream: cfg.RuntimeAPI, Agent: agent, Logger: log}
		if x != nil {
			x.proxy = e.proxy
		}
		pln, err := net.Listen("tcp", cfg.Proxy)
		if err != nil {
			// The runtime is pointed at the proxy: without it the function
			// cannot run at all, so this one fails the init, loudly.
			return e.initFailed(ctx, "Extension.Listen", err)
		}
		e.proxyAddr = pln.Addr().String()
		if os.Getenv("AWS_LAMBDA_EXEC_WRAPPER") != "" && os.Getenv("AWS_EXECUTION_ENV") == "" {
			// AWS_EXECUTION_ENV is set on every managed runtime, and
			// not on the OS-only ones, which never run the wrapper.
			log.Warn("rampart extension: proxy mode relies on AWS_LAMBDA_EXEC_WRAPPER, which Lambda does not run on OS-only runtimes (provided.*): unless the function's bootstrap sets AWS_LAMBDA_RUNTIME_API=" + e.proxyAddr + ", no invocation is inspected (counted as bypassed)")
		}
		psrv := &http.Server{Handler: e.proxy, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = psrv.Serve(pln) }()
		defer psrv.Close()
	}

	if err := e.client.Register(ctx, Name, Invoke, Shutdown); err != nil {
		return err
	}
	// The decisions, for the function's first request: fetched while the
	// function initializes (the environment is not frozen before the
	// first invocation has run).
	go func() {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := e.decisions.Prefetch(pctx); err != nil {
			log.Warn("rampart extension: decisions", "error", err)
		}
	}()
	if cfg.Ready != nil {
		cfg.Ready(e)
	}
	log.Debug("rampart extension: registered", "addr", e.addr, "proxy", e.proxyAddr, "endpoint", cfg.Endpoint)
	for {
		ev, err := e.client.Next(ctx)
		if err != nil {
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			e.flush(fctx, log)
			cancel()
			return err
		}
		switch ev.EventType {
		case Invoke:
			e.checkBypass(log, ev.RequestID)
			if time.Now().Before(e.retryAt) {
				continue // the collector failed lately: do not lengthen every invocation
			}
			d := cfg.FlushTimeout
			if d <= 0 {
				d = DefaultFlushTimeout
			}
			fctx, cancel := context.WithTimeout(ctx, d)
			e.flush(fctx, log)
			cancel()
		case Shutdown:
			e.checkBypass(log, "")
			deadline := time.UnixMilli(ev.DeadlineMs).Add(-shutdownMargin)
			if ev.DeadlineMs == 0 {
				deadline = time.Now().Add(time.Second)
			}
			fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
			e.flush(fctx, log)
			cancel()
			st := e.forwarder.Stats()
			attrs := []any{"reason", ev.ShutdownReason, "forwarded", st.Forwarded, "dropped", st.Dropped, "pending", st.Pending}
			if e.proxy != nil {
				ps := e.proxy.Stats()
				attrs = append(attrs, "proxied", ps.Invocations, "blocked", ps.Blocked, "bypassed", ps.Bypassed)
			}
			log.Info("rampart extension: shutdown", attrs...)
			return nil
		}
	}
}

// flush forwards the buffered events and refreshes the decisions, both
// within ctx.
func (e *Extension) flush(ctx context.Context, log *slog.Logger) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.decisions.Refresh(ctx); err != nil {
			log.Debug("rampart extension: decisions", "error", err)
		}
	}()
	if err := e.forwarder.Flush(ctx); err != nil {
		e.failures++
		e.retryAt = time.Now().Add(min(time.Second<<min(e.failures-1, 6), maxFlushBackoff))
		log.Warn("rampart extension: forwarding events", "error", err, "pending", e.forwarder.Stats().Pending, "next_try", e.retryAt)
	} else {
		e.failures, e.retryAt = 0, time.Time{}
	}
	<-done
}

// maxFlushBackoff is the longest the extension waits, after failed
// flushes, before it tries the collector again at an INVOKE (SHUTDOWN
// always tries).
const maxFlushBackoff = time.Minute

func (e *Extension) initFailed(ctx context.Context, kind string, err error) error {
	// Register first: Lambda accepts an init error only from a registered
	// extension.
	if e.client.ID() == "" {
		if rerr := e.client.Register(ctx, Name, Invoke, Shutdown); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	_ = e.client.InitError(ctx, kind, err)
	return err
}

// proxyAgent builds the proxy's agent from the environment, its events
// queued on f with the function's labels.
func proxyAgent(f *Forwarder) (*rampart.Agent, *queueExporter, error) {
	cfg, err := rampart.ConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	cfg.Enabled = true // proxy mode is asked for explicitly
	if cfg.Service == "" {
		cfg.Service = os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	}
	x := &queueExporter{f: f, function: lambdaguard.FunctionName(), service: cfg.Service, env: cfg.Env}
	cfg.Exporter = x
	a, err := rampart.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("proxy mode: %w", err)
	}
	return a, x, nil
}

// queueExporter queues the proxy's events on the forwarder, labelled as
// lambdaguard labels the function's own.
type queueExporter struct {
	f                      *Forwarder
	function, service, env string
	proxy                  *Proxy // set once the proxy exists
}

func (x *queueExporter) Export(e *event.Event) {
	e.Function = x.function
	if e.Version == "" {
		e.Version = rampart.Version
	}
	e.ColdStart = x.proxy != nil && x.proxy.invocations.Load() == 1
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	x.f.Add(&event.Batch{Service: x.service, Env: x.env, Events: []json.RawMessage{b}})
}
