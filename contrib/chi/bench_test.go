package chi_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/rampartsec/rampart"
	rampartchi "github.com/rampartsec/rampart/contrib/chi"
	"github.com/rampartsec/rampart/internal/routerbench"
)

// BenchmarkRequest is one benign request with a path parameter served in
// process by a chi router, bare and with rampart's middleware (default
// ruleset, block mode): what the middleware costs a request, without the
// network.
func BenchmarkRequest(b *testing.B) {
	routerbench.Run(b, func(agent *rampart.Agent) http.Handler {
		r := chi.NewRouter()
		if agent != nil {
			r.Use(rampartchi.New(agent))
		}
		r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"`+chi.URLParam(r, "id")+`"}`)
		})
		return r
	})
}
