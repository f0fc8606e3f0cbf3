package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/collector/sqlite"
	"github.com/rampartsec/rampart/collector/sqlstore"
	"github.com/rampartsec/rampart/collector/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) collector.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestUIStore(t *testing.T) {
	storetest.RunUI(t, func(t *testing.T) storetest.UIStore {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// A database of migration 3 whose UI created its own tables opens.
func TestUpgradeFromV3(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.UpgradeFromV3(t, db, func(t *testing.T) storetest.UIStore {
		s, err := sqlite.OpenFile(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, []*collector.Batch{storetest.MakeBatch(t, "b1", storetest.Attack("r1", "203.0.113.7", 0))}); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v, want wal", mode, err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, dir) // migrations already applied: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Append(ctx, []*collector.Batch{storetest.MakeBatch(t, "b1", storetest.Attack("r1", "203.0.113.7", 0))})
	if err != nil || !res[0].Duplicate {
		t.Fatalf("batch after reopening: %+v %v, want a duplicate", res, err)
	}
	var v int
	s.DB().QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&v)
	if v != len(sqlstore.Migrations) {
		t.Fatalf("schema version %d", v)
	}
}

// The writer does not checkpoint inside its commits (wal_autocheckpoint is
// 0 on every connection), synchronous stays FULL, and Close stops the
// checkpointer and leaves every committed batch in the database file.
func TestCheckpointOffTheWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var auto, sync int
	if err := s.DB().QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint %d %v, want 0", auto, err)
	}
	if err := s.DB().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous %d %v, want 2 (FULL)", sync, err)
	}
	for i := range 50 {
		b := storetest.MakeBatch(t, fmt.Sprintf("b%d", i), storetest.Attack("r1", "203.0.113.7", 0))
		if _, err := s.Append(ctx, []*collector.Batch{b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The last connection's close checkpointed the WAL and removed it.
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName+"-wal")); !os.IsNotExist(err) {
		t.Errorf("WAL after Close: %v, want none", err)
	}
	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM batches").Scan(&n); err != nil || n != 50 {
		t.Fatalf("%d batches %v after reopening, want 50", n, err)
	}
}
