package collector

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The store operations a Server times, as the op label of
// rampart_collector_store_seconds. The web UI adds its own reads
// (StoreOpOverview...) through Server.ObserveStore.
const (
	StoreOpAppend          = "append"            // EventStore.Append: one group commit
	StoreOpRecordSignals   = "record_signals"    // EventStore.RecordSignals
	StoreOpDrops           = "drops"             // EventStore.Drops (the scrape's and /readyz's read)
	StoreOpSignals         = "signals"           // SignalStore.Signals: a page of signals
	StoreOpSignal          = "signal"            // SignalStore.Signal: one signal with its events
	StoreOpSetSignalStatus = "set_signal_status" // SignalStore.SetSignalStatus
	StoreOpDecisions       = "decisions"         // DecisionStore.Decisions
	StoreOpPutDecision     = "put_decision"      // DecisionStore.PutDecision
	StoreOpDeleteDecision  = "delete_decision"   // DecisionStore.DeleteDecision
	StoreOpKeys            = "keys"              // KeyStore.Keys
	StoreOpPutKey          = "put_key"           // KeyStore.PutKey
	StoreOpAddKey          = "add_key"           // KeyStore.AddKey
	StoreOpRevokeKey       = "revoke_key"        // KeyStore.RevokeKey
	StoreOpClaimDetect     = "claim_detect"      // DetectQueue.ClaimDetect
	StoreOpDoneDetect      = "done_detect"       // DetectQueue.DoneDetect
	StoreOpPrune           = "prune"             // Pruner.Prune
	StoreOpOverview        = "overview"          // the web UI's overview aggregates
	StoreOpLoginOverview   = "login_overview"    // the web UI's login counts
	StoreOpLogins          = "logins"            // the web UI's logins of a signal
)

// storeOps are the operations exposed from the start, with zero counts,
// so that a dashboard's queries find every series before its first call.
var storeOps = []string{
	StoreOpAppend, StoreOpRecordSignals, StoreOpDrops, StoreOpSignals, StoreOpSignal, StoreOpSetSignalStatus,
	StoreOpDecisions, StoreOpPutDecision, StoreOpDeleteDecision, StoreOpKeys, StoreOpPutKey, StoreOpAddKey,
	StoreOpRevokeKey, StoreOpClaimDetect, StoreOpDoneDetect, StoreOpPrune, StoreOpOverview, StoreOpLoginOverview,
	StoreOpLogins,
}

// latencyBuckets are the upper bounds, in seconds, of the store latency
// histograms: from a cached SQLite read (well under a millisecond) to a
// PostgreSQL commit waiting on a busy disk; +Inf is implied.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// histogram counts durations into latencyBuckets. It is safe for
// concurrent use; a scrape that runs during an observation may see the
// observation in the count but not yet in the sum, never a bucket count
// above the total.
type histogram struct {
	counts [15]atomic.Uint64 // per bucket (not cumulative), the last for +Inf
	sumNs  atomic.Int64
	errs   atomic.Uint64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, s) // the first bound >= s
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// storeLatency holds a histogram per store operation.
type storeLatency struct {
	mu sync.RWMutex
	h  map[string]*histogram
}

func newStoreLatency() *storeLatency {
	l := &storeLatency{h: make(map[string]*histogram, len(storeOps))}
	for _, op := range storeOps {
		l.h[op] = new(histogram)
	}
	return l
}

// get returns op's histogram, made on first use for an op not in storeOps.
func (l *storeLatency) get(op string) *histogram {
	l.mu.RLock()
	h := l.h[op]
	l.mu.RUnlock()
	if h != nil {
		return h
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if h = l.h[op]; h == nil {
		h = new(histogram)
		l.h[op] = h
	}
	return h
}

func (l *storeLatency) observe(op string, d time.Duration, err error) {
	h := l.get(op)
	h.observe(d)
	if failed(err) {
		h.errs.Add(1)
	}
}

// failed reports whether err is a failure of the store, not an answer
// (not found, invalid, conflict).
func failed(err error) bool {
	if err == nil {
		return false
	}
	c := ErrorCode(err)
	return c == EInternal || c == EUnavailable
}

// write appends the histograms in the Prometheus text exposition format:
// rampart_collector_store_seconds{op} and the error counter
// rampart_collector_store_errors_total{op}, ops in name order.
func (l *storeLatency) write(b *strings.Builder) {
	l.mu.RLock()
	ops := make([]string, 0, len(l.h))
	for op := range l.h {
		ops = append(ops, op)
	}
	hs := make(map[string]*histogram, len(l.h))
	for op, h := range l.h {
		hs[op] = h
	}
	l.mu.RUnlock()
	slices.Sort(ops)
	const name = "rampart_collector_store_seconds"
	fmt.Fprintf(b, "# HELP %s Latency of the store's operations, by operation (op).\n# TYPE %s histogram\n", name, name)
	for _, op := range ops {
		h := hs[op]
		var cum uint64
		for i := range h.counts {
			cum += h.counts[i].Load()
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = strconv.FormatFloat(latencyBuckets[i], 'g', -1, 64)
			}
			fmt.Fprintf(b, "%s_bucket{op=%q,le=%q} %d\n", name, op, le, cum)
		}
		fmt.Fprintf(b, "%s_sum{op=%q} %s\n", name, op, formatFloat(time.Duration(h.sumNs.Load()).Seconds()))
		fmt.Fprintf(b, "%s_count{op=%q} %d\n", name, op, cum)
	}
	const errName = "rampart_collector_store_errors_total"
	fmt.Fprintf(b, "# HELP %s Store operations that failed (not those answering not found, invalid or conflict), by operation (op).\n# TYPE %s counter\n", errName, errName)
	for _, op := range ops {
		fmt.Fprintf(b, "%s{op=%q} %d\n", errName, op, hs[op].errs.Load())
	}
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ObserveStore records that the store operation op took d (and failed,
// when err is a failure of the store rather than an answer such as not
// found) in the histograms of GET /metrics. The Server
// times its own calls to the store; the web UI gives its reads through
// this (ui.Config.ObserveStore). It is safe for concurrent use.
func (s *Server) ObserveStore(op string, d time.Duration, err error) {
	s.latency.observe(op, d, err)
}

// TimeStore returns st with each of its Store methods timed: observe is
// called after every call with the operation's name (the StoreOp
// constants), its duration and its error. The result implements Store
// only: look for a backend's other interfaces (Watcher, Pruner,
// DetectQueue, the web UI's) on st itself.
func TimeStore(st Store, observe func(op string, d time.Duration, err error)) Store {
	return &timedStore{st: st, observe: observe}
}

type timedStore struct {
	st      Store
	observe func(op string, d time.Duration, err error)
}

func (t *timedStore) done(op string, start time.Time, err error) {
	t.observe(op, time.Since(start), err)
}

func (t *timedStore) Drops(ctx context.Context) ([]DropCount, error) {
	start := time.Now()
	d, err := t.st.Drops(ctx)
	t.done(StoreOpDrops, start, err)
	return d, err
}

func (t *timedStore) Append(ctx context.Context, batches []*Batch) ([]Appended, error) {
	start := time.Now()
	res, err := t.st.Append(ctx, batches)
	t.done(StoreOpAppend, start, err)
	return res, err
}

func (t *timedStore) RecordSignals(ctx context.Context, updates []Signal) error {
	start := time.Now()
	err := t.st.RecordSignals(ctx, updates)
	t.done(StoreOpRecordSignals, start, err)
	return err
}

func (t *timedStore) Signals(ctx context.Context, q SignalQuery) (SignalPage, error) {
	start := time.Now()
	p, err := t.st.Signals(ctx, q)
	t.done(StoreOpSignals, start, err)
	return p, err
}

func (t *timedStore) Signal(ctx context.Context, id string, events int) (*SignalDetail, error) {
	start := time.Now()
	d, err := t.st.Signal(ctx, id, events)
	t.done(StoreOpSignal, start, err)
	return d, err
}

func (t *timedStore) SetSignalStatus(ctx context.Context, id, status string) error {
	start := time.Now()
	err := t.st.SetSignalStatus(ctx, id, status)
	t.done(StoreOpSetSignalStatus, start, err)
	return err
}

func (t *timedStore) Decisions(ctx context.Context) (int64, []Decision, error) {
	start := time.Now()
	v, ds, err := t.st.Decisions(ctx)
	t.done(StoreOpDecisions, start, err)
	return v, ds, err
}

func (t *timedStore) PutDecision(ctx context.Context, d *Decision) (int64, error) {
	start := time.Now()
	v, err := t.st.PutDecision(ctx, d)
	t.done(StoreOpPutDecision, start, err)
	return v, err
}

func (t *timedStore) DeleteDecision(ctx context.Context, id string) (int64, error) {
	start := time.Now()
	v, err := t.st.DeleteDecision(ctx, id)
	t.done(StoreOpDeleteDecision, start, err)
	return v, err
}

func (t *timedStore) Keys(ctx context.Context) ([]Key, error) {
	start := time.Now()
	ks, err := t.st.Keys(ctx)
	t.done(StoreOpKeys, start, err)
	return ks, err
}

func (t *timedStore) PutKey(ctx context.Context, k Key) error {
	start := time.Now()
	err := t.st.PutKey(ctx, k)
	t.done(StoreOpPutKey, start, err)
	return err
}

func (t *timedStore) AddKey(ctx context.Context, k Key) (bool, error) {
	start := time.Now()
	ok, err := t.st.AddKey(ctx, k)
	t.done(StoreOpAddKey, start, err)
	return ok, err
}

func (t *timedStore) RevokeKey(ctx context.Context, id string, at time.Time) error {
	start := time.Now()
	err := t.st.RevokeKey(ctx, id, at)
	t.done(StoreOpRevokeKey, start, err)
	return err
}

func (t *timedStore) Close() error { return t.st.Close() }

// timedQueue times a store's DetectQueue.
type timedQueue struct {
	q       DetectQueue
	observe func(op string, d time.Duration, err error)
}

func (t timedQueue) ClaimDetect(ctx context.Context, now time.Time, lease time.Duration, n int) ([]QueuedBatch, error) {
	start := time.Now()
	bs, err := t.q.ClaimDetect(ctx, now, lease, n)
	t.observe(StoreOpClaimDetect, time.Since(start), err)
	return bs, err
}

func (t timedQueue) DoneDetect(ctx context.Context, ids []string) error {
	start := time.Now()
	err := t.q.DoneDetect(ctx, ids)
	t.observe(StoreOpDoneDetect, time.Since(start), err)
	return err
}

// timedPruner times a store's Pruner.
type timedPruner struct {
	p       Pruner
	observe func(op string, d time.Duration, err error)
}

func (t timedPruner) Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error) {
	start := time.Now()
	n, err := t.p.Prune(ctx, r, now)
	t.observe(StoreOpPrune, time.Since(start), err)
	return n, err
}
