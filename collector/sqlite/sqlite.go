// Package sqlite is the collector's default Store: an embedded SQLite
// database (modernc.org/sqlite, pure Go) in write-ahead-log mode with full
// synchronous commits, so that an acknowledged batch survives a crash.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/rampartsec/rampart/collector/sqlstore"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the database file inside the data directory.
const FileName = "rampart.db"

// Open opens (creating it if needed) the database in directory dir and
// applies the migrations.
func Open(ctx context.Context, dir string) (*sqlstore.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// OpenFile opens the database file path and applies the migrations.
func OpenFile(ctx context.Context, path string) (*sqlstore.Store, error) {
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		// FULL: a commit is on disk before Append returns, so the 202
		// of an ingest means durable, not only handed to the OS.
		"synchronous(FULL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"temp_store(MEMORY)",
		// No connection checkpoints when its commit grows the WAL past
		// 1,000 pages (SQLite's default): that work, a third of the
		// writer's, would run inside the commit of an ingest. The
		// checkpointer below does it on its own connection beside the
		// writer. Durability is the WAL's: a commit is fsynced there.
		"wal_autocheckpoint(0)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Readers run beside the one writer in WAL mode.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	s, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go checkpointer(db, stop, done)
	s.OnClose(func() { close(stop); <-done })
	return s, nil
}

// checkpointInterval is how often the checkpointer copies the WAL's
// committed pages into the database file.
const checkpointInterval = 100 * time.Millisecond

// checkpointer runs PRAGMA wal_checkpoint(PASSIVE) every
// checkpointInterval until stop is closed: it never waits for the writer
// or the readers (what a reader still needs stays in the WAL for the next
// round), and the writer starts the WAL over once a round has copied it
// all. Closing the last connection checkpoints what remains.
func checkpointer(db *sql.DB, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		// An error (a busy database) is retried at the next round.
		db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
	}
}
