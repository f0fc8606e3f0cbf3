// Package sqlstore implements collector.Store over database/sql, in SQL
// that SQLite and PostgreSQL both run, with the same versioned migrations.
// The Store is also what the web UI reads beside it and where the UI keeps
// its users and sessions (collector/ui's ReadModel, UserStore and
// SessionStore): every SQL statement of the collector is here.
// Packages collector/sqlite and collector/postgres open the databases and
// choose the Dialect; this package holds no driver.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/collector"
)

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Dollar numbers placeholders ($1, $2...) instead of '?'.
	Dollar bool
	// Min and Max are the scalar functions of two values (MIN and MAX
	// in SQLite, LEAST and GREATEST in PostgreSQL).
	Min, Max string
	// SerializeWrites makes write transactions take a process-wide lock
	// (SQLite has one writer at a time).
	SerializeWrites bool
	// MaxParams bounds the placeholders of one statement.
	MaxParams int
}

// The dialects.
var (
	SQLite   = Dialect{Name: "sqlite", Min: "MIN", Max: "MAX", SerializeWrites: true, MaxParams: 30000}
	Postgres = Dialect{Name: "postgres", Dollar: true, Min: "LEAST", Max: "GREATEST", MaxParams: 60000}
)

// rebind rewrites '?' placeholders for the dialect. The queries of this
// package hold no '?' in literals.
func (d Dialect) rebind(q string) string {
	if !d.Dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Store is a collector.Store on a SQL database.
type Store struct {
	db  *sql.DB
	d   Dialect
	wmu sync.Mutex // write transactions, when d.SerializeWrites
	q   queries
	// prepared statements of the ingest path, parsed once (SQLite's
	// parser is a third of the cost of an unprepared insert), and of a
	// signal's page (its row, events, notes, the signals of one IP)
	prep struct {
		batchInsert, batchHash, event1, eventN, signalUpsert, valueInsert *sql.Stmt
		signalByID, signalEvents, signalNotes, ipSignals                  *sql.Stmt
		decisionsVersion, decisionsList                                   *sql.Stmt
	}
	// stmts caches the prepared statements of read queries whose text
	// varies with their arguments (an IN list's length): a few shapes,
	// each parsed once (see cachedStmt).
	stmts  sync.Map // string -> *sql.Stmt
	nstmts atomic.Int32
	known  knownValues
	// pendingKnown are the values inserted by the write transaction in
	// progress (under wmu, or for PostgreSQL under pmu), remembered once
	// it commits.
	pendingKnown []string
	pmu          sync.Mutex
	onClose      []func()
	retries      atomic.Int64 // write transactions run again (WriteRetries)

	wmuWatch sync.Mutex
	watchers []func(collector.Change)

	leadMu   sync.Mutex
	leadConn *sql.Conn // holds the detection lock (PostgreSQL)

	applyWake chan struct{} // the applier of signal_pending (PostgreSQL)
}

// ChangesChannel is the PostgreSQL notification channel of the store's
// changes (its payload a collector.Change), sent in the transaction that
// makes them, so delivered when it commits.
const ChangesChannel = "rampart_changes"

// Watch calls f after each change of decisions or keys made through this
// store, and after each Deliver.
func (s *Store) Watch(f func(collector.Change)) {
	s.wmuWatch.Lock()
	s.watchers = append(s.watchers, f)
	s.wmuWatch.Unlock()
}

// Deliver reports a change made elsewhere (by another replica: the
// postgres package's listener calls it) to the watchers.
func (s *Store) Deliver(c collector.Change) {
	s.wmuWatch.Lock()
	ws := slices.Clone(s.watchers)
	s.wmuWatch.Unlock()
	for _, f := range ws {
		f(c)
	}
}

// announce sends c to the other replicas within tx (PostgreSQL).
func (s *Store) announce(ctx context.Context, tx *sql.Tx, c collector.Change) error {
	if s.d.Name != "postgres" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, string(c))
	return err
}

// eventChunk is the number of rows of the multi-row event insert.
const eventChunk = 25

var _ collector.Store = (*Store)(nil)

type queries struct {
	batchInsert, batchHash, signalUpsert, valueInsert, versionBump, decisionUpsert, decisionDelete string
	pendingInsert, pendingDelete                                                                   string
	keyUpsert, keyInsert, keyRevoke, signalByID, signalValues, signalEvents, setStatus             string
	dropUpsert                                                                                     string
}

// Open applies the migrations to db and returns a Store on it. The Store
// owns db and closes it on Close.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	if err := migrate(ctx, db, d); err != nil {
		return nil, err
	}
	s := &Store{db: db, d: d}
	r := d.rebind
	s.q = queries{
		batchInsert: r(`INSERT INTO batches (id, hash, key_id, received_at, events) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		batchHash:   r(`SELECT hash FROM batches WHERE id = ?`),
		signalUpsert: r(`INSERT INTO signals (id, grouping_key, type, severity, severity_rank, status, title, service, env, rule_id, location, first_seen, last_seen, count)
			VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				count = signals.count + excluded.count,
				first_seen = ` + d.Min + `(signals.first_seen, excluded.first_seen),
				last_seen = ` + d.Max + `(signals.last_seen, excluded.last_seen),
				severity = CASE WHEN excluded.severity_rank > signals.severity_rank THEN excluded.severity ELSE signals.severity END,
				severity_rank = ` + d.Max + `(signals.severity_rank, excluded.severity_rank),
				status = 'open'`),
		valueInsert: r(`INSERT INTO signal_values (signal_id, kind, value)
			SELECT ?, ?, ? WHERE (SELECT COUNT(*) FROM signal_values WHERE signal_id = ? AND kind = ?) < ` + strconv.Itoa(collector.MaxSignalValues) + `
			ON CONFLICT (signal_id, kind, value) DO NOTHING`),
		versionBump: r(`UPDATE meta SET value = value + 1 WHERE name = 'decisions_version' RETURNING value`),
		decisionUpsert: r(`INSERT INTO decisions (id, kind, value, expires_at, reason, author, signal_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, value) DO UPDATE SET expires_at = excluded.expires_at, reason = excluded.reason,
				author = excluded.author, signal_id = excluded.signal_id, created_at = excluded.created_at
			RETURNING id`),
		decisionDelete: r(`DELETE FROM decisions WHERE id = ?`),
		pendingInsert:  r(`INSERT INTO signal_pending (id, at, body) VALUES (?, ?, ?)`),
		pendingDelete:  r(`DELETE FROM signal_pending WHERE id = ?`),
		keyUpsert: r(`INSERT INTO api_keys (id, name, kind, hash, created_at, revoked_at, service) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, hash = excluded.hash,
				created_at = excluded.created_at, revoked_at = excluded.revoked_at, service = excluded.service`),
		keyInsert: r(`INSERT INTO api_keys (id, name, kind, hash, created_at, revoked_at, service) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`),
		keyRevoke:    r(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0`),
		signalByID:   r(`SELECT ` + signalColumns + ` FROM signals WHERE id = ?`),
		signalEvents: r(`SELECT body FROM events WHERE signal_id = ? ORDER BY at DESC, batch_id DESC, seq DESC LIMIT ?`),
		setStatus:    r(`UPDATE signals SET status = ? WHERE id = ?`),
		dropUpsert: r(`INSERT INTO dropped (key_id, service, events, batches, last_reported) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key_id, service) DO UPDATE SET events = dropped.events + excluded.events,
				batches = dropped.batches + excluded.batches,
				last_reported = ` + d.Max + `(dropped.last_reported, excluded.last_reported)`),
	}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.prep.batchInsert, s.q.batchInsert}, {&s.prep.batchHash, s.q.batchHash},
		{&s.prep.event1, eventInsert(d, 1)}, {&s.prep.eventN, eventInsert(d, eventChunk)},
		{&s.prep.signalUpsert, s.q.signalUpsert}, {&s.prep.valueInsert, s.q.valueInsert},
		{&s.prep.signalByID, s.q.signalByID}, {&s.prep.signalEvents, s.q.signalEvents},
		{&s.prep.signalNotes, r(signalNotesQuery)}, {&s.prep.ipSignals, r(ipSignalsQuery)},
		{&s.prep.decisionsVersion, decisionsVersionQuery}, {&s.prep.decisionsList, decisionsListQuery},
	} {
		st, err := db.PrepareContext(ctx, p.q)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: preparing: %w", err)
		}
		*p.dst = st
	}
	if !d.SerializeWrites {
		// Signal updates a replica left when it died, then the applier.
		if err := s.sweepPending(ctx, true); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlstore: applying pending signal updates: %w", err)
		}
		s.startApplier()
	}
	return s, nil
}

// eventInsert is the insert of n event rows.
func eventInsert(d Dialect, n int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO events (batch_id, seq, type, at, service, ip, user_id, signal_id, body) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return d.rebind(q.String())
}

// DB returns the underlying database, for tests and maintenance.
func (s *Store) DB() *sql.DB { return s.db }

// WriteLocked runs f while holding the lock that serializes the Store's
// write transactions (under Dialect.SerializeWrites): no write of this
// Store runs meanwhile. The SQLite checkpointer uses it to finish a
// checkpoint that the writer keeps overtaking, so the WAL can start over.
func (s *Store) WriteLocked(f func()) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	f()
}

// OnClose registers f to run when Close is called, before the database is
// closed (the SQLite store stops its checkpointer with it).
func (s *Store) OnClose(f func()) { s.onClose = append(s.onClose, f) }

// Close closes the database.
func (s *Store) Close() error {
	s.releaseLeader()
	for _, f := range s.onClose {
		f()
	}
	s.onClose = nil
	for _, st := range []*sql.Stmt{s.prep.batchInsert, s.prep.batchHash, s.prep.event1, s.prep.eventN, s.prep.signalUpsert, s.prep.valueInsert,
		s.prep.signalByID, s.prep.signalEvents, s.prep.signalNotes, s.prep.ipSignals, s.prep.decisionsVersion, s.prep.decisionsList} {
		st.Close()
	}
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// write runs f in a write transaction. A transaction that PostgreSQL
// aborts as a deadlock victim or a serialization failure is run again
// (f starts over), a few times with a short randomized wait: replicas
// writing the same signals at once must not fail their ingest requests.
func (s *Store) write(ctx context.Context, f func(tx *sql.Tx) error) error {
	if s.d.SerializeWrites {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	} else {
		// pendingKnown is per transaction; PostgreSQL's writers still run
		// concurrently in other processes.
		s.pmu.Lock()
		defer s.pmu.Unlock()
	}
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, f)
		if err == nil || attempt == maxWriteAttempts || !retryable(err) {
			return err
		}
		s.retries.Add(1)
		wait := time.Duration(attempt) * time.Millisecond * time.Duration(1+mrand.IntN(4))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// maxWriteAttempts bounds the runs of one write transaction.
const maxWriteAttempts = 5

func (s *Store) writeOnce(ctx context.Context, f func(tx *sql.Tx) error) error {
	s.pendingKnown = s.pendingKnown[:0]
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.known.add(s.pendingKnown)
	return nil
}

// retryable reports a PostgreSQL error that asks the transaction to be run
// again: deadlock_detected (40P01) or serialization_failure (40001).
func retryable(err error) bool {
	var pe interface{ SQLState() string }
	if !errors.As(err, &pe) {
		return false
	}
	code := pe.SQLState()
	return code == "40P01" || code == "40001"
}

// WriteRetries returns how many write transactions were run again after a
// deadlock or a serialization failure.
func (s *Store) WriteRetries() int64 { return s.retries.Load() }

// clean removes NUL bytes, which PostgreSQL's TEXT cannot hold, from a
// value bound to an indexed column (the event's JSON keeps them escaped).
func clean(v string) string {
	if strings.IndexByte(v, 0) < 0 {
		return v
	}
	return strings.ReplaceAll(v, "\x00", "")
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Append stores batches in one transaction.
func (s *Store) Append(ctx context.Context, batches []*collector.Batch) ([]collector.Appended, error) {
	res := make([]collector.Appended, len(batches))
	var pendingID string
	err := s.write(ctx, func(tx *sql.Tx) error {
		clear(res) // a retried transaction starts over
		pendingID = ""
		var merged signalSet
		var drops []collector.DropCount
		seen := map[string]int{}
		// the prepared statements, bound to the transaction once for
		// the whole group
		st := txStmts{
			batch: tx.StmtContext(ctx, s.prep.batchInsert),
			many:  tx.StmtContext(ctx, s.prep.eventN),
			one:   tx.StmtContext(ctx, s.prep.event1),
		}
		// In batch id order, and signals and drops in key order below:
		// every transaction takes its row locks in one order, so that
		// concurrent writers (replicas) wait for each other instead of
		// deadlocking.
		order := make([]int, len(batches))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(batches[a].ID, batches[b].ID) })
		for _, i := range order {
			b := batches[i]
			if j, ok := seen[b.ID]; ok {
				// the same id twice in one call: settled like a retry
				if batches[j].Hash == b.Hash {
					res[i].Duplicate = true
				} else {
					res[i].Err = &collector.Error{Code: collector.EConflict, Field: "batch_id", Message: "already used for a different batch"}
				}
				continue
			}
			seen[b.ID] = i
			r, err := st.batch.ExecContext(ctx, b.ID, b.Hash, b.KeyID, nanos(b.ReceivedAt), len(b.Events))
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				var h string
				if err := tx.StmtContext(ctx, s.prep.batchHash).QueryRowContext(ctx, b.ID).Scan(&h); err != nil {
					return err
				}
				if h == b.Hash {
					res[i].Duplicate = true
				} else {
					res[i].Err = &collector.Error{Code: collector.EConflict, Field: "batch_id", Message: "already used for a different batch"}
				}
				continue
			}
			if err := insertEvents(ctx, &st, b); err != nil {
				return err
			}
			if b.Detect {
				if err := enqueueDetect(ctx, tx, s.d, b); err != nil {
					return err
				}
			}
			merged = mergeSignals(merged, b.Signals)
			drops = addDrop(drops, b)
		}
		if err := s.upsertDrops(ctx, tx, drops); err != nil {
			return err
		}
		if !s.d.SerializeWrites && len(merged.list) > 0 {
			// PostgreSQL: the signal updates are stored here and applied
			// by the applier (startApplier).
			body, err := json.Marshal(merged.list)
			if err != nil {
				return err
			}
			pendingID = pendingPrefix + strconv.FormatUint(mrand.Uint64(), 36) + strconv.FormatInt(time.Now().UnixNano(), 36)
			_, err = tx.ExecContext(ctx, s.q.pendingInsert, pendingID, time.Now().UnixNano(), string(body))
			return err
		}
		// One upsert per signal for the whole group of batches.
		return s.upsertSignals(ctx, tx, merged.list)
	})
	if err != nil {
		return nil, err
	}
	if pendingID != "" {
		s.wakeApplier()
	}
	return res, nil
}

// pendingPrefix begins the ids of signal_pending rows.
const pendingPrefix = "sp_"

// The signals are the rows every replica's ingest updates. Updated in
// the batches' transaction (as on SQLite), their row locks were held
// through the commit's flush, and the replicas' commits queued behind each
// other, each group of batches paying its own upserts: three replicas took
// fewer events per second than one. On PostgreSQL the update is stored
// with the batches instead (signal_pending, one row per group), and an
// applier folds what the groups left in one transaction every
// applyEvery, one upsert per signal for all of them, committed without
// waiting for the flush (synchronous_commit off): the row locks last
// microseconds and the upserts are shared by every group of the interval.
// It is exact: a row is deleted in the transaction that applies it, so a
// replica that dies, or a transaction PostgreSQL loses in a crash, leaves
// the row for another replica or the next start; reads of the signals
// apply what is pending first.

// applyEvery is the applier's interval: how long a signal's count may lag
// its stored events for a reader of another replica.
const applyEvery = 50 * time.Millisecond

// startApplier starts the applier of pending signal updates (PostgreSQL).
func (s *Store) startApplier() {
	s.applyWake = make(chan struct{}, 1)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * applyEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-s.applyWake:
				// gather the groups of the interval
				select {
				case <-stop:
					return
				case <-time.After(applyEvery):
				}
			case <-t.C: // what other replicas left
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			s.sweepPending(ctx, false) // on error, the next round tries again
			cancel()
		}
	}()
	s.onClose = append(s.onClose, func() {
		close(stop)
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.sweepPending(ctx, false) // what is left goes to the others or the next start
	})
}

// wakeApplier tells the applier that a group left a pending update.
func (s *Store) wakeApplier() {
	select {
	case s.applyWake <- struct{}{}:
	default:
	}
}

// applyForRead applies the pending signal updates before a read of the
// signals, so that a reader sees every stored batch counted.
func (s *Store) applyForRead(ctx context.Context) {
	if s.d.SerializeWrites {
		return
	}
	var any bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM signal_pending)`).Scan(&any); err != nil || !any {
		return
	}
	s.sweepPending(ctx, true)
}

// sweepPending applies every signal update left in signal_pending (a
// replica died between its batches' commit and applying them), oldest
// first. Rows another replica is applying are skipped (SKIP LOCKED), or
// with wait (a reader) waited for: then they are applied, and gone.
func (s *Store) sweepPending(ctx context.Context, wait bool) error {
	if s.d.SerializeWrites {
		return nil
	}
	for {
		n := 0
		err := s.write(ctx, func(tx *sql.Tx) error {
			n = 0
			if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
				return err
			}
			q := `SELECT id, body FROM signal_pending ORDER BY at, id LIMIT 64 FOR UPDATE`
			if !wait {
				q += ` SKIP LOCKED`
			}
			rows, err := tx.QueryContext(ctx, q)
			if err != nil {
				return err
			}
			var ids []string
			var all signalSet
			for rows.Next() {
				var id, body string
				if err := rows.Scan(&id, &body); err != nil {
					rows.Close()
					return err
				}
				var sigs []collector.Signal
				if err := json.Unmarshal([]byte(body), &sigs); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: pending signal update %s: %w", id, err)
				}
				ids = append(ids, id)
				all = mergeSignals(all, sigs)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			n = len(ids)
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, s.q.pendingDelete, id); err != nil {
					return err
				}
			}
			return s.upsertSignals(ctx, tx, all.list)
		})
		if err != nil || n < 64 {
			return err
		}
	}
}

const eventCols = 9

// addDrop adds the drops a stored batch reports to the group's counters.
func addDrop(drops []collector.DropCount, b *collector.Batch) []collector.DropCount {
	if b.Dropped <= 0 {
		return drops
	}
	svc := clean(b.Service)
	for i := range drops {
		if d := &drops[i]; d.KeyID == b.KeyID && d.Service == svc {
			d.Events += b.Dropped
			d.Batches++
			if b.ReceivedAt.After(d.LastReported) {
				d.LastReported = b.ReceivedAt
			}
			return drops
		}
	}
	return append(drops, collector.DropCount{KeyID: b.KeyID, Service: svc, Events: b.Dropped, Batches: 1, LastReported: b.ReceivedAt})
}

func (s *Store) upsertDrops(ctx context.Context, tx *sql.Tx, drops []collector.DropCount) error {
	slices.SortFunc(drops, func(a, b collector.DropCount) int {
		if c := strings.Compare(a.KeyID, b.KeyID); c != 0 {
			return c
		}
		return strings.Compare(a.Service, b.Service)
	})
	for _, d := range drops {
		if _, err := tx.ExecContext(ctx, s.q.dropUpsert, d.KeyID, d.Service, d.Events, d.Batches, nanos(d.LastReported)); err != nil {
			return err
		}
	}
	return nil
}

// Drops returns the drop counters, by key id then service.
func (s *Store) Drops(ctx context.Context) ([]collector.DropCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key_id, service, events, batches, last_reported FROM dropped ORDER BY key_id, service`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []collector.DropCount{}
	for rows.Next() {
		var d collector.DropCount
		var at int64
		if err := rows.Scan(&d.KeyID, &d.Service, &d.Events, &d.Batches, &at); err != nil {
			return nil, err
		}
		d.LastReported = fromNanos(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// txStmts are the ingest statements of one transaction.
type txStmts struct {
	batch, many, one *sql.Stmt
	args             []any
}

func insertEvents(ctx context.Context, t *txStmts, b *collector.Batch) error {
	many, one := t.many, t.one
	args := t.args
	if args == nil {
		args = make([]any, 0, eventChunk*eventCols)
	}
	defer func() { t.args = args[:0] }()
	for start := 0; start < len(b.Events); {
		n := eventChunk
		st := many
		if len(b.Events)-start < eventChunk {
			n, st = 1, one
		}
		args = args[:0]
		for i := start; i < start+n; i++ {
			se := &b.Events[i]
			ev := se.Event
			var sig any
			if se.SignalKey != "" {
				sig = collector.SignalID(se.SignalKey)
			}
			args = append(args, b.ID, i, clean(ev.Type), nanos(ev.Time), clean(ev.Service),
				clean(collector.EventIP(ev)), clean(collector.EventUser(ev)), sig, string(se.Raw))
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		start += n
	}
	return nil
}

// signalSet merges signal updates by id.
type signalSet struct {
	list []collector.Signal
	idx  map[string]int
}

func mergeSignals(m signalSet, sigs []collector.Signal) signalSet {
	if m.idx == nil {
		m.idx = map[string]int{}
	}
	for _, sg := range sigs {
		id := sg.ID
		if id == "" {
			id = collector.SignalID(sg.Key)
			sg.ID = id
		}
		i, ok := m.idx[id]
		if !ok {
			m.idx[id] = len(m.list)
			sg.IPs = append([]string(nil), sg.IPs...)
			sg.Users = append([]string(nil), sg.Users...)
			m.list = append(m.list, sg)
			continue
		}
		cur := &m.list[i]
		cur.Count += max(sg.Count, 1)
		if !sg.FirstSeen.IsZero() && (cur.FirstSeen.IsZero() || sg.FirstSeen.Before(cur.FirstSeen)) {
			cur.FirstSeen = sg.FirstSeen
		}
		if sg.LastSeen.After(cur.LastSeen) {
			cur.LastSeen = sg.LastSeen
		}
		if collector.SeverityRank(sg.Severity) > collector.SeverityRank(cur.Severity) {
			cur.Severity = sg.Severity
		}
		cur.IPs = appendNew(cur.IPs, sg.IPs)
		cur.Users = appendNew(cur.Users, sg.Users)
	}
	return m
}

func appendNew(set, vals []string) []string {
	for _, v := range vals {
		if len(set) >= collector.MaxSignalValues {
			break
		}
		found := false
		for _, x := range set {
			if x == v {
				found = true
				break
			}
		}
		if !found {
			set = append(set, v)
		}
	}
	return set
}

// knownValues remembers the signal values (IPs, users) already stored, so
// that a signal hit again by the same attacker costs one statement, not
// two. Values are never removed, so a remembered one stays true; the set is
// cleared when it reaches maxKnownValues.
type knownValues struct {
	mu sync.Mutex
	m  map[string]struct{}
}

const maxKnownValues = 200_000

func (k *knownValues) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.m[key]
	return ok
}

func (k *knownValues) add(keys []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m)+len(keys) > maxKnownValues {
		k.m = make(map[string]struct{}, len(keys))
	}
	for _, key := range keys {
		k.m[key] = struct{}{}
	}
}

func (s *Store) upsertSignals(ctx context.Context, tx *sql.Tx, sigs []collector.Signal) error {
	if len(sigs) == 0 {
		return nil
	}
	upsert := tx.StmtContext(ctx, s.prep.signalUpsert)
	value := tx.StmtContext(ctx, s.prep.valueInsert)
	// In id order (see Append), and each signal's values sorted.
	ids := make([]string, len(sigs))
	order := make([]int, len(sigs))
	for i := range sigs {
		if sigs[i].Key == "" {
			return errors.New("sqlstore: signal without a key")
		}
		ids[i] = sigs[i].ID
		if ids[i] == "" {
			ids[i] = collector.SignalID(sigs[i].Key)
		}
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
	for _, i := range order {
		sg := &sigs[i]
		id := ids[i]
		count := sg.Count
		if count <= 0 {
			count = 1
		}
		first, last := sg.FirstSeen, sg.LastSeen
		if first.IsZero() {
			first = last
		}
		if last.IsZero() {
			last = first
		}
		sev := sg.Severity
		if sev == "" {
			sev = collector.SeverityMedium
		}
		if _, err := upsert.ExecContext(ctx, id, clean(sg.Key), clean(sg.Type), clean(sev), collector.SeverityRank(sev),
			clean(sg.Title), clean(sg.Service), clean(sg.Env), clean(sg.RuleID), clean(sg.Location), nanos(first), nanos(last), count); err != nil {
			return err
		}
		for _, kv := range [...]struct {
			kind string
			vals []string
		}{{"ip", sorted(sg.IPs)}, {"user", sorted(sg.Users)}} {
			for _, v := range kv.vals {
				if v = clean(v); v == "" {
					continue
				}
				k := id + "\x00" + kv.kind + "\x00" + v
				if s.known.has(k) {
					continue
				}
				if _, err := value.ExecContext(ctx, id, kv.kind, v, id, kv.kind); err != nil {
					return err
				}
				s.pendingKnown = append(s.pendingKnown, k)
			}
		}
	}
	return nil
}

// sorted returns a sorted copy of vs (vs itself when already sorted).
func sorted(vs []string) []string {
	if slices.IsSorted(vs) {
		return vs
	}
	return slices.Sorted(slices.Values(vs))
}

// RecordSignals applies signal updates from detectors.
func (s *Store) RecordSignals(ctx context.Context, updates []collector.Signal) error {
	if len(updates) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.upsertSignals(ctx, tx, updates); err != nil {
			return err
		}
		one := tx.StmtContext(ctx, s.prep.event1)
		for i := range updates {
			sg := &updates[i]
			id := sg.ID
			if id == "" {
				id = collector.SignalID(sg.Key)
			}
			at := sg.LastSeen
			if at.IsZero() {
				at = sg.FirstSeen
			}
			var ip, user string
			if len(sg.IPs) > 0 {
				ip = sg.IPs[0]
			}
			if len(sg.Users) > 0 {
				user = sg.Users[0]
			}
			for j, ev := range sg.Evidence {
				if !json.Valid(ev) {
					return fmt.Errorf("sqlstore: evidence %d of signal %s is not JSON", j, id)
				}
				if _, err := one.ExecContext(ctx, "detection:"+id, j, collector.EventDetection, nanos(at), clean(sg.Service),
					clean(ip), clean(user), id, string(ev)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const signalColumns = `id, grouping_key, type, severity, status, title, service, env, rule_id, location, first_seen, last_seen, count`

type scanner interface{ Scan(...any) error }

func scanSignal(r scanner) (collector.Signal, error) {
	var sg collector.Signal
	var first, last int64
	err := r.Scan(&sg.ID, &sg.Key, &sg.Type, &sg.Severity, &sg.Status, &sg.Title, &sg.Service, &sg.Env, &sg.RuleID, &sg.Location, &first, &last, &sg.Count)
	sg.FirstSeen, sg.LastSeen = fromNanos(first), fromNanos(last)
	sg.IPs, sg.Users = []string{}, []string{}
	return sg, err
}

// cursor encodes the position after a signal in the listing order.
func encodeCursor(sg *collector.Signal) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(nanos(sg.LastSeen), 10) + ":" + sg.ID))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", collector.FieldErrorf("cursor", "not a cursor from a previous page")
	}
	ns, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || !strings.HasPrefix(id, "sig_") {
		return 0, "", collector.FieldErrorf("cursor", "not a cursor from a previous page")
	}
	return n, id, nil
}

// Signals returns a page of signals, newest activity first.
func (s *Store) Signals(ctx context.Context, q collector.SignalQuery) (collector.SignalPage, error) {
	s.applyForRead(ctx)
	limit := q.Limit
	if limit == 0 {
		limit = collector.DefaultPageSize
	}
	if limit < 0 || limit > collector.MaxPageSize {
		return collector.SignalPage{}, collector.FieldErrorf("limit", "want 1 to %d", collector.MaxPageSize)
	}
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("type", q.Types)
	in("severity", q.Severities)
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.Service != "" {
		where = append(where, "service = ?")
		args = append(args, q.Service)
	}
	if q.IP != "" {
		// The signals of one address are read first (by the
		// signal_values_ip index of migration 10) and listed: with a
		// subquery in their place, SQLite walks the whole status index
		// of an "open signals of this IP" page (76 ms for 100,000
		// signals, 1 ms listed).
		ids, err := s.signalsOfIP(ctx, q.IP, maxListedIDs+1)
		if err != nil {
			return collector.SignalPage{}, err
		}
		if len(ids) <= maxListedIDs {
			if len(ids) == 0 {
				return collector.SignalPage{Signals: []collector.Signal{}}, nil
			}
			where = append(where, "id IN ("+placeholders(len(ids))+")")
			args = append(args, ids...)
		} else {
			where = append(where, "id IN (SELECT signal_id FROM signal_values WHERE kind = 'ip' AND value = ?)")
			args = append(args, q.IP)
		}
	}
	if !q.Since.IsZero() {
		where = append(where, "last_seen >= ?")
		args = append(args, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		where = append(where, "last_seen < ?")
		args = append(args, q.Until.UnixNano())
	}
	filter := ""
	if len(where) > 0 {
		filter = " WHERE " + strings.Join(where, " AND ")
	}
	var page collector.SignalPage
	if err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM signals`+filter), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	page.Signals = []collector.Signal{}
	if q.Sort == collector.SortSeverity && len(q.Severities) != 1 { // with one severity, the orders are one
		if err := s.signalsBySeverity(ctx, q, where, args, limit, &page); err != nil {
			return page, err
		}
		return page, s.fillValues(ctx, page.Signals)
	}
	if q.Cursor != "" {
		ns, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return page, err
		}
		where = append(where, "(last_seen, id) < (?, ?)")
		args = append(args, ns, id)
		filter = " WHERE " + strings.Join(where, " AND ")
	}
	if err := s.readSignals(ctx, filter, args, limit+1, &page.Signals); err != nil {
		return page, err
	}
	if len(page.Signals) > limit {
		page.Signals = page.Signals[:limit]
		page.NextCursor = encodeCursor(&page.Signals[limit-1])
	}
	return page, s.fillValues(ctx, page.Signals)
}

// readSignals appends up to n signals matching filter, newest activity
// first, to out.
func (s *Store) readSignals(ctx context.Context, filter string, args []any, n int, out *[]collector.Signal) error {
	args = append(args[:len(args):len(args)], n)
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT `+signalColumns+` FROM signals`+filter+` ORDER BY last_seen DESC, id DESC LIMIT ?`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		sg, err := scanSignal(rows)
		if err != nil {
			return err
		}
		*out = append(*out, sg)
	}
	return rows.Err()
}

// signalsBySeverity fills page with the signals most severe first: one
// query per severity, from the cursor's (each read in last_seen order:
// an index on severity made SQLite choose it for severity filters, 3x
// slower on the filtered page of 100,000 signals).
// Its cursors name the severity: "<severity>.<last cursor>".
func (s *Store) signalsBySeverity(ctx context.Context, q collector.SignalQuery, where []string, args []any, limit int, page *collector.SignalPage) error {
	from, ns, id := 0, int64(0), ""
	if q.Cursor != "" {
		sev, rest, ok := strings.Cut(q.Cursor, ".")
		from = slices.Index(severityOrder, sev)
		if !ok || from < 0 {
			return collector.FieldErrorf("cursor", "not a cursor from a previous page")
		}
		var err error
		if ns, id, err = decodeCursor(rest); err != nil {
			return err
		}
	}
	for i := from; i < len(severityOrder) && len(page.Signals) <= limit; i++ {
		sev := severityOrder[i]
		if len(q.Severities) > 0 && !slices.Contains(q.Severities, sev) {
			continue
		}
		w := append(where[:len(where):len(where)], "severity = ?")
		a := append(args[:len(args):len(args)], sev)
		if i == from && q.Cursor != "" {
			w = append(w, "(last_seen, id) < (?, ?)")
			a = append(a, ns, id)
		}
		if err := s.readSignals(ctx, " WHERE "+strings.Join(w, " AND "), a, limit+1-len(page.Signals), &page.Signals); err != nil {
			return err
		}
	}
	if len(page.Signals) > limit {
		page.Signals = page.Signals[:limit]
		last := &page.Signals[limit-1]
		page.NextCursor = last.Severity + "." + encodeCursor(last)
	}
	return nil
}

// severityOrder is the order of collector.SortSeverity.
var severityOrder = []string{collector.SeverityCritical, collector.SeverityHigh, collector.SeverityMedium, collector.SeverityLow}

// fillValues reads the IPs and users of signals.
func (s *Store) fillValues(ctx context.Context, sigs []collector.Signal) error {
	if len(sigs) == 0 {
		return nil
	}
	idx := make(map[string]int, len(sigs))
	args := make([]any, len(sigs))
	for i := range sigs {
		idx[sigs[i].ID] = i
		args[i] = sigs[i].ID
	}
	q := `SELECT signal_id, kind, value FROM signal_values WHERE signal_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(sigs)), ", ") + `) ORDER BY signal_id, kind, value`
	rows, err := s.db.QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, v string
		if err := rows.Scan(&id, &kind, &v); err != nil {
			return err
		}
		sg := &sigs[idx[id]]
		if kind == "ip" {
			sg.IPs = append(sg.IPs, v)
		} else {
			sg.Users = append(sg.Users, v)
		}
	}
	return rows.Err()
}

// Signal returns a signal with its newest events.
func (s *Store) Signal(ctx context.Context, id string, events int) (*collector.SignalDetail, error) {
	s.applyForRead(ctx)
	sg, err := scanSignal(s.prep.signalByID.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, collector.Errorf(collector.ENotFound, "no signal %q", id)
	}
	if err != nil {
		return nil, err
	}
	one := []collector.Signal{sg}
	if err := s.fillValues(ctx, one); err != nil {
		return nil, err
	}
	d := &collector.SignalDetail{Signal: one[0], Events: []json.RawMessage{}}
	if events <= 0 {
		return d, nil
	}
	rows, err := s.prep.signalEvents.QueryContext(ctx, id, events)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		d.Events = append(d.Events, json.RawMessage(body))
	}
	return d, rows.Err()
}

// SetSignalStatus changes a signal's status.
func (s *Store) SetSignalStatus(ctx context.Context, id, status string) error {
	s.applyForRead(ctx) // the signal may be pending still
	if status != collector.StatusOpen && status != collector.StatusArchived {
		return collector.FieldErrorf("status", "want %s or %s", collector.StatusOpen, collector.StatusArchived)
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q.setStatus, status, id)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return collector.Errorf(collector.ENotFound, "no signal %q", id)
	}
	return err
}

// The queries of Decisions, prepared once.
const (
	decisionsVersionQuery = `SELECT value FROM meta WHERE name = 'decisions_version'`
	decisionsListQuery    = `SELECT id, kind, value, expires_at, reason, author, signal_id, created_at FROM decisions ORDER BY created_at, id`
)

// maxCachedStmts bounds the statements cachedStmt keeps.
const maxCachedStmts = 64

// cachedStmt returns q prepared, from the cache of read statements when it
// is there or fits; nil when q is not cached (the caller queries the
// database directly).
func (s *Store) cachedStmt(ctx context.Context, q string) *sql.Stmt {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	if s.nstmts.Load() >= maxCachedStmts {
		return nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	s.nstmts.Add(1)
	return st
}

// Decisions returns the version and every decision.
func (s *Store) Decisions(ctx context.Context) (int64, []collector.Decision, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: s.d.Name == "postgres"})
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	var v int64
	if err := tx.StmtContext(ctx, s.prep.decisionsVersion).QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, nil, err
	}
	rows, err := tx.StmtContext(ctx, s.prep.decisionsList).QueryContext(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []collector.Decision{}
	for rows.Next() {
		var d collector.Decision
		var exp, created int64
		if err := rows.Scan(&d.ID, &d.Kind, &d.Value, &exp, &d.Reason, &d.Author, &d.SignalID, &created); err != nil {
			return 0, nil, err
		}
		d.ExpiresAt, d.CreatedAt = fromNanos(exp), fromNanos(created)
		out = append(out, d)
	}
	return v, out, rows.Err()
}

// NewID returns a random id with a prefix ("dec_", "key_").
func NewID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// PutDecision stores d, replacing the decision of the same kind and value.
func (s *Store) PutDecision(ctx context.Context, d *collector.Decision) (int64, error) {
	if d.ID == "" {
		d.ID = NewID("dec_")
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC()
	}
	var v int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id string
		if err := tx.QueryRowContext(ctx, s.q.decisionUpsert, d.ID, d.Kind, clean(d.Value), nanos(d.ExpiresAt), clean(d.Reason),
			clean(d.Author), clean(d.SignalID), nanos(d.CreatedAt)).Scan(&id); err != nil {
			return err
		}
		d.ID = id
		if err := s.announce(ctx, tx, collector.ChangeDecisions); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q.versionBump).Scan(&v)
	})
	if err == nil {
		s.Deliver(collector.ChangeDecisions)
	}
	return v, err
}

// DeleteDecision removes a decision.
func (s *Store) DeleteDecision(ctx context.Context, id string) (int64, error) {
	var v int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q.decisionDelete, id)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return collector.Errorf(collector.ENotFound, "no decision %q", id)
		}
		if err := s.announce(ctx, tx, collector.ChangeDecisions); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, s.q.versionBump).Scan(&v)
	})
	if err == nil {
		s.Deliver(collector.ChangeDecisions)
	}
	return v, err
}

// Keys returns every key.
func (s *Store) Keys(ctx context.Context) ([]collector.Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, kind, hash, created_at, revoked_at, service FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []collector.Key
	for rows.Next() {
		var k collector.Key
		var c, r int64
		if err := rows.Scan(&k.ID, &k.Name, &k.Kind, &k.Hash, &c, &r, &k.Service); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RevokedAt = fromNanos(c), fromNanos(r)
		out = append(out, k)
	}
	return out, rows.Err()
}

// PutKey stores k.
func (s *Store) PutKey(ctx context.Context, k collector.Key) error {
	if k.ID == "" || k.Hash == "" || (k.Kind != collector.KeyAdmin && k.Kind != collector.KeyIngest) {
		return fmt.Errorf("sqlstore: incomplete key %q (kind %q)", k.ID, k.Kind)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.keyUpsert, clean(k.ID), clean(k.Name), k.Kind, k.Hash, nanos(k.CreatedAt), nanos(k.RevokedAt), clean(k.Service)); err != nil {
			return err
		}
		return s.announce(ctx, tx, collector.ChangeKeys)
	})
	if err == nil {
		s.Deliver(collector.ChangeKeys)
	}
	return err
}

// AddKey stores k unless a key with its id exists (revoked or not), in one
// statement: of several replicas adding the same key at once, one adds it.
// It reports whether k was added.
func (s *Store) AddKey(ctx context.Context, k collector.Key) (bool, error) {
	if k.ID == "" || k.Hash == "" || (k.Kind != collector.KeyAdmin && k.Kind != collector.KeyIngest) {
		return false, fmt.Errorf("sqlstore: incomplete key %q (kind %q)", k.ID, k.Kind)
	}
	added := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q.keyInsert, clean(k.ID), clean(k.Name), k.Kind, k.Hash, nanos(k.CreatedAt), nanos(k.RevokedAt), clean(k.Service))
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if added = n == 1; added && err == nil {
			err = s.announce(ctx, tx, collector.ChangeKeys)
		}
		return err
	})
	if err == nil && added {
		s.Deliver(collector.ChangeKeys)
	}
	return added, err
}

// RevokeKey marks a key revoked.
func (s *Store) RevokeKey(ctx context.Context, id string, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q.keyRevoke, nanos(at), id)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return collector.Errorf(collector.ENotFound, "no active key %q", id)
		}
		return s.announce(ctx, tx, collector.ChangeKeys)
	})
	if err == nil {
		s.Deliver(collector.ChangeKeys)
	}
	return err
}
