package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// pruneChunk is the most rows one pruning transaction deletes: each holds
// its locks for a moment, and ingest goes on between them.
const pruneChunk = 5000

// Prune deletes what r says is past keeping, as of now: events older than
// r.Events, batch records (the dedup of retried batches) received before
// r.Batches, decisions expired for longer than r.Decisions. It deletes in
// short transactions of at most pruneChunk rows. On PostgreSQL one replica
// prunes at a time (an advisory lock tried, not waited for: a replica that
// finds it taken returns at once). Signals stay, with their counts.
func (s *Store) Prune(ctx context.Context, r collector.Retention, now time.Time) (collector.Pruned, error) {
	var p collector.Pruned
	if s.d.Name == "postgres" {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return p, err
		}
		defer conn.Close()
		const key = `hashtext('rampart prune ' || current_schema())`
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+key+`)`).Scan(&got); err != nil {
			return p, err
		}
		if !got {
			return p, nil
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`)
	}
	row := "rowid"
	if s.d.Name == "postgres" {
		row = "ctid"
	}
	steps := []struct {
		n     *int64
		table string
		where string
		keep  time.Duration
	}{
		{&p.Events, "events", "at < ?", r.Events},
		{&p.Batches, "batches", "received_at < ?", r.Batches},
		{&p.Decisions, "decisions", "expires_at > 0 AND expires_at < ?", r.Decisions},
		// The UI's login attempts count for minutes: an hour is plenty.
		{new(int64), "login_attempts", "at < ?", time.Hour},
	}
	for _, st := range steps {
		if st.keep <= 0 {
			continue
		}
		q := s.d.rebind(`DELETE FROM ` + st.table + ` WHERE ` + row + ` IN (SELECT ` + row + ` FROM ` + st.table + ` WHERE ` + st.where + ` LIMIT ` + strconv.Itoa(pruneChunk) + `)`)
		if s.d.Name == "postgres" {
			q = s.d.rebind(`DELETE FROM ` + st.table + ` WHERE ctid = ANY(ARRAY(SELECT ctid FROM ` + st.table + ` WHERE ` + st.where + ` LIMIT ` + strconv.Itoa(pruneChunk) + `))`)
		}
		cut := now.Add(-st.keep).UnixNano()
		for {
			var n int64
			err := s.write(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, q, cut)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return p, err
			}
			*st.n += n
			if n < pruneChunk || ctx.Err() != nil {
				break
			}
		}
	}
	if p.Decisions > 0 {
		s.Deliver(collector.ChangeDecisions)
	}
	return p, ctx.Err()
}
