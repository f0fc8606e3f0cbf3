package lambdaguard

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/report"
)

// DefaultExtensionAddr is where the rampart Lambda extension listens for
// the function's events, on the execution environment's loopback.
const DefaultExtensionAddr = "127.0.0.1:4377"

// ExtensionPath is where Lambda installs the rampart extension from its
// layer (extensions/rampart in the layer's zip file). Its presence tells
// the function that the extension runs beside it.
const ExtensionPath = "/opt/extensions/rampart"

// ExtensionPollInterval is how often the function's agent asks the
// extension for the decisions when RAMPART_POLL_INTERVAL is not set.
const ExtensionPollInterval = time.Second

// MaxBuffered is the most events an Exporter keeps between two handoffs:
// far more than one invocation produces (each request reports at most one
// attack event), and a bound on memory when the extension is unreachable.
// Events beyond it are dropped and counted.
const MaxBuffered = 1000

// coldStart is true during the first invocation of the process.
var coldStart atomic.Bool

// ExtensionAddr returns the address of the rampart extension the function
// hands its events to: RAMPART_EXTENSION_ADDR when set ("off" for none),
// else DefaultExtensionAddr when the extension is installed (ExtensionPath
// exists), else "".
func ExtensionAddr() string {
	switch v := os.Getenv("RAMPART_EXTENSION_ADDR"); v {
	case "off", "none", "false":
		return ""
	case "":
	default:
		return v
	}
	if _, err := os.Stat(ExtensionPath); err == nil {
		return DefaultExtensionAddr
	}
	return ""
}

// FunctionName returns the function's qualified name,
// "name:version" ("orders:$LATEST", "orders:12"), from the Lambda
// environment; "" outside Lambda.
func FunctionName() string {
	name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	if v := os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"); name != "" && v != "" {
		return name + ":" + v
	}
	return name
}

var (
	agentOnce sync.Once
	theAgent  *rampart.Agent
)

// Agent returns the process-wide agent of a Lambda function, built once per
// execution environment from the environment (rampart.ConfigFromEnv) by
// NewAgent and installed with rampart.Enable, so that the other guards use
// it too. It returns nil when rampart is off. A configuration error (a
// value rampart does not accept, such as RAMPART_MODE=enforce) is logged
// and exits the process during the function's init (rampart.FromEnv), so
// that the function fails to initialize rather than run unprotected.
func Agent() *rampart.Agent {
	agentOnce.Do(func() {
		a := rampart.FromEnv(NewAgent)
		if a != nil {
			rampart.Enable(a)
		}
		theAgent = a
	})
	return theAgent
}

// NewAgent builds an agent for a Lambda function from cfg: its events are
// labelled with the function (FunctionName) and the cold start, and go to
// the rampart extension when it runs beside the function (ExtensionAddr;
// the decisions are then polled from the extension's cache, cfg.Endpoint
// being left to the extension), else to cfg.Exporter, else
// to the collector at cfg.Endpoint (package report's exporter, flushed
// before each invocation returns), else as JSON lines on stderr, which
// Lambda sends to CloudWatch Logs. An empty cfg.Service is the function's name. It
// returns nil with no error when cfg is disabled.
func NewAgent(cfg rampart.Config) (*rampart.Agent, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	if cfg.Service == "" {
		cfg.Service = os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	}
	ext := ExtensionAddr()
	next := cfg.Exporter
	switch {
	case ext != "":
		// The extension forwards the events and caches the decisions: the
		// function talks to localhost only. The agent's decision poller
		// (package report) asks the extension, which serves the collector's
		// API from its cache and needs no key from the function.
		cfg.Endpoint, cfg.APIKey = "http://"+ext, ""
		if cfg.PollInterval == 0 {
			// On localhost, from the extension's cache, mostly 304s: the
			// decisions are in force a second after the extension has them.
			cfg.PollInterval = ExtensionPollInterval
		}
	case next == nil && cfg.Endpoint != "":
		r, err := report.New(report.Config{Endpoint: cfg.Endpoint, APIKey: cfg.APIKey, Service: cfg.Service, Env: cfg.Env, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
		next = r
	}
	desc := "" // for Exporter.String: where next sends the events
	switch {
	case next == nil:
		next, desc = rampart.NewJSONExporter(os.Stderr), "stderr (JSON lines, to CloudWatch Logs)"
	case cfg.Exporter == nil:
		desc = "collector " + cfg.Endpoint
	}
	x := NewExporter(next, ext)
	x.service, x.env, x.desc = cfg.Service, cfg.Env, desc
	cfg.Exporter = x
	return rampart.New(cfg)
}

// Exporter is the exporter of a Lambda function's agent. It labels each
// event with the function and the cold start, then either keeps it for the
// rampart extension (when it has an extension address), handing what it
// keeps over on Flush, or passes it to the next exporter, whose Flush it
// calls on Flush. It is safe for concurrent use.
type Exporter struct {
	next     rampart.Exporter
	ext      string
	function string
	service  string
	env      string
	desc     string // where next sends the events, for String
	client   *http.Client

	flushMu  sync.Mutex
	mu       sync.Mutex
	buf      []*event.Event
	inflight *handoff // a batch sent that the extension has not acknowledged
	unsent   int64    // drops not yet reported to the extension

	dirty   atomic.Bool // events exported since the last successful Flush
	dropped atomic.Int64
}

// handoff is one batch for the extension: the envelope (event.Batch, the
// collector's ingest format), kept so that a retry carries the same
// batch_id, and its events, encoded on each attempt.
type handoff struct {
	batch  event.Batch // without its Events
	events []*event.Event
}

// NewExporter returns an exporter that hands events to the extension at
// extensionAddr ("host:port"), or to next when extensionAddr is empty.
func NewExporter(next rampart.Exporter, extensionAddr string) *Exporter {
	return &Exporter{
		next: next, ext: extensionAddr, function: FunctionName(),
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 1, IdleConnTimeout: 0, DisableCompression: true}},
	}
}

// Export labels e and keeps it (extension) or passes it on. It never
// blocks: when MaxBuffered events are kept, the oldest is dropped and
// counted.
func (x *Exporter) Export(e *event.Event) {
	e.Function = x.function
	if e.Version == "" {
		e.Version = rampart.Version
	}
	e.ColdStart = coldStart.Load()
	x.dirty.Store(true)
	if x.ext == "" {
		x.next.Export(e)
		return
	}
	x.mu.Lock()
	if len(x.buf) >= MaxBuffered {
		x.buf = x.buf[1:]
		x.unsent++
		if n := x.dropped.Add(1); n == 1 || n%1000 == 0 {
			slog.Warn("rampart: events dropped: the extension does not take them", "dropped_total", n, "extension", x.ext)
		}
	}
	x.buf = append(x.buf, e)
	x.mu.Unlock()
}

// String says where the events go: to the extension, or where the next
// exporter sends them.
func (x *Exporter) String() string {
	switch {
	case x.ext != "":
		return "rampart extension at " + x.ext
	case x.desc != "":
		return x.desc
	case x.next != nil:
		if s, ok := x.next.(fmt.Stringer); ok {
			return s.String()
		}
		return fmt.Sprintf("%T", x.next)
	}
	return "nowhere"
}

// Dropped returns the number of events dropped so far.
func (x *Exporter) Dropped() int64 { return x.dropped.Load() }

// pending reports whether there may be events to deliver.
func (x *Exporter) pending() bool { return x.dirty.Load() }

// Flush delivers the kept events to the extension (or flushes the next
// exporter), within ctx. Events that could not be delivered are kept for
// the next Flush.
func (x *Exporter) Flush(ctx context.Context) error {
	if x.ext == "" {
		if f, ok := x.next.(rampart.Flusher); ok {
			if err := f.Flush(ctx); err != nil {
				return err
			}
		}
		x.dirty.Store(false)
		return nil
	}
	x.flushMu.Lock() // one flush at a time; Export only waits for mu
	defer x.flushMu.Unlock()
	for {
		x.mu.Lock()
		if x.inflight == nil {
			if len(x.buf) == 0 && x.unsent == 0 {
				x.dirty.Store(false)
				x.mu.Unlock()
				return nil
			}
			x.inflight = &handoff{batch: event.Batch{ID: newBatchID(), Service: x.service, Env: x.env, Dropped: x.unsent}, events: x.buf}
			x.buf, x.unsent = nil, 0
		}
		h := x.inflight
		x.mu.Unlock()
		if err := x.send(ctx, h); err != nil {
			return err
		}
		x.mu.Lock()
		x.inflight = nil
		x.mu.Unlock()
	}
}

func (x *Exporter) send(ctx context.Context, h *handoff) error {
	b := h.batch
	if h.events != nil {
		b.Events = make([]json.RawMessage, 0, len(h.events))
	}
	if err := b.Add(h.events...); err != nil {
		return err
	}
	body := b.AppendJSON(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+x.ext+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := x.client.Do(req)
	if err != nil {
		return fmt.Errorf("handing events to the extension: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("handing events to the extension: %s", resp.Status)
	}
	return nil
}

func newBatchID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
