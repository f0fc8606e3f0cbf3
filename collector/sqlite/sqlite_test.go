package sqlite_test

import (
	"context"
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
