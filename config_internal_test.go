package rampart

import (
	"encoding/json"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/rules"
)

// FuzzSalvage: whatever the ruleset, salvage either compiles what is valid
// of it, reporting each item it left out, or refuses it (New then falls
// back to the embedded ruleset); it never compiles more rules than the
// document has.
func FuzzSalvage(f *testing.F) {
	f.Add(rules.ExploitRules())
	f.Add([]byte(`{"version": "2.2", "rules": [{"id": "a", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "("}}]},
		{"id": "b", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "phrase_match", "parameters": {"inputs": [{"address": "server.request.query"}], "list": ["x"]}}], "on_match": ["nope"]},
		{"id": "c", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.query"}], "regex": "x"}}]}]}`))
	f.Add([]byte(`{"version": "2.2", "actions": [{"id": "x", "type": "y"}], "rules": [], "exclusions": [{"id": ""}]}`))
	f.Add([]byte(`{"version": "2.2", "rules": [{}, {"id": 1}, null], "custom_rules": [{"id": "a"}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 32<<10 {
			return
		}
		eng, _, dropped, err := salvage(src, waf.Options{})
		for _, p := range dropped {
			if p == nil || p.Msg == "" {
				t.Fatalf("dropped %v", dropped)
			}
		}
		if err != nil {
			if eng != nil {
				t.Fatal("an engine with an error")
			}
			return
		}
		var top struct {
			Rules, CustomRules []json.RawMessage
		}
		_ = json.Unmarshal(src, &top)
		if n := eng.RuleCount() + eng.SinkRuleCount(); n > len(top.Rules)+len(top.CustomRules) {
			t.Fatalf("%d rules compiled from %d", n, len(top.Rules)+len(top.CustomRules))
		}
	})
}
