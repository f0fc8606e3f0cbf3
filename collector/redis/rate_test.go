package redis_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector/ato"
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

// TestPipelineAfterScriptFlush: a Redis that lost the scripts (SCRIPT
// FLUSH, a restart) gets them again, and the pipeline's results are those
// of the calls one by one.
func TestPipelineAfterScriptFlush(t *testing.T) {
	c, prefix := client(t), testPrefix(t)
	w := redis.New(c, prefix)
	ctx := context.Background()
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ops := []*ato.Op{
		{Kind: ato.OpAppend, Key: "a", Entry: ato.Entry{Time: t0, Value: "x"}, Span: time.Minute, Limit: 10},
		{Kind: ato.OpAppendRange, Key: "a", Entry: ato.Entry{Time: t0.Add(time.Second), Value: "y"}, Span: time.Minute, Limit: 10},
		{Kind: ato.OpAdd, Key: "n", Time: t0, Width: time.Second, N: 2, Delta: 3},
		{Kind: ato.OpAdd, Key: "n", Time: t0, Width: time.Second, N: 2, Delta: 4},
	}
	if err := w.Pipeline(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if es := ops[1].Entries; len(es) != 2 || es[0].Value != "x" || es[1].Value != "y" {
		t.Errorf("AppendRange in a pipeline: %+v", es)
	}
	if got := ops[3].Counts; len(got) != 2 || got[1] != 7 || got[0] != 0 {
		t.Errorf("Add in a pipeline: %v", got)
	}
}
