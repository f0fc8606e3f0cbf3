// Package daemon runs the collector as `rampart serve` does: it opens the
// store (the embedded SQLite database, or PostgreSQL) and the
// account-takeover windows (in memory, or on Redis) its configuration
// names, seeds the admin token and the ingest keys, serves the JSON API
// and the web UI on one address, and shuts down gracefully, finishing the
// batches in flight. cmd/rampart's serve parses the flags into a Config;
// the demo runs the same collector in-process.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/ato"
	"github.com/rampartsec/rampart/collector/geoip"
	"github.com/rampartsec/rampart/collector/postgres"
	"github.com/rampartsec/rampart/collector/redis"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/ui"
)

const (
	// openTimeout bounds the start: opening the store and the windows,
	// loading and seeding the keys.
	openTimeout = 30 * time.Second
	// shutdownTimeout bounds the graceful shutdown: the batches in flight
	// are stored and answered within it.
	shutdownTimeout = 30 * time.Second
)

// Config configures the collector. Addr and Data have no defaults here:
// `rampart serve` gives "127.0.0.1:8080" and "./rampart-data".
type Config struct {
	// Addr is the listen address.
	Addr string
	// Data is the data directory of the embedded SQLite database, used
	// when Database is empty.
	Data string
	// Database, when set, is a postgres:// (or postgresql://) URL: the
	// store is on PostgreSQL instead of the embedded database.
	Database string
	// State, when set, is a redis:// (or rediss://) URL: the
	// account-takeover windows are on Redis, shared by every replica,
	// instead of in memory.
	State string
	// Rate is the ingest limit per key (see collector.Rate: the zero
	// value is collector.DefaultRate).
	Rate collector.Rate
	// AdminToken and IngestKeys seed the admin token and the ingest keys
	// (RAMPART_ADMIN_TOKEN and RAMPART_INGEST_KEYS; see
	// collector.Server.Bootstrap). With neither, and no key in the store,
	// a new admin token is made and printed once on Out.
	AdminToken string
	IngestKeys []string
	// AllowIPs, AllowUsers and MaxAutoDecisions bound the decisions (see
	// collector.Config: RAMPART_ALLOW_IPS, RAMPART_ALLOW_USERS,
	// RAMPART_MAX_AUTO_DECISIONS).
	AllowIPs         []netip.Prefix
	AllowUsers       []string
	MaxAutoDecisions int
	// DetectLease is how long a replica holds the queued batches it claims
	// for detection (RAMPART_DETECT_LEASE; 0 means 30 s): a replica killed
	// while detecting leaves them to the others once it runs out.
	DetectLease time.Duration
	// DBMaxConns is the PostgreSQL connection pool's size
	// (RAMPART_DB_MAX_CONNS; 0 means postgres.DefaultMaxConns).
	DBMaxConns int
	// RedisPrefix prefixes the account-takeover windows' Redis keys
	// (RAMPART_REDIS_PREFIX), for collectors of several environments
	// sharing one Redis.
	RedisPrefix string
	// Retention prunes the store (collector.Config.Retention; the zero
	// value keeps everything).
	Retention collector.Retention
	// TrustedProxies are the proxies whose client IP headers the UI's
	// login limiter believes (RAMPART_TRUSTED_PROXIES; see
	// ui.Config.TrustedProxies).
	TrustedProxies []netip.Prefix
	// GeoIPDB are MaxMind DB files (GeoLite2-City or -Country, and
	// GeoLite2-ASN) whose country and network the UI shows beside the
	// attackers' addresses (RAMPART_GEOIP_DB). A file that cannot be
	// opened stops the start; none, no country or network is shown.
	GeoIPDB []string
	// Out gets the collector's log and its messages (where it serves, the
	// admin token made on a first start); nil discards them.
	Out io.Writer
	// Ready, when not nil, is called with the listening address once the
	// collector is about to serve.
	Ready func(addr string)
}

// Run runs the collector until ctx is done, then shuts it down: it stops
// taking connections and batches, and finishes those in flight (within
// shutdownTimeout).
func Run(ctx context.Context, cfg Config) error {
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	var geo *geoip.DB
	if len(cfg.GeoIPDB) > 0 {
		var err error
		if geo, err = geoip.Open(cfg.GeoIPDB...); err != nil {
			return fmt.Errorf("RAMPART_GEOIP_DB: %w", err)
		}
		defer geo.Close()
	}
	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	store, where, err := openStore(openCtx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	var window ato.Window = ato.NewMemory(ato.MemoryConfig{})
	var rates collector.RateStore
	if cfg.State != "" {
		w, err := redis.Open(openCtx, cfg.State, cfg.RedisPrefix)
		if err != nil {
			return err
		}
		defer w.Close()
		window, rates = w, w
		where += ", account-takeover windows and rate limits on Redis"
	}
	det := collector.NewATODetector(ato.New(ato.Config{Updates: true}, window), ato.Policy{})

	srv, err := collector.NewServer(openCtx, collector.Config{Store: store, Detector: det, Logger: log, Rate: cfg.Rate, RateStore: rates,
		AllowIPs: cfg.AllowIPs, AllowUsers: cfg.AllowUsers, MaxAutoDecisions: cfg.MaxAutoDecisions, Retention: cfg.Retention,
		DetectLease: cfg.DetectLease})
	if err != nil {
		return err
	}
	created, err := srv.Bootstrap(openCtx, cfg.AdminToken, cfg.IngestKeys)
	if err != nil {
		return err
	}
	if created != "" {
		fmt.Fprintf(out, "rampart: admin token (shown once, keep it): %s\n", created)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	web, err := ui.New(openCtx, ui.Config{Store: store, Logger: log, TrustedProxies: cfg.TrustedProxies, RefuseDecision: srv.RefuseDecision, ObserveStore: srv.ObserveStore,
		GeoIP: geo})
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: web.Handler(srv.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(out, "rampart: collector on http://%s (%s)\n", ln.Addr(), where)
	fmt.Fprintf(out, "rampart: web UI on http://%s/ (log in as admin with the admin token)\n", ln.Addr())
	if geo != nil {
		fmt.Fprintf(out, "rampart: the UI names the country and network of addresses from %s\n", geo.Describe())
	}
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	return serve(ctx, hs, ln, srv, out)
}

// openStore opens the store that cfg names, and says which it is.
func openStore(ctx context.Context, cfg Config) (collector.Store, string, error) {
	if cfg.Database != "" {
		s, err := postgres.OpenPool(ctx, cfg.Database, cfg.DBMaxConns)
		return s, "PostgreSQL", err
	}
	s, err := sqlite.Open(ctx, cfg.Data)
	return s, "SQLite in " + cfg.Data, err
}

// serve serves hs on ln until ctx is done, then shuts down hs and srv,
// the batches in flight stored and answered.
func serve(ctx context.Context, hs *http.Server, ln net.Listener, srv *collector.Server, out io.Writer) error {
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
	err := hs.Shutdown(sctx)
	if cerr := srv.Close(sctx); err == nil {
		err = cerr
	}
	if err2 := <-errc; err == nil && !errors.Is(err2, http.ErrServerClosed) {
		err = err2
	}
	return err
}
