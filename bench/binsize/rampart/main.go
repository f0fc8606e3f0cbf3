// Command rampart is the hello-world server behind rampart's net/http
// middleware with the agent enabled on the embedded default ruleset. It is
// built, never run, by the bench command.
package main

import (
	"io"
	"log"
	"net/http"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
)

func main() {
	agent, err := rampart.New(rampart.Config{Enabled: true})
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", httpguard.New(agent, h)))
}
