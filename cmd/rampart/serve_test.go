//go:build !lambdaext

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/lambdatest"
	"github.com/rampartsec/rampart/internal/prereq"
)

// TestMain lets the test binary run as `rampart` itself, so the crash test
// can start the collector in a child process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("RAMPART_TEST_CHILD") == "1" {
		os.Args = append([]string{"rampart"}, strings.Fields(os.Getenv("RAMPART_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	testAdmin  = "crash-admin"
	testIngest = "crash-ingest"
)

// startChild starts `rampart serve args` in a child process and returns it
// with the collector's base URL.
func startChild(t *testing.T, args string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RAMPART_TEST_CHILD=1", "RAMPART_TEST_ARGS=serve --addr 127.0.0.1:0 "+args,
		"RAMPART_ADMIN_TOKEN="+testAdmin, "RAMPART_INGEST_KEYS=other-key,"+testIngest)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if _, rest, ok := strings.Cut(line, "collector on "); ok {
				urlc <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case u := <-urlc:
		return cmd, u
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the collector did not start")
	}
	return nil, ""
}

func post(url string, body []byte) (int, error) {
	req, _ := http.NewRequest("POST", url+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testIngest)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// crashTest sends batches from 4 clients, kills the collector with SIGKILL
// while they run, restarts it and checks that every acknowledged batch is
// stored, and that resending every batch leaves each stored exactly once.
func crashTest(t *testing.T, args string) {
	cmd, url := startChild(t, args)
	const perBatch = 50
	var mu sync.Mutex
	bodies := map[string][]byte{}
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("crash-%d-%d", w, i)
				var evs []*event.Event
				for j := range perBatch {
					evs = append(evs, storetest.Attack(fmt.Sprint("r", j%3), fmt.Sprintf("10.%d.0.%d", w, i%200), j))
					evs[j].Time = time.Now().UTC()
				}
				body, _ := collector.EncodeBatch(id, "shop", "prod", evs)
				mu.Lock()
				bodies[id] = body
				mu.Unlock()
				code, err := post(url, body)
				if err != nil {
					return // killed
				}
				if code == http.StatusAccepted {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no batch acknowledged before the kill")
	}
	cmd, url = startChild(t, args)
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	stored := 0
	for id, body := range bodies {
		code, err := post(url, body)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case acked[id] && code != http.StatusOK:
			t.Errorf("acknowledged batch %s: resent after the restart got %d, want 200 (already stored)", id, code)
		case code != http.StatusOK && code != http.StatusAccepted:
			t.Errorf("batch %s: resent got %d", id, code)
		}
		if code == http.StatusOK {
			stored++
		}
	}
	// Every batch is now stored once: the events total perBatch each.
	var total int64
	cursor := ""
	for {
		req, _ := http.NewRequest("GET", url+"/v1/signals?limit=500&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+testAdmin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p collector.SignalPage
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		for _, s := range p.Signals {
			total += s.Count
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if want := int64(perBatch * len(bodies)); total != want {
		t.Fatalf("%d events stored after resending %d batches, want %d", total, len(bodies), want)
	}
	t.Logf("%d batches sent, %d acknowledged before SIGKILL, %d found stored after the restart (acknowledged or not)", len(bodies), len(acked), stored)
}

func TestCrashSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts collector processes")
	}
	crashTest(t, "--data "+t.TempDir())
}

func TestCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts collector processes")
	}
	crashTest(t, "--database "+storetest.PostgresSchema(t))
}

func TestServeFirstStartPrintsToken(t *testing.T) {
	t.Setenv("RAMPART_ADMIN_TOKEN", "")
	t.Setenv("RAMPART_INGEST_KEYS", "")
	dir := t.TempDir()
	run := func() string {
		ctx, cancel := context.WithCancel(context.Background())
		var out lambdatest.Buffer
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", dir}, &out, ready) }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("serve: %v\n%s", err, out.String())
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		return out.String()
	}
	first := run()
	if !strings.Contains(first, "admin token (shown once") || !strings.Contains(first, "rk_admin_") {
		t.Fatalf("first start did not print the token:\n%s", first)
	}
	if second := run(); strings.Contains(second, "rk_admin_") {
		t.Fatalf("second start printed a token again:\n%s", second)
	}
	if _, err := os.Stat(dir + "/rampart.db"); err != nil {
		t.Fatal(err)
	}
}

// startServe runs serve in-process with args and returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("RAMPART_ADMIN_TOKEN", testAdmin)
	t.Setenv("RAMPART_INGEST_KEYS", testIngest)
	ctx, cancel := context.WithCancel(context.Background())
	var out lambdatest.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...), &out, ready)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, out.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, out.String())
	}
	return ""
}

func TestServeHostsTheUI(t *testing.T) {
	url := startServe(t)
	resp, err := http.Get(url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<form") {
		t.Fatalf("GET /login: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	resp, err = http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the JSON API beside the UI: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestServeDetectsBruteForce sends login failures to `rampart serve` and
// finds the account-takeover detectors' signal and decisions in the API,
// with the windows in memory and on Redis.
func TestServeDetectsBruteForce(t *testing.T) {
	for _, c := range []struct{ name, state string }{{"memory", ""}, {"redis", "redis://127.0.0.1:6379/0"}} {
		t.Run(c.name, func(t *testing.T) {
			var args []string
			if c.state != "" {
				conn, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", "127.0.0.1:6379")
				if err != nil {
					prereq.Missing(t, "redis: %v", err)
				}
				conn.Close()
				args = []string{"--state", c.state}
			}
			url := startServe(t, args...)
			login := fmt.Sprintf("victim-%d-%s", time.Now().UnixNano(), c.name)
			no := true
			var evs []*event.Event
			for i := range 15 {
				evs = append(evs, &event.Event{Type: event.TypeLoginFailure, Time: time.Now().UTC().Add(time.Duration(i-15) * time.Second),
					Service: "shop", IP: "192.0.2.77", Usr: &event.User{Login: login, Exists: &no}})
			}
			body, _ := collector.EncodeBatch("ato-"+login, "shop", "prod", evs)
			if code, err := post(url, body); err != nil || code != http.StatusAccepted {
				t.Fatalf("ingest: %d %v", code, err)
			}
			get := func(path string, v any) {
				req, _ := http.NewRequest("GET", url+path, nil)
				req.Header.Set("Authorization", "Bearer "+testAdmin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				json.NewDecoder(resp.Body).Decode(v)
			}
			deadline := time.Now().Add(10 * time.Second)
			var page collector.SignalPage
			for {
				get("/v1/signals?type=brute_force", &page)
				if len(page.Signals) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if len(page.Signals) != 1 || !strings.Contains(strings.Join(page.Signals[0].Users, ","), login) || page.Signals[0].IPs[0] != "192.0.2.77" {
				t.Fatalf("brute-force signal: %+v", page.Signals)
			}
			var detail collector.SignalDetail
			get("/v1/signals/"+page.Signals[0].ID, &detail)
			if len(detail.Events) == 0 || !strings.Contains(string(detail.Events[0]), `"type":"detection"`) || !strings.Contains(string(detail.Events[0]), `"timeline"`) {
				t.Fatalf("the detector's evidence is not among the signal's events: %s", detail.Events)
			}
			var ds collector.DecisionsResponse
			get("/v1/decisions", &ds)
			found := false
			for _, d := range ds.Decisions {
				if d.Kind == collector.BlockIP && d.Value == "192.0.2.77" && d.SignalID == page.Signals[0].ID && !d.ExpiresAt.IsZero() {
					found = true
				}
			}
			if !found {
				t.Fatalf("no block_ip decision for the signal: %+v", ds.Decisions)
			}
		})
	}
}
