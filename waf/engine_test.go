package waf

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/corpus"
	"github.com/rampartsec/rampart/waf/operator"
)

func mustEngine(t *testing.T, js string) *Engine {
	t.Helper()
	rs, _, err := ParseRuleset([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func run(e *Engine, addrs ...Address) Result {
	c := e.NewContext()
	defer c.Close()
	return c.Run(addrs)
}

func query(kv ...string) Value {
	var f []Field
	for i := 0; i+1 < len(kv); i += 2 {
		f = append(f, Field{Key: kv[i], Value: Strings(kv[i+1])})
	}
	return Map(f)
}

const testRules = `{
 "version": "2.2", "metadata": {"rules_version": "t1"},
 "rules": [
  {"id": "r-sqli", "name": "union select", "tags": {"type": "sql_injection", "category": "sqli"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}, {"address": "server.request.body"}], "regex": "union\\s+select"}}],
   "transformers": ["url_decode", "lowercase"], "on_match": ["block"]},
  {"id": "r-ua", "name": "scanner", "tags": {"type": "security_scanner", "category": "scanner"},
   "conditions": [{"operator": "phrase_match", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["user-agent"]}], "list": ["sqlmap", "nikto"]}}],
   "transformers": ["lowercase"]},
  {"id": "r-two", "name": "two phases", "tags": {"type": "t", "category": "protocol"},
   "conditions": [
     {"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies", "key_path": ["x-mode"]}], "regex": "^debug$"}},
     {"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body"}], "regex": "secret-op"}}
   ], "transformers": []},
  {"id": "r-keys", "name": "mongo operator key", "tags": {"type": "nosql_injection", "category": "nosqli"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body", "transformers": ["keys_only"]}], "regex": "^\\$(?:ne|gt|where)$"}}],
   "transformers": []},
  {"id": "r-status", "name": "status 500", "tags": {"type": "t", "category": "protocol"},
   "conditions": [{"operator": "equals", "parameters": {"inputs": [{"address": "server.response.status"}], "value": "500", "type": "string"}}]},
  {"id": "r-ip", "name": "blocked ip", "tags": {"type": "block_ip", "category": "security_response"},
   "conditions": [{"operator": "ip_match", "parameters": {"inputs": [{"address": "http.client_ip"}], "data": "blocked_ips"}}],
   "on_match": ["block"]},
  {"id": "r-user", "name": "blocked user", "tags": {"type": "block_user", "category": "security_response"},
   "conditions": [{"operator": "exact_match", "parameters": {"inputs": [{"address": "usr.id"}], "data": "blocked_users"}}],
   "on_match": ["teapot"]},
  {"id": "r-pw", "name": "password probe", "tags": {"type": "t", "category": "sqli"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body"}], "regex": "' or '"}}]}
 ],
 "rules_data": [{"id": "blocked_ips", "type": "ip_with_expiration", "data": [{"value": "198.51.100.0/24", "expiration": 0}]}],
 "actions": [{"id": "teapot", "type": "block_request", "parameters": {"status_code": 418, "type": "html"}}],
 "exclusions": [
  {"id": "ex-admin", "rules_target": [{"rule_id": "r-sqli"}], "inputs": [{"address": "server.request.query", "key_path": ["sql"]}]}
 ],
 "processors": []
}`

func TestMatchReportsRuleAndPath(t *testing.T) {
	e := mustEngine(t, testRules)
	res := run(e, Address{Name: AddrQuery, Value: query("q", "1%20UNION%20%20SELECT%20pw")})
	if len(res.Matches) != 1 {
		t.Fatalf("matches = %+v", res.Matches)
	}
	m := res.Matches[0]
	if m.RuleID != "r-sqli" || m.Category != "sqli" || m.Address != AddrQuery || strings.Join(m.KeyPath, ".") != "q.0" {
		t.Errorf("match = %+v", m)
	}
	if m.Highlight() != "union  select" || m.Value != "1 union  select pw" {
		t.Errorf("value %q highlight %q", m.Value, m.Highlight())
	}
	if res.Block == nil || res.Block.StatusCode != 403 || res.Block.RuleID != "r-sqli" {
		t.Errorf("block = %+v", res.Block)
	}
}

func TestIncrementalPhasesAndOncePerRequest(t *testing.T) {
	e := mustEngine(t, testRules)
	c := e.NewContext()
	defer c.Close()
	hdr := Map([]Field{{Key: "x-mode", Value: Strings("debug")}})
	if res := c.Run([]Address{{Name: AddrHeaders, Value: hdr}}); len(res.Matches) != 0 {
		t.Fatalf("headers alone matched: %+v", res.Matches)
	}
	res := c.Run([]Address{{Name: AddrBody, Value: String("run secret-op now")}})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-two" {
		t.Fatalf("body phase = %+v", res.Matches)
	}
	// The same rule never matches twice in one request.
	res = c.Run([]Address{{Name: AddrBody, Value: String("secret-op again")}})
	if len(res.Matches) != 0 {
		t.Fatalf("rule matched twice: %+v", res.Matches)
	}
	// Response phase.
	res = c.Run([]Address{{Name: AddrStatus, Value: String("500")}})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-status" {
		t.Fatalf("response phase = %+v", res.Matches)
	}
}

func TestKeysOnlyAndKeyPath(t *testing.T) {
	e := mustEngine(t, testRules)
	body := Map([]Field{{Key: "user", Value: Map([]Field{{Key: "$ne", Value: String("x")}})}})
	res := run(e, Address{Name: AddrBody, Value: body})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-keys" {
		t.Fatalf("keys_only: %+v", res.Matches)
	}
	// The value "$ne" alone is not a key.
	res = run(e, Address{Name: AddrBody, Value: Map([]Field{{Key: "a", Value: String("$ne")}})})
	if len(res.Matches) != 0 {
		t.Fatalf("value matched a keys_only rule: %+v", res.Matches)
	}
	// key_path: user-agent only.
	hdr := Map([]Field{{Key: "referer", Value: Strings("sqlmap")}, {Key: "user-agent", Value: Strings("Nikto/2.1")}})
	res = run(e, Address{Name: AddrHeaders, Value: hdr})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-ua" || res.Matches[0].KeyPath[0] != "user-agent" {
		t.Fatalf("key_path: %+v", res.Matches)
	}
}

func TestRulesDataUpdateAndExpiry(t *testing.T) {
	e := mustEngine(t, testRules)
	if res := run(e, Address{Name: AddrClientIP, Value: String("198.51.100.7")}); len(res.Matches) != 1 || res.Block == nil {
		t.Fatalf("ip in initial data: %+v", res)
	}
	if res := run(e, Address{Name: AddrClientIP, Value: String("203.0.113.9")}); len(res.Matches) != 0 {
		t.Fatalf("ip not in data matched: %+v", res)
	}
	past := time.Now().Add(-time.Minute).Unix()
	future := time.Now().Add(time.Hour).Unix()
	if err := e.UpdateData("blocked_ips", []operator.DataEntry{{Value: "203.0.113.9", Expiration: future}, {Value: "2001:db8::/32"}, {Value: "192.0.2.1", Expiration: past}}); err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{"203.0.113.9": true, "198.51.100.7": false, "2001:db8::1": true, "192.0.2.1": false, "::ffff:203.0.113.9": true} {
		res := run(e, Address{Name: AddrClientIP, Value: String(ip)})
		if got := len(res.Matches) == 1; got != want {
			t.Errorf("ip %s: matched=%v, want %v", ip, got, want)
		}
	}
	if err := e.UpdateData("blocked_users", []operator.DataEntry{{Value: "u-42"}}); err != nil {
		t.Fatal(err)
	}
	res := run(e, Address{Name: AddrUserID, Value: String("u-42")})
	if res.Block == nil || res.Block.StatusCode != 418 || res.Block.ContentType != "html" {
		t.Fatalf("custom block action: %+v", res.Block)
	}
	if err := e.UpdateData("blocked_ips", []operator.DataEntry{{Value: "not-an-ip"}}); err == nil {
		t.Error("bad IP accepted")
	}
	if err := e.UpdateData("nope", nil); err == nil {
		t.Error("unknown data id accepted")
	}
}

func TestExclusionByInput(t *testing.T) {
	e := mustEngine(t, testRules)
	if res := run(e, Address{Name: AddrQuery, Value: query("sql", "union select 1")}); len(res.Matches) != 0 {
		t.Fatalf("excluded input matched: %+v", res.Matches)
	}
	if res := run(e, Address{Name: AddrQuery, Value: query("q", "union select 1")}); len(res.Matches) != 1 {
		t.Fatalf("other input not matched: %+v", res.Matches)
	}
}

func TestRedaction(t *testing.T) {
	e := mustEngine(t, testRules)
	body := Map([]Field{{Key: "password", Value: String("x' or '1")}})
	res := run(e, Address{Name: AddrBody, Value: body})
	if len(res.Matches) != 1 {
		t.Fatalf("matches %+v", res.Matches)
	}
	if m := res.Matches[0]; strings.Contains(m.Value, "or") || strings.Contains(m.Highlight(), "or") {
		t.Errorf("password value leaked: %+v", m)
	}
}

func TestLimits(t *testing.T) {
	rs, _, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: -1, NoWholeValues: true})
	if err != nil {
		t.Fatal(err)
	}
	// With NoWholeValues, an attack after 4096 bytes of padding is not
	// inspected (libddwaf's limit).
	pad := strings.Repeat("a", MaxStringLength)
	if res := run(e, Address{Name: AddrBody, Value: String(pad + " union select")}); len(res.Matches) != 0 {
		t.Errorf("string beyond the limit was inspected")
	}
	if res := run(mustEngine(t, testRules), Address{Name: AddrBody, Value: String(pad + " union select")}); len(res.Matches) != 1 {
		t.Errorf("whole values: string beyond the limit was not inspected")
	}
	if res := run(e, Address{Name: AddrBody, Value: String(pad[:100] + " union select")}); len(res.Matches) != 1 {
		t.Errorf("string within the limit was not inspected")
	}
	// Depth: a value nested deeper than MaxDepth is not inspected.
	nest := func(depth int) Value {
		v := String("union select")
		for i := 0; i < depth; i++ {
			v = List([]Field{{Value: v}})
		}
		return v
	}
	if res := run(e, Address{Name: AddrBody, Value: nest(MaxDepth - 1)}); len(res.Matches) != 1 {
		t.Errorf("value at depth %d not inspected", MaxDepth-1)
	}
	if res := run(e, Address{Name: AddrBody, Value: nest(MaxDepth + 1)}); len(res.Matches) != 0 {
		t.Errorf("value beyond depth %d inspected", MaxDepth)
	}
	// Elements: only the first MaxElements of a container.
	elems := make([]Field, MaxElements+10)
	for i := range elems {
		elems[i].Value = String("ok")
	}
	elems[MaxElements+5].Value = String("union select")
	if res := run(e, Address{Name: AddrBody, Value: List(elems)}); len(res.Matches) != 0 {
		t.Errorf("element beyond the limit inspected")
	}
	elems[MaxElements-1].Value = String("union select")
	if res := run(e, Address{Name: AddrBody, Value: List(elems)}); len(res.Matches) != 1 {
		t.Errorf("last element within the limit not inspected")
	}
}

func TestTimeBudget(t *testing.T) {
	rs, _, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	elems := make([]Field, 200)
	for i := range elems {
		elems[i].Value = String("union select " + strings.Repeat("x", i))
	}
	c := e.NewContext()
	defer c.Close()
	time.Sleep(time.Millisecond)
	res := c.Run([]Address{{Name: AddrBody, Value: List(elems)}, {Name: AddrQuery, Value: query("a", "union select")}})
	if !res.TimedOut || !c.TimedOut() {
		t.Fatalf("a 1ns budget did not time out: %+v", res)
	}
	if len(res.Matches) != 0 {
		t.Fatalf("rules ran after the budget: %+v", res.Matches)
	}
	// Block lists (rules over rules_data only) are the backend's decisions:
	// they still run once the budget is spent.
	res = c.Run([]Address{{Name: AddrClientIP, Value: String("198.51.100.20")}})
	if len(res.Matches) != 1 || res.Matches[0].RuleID != "r-ip" || res.Block == nil {
		t.Fatalf("blocked IP not enforced after the budget ran out: %+v", res)
	}
}

func TestInvalidRulesetListsEveryProblem(t *testing.T) {
	bad := `{"version": "2.2", "rules": [
	  {"id": "a", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "no_such_op", "parameters": {"inputs": [{"address": "x"}]}}]},
	  {"id": "b", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "x"}], "regex": "(unclosed"}}]},
	  {"id": "c", "name": "n", "tags": {}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "x"}], "regex": "ok"}}], "transformers": ["nope"]},
	  {"id": "a", "name": "dup", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "x"}], "regex": "ok"}}]},
	  {"name": "no id", "tags": {"type": "t"}, "conditions": []},
	  {"id": "d", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [], "regex": "ok"}}], "on_match": ["explode"]}
	], "actions": [{"id": "x", "type": "teleport"}]}`
	_, _, err := ParseRuleset([]byte(bad))
	var rse *RulesetError
	if !errors.As(err, &rse) {
		t.Fatalf("err = %v", err)
	}
	want := []struct{ id, path, msg string }{
		{"a", "conditions[0].operator", "unknown operator"},
		{"b", "conditions[0].parameters", "regex"},
		{"c", "tags.type", "missing"},
		{"c", "transformers[0]", "unknown transformer"},
		{"a", "rules[3].id", "duplicate"},
		{"rules[4]", "id", "missing"},
		{"d", "conditions[0].parameters.inputs", "at least one input"},
		{"d", "on_match[0]", "unknown action"},
		{"x", "actions[0].type", "unknown action type"},
	}
	for _, w := range want {
		found := false
		for _, p := range rse.Problems {
			if p.RuleID == w.id && p.Path == w.path && strings.Contains(p.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing problem %+v in:\n%v", w, err)
		}
	}
	var re *RuleError
	if !errors.As(err, &re) {
		t.Error("errors.As(*RuleError) failed")
	}
}

func TestUnknownSectionsWarn(t *testing.T) {
	_, warnings, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "processors") {
		t.Errorf("warnings = %v", warnings)
	}
}

// TestDatadogRecommendedRuleset loads Datadog's recommended ruleset and
// detects a scanner and a path traversal with it. Without a time budget:
// a detection test, which a loaded machine must not flip.
func TestDatadogRecommendedRuleset(t *testing.T) {
	rs, warnings, err := ParseRuleset(corpus.Data(t, corpus.DatadogRuleset))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(rs, Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rules, %d request rules compiled, %d warnings", len(rs.Rules), e.RuleCount(), len(warnings)+len(e.Warnings()))
	if len(rs.Rules) < 200 {
		t.Errorf("only %d rules loaded", len(rs.Rules))
	}
	hdr := Map([]Field{{Key: "user-agent", Value: Strings("Arachni/v1.5")}})
	res := run(e, Address{Name: AddrHeaders, Value: hdr}, Address{Name: AddrQuery, Value: query("file", "../../../../etc/passwd")})
	cats := map[string]bool{}
	for _, m := range res.Matches {
		cats[m.Category] = true
	}
	if len(res.Matches) < 2 {
		t.Errorf("expected scanner and lfi matches, got %+v", res.Matches)
	}
}

func TestStopAfterBlock(t *testing.T) {
	// Two blocking rules match (the SQL pattern and the blocked IP); by
	// default evaluation stops at the first blocking match, except for the
	// block lists, while AllMatches reports both.
	rs, _, err := ParseRuleset([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	addrs := []Address{{Name: AddrQuery, Value: query("q", "union select 1")}, {Name: AddrBody, Value: String("x' or '1")}, {Name: AddrClientIP, Value: String("198.51.100.1")}}
	for _, all := range []bool{false, true} {
		e, err := New(rs, Options{Timeout: -1, AllMatches: all})
		if err != nil {
			t.Fatal(err)
		}
		res := run(e, addrs...)
		ids := map[string]bool{}
		for _, m := range res.Matches {
			ids[m.RuleID] = true
		}
		if res.Block == nil || !ids["r-ip"] {
			t.Fatalf("all=%v: block lists must always run: %+v", all, res.Matches)
		}
		if all != ids["r-pw"] {
			t.Errorf("all=%v: non-blocking rule after a block matched=%v", all, ids["r-pw"])
		}
	}
}
