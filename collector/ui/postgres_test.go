package ui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/storetest"
	"github.com/rampartsec/rampart/collector/ui"
	"github.com/rampartsec/rampart/event"
)

// TestPostgres runs the UI on PostgreSQL: its users and sessions, the
// overview's aggregates over the events' JSON, a campaign's logins (the
// store's queries, which storetest.RunUI checks by themselves).
func TestPostgres(t *testing.T) {
	u := storetest.PostgresSchema(t)
	st, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, st)
	now := time.Now().UTC()
	atk := &event.Event{Type: event.TypeAttack, Time: now.Add(-2 * time.Minute), Blocked: true, Mode: "block", Version: "0.2.0",
		Request:  &event.Request{Method: "GET", URI: "/search?q=1", ClientIP: "203.0.113.1"},
		Triggers: []event.Trigger{{RuleID: "sqli-001", Category: "sqli", Address: "server.request.query"}}}
	e.ingest("pg-svc", atk, exploitEvent(now.Add(-time.Minute), "203.0.113.2", "ua", "/users?name=x", "SELECT 'x'", "x"),
		loginEvent(now, event.TypeLoginFailure, "192.0.2.7", "bob", false), loginEvent(now.Add(time.Second), event.TypeLoginSuccess, "192.0.2.7", "carol", true),
		&event.Event{Type: event.TypeRequest, Time: now.Add(-time.Minute), Request: &event.Request{Method: "GET", URI: "/"}, TimedOut: true})
	sg := collector.Signal{Key: "ato\x1fbrute_force\x1fpg", Type: collector.SignalBruteForce, Severity: collector.SeverityHigh, Title: "brute force",
		Service: "pg-svc", FirstSeen: now, LastSeen: now.Add(time.Second), IPs: []string{"192.0.2.0/24"}, Count: 2}
	if err := st.RecordSignals(context.Background(), []collector.Signal{sg}); err != nil {
		t.Fatal(err)
	}
	adm := e.admin()
	resp, body := adm.get("/?range=1h")
	mustOK(t, resp, body)
	for _, want := range []string{`<span class="k">Blocked</span><span class="v">2</span>`, `<span class="k">Timed out</span><span class="v">1</span>`, `<td><code>GET /search</code></td>`, `<td>0.1.0</td><td><span class="mode mode-block">block</span>`, `<td><code>sqli-001</code></td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("overview on PostgreSQL lacks %s", want)
		}
	}
	resp, body = adm.get("/signals/" + collector.SignalID(sg.Key))
	mustOK(t, resp, body)
	if !strings.Contains(body, "2 attempts between first and last seen") || !strings.Contains(body, `<td><code>bob</code></td><td>does not exist</td>`) {
		t.Error("the campaign's logins (by prefix) are not shown on PostgreSQL")
	}
	adm.get("/users")
	if resp, _ := adm.post("/users", url.Values{"login": {"pat"}, "password": {"a long enough password"}, "role": {"viewer"}}); resp.StatusCode != 303 {
		t.Fatalf("create user: %d", resp.StatusCode)
	}
	if resp := e.client().login("pat", "a long enough password"); resp.StatusCode != 303 {
		t.Fatalf("login on PostgreSQL: %d", resp.StatusCode)
	}
}

// TestLoginBudgetSharedByReplicas: two replicas on one PostgreSQL share a
// client's login budget (each used to count alone: three replicas gave an
// attacker three times the guesses).
func TestLoginBudgetSharedByReplicas(t *testing.T) {
	u := storetest.PostgresSchema(t)
	open := func() *env {
		st, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		return newEnvOn(t, st)
	}
	a, b := open(), open()
	ca, cb := a.client(), b.client()
	for i := range 10 {
		c := ca
		if i%2 == 1 {
			c = cb
		}
		if code := c.loginFrom("198.51.100.9", "pat", "wrong"); code != 401 {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	for _, c := range []*client{ca, cb} {
		if code := c.loginFrom("198.51.100.9", ui.AdminLogin, adminToken); code != 429 {
			t.Errorf("the eleventh attempt, on either replica: %d, want 429", code)
		}
	}
	if code := b.client().loginFrom("198.51.100.10", ui.AdminLogin, adminToken); code != 303 {
		t.Errorf("another client: %d, want 303", code)
	}
}
