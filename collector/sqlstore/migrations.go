package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Migrations are the schema's versions, in order: migration i+1 is
// Migrations[i]. The same SQL runs on SQLite and PostgreSQL (portable types:
// TEXT, BIGINT for Unix nanoseconds, INTEGER). Never edit one that has
// shipped; append a new one.
var Migrations = []string{
	// 1: batches (dedup), events, signals and their IPs and users,
	// decisions with a version, keys. Events have no primary key: they
	// are only appended (a batch once, by batches.id) and read by signal,
	// so each insert touches the table and, for grouped events, one
	// partial index.
	`CREATE TABLE batches (
		id TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		key_id TEXT NOT NULL,
		received_at BIGINT NOT NULL,
		events INTEGER NOT NULL
	);
	CREATE TABLE events (
		batch_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		type TEXT NOT NULL,
		at BIGINT NOT NULL,
		service TEXT NOT NULL,
		ip TEXT NOT NULL,
		user_id TEXT NOT NULL,
		signal_id TEXT,
		body TEXT NOT NULL
	);
	CREATE INDEX events_signal ON events (signal_id, at) WHERE signal_id IS NOT NULL;
	CREATE TABLE signals (
		id TEXT PRIMARY KEY,
		grouping_key TEXT NOT NULL,
		type TEXT NOT NULL,
		severity TEXT NOT NULL,
		severity_rank INTEGER NOT NULL,
		status TEXT NOT NULL,
		title TEXT NOT NULL,
		service TEXT NOT NULL,
		env TEXT NOT NULL,
		rule_id TEXT NOT NULL,
		location TEXT NOT NULL,
		first_seen BIGINT NOT NULL,
		last_seen BIGINT NOT NULL,
		count BIGINT NOT NULL
	);
	CREATE INDEX signals_last_seen ON signals (last_seen, id);
	CREATE INDEX signals_type ON signals (type, last_seen, id);
	CREATE INDEX signals_status ON signals (status, last_seen, id);
	CREATE INDEX signals_service ON signals (service, last_seen, id);
	CREATE TABLE signal_values (
		signal_id TEXT NOT NULL,
		kind TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (signal_id, kind, value)
	);
	CREATE TABLE decisions (
		id TEXT PRIMARY KEY,
		kind TEXT NOT NULL,
		value TEXT NOT NULL,
		expires_at BIGINT NOT NULL,
		reason TEXT NOT NULL,
		author TEXT NOT NULL,
		signal_id TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		UNIQUE (kind, value)
	);
	CREATE TABLE api_keys (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		kind TEXT NOT NULL,
		hash TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		revoked_at BIGINT NOT NULL
	);
	CREATE TABLE meta (
		name TEXT PRIMARY KEY,
		value BIGINT NOT NULL
	);
	INSERT INTO meta (name, value) VALUES ('decisions_version', 0);`,
	// 2: events by type and time, for what reads them outside a signal
	// (the UI's overview counts, the logins of an account-takeover
	// signal); it costs ingest about one more b-tree insert per event.
	`CREATE INDEX IF NOT EXISTS events_type_at ON events (type, at);`,
	// 3: the events senders report they dropped (a batch's "dropped"),
	// summed per ingest key and service.
	`CREATE TABLE dropped (
		key_id TEXT NOT NULL,
		service TEXT NOT NULL,
		events BIGINT NOT NULL,
		batches BIGINT NOT NULL,
		last_reported BIGINT NOT NULL,
		PRIMARY KEY (key_id, service)
	);`,
	// 4: the web UI's users and sessions (a session under the hash of
	// its cookie's token). Before this migration the UI created these
	// tables itself, with the same statements: IF NOT EXISTS keeps
	// such a database's users and sessions.
	`CREATE TABLE IF NOT EXISTS ui_users (
		id TEXT PRIMARY KEY,
		login TEXT NOT NULL UNIQUE,
		role TEXT NOT NULL,
		password TEXT NOT NULL,
		created_at BIGINT NOT NULL
	);
	CREATE TABLE IF NOT EXISTS ui_sessions (
		id TEXT PRIMARY KEY,
		user_id TEXT NOT NULL,
		login TEXT NOT NULL,
		role TEXT NOT NULL,
		csrf TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL
	);`,
	// 5: ingest keys scoped to a service ('' for any).
	`ALTER TABLE api_keys ADD COLUMN service TEXT NOT NULL DEFAULT '';`,
	// 6: the UI's login attempts, counted for every replica.
	`CREATE TABLE login_attempts (
		id TEXT PRIMARY KEY,
		attempt_key TEXT NOT NULL,
		at BIGINT NOT NULL
	);
	CREATE INDEX login_attempts_key ON login_attempts (attempt_key, at);`,
	// 7: the batches waiting for detection (their user events as a JSON
	// array), claimed by a replica until claimed_until.
	`CREATE TABLE detect_queue (
		batch_id TEXT PRIMARY KEY,
		received_at BIGINT NOT NULL,
		claimed_until BIGINT NOT NULL,
		events TEXT NOT NULL
	);
	CREATE INDEX detect_queue_order ON detect_queue (received_at, batch_id);`,
	// 8: the signal updates of stored batches not yet applied to the
	// signals (PostgreSQL: applied right after the batches' commit, by
	// another replica or at the next start when one died in between).
	`CREATE TABLE signal_pending (
		id TEXT PRIMARY KEY,
		at BIGINT NOT NULL,
		body TEXT NOT NULL
	);`,
	// 9: the notes people write on a signal in the UI ("investigating,
	// ticket SEC-123"), with who wrote them and when; a note also says
	// whom the signal is assigned to from then on ('' for no one).
	`CREATE TABLE signal_notes (
		id TEXT PRIMARY KEY,
		signal_id TEXT NOT NULL,
		author TEXT NOT NULL,
		body TEXT NOT NULL,
		assignee TEXT NOT NULL,
		created_at BIGINT NOT NULL
	);
	CREATE INDEX signal_notes_signal ON signal_notes (signal_id, created_at);`,
	// 10: the signals that name an address (the UI's IP facts count
	// them, the ip filter lists them): a new IP of a signal costs one
	// more b-tree insert, an event of a known one nothing.
	`CREATE INDEX signal_values_ip ON signal_values (value) WHERE kind = 'ip';`,
}

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction. On PostgreSQL the whole run holds an
// advisory lock of the schema, so that replicas starting at once on a
// fresh database run the migrations one after the other: the first applies
// them, the others find them applied.
func migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if d.Name == "postgres" {
		// Session-level, on this connection: released by the unlock, or
		// by PostgreSQL when the connection ends (a replica killed
		// midway does not keep it).
		const key = `hashtext('rampart migrations ' || current_schema())`
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
			return fmt.Errorf("migrations: taking the lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var cur int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if cur > len(Migrations) {
		return fmt.Errorf("migrations: the database is at version %d, newer than this binary's %d", cur, len(Migrations))
	}
	for v := cur + 1; v <= len(Migrations); v++ {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, Migrations[v-1]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().UnixNano()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}
