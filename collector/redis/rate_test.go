package redis_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/redis"
)

// TestSharedRate: replicas on one Redis share a key's token bucket: 3
// replicas allow the rate once, not three times; another key has its own.
func TestSharedRate(t *testing.T) {
	c, prefix := client(t), testPrefix(t)
	replicas := []*redis.Window{redis.New(c, prefix), redis.New(c, prefix), redis.New(c, prefix)}
	now := time.Now()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for _, w := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				ok, _, err := w.Allow(context.Background(), "key_a", 10, 100, 100, now)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					allowed.Add(10)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 100 {
		t.Errorf("%d events allowed at once across three replicas, want the burst of 100", n)
	}
	ok, wait, err := replicas[0].Allow(context.Background(), "key_a", 10, 100, 100, now)
	if err != nil || ok || wait < time.Second {
		t.Errorf("over the rate: %v %v %v (want refused, retry after ≥ 1s)", ok, wait, err)
	}
	if ok, _, _ := replicas[1].Allow(context.Background(), "key_a", 50, 100, 100, now.Add(600*time.Millisecond)); !ok {
		t.Error("the bucket does not refill at the rate")
	}
	if ok, _, _ := replicas[2].Allow(context.Background(), "key_b", 100, 100, 100, now); !ok {
		t.Error("another key shares the first one's bucket")
	}
}
