package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/daemon"
	"github.com/rampartsec/rampart/report"
)

// demoCollector is the collector the demo runs in-process, as `rampart
// serve` would run it.
type demoCollector struct {
	url, token, key, dir string
	removeDir            bool
	cancel               context.CancelFunc
	done                 chan error
	log                  *demoLog
}

// demoLog collects the collector's log for a failure message.
type demoLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *demoLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *demoLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func randomSecret(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// startDemoCollector starts the collector on addr (a free loopback port
// when addr is taken or empty) with a fresh admin token and ingest key.
func startDemoCollector(ctx context.Context, addr, dir string) (*demoCollector, error) {
	c := &demoCollector{token: randomSecret("rpa_demo_"), key: randomSecret("rpk_demo_"), dir: dir, log: &demoLog{}}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "rampart-demo-")
		if err != nil {
			return nil, err
		}
		c.dir, c.removeDir = d, true
	}
	addrs := []string{addr, "127.0.0.1:0"}
	if addr == "" {
		addrs = addrs[1:]
	}
	for _, a := range addrs {
		cctx, cancel := context.WithCancel(ctx)
		ready := make(chan string, 1)
		done := make(chan error, 1)
		cfg := daemon.Config{Addr: a, Data: c.dir, AdminToken: c.token, IngestKeys: []string{c.key}, Out: c.log,
			Ready: func(addr string) { ready <- addr }}
		go func() { done <- daemon.Run(cctx, cfg) }()
		select {
		case got := <-ready:
			c.url, c.cancel, c.done = "http://"+got, cancel, done
			return c, nil
		case err := <-done:
			cancel()
			if a == "127.0.0.1:0" {
				return nil, fmt.Errorf("demo: starting the collector: %v\n%s", err, c.log.String())
			}
		}
	}
	return nil, fmt.Errorf("demo: no address for the collector")
}

// stop shuts the collector down, draining what is in flight.
func (c *demoCollector) stop() {
	c.cancel()
	select {
	case <-c.done:
	case <-time.After(35 * time.Second):
	}
	if c.removeDir {
		os.RemoveAll(c.dir)
	}
}

// exporter returns an exporter to the collector for service.
func (c *demoCollector) exporter(service string) *report.Exporter {
	x, err := report.New(report.Config{Endpoint: c.url, APIKey: c.key, Service: service, FlushInterval: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err) // the configuration above is always valid
	}
	return x
}

// get fetches an admin API path into v.
func (c *demoCollector) get(path string, v any) error {
	req, err := http.NewRequest("GET", c.url+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// signals returns the collector's signals.
func (c *demoCollector) signals() ([]collector.Signal, error) {
	var page collector.SignalPage
	if err := c.get("/v1/signals?limit=200", &page); err != nil {
		return nil, err
	}
	return page.Signals, nil
}

// waitSignal waits until a signal of type typ exists, for up to d.
func (c *demoCollector) waitSignal(ctx context.Context, typ string, d time.Duration) (*collector.Signal, error) {
	deadline := time.Now().Add(d)
	for {
		ss, err := c.signals()
		if err != nil {
			return nil, err
		}
		for i := range ss {
			if ss[i].Type == typ {
				return &ss[i], nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("demo: no %s signal after %v", typ, d)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// summary prints the collector's signals by type, and its decisions.
func (c *demoCollector) summary(out io.Writer) error {
	ss, err := c.signals()
	if err != nil {
		return err
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Type < ss[j].Type })
	fmt.Fprintf(out, "\n4. What the collector made of it: %d signals\n\n", len(ss))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tSEVERITY\tCOUNT\tTITLE")
	for _, s := range ss {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Type, s.Severity, s.Count, truncate(s.Title, 80))
	}
	tw.Flush()
	// The addresses behind the most signals, as the UI's attackers page.
	bySignals := map[string]int{}
	for _, sg := range ss {
		for _, ip := range sg.IPs {
			if !strings.HasPrefix(ip, "127.") {
				bySignals[ip]++
			}
		}
	}
	ips := make([]string, 0, len(bySignals))
	for ip := range bySignals {
		ips = append(ips, ip)
	}
	sort.Slice(ips, func(i, j int) bool {
		if bySignals[ips[i]] != bySignals[ips[j]] {
			return bySignals[ips[i]] > bySignals[ips[j]]
		}
		return ips[i] < ips[j]
	})
	if len(ips) > 8 {
		ips = ips[:8]
	}
	fmt.Fprintf(out, "\nTop attacker addresses:")
	for _, ip := range ips {
		fmt.Fprintf(out, " %s (%d)", ip, bySignals[ip])
	}
	fmt.Fprintln(out)
	var ds struct {
		Decisions []collector.Decision `json:"decisions"`
	}
	if err := c.get("/v1/decisions", &ds); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDecisions in force (the functions poll them and enforce them in-process):\n")
	for _, d := range ds.Decisions {
		exp := "no expiry"
		if !d.ExpiresAt.IsZero() {
			exp = "until " + d.ExpiresAt.Local().Format("2006-01-02 15:04:05") + " (in " + d.ExpiresAt.Sub(time.Now()).Round(time.Minute).String() + ")"
		}
		fmt.Fprintf(out, "  %-14s %-18s %-38s — %s\n", d.Kind, d.Value, exp, truncate(d.Reason, 70))
	}
	return nil
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
