//go:build !lambdaext

package main

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/prereq"
)

// BenchmarkReplicas: 16 clients post batches of 100 events, round-robin
// over 1 or 3 `rampart serve` replicas on one PostgreSQL (a fresh schema)
// and one Redis, as behind a load balancer. "attacks" are attacks,
// exploits and request summaries; "logins" has 30% login events among
// them, which are queued for detection and run through the detectors on
// Redis. It reports events/s and the CPU time per event of the replicas,
// of PostgreSQL's processes and of Redis (whole processes, read from
// /proc: run it on a machine where nothing else uses them):
//
//	go test -run='^$' -bench=Replicas -benchtime=1000x ./cmd/rampart
func BenchmarkReplicas(b *testing.B) {
	conn, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", "127.0.0.1:6379")
	if err != nil {
		prereq.Missing(b, "redis: %v", err)
	}
	conn.Close()
	for _, mix := range []string{"attacks", "logins"} {
		for _, n := range []int{1, 3} {
			b.Run(fmt.Sprintf("%s/replicas=%d", mix, n), func(b *testing.B) { benchReplicas(b, n, mix == "logins") })
		}
	}
}

func benchReplicas(b *testing.B, n int, logins bool) {
	url := storetest.PostgresSchema(b)
	procs := startReplicas(b, n, url, "RAMPART_ADMIN_TOKEN="+testAdmin, fmt.Sprintf("RAMPART_REDIS_PREFIX=bench%d:", time.Now().UnixNano()),
		"RAMPART_TEST_ARGS=serve --rate -1 --addr 127.0.0.1:0 --database "+url+" --state redis://127.0.0.1:6379/0")
	const clients, perBatch = 16, 100
	bodies := make([][]byte, clients)
	for c := range clients {
		bodies[c] = replicaBatch(c, perBatch, logins)
	}
	var pids []int
	for _, p := range procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fails int
	b.ResetTimer()
	before := cpuOf(pids, "postgres", "redis-server")
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				// A batch id of its own each time, the same events.
				body := strings.Replace(string(bodies[c]), `"batch_id":"`, `"batch_id":"`+strconv.Itoa(i)+"-", 1)
				code, err := post(procs[i%n].url, []byte(body))
				if err != nil || code != http.StatusAccepted {
					mu.Lock()
					fails++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range b.N {
		work <- i
	}
	close(work)
	wg.Wait()
	el := time.Since(start)
	// Ingest does not wait for detection: the CPU is read once the
	// detection queue is empty, so that it includes the detectors' work.
	waitDetected(b, url)
	drained := time.Since(start)
	after := cpuOf(pids, "postgres", "redis-server")
	b.StopTimer()
	if fails > 0 {
		b.Fatalf("%d of %d batches not accepted", fails, b.N)
	}
	events := float64(b.N * perBatch)
	b.ReportMetric(events/el.Seconds(), "events/s")
	b.ReportMetric((drained - el).Seconds(), "detect-lag-s")
	b.ReportMetric(float64((after[0]-before[0]).Microseconds())/events, "replica-cpu-us/event")
	b.ReportMetric(float64((after[1]-before[1]).Microseconds())/events, "pg-cpu-us/event")
	if logins {
		b.ReportMetric(float64((after[2]-before[2]).Microseconds())/(events*3/10), "redis-cpu-us/login")
	}
}

// waitDetected waits until the detection queue of the schema url is empty.
func waitDetected(b *testing.B, url string) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM detect_queue`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d batches still queued for detection after 5 minutes", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replicaBatch is a batch of perBatch events as functions send them:
// attacks with headers, exploits with stacks, request summaries, and with
// logins 30% login failures and successes on a few hundred accounts.
func replicaBatch(c, perBatch int, logins bool) []byte {
	var evs []*event.Event
	now := time.Now().UTC()
	for j := range perBatch {
		ip := fmt.Sprintf("198.51.100.%d", (c*perBatch+j)%50)
		var e *event.Event
		switch k := j % 10; {
		case logins && k < 3:
			e = storetest.Login(fmt.Sprintf("user%d", (c*31+j)%300), ip, 0)
			if k == 2 {
				e.Type = event.TypeLoginSuccess
			}
		case k == 3:
			e = storetest.Exploit("routes.go", 100+j%4, 0, ip)
		case k == 4:
			e = &event.Event{Type: event.TypeRequest, Mode: "block", Version: "0.1.0",
				Request: &event.Request{Method: "GET", URI: "/healthz", ClientIP: ip, Status: 200}}
		default:
			e = storetest.Attack(fmt.Sprintf("rp-sqli-%03d", j%8), ip, 0)
			e.Blocked, e.Mode = true, "block"
			e.Request.Headers = map[string]string{"accept": "*/*", "host": "shop.example", "x-forwarded-for": ip}
		}
		e.Time, e.Service, e.Env = now, "shop", "prod"
		evs = append(evs, e)
	}
	body, _ := collector.EncodeBatch(fmt.Sprint("bench-c", c), "shop", "prod", evs)
	return body
}

// cpuOf returns the CPU time (user and system) of the processes pids, and
// of every process named as each of names, from /proc.
func cpuOf(pids []int, names ...string) []time.Duration {
	out := make([]time.Duration, 1+len(names))
	tick := func(pid int) (string, time.Duration) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return "", 0
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			return "", 0
		}
		f := strings.Fields(s[close+1:])
		if len(f) < 13 {
			return "", 0
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return s[open+1 : close], time.Duration(u+st) * 10 * time.Millisecond // USER_HZ 100
	}
	for _, p := range pids {
		_, d := tick(p)
		out[0] += d
	}
	ents, _ := os.ReadDir("/proc")
	var all []int
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			all = append(all, p)
		}
	}
	sort.Ints(all)
	for _, p := range all {
		comm, d := tick(p)
		for i, n := range names {
			if comm == n {
				out[1+i] += d
			}
		}
	}
	return out
}
