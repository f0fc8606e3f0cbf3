package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make schemas

	"github.com/rampartsec/rampart/internal/prereq"
)

// PostgresURL is the test database: RAMPART_TEST_POSTGRES, or the local
// server at 127.0.0.1:5432 (trust auth, database test).
func PostgresURL() string {
	if u := os.Getenv("RAMPART_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresSchema creates a fresh schema in the test database, dropped when
// t ends, and returns a URL whose search_path selects it, so that parallel
// runs never share tables. It skips t (fails it under RAMPART_REQUIRE=1)
// when the database is not reachable.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	db, err := sql.Open("pgx", base)
	if err != nil {
		prereq.Missing(t, "postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		prereq.Missing(t, "postgres at %s not reachable: %v", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "rampart_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	for i := 0; i < len(base); i++ {
		if base[i] == '?' {
			sep = "&"
		}
	}
	return base + sep + "search_path=" + schema
}
