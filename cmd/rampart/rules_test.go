package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/corpus"
)

// typoRuleset reads misspelled addresses from operator inputs, detector
// parameters and an exclusion, a libddwaf address with a typo, a custom
// address and an address only a processor computes.
const typoRuleset = `{"version": "2.2", "rules": [
 {"id": "t1", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "server.request.querry"}, {"address": "server.request.header.no_cookies", "key_path": ["x"]}], "regex": "a"}}]},
 {"id": "t2", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "grpc.server.request.mesage"}, {"address": "my.custom.thing"}, {"address": "grpc.server.response.message"}, {"address": "graphql.server.resolver"}], "regex": "a"}}]},
 {"id": "t3", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "sqli_detector", "parameters": {"resource": [{"address": "server.db.statment"}], "params": [{"address": "server.request.query"}], "db_type": [{"address": "server.db.system"}]}}]},
 {"id": "t4", "name": "n", "tags": {"type": "t"}, "conditions": [{"operator": "exists", "parameters": {"inputs": [{"address": "_dd.appsec.fp.session"}]}}]}
],
"exclusions": [{"id": "x1", "inputs": [{"address": "server.request.qeury"}]}],
"processors": [{"id": "session-fp", "generator": "session_fingerprint", "parameters": {"mappings": [{"cookies": [{"address": "server.request.cookies"}], "output": "_dd.appsec.fp.session"}]}}]}`

func lint(t *testing.T, js string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "rules.json")
	if err := os.WriteFile(f, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rulesCmd([]string{"lint", f}, &out); err != nil {
		t.Fatalf("lint: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestRulesLintAddressTypos(t *testing.T) {
	out := lint(t, typoRuleset)
	for _, want := range []string{
		`warning: rule t1: conditions[0].parameters.inputs[0].address: "server.request.querry" is an address nobody sends: did you mean server.request.query?`,
		`warning: rule t1: conditions[0].parameters.inputs[1].address: "server.request.header.no_cookies" is an address nobody sends: did you mean server.request.headers.no_cookies?`,
		`"grpc.server.request.mesage" is an address nobody sends: did you mean grpc.server.request.message?`,
		`warning: rule t2: conditions[0].parameters.inputs[1].address: "my.custom.thing" is an address neither rampart nor libddwaf sets`,
		`warning: rule t3: conditions[0].parameters.resource[0].address: "server.db.statment" is an address nobody sends: did you mean server.db.statement?`,
		`warning: exclusion x1: inputs[0].address: "server.request.qeury" is an address nobody sends: did you mean server.request.query?`,
		`note: grpc.server.response.message is a libddwaf address that rampart does not send (yet)`,
		`note: _dd.appsec.fp.session is computed by processor session-fp, which rampart does not run`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
	// Addresses that rampart sends are not reported.
	for _, quiet := range []string{`"server.request.query"`, `"server.db.system"`, "server.request.cookies", "graphql.server.resolver"} {
		if strings.Contains(out, quiet) {
			t.Errorf("lint reports %s:\n%s", quiet, out)
		}
	}
	if n := strings.Count(out, "warning: rule") + strings.Count(out, "warning: exclusion"); n != 6 {
		t.Errorf("%d address warnings, want 6:\n%s", n, out)
	}
}

// TestRulesLintDatadog lints Datadog's recommended ruleset: every address
// it reads is one rampart sends or one libddwaf knows, so it gets notes
// (file writes, processors), never a typo warning; the gRPC and GraphQL
// request addresses, which contrib/grpc and contrib/gqlgen send, get none.
func TestRulesLintDatadog(t *testing.T) {
	out := lint(t, string(corpus.Data(t, corpus.DatadogRuleset)))
	if strings.Contains(out, "nobody sends") || strings.Contains(out, "neither rampart nor libddwaf") {
		t.Errorf("typo warnings on Datadog's ruleset:\n%s", out)
	}
	if !strings.Contains(out, ": ok, 203 rules") {
		t.Errorf("lint output lacks the rule count:\n%s", out)
	}
	for _, sent := range []string{"note: grpc.server.request.message ", "note: graphql.server.all_resolvers "} {
		if strings.Contains(out, sent) {
			t.Errorf("lint notes an address rampart sends (%q):\n%s", sent, out)
		}
	}
	// The embedded ruleset reads only addresses rampart sends.
	var def bytes.Buffer
	if err := rulesCmd([]string{"lint"}, &def); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(def.String(), "note:") || strings.Contains(def.String(), "address") {
		t.Errorf("default ruleset:\n%s", def.String())
	}
}

func TestClosestAddress(t *testing.T) {
	cands := []string{"server.request.query", "server.request.body", "usr.id"}
	for addr, want := range map[string]string{
		"server.request.querry": "server.request.query", "server.request.bdoy": "server.request.body",
		"usr.idd": "usr.id", "server.request.headers": "", "usr.login": "", "x": "",
	} {
		if got := closestAddress(addr, cands); got != want {
			t.Errorf("closestAddress(%q) = %q, want %q", addr, got, want)
		}
	}
}
