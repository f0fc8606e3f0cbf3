package rampart_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf"
)

func blockingAgent(t *testing.T, log *bytes.Buffer) *rampart.Agent {
	t.Helper()
	cfg := rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Timeout: time.Second, Exporter: &eventtest.Recorder{}}
	if log != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	a, err := rampart.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestBeginPhases: Begin evaluates the headers, then the body, and skips
// the body of a request the headers already blocked.
func TestBeginPhases(t *testing.T) {
	a := blockingAgent(t, nil)
	cases := []struct {
		name, target, body string
		blocked            bool
	}{
		{"benign", "/users?name=alice", `{"name":"alice"}`, false},
		{"query attack", "/users?name=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E", `{"name":"alice"}`, true},
		{"body attack", "/users", `{"name":"<script>alert(1)</script>"}`, true},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", c.target, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		sec := a.BeginHTTP(r)
		if sec == nil {
			t.Fatalf("%s: no security context", c.name)
		}
		if got := sec.Blocked() != nil; got != c.blocked {
			t.Errorf("%s: blocked = %v, want %v (matches %v)", c.name, got, c.blocked, sec.Matches())
		}
		resp, ok := sec.BlockResponse()
		if ok != c.blocked || (ok && resp.Status != 403) {
			t.Errorf("%s: BlockResponse = %d %v", c.name, resp.Status, ok)
		}
		// The handler still reads the whole body.
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r.Body); err != nil || buf.String() != c.body {
			t.Errorf("%s: body after Begin = %q, %v", c.name, buf.String(), err)
		}
		sec.Finish(200)
	}
}

func TestBlockResponse(t *testing.T) {
	a := &waf.Action{RuleID: `rp-<x>`, StatusCode: 403, Type: "block_request", ContentType: "auto"}
	j := rampart.BlockResponse(a, "application/json, text/html")
	var body map[string]string
	if j.Status != 403 || j.Header.Get("Content-Type") != "application/json" || json.Unmarshal(j.Body, &body) != nil || body["rule"] != `rp-<x>` {
		t.Errorf("JSON block response: %d %v %s", j.Status, j.Header, j.Body)
	}
	h := rampart.BlockResponse(a, "text/html,application/xhtml+xml")
	if !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(h.Body), "rp-&lt;x&gt;") || strings.Contains(string(h.Body), "<x>") {
		t.Errorf("HTML block response: %v %s", h.Header, h.Body)
	}
	if h.Header.Get("Cache-Control") != "no-store" {
		t.Error("a block response must not be cached")
	}
	forced := *a
	forced.ContentType = "html"
	if r := rampart.BlockResponse(&forced, "application/json"); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the action's own type wins over Accept: %v", r.Header)
	}
	redirect := &waf.Action{RuleID: "r", StatusCode: 303, Type: "redirect_request", Location: "/blocked"}
	if r := rampart.BlockResponse(redirect, ""); r.Status != 303 || r.Header.Get("Location") != "/blocked" || len(r.Body) != 0 {
		t.Errorf("redirect: %+v", r)
	}
}

// TestRecover: a panic under a guard's deferred Recover is counted and
// logged with its stack, and does not reach the application.
func TestRecover(t *testing.T) {
	var log bytes.Buffer
	a := blockingAgent(t, &log)
	before := a.Stats().Panics.Load()
	got := func() *rampart.Request {
		defer a.Recover()
		panic("engine bug")
	}()
	if got != nil || a.Stats().Panics.Load() != before+1 {
		t.Fatalf("Recover: %v, panics %d", got, a.Stats().Panics.Load())
	}
	if !strings.Contains(log.String(), "engine bug") || !strings.Contains(log.String(), "begin_test.go") {
		t.Errorf("log lacks the panic or its stack: %s", log.String())
	}
}
