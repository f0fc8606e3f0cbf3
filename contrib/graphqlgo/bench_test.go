package graphqlguard_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/graph-gophers/graphql-go/relay"

	"github.com/rampartsec/rampart"
	graphqlguard "github.com/rampartsec/rampart/contrib/graphqlgo"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

// BenchmarkOperation serves one query with variables in process (no
// network), through relay's handler, by the bare schema, behind Handler
// alone (the HTTP layer's WAF and the resolvers' sink checks), and behind
// Handler with the schema's tracer (default ruleset, block mode). The
// resolvers query SQLite through sqlguard.
func BenchmarkOperation(b *testing.B) {
	body, _ := json.Marshal(map[string]any{
		"query":     `query Search($q: String!, $id: ID!) { search(q: $q, limit: 5) { id name } item(id: $id) { name } }`,
		"variables": map[string]any{"q": "blue widgets", "id": "42"},
	})
	for _, name := range []string{"bare", "handler-only", "rampart"} {
		res := newResolver(b)
		var h http.Handler
		switch name {
		case "bare":
			h = &relay.Handler{Schema: schema(b, nil, res)}
		default:
			agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.Default(), Exporter: &eventtest.Recorder{}, Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			tracer := agent
			if name == "handler-only" {
				tracer = nil
			}
			h = graphqlguard.Handler(agent, &relay.Handler{Schema: schema(b, tracer, res)})
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/query", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 || w.Body.String() != `{"data":{"search":[{"id":"42","name":"blue widgets"}],"item":{"name":"blue widgets"}}}` {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
