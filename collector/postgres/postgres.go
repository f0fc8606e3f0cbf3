// Package postgres is the collector's Store on PostgreSQL, for many
// collector replicas sharing one database (github.com/jackc/pgx/v5 through
// database/sql), with the same migrations as the embedded SQLite store.
package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also the "pgx" database/sql driver
	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlstore"
)

// Open connects to the database at url (postgres://... or a key=value
// string; a search_path parameter selects a schema) and applies the
// migrations. The store listens for the changes of the other replicas on
// the same database (LISTEN/NOTIFY on sqlstore.ChangesChannel) and
// delivers them to its watchers (see collector.Watcher), until it is
// closed.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	return OpenPool(ctx, url, DefaultMaxConns)
}

// DefaultMaxConns is the connection pool size of Open.
const DefaultMaxConns = 16

// OpenPool is Open with a pool of at most maxConns connections (one of
// them listens for the other replicas' changes); 0 means DefaultMaxConns.
// Size it to the database's max_connections divided by the replicas.
func OpenPool(ctx context.Context, url string, maxConns int) (*sqlstore.Store, error) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	maxConns = max(maxConns, 2)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s, err := sqlstore.Open(ctx, db, sqlstore.Postgres)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); listen(lctx, db, s) }()
	s.OnClose(func() { cancel(); <-done })
	return s, nil
}

// listen delivers the notifications of sqlstore.ChangesChannel to s, on a
// connection of its own, until ctx is done. After the connection is lost
// (and at the start) every kind of change is delivered once, for what
// happened while nobody listened.
func listen(ctx context.Context, db *sql.DB, s *sqlstore.Store) {
	for wait := 100 * time.Millisecond; ctx.Err() == nil; {
		err := listenOnce(ctx, db, s)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres: listening for other replicas' changes", "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

func listenOnce(ctx context.Context, db *sql.DB, s *sqlstore.Store) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{sqlstore.ChangesChannel}.Sanitize()); err != nil {
			return err
		}
		s.Deliver(collector.ChangeDecisions)
		s.Deliver(collector.ChangeKeys)
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			switch c := collector.Change(n.Payload); c {
			case collector.ChangeDecisions, collector.ChangeKeys:
				s.Deliver(c)
			}
		}
	})
}
