package extension_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/lambdatest"
)

// The end-to-end tests run `rampart extension` as an external extension
// beside a function under the Lambda runtime interface emulator, which
// starts it from /opt/extensions as Lambda starts it from the layer, and a
// collector on loopback.

// collector is a minimal collector: it records the batches and serves
// decisions.
type collector struct {
	srv       *httptest.Server
	mu        sync.Mutex
	batches   []map[string]any
	keys      []string
	decisions string
}

func newCollector(t *testing.T) *collector {
	c := &collector{decisions: `{"version":1,"decisions":[]}`}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.batches = append(c.batches, b)
		c.keys = append(c.keys, r.Header.Get("Authorization"))
		c.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("GET /v1/decisions", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		body := c.decisions
		c.mu.Unlock()
		etag := `"` + strconv.Itoa(len(body)) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, body)
	})
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	return c
}

// events returns the events received, by type.
func (c *collector) events() map[string][]map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]map[string]any{}
	for _, b := range c.batches {
		evs, _ := b["events"].([]any)
		for _, e := range evs {
			m, _ := e.(map[string]any)
			out[m["type"].(string)] = append(out[m["type"].(string)], m)
		}
	}
	return out
}

func buildRampart(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "rampart")
	cmd := exec.Command("go", "build", "-o", out, "github.com/rampartsec/rampart/cmd/rampart")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build rampart: %v\n%s", err, b)
	}
	return out
}

func readPayload(t *testing.T, name, query string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "lambdaguard", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	if query == "" {
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["rawQueryString"] = query
	b, _ = json.Marshal(m)
	return b
}

func statusOf(t *testing.T, out []byte) (int, string) {
	t.Helper()
	var r struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return r.StatusCode, r.Body
}

// waitInvoking waits for cond, calling invoke (when not nil) every 250 ms
// meanwhile. The function hands its events over within a few milliseconds
// (lambdaguard.DefaultFlushTimeout); on a loaded machine a handoff can
// miss that and go with the next invocation's, and the extension forwards
// at each INVOKE: traffic carries them on, as on Lambda.
func waitInvoking(t *testing.T, what string, cond func() bool, invoke func()) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	next := time.Now().Add(250 * time.Millisecond)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if invoke != nil && time.Now().After(next) {
			invoke()
			next = time.Now().Add(250 * time.Millisecond)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEmulatorWithExtension(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no emulator")
	}
	lambdatest.Find(t)
	dir := t.TempDir()
	rampartBin := buildRampart(t, dir)
	fn := lambdatest.Build(t, dir, "github.com/rampartsec/rampart/lambdaguard/testdata/fn")

	t.Run("handoff", func(t *testing.T) {
		col := newCollector(t)
		lambdatest.Lock(t)
		lambdatest.InstallExtension(t, "rampart", rampartBin+" extension")
		// The function finds the extension at /opt/extensions/rampart and
		// hands its events over on localhost; the extension forwards them.
		em := lambdatest.StartLocked(t, fn, "FN_EVENT=v2", "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block",
			"RAMPART_ENDPOINT="+col.srv.URL, "RAMPART_API_KEY=ingest-e2e", "RAMPART_EXTENSION_ADDR=", "RAMPART_DECISION_INTERVAL=100ms", "RAMPART_POLL_INTERVAL=100ms")

		out, err := em.Invoke(readPayload(t, "apigw-v2.json", "name="+url.QueryEscape("<script>alert(1)</script>")))
		if err != nil {
			t.Fatal(err)
		}
		if s, body := statusOf(t, out); s != 403 || !strings.Contains(body, "blocked") {
			t.Fatalf("attack: %d %q", s, body)
		}
		initRe := regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
		if m := initRe.FindStringSubmatch(em.WaitOutput(5*time.Second, initRe.MatchString)); m != nil {
			t.Logf("init phase with the extension and the protected function: %s ms", m[1])
		}
		// The next INVOKE forwards the previous invocation's events.
		out, err = em.Invoke(readPayload(t, "apigw-v2.json", "name=alice"))
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := statusOf(t, out); s != 200 {
			t.Fatalf("benign: %d", s)
		}
		waitInvoking(t, "the attack event at the collector", func() bool { return len(col.events()["attack"]) == 1 }, func() {
			out, err := em.Invoke(readPayload(t, "apigw-v2.json", "name=alice"))
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := statusOf(t, out); s != 200 {
				t.Fatalf("benign while waiting: %d", s)
			}
		})
		a := col.events()["attack"][0]
		if a["blocked"] != true || a["function"] != "test_function:$LATEST" || a["cold_start"] != true {
			t.Errorf("attack event: %v", a)
		}

		// Decisions: the collector blocks an IP; the extension caches the
		// list at the next INVOKE and the function applies it.
		col.mu.Lock()
		col.decisions = `{"version":2,"decisions":[{"id":"d1","kind":"block_ip","value":"203.0.113.7","expires_at":"2099-01-01T00:00:00Z","reason":"test"}]}`
		col.mu.Unlock()
		time.Sleep(300 * time.Millisecond) // a few of the function's poll intervals
		blocked := false
		for i := 0; i < 30 && !blocked; i++ {
			out, err := em.Invoke(readPayload(t, "apigw-v2.json", "name=alice"))
			if err != nil {
				t.Fatal(err)
			}
			s, _ := statusOf(t, out)
			blocked = s == 403
			if !blocked {
				time.Sleep(200 * time.Millisecond)
			}
		}
		if !blocked {
			t.Fatal("the blocked IP's requests are not blocked")
		}

		// An exploit in the last invocation reaches the collector on
		// SHUTDOWN.
		n := len(col.events()["attack"])
		out, err = em.Invoke(readPayload(t, "apigw-v2.json", "name="+url.QueryEscape("1 UNION SELECT password FROM users--")))
		if err != nil {
			t.Fatal(err)
		}
		em.Stop()
		if got := len(col.events()["attack"]); got <= n {
			t.Fatalf("the last invocation's events were not forwarded on SHUTDOWN (%d attack events)\n%s", got, em.Output())
		}
		col.mu.Lock()
		for _, k := range col.keys {
			if k != "Bearer ingest-e2e" {
				t.Errorf("authorization %q", k)
			}
		}
		col.mu.Unlock()
		if !strings.Contains(em.Output(), "rampart extension: shutdown") {
			t.Errorf("no shutdown line from the extension:\n%s", em.Output())
		}
	})

	t.Run("proxy", func(t *testing.T) {
		col := newCollector(t)
		lambdatest.Lock(t)
		lambdatest.InstallExtension(t, "rampart", rampartBin+" extension")
		// The function itself is not protected (no RAMPART_ENABLED): the
		// extension proxies its Runtime API, as for a function in any
		// language, through a wrapper that points the runtime at it.
		wrapper := filepath.Join(dir, "proxy-bootstrap")
		script := "#!/bin/sh\nexport AWS_LAMBDA_RUNTIME_API=127.0.0.1:4378\nexec " + fn + "\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		em := lambdatest.StartLocked(t, wrapper, "FN_EVENT=v2", "RAMPART_PROXY=on", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block",
			"RAMPART_ENDPOINT="+col.srv.URL, "RAMPART_EXTENSION_ADDR=")

		out, err := em.Invoke(readPayload(t, "apigw-v2.json", "name=alice"))
		if err != nil {
			t.Fatal(err)
		}
		if s, body := statusOf(t, out); s != 200 || body != `{"user":"alice"}` {
			t.Fatalf("benign through the proxy: %d %q", s, body)
		}
		out, err = em.Invoke(readPayload(t, "apigw-v2.json", "name="+url.QueryEscape("<script>alert(1)</script>")))
		if err != nil {
			t.Fatal(err)
		}
		if s, body := statusOf(t, out); s != 403 || !strings.Contains(body, "blocked") {
			t.Fatalf("attack through the proxy: %d %q", s, body)
		}
		out, err = em.Invoke(readPayload(t, "apigw-v2.json", "name=bob"))
		if err != nil {
			t.Fatal(err)
		}
		if s, body := statusOf(t, out); s != 200 || body != `{"user":"bob"}` {
			t.Fatalf("benign after a block: %d %q", s, body)
		}
		em.Stop()
		evs := col.events()["attack"]
		if len(evs) != 1 || evs[0]["blocked"] != true || evs[0]["function"] != "test_function:$LATEST" {
			t.Fatalf("attack events at the collector: %v\n%s", evs, em.Output())
		}
	})

	// The real collector: `rampart serve` on loopback, with an ingest key
	// and an admin token.
	t.Run("rampart-serve", func(t *testing.T) {
		serve := exec.Command(rampartBin, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
		serve.Env = append(os.Environ(), "RAMPART_ADMIN_TOKEN=admin-e2e-token-0123456789", "RAMPART_INGEST_KEYS=ingest-e2e-key-0123456789")
		stdout, err := serve.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		serve.Stderr = serve.Stdout
		if err := serve.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = serve.Process.Signal(os.Interrupt); _ = serve.Wait() })
		base := ""
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "collector on "); ok {
				base, _, _ = strings.Cut(rest, " ")
				break
			}
		}
		if base == "" {
			t.Fatal("rampart serve did not say where it listens")
		}
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		admin := func(method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer admin-e2e-token-0123456789")
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}

		lambdatest.Lock(t)
		lambdatest.InstallExtension(t, "rampart", rampartBin+" extension")
		em := lambdatest.StartLocked(t, fn, "FN_EVENT=v1", "RAMPART_ENABLED=true", "RAMPART_TIMEOUT=1s", "RAMPART_MODE=block",
			"RAMPART_ENDPOINT="+base, "RAMPART_API_KEY=ingest-e2e-key-0123456789", "RAMPART_EXTENSION_ADDR=", "RAMPART_DECISION_INTERVAL=100ms", "RAMPART_POLL_INTERVAL=100ms")
		v1 := func(name string) int {
			b, err := os.ReadFile(filepath.Join("..", "lambdaguard", "testdata", "events", "apigw-v1.json"))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			m["queryStringParameters"] = map[string]any{"name": name}
			m["multiValueQueryStringParameters"] = map[string]any{"name": []string{name}}
			b, _ = json.Marshal(m)
			out, err := em.Invoke(b)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := statusOf(t, out)
			return s
		}
		if s := v1("<script>alert(1)</script>"); s != 403 {
			t.Fatalf("attack: %d", s)
		}
		if s := v1("alice"); s != 200 {
			t.Fatalf("benign: %d", s)
		}
		waitInvoking(t, "an attack signal at the collector", func() bool {
			_, body := admin("GET", "/v1/signals", "")
			return strings.Contains(body, `"type":"attack"`)
		}, func() {
			if s := v1("alice"); s != 200 {
				t.Fatalf("benign while waiting: %d", s)
			}
		})
		if s, body := admin("POST", "/v1/decisions", `{"kind":"block_ip","value":"203.0.113.7","ttl":"1h","reason":"e2e"}`); s/100 != 2 {
			t.Fatalf("POST /v1/decisions: %d %s", s, body)
		}
		blocked := false
		for i := 0; i < 40 && !blocked; i++ {
			blocked = v1("alice") == 403
			if !blocked {
				time.Sleep(150 * time.Millisecond)
			}
		}
		if !blocked {
			t.Fatalf("the collector's block_ip decision did not reach the function\n%s", em.Output())
		}
	})
}
