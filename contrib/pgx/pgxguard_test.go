package pgxguard_test

import (
	"context"
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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartsec/rampart"
	pgxguard "github.com/rampartsec/rampart/contrib/pgx"
	"github.com/rampartsec/rampart/httpguard"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/internal/prereq"
	"github.com/rampartsec/rampart/waf/httpinput"
	"github.com/rampartsec/rampart/waf/rules"
)

const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pool connects to the test database and creates a table of its own,
// dropped at the end.
func pool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := pgxpool.New(ctx, dsn)
	if err == nil {
		err = p.Ping(ctx)
	}
	if err != nil {
		prereq.Missing(t, "PostgreSQL at %s: %v", dsn, err)
		return nil, ""
	}
	t.Cleanup(p.Close)
	table := fmt.Sprintf("pgxguard_users_%d", time.Now().UnixNano())
	for _, stmt := range []string{
		"CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, name TEXT)",
		"INSERT INTO " + table + " (id, name) VALUES (1, 'alice'), (2, 'bob'), (3, 'O''Brien')",
	} {
		if _, err := p.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = p.Exec(context.Background(), "DROP TABLE "+table) })
	return p, table
}

func agent(t testing.TB, mode rampart.Mode, rec *eventtest.Recorder) *rampart.Agent {
	t.Helper()
	a, err := rampart.New(rampart.Config{Enabled: true, Mode: mode, Rules: rules.ExploitRules(), Exporter: rec, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// app serves /users?name=N&via=V by string concatenation, on purpose,
// through the call V of the wrapped pool (query, queryrow, exec, batch,
// tx).
// appDB is what app runs its statements through: the wrapper, or a pool
// with the tracer.
type appDB interface {
	pgxguard.Querier
	Begin(context.Context) (pgx.Tx, error)
}

func app(db appDB, table string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		name := r.URL.Query().Get("name")
		stmt := "SELECT count(*) FROM " + table + " WHERE name = '" + name + "'"
		var n int64
		var err error
		switch r.URL.Query().Get("via") {
		case "query":
			var rows pgx.Rows
			rows, err = db.Query(ctx, stmt) // the vulnerable line
			if err == nil {
				for rows.Next() {
					err = rows.Scan(&n)
				}
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
			}
		case "queryrow":
			err = db.QueryRow(ctx, stmt).Scan(&n)
		case "exec":
			var tag interface{ RowsAffected() int64 }
			tag, err = db.Exec(ctx, "UPDATE "+table+" SET id = id WHERE name = '"+name+"'")
			if err == nil {
				n = tag.RowsAffected()
			}
		case "batch":
			b := &pgx.Batch{}
			b.Queue("SELECT 1")
			b.Queue(stmt)
			br := db.SendBatch(ctx, b)
			if _, err = br.Exec(); err == nil {
				err = br.QueryRow().Scan(&n)
			}
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		case "tx":
			var tx pgx.Tx
			if tx, err = db.Begin(ctx); err == nil {
				err = tx.QueryRow(ctx, stmt).Scan(&n)
				_ = tx.Rollback(ctx)
			}
		}
		if errors.Is(err, rampart.ErrBlocked) {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d", n)
	})
}

func vulnerableLine(t *testing.T) string {
	b, err := os.ReadFile("pgxguard_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, "// the vulnerable line") {
			return fmt.Sprintf("pgxguard_test.go:%d", i+1)
		}
	}
	t.Fatal("no vulnerable line")
	return ""
}

func get(t *testing.T, base, via, name string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/users?via=" + via + "&name=" + url.QueryEscape(name))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Injections through every call of the wrapped pool are blocked before
// PostgreSQL sees them, reported with the stack trace; benign calls
// answer as without rampart.
func TestBlocksInjection(t *testing.T) {
	p, table := pool(t)
	rec := &eventtest.Recorder{}
	srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeBlock, rec), app(pgxguard.Wrap(p), table)))
	defer srv.Close()
	for _, via := range []string{"query", "queryrow", "exec", "batch", "tx"} {
		t.Run(via, func(t *testing.T) {
			for name, want := range map[string]string{"alice": "1", "Mary Ann": "0", "1=1": "0", "select": "0"} {
				if code, body := get(t, srv.URL, via, name); code != 200 || body != want {
					t.Errorf("benign %q: %d %q, want %q", name, code, body, want)
				}
			}
			if n := len(rec.Exploits()); n != 0 {
				t.Fatalf("benign requests reported %d exploits: %+v", n, rec.Exploits()[0])
			}
			for _, exploit := range []string{"x' OR '1'='1", "' UNION SELECT 1 --", "alice'; DROP TABLE " + table + "; --"} {
				if code, body := get(t, srv.URL, via, exploit); code != http.StatusForbidden {
					t.Errorf("exploit %q: %d %s", exploit, code, body)
				}
			}
			exs := rec.Exploits()
			rec.Take()
			if len(exs) != 3 {
				t.Fatalf("%d exploit events, want 3", len(exs))
			}
			for _, ex := range exs {
				if ex.Detector != "sqli" || ex.System != "postgresql" || ex.InputAddress != "server.request.query" || ex.Location == nil || len(ex.Stack) == 0 {
					t.Fatalf("exploit %+v", ex)
				}
				if ex.Resource[ex.Start:ex.End] != ex.Input {
					t.Errorf("highlight [%d:%d] of %q is not %q", ex.Start, ex.End, ex.Resource, ex.Input)
				}
				if strings.Contains(ex.Stack[0].Function, "pgxguard.") && !strings.Contains(ex.Stack[0].Function, "pgxguard_test") {
					t.Errorf("the stack starts in the wrapper: %+v", ex.Stack[0])
				}
			}
			if via == "query" {
				loc := fmt.Sprintf("%s:%d", exs[0].Location.File, exs[0].Location.Line)
				if want := vulnerableLine(t); !strings.HasSuffix(loc, want) {
					t.Errorf("location %s, want the vulnerable line %s", loc, want)
				}
			}
		})
	}
	// The table survived: the stacked DROP never ran.
	var n int
	if err := p.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 3 {
		t.Fatalf("users after the exploits: %d, %v", n, err)
	}
}

// The tracer on the pool's config: the pool's own calls, unwrapped, are
// checked; refused statements never reach PostgreSQL, their error matches
// ErrBlocked and context.Canceled, each exploit is reported once, and the
// pool's connections stay usable.
func TestTracer(t *testing.T) {
	_, table := pool(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig(dsn)
			if err != nil {
				t.Fatal(err)
			}
			cfg.MaxConns = 2
			cfg.ConnConfig.DefaultQueryExecMode = mode
			cfg.ConnConfig.Tracer = pgxguard.Tracer(nil)
			tp, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tp.Close()
			rec := &eventtest.Recorder{}
			srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeBlock, rec), app(tp, table)))
			defer srv.Close()
			for _, via := range []string{"query", "queryrow", "exec", "batch", "tx"} {
				if code, body := get(t, srv.URL, via, "alice"); code != 200 || body != "1" {
					t.Errorf("%s benign: %d %q", via, code, body)
				}
				for _, exploit := range []string{"x' OR '1'='1", "alice'; DROP TABLE " + table + "; --"} {
					if code, body := get(t, srv.URL, via, exploit); code != http.StatusForbidden {
						t.Errorf("%s exploit %q: %d %s", via, exploit, code, body)
					}
				}
				exs := rec.Take()
				if len(exs) != 2 {
					t.Errorf("%s: %d events for 2 exploits", via, len(exs))
				}
				for _, e := range exs {
					if x := e.Exploit; x == nil || x.Location == nil || !strings.HasSuffix(x.Location.File, "pgxguard_test.go") {
						t.Errorf("%s: exploit location %+v, want the application's call", via, x.Location)
					}
				}
			}
			var n int
			if err := tp.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 3 {
				t.Fatalf("after the exploits: %d rows, %v", n, err)
			}
			// The error of a refused statement.
			a := agent(t, rampart.ModeBlock, &eventtest.Recorder{})
			sec := a.Begin(&httpinput.Request{Method: "GET", URI: "/x?name=" + url.QueryEscape("x' OR '1'='1"), RemoteAddr: "127.0.0.1:1"})
			defer sec.Finish(200)
			_, err = tp.Exec(rampart.WithRequest(context.Background(), sec), "UPDATE "+table+" SET id = id WHERE name = 'x' OR '1'='1'")
			var be *rampart.BlockedError
			if !errors.Is(err, rampart.ErrBlocked) || !errors.Is(err, context.Canceled) || !errors.As(err, &be) || be.RuleID != "rp-rasp-sqli" {
				t.Errorf("refused Exec: %v", err)
			}
		})
	}
}

// In monitor mode the statement runs and the exploit is reported.
func TestMonitor(t *testing.T) {
	p, table := pool(t)
	rec := &eventtest.Recorder{}
	srv := httptest.NewServer(httpguard.New(agent(t, rampart.ModeMonitor, rec), app(pgxguard.Wrap(p), table)))
	defer srv.Close()
	if code, body := get(t, srv.URL, "query", "x' OR '1'='1"); code != 200 || body != "3" {
		t.Errorf("monitored exploit: %d %q, want 200 and the 3 rows it selects", code, body)
	}
	if exs := rec.Exploits(); len(exs) != 1 {
		t.Fatalf("%d exploits", len(exs))
	}
}

// dbtx is the interface sqlc generates for pgx: a DB is one.
type dbtx interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
	CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error)
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}

var _ dbtx = (*pgxguard.DB)(nil)

// CopyFrom and a connection's Prepare go through; Prepare checks the
// statement like the other calls.
func TestCopyFromAndPrepare(t *testing.T) {
	p, table := pool(t)
	db := pgxguard.Wrap(p)
	ctx := context.Background()
	n, err := db.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{10, "carol"}, {11, "x' OR '1'='1"}}))
	if err != nil || n != 2 {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	if _, err := db.Prepare(ctx, "s1", "SELECT 1"); err == nil {
		t.Error("Prepare on a pool: no error")
	}
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	rec := &eventtest.Recorder{}
	a := agent(t, rampart.ModeBlock, rec)
	sec := a.Begin(&httpinput.Request{Method: "GET", URI: "/x?name=" + url.QueryEscape("x' OR '1'='1"), RemoteAddr: "127.0.0.1:1"})
	defer sec.Finish(200)
	rctx := rampart.WithRequest(ctx, sec)
	cdb := pgxguard.Wrap(c.Conn())
	if _, err := cdb.Prepare(rctx, "s2", "SELECT count(*) FROM "+table+" WHERE name = 'carol'"); err != nil {
		t.Fatalf("benign Prepare: %v", err)
	}
	if _, err := cdb.Prepare(rctx, "s3", "SELECT count(*) FROM "+table+" WHERE name = 'x' OR '1'='1'"); !errors.Is(err, rampart.ErrBlocked) {
		t.Fatalf("exploit Prepare: %v", err)
	}
}

// Without a request on the context nothing is checked: parameterized
// and background calls pass.
func TestNoRequest(t *testing.T) {
	p, table := pool(t)
	db := pgxguard.Wrap(p)
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE name = $1", "x' OR '1'='1").Scan(&n); err != nil || n != 0 {
		t.Fatalf("parameterized: %d %v", n, err)
	}
	if db.Unwrap() != pgxguard.Querier(p) {
		t.Error("Unwrap is not the pool")
	}
}
