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
		// A WAL that grew past 64 MiB is truncated when it starts over.
		"journal_size_limit(67108864)",
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
	go checkpointer(s, stop, done)
	s.OnClose(func() { close(stop); <-done })
	return s, nil
}

// checkpointInterval is how often the checkpointer copies the WAL's
// committed pages into the database file.
const checkpointInterval = 100 * time.Millisecond

// catchUpFrames is the WAL size (in pages: 32 MiB of 4 KiB pages) past
// which the checkpointer finishes a checkpoint under the write lock, so
// that the WAL starts over (measured: 10 to 35 ms under the lock, about
// every 300 ms at 50,000 events/s).
const catchUpFrames = 8000

// checkpointer runs PRAGMA wal_checkpoint(PASSIVE) every
// checkpointInterval until stop is closed, beside the writer: it never
// waits for the writer or the readers. Under a steady stream of commits a
// round never reaches the WAL's end (the writer appends while it copies),
// and the WAL restarts only from a complete checkpoint: so when the WAL is
// past catchUpFrames, the round is finished under the store's write lock,
// where only the pages committed during the round are left to copy, and
// the next commit starts the WAL over. Closing the last connection
// checkpoints what remains.
func checkpointer(s *sqlstore.Store, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	db := s.DB()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	// round checkpoints once and returns the WAL's size when it began.
	round := func() (log int, err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var busy, copied int
		err = db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
		return log, err
	}
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// An error (a busy database) is retried at the next round.
		log, err := round()
		if err != nil || log < catchUpFrames {
			continue
		}
		// Rounds back to back until one leaves little behind (log is the
		// WAL's end when a round starts), then the rest under the lock.
		for range 4 {
			next, err := round()
			if err != nil {
				break
			}
			grew := next - log
			log = next
			if grew < catchUpFrames/16 {
				break
			}
		}
		s.WriteLocked(func() { round() })
	}
}
