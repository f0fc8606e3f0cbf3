package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/internal/lambdatest"
)

// loginEvent returns an HTTP API event posting a login from ip.
func loginEvent(t *testing.T, ip, user, password string) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": user, "password": password})
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": "/login", "rawQueryString": "",
		"headers": map[string]string{"accept": "application/json", "content-type": "application/json", "user-agent": "Mozilla/5.0 (ato test)"},
		"requestContext": map[string]any{"requestId": "r", "stage": "$default",
			"http": map[string]string{"method": "POST", "path": "/login", "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": "Mozilla/5.0 (ato test)"}},
		"body": string(body), "isBase64Encoded": false,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCredentialStuffingUnderEmulator runs the example function under the
// Lambda runtime interface emulator, reporting to a real collector with the
// account-takeover detectors: after a credential-stuffing campaign the
// attacker's next login is blocked in-process, a targeted user's next
// login is asked for step-up, and an untouched user logs in.
func TestCredentialStuffingUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	const admin, ingest, attacker = "ato-admin", "ato-ingest", "203.0.113.50"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	det := collector.NewATODetector(ato.New(ato.Config{}, ato.NewMemory(ato.MemoryConfig{})), ato.Policy{})
	srv, err := collector.NewServer(ctx, collector.Config{Store: st, Detector: det, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	if _, err := srv.Bootstrap(ctx, admin, []string{ingest}); err != nil {
		t.Fatal(err)
	}
	col := httptest.NewServer(srv.Handler())
	defer col.Close()

	bootstrap := lambdatest.Build(t, t.TempDir(), ".")
	em := lambdatest.Start(t, bootstrap, "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block",
		"RAMPART_ENDPOINT="+col.URL, "RAMPART_API_KEY="+ingest, "RAMPART_POLL_INTERVAL=200ms",
		"RAMPART_EXTENSION_ADDR=off", "VULNAPP_LOOPBACK_ONLY=1", "TMPDIR="+t.TempDir())
	invoke := func(ip, user, password string) response {
		t.Helper()
		out, err := em.Invoke(loginEvent(t, ip, user, password))
		if err != nil {
			t.Fatal(err)
		}
		var r response
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return r
	}
	if r := invoke("198.51.100.80", "dave", "correct-horse"); r.StatusCode != 200 {
		t.Fatalf("a normal login: %d %s", r.StatusCode, r.Body)
	}
	// The campaign: a list of leaked pairs, mostly for accounts that do
	// not exist, a few for alice.
	for i := range 30 {
		user, pw := fmt.Sprintf("leak%d@mail.example", i), "Summer2024!"
		if i%6 == 2 {
			user, pw = "alice", fmt.Sprintf("leaked-%d", i)
		}
		if r := invoke(attacker, user, pw); r.StatusCode != 401 && r.StatusCode != 403 {
			t.Fatalf("campaign login %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	// The attacker's next login is blocked by the function itself once
	// the collector's decision reached its poller.
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := invoke(attacker, "leak-next@mail.example", "Winter2024!")
		if r.StatusCode == 403 {
			if !strings.Contains(r.Body, "blocked") {
				t.Errorf("block response: %s", r.Body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the attacker's login still answers %d after the campaign\n%s", r.StatusCode, em.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The targeted user, from elsewhere with the right password: step-up.
	if r := invoke("198.51.100.81", "alice", "wonderland"); r.StatusCode != 401 || !strings.Contains(r.Body, "step-up") {
		t.Errorf("alice after the campaign: %d %s, want a step-up challenge", r.StatusCode, r.Body)
	}
	// An untouched user from an untouched address logs in.
	if r := invoke("198.51.100.82", "dave", "correct-horse"); r.StatusCode != 200 {
		t.Errorf("dave after the campaign: %d %s", r.StatusCode, r.Body)
	}
	page, err := st.Signals(ctx, collector.SignalQuery{Types: []string{ato.TypeCredentialStuffing}, Limit: 10})
	if err != nil || len(page.Signals) == 0 {
		t.Errorf("no credential_stuffing signal in the collector (%v)", err)
	}
}
