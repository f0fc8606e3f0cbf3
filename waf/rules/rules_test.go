package rules_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp/syntax"
	"slices"
	"testing"

	"github.com/rampartsec/rampart/waf"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/literal"
	"github.com/rampartsec/rampart/waf/operator"
	"github.com/rampartsec/rampart/waf/rules"
)

// vector is one request of testdata/vectors.json. In the file it is either
// a string, sent as the query parameter q of GET /search, or an object.
type vector struct {
	Method   string      `json:"method"`
	URI      string      `json:"uri"`
	Headers  [][2]string `json:"headers"`
	Body     string      `json:"body"`
	ClientIP string      `json:"client_ip"`
	UserID   string      `json:"user_id"`
	Login    string      `json:"user_login"`
}

func (v *vector) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = vector{Method: "GET", URI: "/search?q=" + url.QueryEscape(s)}
		return nil
	}
	type plain vector
	return json.Unmarshal(b, (*plain)(v))
}

type ruleVectors struct {
	Attack []vector `json:"attack"`
	Benign []vector `json:"benign"`
}

func loadVectors(t *testing.T) map[string]ruleVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs map[string]ruleVectors
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("vectors.json: %v", err)
	}
	return vs
}

// rawRuleset is the part of the ruleset JSON the structural tests read.
type rawRuleset struct {
	Version  string `json:"version"`
	Metadata struct {
		RulesVersion string `json:"rules_version"`
	} `json:"metadata"`
	Rules []struct {
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		Tags       map[string]string `json:"tags"`
		OnMatch    []string          `json:"on_match"`
		Conditions []struct {
			Operator   string `json:"operator"`
			Parameters struct {
				Inputs []struct {
					Address string   `json:"address"`
					KeyPath []string `json:"key_path"`
				} `json:"inputs"`
				Regex   string `json:"regex"`
				Options struct {
					CaseSensitive bool `json:"case_sensitive"`
				} `json:"options"`
			} `json:"parameters"`
		} `json:"conditions"`
	} `json:"rules"`
}

func loadRaw(t *testing.T) rawRuleset {
	t.Helper()
	var rs rawRuleset
	if err := json.Unmarshal(rules.RequestRules(), &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

func run(t *testing.T, eng *waf.Engine, v vector) []string {
	t.Helper()
	method := v.Method
	if method == "" {
		method = "GET"
	}
	in := &httpinput.Request{Method: method, URI: v.URI, Headers: v.Headers, Body: []byte(v.Body), RemoteAddr: v.ClientIP}
	if in.RemoteAddr == "" {
		in.RemoteAddr = "192.0.2.1"
	}
	addrs, _ := httpinput.Build(in, nil, nil)
	addrs, _ = httpinput.BuildBody(in, nil, addrs)
	if v.UserID != "" {
		addrs = append(addrs, waf.Address{Name: "usr.id", Value: waf.String(v.UserID)})
	}
	if v.Login != "" {
		addrs = append(addrs, waf.Address{Name: "usr.login", Value: waf.String(v.Login)})
	}
	ctx := eng.NewContext()
	defer ctx.Close()
	res := ctx.Run(addrs)
	var ids []string
	for _, m := range res.Matches {
		ids = append(ids, m.RuleID)
	}
	return ids
}

// TestVectors runs every rule's attack and benign vectors through the
// engine: each attack must be flagged by its rule, no benign one may be.
func TestVectors(t *testing.T) {
	eng := newEngineAll(t)
	if err := eng.UpdateData("blocked_ips", []operator.DataEntry{{Value: "198.51.100.77"}}); err != nil {
		t.Fatal(err)
	}
	if err := eng.UpdateData("blocked_users", []operator.DataEntry{{Value: "mallory"}}); err != nil {
		t.Fatal(err)
	}
	vs := loadVectors(t)
	raw := loadRaw(t)
	for _, r := range raw.Rules {
		v, ok := vs[r.ID]
		if !ok || len(v.Attack) == 0 || len(v.Benign) == 0 {
			t.Errorf("rule %s has no attack or no benign vectors", r.ID)
		}
	}
	for id, v := range vs {
		if !slices.ContainsFunc(raw.Rules, func(r struct {
			ID         string            `json:"id"`
			Name       string            `json:"name"`
			Tags       map[string]string `json:"tags"`
			OnMatch    []string          `json:"on_match"`
			Conditions []struct {
				Operator   string `json:"operator"`
				Parameters struct {
					Inputs []struct {
						Address string   `json:"address"`
						KeyPath []string `json:"key_path"`
					} `json:"inputs"`
					Regex   string `json:"regex"`
					Options struct {
						CaseSensitive bool `json:"case_sensitive"`
					} `json:"options"`
				} `json:"parameters"`
			} `json:"conditions"`
		}) bool {
			return r.ID == id
		}) {
			t.Errorf("vectors for unknown rule %s", id)
			continue
		}
		t.Run(id, func(t *testing.T) {
			for i, a := range v.Attack {
				if ids := run(t, eng, a); !slices.Contains(ids, id) {
					t.Errorf("attack %d %+v: not flagged by %s (matched %v)", i, a, id, ids)
				}
			}
			for i, b := range v.Benign {
				if ids := run(t, eng, b); slices.Contains(ids, id) {
					t.Errorf("benign %d %+v: flagged by %s", i, b, id)
				}
			}
		})
	}
}

var categories = []string{"sqli", "xss", "lfi", "rce", "ssrf", "nosqli", "ssti", "jndi", "scanner", "protocol", "security_response"}

// singleValued are addresses with one short value per request, where a
// regular expression without a prefilter literal costs nothing.
var singleValued = []string{"server.request.method", "http.client_ip", "usr.id"}

// TestStructure checks the ruleset's shape: unique ids, known categories,
// a block action on every rule, and a prefilter literal for every regular
// expression over multi-valued addresses (the latency budget depends on it).
func TestStructure(t *testing.T) {
	raw := loadRaw(t)
	if raw.Version != "2.2" || raw.Metadata.RulesVersion == "" {
		t.Errorf("version %q, rules_version %q", raw.Version, raw.Metadata.RulesVersion)
	}
	seen := map[string]bool{}
	for _, r := range raw.Rules {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		seen[r.ID] = true
		if r.Name == "" || r.Tags["type"] == "" {
			t.Errorf("rule %s: missing name or tags.type", r.ID)
		}
		if !slices.Contains(categories, r.Tags["category"]) {
			t.Errorf("rule %s: category %q", r.ID, r.Tags["category"])
		}
		if !slices.Equal(r.OnMatch, []string{"block"}) {
			t.Errorf("rule %s: on_match %v", r.ID, r.OnMatch)
		}
		for _, c := range r.Conditions {
			if c.Operator != "match_regex" {
				continue
			}
			flags := syntax.Perl
			if !c.Parameters.Options.CaseSensitive {
				flags |= syntax.FoldCase
			}
			re, err := syntax.Parse(c.Parameters.Regex, flags)
			if err != nil {
				t.Errorf("rule %s: %v", r.ID, err)
				continue
			}
			cheap := true
			for _, in := range c.Parameters.Inputs {
				if !slices.Contains(singleValued, in.Address) && len(in.KeyPath) == 0 {
					cheap = false
				}
			}
			if !cheap && literal.Required(re) == nil && !slices.Contains(noLiteral, r.ID) {
				if bad := unfilteredBranches(t, c.Parameters.Regex, c.Parameters.Options.CaseSensitive); len(bad) > 0 {
					t.Errorf("rule %s: regular expression branches with neither a prefilter literal nor a punctuation byte: %q", r.ID, bad)
				}
			}
		}
	}
	if n := len(raw.Rules); n < 50 || n > 125 {
		t.Errorf("%d rules; the set is meant to stay between 50 and 125", n)
	}
}

// noLiteral lists the rules whose expressions cannot require a literal of
// two bytes: a null byte, CR/LF characters, quotes before a comment, and
// backup-file suffixes anchored on the path. Each is cheap in Go's regexp
// (a one-byte or anchored search).
var noLiteral = []string{"rp-proto-001", "rp-proto-002", "rp-proto-003", "rp-sqli-002", "rp-probe-002"}

// unfilteredBranches compiles a match_regex operator the way the engine does
// and returns the alternatives it evaluates without a cheap prefilter: an
// alternative is filtered when it requires a literal of two bytes or more,
// or one of a set of punctuation bytes (no letter, digit or space).
func unfilteredBranches(t *testing.T, regex string, caseSensitive bool) []string {
	t.Helper()
	mk, _ := operator.Lookup("match_regex")
	rawRegex, _ := json.Marshal(regex)
	rawOpts, _ := json.Marshal(map[string]bool{"case_sensitive": caseSensitive})
	op, err := mk(operator.Params{Raw: map[string]json.RawMessage{"regex": rawRegex, "options": rawOpts}})
	if err != nil {
		t.Fatalf("match_regex %q: %v", regex, err)
	}
	ops := []operator.Operator{op}
	if d, ok := op.(operator.Decomposable); ok {
		if bs := d.Branches(); len(bs) > 0 {
			ops = bs
		}
	}
	var bad []string
	for i, o := range ops {
		if p, ok := o.(operator.Prefiltered); ok && p.RequiredLiterals() != nil {
			continue
		}
		if f, ok := o.(operator.ByteFiltered); ok && punctuationOnly(f.RequiredBytes()) {
			continue
		}
		bad = append(bad, fmt.Sprintf("branch %d of %d", i+1, len(ops)))
	}
	return bad
}

// punctuationOnly reports whether one of the filter's sets holds only
// punctuation (a selective filter).
func punctuationOnly(f *operator.ByteFilter) bool {
	if f == nil {
		return false
	}
	for i := range f.Sets {
		if punctuationSet(&f.Sets[i]) {
			return true
		}
	}
	return false
}

func punctuationSet(s *operator.ByteSet) bool {
	n := 0
	for b := 0; b < 256; b++ {
		if !s.Has(byte(b)) {
			continue
		}
		n++
		if b == ' ' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') {
			return false
		}
	}
	return n > 0
}

// TestUnfilteredBranches checks the structural test's prefilter check on
// expressions with a known answer.
func TestUnfilteredBranches(t *testing.T) {
	for _, c := range []struct {
		regex string
		bad   int
	}{
		{`select\s+\w+`, 0},
		{`[;&|]\s*id\b`, 0},
		{`^\s*\w+$`, 1},
		{`union\s+select|[a-z]+\d`, 1},
		{`\$\w+\(|'\w+'|[a-z]{3}`, 1},
		{`x\$y|\w+ \w+`, 1},
	} {
		if got := unfilteredBranches(t, c.regex, true); len(got) != c.bad {
			t.Errorf("%q: unfiltered branches %v, want %d", c.regex, got, c.bad)
		}
	}
}

// newEngineAll is newEngine with every rule enabled, the opt-in policies
// (enabled: false in the ruleset) included, so that their vectors run.
func newEngineAll(tb testing.TB) *waf.Engine {
	tb.Helper()
	rs, _, err := waf.ParseRuleset(rules.Default())
	if err != nil {
		tb.Fatalf("default ruleset: %v", err)
	}
	for i := range rs.Rules {
		rs.Rules[i].Enabled = nil
	}
	eng, err := waf.New(rs, waf.Options{Timeout: -1, AllMatches: true})
	if err != nil {
		tb.Fatalf("engine: %v", err)
	}
	return eng
}

// TestGraphQLPolicyOptIn checks that the GraphQL abuse rules are off in the
// default ruleset and that a rules_override on the tag policy: graphql, the
// way docs/waf.md tells users to, turns them on.
func TestGraphQLPolicyOptIn(t *testing.T) {
	vs := loadVectors(t)
	introspection := vs["rp-graphql-001"].Attack[0]
	if ids := run(t, newEngine(t), introspection); slices.Contains(ids, "rp-graphql-001") {
		t.Fatalf("rp-graphql-001 runs in the default ruleset: %v", ids)
	}
	var doc map[string]any
	if err := json.Unmarshal(rules.Default(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["rules_override"] = []any{map[string]any{
		"rules_target": []any{map[string]any{"tags": map[string]any{"policy": "graphql"}}},
		"enabled":      true,
	}}
	b, _ := json.Marshal(doc)
	rs, _, err := waf.ParseRuleset(b)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := waf.New(rs, waf.Options{Timeout: -1, AllMatches: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"rp-graphql-001", "rp-graphql-002", "rp-graphql-003", "rp-graphql-004"} {
		for i, a := range vs[id].Attack {
			if ids := run(t, eng, a); !slices.Contains(ids, id) {
				t.Errorf("%s attack %d: not flagged with the policy on (matched %v)", id, i, ids)
			}
		}
	}
}
