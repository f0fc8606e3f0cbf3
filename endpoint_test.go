package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/httpguard"
)

func TestConfigFromEnvEndpoint(t *testing.T) {
	t.Setenv("RAMPART_ENDPOINT", " http://127.0.0.1:8080 ")
	t.Setenv("RAMPART_API_KEY", "k1")
	t.Setenv("RAMPART_POLL_INTERVAL", "3s")
	c, err := rampart.ConfigFromEnv()
	if err != nil || c.Endpoint != "http://127.0.0.1:8080" || c.APIKey != "k1" || c.PollInterval != 3*time.Second {
		t.Fatalf("%+v %v", c, err)
	}
	t.Setenv("RAMPART_POLL_INTERVAL", "soon")
	if _, err := rampart.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "RAMPART_POLL_INTERVAL") {
		t.Fatalf("bad interval: %v", err)
	}
	if _, err := rampart.New(rampart.Config{Enabled: true, Endpoint: "127.0.0.1:8080"}); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
	var nilAgent *rampart.Agent
	if nilAgent.Challenged("1.2.3.4", "u") || nilAgent.Close(context.Background()) != nil || nilAgent.Decisions() != nil {
		t.Fatal("nil agent")
	}
}

// TestEndToEndCollector runs the vulnerable example application protected
// by rampart with RAMPART_ENDPOINT set to a real collector: its attack and
// exploit events become signals in the collector's API, and a block_ip
// decision posted to the API makes the application block that IP within
// the poll interval.
func TestEndToEndCollector(t *testing.T) {
	const admin, ingest, attacker = "e2e-admin", "e2e-ingest", "203.0.113.50"
	const interval = 300 * time.Millisecond
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	if _, err := srv.Bootstrap(ctx, admin, []string{ingest}); err != nil {
		t.Fatal(err)
	}
	col := httptest.NewServer(srv.Handler())
	defer col.Close()

	agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Service: "vulnapp", Env: "test",
		Endpoint: col.URL, APIKey: ingest, PollInterval: interval, TrustAllProxies: true, Logger: quiet, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close(ctx)
	app, err := routes.New(routes.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	web := httptest.NewServer(httpguard.New(agent, app))
	defer web.Close()
	app.SetUpstream(web.URL + "/upstream")
	get := func(path, ip string) int {
		req, _ := http.NewRequest("GET", web.URL+path, nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	api := func(method, path string, body []byte, v any) int {
		req, _ := http.NewRequest(method, col.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil {
			json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode
	}

	if c := get("/healthz", attacker); c != 200 {
		t.Fatalf("healthz: %d", c)
	}
	for range 3 {
		if c := get("/users?name="+url.QueryEscape("x' OR 'a'='a"), attacker); c != 403 { // WAF: SQL injection
			t.Fatalf("SQL injection: %d, want 403", c)
		}
	}
	if c := get("/files?name="+url.QueryEscape("../routes.go"), attacker); c != 403 { // RASP: file sink
		t.Fatalf("path traversal at the file sink: %d, want 403", c)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := agent.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	var page collector.SignalPage
	if c := api("GET", "/v1/signals", nil, &page); c != 200 {
		t.Fatalf("GET /v1/signals: %d", c)
	}
	var attackSig, exploitSig *collector.Signal
	for i := range page.Signals {
		s := &page.Signals[i]
		switch s.Type {
		case collector.SignalAttack:
			attackSig = s
		case collector.SignalExploit:
			exploitSig = s
		}
	}
	if attackSig == nil || attackSig.Count != 3 || len(attackSig.IPs) != 1 || attackSig.IPs[0] != attacker || attackSig.Service != "vulnapp" {
		t.Fatalf("attack signal: %+v (all: %+v)", attackSig, page.Signals)
	}
	if exploitSig == nil || !strings.HasPrefix(exploitSig.Location, "routes.go:") && !strings.Contains(exploitSig.Location, "/routes.go:") {
		t.Fatalf("exploit signal: %+v", exploitSig)
	}
	var detail collector.SignalDetail
	api("GET", "/v1/signals/"+exploitSig.ID, nil, &detail)
	if len(detail.Events) != 1 || !strings.Contains(string(detail.Events[0]), `"stack"`) || !strings.Contains(string(detail.Events[0]), `"client_ip":"`+attacker+`"`) {
		t.Fatalf("exploit detail: %s", detail.Events)
	}

	// The decision: block the attacker. The app blocks it within the poll
	// interval (with its jitter), and lets others through.
	body, _ := json.Marshal(map[string]string{"kind": "block_ip", "value": attacker, "ttl": "1h", "reason": "SQL injection", "signal_id": attackSig.ID})
	if c := api("POST", "/v1/decisions", body, nil); c != 201 {
		t.Fatalf("POST /v1/decisions: %d", c)
	}
	posted := time.Now()
	for get("/healthz", attacker) != 403 {
		if time.Since(posted) > 2*interval+3*time.Second { // slack for a loaded CI machine
			t.Fatalf("the attacker was not blocked %v after the decision (poll interval %v)", time.Since(posted), interval)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(posted)
	if c := get("/healthz", "198.51.100.4"); c != 200 {
		t.Fatalf("another client: %d", c)
	}
	t.Logf("blocked %v after the decision (poll interval %v)", took.Round(time.Millisecond), interval)
	// A challenge decision reaches Challenged.
	body, _ = json.Marshal(map[string]string{"kind": "challenge_user", "value": "alice"})
	api("POST", "/v1/decisions", body, nil)
	deadline := time.Now().Add(2*interval + 3*time.Second)
	for !agent.Challenged("", "alice") {
		if time.Now().After(deadline) {
			t.Fatal("challenge_user not reported by Agent.Challenged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if agent.Challenged("", "bob") {
		t.Fatal("bob challenged")
	}
}
