// Command dd-trace-go-appsec is the hello-world server behind dd-trace-go
// v2's net/http instrumentation with App and API Protection on. It is
// built, never run, by the bench command.
package main

import (
	"io"
	"log"
	"net/http"

	httptrace "github.com/DataDog/dd-trace-go/contrib/net/http/v2"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

func main() {
	if err := tracer.Start(tracer.WithAppSecEnabled(true)); err != nil {
		log.Fatal(err)
	}
	defer tracer.Stop()
	mux := httptrace.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}
