package extension

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/event"
)

// Limits of the forwarder. Beyond them, events are dropped, counted and
// reported: an unreachable collector must not grow the extension's memory
// (it shares the function's), and must not be silent.
const (
	// MaxPending is the most events kept for the collector: at about 2 KiB
	// an attack event, 20 MiB at most.
	MaxPending = 10000

	// MaxHandoffBytes is the largest handoff body accepted from the
	// function: a thousand events (lambdaguard.MaxBuffered) of 4 KiB.
	MaxHandoffBytes = 4 << 20

	// maxRemembered is how many handoff batch ids are remembered to drop
	// a handoff that the function retried after its acknowledgement got
	// lost.
	maxRemembered = 256
)

// ForwarderStats are a Forwarder's counters.
type ForwarderStats struct {
	Received  int64 `json:"received"`  // events accepted from the function
	Forwarded int64 `json:"forwarded"` // events the collector acknowledged
	Dropped   int64 `json:"dropped"`   // events dropped (full, or rejected by the collector)
	Pending   int64 `json:"pending"`   // events waiting for the collector
	Batches   int64 `json:"batches"`   // batches the collector acknowledged
	Failures  int64 `json:"failures"`  // failed attempts to send a batch
}

// Forwarder buffers events and sends them to the collector: POST
// Endpoint/v1/events with the ingest key as a bearer token, each batch
// keeping its batch_id across retries (the collector deduplicates). With no
// Endpoint, Flush writes the events as JSON lines to Out (Lambda sends
// stdout to CloudWatch Logs). It is safe for concurrent use.
type Forwarder struct {
	// Endpoint is the collector's base URL (RAMPART_ENDPOINT).
	Endpoint string
	// APIKey is the ingest key (RAMPART_API_KEY).
	APIKey string
	// Client is the HTTP client; nil means one with no overall timeout
	// (Flush's context bounds each attempt).
	Client *http.Client
	// Out receives the events when Endpoint is empty.
	Out io.Writer
	// Logger receives drops and failures; nil means slog.Default().
	Logger *slog.Logger
	// Backoff is the wait before the n-th retry (n from 1) of a batch;
	// nil means DefaultBackoff.
	Backoff func(n int) time.Duration

	mu         sync.Mutex
	queue      []*event.Batch
	pending    int
	unreported int64
	seen       map[string]bool
	seenOrder  []string

	received, forwarded, dropped, batches, failures atomic.Int64
}

// DefaultBackoff waits 20 ms, doubling up to 1 s.
func DefaultBackoff(n int) time.Duration {
	d := 20 * time.Millisecond << min(n-1, 6)
	return min(d, time.Second)
}

// Stats returns the counters.
func (f *Forwarder) Stats() ForwarderStats {
	f.mu.Lock()
	p := f.pending
	f.mu.Unlock()
	return ForwarderStats{Received: f.received.Load(), Forwarded: f.forwarded.Load(), Dropped: f.dropped.Load(),
		Pending: int64(p), Batches: f.batches.Load(), Failures: f.failures.Load()}
}

// Add queues a batch handed over by the function (in the collector's
// ingest format, event.Batch). Its Dropped, the events dropped by the
// function or the extension since the previous batch, is reported to the
// collector with the next batch sent. A batch whose id was
// seen before is ignored (the function retried it). When MaxPending events
// are queued, the oldest batches are dropped and counted. It returns the
// number of events accepted.
func (f *Forwarder) Add(b *event.Batch) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b.ID == "" {
		b.ID = newID()
	}
	if f.seen[b.ID] {
		return 0
	}
	f.remember(b.ID)
	f.unreported += b.Dropped
	b.Dropped = 0
	if len(b.Events) == 0 {
		return 0
	}
	if len(b.Events) > MaxPending {
		f.drop(int64(len(b.Events) - MaxPending))
		b.Events = b.Events[len(b.Events)-MaxPending:]
	}
	for f.pending+len(b.Events) > MaxPending && len(f.queue) > 0 {
		old := f.queue[0]
		f.queue = f.queue[1:]
		f.pending -= len(old.Events)
		f.drop(int64(len(old.Events)))
	}
	f.queue = append(f.queue, b)
	f.pending += len(b.Events)
	f.received.Add(int64(len(b.Events)))
	return len(b.Events)
}

func (f *Forwarder) remember(id string) {
	if f.seen == nil {
		f.seen = make(map[string]bool)
	}
	f.seen[id] = true
	f.seenOrder = append(f.seenOrder, id)
	if len(f.seenOrder) > maxRemembered {
		delete(f.seen, f.seenOrder[0])
		f.seenOrder = f.seenOrder[1:]
	}
}

// drop counts n dropped events; f.mu is held.
func (f *Forwarder) drop(n int64) {
	f.dropped.Add(n)
	f.unreported += n
	f.logger().Warn("rampart extension: events dropped", "count", n, "dropped_total", f.dropped.Load())
}

func (f *Forwarder) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

// Flush sends the queued batches, oldest first, retrying each with backoff
// until ctx is done. What is not acknowledged stays queued for the next
// Flush. A batch that the collector rejects as invalid (a 4xx other than
// 401, 403, 408 and 429) would never be accepted: it is dropped and counted.
func (f *Forwarder) Flush(ctx context.Context) error {
	for {
		f.mu.Lock()
		if len(f.queue) == 0 {
			if f.unreported == 0 {
				f.mu.Unlock()
				return nil
			}
			// Drops not reported yet go in a batch of their own: the
			// collector takes a batch without events that carries drops.
			f.queue = append(f.queue, &event.Batch{ID: newID(), Events: []json.RawMessage{}})
		}
		b := f.queue[0]
		if f.unreported > 0 {
			b.Dropped += f.unreported
			f.unreported = 0
		}
		f.mu.Unlock()

		err := f.sendWithRetry(ctx, b)
		f.mu.Lock()
		var bad *rejectedError
		switch {
		case err == nil:
			f.forwarded.Add(int64(len(b.Events)))
			f.batches.Add(1)
		case errors.As(err, &bad):
			f.dropped.Add(int64(len(b.Events)))
			f.logger().Error("rampart extension: collector rejected a batch", "batch_id", b.ID, "events", len(b.Events), "error", err)
		default:
			f.mu.Unlock()
			return err
		}
		if len(f.queue) > 0 && f.queue[0] == b {
			f.queue = f.queue[1:]
			f.pending -= len(b.Events)
		}
		f.mu.Unlock()
	}
}

func (f *Forwarder) sendWithRetry(ctx context.Context, b *event.Batch) error {
	// encoding/json (Batch.MarshalJSON) compacts the events as the
	// function wrote them, and escapes HTML in them: the collector gets
	// json.Marshal's form of each, whoever wrote it.
	body, err := json.Marshal(b)
	if err != nil {
		return &rejectedError{err}
	}
	backoff := f.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	for n := 1; ; n++ {
		err := f.send(ctx, body)
		if err == nil {
			return nil
		}
		var bad *rejectedError
		if errors.As(err, &bad) {
			return err
		}
		f.failures.Add(1)
		t := time.NewTimer(backoff(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("forwarding batch %s: %w (last error: %v)", b.ID, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// rejectedError is a batch the collector will never accept.
type rejectedError struct{ err error }

func (e *rejectedError) Error() string { return e.err.Error() }

func (f *Forwarder) send(ctx context.Context, body []byte) error {
	if f.Endpoint == "" {
		return f.write(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Endpoint+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return &rejectedError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	if f.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+f.APIKey)
	}
	hc := f.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s/100 == 2:
		return nil
	case s/100 == 4 && s != 401 && s != 403 && s != 408 && s != 429:
		return &rejectedError{fmt.Errorf("collector: %s: %s", resp.Status, bytes.TrimSpace(msg))}
	default:
		return fmt.Errorf("collector: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
}

// write writes a batch's events as JSON lines to Out.
func (f *Forwarder) write(body []byte) error {
	if f.Out == nil {
		return nil
	}
	b, err := event.DecodeBatch(body)
	if err != nil {
		return &rejectedError{err}
	}
	var buf bytes.Buffer
	for _, e := range b.Events {
		buf.Write(e)
		buf.WriteByte('\n')
	}
	if b.Dropped > 0 {
		buf.WriteString(`{"type":"rampart.dropped","count":` + strconv.FormatInt(b.Dropped, 10) + "}\n")
	}
	_, err = f.Out.Write(buf.Bytes())
	return err
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
