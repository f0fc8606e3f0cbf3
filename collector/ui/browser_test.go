package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/geoip/geoiptest"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/prereq"
)

var screenshotsTo = flag.String("screenshots", "", "copy the browser test's screenshots into this directory (docs/screenshots for the README)")

// chromiumPath is Debian's chromium, or $CHROMIUM.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestBrowser drives the UI in a real browser: it builds and starts
// `rampart serve`, seeds attacks, an exploit and a credential-stuffing
// campaign through POST /v1/events, then runs testdata/browser/ui.mjs
// (playwright-core on chromium), which logs in, sees the overview's
// account-takeover panel and what is known of the top IPs (their country
// and network from the IP databases of RAMPART_GEOIP_DB among it), sees relative
// times, rule names and services on the signals, archives two signals at
// once and reopens them, opens an attack and sees the value as sent beside
// the matched one, opens the exploit and sees its short title and its
// stack trace with the library frames folded, writes a note on it and sees
// it after a reload and on the list, opens the campaign and sees its chart
// and the services of its logins, blocks an IP and sees it among the
// decisions, and logs out, with a screenshot of each page.
// The block must then be served to functions by GET /v1/decisions.
//
// Without chromium, node or the npm install of testdata/browser, it skips;
// with RAMPART_REQUIRE=1 (CI) it fails.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := os.Stat(chromiumPath()); err != nil {
		prereq.Missing(t, "chromium: %v (apt-get install -y chromium)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		prereq.Missing(t, "node: %v", err)
	}
	script, _ := filepath.Abs("testdata/browser")
	if _, err := os.Stat(filepath.Join(script, "node_modules", "playwright-core")); err != nil {
		prereq.Missing(t, "playwright-core: %v (cd collector/ui/testdata/browser && npm ci)", err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "rampart")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/rampartsec/rampart/cmd/rampart").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const token, ingest = "browser-test-admin-token", "browser-test-ingest-key"
	srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(tmp, "data"))
	// the attackers' countries and networks, from a City and an ASN file
	city := geoiptest.Write(t, "GeoLite2-City.mmdb", "GeoLite2-City",
		geoiptest.Network{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Record: geoiptest.Country("NL", "Netherlands")})
	asn := geoiptest.Write(t, "GeoLite2-ASN.mmdb", "GeoLite2-ASN",
		geoiptest.Network{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Record: geoiptest.ASN(64496, "Example Transit")})
	srv.Env = append(os.Environ(), "RAMPART_ADMIN_TOKEN="+token, "RAMPART_INGEST_KEYS="+ingest, "RAMPART_GEOIP_DB="+city+","+asn)
	pr, pw := io.Pipe()
	srv.Stdout, srv.Stderr = pw, pw
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if _, rest, ok := strings.Cut(line, "collector on "); ok {
				urlc <- strings.Fields(rest)[0]
			}
		}
	}()
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- srv.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			srv.Process.Kill()
			<-done
		}
		pw.Close()
		if t.Failed() {
			t.Logf("rampart serve:\n%s", logs.String())
		}
	})
	var base string
	select {
	case base = <-urlc:
	case <-time.After(60 * time.Second):
		t.Fatal("rampart serve did not start")
	}

	frame := seedDemo(t, base, ingest)
	// the campaign is detected from the events' own times, by the
	// collector's detector: wait for its signal
	deadline := time.Now().Add(20 * time.Second)
	for {
		var page collector.SignalPage
		getJSON(t, base+"/v1/signals?type=credential_stuffing", token, &page)
		if len(page.Signals) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no credential_stuffing signal was raised")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The screenshots outlive the test (for CI to keep): in
	// $RAMPART_SCREENSHOT_DIR, or a new directory under $TMPDIR.
	shots := os.Getenv("RAMPART_SCREENSHOT_DIR")
	if shots == "" {
		if shots, err = os.MkdirTemp("", "rampart-ui-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	const blockIP = "198.51.100.200"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "ui.mjs")
	cmd.Dir = script
	cmd.Env = append(os.Environ(), "RAMPART_URL="+base, "RAMPART_TOKEN="+token, "SHOT_DIR="+shots,
		"USER_DATA_DIR="+filepath.Join(tmp, "chromium-profile"), "BLOCK_IP="+blockIP, "EXPECT_FRAME="+frame,
		"EXPECT_GEO=Netherlands (NL)\nAS64496 Example Transit", "CHROMIUM="+chromiumPath())
	out, err := cmd.CombinedOutput()
	t.Logf("ui.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the browser test failed: %v (screenshots in %s)", err, shots)
	}
	t.Logf("screenshots in %s", shots)
	names := []string{"login", "overview", "signals", "attack", "exploit", "note", "credential-stuffing", "decisions", "logout"}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(shots, n+".png"))
		if err != nil {
			t.Fatalf("screenshot %s: %v", n, err)
		}
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 5000 {
			t.Fatalf("screenshot %s: not a PNG of a page (%d bytes)", n, len(b))
		}
	}
	// The block made in the browser reaches the functions.
	var ds collector.DecisionsResponse
	getJSON(t, base+"/v1/decisions", ingest, &ds)
	found := false
	for _, d := range ds.Decisions {
		found = found || d.Kind == collector.BlockIP && d.Value == blockIP && !d.ExpiresAt.IsZero()
	}
	if !found {
		t.Fatalf("GET /v1/decisions does not serve the block of %s: %+v", blockIP, ds.Decisions)
	}
	if *screenshotsTo != "" {
		if err := os.MkdirAll(*screenshotsTo, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b, _ := os.ReadFile(filepath.Join(shots, n+".png"))
			if err := os.WriteFile(filepath.Join(*screenshotsTo, n+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("copied the screenshots into %s", *screenshotsTo)
	}
}

func getJSON(t *testing.T, u, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// seedDemo posts a day of traffic as protected services would report it:
// attacks from a few IPs on a few routes, exploits caught at their sinks,
// and a credential-stuffing campaign just now. It returns the file:line
// of the SQL injection's application frame.
func seedDemo(t *testing.T, base, key string) string {
	t.Helper()
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(7, 7))
	post := func(id, service string, evs []*event.Event) {
		body, err := collector.EncodeBatch(id, service, "prod", evs)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", base+"/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST /v1/events: %d %s", resp.StatusCode, b)
		}
	}
	// raw is the value as the client sent it, when the rule matched
	// another form of it (lower-cased)
	type rule struct{ id, name, cat, route, uri, value, raw, highlight string }
	rules := []rule{
		{"rp-sqli-001", "", "sqli", "/users", "/users?name=x'+OR+1=1--", "x' or 1=1--", "x' OR 1=1--", "' or 1=1--"},
		{"lfi-002", "Path traversal", "lfi", "/files", "/files?name=../../etc/passwd", "../../etc/passwd", "", "../../etc/passwd"},
		{"rce-004", "Shell injection", "rce", "/ping", "/ping?host=1;cat+/etc/passwd", "1;cat /etc/passwd", "", "1;cat /etc/passwd"},
		{"scanner-001", "Security scanner", "scanner", "/admin", "/admin.php", "sqlmap/1.7", "SQLMap/1.7", "sqlmap"},
		{"ssrf-003", "SSRF to cloud metadata", "ssrf", "/fetch", "/fetch?url=http://169.254.169.254/", "http://169.254.169.254/", "", "http://169.254.169.254/"},
	}
	ips := []string{"203.0.113.7", "203.0.113.45", "198.51.100.23", "192.0.2.99", "203.0.113.120"}
	var evs []*event.Event
	for i := 0; i < 240; i++ {
		r := rules[rng.IntN(len(rules))]
		ip := ips[min(rng.IntN(len(ips)), rng.IntN(len(ips)))]
		at := now.Add(-time.Duration(rng.Int64N(int64(23*time.Hour))) - time.Minute)
		blocked := rng.IntN(3) > 0
		mode := "monitor"
		if blocked {
			mode = "block"
		}
		evs = append(evs, &event.Event{Type: event.TypeAttack, Time: at, Blocked: blocked, Mode: mode, Version: "0.1.0",
			Request: &event.Request{Method: "GET", URI: r.uri, Route: r.route, ClientIP: ip, UserAgent: "Mozilla/5.0 (X11; Linux x86_64)", Status: 403},
			Triggers: []event.Trigger{{RuleID: r.id, RuleName: r.name, Category: r.cat, Address: "server.request.query", Value: r.value, Raw: r.raw,
				Highlight: r.highlight, Blocking: blocked}}})
	}
	post("seed-attacks", "checkout-api", evs)

	sqli := exploitEvent(now.Add(-20*time.Minute), "203.0.113.7", "sqlmap/1.7.2#stable (https://sqlmap.org)", "/users?name=x'+OR+'1'='1",
		"SELECT id, name, email FROM users WHERE name = 'x' OR '1'='1'", "x' OR '1'='1")
	sqli.Function = "users-lambda"
	shell := &event.Event{Type: event.TypeExploit, Time: now.Add(-50 * time.Minute), Blocked: true, Mode: "block", Version: "0.1.0",
		Request: &event.Request{Method: "GET", URI: "/ping?host=127.0.0.1;id", Route: "/ping", ClientIP: "198.51.100.23", UserAgent: "curl/8.5.0"},
		Exploit: &event.Exploit{RuleID: "rasp-shi-001", RuleName: "Shell injection", Detector: "shi", Sink: "shell", Resource: "ping -c 1 127.0.0.1;id",
			Input: "127.0.0.1;id", Start: 10, End: 22, Reason: "the input added a command", InputAddress: "server.request.query", InputKeyPath: []string{"host"},
			Location: &event.Frame{Function: "github.com/rampartsec/rampart/examples/vulnapp/routes.ping", File: "/app/examples/vulnapp/routes/routes.go", Line: 97},
			Stack: []event.Frame{{Function: "github.com/rampartsec/rampart/execguard.CommandContext", File: "/app/execguard/execguard.go", Line: 61},
				{Function: "github.com/rampartsec/rampart/examples/vulnapp/routes.ping", File: "/app/examples/vulnapp/routes/routes.go", Line: 97}}}}
	post("seed-exploits", "users-api", []*event.Event{sqli, shell})

	// credential stuffing: one IP, many logins, nearly all failing
	var logins []*event.Event
	for i := 0; i < 24; i++ {
		exists := i%3 != 0
		logins = append(logins, loginEvent(now.Add(-time.Duration(24-i)*10*time.Second), event.TypeLoginFailure, "192.0.2.77", fmt.Sprintf("user%02d@example.com", i), exists))
	}
	logins = append(logins, loginEvent(now.Add(-5*time.Second), event.TypeLoginSuccess, "192.0.2.77", "user05@example.com", true))
	for i, ev := range logins {
		ev.Service, ev.Version, ev.Mode = "auth-api", "0.1.0", "block"
		if i%6 == 5 {
			ev.Service = "shop-web" // the shop's own login form, hit by the same campaign
		}
	}
	post("seed-logins", "auth-api", logins)
	return fmt.Sprintf("%s:%d", sqli.Exploit.Location.File, sqli.Exploit.Location.Line)
}
