package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// LoginOverview counts the login events of [since, until) for the
// overview's account-takeover panel: the failures and successes in n
// buckets of equal width, and the accounts with the most failures (at
// most topN, most first, then by id). It reads the (type, at) index.
func (s *Store) LoginOverview(ctx context.Context, since, until time.Time, n int) (failures, successes []int64, accounts []collector.Count, err error) {
	if n <= 0 || !until.After(since) {
		return nil, nil, nil, fmt.Errorf("login overview: %d buckets of [%s, %s)", n, since, until)
	}
	s.applyForRead(ctx)
	failures, successes = make([]int64, n), make([]int64, n)
	width := int64(until.Sub(since) / time.Duration(n))
	if width <= 0 {
		width = 1
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT type, (at - CAST(? AS BIGINT)) / CAST(? AS BIGINT), COUNT(*)
		FROM events WHERE type IN ('user.login.success', 'user.login.failure') AND at >= ? AND at < ? GROUP BY 1, 2`),
		since.UnixNano(), width, since.UnixNano(), until.UnixNano())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("login series: %w", err)
	}
	for rows.Next() {
		var typ string
		var b, c int64
		if err := rows.Scan(&typ, &b, &c); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		if b < 0 || b >= int64(n) {
			continue
		}
		if typ == event.TypeLoginSuccess {
			successes[b] += c
		} else {
			failures[b] += c
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	rows, err = s.db.QueryContext(ctx, s.d.rebind(`SELECT user_id, COUNT(*) FROM events WHERE type = 'user.login.failure' AND at >= ? AND at < ? AND user_id <> ''
		GROUP BY user_id ORDER BY 2 DESC, 1 LIMIT `+strconv.Itoa(topN)), since.UnixNano(), until.UnixNano())
	if err != nil {
		return nil, nil, nil, fmt.Errorf("login accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := collector.Count{Kind: event.TypeLoginFailure}
		if err := rows.Scan(&c.Label, &c.N); err != nil {
			return nil, nil, nil, err
		}
		accounts = append(accounts, c)
	}
	return failures, successes, accounts, rows.Err()
}
