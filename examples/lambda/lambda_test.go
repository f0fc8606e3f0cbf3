package main

import (
	"bufio"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/lambdatest"
)

// httpAPI returns an API Gateway HTTP API event (payload format 2.0).
func httpAPI(t *testing.T, method, path, query, body string) []byte {
	t.Helper()
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
		"headers": map[string]string{"accept": "application/json", "content-type": "application/json", "user-agent": "example-test/1.0", "host": "api.example.test"},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "api", "domainName": "api.example.test", "stage": "$default", "routeKey": "$default",
			"requestId": "r-1", "http": map[string]string{"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "example-test/1.0"},
		},
		"body": body, "isBase64Encoded": false,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func call(t *testing.T, em *lambdatest.Emulator, method, path, query, body string) response {
	t.Helper()
	out, err := em.Invoke(httpAPI(t, method, path, query, body))
	if err != nil {
		t.Fatalf("%s %s?%s: %v", method, path, query, err)
	}
	var r response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return r
}

func events(output string) []map[string]any {
	var evs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, `{"type":`) {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil {
				evs = append(evs, m)
			}
		}
	}
	return evs
}

// TestExampleUnderEmulator runs the example function under the Lambda
// runtime interface emulator: every route answers a normal value, and the
// exploits are blocked at their sinks (the WAF monitors, so that each
// attack reaches its sink), or by the WAF in block mode.
func TestExampleUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	bootstrap := lambdatest.Build(t, t.TempDir(), ".")
	data := t.TempDir()

	t.Run("exploit-prevention", func(t *testing.T) {
		em := lambdatest.Start(t, bootstrap, "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block", "RAMPART_WAF_MODE=monitor",
			"RAMPART_EXTENSION_ADDR=off", "VULNAPP_LOOPBACK_ONLY=1", "TMPDIR="+data)
		for _, c := range []struct {
			name, method, path, query, body string
			status                          int
			detector                        string
		}{
			{"users", "GET", "/users", "name=alice", "", 200, ""},
			{"users-sqli", "GET", "/users", "name=" + url.QueryEscape("x' OR '1'='1"), "", 403, "sqli"},
			{"files", "GET", "/files", "name=readme.txt", "", 200, ""},
			{"files-traversal", "GET", "/files", "name=" + url.QueryEscape("../private-key.pem"), "", 403, "lfi"},
			{"ping", "GET", "/ping", "host=127.0.0.1", "", 200, ""},
			{"ping-injection", "GET", "/ping", "host=" + url.QueryEscape("127.0.0.1; cat /etc/passwd"), "", 403, "shi"},
			{"proxy", "GET", "/proxy", "path=status", "", 200, ""},
			{"fetch-metadata", "GET", "/fetch", "url=" + url.QueryEscape("http://169.254.169.254/latest/meta-data/"), "", 403, "ssrf"},
			{"login", "POST", "/login", "", `{"login":"alice","password":"wonderland"}`, 200, ""},
			{"healthz", "GET", "/healthz", "", "", 200, ""},
		} {
			before := len(events(em.Output()))
			r := call(t, em, c.method, c.path, c.query, c.body)
			if r.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d (body %q)", c.name, r.StatusCode, c.status, r.Body)
				continue
			}
			if c.detector == "" {
				continue
			}
			if !strings.Contains(r.Body, `"error":"blocked"`) {
				t.Errorf("%s: body %q, want the block response", c.name, r.Body)
			}
			found := false
			em.WaitOutput(5*time.Second, func(out string) bool {
				for _, e := range events(out)[before:] {
					if ex, ok := e["exploit"].(map[string]any); ok && ex["detector"] == c.detector && e["blocked"] == true {
						found = true
					}
				}
				return found
			})
			if !found {
				t.Errorf("%s: no blocked %s exploit event", c.name, c.detector)
			}
		}
		found := false
		em.WaitOutput(5*time.Second, func(out string) bool {
			for _, e := range events(out) {
				if e["type"] == "user.login.success" {
					found = true
				}
			}
			return found
		})
		if !found {
			t.Error("no user.login.success event")
		}
	})

	t.Run("waf", func(t *testing.T) {
		em := lambdatest.Start(t, bootstrap, "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block", "RAMPART_EXTENSION_ADDR=off", "VULNAPP_LOOPBACK_ONLY=1", "TMPDIR="+data)
		if r := call(t, em, "GET", "/users", "name=bob", ""); r.StatusCode != 200 || !strings.Contains(r.Body, "bob@example.com") {
			t.Fatalf("benign: %+v", r)
		}
		r := call(t, em, "GET", "/users", "name="+url.QueryEscape("<script>alert(1)</script>"), "")
		if r.StatusCode != 403 || r.Headers["Content-Type"] != "application/json" {
			t.Fatalf("attack: %+v", r)
		}
	})
}
