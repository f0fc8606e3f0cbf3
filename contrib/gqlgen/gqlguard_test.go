package gqlguard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/rampartsec/rampart"
	gqlguard "github.com/rampartsec/rampart/contrib/gqlgen"
	"github.com/rampartsec/rampart/contrib/gqlgen/internal/testserver"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

// gqlServer returns the test schema's gqlgen server and its resolver;
// with agent set, behind the extension.
func gqlServer(agent *rampart.Agent) (*handler.Server, *testserver.Resolver) {
	res := &testserver.Resolver{Check: func(ctx context.Context, stmt string) error {
		return rampart.CheckSQL(ctx, "postgresql", stmt) // the vulnerable line
	}}
	srv := handler.New(testserver.NewExecutableSchema(testserver.Config{Resolvers: res}))
	srv.AddTransport(transport.POST{})
	if agent != nil {
		srv.Use(gqlguard.Extension{Agent: agent})
	}
	return srv, res
}

type fixture struct {
	url string
	res *testserver.Resolver
	rec *eventtest.Recorder
}

func setup(t testing.TB, cfg rampart.Config) fixture {
	t.Helper()
	rec := &eventtest.Recorder{}
	cfg.Enabled, cfg.Exporter = true, rec
	if cfg.Rules == nil {
		cfg.Rules = rules.Default()
	}
	cfg.Timeout = time.Second
	agent, err := rampart.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, res := gqlServer(agent)
	hs := httptest.NewServer(gqlguard.Handler(agent, srv))
	t.Cleanup(hs.Close)
	return fixture{url: hs.URL, res: res, rec: rec}
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, url, query string, vars map[string]any) (int, gqlResponse, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response %d %q: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, out, string(b)
}

const searchQuery = `query Search($q: String!) { search(q: $q, limit: 5) { id name } }`

// The body is not inspected at the HTTP layer (BodyLimit -1): the
// injection in a GraphQL variable reaches the WAF only as a resolver
// argument, and is blocked before any resolver runs, with the action's
// status and a GraphQL error.
func TestVariableInjectionBlocked(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, BodyLimit: -1})
	code, out, raw := post(t, f.url, searchQuery, map[string]any{"q": "widget"})
	if code != 200 || len(out.Errors) != 0 || string(out.Data) != `{"search":[{"id":"1","name":"widget"}]}` {
		t.Fatalf("benign: %d %s", code, raw)
	}
	code, out, raw = post(t, f.url, searchQuery, map[string]any{"q": "x' UNION SELECT password FROM users --"})
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "BLOCKED" || string(out.Data) != "null" {
		t.Fatalf("attack: %d %s", code, raw)
	}
	if n := len(f.res.Statements()); n != 1 {
		t.Errorf("resolvers ran %d statements, want the benign one", n)
	}
	var ev *event.Event
	for _, e := range f.rec.Events() {
		if e.Type == event.TypeAttack {
			ev = e
		}
	}
	if ev == nil || !ev.Blocked || ev.Request.Status != 403 || ev.Request.Method != "POST" {
		t.Fatalf("event %+v", ev)
	}
	tr := ev.Triggers[0]
	if tr.Address != "graphql.server.all_resolvers" || strings.Join(tr.KeyPath, ".") != "search.0.q" || tr.Category != "sqli" {
		t.Errorf("trigger %+v", tr)
	}
}

// Fragments and aliases: every occurrence of a field is evaluated.
func TestFragmentsFollowed(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, BodyLimit: -1})
	q := `query($a: ID!, $b: ID!) { first: item(id: $a) { id } ...More } fragment More on Query { second: item(id: $b) { id } }`
	if code, _, raw := post(t, f.url, q, map[string]any{"a": "1", "b": "2"}); code != 200 || !strings.Contains(raw, `"second":{"id":"2"}`) {
		t.Fatalf("benign: %d %s", code, raw)
	}
	if code, _, raw := post(t, f.url, q, map[string]any{"a": "1", "b": "<script>alert(document.cookie)</script>"}); code != 403 {
		t.Fatalf("attack in the fragment: %d %s", code, raw)
	}
}

// With the WAF monitoring, an argument written inside the query document
// reaches the resolver, where the statement built from it is blocked: the
// exploit's input is the argument, located in all_resolvers, with the
// resolver's line in the stack trace.
func TestExploitInResolverArgument(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor})
	code, out, raw := post(t, f.url, `mutation { rename(input: {id: "7", name: "x' OR '1'='1"}) { id name } }`, nil)
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["rule"] != "rp-rasp-sqli" {
		t.Fatalf("exploit: %d %s", code, raw)
	}
	ex := f.rec.LastExploit()
	if ex == nil {
		t.Fatal("no exploit event")
	}
	if ex.Detector != "sqli" || ex.InputAddress != "graphql.server.all_resolvers" || strings.Join(ex.InputKeyPath, ".") != "rename.0.input.name" || ex.Input != "x' OR '1'='1" {
		t.Errorf("exploit %+v", ex)
	}
	if ex.Location == nil || !strings.HasSuffix(fmt.Sprintf("%s:%d", ex.Location.File, ex.Location.Line), vulnerableLine(t)) {
		t.Errorf("location %+v, want %s", ex.Location, vulnerableLine(t))
	}
	if len(f.res.Statements()) != 0 {
		t.Errorf("statements ran: %v", f.res.Statements())
	}
}

func vulnerableLine(t *testing.T) string {
	b, err := os.ReadFile("gqlguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// the vulnerable line") {
			return fmt.Sprintf("gqlguard_test.go:%d", i+1)
		}
	}
	t.Fatal("no vulnerable line")
	return ""
}

// A rule on graphql.server.resolver runs before the resolver: the field
// is refused, and the response is the block response.
func TestResolverAddress(t *testing.T) {
	rs := `{"version": "2.2", "rules": [{"id": "custom-1", "name": "forbidden item", "tags": {"type": "t", "category": "custom"},
 "conditions": [{"operator": "match_regex", "parameters": {"inputs": [{"address": "graphql.server.resolver", "key_path": ["item", "id"]}], "regex": "^forbidden-"}}],
 "on_match": ["block"]}]}`
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, Rules: []byte(rs)})
	if code, _, raw := post(t, f.url, `query($id: ID!) { item(id: $id) { id } }`, map[string]any{"id": "ok-1"}); code != 200 || !strings.Contains(raw, `"ok-1"`) {
		t.Fatalf("benign: %d %s", code, raw)
	}
	code, out, raw := post(t, f.url, `query($id: ID!) { item(id: $id) { id } }`, map[string]any{"id": "forbidden-7"})
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["rule"] != "custom-1" {
		t.Fatalf("blocked resolver: %d %s", code, raw)
	}
	if n := len(f.res.Statements()); n != 1 {
		t.Errorf("%d statements ran, want the benign one", n)
	}
}

// Benign operations answer as the bare server does.
func TestBenignUnchanged(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	bare, _ := gqlServer(nil)
	hs := httptest.NewServer(bare)
	defer hs.Close()
	for _, c := range []struct {
		q    string
		vars map[string]any
	}{
		{searchQuery, map[string]any{"q": "Mary Ann"}},
		{searchQuery, map[string]any{"q": "select the blue one"}},
		{`{ item(id: "42") { id name } }`, nil},
		{`mutation($in: RenameInput!) { rename(input: $in) { name } }`, map[string]any{"in": map[string]any{"id": "3", "name": "Mary Ann"}}},
		{`{ nope }`, nil},
	} {
		c1, _, r1 := post(t, f.url, c.q, c.vars)
		c2, _, r2 := post(t, hs.URL, c.q, c.vars)
		if c1 != c2 || r1 != r2 {
			t.Errorf("%s: guarded %d %s, bare %d %s", c.q, c1, r1, c2, r2)
		}
	}
	if evs := f.rec.Events(); len(evs) != 0 {
		t.Errorf("benign operations reported %d events: %+v", len(evs), evs[0])
	}
}
