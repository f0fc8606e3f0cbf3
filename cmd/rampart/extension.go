package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rampartsec/rampart/extension"
)

// extensionCmd runs the rampart Lambda extension (package extension). Lambda
// starts it from the layer's extensions/rampart; it reads its configuration
// from the environment (RAMPART_ENDPOINT, RAMPART_API_KEY,
// RAMPART_EXTENSION_ADDR, RAMPART_PROXY and the function's RAMPART_*).
func extensionCmd(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("extension", flag.ContinueOnError)
	fs.SetOutput(stderr)
	proxy := fs.String("proxy", "", "proxy the Runtime API on this address (overrides RAMPART_PROXY; \"on\" for "+extension.DefaultProxyAddr+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := extension.ConfigFromEnv()
	if err != nil {
		return err
	}
	switch *proxy {
	case "":
	case "on":
		cfg.Proxy = extension.DefaultProxyAddr
	case "off":
		cfg.Proxy = ""
	default:
		cfg.Proxy = *proxy
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := extension.Run(ctx, cfg); err != nil && ctx.Err() == nil {
		return fmt.Errorf("extension: %w", err)
	}
	return nil
}
