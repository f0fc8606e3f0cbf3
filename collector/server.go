package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/event"
)

// Config configures a Server. Store is required; every other zero field
// has a documented default.
type Config struct {
	Store Store
	// Detector receives the stored user events; nil means none.
	Detector Detector
	// Logger receives the server's diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// Limits bound each ingest request (DefaultLimits).
	Limits Limits
	// Rate is the ingest rate per key (DefaultRate).
	Rate Rate
	// RateStore, when set, keeps the rate limits for every replica
	// (collector/redis); nil counts in this process.
	RateStore RateStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AllowIPs are addresses that no decision blocks or challenges,
	// besides loopback and the collector's own, which are never blocked
	// (RAMPART_ALLOW_IPS). Detectors also leave private and special
	// ranges alone; an operator may block those.
	AllowIPs []netip.Prefix
	// AllowUsers are user ids that no decision blocks or challenges
	// (RAMPART_ALLOW_USERS).
	AllowUsers []string
	// Retention, when not zero and the store is a Pruner, prunes the
	// store every PruneEvery (see DefaultRetention).
	Retention Retention
	// PruneEvery is the time between prunings; 0 means an hour.
	PruneEvery time.Duration
	// DetectLease is how long a replica holds the queued batches it
	// claimed for detection before another may take them (its death
	// mid-detection); 0 means 30 s.
	DetectLease time.Duration
	// MaxAutoDecisions caps the decisions of each kind (block_ip,
	// challenge_user, ...) the detectors make per minute (0 means
	// DefaultMaxAutoDecisions, a negative value none); past it
	// the signals are recorded and a person decides
	// (RAMPART_MAX_AUTO_DECISIONS).
	MaxAutoDecisions int
}

// Group commit: the committer writes the batches waiting for it in one
// transaction, up to these bounds.
const (
	maxGroupBatches = 64
	maxGroupEvents  = 20_000
	// queueBatches bounds the batches waiting for the committer; past it,
	// ingest handlers wait (the client sees a slower 202, never a loss).
	queueBatches = 256
	// appendTimeout bounds one store write.
	appendTimeout = 30 * time.Second
	// detectQueue bounds the stored batches waiting for the Detector.
	detectQueue = 256
	// maxInflight bounds the ingest requests being read, decoded or
	// stored at once, and so the memory they hold (each at most
	// Limits.BodyBytes and its decoded events); past it a request gets
	// 503 with Retry-After.
	maxInflight = 64
	// maxInflightPerKey bounds one key's share of them, so that one key
	// (one misbehaving fleet, one stolen key) cannot starve the others.
	maxInflightPerKey = 16
	// bodyTimeout bounds the upload of one ingest request's body.
	bodyTimeout = 30 * time.Second
)

// keyCounts counts the ingest requests in progress per key.
type keyCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (k *keyCounts) take(id string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == nil {
		k.n = map[string]int{}
	}
	if k.n[id] >= maxInflightPerKey {
		return false
	}
	k.n[id]++
	return true
}

func (k *keyCounts) give(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n[id]--; k.n[id] <= 0 {
		delete(k.n, id)
	}
}

// Stats are a Server's counters.
type Stats struct {
	Batches    atomic.Int64 // batches stored
	Events     atomic.Int64 // events stored
	Duplicates atomic.Int64 // retried batches answered without storing
	Rejected   atomic.Int64 // ingest requests answered with an error
	Commits    atomic.Int64 // store transactions (group commits)
	Detections atomic.Int64 // detections recorded from the Detector
	DetectErrs atomic.Int64 // Detector or store errors on detections
	InFlight   atomic.Int64 // ingest requests in progress now (a gauge)
	Dropped    atomic.Int64 // events the stored batches report their senders dropped
	TimedOut   atomic.Int64 // stored events of requests that ran out of the WAF's time budget
	Refused    atomic.Int64 // detector decisions refused (protected address, allow list, cap)
	Updates    atomic.Int64 // merged updates of campaigns going on recorded (Detection.Update)
}

// Server is the collector's HTTP API over a Store. Create it with
// NewServer, serve Handler, and call Close after the HTTP server has shut
// down, to finish the batches in flight.
type Server struct {
	store    Store
	notes    noteLister // the store's notes on signals, if it keeps them
	detector Detector
	log      *slog.Logger
	limits   Limits
	now      func() time.Time
	keys     *keyring
	limiter  *limiter
	stats    Stats
	latency  *storeLatency

	inflight    chan struct{} // a slot per ingest request in progress
	keyInflight keyCounts

	mu      sync.RWMutex // closed and sends on queue
	closed  bool
	queue   chan *pending
	detect  chan *Batch
	done    chan struct{} // committer and detector finished
	decided *decisionCache
	guard   *guard

	stopPrune chan struct{} // closed by Close

	queued     DetectQueue   // the store's detection queue, nil without one (or without a Detector)
	lease      time.Duration // of the batches claimed from it
	detectWake chan struct{} // a batch was queued here
	detectStop chan struct{} // closed when the committer is done
}

// pruneLoop prunes the store every interval until Close.
func (s *Server) pruneLoop(p Pruner, r Retention, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopPrune:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		n, err := p.Prune(ctx, r, s.now())
		cancel()
		if err != nil {
			s.log.Warn("collector: pruning", "error", err)
			continue
		}
		if n != (Pruned{}) {
			s.log.Info("collector: pruned", "events", n.Events, "batches", n.Batches, "decisions", n.Decisions)
		}
	}
}

type pending struct {
	b    *Batch
	done chan Appended
}

// NewServer returns a Server over cfg.Store, with its keys loaded.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("collector: Config.Store is required")
	}
	s := &Server{latency: newStoreLatency(), detector: cfg.Detector, log: cfg.Logger, limits: cfg.Limits.withDefaults(), now: cfg.Now,
		limiter: newLimiter(cfg.Rate), inflight: make(chan struct{}, maxInflight), queue: make(chan *pending, queueBatches), detect: make(chan *Batch, detectQueue), done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.store = TimeStore(cfg.Store, s.ObserveStore)
	s.notes, _ = cfg.Store.(noteLister)
	s.keys = &keyring{store: s.store, now: s.now}
	s.limiter.shared = cfg.RateStore
	s.limiter.log = func(err error) { s.log.Warn("collector: the shared rate limits", "error", err) }
	if err := s.keys.reload(ctx); err != nil {
		return nil, fmt.Errorf("collector: loading keys: %w", err)
	}
	s.decided = newDecisionCache(s.store, s.now)
	s.guard = newGuard(&cfg, s.now)
	if q, ok := cfg.Store.(DetectQueue); ok && cfg.Detector != nil {
		s.queued, s.detectWake, s.detectStop = timedQueue{q, s.ObserveStore}, make(chan struct{}, 1), make(chan struct{})
		s.lease = cfg.DetectLease
		if s.lease <= 0 {
			s.lease = defaultDetectLease
		}
	}
	if w, ok := cfg.Store.(Watcher); ok {
		s.decided.pushed = true
		w.Watch(s.storeChanged)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.commitLoop() }()
	go func() { defer wg.Done(); s.detectLoop() }()
	if p, ok := cfg.Store.(Pruner); ok && cfg.Retention != (Retention{}) {
		every := cfg.PruneEvery
		if every <= 0 {
			every = time.Hour
		}
		s.stopPrune = make(chan struct{})
		wg.Add(1)
		go func() { defer wg.Done(); s.pruneLoop(timedPruner{p, s.ObserveStore}, cfg.Retention, every) }()
	}
	go func() { wg.Wait(); close(s.done) }()
	return s, nil
}

// Detection through the store's queue (DetectQueue).
const (
	// defaultDetectLease is how long a claimed batch is a replica's: past
	// it, a replica killed while detecting leaves it to the others.
	defaultDetectLease = 30 * time.Second
	// detectClaim is the most batches claimed at once.
	detectClaim = 32
	// detectPoll is how often the queue is looked at without a wake-up
	// (the other replicas' batches, expired claims).
	detectPoll = time.Second
)

// wakeDetect tells the queue loop that a batch was queued here.
func (s *Server) wakeDetect() {
	select {
	case s.detectWake <- struct{}{}:
	default:
	}
}

// queueLoop runs the store's queued batches through the Detector until
// the server closes. What is still queued then stays in the store, for
// the next start or another replica.
func (s *Server) queueLoop() {
	t := time.NewTicker(detectPoll)
	defer t.Stop()
	for {
		for {
			select {
			case <-s.detectStop:
				return
			default:
			}
			n, err := s.detectQueued()
			if err != nil {
				s.stats.DetectErrs.Add(1)
				s.log.Error("collector: the detection queue", "error", err)
				break
			}
			if n < detectClaim {
				break
			}
		}
		select {
		case <-s.detectWake:
		case <-t.C:
		case <-s.detectStop:
			return
		}
	}
}

// detectQueued claims a round of queued batches, runs them through the
// Detector and removes them from the queue. It returns how many it claimed.
func (s *Server) detectQueued() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.lease)
	defer cancel()
	bs, err := s.queued.ClaimDetect(ctx, time.Now(), s.lease, detectClaim)
	if err != nil || len(bs) == 0 {
		return 0, err
	}
	ids := make([]string, len(bs))
	up := &signalUpdates{}
	var rp context.Context // one replay for the round's replayed batches
	for i, b := range bs {
		parent := context.Background()
		if b.Replayed {
			if rp == nil {
				rp = ato.WithReplay(parent)
			}
			parent = rp
		}
		for _, ev := range b.Events {
			s.observeIn(parent, ev, up)
		}
		// The batch's updates, before the next batch: the batches leave
		// the queue after the round, and a replay of the round finds
		// what was recorded counted already (ato's emission marks).
		s.recordUpdates(ctx, up)
		ids[i] = b.ID
	}
	return len(bs), s.queued.DoneDetect(ctx, ids)
}

// RefuseDecision says why an operator's decision d (its value validated)
// must not be made — it would block loopback, the collector's own
// addresses or the allow lists (Config.AllowIPs, AllowUsers) — and ""
// when it may. The API applies it; the web UI does too.
func (s *Server) RefuseDecision(d *Decision) string { return s.guard.refuses(d, false) }

// storeChanged applies a change of the store (made here, or by another
// replica) to the caches: the long-polls of /v1/decisions wake, and the
// keys are read again, so that a revoked key stops working at once.
func (s *Server) storeChanged(c Change) {
	switch c {
	case ChangeDecisions:
		s.decided.changed()
	case ChangeKeys:
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.keys.reload(ctx); err != nil {
				s.log.Warn("collector: reloading the keys after a change", "error", err)
			}
		}()
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() *Stats { return &s.stats }

// Close stops taking batches, waits until those already taken are stored
// and handed to the Detector, or until ctx is done. Call it after
// http.Server.Shutdown, which waits for the handlers themselves. It does
// not close the Store.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
		if s.stopPrune != nil {
			close(s.stopPrune)
		}
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// submit hands a batch to the committer and waits until it is stored.
func (s *Server) submit(ctx context.Context, b *Batch) (Appended, error) {
	p := &pending{b: b, done: make(chan Appended, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return Appended{}, &Error{Code: EUnavailable, Message: "shutting down", RetryAfter: time.Second}
	}
	select {
	case s.queue <- p:
	case <-ctx.Done():
		s.mu.RUnlock()
		return Appended{}, &Error{Code: EUnavailable, Message: "gave up waiting for the store", RetryAfter: time.Second}
	}
	s.mu.RUnlock()
	// Wait even if the client has gone: the answer is only sent when the
	// batch is durable, and a retry is deduplicated.
	a := <-p.done
	return a, a.Err
}

// commitLoop writes the queued batches, many per transaction.
func (s *Server) commitLoop() {
	defer close(s.detect)
	defer func() {
		if s.detectStop != nil {
			close(s.detectStop)
		}
	}()
	for p := range s.queue {
		group := []*pending{p}
		events := len(p.b.Events)
	drain:
		for len(group) < maxGroupBatches && events < maxGroupEvents {
			select {
			case q, ok := <-s.queue:
				if !ok {
					break drain
				}
				group = append(group, q)
				events += len(q.b.Events)
			default:
				break drain
			}
		}
		s.commit(group)
	}
}

func (s *Server) commit(group []*pending) {
	batches := make([]*Batch, len(group))
	for i, p := range group {
		batches[i] = p.b
		p.b.Detect = s.queued != nil && hasUserEvents(p.b)
	}
	res, err := s.append(batches)
	if err != nil && len(group) > 1 {
		// One batch may be what the store refuses: store them one by
		// one so the others still go through.
		for _, p := range group {
			s.commit([]*pending{p})
		}
		return
	}
	for i, p := range group {
		a := Appended{Err: err}
		if err == nil {
			a = res[i]
		}
		switch {
		case a.Err != nil:
		case a.Duplicate:
			s.stats.Duplicates.Add(1)
		default:
			s.stats.Batches.Add(1)
			s.stats.Events.Add(int64(len(p.b.Events)))
			s.stats.Dropped.Add(p.b.Dropped)
			s.stats.TimedOut.Add(timedOut(p.b))
			if s.detector != nil && hasUserEvents(p.b) {
				if s.queued != nil {
					s.wakeDetect() // in the store's queue (DetectQueue)
				} else {
					s.detect <- p.b
				}
			}
		}
		p.done <- a
	}
}

func (s *Server) append(batches []*Batch) (res []Appended, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), appendTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store panic: %v\n%s", p, debug.Stack())
		}
	}()
	s.stats.Commits.Add(1)
	res, err = s.store.Append(ctx, batches)
	if err == nil && len(res) != len(batches) {
		err = fmt.Errorf("store returned %d results for %d batches", len(res), len(batches))
	}
	if err != nil {
		s.log.Error("collector: storing batches", "batches", len(batches), "error", err)
		err = &Error{Code: EUnavailable, Message: "the store is failing; retry later", RetryAfter: 2 * time.Second}
	}
	return res, err
}

// timedOut counts a batch's events of requests that ran out of the WAF's
// time budget.
func timedOut(b *Batch) int64 {
	n := int64(0)
	for i := range b.Events {
		if b.Events[i].Event.TimedOut {
			n++
		}
	}
	return n
}

func hasUserEvents(b *Batch) bool {
	for i := range b.Events {
		if event.IsUserEvent(b.Events[i].Event.Type) {
			return true
		}
	}
	return false
}

// detectLoop hands stored user events to the Detector, in ingest order,
// and records what it finds.
func (s *Server) detectLoop() {
	if s.queued != nil {
		s.queueLoop()
		return
	}
	for b := range s.detect {
		up := &signalUpdates{}
		for i := range b.Events {
			ev := b.Events[i].Event
			if !event.IsUserEvent(ev.Type) {
				continue
			}
			s.observeIn(context.Background(), ev, up)
		}
		ctx, cancel := context.WithTimeout(context.Background(), appendTimeout)
		s.recordUpdates(ctx, up)
		cancel()
	}
}

// signalUpdates merges the detectors' updates of campaigns (Detection.Update)
// by signal, so that a campaign going on costs one store write per batch
// of events, not one per attempt.
type signalUpdates struct {
	list []Signal
	idx  map[string]int
}

func (u *signalUpdates) add(sg Signal) {
	if u.idx == nil {
		u.idx = map[string]int{}
	}
	i, ok := u.idx[sg.ID]
	if !ok {
		u.idx[sg.ID] = len(u.list)
		sg.IPs = append([]string(nil), sg.IPs...)
		sg.Users = append([]string(nil), sg.Users...)
		u.list = append(u.list, sg)
		return
	}
	cur := &u.list[i]
	cur.Count += sg.Count
	if !sg.FirstSeen.IsZero() && (cur.FirstSeen.IsZero() || sg.FirstSeen.Before(cur.FirstSeen)) {
		cur.FirstSeen = sg.FirstSeen
	}
	if sg.LastSeen.After(cur.LastSeen) {
		cur.LastSeen = sg.LastSeen
	}
	if SeverityRank(sg.Severity) > SeverityRank(cur.Severity) {
		cur.Severity = sg.Severity
	}
	cur.IPs = addValues(cur.IPs, sg.IPs)
	cur.Users = addValues(cur.Users, sg.Users)
}

// addValues adds to set the values of vals it lacks, up to MaxSignalValues.
func addValues(set, vals []string) []string {
	for _, v := range vals {
		if len(set) >= MaxSignalValues {
			break
		}
		if !slices.Contains(set, v) {
			set = append(set, v)
		}
	}
	return set
}

// recordUpdates records the merged updates (of a batch) and empties u.
func (s *Server) recordUpdates(ctx context.Context, u *signalUpdates) {
	if len(u.list) == 0 {
		return
	}
	err := s.store.RecordSignals(ctx, u.list)
	if err != nil {
		s.stats.DetectErrs.Add(1)
		s.log.Error("collector: recording the updates of campaigns", "signals", len(u.list), "error", err)
	} else {
		s.stats.Updates.Add(int64(len(u.list)))
	}
	u.list, u.idx = u.list[:0], nil
}

// observeIn runs ev through the Detector within parent (a replay's
// context) and records what it finds; the updates of campaigns are merged
// into up, for the caller to record.
func (s *Server) observeIn(parent context.Context, ev *event.Event, up *signalUpdates) {
	ctx, cancel := context.WithTimeout(parent, appendTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			s.stats.DetectErrs.Add(1)
			s.log.Error("collector: detector panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	dets, err := s.detector.Observe(ctx, ev)
	if err != nil {
		s.stats.DetectErrs.Add(1)
		s.log.Error("collector: detector", "error", err)
	}
	sigs := make([]Signal, 0, len(dets))
	news := dets[:0:0]
	for _, d := range dets {
		sg := d.Signal
		if sg.Key == "" {
			sg.Key = sg.Type + keySep + sg.Service + keySep + sg.Title
		}
		if sg.ID == "" {
			sg.ID = SignalID(sg.Key)
		}
		if d.Update {
			if sg.Count > 0 {
				up.add(sg)
			}
			continue
		}
		sigs = append(sigs, sg)
		news = append(news, d)
	}
	dets = news
	if len(dets) == 0 {
		return
	}
	// A detection that counts nothing new (an emission replayed after
	// it was recorded) leaves its signal as it is; its decisions apply.
	record := sigs
	if slices.ContainsFunc(sigs, func(sg Signal) bool { return sg.Count <= 0 }) {
		record = slices.DeleteFunc(slices.Clone(sigs), func(sg Signal) bool { return sg.Count <= 0 })
	}
	if err := s.store.RecordSignals(ctx, record); err != nil {
		s.stats.DetectErrs.Add(1)
		s.log.Error("collector: recording detections", "error", err)
		return
	}
	s.stats.Detections.Add(int64(len(dets)))
	var standing map[string]Decision // the decisions in force, read once
	for i, d := range dets {
		if len(d.Decisions) > 0 && standing == nil {
			standing = map[string]Decision{}
			if _, all, err := s.store.Decisions(ctx); err == nil {
				for _, x := range all {
					if x.Active(s.now()) {
						standing[x.Kind+keySep+x.Value] = x
					}
				}
			}
		}
		for _, dec := range d.Decisions {
			dec.SignalID = sigs[i].ID
			if dec.Author == "" {
				dec.Author = "detector"
			}
			if err := validateDecision(&dec, s.now()); err != nil {
				s.stats.DetectErrs.Add(1)
				s.log.Error("collector: detector decision", "error", err)
				continue
			}
			if why := s.guard.refuses(&dec, true); why != "" {
				s.stats.Refused.Add(1)
				s.log.Warn("collector: a detector decision refused", "kind", dec.Kind, "value", dec.Value, "signal", dec.SignalID, "reason", why)
				continue
			}
			if x, ok := standing[dec.Kind+keySep+dec.Value]; ok && !weaker(&x, &dec) {
				// A person's decision, or a detector's that lasts as long or
				// longer, stands with its signal: a second signal on the same
				// address must not shorten the block or take its credit.
				continue
			}
			if !s.guard.allowAuto(dec.Kind) {
				s.stats.Refused.Add(1)
				s.log.Warn("collector: automatic decisions capped: the signal is recorded for a person to decide", "kind", dec.Kind, "value", dec.Value, "signal", dec.SignalID, "per_minute", s.guard.max)
				continue
			}
			if _, err := s.store.PutDecision(ctx, &dec); err != nil {
				s.stats.DetectErrs.Add(1)
				s.log.Error("collector: storing a detector decision", "error", err)
				continue
			}
			standing[dec.Kind+keySep+dec.Value] = dec
			s.decided.changed()
		}
	}
}

// weaker reports whether the decision in force x should give way to a
// detector's new decision dec: only a detector's decision that ends before
// dec does.
func weaker(x, dec *Decision) bool {
	return x.Author == "detector" && !x.ExpiresAt.IsZero() && (dec.ExpiresAt.IsZero() || dec.ExpiresAt.After(x.ExpiresAt))
}
