package waf

import (
	"testing"

	"github.com/rampartsec/rampart/waf/operator"
)

// cacheRules has no exclusions (the value cache is on), a block list, a
// regex and a rule of two conditions.
const cacheRules = `{
 "version": "2.2", "metadata": {"rules_version": "c1"},
 "rules": [
  {"id": "r-ip", "name": "blocked ip", "tags": {"type": "block_ip", "category": "security_response"},
   "conditions": [{"operator": "ip_match", "parameters": {"inputs": [{"address": "http.client_ip"}], "data": "blocked_ips"}}],
   "on_match": ["block"]},
  {"id": "r-sqli", "name": "union select", "tags": {"type": "sql_injection", "category": "sqli"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "union\\s+select"}}],
   "transformers": ["lowercase"]},
  {"id": "r-two", "name": "foo header and bar query", "tags": {"type": "probe", "category": "probe"},
   "conditions": [
    {"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.headers.no_cookies"}], "regex": "foo"}},
    {"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "bar"}}]}
 ],
 "rules_data": [{"id": "blocked_ips", "type": "ip_with_expiration", "data": [{"value": "198.51.100.0/24", "expiration": 0}]}]
}`

// runHits runs one request and returns its result and how many values
// the cache skipped.
func runHits(e *Engine, addrs ...Address) (Result, int) {
	c := e.NewContext()
	defer c.Close()
	res := c.Run(addrs)
	return res, c.cacheHits
}

func TestValueCache(t *testing.T) {
	e := mustEngine(t, cacheRules)
	if e.cache == nil {
		t.Fatal("cache off for a ruleset without exclusions")
	}
	q := Address{Name: AddrQuery, Value: query("q", "hello world")}
	if res, hits := runHits(e, q); len(res.Matches) != 0 || hits != 0 {
		t.Fatalf("first clean value: %+v, %d hits", res.Matches, hits)
	}
	if res, hits := runHits(e, q); len(res.Matches) != 0 || hits == 0 {
		t.Fatalf("second time: %+v, %d hits, want the value skipped", res.Matches, hits)
	}
	// An attack is never cached clean, the first time or the next.
	atk := Address{Name: AddrQuery, Value: query("q", "1 UNION SELECT 2")}
	for range 2 {
		if res, _ := runHits(e, atk); len(res.Matches) != 1 {
			t.Fatalf("attack: %+v", res.Matches)
		}
	}
	// A clean address becomes a blocked one when the block list changes.
	ip := Address{Name: AddrClientIP, Value: String("203.0.113.9")}
	for range 2 {
		if res, _ := runHits(e, ip); len(res.Matches) != 0 {
			t.Fatalf("ip not listed matched: %+v", res.Matches)
		}
	}
	if err := e.UpdateData("blocked_ips", []operator.DataEntry{{Value: "203.0.113.9"}}); err != nil {
		t.Fatal(err)
	}
	if res, _ := runHits(e, ip); len(res.Matches) != 1 || res.Block == nil {
		t.Fatalf("ip listed after the update: %+v", res)
	}
	// A value evaluated once a condition of a rule has matched is not
	// known clean for that rule: the second "foo" header, seen after the
	// first matched r-two's first condition, must still count next time.
	hdrs := Map([]Field{{Key: "x-a", Value: Strings("foo")}, {Key: "x-b", Value: Strings("foo2")}})
	bar := Address{Name: AddrQuery, Value: query("p", "bar")}
	if res, _ := runHits(e, Address{Name: AddrHeaders, Value: hdrs}, bar); len(res.Matches) != 1 || res.Matches[0].RuleID != "r-two" {
		t.Fatalf("two conditions: %+v", res.Matches)
	}
	only := Map([]Field{{Key: "x-b", Value: Strings("foo2")}})
	if res, _ := runHits(e, Address{Name: AddrHeaders, Value: only}, bar); len(res.Matches) != 1 || res.Matches[0].RuleID != "r-two" {
		t.Fatalf("the header seen after a partial match was skipped: %+v", res.Matches)
	}
	// A partial match leaves the views the matched condition does not
	// read cached: the query value, read by r-sqli and r-two's second
	// condition only, after r-two's first condition matched in the
	// headers, is remembered clean and skipped the next time.
	foo := Address{Name: AddrHeaders, Value: Map([]Field{{Key: "x-a", Value: Strings("foo")}})}
	qv := Address{Name: AddrQuery, Value: query("q", "an ordinary query value")}
	for i := range 2 {
		c := e.NewContext()
		c.Run([]Address{foo})
		before := c.cacheHits
		res := c.Run([]Address{qv})
		if len(res.Matches) != 0 {
			t.Fatalf("ordinary query: %+v", res.Matches)
		}
		if hits := c.cacheHits - before; i == 1 && hits == 0 {
			t.Error("a query value after a partial match in the headers was not remembered clean")
		}
		c.Close()
	}
	// Off when asked, or when the ruleset has exclusions.
	rs, _, err := ParseRuleset([]byte(cacheRules))
	if err != nil {
		t.Fatal(err)
	}
	if off, err := New(rs, Options{ValueCache: -1}); err != nil || off.cache != nil {
		t.Fatalf("ValueCache -1: cache %v, %v", off.cache != nil, err)
	}
	if x := mustEngine(t, testRules); x.cache != nil {
		t.Fatal("cache on for a ruleset with exclusions")
	}
}

// TestFingerprint checks that the cache key separates what must be kept
// apart: views, kinds, the exclusion pass, the rules-data generation and
// the bytes.
func TestFingerprint(t *testing.T) {
	e := mustEngine(t, cacheRules)
	v1, v2 := &view{idx: 1}, &view{idx: 2}
	base := e.fingerprint(v1, operator.String, false, "abc")
	if base == 0 || e.fingerprint(v1, operator.String, false, "abc") != base {
		t.Fatal("fingerprint is zero or not stable")
	}
	for name, fp := range map[string]uint64{
		"view":  e.fingerprint(v2, operator.String, false, "abc"),
		"kind":  e.fingerprint(v1, operator.Key, false, "abc"),
		"pass":  e.fingerprint(v1, operator.String, true, "abc"),
		"bytes": e.fingerprint(v1, operator.String, false, "abd"),
		"empty": e.fingerprint(v1, operator.String, false, ""),
	} {
		if fp == base {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	e.cacheGen.Add(1)
	if e.fingerprint(v1, operator.String, false, "abc") == base {
		t.Error("generation: same fingerprint")
	}
}
