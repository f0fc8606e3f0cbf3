// Package report connects the library to the collector (`rampart serve`):
// the Exporter sends events in batches to POST /v1/events, and the Poller
// fetches the decisions from GET /v1/decisions and applies them to the WAF
// engine as rules_data, so blocked IPs and users get the block response.
//
// The Exporter never blocks the request path: Export puts the event on a
// bounded queue and returns; a full queue drops the event and counts it.
// One goroutine batches the queue by size and time, gzips each batch and
// sends it with an idempotent batch id, retrying with exponential backoff
// and jitter (honouring Retry-After) until the collector acknowledges it,
// so a retried batch is stored once. Flush delivers what is queued (a
// Lambda handler calls it before returning); Close flushes and stops.
//
// The package uses only the standard library and the engine's packages, so
// it adds nothing heavy to a function's binary.
package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/event"
)

// Defaults of Config.
const (
	DefaultBatchSize     = 100
	DefaultFlushInterval = time.Second
	// DefaultQueueSize bounds the events waiting to be sent: at about
	// 2 KiB an event, 10,000 hold some 20 MiB at the worst.
	DefaultQueueSize = 10_000
	// DefaultMaxRetryTime is how long one batch is retried before it is
	// given up (and counted in Stats.Failed).
	DefaultMaxRetryTime = 5 * time.Minute
	// DefaultTimeout bounds one request to the collector.
	DefaultTimeout = 10 * time.Second
	// MaxRetryAfter bounds the wait a collector's Retry-After can ask for.
	MaxRetryAfter = 5 * time.Minute
)

// Config configures an Exporter. Endpoint is required; the zero value of
// every other field means its default.
type Config struct {
	// Endpoint is the collector's base URL (RAMPART_ENDPOINT), such as
	// http://127.0.0.1:8080; the Lambda extension serves the same API on
	// localhost.
	Endpoint string
	// APIKey is the ingest key (RAMPART_API_KEY).
	APIKey string
	// Service and Env are sent with every batch.
	Service, Env string
	// BatchSize is the number of events per batch (DefaultBatchSize).
	BatchSize int
	// FlushInterval is the longest an event waits for its batch to fill
	// (DefaultFlushInterval).
	FlushInterval time.Duration
	// QueueSize bounds the queued events (DefaultQueueSize).
	QueueSize int
	// MaxRetryTime bounds the retries of one batch (DefaultMaxRetryTime).
	MaxRetryTime time.Duration
	// Backoff returns the wait before retry number attempt (1, 2, ...);
	// nil means DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Client sends the requests; nil means a client with DefaultTimeout.
	Client *http.Client
	// Logger receives the exporter's diagnostics; nil means
	// slog.Default().
	Logger *slog.Logger
}

// DefaultBackoff is exponential backoff with jitter: 250 ms doubling per
// attempt up to 30 s, each wait drawn from its upper half so that many
// exporters failing together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < attempt && d < 30*time.Second; i++ {
		d *= 2
	}
	d = min(d, 30*time.Second)
	return d/2 + mathrand.N(d/2+1)
}

// Stats are an Exporter's counters.
type Stats struct {
	Queued   int64 // events accepted by Export
	Sent     int64 // events the collector acknowledged
	Dropped  int64 // events dropped because the queue was full
	Failed   int64 // events given up after MaxRetryTime or at Close
	Rejected int64 // events in batches the collector refused (4xx)
	Batches  int64 // batches acknowledged
	Retries  int64 // requests retried
}

// Exporter sends events to the collector. It implements rampart.Exporter
// and rampart.Flusher. It is safe for concurrent use.
type Exporter struct {
	cfg  Config
	url  string
	log  *slog.Logger
	q    chan *event.Event
	fl   chan chan struct{}
	stop context.CancelFunc
	ctx  context.Context
	done chan struct{}

	queued, sent, dropped, failed, rejected, batches, retries atomic.Int64
	lastDropLog                                               atomic.Int64

	closeOnce sync.Once
	closed    atomic.Bool
}

// New returns a running Exporter.
func New(cfg Config) (*Exporter, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("report: Config.Endpoint is required")
	}
	if !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
		return nil, fmt.Errorf("report: endpoint %q: want an http:// or https:// URL", cfg.Endpoint)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MaxRetryTime <= 0 {
		cfg.MaxRetryTime = DefaultMaxRetryTime
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	x := &Exporter{cfg: cfg, url: strings.TrimRight(cfg.Endpoint, "/") + "/v1/events", log: cfg.Logger,
		q: make(chan *event.Event, cfg.QueueSize), fl: make(chan chan struct{}), done: make(chan struct{})}
	x.ctx, x.stop = context.WithCancel(context.Background())
	go x.run()
	return x, nil
}

// Export queues e and returns at once; when the queue is full, e is
// dropped and counted (Stats.Dropped).
func (x *Exporter) Export(e *event.Event) {
	if e == nil {
		return
	}
	if x.closed.Load() {
		x.dropped.Add(1)
		return
	}
	select {
	case x.q <- e:
		x.queued.Add(1)
	default:
		n := x.dropped.Add(1)
		// Log drops at most once a second.
		now := time.Now().UnixNano()
		if last := x.lastDropLog.Load(); now-last > int64(time.Second) && x.lastDropLog.CompareAndSwap(last, now) {
			x.log.Warn("rampart: event queue full, dropping events", "dropped_total", n)
		}
	}
}

// Stats returns a snapshot of the counters.
func (x *Exporter) Stats() Stats {
	return Stats{Queued: x.queued.Load(), Sent: x.sent.Load(), Dropped: x.dropped.Load(), Failed: x.failed.Load(),
		Rejected: x.rejected.Load(), Batches: x.batches.Load(), Retries: x.retries.Load()}
}

// Flush sends every event queued before the call and returns when the
// collector has acknowledged them (or refused them, or they were given up),
// or when ctx is done.
func (x *Exporter) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case x.fl <- ack:
	case <-x.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-x.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes within ctx, then stops the exporter: a batch still being
// retried is abandoned and counted in Stats.Failed, as are events still
// queued. Export after Close drops.
func (x *Exporter) Close(ctx context.Context) error {
	err := x.Flush(ctx)
	x.closed.Store(true)
	x.closeOnce.Do(x.stop)
	<-x.done
	return err
}

func (x *Exporter) run() {
	defer close(x.done)
	batch := make([]*event.Event, 0, x.cfg.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	send := func() {
		if armed {
			timer.Stop()
			armed = false
		}
		if len(batch) > 0 {
			x.send(batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case e := <-x.q:
			batch = append(batch, e)
			if len(batch) >= x.cfg.BatchSize {
				send()
			} else if !armed {
				timer.Reset(x.cfg.FlushInterval)
				armed = true
			}
		case <-timer.C:
			armed = false
			send()
		case ack := <-x.fl:
			// Everything queued so far: at most the queue's length now.
			for n := len(x.q); n > 0; n-- {
				batch = append(batch, <-x.q)
				if len(batch) >= x.cfg.BatchSize {
					send()
				}
			}
			send()
			close(ack)
		case <-x.ctx.Done():
			n := int64(len(batch) + len(x.q))
			x.failed.Add(n)
			if n > 0 {
				x.log.Warn("rampart: exporter closed with events not delivered", "events", n)
			}
			return
		}
	}
}

// NewBatchID returns a random batch id: the same for every retry of one
// batch, so the collector stores it once.
func NewBatchID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// send delivers one batch, retrying until it is acknowledged, refused,
// MaxRetryTime has passed or the exporter is closed.
func (x *Exporter) send(batch []*event.Event) {
	n := int64(len(batch))
	body, err := x.encode(NewBatchID(), batch)
	if err != nil {
		x.rejected.Add(n)
		x.log.Error("rampart: encoding events", "error", err)
		return
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		status, retryAfter, err := x.post(body)
		switch {
		case err == nil && status >= 200 && status < 300:
			x.sent.Add(n)
			x.batches.Add(1)
			return
		case err == nil && status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
			// The collector will never take this batch: retrying is
			// useless (bad key, invalid event).
			x.rejected.Add(n)
			x.log.Error("rampart: the collector refused a batch", "status", status, "events", n)
			return
		}
		wait := x.cfg.Backoff(attempt)
		if retryAfter > wait {
			wait = min(retryAfter, MaxRetryAfter)
		}
		if time.Since(start)+wait > x.cfg.MaxRetryTime {
			x.failed.Add(n)
			x.log.Error("rampart: giving up on a batch", "events", n, "attempts", attempt, "status", status, "error", err)
			return
		}
		x.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-x.ctx.Done():
			t.Stop()
			x.failed.Add(n)
			return
		}
	}
}

func (x *Exporter) encode(id string, batch []*event.Event) ([]byte, error) {
	b := event.Batch{ID: id, Service: x.cfg.Service, Env: x.cfg.Env, Events: make([]json.RawMessage, 0, len(batch))}
	if err := b.Add(batch...); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(b.AppendJSON(nil))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return gz.Bytes(), nil
}

// post sends one attempt; it returns the status, the Retry-After asked
// for, and a transport error.
func (x *Exporter) post(body []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(x.ctx, http.MethodPost, x.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	if x.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+x.cfg.APIKey)
	}
	resp, err := x.cfg.Client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if n < 0 {
			return 0
		}
		return min(time.Duration(n)*time.Second, MaxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxRetryAfter)
	}
	return 0
}
