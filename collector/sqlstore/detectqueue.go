package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rampartsec/rampart/collector"
	"github.com/rampartsec/rampart/event"
)

// enqueueDetect queues b's user events for detection, within tx.
func enqueueDetect(ctx context.Context, tx *sql.Tx, d Dialect, b *collector.Batch) error {
	var buf strings.Builder
	buf.WriteByte('[')
	n := 0
	for i := range b.Events {
		se := &b.Events[i]
		if !event.IsUserEvent(se.Event.Type) {
			continue
		}
		// The decoded event: its service and env filled from the batch.
		j, err := json.Marshal(se.Event)
		if err != nil {
			return err
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(j)
		n++
	}
	buf.WriteByte(']')
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO detect_queue (batch_id, received_at, claimed_until, events) VALUES (?, ?, 0, ?)
		ON CONFLICT (batch_id) DO NOTHING`), b.ID, nanos(b.ReceivedAt), clean(buf.String()))
	return err
}

// ClaimDetect claims up to n queued batches for lease (see
// collector.DetectQueue). On PostgreSQL one replica at a time detects: the
// one holding the schema's detection lock (a session advisory lock on a
// connection of its own, released when the replica dies); the others
// claim nothing. The detectors then see the events in the order they were
// received, as one replica would: run at once on several replicas, they
// would judge campaigns on windows filled out of order (see rampart
// simulate --collectors). The rows are locked with SKIP LOCKED besides.
func (s *Store) ClaimDetect(ctx context.Context, now time.Time, lease time.Duration, n int) ([]collector.QueuedBatch, error) {
	if s.d.Name == "postgres" {
		leader, err := s.detectLeader(ctx)
		if err != nil || !leader {
			return nil, err
		}
	}
	pick := `SELECT batch_id, claimed_until FROM detect_queue WHERE claimed_until < ? ORDER BY received_at, batch_id LIMIT ?`
	if s.d.Name == "postgres" {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	pick = s.d.rebind(pick)
	type row struct {
		id      string
		at      int64
		body    string
		claimed bool // before: a replica claimed it and did not finish
	}
	var rows []row
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows = rows[:0]
		rs, err := tx.QueryContext(ctx, pick, now.UnixNano(), n)
		if err != nil {
			return err
		}
		before := map[string]bool{}
		var ids []any
		for rs.Next() {
			var id string
			var until int64
			if err := rs.Scan(&id, &until); err != nil {
				rs.Close()
				return err
			}
			before[id] = until != 0
			ids = append(ids, id)
		}
		rs.Close()
		if err := rs.Err(); err != nil || len(ids) == 0 {
			return err
		}
		q := s.d.rebind(`UPDATE detect_queue SET claimed_until = ? WHERE batch_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `) RETURNING batch_id, received_at, events`)
		rs, err = tx.QueryContext(ctx, q, append([]any{now.Add(lease).UnixNano()}, ids...)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.at, &r.body); err != nil {
				return err
			}
			r.claimed = before[r.id]
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING does not keep the selection's order.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && (rows[j].at < rows[j-1].at || rows[j].at == rows[j-1].at && rows[j].id < rows[j-1].id); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	out := make([]collector.QueuedBatch, 0, len(rows))
	for _, r := range rows {
		var evs []*event.Event
		if err := json.Unmarshal([]byte(r.body), &evs); err != nil {
			return nil, fmt.Errorf("sqlstore: queued batch %s: %w", r.id, err)
		}
		out = append(out, collector.QueuedBatch{ID: r.id, Events: evs, Replayed: r.claimed})
	}
	return out, nil
}

// DoneDetect removes batches from the detection queue.
func (s *Store) DoneDetect(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, s.d.rebind(`DELETE FROM detect_queue WHERE batch_id = ?`))
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// detectLeader reports whether this store holds the detection lock,
// trying to take it when it does not.
func (s *Store) detectLeader(ctx context.Context) (bool, error) {
	s.leadMu.Lock()
	defer s.leadMu.Unlock()
	if s.leadConn != nil {
		// Still ours while the connection lives.
		if err := s.leadConn.PingContext(ctx); err == nil {
			return true, nil
		}
		s.leadConn.Close()
		s.leadConn = nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('rampart detect ' || current_schema()))`).Scan(&got); err != nil {
		conn.Close()
		return false, err
	}
	if !got {
		conn.Close()
		return false, nil
	}
	s.leadConn = conn
	return true, nil
}

// releaseLeader gives the detection lock up (Close).
func (s *Store) releaseLeader() {
	s.leadMu.Lock()
	defer s.leadMu.Unlock()
	if s.leadConn != nil {
		// The connection goes back to the pool: unlock first.
		_, _ = s.leadConn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('rampart detect ' || current_schema()))`)
		s.leadConn.Close()
		s.leadConn = nil
	}
}
