package waf

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

const sinkRules = `{
 "version": "2.2", "metadata": {"rules_version": "s1"},
 "rules": [
  {"id": "sqli", "name": "sqli exploit", "tags": {"type": "sql_injection", "category": "exploit"},
   "conditions": [{"operator": "sqli_detector@v2", "parameters": {
     "resource": [{"address": "server.db.statement"}],
     "params": [{"address": "server.request.query"}, {"address": "server.request.headers.no_cookies", "key_path": ["user-agent"]}],
     "db_type": [{"address": "server.db.system"}]}}],
   "on_match": ["block", "stack_trace"]},
  {"id": "url-meta", "name": "metadata url", "tags": {"type": "ssrf", "category": "exploit"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.io.net.url"}], "regex": "169\\.254\\.169\\.254"}}],
   "on_match": []}
 ],
 "exclusions": [
  {"id": "monitor-admin", "rules_target": [{"rule_id": "sqli"}], "on_match": "monitor",
   "conditions": [{"operator": "exact_match", "parameters": {"inputs": [{"address": "server.request.uri.raw"}], "list": ["/admin"]}}]}
 ]
}`

func sqlAddrs(stmt string) []Address {
	return []Address{{Name: AddrDBStatement, Value: String(stmt)}, {Name: AddrDBSystem, Value: String("postgresql")}}
}

func TestRunSink(t *testing.T) {
	e := mustEngine(t, sinkRules)
	if e.SinkRuleCount() != 2 || e.RuleCount() != 0 {
		t.Fatalf("sink rules %d, request rules %d", e.SinkRuleCount(), e.RuleCount())
	}
	c := e.NewContext()
	defer c.Close()
	res := c.Run([]Address{{Name: AddrURIRaw, Value: String("/users")}, {Name: AddrQuery, Value: query("name", "x' OR 1=1 --")}})
	if len(res.Matches) != 0 || res.Block != nil {
		t.Fatalf("request phase matched sink rules: %+v", res.Matches)
	}
	// A benign statement first: the input is not in it.
	if res := c.RunSink(sqlAddrs("SELECT 1")); len(res.Matches) != 0 {
		t.Fatalf("benign statement matched: %+v", res.Matches)
	}
	stmt := "SELECT * FROM users WHERE name = 'x' OR 1=1 --'"
	for call := 0; call < 2; call++ { // sink rules match at every call
		res := c.RunSink(sqlAddrs(stmt))
		if len(res.Matches) != 1 || res.Block == nil || !res.StackTrace {
			t.Fatalf("call %d: %+v", call, res)
		}
		ex := res.Matches[0].Exploit
		if ex.Detector != "sqli" || ex.Sink != "sql" || ex.System != "postgresql" || ex.Input != "x' OR 1=1 --" ||
			ex.InputAddress != AddrQuery || strings.Join(ex.InputKeyPath, "/") != "name/0" ||
			stmt[ex.Start:ex.End] != ex.Input || ex.Reason == "" {
			t.Fatalf("exploit %+v", ex)
		}
	}
	if c.Blocked() == nil {
		t.Error("a blocking sink match does not block the request")
	}
	// Sink addresses are ephemeral: a later request-phase run does not see them.
	if res := c.Run([]Address{{Name: AddrStatus, Value: String("200")}}); len(res.Matches) != 0 {
		t.Errorf("sink address persisted: %+v", res.Matches)
	}
	// A plain operator over a sink address.
	if res := c.RunSink([]Address{{Name: AddrNetURL, Value: String("http://169.254.169.254/latest")}}); len(res.Matches) != 1 || res.Matches[0].RuleID != "url-meta" {
		t.Errorf("url rule: %+v", res.Matches)
	}
}

func TestRunSinkInputsRefresh(t *testing.T) {
	e := mustEngine(t, sinkRules)
	c := e.NewContext()
	defer c.Close()
	stmt := "SELECT * FROM t WHERE ua = 'a' UNION SELECT password FROM users --'"
	if res := c.RunSink(sqlAddrs(stmt)); len(res.Matches) != 0 {
		t.Fatalf("matched before any request input: %+v", res.Matches)
	}
	// Headers arrive after a first sink call: the detector sees them.
	c.Run([]Address{{Name: AddrHeaders, Value: Map([]Field{{Key: "user-agent", Value: Strings("a' UNION SELECT password FROM users --")}})}})
	res := c.RunSink(sqlAddrs(stmt))
	if len(res.Matches) != 1 || res.Matches[0].Exploit.InputAddress != AddrHeaders {
		t.Fatalf("header input not seen: %+v", res.Matches)
	}
	// A pooled context forgets the previous request's inputs.
	c.Close()
	c = e.NewContext()
	if res := c.RunSink(sqlAddrs(stmt)); len(res.Matches) != 0 {
		t.Fatalf("previous request's inputs leaked: %+v", res.Matches)
	}
}

func TestRunSinkMonitorExclusion(t *testing.T) {
	e := mustEngine(t, sinkRules)
	c := e.NewContext()
	defer c.Close()
	c.Run([]Address{{Name: AddrURIRaw, Value: String("/admin")}, {Name: AddrQuery, Value: query("name", "x' OR 1=1 --")}})
	res := c.RunSink(sqlAddrs("SELECT * FROM users WHERE name = 'x' OR 1=1 --'"))
	if len(res.Matches) != 1 || res.Matches[0].Blocking || res.Block != nil {
		t.Fatalf("monitor exclusion not applied: %+v", res)
	}
}

func TestRunSinkRedactsSensitiveInput(t *testing.T) {
	e := mustEngine(t, sinkRules)
	c := e.NewContext()
	defer c.Close()
	c.Run([]Address{{Name: AddrQuery, Value: query("password", "x' OR 1=1 --")}})
	res := c.RunSink(sqlAddrs("SELECT * FROM users WHERE pw = 'x' OR 1=1 --'"))
	if len(res.Matches) != 1 {
		t.Fatalf("%+v", res)
	}
	ex := res.Matches[0].Exploit
	if strings.Contains(ex.Resource, "OR 1=1") || strings.Contains(ex.Input, "OR") || ex.Resource[ex.Start:ex.End] != ex.Input {
		t.Errorf("sensitive input not redacted: %+v", ex)
	}
}

// TestDatadogRASPRules runs the exploit-prevention rules of Datadog's
// recommended ruleset through RunSink.
func TestDatadogRASPRules(t *testing.T) {
	e := mustEngine(t, string(corpus.Data(t, corpus.DatadogRuleset)))
	if n := e.SinkRuleCount(); n != 5 {
		t.Fatalf("sink rules %d, want 5", n)
	}
	c := e.NewContext()
	defer c.Close()
	c.Run([]Address{{Name: AddrQuery, Value: query("file", "../../../etc/passwd", "host", "x.example; id", "url", "http://169.254.169.254/latest/meta-data")}})
	for _, s := range []struct {
		rule  string
		addrs []Address
	}{
		{"rasp-930-100", []Address{{Name: AddrFSFile, Value: String("/srv/www/../../../etc/passwd")}}},
		{"rasp-932-100", []Address{{Name: AddrShellCmd, Value: String("ping -c 1 x.example; id")}}},
		{"rasp-934-100", []Address{{Name: AddrNetURL, Value: String("http://169.254.169.254/latest/meta-data")}}},
	} {
		res := c.RunSink(s.addrs)
		if len(res.Matches) != 1 || res.Matches[0].RuleID != s.rule || !res.StackTrace || res.Block != nil {
			t.Errorf("%s: %+v", s.rule, res)
		}
	}
}

func BenchmarkRunSink(b *testing.B) {
	e, err := New(mustRuleset(b, sinkRules), Options{Timeout: -1})
	if err != nil {
		b.Fatal(err)
	}
	stmt := "SELECT id, name, email FROM users WHERE name = 'alice' AND created_at > now() - interval '7 days' ORDER BY id LIMIT 50"
	b.Run("no-input-in-statement", func(b *testing.B) {
		c := e.NewContext()
		defer c.Close()
		c.Run([]Address{{Name: AddrQuery, Value: query("page", "2", "sort", "created_at-desc", "q", "quarterly report")}})
		addrs := sqlAddrs(stmt)
		b.ReportAllocs()
		for b.Loop() {
			c.RunSink(addrs)
		}
	})
	b.Run("input-in-statement", func(b *testing.B) {
		c := e.NewContext()
		defer c.Close()
		c.Run([]Address{{Name: AddrQuery, Value: query("name", "alice")}})
		addrs := sqlAddrs(stmt)
		b.ReportAllocs()
		for b.Loop() {
			c.RunSink(addrs)
		}
	})
}

func mustRuleset(tb testing.TB, js string) *Ruleset {
	rs, _, err := ParseRuleset([]byte(js))
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}
