package ui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/ui"
	"github.com/rampartsec/rampart/event"
)

const (
	adminToken = "ui-test-admin-token"
	ingestKey  = "ui-test-ingest-key"
)

type env struct {
	t     testing.TB
	store collector.Store
	srv   *collector.Server
	web   *ui.UI
	http  *httptest.Server
	batch int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, st)
}

// newEnvOn serves the UI and the API over st.
func newEnvOn(t testing.TB, st collector.Store) *env {
	t.Helper()
	// a low work factor keeps the tests fast; the format records it
	return newEnvIter(t, st, 1000)
}

// newEnvIter is newEnvOn with new passwords hashed with iter iterations.
func newEnvIter(t testing.TB, st collector.Store, iter int) *env {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: log, Rate: collector.Rate{PerSecond: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Bootstrap(ctx, adminToken, []string{ingestKey}); err != nil {
		t.Fatal(err)
	}
	web, err := ui.New(ctx, ui.Config{Store: st, Logger: log, PasswordIterations: iter, RefuseDecision: srv.RefuseDecision, ObserveStore: srv.ObserveStore})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, srv: srv, web: web, http: httptest.NewServer(web.Handler(srv.Handler()))}
	t.Cleanup(func() {
		e.http.Close()
		srv.Close(context.Background())
		st.Close()
	})
	return e
}

// ingest posts events through the API, as a library would.
func (e *env) ingest(service string, evs ...*event.Event) {
	e.t.Helper()
	e.batch++
	body, err := collector.EncodeBatch(fmt.Sprintf("b-%d", e.batch), service, "test", evs)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.http.URL+"/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ingestKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
}

// client is a browser: a cookie jar, no redirects followed.
type client struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	c.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.http.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) { return c.do("GET", path, nil) }

// post sends a form with the CSRF token of the last page seen.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	return c.do("POST", path, form)
}

func (c *client) login(login, pw string) *http.Response {
	c.e.t.Helper()
	c.get("/login")
	resp, _ := c.post("/login", url.Values{"login": {login}, "password": {pw}, "next": {"/"}})
	if resp.StatusCode == http.StatusSeeOther {
		c.get("/") // picks up the session's CSRF token
	}
	return resp
}

func (e *env) admin() *client {
	e.t.Helper()
	c := e.client()
	if resp := c.login(ui.AdminLogin, adminToken); resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("admin login: %d", resp.StatusCode)
	}
	return c
}

func mustOK(t testing.TB, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, body)
	}
}

func exploitEvent(at time.Time, ip, ua, uri, resource, input string) *event.Event {
	start := strings.Index(resource, input)
	return &event.Event{Type: event.TypeExploit, Time: at, Blocked: true, Mode: "block", Version: "0.1.0",
		Request: &event.Request{Method: "GET", URI: uri, Route: "/users", ClientIP: ip, UserAgent: ua, Headers: map[string]string{"user-agent": ua}},
		Exploit: &event.Exploit{RuleID: "rasp-sqli-001", RuleName: "SQL injection", Detector: "sqli", Sink: "sql", System: "sqlite",
			Resource: resource, Input: input, InputAddress: "server.request.query", InputKeyPath: []string{"name"},
			Start: start, End: start + len(input), Reason: "the input changed the statement's structure",
			Location: &event.Frame{Function: "main.usersHandler", File: "/app/routes/users.go", Line: 42},
			Stack: []event.Frame{
				{Function: "github.com/rampartsec/rampart/sqlguard.(*conn).QueryContext", File: "/go/rampart/sqlguard/conn.go", Line: 88},
				{Function: "main.usersHandler", File: "/app/routes/users.go", Line: 42},
				{Function: "net/http.HandlerFunc.ServeHTTP", File: "/usr/local/go/src/net/http/server.go", Line: 2294},
			}}}
}

func loginEvent(at time.Time, typ, ip, login string, exists bool) *event.Event {
	return &event.Event{Type: typ, Time: at, IP: ip, UserAgent: "curl/8", Usr: &event.User{Login: login, Exists: &exists}}
}

// firstSignal returns the id of the newest signal of a type.
func (e *env) firstSignal(typ string) collector.Signal {
	e.t.Helper()
	p, err := e.store.Signals(context.Background(), collector.SignalQuery{Types: []string{typ}, Limit: 1})
	if err != nil || len(p.Signals) == 0 {
		e.t.Fatalf("no %s signal: %v", typ, err)
	}
	return p.Signals[0]
}

func decodeJSON(resp *http.Response, v any) error {
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %d %s", resp.Request.URL.Path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
