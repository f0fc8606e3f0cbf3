package routes_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/httpguard"
)

type recorder struct {
	mu  sync.Mutex
	evs []*event.Event
}

func (r *recorder) Export(e *event.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

func (r *recorder) take() []*event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// loopbackDialer reaches loopback only and resolves names from a table, so
// that no test packet leaves the machine even if a check fails open.
func loopbackDialer(refused *[]string, mu *sync.Mutex) *httpguard.Dialer {
	var d net.Dialer
	return &httpguard.Dialer{
		Resolver: stub{"rebind.attacker.test": "127.0.0.1"},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
				mu.Lock()
				*refused = append(*refused, addr)
				mu.Unlock()
				return nil, fmt.Errorf("test: %s is not loopback", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
}

type stub map[string]string

func (s stub) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ip, ok := s[host]; ok {
		return []netip.Addr{netip.MustParseAddr(ip)}, nil
	}
	return nil, &net.DNSError{Err: "not found (stub)", Name: host, IsNotFound: true}
}

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
	rec     *recorder
	refused []string
	mu      sync.Mutex
}

func start(t *testing.T, cfg *rampart.Config) *server {
	s := &server{rec: &recorder{}}
	app, err := routes.New(routes.Config{Dir: t.TempDir(), Dialer: loopbackDialer(&s.refused, &s.mu)})
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
	{q("/fetch", "url", "https://public.example.test/page"), `not found (stub)`}, // not resolved: nothing leaves the machine
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
	for _, ev := range s.rec.take() {
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
		for _, ev := range s.rec.take() {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refused) != 0 {
		t.Errorf("dials off loopback: %v", s.refused)
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
	for _, ev := range s.rec.take() {
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
