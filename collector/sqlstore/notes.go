package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/rampartsec/rampart/collector"
)

// The notes people write on signals in the UI (table signal_notes,
// migration 9), and the signals that name an address (signal_values by
// value, migration 10).

// AddSignalNote stores a note on its signal; it fails with not_found when
// there is no such signal, and with invalid when the note's text or
// assignee is over collector.MaxNoteText or collector.MaxAssignee (an
// empty text is a note that only changes the assignee). An empty n.ID is
// given a new one.
func (s *Store) AddSignalNote(ctx context.Context, n *collector.Note) error {
	if len(n.Text) > collector.MaxNoteText {
		return collector.FieldErrorf("text", "%d bytes, over the limit of %d", len(n.Text), collector.MaxNoteText)
	}
	if len(n.Assignee) > collector.MaxAssignee {
		return collector.FieldErrorf("assignee", "%d bytes, over the limit of %d", len(n.Assignee), collector.MaxAssignee)
	}
	s.applyForRead(ctx) // the signal may be pending still
	if n.ID == "" {
		n.ID = NewID("note_")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM signals WHERE id = ?`), n.SignalID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return collector.Errorf(collector.ENotFound, "no signal %q", n.SignalID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.rebind(`INSERT INTO signal_notes (id, signal_id, author, body, assignee, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			n.ID, n.SignalID, clean(n.Author), clean(n.Text), clean(n.Assignee), nanos(n.CreatedAt))
		return err
	})
}

const signalNotesQuery = `SELECT id, signal_id, author, body, assignee, created_at FROM signal_notes
	WHERE signal_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`

// ipSignalsQuery counts the signals of one address (the common case of a
// signal's page, prepared once).
const ipSignalsQuery = `SELECT COUNT(*) FROM signal_values WHERE kind = 'ip' AND value = ?`

// SignalNotes returns the notes of a signal, newest first, at most limit.
func (s *Store) SignalNotes(ctx context.Context, signalID string, limit int) ([]collector.Note, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.prep.signalNotes.QueryContext(ctx, signalID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []collector.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func scanNote(r scanner) (collector.Note, error) {
	var n collector.Note
	var at int64
	err := r.Scan(&n.ID, &n.SignalID, &n.Author, &n.Text, &n.Assignee, &at)
	n.CreatedAt = fromNanos(at)
	return n, err
}

// SignalNoteSummaries returns, for those of the signals ids that have
// notes, how many and the newest one (by the index of migration 9: one
// lookup per id, nothing more on a page of signals without notes).
func (s *Store) SignalNoteSummaries(ctx context.Context, ids []string) (map[string]collector.NoteSummary, error) {
	out := map[string]collector.NoteSummary{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), inChunk)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT id, signal_id, author, body, assignee, created_at FROM signal_notes
			WHERE signal_id IN (`+placeholders(len(chunk))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			n, err := scanNote(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			sum := out[n.SignalID]
			sum.Notes++
			// the newest, as SignalNotes orders them: by time, then id
			if sum.Notes == 1 || n.CreatedAt.After(sum.Last.CreatedAt) || n.CreatedAt.Equal(sum.Last.CreatedAt) && n.ID > sum.Last.ID {
				sum.Last = n
			}
			out[n.SignalID] = sum
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SignalCountsByIP returns how many signals name each of ips among their
// IPs (the value as the signal lists it: an address or a prefix); an
// address no signal names is left out.
func (s *Store) SignalCountsByIP(ctx context.Context, ips []string) (map[string]int64, error) {
	s.applyForRead(ctx)
	out := map[string]int64{}
	seen := map[string]bool{}
	uniq := make([]string, 0, len(ips))
	for _, ip := range ips {
		if ip != "" && !seen[ip] {
			seen[ip] = true
			uniq = append(uniq, ip)
		}
	}
	if len(uniq) == 1 {
		var n int64
		if err := s.prep.ipSignals.QueryRowContext(ctx, uniq[0]).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out[uniq[0]] = n
		}
		return out, nil
	}
	for len(uniq) > 0 {
		chunk := uniq[:min(len(uniq), inChunk)]
		uniq = uniq[len(chunk):]
		args := make([]any, len(chunk))
		for i, ip := range chunk {
			args[i] = ip
		}
		rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT value, COUNT(*) FROM signal_values WHERE kind = 'ip' AND value IN (`+placeholders(len(chunk))+`) GROUP BY value`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v string
			var n int64
			if err := rows.Scan(&v, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[v] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxListedIDs bounds the signal ids of an address that a signal query
// lists in its statement (more are selected by a subquery).
const maxListedIDs = 1000

// signalsOfIP returns the ids of the signals that list ip, at most limit.
func (s *Store) signalsOfIP(ctx context.Context, ip string, limit int) ([]any, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT signal_id FROM signal_values WHERE kind = 'ip' AND value = ? LIMIT ?`), ip, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// inChunk bounds the values of one IN list of the UI's lookups.
const inChunk = 500

// placeholders returns n comma-separated '?'.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
