//go:build !lambdaext

package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rampartsec/rampart/internal/demo"
)

// demoCmd is `rampart demo` (package internal/demo), until the scenario
// ends, or with --keep (the default) until SIGINT or SIGTERM.
func demoCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:0", "address of the demo API (loopback)")
	uiAddr := fs.String("ui-addr", "127.0.0.1:8080", "address of the collector and its UI (loopback; a free port when taken)")
	keep := fs.Bool("keep", true, "keep the collector and its UI running after the scenario, until Ctrl-C")
	dataDir := fs.String("data", "", "data directory of the collector (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return demo.Run(ctx, out, demo.Config{Addr: *addr, UIAddr: *uiAddr, Keep: *keep, Data: *dataDir})
}
