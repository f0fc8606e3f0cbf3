// Command lambda is rampart's vulnerable example application (package
// examples/vulnapp/routes) as an AWS Lambda function behind an API Gateway
// HTTP API (or a Function URL, an ALB, a REST API): the routes are served
// from the events by lambdaguard.HTTPHandler and protected by
// lambdaguard.Wrap, with RAMPART_ENABLED=true on the function.
//
// Build (provided.al2023 runtime, the binary is named bootstrap):
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -tags lambda.norpc -ldflags='-s -w' -o build/bootstrap ./examples/lambda
//
// and deploy with template.yaml (AWS SAM). Never deploy it where anyone but
// you can reach it: every route is vulnerable on purpose.
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/internal/loopback"
	"github.com/rampartsec/rampart/lambdaguard"
)

func main() {
	// /tmp is the only writable directory of a Lambda function.
	cfg := routes.Config{Dir: filepath.Join(os.TempDir(), "vulnapp")}
	if os.Getenv("VULNAPP_LOOPBACK_ONLY") == "1" {
		// Tests and the demo: outgoing requests reach loopback only, and
		// names resolve from a table, so that nothing leaves the machine
		// even if a check failed open.
		cfg.Dialer = loopback.Dialer(loopback.Resolver{"rebind.attacker.test": "127.0.0.1"})
	}
	app, err := routes.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	// /proxy fetches from the application's own upstream: serve it on the
	// execution environment's loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = (&http.Server{Handler: app, ReadHeaderTimeout: 5 * time.Second}).Serve(ln) }()
	app.SetUpstream("http://" + ln.Addr().String() + "/upstream")

	lambda.Start(lambdaguard.Wrap(lambdaguard.HTTPHandler(app)))
}
