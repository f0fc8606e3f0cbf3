// Command vulnapp serves rampart's vulnerable example application (package
// routes): every route reaches its sink by string concatenation, on
// purpose. With RAMPART_ENABLED=true it runs protected by rampart
// (httpguard.Middleware and the sink guards), configured from the
// environment (RAMPART_MODE, RAMPART_WAF_MODE, RAMPART_RULES, ...).
//
//	RAMPART_ENABLED=true RAMPART_MODE=block go run ./examples/vulnapp -addr 127.0.0.1:8081
//
// Never expose it beyond loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/examples/vulnapp/routes"
	"github.com/rampartsec/rampart/httpguard"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dir := flag.String("dir", "", "data directory (database, files); default: a new temporary directory")
	flag.Parse()
	app, err := routes.New(routes.Config{Dir: *dir})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	app.SetUpstream("http://" + ln.Addr().String() + "/upstream")
	mode := "off (RAMPART_ENABLED is not true)"
	if a := rampart.Default(); a != nil {
		mode = string(a.Mode())
	}
	fmt.Printf("vulnapp listening on http://%s (rampart: %s, data in %s)\n", ln.Addr(), mode, app.Dir())
	srv := &http.Server{Handler: httpguard.Middleware(app), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = rampart.Default().Flush(ctx)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
