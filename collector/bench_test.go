package collector_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
)

// benchEvents returns n events as the library sends them: attacks (with
// the request's headers) from 50 IPs on 8 rules, exploits with stack
// traces, logins and request summaries.
func benchEvents(n, seed int) []*event.Event {
	evs := make([]*event.Event, 0, n)
	t := time.Now().UTC()
	for i := range n {
		k := seed*n + i
		ip := fmt.Sprintf("198.51.100.%d", k%50)
		var e *event.Event
		switch k % 10 {
		case 0:
			e = storetest.Exploit("routes.go", 100+k%4, 0, ip)
		case 1, 2:
			e = storetest.Login(fmt.Sprintf("user%d", k%300), ip, 0)
		case 3:
			e = &event.Event{Type: event.TypeRequest, Mode: "block", Version: "0.1.0",
				Request: &event.Request{Method: "GET", URI: "/healthz", ClientIP: ip, Status: 200}}
		default:
			e = storetest.Attack(fmt.Sprintf("rp-sqli-%03d", k%8), ip, 0)
			e.Blocked, e.Mode = true, "block"
			e.Request.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
			e.Request.Headers = map[string]string{"accept": "*/*", "host": "shop.example", "x-forwarded-for": ip, "authorization": "<redacted>"}
			e.Request.Route = "/search"
		}
		e.Time, e.Service, e.Env, e.Function = t, "shop", "prod", "shop-api"
		evs = append(evs, e)
	}
	return evs
}

// benchIngest drives the real HTTP server with 16 concurrent clients (functions) posting
// gzip batches of 100 events, as the exporter does, and reports events/s
// and the p99 latency of a batch's 202.
func benchIngest(b *testing.B, st collector.Store) {
	ctx := context.Background()
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Rate: collector.Rate{PerSecond: -1}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.Bootstrap(ctx, adminToken, []string{ingestKey}); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() {
		hs.Close()
		srv.Close(ctx)
		st.Close()
	}()
	const perBatch, clients = 100, 16
	bodies := make([][]byte, 64)
	for i := range bodies {
		raw, err := collector.EncodeBatch("x", "shop", "prod", benchEvents(perBatch, i))
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = raw
	}
	// Every batch with its own id, gzipped ahead: the clock measures the
	// collector, not the client's compression.
	all := make([][]byte, b.N+1)
	for i := 1; i <= b.N; i++ {
		all[i] = gz(bytes.Replace(bodies[i%len(bodies)], []byte(`"batch_id":"x"`), fmt.Appendf(nil, `"batch_id":"b%d-%d"`, i, b.N), 1))
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					break
				}
				req, _ := http.NewRequest("POST", hs.URL+"/v1/events", bytes.NewReader(all[i]))
				req.Header.Set("Authorization", "Bearer "+ingestKey)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Content-Encoding", "gzip")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode != http.StatusAccepted {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d batches not accepted", f)
	}
	if got := srv.Stats().Events.Load(); got != int64(b.N*perBatch) {
		b.Fatalf("stored %d events, want %d", got, b.N*perBatch)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N*perBatch)/el.Seconds(), "events/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(srv.Stats().Commits.Load())/float64(b.N), "commits/batch")
	// CPU time of the whole process (server and clients) per event: the
	// figure that holds on a busy machine, where events/s does not.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*perBatch), "cpu-us/event")
}

// BenchmarkIngest measures ingest on the embedded SQLite store and on
// PostgreSQL:
//
//	go test -run='^$' -bench=Ingest -benchtime=2000x ./collector
func BenchmarkIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		benchIngest(b, st)
	})
	b.Run("postgres", func(b *testing.B) {
		st, err := postgres.Open(context.Background(), storetest.PostgresSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		benchIngest(b, st)
	})
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeBatch measures DecodeBatch alone on a batch of 100 events
// as the exporter sends them: the ingest path's decoding, without the
// server, the store or the clients.
func BenchmarkDecodeBatch(b *testing.B) {
	body, err := collector.EncodeBatch("b-1", "shop", "prod", benchEvents(100, 1))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := collector.DecodeBatch(body, collector.Limits{}, now); err != nil {
			b.Fatal(err)
		}
	}
}
