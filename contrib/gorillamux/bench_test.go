package gorillamux_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/mux"
	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/contrib/gorillamux"
	"github.com/rampartsec/rampart/internal/routerbench"
)

// BenchmarkRequest is one benign request with a path parameter served in
// process by a gorilla/mux router, bare and with rampart's middleware (default
// ruleset, block mode): what the middleware costs a request, without the
// network.
func BenchmarkRequest(b *testing.B) {
	routerbench.Run(b, func(agent *rampart.Agent) http.Handler {
		r := mux.NewRouter()
		if agent != nil {
			r.Use(gorillamux.New(agent))
		}
		r.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"`+mux.Vars(r)["id"]+`"}`)
		}).Methods("GET")
		return r
	})
}
