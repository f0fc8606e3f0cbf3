package httpguard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rampartsec/rampart/httpguard"
)

// Middleware wraps a handler with the process-wide rampart Agent, configured
// from RAMPART_ENABLED and the other RAMPART_ variables. Here rampart is
// off, so the handler is returned as it is.
func ExampleMiddleware() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	})
	h := httpguard.Middleware(mux)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/hello", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 hello
}
