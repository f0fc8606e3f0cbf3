package graphqlguard_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/graph-gophers/graphql-go/relay"
	_ "modernc.org/sqlite"

	"github.com/rampartsec/rampart"
	graphqlguard "github.com/rampartsec/rampart/contrib/graphqlgo"
	"github.com/rampartsec/rampart/event"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/sqlguard"
	"github.com/rampartsec/rampart/waf/rules"
)

// sdl is the schema of the tests' GraphQL server.
const sdl = `
schema { query: Query mutation: Mutation }
type Query {
  search(q: String!, limit: Int): [Item!]!
  item(id: ID!): Item
}
type Mutation {
  rename(input: RenameInput!): Item
}
input RenameInput {
  id: ID!
  name: String!
}
type Item {
  id: ID!
  name: String!
}
`

// resolver is the root resolver: its resolvers build SQL statements from
// their arguments on purpose and run them on SQLite through sqlguard.
type resolver struct {
	db    *sql.DB
	calls atomic.Int64 // resolvers called
}

type item struct{ id, name string }

func (i *item) ID() graphql.ID { return graphql.ID(i.id) }
func (i *item) Name() string   { return i.name }

func (r *resolver) Search(ctx context.Context, args struct {
	Q     string
	Limit *int32
}) ([]*item, error) {
	r.calls.Add(1)
	rows, err := r.db.QueryContext(ctx, "SELECT id, name FROM items WHERE name = '"+args.Q+"' ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*item{}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.name); err != nil {
			return nil, err
		}
		out = append(out, &it)
	}
	return out, rows.Err()
}

func (r *resolver) Item(ctx context.Context, args struct{ ID graphql.ID }) (*item, error) {
	r.calls.Add(1)
	it := item{}
	err := r.db.QueryRowContext(ctx, "SELECT id, name FROM items WHERE id = '"+string(args.ID)+"'").Scan(&it.id, &it.name)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &it, nil
}

func (r *resolver) Rename(ctx context.Context, args struct {
	Input struct {
		ID   graphql.ID
		Name string
	}
}) (*item, error) {
	r.calls.Add(1)
	if _, err := r.db.ExecContext(ctx, "UPDATE items SET name = '"+args.Input.Name+"' WHERE id = '"+string(args.Input.ID)+"'"); err != nil { // the vulnerable line
		return nil, err
	}
	return &item{id: string(args.Input.ID), name: args.Input.Name}, nil
}

// names returns the items' names, by id.
func (r *resolver) names(t testing.TB) string {
	t.Helper()
	rows, err := r.db.Query("SELECT id, name FROM items ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, id+"="+name)
	}
	return strings.Join(out, ",")
}

// newResolver opens a new SQLite database through sqlguard with three
// items.
func newResolver(t testing.TB) *resolver {
	t.Helper()
	db, err := sqlguard.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "items.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO items VALUES ('1', 'widget'), ('42', 'blue widgets'), ('7', 'gadget');
CREATE TABLE users (name TEXT, password TEXT); INSERT INTO users VALUES ('admin', 'hunter2');`); err != nil {
		t.Fatal(err)
	}
	return &resolver{db: db}
}

// schema parses the test schema over res; with agent set, behind the
// tracer.
func schema(t testing.TB, agent *rampart.Agent, res *resolver) *graphql.Schema {
	t.Helper()
	var opts []graphql.SchemaOpt
	if agent != nil {
		opts = append(opts, graphql.Tracer(graphqlguard.Tracer{Agent: agent}))
	}
	s, err := graphql.ParseSchema(sdl, res, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fixture struct {
	url string
	res *resolver
	rec *eventtest.Recorder
}

// setup serves the schema behind rampart on a loopback listener, as an
// application does: relay's handler behind Handler, on an http.ServeMux.
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
	res := newResolver(t)
	mux := http.NewServeMux()
	mux.Handle("POST /query", graphqlguard.Handler(agent, &relay.Handler{Schema: schema(t, agent, res)}))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return fixture{url: hs.URL + "/query", res: res, rec: rec}
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

// attack returns the last attack event recorded.
func attack(t *testing.T, rec *eventtest.Recorder) *event.Event {
	t.Helper()
	var ev *event.Event
	for _, e := range rec.Events() {
		if e.Type == event.TypeAttack {
			ev = e
		}
	}
	if ev == nil {
		t.Fatal("no attack event")
	}
	return ev
}

const searchQuery = `query Search($q: String!) { search(q: $q, limit: 5) { id name } }`

// The body is not inspected at the HTTP layer (BodyLimit -1): the
// injection in a GraphQL variable reaches the WAF only as a resolver
// argument, and is blocked before any resolver runs, with the action's
// status and a GraphQL error. The event names the route.
func TestVariableInjectionBlocked(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, BodyLimit: -1})
	code, out, raw := post(t, f.url, searchQuery, map[string]any{"q": "widget"})
	if code != 200 || len(out.Errors) != 0 || string(out.Data) != `{"search":[{"id":"1","name":"widget"}]}` {
		t.Fatalf("benign: %d %s", code, raw)
	}
	code, out, raw = post(t, f.url, searchQuery, map[string]any{"q": "x' UNION SELECT name, password FROM users --"})
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "BLOCKED" || string(out.Data) != "null" {
		t.Fatalf("attack: %d %s", code, raw)
	}
	if strings.Contains(raw, "hunter2") || !strings.HasPrefix(out.Errors[0].Message, "This request was blocked by the application's security policy (rule ") {
		t.Errorf("attack answered %s", raw)
	}
	if n := f.res.calls.Load(); n != 1 {
		t.Errorf("resolvers ran %d times, want the benign one", n)
	}
	ev := attack(t, f.rec)
	if !ev.Blocked || ev.Request.Status != 403 || ev.Request.Method != "POST" || ev.Request.Route != "POST /query" {
		t.Fatalf("event %+v, request %+v", ev, ev.Request)
	}
	tr := ev.Triggers[0]
	if tr.Address != "graphql.server.all_resolvers" || strings.Join(tr.KeyPath, ".") != "search.0.q" || tr.Category != "sqli" || out.Errors[0].Extensions["rule"] != tr.RuleID {
		t.Errorf("trigger %+v, response %s", tr, raw)
	}
}

// With the body inspected at the HTTP layer (the default), the same
// injection is blocked by Handler before the schema runs, with the same
// GraphQL block response.
func TestBlockedAtHTTPLayer(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	code, out, raw := post(t, f.url, searchQuery, map[string]any{"q": "x' UNION SELECT name, password FROM users --"})
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "BLOCKED" || string(out.Data) != "null" {
		t.Fatalf("attack: %d %s", code, raw)
	}
	if n := f.res.calls.Load(); n != 0 {
		t.Errorf("resolvers ran %d times", n)
	}
	if ev := attack(t, f.rec); ev.Request.Route != "POST /query" || !strings.HasPrefix(ev.Triggers[0].Address, "server.request.") {
		t.Errorf("event %+v, trigger %+v", ev.Request, ev.Triggers[0])
	}
}

// An injection written inside the query document is an argument like any
// other: blocked before the resolver runs.
func TestInlineArgumentBlocked(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, BodyLimit: -1})
	code, out, raw := post(t, f.url, `{ item(id: "1") { name } search(q: "x' UNION SELECT name, password FROM users --") { id name } }`, nil)
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "BLOCKED" || strings.Contains(raw, "hunter2") {
		t.Fatalf("attack: %d %s", code, raw)
	}
	if n := f.res.calls.Load(); n != 0 {
		t.Errorf("resolvers ran %d times", n)
	}
	tr := attack(t, f.rec).Triggers[0]
	if tr.Address != "graphql.server.all_resolvers" || strings.Join(tr.KeyPath, ".") != "search.0.q" {
		t.Errorf("trigger %+v", tr)
	}
}

// Fragments, inline fragments and aliases: every occurrence of a field is
// evaluated, variables with their default values.
func TestFragmentsFollowed(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, BodyLimit: -1})
	q := `query($a: ID!, $b: ID!) { first: item(id: $a) { id } ...More } fragment More on Query { ... on Query { second: item(id: $b) { id } } }`
	if code, _, raw := post(t, f.url, q, map[string]any{"a": "1", "b": "42"}); code != 200 || raw != `{"data":{"first":{"id":"1"},"second":{"id":"42"}}}` {
		t.Fatalf("benign: %d %s", code, raw)
	}
	if code, _, raw := post(t, f.url, q, map[string]any{"a": "1", "b": "<script>alert(document.cookie)</script>"}); code != 403 {
		t.Fatalf("attack in the fragment: %d %s", code, raw)
	}
	if tr := attack(t, f.rec).Triggers[0]; strings.Join(tr.KeyPath, ".") != "item.1.id" {
		t.Errorf("trigger %+v", tr)
	}
	q = `query($q: String = "x' UNION SELECT name, password FROM users --") { search(q: $q) { id } }`
	if code, _, raw := post(t, f.url, q, nil); code != 403 {
		t.Fatalf("attack in a variable's default value: %d %s", code, raw)
	}
	if n := f.res.calls.Load(); n != 2 {
		t.Errorf("resolvers ran %d times, want the benign two", n)
	}
}

// With the WAF monitoring, an argument written inside the query document
// reaches the resolver, where sqlguard refuses the statement built from
// it: the exploit's input is the argument, located in all_resolvers, with
// the resolver's line in the stack trace, and the statement never runs.
// The other resolvers of the mutation (run one after the other) are not
// called.
func TestExploitInResolverArgument(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock, WAFMode: rampart.ModeMonitor})
	before := f.res.names(t)
	code, out, raw := post(t, f.url, `mutation { a: rename(input: {id: "7", name: "x' OR '1'='1"}) { id name } b: rename(input: {id: "1", name: "renamed"}) { id } }`, nil)
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["rule"] != "rp-rasp-sqli" || out.Errors[0].Extensions["code"] != "BLOCKED" || string(out.Data) != "null" {
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
	if after := f.res.names(t); after != before {
		t.Errorf("items %s, were %s", after, before)
	}
	if n := f.res.calls.Load(); n != 1 {
		t.Errorf("resolvers ran %d times, want the blocked one", n)
	}
	for _, e := range f.rec.Events() {
		if e.Type == event.TypeExploit && (e.Request.Route != "POST /query" || !e.Blocked) {
			t.Errorf("exploit event %+v, request %+v", e, e.Request)
		}
	}
}

func vulnerableLine(t *testing.T) string {
	b, err := os.ReadFile("graphqlguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// the vulnerable line") {
			return fmt.Sprintf("graphqlguard_test.go:%d", i+1)
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
	if code, _, raw := post(t, f.url, `query($id: ID!) { item(id: $id) { id } }`, map[string]any{"id": "42"}); code != 200 || raw != `{"data":{"item":{"id":"42"}}}` {
		t.Fatalf("benign: %d %s", code, raw)
	}
	code, out, raw := post(t, f.url, `query($id: ID!) { item(id: $id) { id } }`, map[string]any{"id": "forbidden-7"})
	if code != http.StatusForbidden || len(out.Errors) != 1 || out.Errors[0].Extensions["rule"] != "custom-1" {
		t.Fatalf("blocked resolver: %d %s", code, raw)
	}
	if n := f.res.calls.Load(); n != 1 {
		t.Errorf("resolvers ran %d times, want the benign one", n)
	}
	if tr := attack(t, f.rec).Triggers[0]; tr.Address != "graphql.server.resolver" || strings.Join(tr.KeyPath, ".") != "item.id" {
		t.Errorf("trigger %+v", tr)
	}
}

// Benign operations answer as the bare server does, and report nothing.
func TestBenignUnchanged(t *testing.T) {
	f := setup(t, rampart.Config{Mode: rampart.ModeBlock})
	res := newResolver(t)
	hs := httptest.NewServer(&relay.Handler{Schema: schema(t, nil, res)})
	defer hs.Close()
	for _, c := range []struct {
		q    string
		vars map[string]any
	}{
		{searchQuery, map[string]any{"q": "Mary Ann"}},
		{searchQuery, map[string]any{"q": "blue widgets"}},
		{searchQuery, map[string]any{"q": "select the blue one"}},
		{`{ item(id: "42") { id name } }`, nil},
		{`query Both($q: String!) { search(q: $q) { name } ...F } fragment F on Query { item(id: "7") { name } }`, map[string]any{"q": "widget"}},
		{`mutation($in: RenameInput!) { rename(input: $in) { name } }`, map[string]any{"in": map[string]any{"id": "3", "name": "Mary Ann"}}},
		{`{ nope }`, nil},
		{`{ search(q: `, nil},
		{`query A { item(id: "1") { id } } query B { item(id: "7") { id } }`, nil},
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
