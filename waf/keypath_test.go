package waf

import (
	"strings"
	"testing"
)

// keyPathRules select list elements by index, from the front and from the
// back (negative indices, as libddwaf's key paths allow), in request rules
// and in a sink rule.
const keyPathRules = `{
 "version": "2.2",
 "rules": [
  {"id": "last", "name": "last id", "tags": {"type": "t", "category": "c"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query", "key_path": ["id", -1]}], "regex": "^evil$"}}]},
  {"id": "second-last", "name": "second last id", "tags": {"type": "t", "category": "c"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query", "key_path": ["id", -2]}], "regex": "^evil$"}}]},
  {"id": "first", "name": "first id", "tags": {"type": "t", "category": "c"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query", "key_path": ["id", 0]}], "regex": "^evil$"}}]},
  {"id": "nested", "name": "nested", "tags": {"type": "t", "category": "c"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.body", "key_path": ["items", -1, "name"]}], "regex": "^evil$"}}]},
  {"id": "last-arg", "name": "last exec argument", "tags": {"type": "t", "category": "exploit"},
   "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.sys.exec.cmd", "key_path": [-1]}], "regex": "^/etc/shadow$"}}]}
 ]
}`

func matchedIDs(res Result) string {
	var ids []string
	for _, m := range res.Matches {
		ids = append(ids, m.RuleID+"@"+strings.Join(m.KeyPath, "."))
	}
	return strings.Join(ids, " ")
}

func TestKeyPathNegativeIndex(t *testing.T) {
	e := mustEngine(t, keyPathRules)
	for _, tc := range []struct {
		name string
		ids  []string
		want string
	}{
		{"last", []string{"1", "2", "evil"}, "last@id.-1"},
		{"secondLast", []string{"1", "evil", "3"}, "second-last@id.-2"},
		{"first", []string{"evil", "2", "3"}, "first@id.0"},
		{"onlyOneIsAllThree", []string{"evil"}, "last@id.-1 first@id.0"},
		{"pastTheStart", []string{"x"}, ""},
		{"empty", nil, ""},
		{"notSelected", []string{"1", "evil", "3", "4"}, ""},
		// Past the element count a walk reads: an index costs one step.
		{"longList", append(make([]string, 2*MaxElements), "evil"), "last@id.-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := Map([]Field{{Key: "id", Value: Strings(tc.ids...)}})
			res := run(e, Address{Name: AddrQuery, Value: q})
			got := matchedIDs(res) // in any order
			if !sameWords(got, tc.want) {
				t.Errorf("ids %q: matched %q, want %q", tc.ids, got, tc.want)
			}
		})
	}
	// Inside a nested path: the last item's name.
	items := List([]Field{
		{Value: Map([]Field{{Key: "name", Value: String("evil")}})},
		{Value: Map([]Field{{Key: "name", Value: String("ok")}})},
	})
	body := Map([]Field{{Key: "items", Value: items}})
	if got := matchedIDs(run(e, Address{Name: AddrBody, Value: body})); got != "" {
		t.Errorf("the first item matched a -1 path: %q", got)
	}
	items = List([]Field{
		{Value: Map([]Field{{Key: "name", Value: String("ok")}})},
		{Value: Map([]Field{{Key: "name", Value: String("evil")}})},
	})
	body = Map([]Field{{Key: "items", Value: items}})
	if got := matchedIDs(run(e, Address{Name: AddrBody, Value: body})); got != "nested@items.-1.name" {
		t.Errorf("nested: %q", got)
	}
}

func TestKeyPathNegativeIndexSink(t *testing.T) {
	e := mustEngine(t, keyPathRules)
	c := e.NewContext()
	defer c.Close()
	c.Run([]Address{{Name: AddrQuery, Value: query("f", "/etc/shadow")}})
	for _, tc := range []struct {
		argv  []string
		match bool
	}{
		{[]string{"cat", "/etc/shadow"}, true},
		{[]string{"cat", "/etc/shadow", "x"}, false},
		{[]string{"/etc/shadow"}, true},
		{nil, false},
	} {
		res := c.RunSink([]Address{{Name: AddrExecCmd, Value: Strings(tc.argv...)}})
		if got := len(res.Matches) == 1 && res.Matches[0].RuleID == "last-arg"; got != tc.match {
			t.Errorf("argv %q: %+v, want a match %v", tc.argv, res.Matches, tc.match)
		}
	}
}

func TestKeyPathIndexMustBeInteger(t *testing.T) {
	_, _, err := ParseRuleset([]byte(strings.Replace(keyPathRules, `["id", -1]`, `["id", -1.5]`, 1)))
	if err == nil || !strings.Contains(err.Error(), "integer indexes") {
		t.Fatalf("a fractional index: %v", err)
	}
}

func TestListIndex(t *testing.T) {
	for _, tc := range []struct {
		key  string
		n    int
		want int
		ok   bool
	}{
		{"0", 3, 0, true}, {"2", 3, 2, true}, {"3", 3, 0, false},
		{"-1", 3, 2, true}, {"-3", 3, 0, true}, {"-4", 3, 0, false},
		{"-1", 0, 0, false}, {"x", 3, 0, false}, {"", 3, 0, false},
	} {
		got, ok := listIndex(tc.key, tc.n)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("listIndex(%q, %d) = %d, %v; want %d, %v", tc.key, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func sameWords(a, b string) bool {
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa) != len(wb) {
		return false
	}
	seen := map[string]int{}
	for _, w := range wa {
		seen[w]++
	}
	for _, w := range wb {
		if seen[w]--; seen[w] < 0 {
			return false
		}
	}
	return true
}

// TestDetectorKeyPathIndex: a detector's params may name list elements by
// index, negative ones from the end, as request rules do.
func TestDetectorKeyPathIndex(t *testing.T) {
	rules := `{"version":"2.2","rules":[{"id":"sqli-last","name":"n","tags":{"type":"sql_injection","category":"exploit"},
	 "conditions":[{"operator":"sqli_detector","parameters":{"resource":[{"address":"server.db.statement"}],
	   "params":[{"address":"server.request.query","key_path":["q",-1]}],"db_type":[{"address":"server.db.system"}]}}]}]}`
	e := mustEngine(t, rules)
	for _, tc := range []struct {
		values []string
		match  bool
	}{
		{[]string{"a", "x' OR '1'='1"}, true},
		{[]string{"x' OR '1'='1", "a"}, false},
	} {
		c := e.NewContext()
		fs := []Field{}
		for _, v := range tc.values {
			fs = append(fs, Field{Value: String(v)})
		}
		c.Run([]Address{{Name: AddrQuery, Value: Map([]Field{{Key: "q", Value: List(fs)}})}})
		res := c.RunSink([]Address{{Name: AddrDBStatement, Value: String("SELECT 1 FROM t WHERE a = 'x' OR '1'='1'")}, {Name: AddrDBSystem, Value: String("sqlite")}})
		if got := len(res.Matches) == 1; got != tc.match {
			t.Errorf("%q: %+v, want a match %v", tc.values, res.Matches, tc.match)
		}
		c.Close()
	}
	bad := strings.Replace(rules, `["q",-1]`, `["q",1.5]`, 1)
	if _, err := New(mustRuleset(t, bad), Options{}); err == nil {
		t.Error("a fractional index was accepted")
	}
}
