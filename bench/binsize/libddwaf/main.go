// Command libddwaf is the hello-world server with go-libddwaf initialized
// on its embedded recommended ruleset and run on every request. It is
// built, never run, by the bench command.
package main

import (
	"io"
	"log"
	"net/http"

	libddwaf "github.com/DataDog/go-libddwaf/v5"
)

func main() {
	b, err := libddwaf.NewBuilder()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := b.AddDefaultRecommendedRuleset(); err != nil {
		log.Fatal(err)
	}
	h, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, err := h.NewContext(r.Context())
		if err == nil {
			res, _ := c.Run(r.Context(), libddwaf.RunAddressData{Data: map[string]any{
				"server.request.uri.raw": r.RequestURI,
				"server.request.query":   map[string][]string(r.URL.Query()),
			}})
			c.Close()
			if len(res.Events) > 0 {
				http.Error(w, "blocked", http.StatusForbidden)
				return
			}
		}
		io.WriteString(w, "hello\n")
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}
