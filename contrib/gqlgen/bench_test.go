package gqlguard_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampartsec/rampart"
	gqlguard "github.com/rampartsec/rampart/contrib/gqlgen"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/rules"
)

// BenchmarkOperation serves one query with variables in process (no
// network), by the bare gqlgen server, behind Handler alone (the HTTP
// layer's WAF and the resolvers' sink checks), and behind Handler and the
// extension (default ruleset, block mode).
func BenchmarkOperation(b *testing.B) {
	body, _ := json.Marshal(map[string]any{
		"query":     `query Search($q: String!, $id: ID!) { search(q: $q, limit: 5) { id name } item(id: $id) { name } }`,
		"variables": map[string]any{"q": "blue widgets", "id": "42"},
	})
	for _, name := range []string{"bare", "handler-only", "rampart"} {
		var h http.Handler
		switch name {
		case "bare":
			h, _ = gqlServer(nil)
		default:
			agent, err := rampart.New(rampart.Config{Enabled: true, Mode: rampart.ModeBlock, Rules: rules.Default(), Exporter: &eventtest.Recorder{}, Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			var srv http.Handler
			if name == "rampart" {
				srv, _ = gqlServer(agent)
			} else {
				srv, _ = gqlServer(nil)
			}
			h = gqlguard.Handler(agent, srv)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/query", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
