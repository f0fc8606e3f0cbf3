package ui

import (
	"context"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// timedRead times a ReadModel's calls for Config.ObserveStore.
type timedRead struct {
	r       ReadModel
	observe func(op string, d time.Duration, err error)
}

func (t timedRead) Overview(ctx context.Context, since, until time.Time, buckets int) (*Overview, error) {
	start := time.Now()
	o, err := t.r.Overview(ctx, since, until, buckets)
	t.observe(collector.StoreOpOverview, time.Since(start), err)
	return o, err
}

func (t timedRead) Logins(ctx context.Context, sg *collector.Signal, limit int) ([]Login, bool, error) {
	start := time.Now()
	ls, more, err := t.r.Logins(ctx, sg, limit)
	t.observe(collector.StoreOpLogins, time.Since(start), err)
	return ls, more, err
}

func (t timedRead) LoginOverview(ctx context.Context, since, until time.Time, buckets int) ([]int64, []int64, []Count, error) {
	start := time.Now()
	f, s, a, err := t.r.LoginOverview(ctx, since, until, buckets)
	t.observe(collector.StoreOpLoginOverview, time.Since(start), err)
	return f, s, a, err
}
