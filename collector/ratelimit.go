package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Rate is a token-bucket rate limit in events per second.
type Rate struct {
	// PerSecond is the sustained rate; 0 means DefaultRate's, negative
	// means no limit.
	PerSecond float64
	// Burst is the bucket's size; 0 means twice PerSecond.
	Burst float64
}

// DefaultRate is the per-key ingest rate: generous for one service, a stop
// for a runaway loop or a leaked key.
var DefaultRate = Rate{PerSecond: 100_000, Burst: 200_000}

// RateStore keeps the ingest rate limits where every replica counts them
// (collector/redis's Window does): N replicas then allow the rate once,
// not N times.
type RateStore interface {
	Allow(ctx context.Context, key string, n int, perSecond, burst float64, now time.Time) (bool, time.Duration, error)
}

// maxBuckets bounds the limiter's memory; keys are few, but a bucket is
// made only for an authenticated key anyway.
const maxBuckets = 10_000

// limiter is a token bucket per key.
type limiter struct {
	rate   Rate
	shared RateStore // nil: in memory
	log    func(error)
	logged atomic.Int64 // unix seconds of the last shared-store error logged

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(r Rate) *limiter {
	if r.PerSecond == 0 {
		r = DefaultRate
	}
	if r.Burst <= 0 {
		r.Burst = 2 * r.PerSecond
	}
	return &limiter{rate: r, buckets: map[string]*bucket{}}
}

// allow takes n tokens from key's bucket at now. When there are not enough
// it takes none and returns how long until there will be.
func (l *limiter) allow(key string, n int, now time.Time) (bool, time.Duration) {
	if l.rate.PerSecond < 0 {
		return true, 0
	}
	if l.shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ok, wait, err := l.shared.Allow(ctx, key, n, l.rate.PerSecond, l.rate.Burst, now)
		cancel()
		if err == nil {
			return ok, wait
		}
		// The shared store is away: this replica's own bucket meanwhile,
		// said at most every 10 s (not once per batch).
		if last := l.logged.Load(); now.Unix()-last >= 10 && l.logged.CompareAndSwap(last, now.Unix()) {
			l.log(err)
		}
	}
	need := float64(n)
	if need > l.rate.Burst {
		need = l.rate.Burst // a batch larger than the burst waits for a full bucket
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		b = &bucket{tokens: l.rate.Burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.rate.Burst, b.tokens+el*l.rate.PerSecond)
		b.last = now
	}
	if b.tokens >= need {
		b.tokens -= need
		return true, 0
	}
	wait := time.Duration((need - b.tokens) / l.rate.PerSecond * float64(time.Second))
	return false, max(wait, time.Second)
}
