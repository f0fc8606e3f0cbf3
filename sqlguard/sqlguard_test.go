package sqlguard_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/internal/prereq"
	"github.com/rampartsec/rampart/sqlguard"
	"github.com/rampartsec/rampart/waf/rules"
)

func agent(t *testing.T, mode rampart.Mode, rec *eventtest.Recorder) *rampart.Agent {
	t.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: mode, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// app serves /users?name=N by string concatenation, on purpose.
func app(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		rows, err := db.QueryContext(r.Context(), "SELECT id, name FROM users WHERE name = '"+name+"'") // the vulnerable line
		if errors.Is(err, rampart.ErrBlocked) {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		fmt.Fprintf(w, "%d rows", n)
	})
}

// vulnerableLine returns "sqlguard_test.go:N" for the line of the query.
func vulnerableLine(t *testing.T) string {
	b, err := os.ReadFile("sqlguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// the vulnerable line") {
			return fmt.Sprintf("sqlguard_test.go:%d", i+1)
		}
	}
	t.Fatal("no vulnerable line")
	return ""
}

func get(t *testing.T, base, name string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/users?name=" + url.QueryEscape(name))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func exercise(t *testing.T, db *sql.DB, system string) {
	for _, stmt := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
		"INSERT INTO users (id, name) VALUES (1, 'alice'), (2, 'bob'), (3, 'O''Brien')",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("block", func(t *testing.T) {
		rec := &eventtest.Recorder{}
		srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeBlock, rec), app(db)))
		defer srv.Close()
		for _, benign := range []string{"alice", "Mary Ann", "nobody at all", "1=1", "select"} {
			if code, body := get(t, srv.URL, benign); code != 200 || strings.Contains(body, "blocked") {
				t.Errorf("benign %q: %d %s", benign, code, body)
			}
		}
		if n := len(rec.Exploits()); n != 0 {
			t.Fatalf("benign requests reported %d exploits: %+v", n, rec.Exploits()[0])
		}
		for _, exploit := range []string{"x' OR '1'='1", "' UNION SELECT 1, name FROM users --", "alice'; DROP TABLE users; --"} {
			code, body := get(t, srv.URL, exploit)
			if code != http.StatusForbidden {
				t.Errorf("exploit %q: %d %s", exploit, code, body)
			}
		}
		// The table survived: the stacked DROP never ran.
		var n int
		if err := db.QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil || n != 3 {
			t.Fatalf("users after the exploits: %d, %v", n, err)
		}
		exs := rec.Exploits()
		if len(exs) != 3 {
			t.Fatalf("%d exploit events, want 3", len(exs))
		}
		for _, ex := range exs {
			if ex.Detector != "sqli" || ex.System != system || ex.InputAddress != "server.request.query" || ex.Location == nil {
				t.Fatalf("exploit %+v", ex)
			}
			if loc, want := fmt.Sprintf("%s:%d", ex.Location.File, ex.Location.Line), vulnerableLine(t); !strings.HasSuffix(loc, want) {
				t.Errorf("location %s, want the vulnerable line %s", loc, want)
			}
			if ex.Resource[ex.Start:ex.End] != ex.Input {
				t.Errorf("highlight [%d:%d] of %q is not %q", ex.Start, ex.End, ex.Resource, ex.Input)
			}
		}
	})
	placeholder := "?"
	if system == "postgresql" {
		placeholder = "$1"
	}
	t.Run("prepared outside the request", func(t *testing.T) {
		rec := &eventtest.Recorder{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := db.Prepare("SELECT count(*) FROM users WHERE name = '" + r.URL.Query().Get("name") + "' AND id > " + placeholder) // no context
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer st.Close()
			var n int
			if err := st.QueryRowContext(r.Context(), 0).Scan(&n); err != nil {
				if errors.Is(err, rampart.ErrBlocked) {
					http.Error(w, "blocked", http.StatusForbidden)
					return
				}
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, "%d", n)
		})
		srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeBlock, rec), h))
		defer srv.Close()
		if code, body := get(t, srv.URL, "bob"); code != 200 || body != "1" {
			t.Errorf("benign: %d %q", code, body)
		}
		if code, body := get(t, srv.URL, "x' OR '1'='1"); code != 403 {
			t.Errorf("exploit through a statement prepared without a context: %d %q", code, body)
		}
		if n := len(rec.Exploits()); n != 1 {
			t.Errorf("%d exploit events, want 1", n)
		}
	})
	t.Run("monitor", func(t *testing.T) {
		rec := &eventtest.Recorder{}
		srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeMonitor, rec), app(db)))
		defer srv.Close()
		code, body := get(t, srv.URL, "x' OR '1'='1")
		if code != 200 || body != "3 rows" {
			t.Errorf("monitor mode: %d %q, want the injected query to run", code, body)
		}
		if len(rec.Exploits()) != 1 {
			t.Errorf("monitor mode reported %d exploits", len(rec.Exploits()))
		}
	})
	t.Run("no request", func(t *testing.T) {
		// Statements outside a protected request are not checked.
		if _, err := db.QueryContext(context.Background(), "SELECT 1 WHERE 'a' = 'a' OR 1=1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSQLite(t *testing.T) {
	db, err := sqlguard.Open("sqlite", "file:"+t.TempDir()+"/app.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exercise(t, db, "sqlite")
}

func TestPostgreSQL(t *testing.T) {
	dsn := os.Getenv("RAMPART_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	plain, err := sql.Open("pgx", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = plain.PingContext(ctx)
		cancel()
	}
	if err != nil {
		prereq.Missing(t, "PostgreSQL at %s: %v", dsn, err)
	}
	schema := fmt.Sprintf("sqlguard_%d", time.Now().UnixNano())
	if _, err := plain.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	defer plain.Exec("DROP SCHEMA " + schema + " CASCADE")
	defer plain.Close()
	db, err := sqlguard.Open("pgx", dsn+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exercise(t, db, "postgresql")
}

func TestSystem(t *testing.T) {
	for name, want := range map[string]string{"pgx": "postgresql", "postgres": "postgresql", "pgsql": "postgresql", "PostgreSQL": "postgresql", "mariadb": "mysql", "mssql": "sqlserver", "oracle": "oracle", "oci8": "oracle", "sqlite": "sqlite", "sqlite3": "sqlite", "mysql": "mysql", "sqlserver": "sqlserver", "godror": "oracle", "other": ""} {
		if got := sqlguard.System(name); got != want {
			t.Errorf("System(%q) = %q, want %q", name, got, want)
		}
	}
}
