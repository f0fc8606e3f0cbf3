//go:build !lambdaext

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/redis"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/ui"
)

// shutdownTimeout bounds the graceful shutdown: the batches in flight are
// stored and answered within it.
const shutdownTimeout = 30 * time.Second

// serveCmd runs the collector until SIGINT or SIGTERM (or until ctx of
// serveContext is done, in tests).
func serveCmd(args []string, out io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, out, nil)
}

// serve runs the collector until ctx is done. ready, when not nil, gets
// the listening address.
func serve(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", "./rampart-data", "data directory of the embedded SQLite database")
	database := fs.String("database", "", "postgres://... to use PostgreSQL instead of the embedded database")
	state := fs.String("state", "", "redis://... to share the account-takeover windows between replicas (default: in memory)")
	rate := fs.Float64("rate", collector.DefaultRate.PerSecond, "ingest limit per key, events per second (negative: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	log := slog.New(slog.NewTextHandler(out, nil))

	var store collector.Store
	var where string
	var err error
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	switch {
	case strings.HasPrefix(*database, "postgres://"), strings.HasPrefix(*database, "postgresql://"):
		store, err = postgres.Open(openCtx, *database)
		where = "PostgreSQL"
	case *database != "":
		return fmt.Errorf("serve: --database %q: want postgres://...", *database)
	default:
		store, err = sqlite.Open(openCtx, *data)
		where = "SQLite in " + *data
	}
	if err != nil {
		return err
	}
	defer store.Close()

	var window ato.Window = ato.NewMemory(ato.MemoryConfig{})
	if *state != "" {
		if !strings.HasPrefix(*state, "redis://") && !strings.HasPrefix(*state, "rediss://") {
			return fmt.Errorf("serve: --state %q: want redis://...", *state)
		}
		w, err := redis.Open(openCtx, *state, "")
		if err != nil {
			return err
		}
		defer w.Close()
		window = w
		where += ", account-takeover windows on Redis"
	}
	det := collector.NewATODetector(ato.New(ato.Config{}, window), ato.Policy{})

	srv, err := collector.NewServer(openCtx, collector.Config{Store: store, Detector: det, Logger: log, Rate: collector.Rate{PerSecond: *rate}})
	if err != nil {
		return err
	}
	var ingestKeys []string
	if v := os.Getenv("RAMPART_INGEST_KEYS"); v != "" {
		ingestKeys = strings.Split(v, ",")
	}
	created, err := srv.Bootstrap(openCtx, os.Getenv("RAMPART_ADMIN_TOKEN"), ingestKeys)
	if err != nil {
		return err
	}
	if created != "" {
		fmt.Fprintf(out, "rampart: admin token (shown once, keep it): %s\n", created)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	web, err := ui.New(openCtx, ui.Config{Store: store, Logger: log})
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: web.Handler(srv.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(out, "rampart: collector on http://%s (%s)\n", ln.Addr(), where)
	fmt.Fprintf(out, "rampart: web UI on http://%s/ (log in as admin with the admin token)\n", ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "rampart: shutting down: finishing the batches in flight")
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	err = hs.Shutdown(sctx)
	if cerr := srv.Close(sctx); err == nil {
		err = cerr
	}
	if err2 := <-errc; err == nil && !errors.Is(err2, http.ErrServerClosed) {
		err = err2
	}
	return err
}
