package routes_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/internal/nettest"
)

// sinkLine returns "routes.go:N" for the line of routes.go that ends with
// the comment marker.
func sinkLine(t *testing.T, marker string) string {
	b, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// "+marker) {
			return fmt.Sprintf("routes.go:%d", i+1)
		}
	}
	t.Fatalf("no sink line %q", marker)
	return ""
}

type server struct {
	*httptest.Server
	rec    *eventtest.Recorder
	dialer *nettest.Loopback
}

func start(t *testing.T, cfg *rampart.Config) *server {
	s := &server{rec: &eventtest.Recorder{}, dialer: &nettest.Loopback{}}
	app, err := routes.New(routes.Config{Dir: t.TempDir(), Dialer: s.dialer.Dialer(nettest.Resolver{"rebind.attacker.test": "127.0.0.1"})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	var h http.Handler = app
	if cfg != nil {
		cfg.Exporter = s.rec
		a, err := rampart.New(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		h = httpguard.New(a, app)
	}
	s.Server = httptest.NewServer(h)
	t.Cleanup(s.Close)
	app.SetUpstream(s.URL + "/upstream")
	return s
}

func (s *server) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// q writes a route's query; %PORT% in the value is replaced by the
// server's port when the request is sent (see path).
func q(route, param, value string) string { return route + "?" + param + "=" + value }

// path escapes the query value of p after putting the server's port in.
func path(s *server, p string) string {
	p = strings.ReplaceAll(p, "%PORT%", port(s))
	route, v, ok := strings.Cut(p, "=")
	if !ok {
		return p
	}
	return route + "=" + url.QueryEscape(v)
}

var benign = []struct{ path, want string }{
	{q("/users", "name", "alice"), "alice@example.com"},
	{q("/users", "name", "nobody"), `"users":[]`},
	{q("/fetch", "url", "https://public.example.test/page"), `not found (stub`}, // not resolved: nothing leaves the machine
	{q("/proxy", "path", "reports/2024"), `/upstream/reports/2024`},
	{q("/ping", "host", "127.0.0.1"), `"output"`},
	{q("/convert", "file", "readme.txt"), `readme.txt`},
	{q("/files", "name", "reports/q3.txt"), "Quarterly report"},
	{"/healthz", "ok"},
}

type exploit struct {
	path, detector, sink, leak string
}

var exploits = []exploit{
	{q("/users", "name", "x' OR '1'='1"), "sqli", "SQL sink", "bob@example.com"},
	{q("/users", "name", "' UNION SELECT 1, type, sql FROM sqlite_master WHERE sql NOT NULL --"), "sqli", "SQL sink", "CREATE TABLE"},
	{q("/fetch", "url", "http://127.0.0.1:%PORT%/upstream/admin"), "ssrf", "HTTP sink", "/upstream/admin"},
	{q("/fetch", "url", "http://rebind.attacker.test:%PORT%/upstream/admin"), "ssrf", "HTTP sink", "/upstream/admin"},
	{q("/fetch", "url", "http://169.254.169.254/latest/meta-data/"), "ssrf", "HTTP sink", ""},
	{q("/proxy", "path", "../../admin"), "ssrf", "HTTP sink", ""},
	{q("/ping", "host", "127.0.0.1; echo INJECTED-$((6*7))"), "cmdi", "shell sink", "INJECTED-42"},
	{q("/ping", "host", "$(echo INJECTED-$((6*7)))"), "cmdi", "shell sink", "INJECTED-42"},
	{q("/convert", "file", "--help"), "cmdi", "exec sink", "Usage"},
	{q("/files", "name", "../private-key.pem"), "lfi", "file sink", "EXAMPLE KEY"},
	{q("/files", "name", "../../../../../../etc/passwd"), "lfi", "file sink", ""},
}

func port(s *server) string { _, p, _ := net.SplitHostPort(s.Listener.Addr().String()); return p }

// TestUnprotectedIsVulnerable shows that the routes really are vulnerable:
// without rampart the exploits work.
func TestUnprotectedIsVulnerable(t *testing.T) {
	s := start(t, nil)
	for _, e := range exploits {
		if e.leak == "" {
			continue
		}
		path := path(s, e.path)
		if _, body := s.do(t, "GET", path, ""); !strings.Contains(body, e.leak) {
			t.Errorf("unprotected %s: %q does not show %q", path, body, e.leak)
		}
	}
}

// TestExploitsBlockedAtTheSink runs the routes with exploit prevention
// blocking and the WAF monitoring, so that every exploit reaches its sink:
// it is stopped there, reported with a stack trace pointing at the route's
// line, and normal values keep answering 200.
func TestExploitsBlockedAtTheSink(t *testing.T) {
	s := start(t, &rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor, Timeout: time.Second})
	for _, b := range benign {
		path := path(s, b.path)
		if code, body := s.do(t, "GET", path, ""); code != 200 || !strings.Contains(body, b.want) {
			t.Errorf("benign %s: %d %q, want 200 with %q", path, code, body, b.want)
		}
	}
	for _, ev := range s.rec.Take() {
		if ev.Type == event.TypeExploit {
			t.Errorf("benign request reported an exploit: %+v", ev.Exploit)
		}
	}
	for _, e := range exploits {
		path := path(s, e.path)
		code, body := s.do(t, "GET", path, "")
		if code != http.StatusForbidden || e.leak != "" && strings.Contains(body, e.leak) {
			t.Errorf("exploit %s: %d %q, want 403", path, code, body)
			continue
		}
		var ex *event.Exploit
		for _, ev := range s.rec.Take() {
			if ev.Type == event.TypeExploit && ex == nil {
				ex = ev.Exploit
				if !ev.Blocked || ev.Request == nil || ev.Request.URI == "" {
					t.Errorf("exploit event for %s: %+v", path, ev)
				}
			}
		}
		want := sinkLine(t, e.sink)
		if ex == nil {
			t.Errorf("exploit %s: no exploit event", path)
			continue
		}
		loc := ""
		if ex.Location != nil {
			loc = fmt.Sprintf("%s:%d", ex.Location.File, ex.Location.Line)
		}
		if !strings.HasSuffix(loc, want) || ex.Detector != e.detector && !(e.detector == "cmdi" && ex.Detector == "shi") {
			t.Errorf("exploit %s: %s at %q, want %s at %s (%+v)", path, ex.Detector, loc, e.detector, want, ex)
		}
	}
	if r := s.dialer.Refused(); len(r) != 0 {
		t.Errorf("dials off loopback: %v", r)
	}
}

// TestBlockModeWAF runs the default: in block mode the WAF stops most of
// the same exploits before the handler runs.
func TestBlockModeWAF(t *testing.T) {
	s := start(t, &rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second})
	blocked := 0
	for _, e := range exploits {
		path := path(s, e.path)
		if code, _ := s.do(t, "GET", path, ""); code == http.StatusForbidden {
			blocked++
		} else {
			t.Errorf("exploit %s: %d, want 403", path, code)
		}
	}
	attacks := 0
	for _, ev := range s.rec.Take() {
		if ev.Type == event.TypeAttack && ev.Blocked {
			attacks++
		}
	}
	if attacks == 0 || blocked != len(exploits) {
		t.Errorf("blocked %d of %d, %d by the WAF", blocked, len(exploits), attacks)
	}
	for _, b := range benign {
		path := path(s, b.path)
		if code, body := s.do(t, "GET", path, ""); code != 200 {
			t.Errorf("benign %s: %d %q", path, code, body)
		}
	}
}

func TestLogin(t *testing.T) {
	s := start(t, &rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second})
	if code, body := s.do(t, "POST", "/login", `{"login": "alice", "password": "wonderland"}`); code != 200 {
		t.Errorf("good login: %d %s", code, body)
	}
	if code, _ := s.do(t, "POST", "/login", `{"login": "alice", "password": "guess"}`); code != 401 {
		t.Errorf("bad password: %d", code)
	}
	if code, _ := s.do(t, "POST", "/login", `not json`); code != 400 {
		t.Errorf("bad body: %d", code)
	}
}
