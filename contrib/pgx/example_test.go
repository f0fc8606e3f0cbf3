package pgxguard_test

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampartsec/rampart"
	pgxguard "github.com/rampartsec/rampart/contrib/pgx"
)

// A handler whose statements are checked against its request (the
// request's context carries it, from httpguard or another guard).
func ExampleWrap() {
	pool, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:5432/test")
	if err != nil {
		return
	}
	defer pool.Close()
	db := pgxguard.Wrap(pool)
	http.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		var n int
		err := db.QueryRow(r.Context(), "SELECT count(*) FROM users WHERE name = $1", r.URL.Query().Get("name")).Scan(&n)
		if errors.Is(err, rampart.ErrBlocked) {
			http.Error(w, "blocked", http.StatusForbidden)
			return
		}
		// ...
	})
}
