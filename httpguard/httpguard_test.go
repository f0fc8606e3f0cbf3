package httpguard_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf"
)

// sink records what an agent exports.
type sink = eventtest.Recorder

func newAgent(t *testing.T, mode rampart.Mode, s *sink) *rampart.Agent {
	t.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: mode, Exporter: s, Service: "svc", Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// echo reads the whole body and answers with its length.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	sec := rampart.FromContext(r.Context())
	w.Header().Set("X-Has-Context", map[bool]string{true: "yes", false: "no"}[sec != nil])
	w.WriteHeader(200)
	_, _ = w.Write([]byte(strings.Repeat("x", len(b))))
})

func TestBlockModeBlocksAttacksAndPassesBenign(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(httpguard.New(newAgent(t, rampart.ModeBlock, s), echo))
	defer srv.Close()

	cases := []struct {
		name, method, path, ctype, body, accept string
		want                                    int
		wantCT                                  string
	}{
		{"benign get", "GET", "/search?q=shoes", "", "", "", 200, ""},
		{"benign json", "POST", "/orders", "application/json", `{"note":"O'Brien will select one"}`, "", 200, ""},
		{"sqli query json answer", "GET", "/search?q=1%27%20OR%20%271%27%3D%271", "", "", "application/json", 403, "application/json"},
		{"xss html answer", "GET", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "", "", "text/html,application/xhtml+xml", 403, "text/html; charset=utf-8"},
		{"sqli in json body", "POST", "/orders", "application/json", `{"item":"1 UNION SELECT password FROM users--"}`, "", 403, "application/json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, c.want, body)
			}
			if c.want == 200 {
				if resp.Header.Get("X-Has-Context") != "yes" {
					t.Error("handler did not see the security context")
				}
				if len(body) != len(c.body) {
					t.Errorf("handler read %d body bytes, want %d", len(body), len(c.body))
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != c.wantCT {
				t.Errorf("content type %q, want %q", ct, c.wantCT)
			}
			if c.wantCT == "application/json" {
				var m map[string]string
				if err := json.Unmarshal(body, &m); err != nil || m["error"] != "blocked" || m["rule"] == "" {
					t.Errorf("block body %s", body)
				}
			}
		})
	}
	evs := s.Events()
	blocked := 0
	for _, e := range evs {
		if e.Blocked {
			blocked++
		}
		if e.Type != event.TypeAttack || len(e.Triggers) == 0 || e.Request == nil || e.Service != "svc" {
			t.Errorf("bad event %+v", e)
		}
	}
	if blocked != 3 {
		t.Errorf("%d blocked events, want 3", blocked)
	}
}

func TestMonitorModeReportsButPasses(t *testing.T) {
	s := &sink{}
	srv := httptest.NewServer(httpguard.New(newAgent(t, rampart.ModeMonitor, s), echo))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/x?q=1%27%20OR%20%271%27%3D%271", nil)
	req.Header.Set("Authorization", "Bearer secret-token-value")
	req.Header.Set("Cookie", "session=abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("monitor mode answered %d", resp.StatusCode)
	}
	evs := s.Events()
	if len(evs) != 1 || evs[0].Blocked || evs[0].Request.Status != 200 {
		t.Fatalf("events %+v", evs)
	}
	raw, _ := json.Marshal(evs[0])
	for _, secret := range []string{"secret-token-value", "abcdef"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("event leaks %q: %s", secret, raw)
		}
	}
}

func TestLargeBodyStillReadInFull(t *testing.T) {
	s := &sink{}
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Exporter: s, BodyLimit: 1024, Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpguard.New(a, echo))
	defer srv.Close()
	body := strings.Repeat("a", 100_000)
	resp, err := http.Post(srv.URL+"/upload", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(got) != len(body) {
		t.Fatalf("status %d, handler read %d of %d bytes", resp.StatusCode, len(got), len(body))
	}
}

func TestDisabledIsPassThrough(t *testing.T) {
	h := httpguard.New(nil, echo)
	if _, ok := h.(http.HandlerFunc); !ok {
		t.Fatalf("disabled guard wrapped the handler: %T", h)
	}
	rampart.Enable(nil)
	if _, ok := httpguard.Middleware(echo).(http.HandlerFunc); !ok {
		t.Fatal("Middleware with rampart disabled wrapped the handler")
	}
	allocs := testing.AllocsPerRun(100, func() {
		_ = httpguard.Middleware(echo)
	})
	if allocs != 0 {
		t.Errorf("disabled Middleware allocates %.0f times", allocs)
	}
}

func TestBlockFromInsideHandlerDiscardsWrites(t *testing.T) {
	// A rule over usr.id, evaluated from inside the handler (as the user
	// events will), blocks after the handler started: what the handler
	// writes afterwards is discarded and the block response is sent.
	s := &sink{}
	a := newAgent(t, rampart.ModeBlock, s)
	if err := a.Engine().UpdateData("blocked_users", []waf.DataEntry{{Value: "mallory"}}); err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sec := rampart.FromContext(r.Context())
		sec.Run(waf.Address{Name: waf.AddrUserID, Value: waf.String(r.URL.Query().Get("user"))})
		w.WriteHeader(200)
		_, _ = w.Write([]byte("secret account data"))
	})
	srv := httptest.NewServer(httpguard.New(a, h))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/me?user=mallory")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || strings.Contains(string(body), "secret") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	resp, _ = http.Get(srv.URL + "/me?user=alice")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "secret account data" {
		t.Fatalf("alice: status %d body %q", resp.StatusCode, body)
	}
}

func TestPanicInsideRampartFailsOpen(t *testing.T) {
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exporter: rampart.ExporterFunc(func(*event.Event) { panic("exporter bug") })})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpguard.New(a, echo))
	defer srv.Close()
	// A monitored attack reaches the panicking exporter after the handler:
	// the response is intact and the fault counted.
	resp, err := http.Get(srv.URL + "/x?q=%3Cscript%3Ealert(1)%3C/script%3E&mode=")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/fine")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after a fault", resp.StatusCode)
	}
	if a.Stats().Panics.Load() == 0 {
		t.Fatal("panic not counted")
	}
}
