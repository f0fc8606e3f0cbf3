package waf

import (
	"strings"
	"testing"
)

// A block action's grpc_status_code is the code a gRPC server answers a
// blocked call with: PermissionDenied (7) for the built-in block action,
// the action's own when it names one; a code outside 1–16 is refused.
func TestActionGRPCStatusCode(t *testing.T) {
	rules := func(actions string) string {
		return `{"version": "2.2", "rules": [
 {"id": "r1", "name": "n", "tags": {"type": "t", "category": "sqli"}, "on_match": ["block"],
  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "grpc.server.request.message"}], "regex": "union select"}}]},
 {"id": "r2", "name": "n", "tags": {"type": "t", "category": "sqli"}, "on_match": ["deny"],
  "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "graphql.server.all_resolvers"}], "regex": "union select"}}]}
], "actions": [` + actions + `]}`
	}
	e := mustEngine(t, rules(`{"id": "deny", "type": "block_request", "parameters": {"status_code": 451, "grpc_status_code": 16}}`))
	msg := Map([]Field{{Key: "q", Value: String("1 union select pw")}})
	if res := run(e, Address{Name: AddrGRPCMessage, Value: msg}); res.Block == nil || res.Block.GRPCStatusCode != 7 || res.Block.StatusCode != 403 {
		t.Errorf("built-in block: %+v", res.Block)
	}
	args := Map([]Field{{Key: "search", Value: List([]Field{{Value: msg}})}})
	if res := run(e, Address{Name: AddrGraphQLAllResolvers, Value: args}); res.Block == nil || res.Block.GRPCStatusCode != 16 || res.Block.StatusCode != 451 {
		t.Errorf("custom block: %+v", res.Block)
	}
	for _, bad := range []string{`0`, `17`, `"x"`, `7.5`} {
		_, _, err := ParseRuleset([]byte(rules(`{"id": "deny", "type": "block_request", "parameters": {"grpc_status_code": ` + bad + `}}`)))
		if err == nil || !strings.Contains(err.Error(), "grpc_status_code") {
			t.Errorf("grpc_status_code %s: %v", bad, err)
		}
	}
}
