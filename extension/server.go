package extension

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/rampartsec/rampart/event"
)

// DecisionCache keeps the collector's decision lists for the function: it
// asks the collector (GET Endpoint/v1/decisions with If-None-Match) at most
// once per Interval, and answers the function's GET /v1/decisions from
// memory, with the collector's ETag, so that the function's check costs a
// localhost round trip and usually a 304. It is safe for concurrent use.
type DecisionCache struct {
	// Endpoint is the collector's base URL; empty means no decisions (an
	// empty list is served).
	Endpoint string
	// APIKey is the ingest key.
	APIKey string
	// Interval is the least time between two requests to the collector; 0
	// means DefaultDecisionInterval.
	Interval time.Duration
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client

	mu      sync.Mutex
	body    []byte
	etag    string
	fetched time.Time
	asked   time.Time

	firstOnce sync.Once
	first     chan struct{} // closed when the first fetch has ended
}

// maxFirstWait is how long the function's request waits for the first
// fetch from the collector, in a new execution environment, before it is
// answered 503 (its agent asks again at its next poll).
const maxFirstWait = 500 * time.Millisecond

func (c *DecisionCache) firstDone() chan struct{} {
	c.firstOnce.Do(func() { c.first = make(chan struct{}) })
	return c.first
}

// Prefetch asks the collector for the decisions now, ignoring Interval,
// and marks the end of the first fetch: the extension calls it in a
// goroutine as soon as it is registered, so that the decisions are there
// for the function's first request.
func (c *DecisionCache) Prefetch(ctx context.Context) error {
	defer func() {
		ch := c.firstDone()
		select {
		case <-ch:
		default:
			close(ch)
		}
	}()
	return c.Refresh(ctx)
}

// DefaultDecisionInterval is the default DecisionCache.Interval.
const DefaultDecisionInterval = 10 * time.Second

// maxDecisionsBytes bounds a decisions response from the collector.
const maxDecisionsBytes = 20 << 20

// Refresh asks the collector for the decisions when Interval has passed.
func (c *DecisionCache) Refresh(ctx context.Context) error {
	if c.Endpoint == "" {
		return nil
	}
	c.mu.Lock()
	iv := c.Interval
	if iv <= 0 {
		iv = DefaultDecisionInterval
	}
	if !c.asked.IsZero() && time.Since(c.asked) < iv {
		c.mu.Unlock()
		return nil
	}
	c.asked = time.Now()
	etag := c.etag
	c.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Endpoint+"/v1/decisions", nil)
	if err != nil {
		return err
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	hc := c.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		c.mu.Lock()
		c.fetched = time.Now()
		c.mu.Unlock()
		return nil
	case http.StatusOK:
	default:
		return fmt.Errorf("decisions: collector answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDecisionsBytes+1))
	if err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	if len(body) > maxDecisionsBytes || !json.Valid(body) {
		return fmt.Errorf("decisions: invalid or oversized answer (%d bytes)", len(body))
	}
	c.mu.Lock()
	c.body, c.etag, c.fetched = body, resp.Header.Get("ETag"), time.Now()
	c.mu.Unlock()
	return nil
}

// ServeHTTP answers GET /v1/decisions from the cache: 304 when the
// function's If-None-Match is the cached ETag, 503 while nothing has been
// fetched from a configured collector.
func (c *DecisionCache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	body, etag := c.body, c.etag
	c.mu.Unlock()
	if c.Endpoint == "" {
		body, etag = []byte(`{"version":0,"decisions":[]}`), `"0"`
	}
	if body == nil {
		t := time.NewTimer(maxFirstWait)
		select {
		case <-c.firstDone():
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
		c.mu.Lock()
		body, etag = c.body, c.etag
		c.mu.Unlock()
	}
	if body == nil {
		http.Error(w, `{"error":"decisions not fetched yet"}`, http.StatusServiceUnavailable)
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// Handler returns the extension's local HTTP API, which the function
// reaches on localhost:
//
//	POST /v1/events     a batch in the collector's ingest format → 202
//	GET  /v1/decisions  the cached decision lists (ETag, If-None-Match)
//	GET  /v1/stats      the forwarder's counters
func Handler(f *Forwarder, d *DecisionCache) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxHandoffBytes+1))
		if err != nil {
			http.Error(w, `{"error":"reading the body"}`, http.StatusBadRequest)
			return
		}
		if len(body) > MaxHandoffBytes {
			http.Error(w, `{"error":"batch too large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		b, err := event.DecodeBatch(body)
		if err != nil || b.Events == nil && b.Dropped == 0 {
			http.Error(w, `{"error":"invalid batch: want {\"batch_id\",\"events\":[...]}"}`, http.StatusBadRequest)
			return
		}
		for _, e := range b.Events {
			if len(e) == 0 || e[0] != '{' {
				http.Error(w, `{"error":"invalid batch: events must be objects"}`, http.StatusBadRequest)
				return
			}
		}
		n := f.Add(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"accepted":%d}`+"\n", n)
	})
	mux.Handle("GET /v1/decisions", d)
	mux.HandleFunc("GET /v1/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(f.Stats())
	})
	return mux
}
