// Command hello is the bare hello-world net/http server that the binary
// size probes grow from. It is built, never run, by the bench command.
package main

import (
	"io"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}
