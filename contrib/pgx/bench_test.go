package pgxguard_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartsec/rampart"
	pgxguard "github.com/rampartsec/rampart/contrib/pgx"
	"github.com/rampartsec/rampart/internal/eventtest"
	"github.com/rampartsec/rampart/waf/httpinput"
)

// BenchmarkQueryRow is one QueryRow on the real PostgreSQL, through the
// pool itself and through the wrapper with a request on the context (the
// exploit-prevention rules, block mode), and through a pool with the
// tracer: the cost of either is the statement's check.
func BenchmarkQueryRow(b *testing.B) {
	p, table := pool(b)
	a := agent(b, rampart.ModeBlock, &eventtest.Recorder{})
	sec := a.Begin(&httpinput.Request{Method: "GET", URI: "/users?name=alice&sort=name", Headers: [][2]string{{"User-Agent", "bench/1.0"}}, RemoteAddr: "127.0.0.1:40000"})
	defer sec.Finish(200)
	ctx := rampart.WithRequest(context.Background(), sec)
	stmt := "SELECT count(*) FROM " + table + " WHERE name = 'alice'"
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.Tracer = pgxguard.Tracer(nil)
	tp, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	for _, c := range []struct {
		name string
		q    pgxguard.Querier
	}{{"bare", p}, {"rampart", pgxguard.Wrap(p)}, {"tracer", tp}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				if err := c.q.QueryRow(ctx, stmt).Scan(&n); err != nil || n != 1 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
