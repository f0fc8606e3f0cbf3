package rampart_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// clearEnv unsets every RAMPART_ variable for the test.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "RAMPART_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func setEnv(t *testing.T, env string) {
	for _, kv := range strings.Fields(env) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Every value rampart does not accept is an error naming the variable:
// none of them leaves rampart quietly off, or quietly in another mode.
func TestConfigFromEnvRefuses(t *testing.T) {
	for _, c := range []struct{ env, variable string }{
		{"RAMPART_ENABLED=maybe", "RAMPART_ENABLED"},
		{"RAMPART_ENABLED=ture", "RAMPART_ENABLED"},
		{"RAMPART_ENABLED=true RAMPART_MODE=enforce", "RAMPART_MODE"},
		{"RAMPART_ENABLED=true RAMPART_MODE=blocking", "RAMPART_MODE"},
		{"RAMPART_ENABLED=true RAMPART_WAF_MODE=x", "RAMPART_WAF_MODE"},
		{"RAMPART_ENABLED=true RAMPART_TIMEOUT=2", "RAMPART_TIMEOUT"},
		{"RAMPART_ENABLED=true RAMPART_TIMEOUT=-1ms", "RAMPART_TIMEOUT"},
		{"RAMPART_ENABLED=true RAMPART_TRUSTED_PROXIES=10.0.0.0/33", "RAMPART_TRUSTED_PROXIES"},
		{"RAMPART_ENABLED=true RAMPART_TRUSTED_PROXIES=10.0.0.0/8,lb.internal", "RAMPART_TRUSTED_PROXIES"},
		{"RAMPART_ENABLED=true RAMPART_ENDPOINT=127.0.0.1:8080", "RAMPART_ENDPOINT"},
		{"RAMPART_ENABLED=true RAMPART_ENDPOINT=ftp://collector", "RAMPART_ENDPOINT"},
		{"RAMPART_ENABLED=true RAMPART_POLL_INTERVAL=0s", "RAMPART_POLL_INTERVAL"},
		{"RAMPART_ENABLED=true RAMPART_RULES_STRICT=strict", "RAMPART_RULES_STRICT"},
	} {
		t.Run(c.env, func(t *testing.T) {
			clearEnv(t)
			setEnv(t, c.env)
			_, err := rampart.ConfigFromEnv()
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *rampart.ConfigError
			if !errors.As(err, &ce) || ce.Var != c.variable || !strings.Contains(err.Error(), c.variable+"=") || !strings.Contains(err.Error(), "want ") {
				t.Fatalf("error %q does not name %s and what it wants", err, c.variable)
			}
		})
	}
}

func TestConfigFromEnvAccepts(t *testing.T) {
	for _, c := range []struct {
		env  string
		want func(rampart.Config) bool
	}{
		{"RAMPART_ENABLED=true", func(c rampart.Config) bool { return c.Enabled && c.Mode == rampart.ModeMonitor && c.WAFMode == "" }},
		{"RAMPART_ENABLED=yes", func(c rampart.Config) bool { return c.Enabled }},
		{"RAMPART_ENABLED=ON", func(c rampart.Config) bool { return c.Enabled }},
		{"RAMPART_ENABLED=1", func(c rampart.Config) bool { return c.Enabled }},
		{"RAMPART_ENABLED=no", func(c rampart.Config) bool { return !c.Enabled }},
		{"RAMPART_ENABLED=off", func(c rampart.Config) bool { return !c.Enabled }},
		{"RAMPART_ENABLED=0", func(c rampart.Config) bool { return !c.Enabled }},
		{"RAMPART_ENABLED=true RAMPART_MODE=BLOCK RAMPART_WAF_MODE=Monitor", func(c rampart.Config) bool {
			return c.Mode == rampart.ModeBlock && c.WAFMode == rampart.ModeMonitor
		}},
		{"RAMPART_ENABLED=true RAMPART_TIMEOUT=500us", func(c rampart.Config) bool { return c.Timeout == 500*time.Microsecond }},
		{"RAMPART_ENABLED=true RAMPART_TIMEOUT=0", func(c rampart.Config) bool { return c.Timeout == 0 }},
		{"RAMPART_ENABLED=true RAMPART_RULES=default RAMPART_RULES_STRICT=yes", func(c rampart.Config) bool { return c.RulesFile == "" && c.StrictRules }},
		{"RAMPART_ENABLED=true RAMPART_TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7,,2001:db8::1", func(c rampart.Config) bool {
			return len(c.TrustedProxies) == 3 && c.TrustedProxies[1] == netip.MustParsePrefix("192.0.2.7/32") &&
				c.TrustedProxies[2] == netip.MustParsePrefix("2001:db8::1/128")
		}},
	} {
		t.Run(c.env, func(t *testing.T) {
			clearEnv(t)
			setEnv(t, c.env)
			cfg, err := rampart.ConfigFromEnv()
			if err != nil || !c.want(cfg) {
				t.Fatalf("%+v, %v", cfg, err)
			}
		})
	}
}

func TestNewRefusesUnknownMode(t *testing.T) {
	for _, cfg := range []rampart.Config{
		{Enabled: true, Mode: "enforce"},
		{Enabled: true, Mode: rampart.ModeBlock, WAFMode: "off"},
	} {
		a, err := rampart.New(cfg)
		if err == nil || a != nil || !strings.Contains(err.Error(), "want monitor") {
			t.Errorf("New(%q, %q) = %v, %v", cfg.Mode, cfg.WAFMode, a, err)
		}
	}
}

// logLines collects what a logger wrote, one JSON object a line.
type logLines struct{ bytes.Buffer }

func (l *logLines) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(&l.Buffer, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (l *logLines) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// find returns the records whose message starts with msg.
func find(recs []map[string]any, level, msg string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["level"] == level && strings.HasPrefix(r["msg"].(string), msg) {
			out = append(out, r)
		}
	}
	return out
}

// defaultCounts are the embedded ruleset's rule counts.
func defaultCounts(t testing.TB) (int, int) {
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := waf.New(rs, waf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eng.RuleCount(), eng.SinkRuleCount()
}

// protected asserts that agent blocks a request rule's attack (XSS in the
// query) with the WAF in block mode, and that exploit prevention blocks a
// SQL injection at its sink with the WAF monitoring.
func protected(t *testing.T, cfg rampart.Config) {
	t.Helper()
	for _, wafMode := range []rampart.Mode{rampart.ModeBlock, rampart.ModeMonitor} {
		cfg := cfg
		cfg.Mode, cfg.WAFMode, cfg.Timeout = rampart.ModeBlock, wafMode, time.Second
		cfg.Exporter = &eventtest.Recorder{}
		a, err := rampart.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := httpguard.New(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := r.URL.Query().Get("name")
			if err := rampart.CheckSQL(r.Context(), "sqlite", "SELECT * FROM users WHERE name = '"+name+"'"); err != nil {
				return
			}
			fmt.Fprint(w, "hello ", name)
		}))
		get := func(q string) int {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/?name="+url.QueryEscape(q), nil))
			return w.Code
		}
		if c := get("alice"); c != 200 {
			t.Fatalf("WAF %s: benign request answered %d", wafMode, c)
		}
		if c := get("x' OR '1'='1"); c != 403 {
			t.Errorf("WAF %s: SQL injection answered %d", wafMode, c)
		}
		if wafMode == rampart.ModeBlock {
			if c := get("<script>alert(1)</script>"); c != 403 {
				t.Errorf("WAF %s: XSS answered %d", wafMode, c)
			}
		}
	}
}

// An unusable ruleset is replaced by the embedded default ruleset, which
// really protects, and the fallback is said at every start and in Status.
func TestRulesFallback(t *testing.T) {
	dir := t.TempDir()
	def := rules.Default()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nRules, nExploit := defaultCounts(t)
	for _, c := range []struct {
		name, file string
		rules      []byte
		why        string
	}{
		{name: "missing file", file: filepath.Join(dir, "nope.json"), why: "no such file"},
		{name: "unreadable (a directory)", file: dir, why: "reading the ruleset"},
		{name: "truncated", file: write("truncated.json", def[:len(def)/2]), why: "not a JSON object"},
		{name: "empty file", file: write("empty.json", nil), why: "not a JSON object"},
		{name: "no rules", rules: []byte(`{"version": "2.2", "rules": []}`), why: "no rules"},
		{name: "no version", rules: []byte(`{"rules": [{"id": "r1", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "a"}}]}]}`), why: "version"},
		{name: "every rule invalid", rules: []byte(`{"version": "2.2", "rules": [{"id": "r1", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "nope", "parameters": {}}]}]}`), why: "unknown operator"},
		{name: "every rule disabled", rules: []byte(`{"version": "2.2", "rules": [{"id": "r1", "name": "n", "enabled": false, "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "a"}}]}]}`), why: "enables no rules"},
		{name: "rules not a list", rules: []byte(`{"version": "2.2", "rules": {"id": "r1"}}`), why: "list of rules"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs logLines
			cfg := rampart.Config{Enabled: true, RulesFile: c.file, Rules: c.rules, Logger: logs.logger(), Exporter: &eventtest.Recorder{}}
			a, err := rampart.New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			st := a.Status()
			if !st.RulesFallback || st.RulesError == nil || !strings.Contains(st.RulesError.Error(), c.why) ||
				st.Ruleset != "embedded default" || st.Rules != nRules || st.ExploitRules != nExploit {
				t.Fatalf("status %+v", st)
			}
			recs := logs.records(t)
			errs := find(recs, "ERROR", "rampart: the configured ruleset cannot be used")
			if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]["error"]), c.why) || errs[0]["ruleset"] != st.Configured {
				t.Fatalf("want one ERROR line naming the ruleset and %q:\n%s", c.why, logs.String())
			}
			on := find(recs, "INFO", "rampart: on")
			if len(on) != 1 || !strings.Contains(on[0]["ruleset"].(string), "fallback") {
				t.Fatalf("startup line:\n%s", logs.String())
			}
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			protected(t, cfg)
			// Strict: the same ruleset is an error instead.
			cfg.StrictRules = true
			if a, err := rampart.New(cfg); err == nil || a != nil || !strings.Contains(err.Error(), "RAMPART_RULES_STRICT") {
				t.Fatalf("strict: %v, %v", a, err)
			}
		})
	}
}

// A ruleset with invalid rules runs its valid ones, and names each invalid
// one once, with its path.
func TestRulesDropped(t *testing.T) {
	const good = `{"id": "good-xss", "name": "script tag", "tags": {"type": "xss", "category": "xss"},
		"conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "<script"}}],
		"on_match": ["block"]}`
	sqlRule := func(id string) string {
		return `{"id": "` + id + `", "name": "sqli", "tags": {"type": "sql_injection", "category": "sqli"},
		"conditions": [{"operator": "sqli_detector", "parameters": {"resource": [{"address": "server.db.statement"}],
			"params": [{"address": "server.request.query"}], "db_type": [{"address": "server.db.system"}]}}],
		"on_match": ["block", "stack_trace"]}`
	}
	src := `{"version": "2.2", "metadata": {"rules_version": "9.9"},
	"actions": [{"id": "teapot", "type": "brew_coffee"}],
	"rules": [` + good + `, ` + sqlRule("good-sqli") + `,
		{"id": "bad-operator", "name": "x", "tags": {"type": "t"}, "conditions": [{"operator": "match_regexx", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "x"}}]},
		{"id": "bad-regex", "name": "x", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "("}}]},
		{"name": "no id", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "x"}}]},
		{"id": "good-xss", "name": "duplicate", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "y"}}]},
		{"id": "uses-teapot", "name": "x", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "z"}}], "on_match": ["teapot"]},
		{"id": "bad-detector", "name": "x", "tags": {"type": "t"}, "conditions": [{"operator": "sqli_detector", "parameters": {"params": [{"address": "server.request.query"}]}}]}
	],
	"exclusions": [{"id": "bad-exclusion", "rules_target": [{"rule_id": "good-xss"}], "on_match": "sometimes"}]}`
	var logs logLines
	cfg := rampart.Config{Enabled: true, Rules: []byte(src), Logger: logs.logger(), Exporter: &eventtest.Recorder{}}
	a, err := rampart.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := a.Status()
	if st.RulesFallback || st.Ruleset != "Config.Rules" || st.Rules != 1 || st.ExploitRules != 1 || st.RulesVersion != "9.9" {
		t.Fatalf("status %+v", st)
	}
	want := []string{"bad-operator", "bad-regex", "rules[4]", "good-xss", "teapot", "uses-teapot", "bad-detector", "bad-exclusion"}
	got := map[string]int{}
	for _, p := range st.Dropped {
		got[p.RuleID]++
	}
	for _, id := range want {
		if got[id] == 0 {
			t.Errorf("%s not reported as left out: %v", id, st.Dropped)
		}
	}
	recs := logs.records(t)
	lines := find(recs, "ERROR", "rampart: invalid rule left out")
	if len(lines) != len(st.Dropped) {
		t.Fatalf("%d ERROR lines for %d problems:\n%s", len(lines), len(st.Dropped), logs.String())
	}
	seen := map[string]bool{}
	for _, l := range lines {
		key := fmt.Sprint(l["rule"], " ", l["path"], " ", l["error"])
		if seen[key] || l["path"] == nil || l["ruleset"] != "Config.Rules" {
			t.Errorf("line %v: repeated, or without its path", l)
		}
		seen[key] = true
	}
	if on := find(recs, "INFO", "rampart: on"); len(on) != 1 || on[0]["rules_dropped"] != float64(len(st.Dropped)) {
		t.Fatalf("startup line:\n%s", logs.String())
	}
	// The valid rules are in force: the XSS rule blocks, and the SQL
	// detector blocks at its sink.
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	protected(t, cfg)

	cfg.StrictRules = true
	if _, err := rampart.New(cfg); err == nil || !strings.Contains(err.Error(), "bad-operator") || !strings.Contains(err.Error(), "RAMPART_RULES_STRICT") {
		t.Fatalf("strict: %v", err)
	}
}

// The startup line says, once, what is on.
func TestStartupLine(t *testing.T) {
	nRules, nExploit := defaultCounts(t)
	for _, c := range []struct {
		name   string
		cfg    rampart.Config
		events string
		budget string
	}{
		{"defaults", rampart.Config{Enabled: true}, "stderr (JSON lines)", waf.DefaultTimeout.String()},
		{"block, WAF monitoring, own exporter", rampart.Config{Enabled: true, Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor, Timeout: 5 * time.Millisecond,
			Exporter: rampart.ExporterFunc(func(*event.Event) {})}, "rampart.ExporterFunc", "5ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs logLines
			c.cfg.Logger = logs.logger()
			a, err := rampart.New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			recs := logs.records(t)
			on := find(recs, "INFO", "rampart: on")
			if len(on) != 1 || len(recs) != 1 {
				t.Fatalf("want the startup line alone:\n%s", logs.String())
			}
			l := on[0]
			mode, wafMode := string(a.Mode()), string(a.Config().WAFMode)
			for k, v := range map[string]any{
				"mode": mode, "waf_mode": wafMode, "ruleset": "embedded default", "rules": float64(nRules),
				"exploit_rules": float64(nExploit), "version": rampart.Version, "events": c.events, "budget": c.budget,
			} {
				if l[k] != v {
					t.Errorf("%s = %v, want %v", k, l[k], v)
				}
			}
			if l["rules_version"] == nil || l["rules_version"] == "" {
				t.Errorf("no rules_version: %v", l)
			}
			st := a.Status()
			if st.Events != c.events || st.Rules != nRules || st.Version != rampart.Version {
				t.Errorf("status %+v", st)
			}
		})
	}
	// Warnings for a budget too small to be useful and a ruleset without
	// exploit prevention.
	var logs logLines
	if _, err := rampart.New(rampart.Config{Enabled: true, Rules: rules.RequestRules(), Timeout: time.Microsecond, Logger: logs.logger()}); err != nil {
		t.Fatal(err)
	}
	recs := logs.records(t)
	if len(find(recs, "WARN", "rampart: the time budget 1µs is below")) != 1 || len(find(recs, "WARN", "rampart: exploit prevention is off")) != 1 {
		t.Fatalf("warnings:\n%s", logs.String())
	}
}

// The process-wide agent (Middleware) is run in a child process: a
// configuration error exits it before it serves. The children that must
// block the attack have a generous budget (RAMPART_TIMEOUT=1s), so that a
// loaded machine cannot flip the verdict.
func TestMiddlewareStartup(t *testing.T) {
	if os.Getenv("CONFIG_TEST_CHILD") == "1" {
		h := httpguard.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
		_ = httpguard.Middleware(h) // a second use: no second startup line
		for _, q := range []string{"alice", "<script>alert(1)</script>"} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/?name="+url.QueryEscape(q), nil))
			fmt.Printf("served %d\n", w.Code)
		}
		os.Exit(0)
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, env string
		exit      int
		stdout    string   // the child's responses
		stderr    []string // in its log
		notStderr []string
	}{
		{"mode enforce", "RAMPART_ENABLED=true RAMPART_MODE=enforce", rampart.ExitConfigError, "",
			[]string{`RAMPART_MODE=\"enforce\": want monitor or block`, "refusing to run unprotected", "RAMPART_ENABLED=false"}, []string{"rampart: on"}},
		{"enabled garbage", "RAMPART_ENABLED=maybe RAMPART_MODE=block", rampart.ExitConfigError, "",
			[]string{`RAMPART_ENABLED=\"maybe\"`}, nil},
		{"timeout without unit", "RAMPART_ENABLED=yes RAMPART_TIMEOUT=2", rampart.ExitConfigError, "",
			[]string{`RAMPART_TIMEOUT=\"2\"`}, nil},
		{"bad CIDR", "RAMPART_ENABLED=on RAMPART_TRUSTED_PROXIES=10.0.0.0/40", rampart.ExitConfigError, "",
			[]string{"RAMPART_TRUSTED_PROXIES"}, nil},
		{"strict ruleset", "RAMPART_ENABLED=true RAMPART_RULES=/nonexistent/rules.json RAMPART_RULES_STRICT=true", rampart.ExitConfigError, "",
			[]string{"RAMPART_RULES_STRICT", "no such file"}, nil},
		{"on, block", "RAMPART_ENABLED=yes RAMPART_MODE=block RAMPART_TIMEOUT=1s", 0, "served 200\nserved 403\n",
			[]string{"INFO rampart: on mode=block waf_mode=block ruleset=\"embedded default\""}, []string{"ERROR", "WARN"}},
		{"missing ruleset: fallback", "RAMPART_ENABLED=true RAMPART_MODE=block RAMPART_RULES=/nonexistent/rules.json RAMPART_TIMEOUT=1s", 0, "served 200\nserved 403\n",
			[]string{"ERROR rampart: the configured ruleset cannot be used", `ruleset="file /nonexistent/rules.json"`, "fallback"}, nil},
		{"off explicitly, other errors ignored", "RAMPART_ENABLED=false RAMPART_MODE=enforce", 0, "served 200\nserved 200\n",
			[]string{"rampart: off (RAMPART_ENABLED is false)", "RAMPART_MODE"}, []string{"ERROR", "rampart: on"}},
		{"not enabled, but configured", "RAMPART_MODE=block", 0, "served 200\nserved 200\n",
			[]string{"WARN rampart: off: RAMPART_ENABLED is not set, though RAMPART_MODE is"}, []string{"rampart: on"}},
		{"misspelled switch", "RAMPART_ENABLD=true", 0, "served 200\nserved 200\n",
			[]string{"RAMPART_ENABLD is not a rampart variable (ignored): did you mean RAMPART_ENABLED?"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run=^TestMiddlewareStartup$")
			env := []string{"CONFIG_TEST_CHILD=1"}
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "RAMPART_") {
					env = append(env, kv)
				}
			}
			cmd.Env = append(env, strings.Fields(c.env)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.exit || stdout.String() != c.stdout {
				t.Fatalf("exit %d, stdout %q; want %d, %q\nstderr:\n%s", code, stdout.String(), c.exit, c.stdout, stderr.String())
			}
			log := stderr.String()
			for _, s := range c.stderr {
				if !strings.Contains(log, s) {
					t.Errorf("stderr lacks %q:\n%s", s, log)
				}
			}
			for _, s := range c.notStderr {
				if strings.Contains(log, s) {
					t.Errorf("stderr has %q:\n%s", s, log)
				}
			}
			if n := strings.Count(log, "rampart: on "); n > 1 {
				t.Errorf("%d startup lines:\n%s", n, log)
			}
		})
	}
}
