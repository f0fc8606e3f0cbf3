package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/loopback"
)

// raspDemoCall is one request the exploit-prevention part of the demo sends
// to the vulnerable example application.
type raspDemoCall struct {
	what, route, param, value string
}

var raspDemoCalls = []raspDemoCall{
	{"normal user lookup", "/users", "name", "alice"},
	{"SQL injection (tautology)", "/users", "name", "x' OR '1'='1"},
	{"SQL injection (UNION)", "/users", "name", "' UNION SELECT 1, type, sql FROM sqlite_master --"},
	{"normal proxied path", "/proxy", "path", "reports/2024"},
	{"SSRF to loopback", "/fetch", "url", "http://127.0.0.1:{port}/upstream/admin"},
	{"SSRF to cloud metadata", "/fetch", "url", "http://169.254.169.254/latest/meta-data/iam/"},
	{"SSRF by DNS rebinding", "/fetch", "url", "http://rebind.attacker.test:{port}/upstream/admin"},
	{"normal ping", "/ping", "host", "127.0.0.1"},
	{"shell injection", "/ping", "host", "127.0.0.1; cat /etc/passwd"},
	{"option injection into exec", "/convert", "file", "--files0-from=/etc/passwd"},
	{"normal file", "/files", "name", "reports/q3.txt"},
	{"file inclusion", "/files", "name", "../private-key.pem"},
}

// demoDialer reaches loopback only and resolves the demo's names from a
// table: the demo never sends a packet off the machine.
func demoDialer() *httpguard.Dialer {
	return loopback.Dialer(loopback.Resolver{"rebind.attacker.test": "127.0.0.1"})
}

// serveVulnapp serves the example application, protected by agent, on a
// loopback port of its own with a new data directory; stop shuts it down
// and removes the directory.
func serveVulnapp(agent *rampart.Agent) (base string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "rampart-demo-")
	if err != nil {
		return "", nil, err
	}
	app, err := routes.New(routes.Config{Dir: dir, Dialer: demoDialer()})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		app.Close()
		os.RemoveAll(dir)
		return "", nil, err
	}
	base = "http://" + ln.Addr().String()
	app.SetUpstream(base + "/upstream")
	srv := &http.Server{Handler: httpguard.New(agent, app), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return base, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		app.Close()
		os.RemoveAll(dir)
	}, nil
}

// raspDemo runs the vulnerable example application with exploit prevention
// blocking (and the WAF monitoring, so that every exploit reaches its sink)
// and prints what was stopped where.
func raspDemo(out io.Writer, col *demoCollector) error {
	var mu sync.Mutex
	var exploits []*event.Event
	fwd := col.exporter("vulnapp")
	defer fwd.Close(context.Background())
	agent, err := rampart.New(rampart.Config{
		Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor, Service: "vulnapp",
		Timeout: 50 * time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exporter: rampart.ExporterFunc(func(e *event.Event) {
			fwd.Export(e)
			if e.Type == event.TypeExploit {
				mu.Lock()
				exploits = append(exploits, e)
				mu.Unlock()
			}
		}),
	})
	if err != nil {
		return err
	}
	base, stop, err := serveVulnapp(agent)
	if err != nil {
		return err
	}
	defer stop()
	ln := base[len("http://"):]
	_, port, _ := net.SplitHostPort(ln)
	fmt.Fprintf(out, "\n2. Exploit prevention: the vulnerable example application (examples/vulnapp) on %s,\n", base)
	fmt.Fprintf(out, "exploit prevention blocking, WAF monitoring, so that every exploit reaches its sink\n\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tSTATUS\tVERDICT\tCAUGHT AT")
	client := &http.Client{Timeout: 10 * time.Second}
	var details []string
	for _, c := range raspDemoCalls {
		v := strings.ReplaceAll(c.value, "{port}", port)
		mu.Lock()
		before := len(exploits)
		mu.Unlock()
		resp, err := client.Get(base + c.route + "?" + c.param + "=" + url.QueryEscape(v))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		verdict, where := "passed", ""
		if resp.StatusCode == http.StatusForbidden {
			verdict = "BLOCKED"
		}
		mu.Lock()
		if len(exploits) > before {
			x := exploits[len(exploits)-1].Exploit
			if x.Location != nil {
				where = fmt.Sprintf("%s sink, %s:%d", x.Sink, filepath.Base(x.Location.File), x.Location.Line)
			}
			details = append(details, fmt.Sprintf("  %-28s %s: %s\n  %-28s %s\n", c.what, x.Detector, x.Reason, "", highlight(x)))
		}
		mu.Unlock()
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c.what, resp.StatusCode, verdict, where)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nWhy (the request's input inside the resource, between »«):\n")
	for _, d := range details {
		fmt.Fprint(out, d)
	}
	fmt.Fprintf(out, "\n%d exploits stopped before their sink ran; each report carries its stack trace.\n", agent.Stats().Exploits.Load())
	return fwd.Flush(context.Background())
}

// highlight marks the input inside the resource.
func highlight(x *event.Exploit) string {
	r := x.Resource
	if x.End > x.Start && x.End <= len(r) {
		r = r[:x.Start] + "»" + r[x.Start:x.End] + "«" + r[x.End:]
	}
	if len(r) > 110 {
		r = r[:107] + "..."
	}
	return r
}
