package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/ato/atotest"
	"github.com/rampartsec/rampart/collector/redis"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/prereq"
)

// redisURL is the server the tests use: RAMPART_REDIS_URL, or the local
// one. With RAMPART_REQUIRE=1 (CI) a missing server fails the tests.
func redisURL() string {
	if u := os.Getenv("RAMPART_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func client(t testing.TB) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(redisURL())
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		prereq.Missing(t, "Redis at %s: %v", redisURL(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix is a key prefix of the test's own, removed after it.
func testPrefix(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	p := "rampart-test:" + hex.EncodeToString(b[:]) + ":"
	c := client(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, p+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return p
}

func TestContract(t *testing.T) {
	var mu sync.Mutex
	prefixes := map[string]string{}
	atotest.Run(t, func(t *testing.T, name string) ato.Window {
		mu.Lock()
		k := t.Name() + "\x00" + name
		p, ok := prefixes[k]
		if !ok {
			p = testPrefix(t)
			prefixes[k] = p
		}
		mu.Unlock()
		return redis.New(client(t), p) // a client of its own: another collector
	})
}

func TestOpen(t *testing.T) {
	client(t) // skips or fails when there is no server
	ctx := context.Background()
	w, err := redis.Open(ctx, redisURL(), testPrefix(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := time.Date(2026, 3, 1, 0, 0, 0, 1000, time.UTC)
	if err := w.Append(ctx, "k", ato.Entry{Time: at, Value: "v"}, time.Minute, 4); err != nil {
		t.Fatal(err)
	}
	es, err := w.Range(ctx, "k", at, at, 4)
	if err != nil || len(es) != 1 || es[0].Value != "v" || !es[0].Time.Equal(at) {
		t.Fatalf("Range: %+v, %v", es, err)
	}
	if _, err := redis.Open(ctx, "redis://127.0.0.1:1/0", "x:"); err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if _, err := redis.Open(ctx, "http://nope", "x:"); err == nil {
		t.Fatal("Open of a non-redis URL succeeded")
	}
}

// TestKeysExpire checks that the state cleans itself up: every key has a
// TTL.
func TestKeysExpire(t *testing.T) {
	c := client(t)
	p := testPrefix(t)
	d := ato.New(ato.Config{}, redis.New(c, p))
	ctx := context.Background()
	no := false
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		ev := &event.Event{Type: event.TypeLoginFailure, Time: at.Add(time.Duration(i) * time.Second), IP: "203.0.113.5",
			Usr: &event.User{Login: "l" + strconv.Itoa(i), Exists: &no}}
		if _, err := d.Observe(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, p+"*").Result()
	if err != nil || len(keys) < 10 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	for _, k := range keys {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("%s has no expiry (%v)", k, ttl)
		}
	}
}

// TestSplitAcrossCollectors sends one credential-stuffing campaign and one
// brute force through three detectors (three collectors, three clients)
// sharing one Redis, round robin: they raise what one detector fed
// everything raises, at the same attempt.
func TestSplitAcrossCollectors(t *testing.T) {
	p := testPrefix(t)
	var split []*ato.Detector
	for range 3 {
		split = append(split, ato.New(ato.Config{}, redis.New(client(t), p)))
	}
	one := ato.New(ato.Config{}, ato.NewMemory(ato.MemoryConfig{}))
	ctx := context.Background()
	no, yes := false, true
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for i := range 40 {
		evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Time: at.Add(time.Duration(i) * time.Second), IP: "203.0.113.66",
			Usr: &event.User{Login: "victim" + strconv.Itoa(i) + "@mail.example", Exists: &no}})
		evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Time: at.Add(time.Duration(i)*time.Second + 500*time.Millisecond), IP: "2001:db8:1:2:" + strconv.Itoa(i) + "::9",
			Usr: &event.User{Login: "alice", Exists: &yes}})
	}
	got := map[string]int{}
	want := map[string]int{}
	for i, ev := range evs {
		s1, err := split[i%3].Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := one.Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range s1 {
			got[s.Key+"@"+strconv.Itoa(i)]++
		}
		for _, s := range s2 {
			want[s.Key+"@"+strconv.Itoa(i)]++
		}
	}
	if len(want) == 0 {
		t.Fatal("one detector raised nothing")
	}
	if len(got) != len(want) {
		t.Fatalf("three collectors raised %v, one raised %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("three collectors raised %v, one raised %v", got, want)
		}
	}
	t.Logf("signals (key@event): %v", got)
}

// BenchmarkObserveRedis is detection throughput with the state on Redis,
// beside ato's BenchmarkObserveBusy in memory (same traffic shape).
func BenchmarkObserveRedis(b *testing.B) {
	c := client(b)
	trips := &roundTrips{}
	c.AddHook(trips)
	d := ato.New(ato.Config{}, redis.New(c, testPrefix(b)))
	ctx := context.Background()
	no, yes := false, true
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h := uint64(i)*0x9e3779b97f4a7c15 ^ 0xdeadbeef
		h ^= h >> 29
		u := strconv.Itoa(int(h % 100_000))
		ev := event.Event{Type: event.TypeLoginSuccess, Time: start.Add(time.Duration(i) * 200 * time.Microsecond),
			IP: "198.18." + strconv.Itoa(int(h>>8%256)) + "." + strconv.Itoa(int(h>>16%250)+1), Usr: &event.User{ID: "id" + u, Login: "user" + u}}
		switch h >> 40 % 40 {
		case 0, 1:
			ev.Type, ev.Usr = event.TypeLoginFailure, &event.User{Login: "user" + u, Exists: &yes}
		case 2:
			ev.Type, ev.Usr = event.TypeLoginFailure, &event.User{Login: "combo" + u, Exists: &no}
			ev.IP = "100.64." + strconv.Itoa(int(h>>16%8)) + "." + strconv.Itoa(int(h>>24%250)+1)
		}
		if _, err := d.Observe(ctx, &ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(trips.n.Load())/float64(b.N), "roundtrips/event")
}

// roundTrips counts the client's round trips to Redis: a command, or a
// pipeline of them.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// BenchmarkObserveRedisParallel is the same with as many concurrent
// Observe calls as GOMAXPROCS, as a collector ingesting batches does:
// round trips overlap.
func BenchmarkObserveRedisParallel(b *testing.B) {
	c := client(b)
	d := ato.New(ato.Config{}, redis.New(c, testPrefix(b)))
	ctx := context.Background()
	no, yes := false, true
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var next sync.Mutex
	n := 0
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			i := n
			n++
			next.Unlock()
			h := uint64(i)*0x9e3779b97f4a7c15 ^ 0xdeadbeef
			h ^= h >> 29
			u := strconv.Itoa(int(h % 100_000))
			ev := event.Event{Type: event.TypeLoginSuccess, Time: start.Add(time.Duration(i) * 200 * time.Microsecond),
				IP: "198.18." + strconv.Itoa(int(h>>8%256)) + "." + strconv.Itoa(int(h>>16%250)+1), Usr: &event.User{ID: "id" + u, Login: "user" + u}}
			if h>>40%20 == 0 {
				ev.Type, ev.Usr = event.TypeLoginFailure, &event.User{Login: "user" + u, Exists: &yes}
			} else if h>>40%40 == 1 {
				ev.Type, ev.Usr = event.TypeLoginFailure, &event.User{Login: "combo" + u, Exists: &no}
			}
			if _, err := d.Observe(ctx, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestGeneratedTrafficThreeCollectors splits the generated traffic (all
// its campaigns over benign users and an office NAT) round robin across
// three detectors, each with its own Redis client on one shared state:
// they detect every campaign as one detector does (atotest.Check).
func TestGeneratedTrafficThreeCollectors(t *testing.T) {
	p := testPrefix(t)
	var dets []*ato.Detector
	for range 3 {
		dets = append(dets, ato.New(ato.Config{}, redis.New(client(t), p)))
	}
	i := 0
	atotest.Check(t, atotest.Generate(1), func(ev *event.Event) ([]ato.Signal, error) {
		i++
		return dets[i%3].Observe(context.Background(), ev)
	})
}
