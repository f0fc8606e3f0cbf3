//go:build !lambdaext

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/daemon"
)

// serveCmd runs the collector until SIGINT or SIGTERM (or until ctx of
// serveContext is done, in tests).
func serveCmd(args []string, out io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, out, nil)
}

// parseDays reads a Go duration, or a number of days ("30d").
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("bad number of days %q", n)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// serve runs the collector (package collector/daemon) with the flags of
// args until ctx is done. ready, when not nil, gets the listening address.
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
	if *database != "" && !strings.HasPrefix(*database, "postgres://") && !strings.HasPrefix(*database, "postgresql://") {
		return fmt.Errorf("serve: --database %q: want postgres://...", *database)
	}
	if *state != "" && !strings.HasPrefix(*state, "redis://") && !strings.HasPrefix(*state, "rediss://") {
		return fmt.Errorf("serve: --state %q: want redis://...", *state)
	}
	cfg := daemon.Config{Addr: *addr, Data: *data, Database: *database, State: *state,
		Rate: collector.Rate{PerSecond: *rate}, AdminToken: os.Getenv("RAMPART_ADMIN_TOKEN"), Out: out}
	if v := os.Getenv("RAMPART_INGEST_KEYS"); v != "" {
		cfg.IngestKeys = strings.Split(v, ",")
	}
	for _, v := range []struct {
		name string
		dst  *[]netip.Prefix
	}{{"RAMPART_ALLOW_IPS", &cfg.AllowIPs}, {"RAMPART_TRUSTED_PROXIES", &cfg.TrustedProxies}} {
		ps, bad := rampart.ParsePrefixes(os.Getenv(v.name))
		if bad != "" {
			return fmt.Errorf("serve: %s: %q is not an address or a CIDR", v.name, bad)
		}
		*v.dst = ps
	}
	cfg.AllowUsers = splitList(os.Getenv("RAMPART_ALLOW_USERS"))
	cfg.RedisPrefix = os.Getenv("RAMPART_REDIS_PREFIX")
	cfg.GeoIPDB = splitList(os.Getenv("RAMPART_GEOIP_DB"))
	if v := strings.TrimSpace(os.Getenv("RAMPART_DB_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			return fmt.Errorf("serve: RAMPART_DB_MAX_CONNS=%q: want a pool size of 2 or more", v)
		}
		cfg.DBMaxConns = n
	}
	cfg.Retention = collector.DefaultRetention
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"RAMPART_RETENTION_EVENTS", &cfg.Retention.Events}, {"RAMPART_RETENTION_BATCHES", &cfg.Retention.Batches},
		{"RAMPART_RETENTION_DECISIONS", &cfg.Retention.Decisions}} {
		if s := strings.TrimSpace(os.Getenv(v.name)); s != "" {
			d, err := parseDays(s)
			if err != nil {
				return fmt.Errorf("serve: %s=%q: want a duration such as 30d or 12h (0: keep forever)", v.name, s)
			}
			*v.dst = d
		}
	}
	if v := strings.TrimSpace(os.Getenv("RAMPART_MAX_AUTO_DECISIONS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("serve: RAMPART_MAX_AUTO_DECISIONS=%q: want a number of decisions per minute (negative: none)", v)
		}
		if n == 0 {
			n = -1 // 0 spelled out means none
		}
		cfg.MaxAutoDecisions = n
	}
	if v := strings.TrimSpace(os.Getenv("RAMPART_DETECT_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("serve: RAMPART_DETECT_LEASE=%q: want a duration of 1s or more", v)
		}
		cfg.DetectLease = d
	}
	if ready != nil {
		cfg.Ready = func(addr string) { ready <- addr }
	}
	return daemon.Run(ctx, cfg)
}
