// Package pgxguard protects pgx (github.com/jackc/pgx/v5) used without
// database/sql against SQL injection: it wraps a *pgx.Conn, a
// *pgxpool.Pool, a *pgxpool.Conn or a pgx.Tx so that every statement the
// application queries, executes, prepares or sends in a batch is checked,
// before it reaches PostgreSQL, against the inputs of the request on the
// call's context (rampart.CheckSQL, dialect postgresql), as sqlguard does
// for database/sql. An exploit is reported with a stack trace; in block
// mode the call returns a *rampart.BlockedError (errors.Is(err,
// rampart.ErrBlocked)) and the statement is never sent.
//
//	pool, err := pgxpool.New(ctx, dsn)
//	...
//	db := pgxguard.Wrap(pool)
//	rows, err := db.Query(r.Context(), "SELECT ... WHERE name = '"+name+"'")
//
// Transactions begun through the wrapper (db.Begin, db.BeginTx) are
// checked too; a pgx.Tx begun on the unwrapped pool is not (wrap it with
// WrapTx). Parameterized statements pass: their arguments never change the
// statement. A context without a rampart request (context.Background)
// checks nothing.
//
// Tracer is the other way in: installed on the connection config, it
// checks every statement of every connection, whoever makes the call, and
// stops a refused one through the context it returns (a pgx tracer cannot
// return an error).
package pgxguard

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rampartsec/rampart"
)

// System is the database system the statements are checked as.
const System = "postgresql"

// Querier is what *pgx.Conn, *pgxpool.Pool, *pgxpool.Conn and pgx.Tx have
// in common: the calls that run SQL text.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// DB checks the statements of the Querier it wraps.
type DB struct {
	q Querier
}

// Wrap returns q wrapped by rampart.
func Wrap(q Querier) *DB { return &DB{q: q} }

// Unwrap returns the wrapped Querier (for the calls DB does not have:
// Ping, Acquire, Close, ...).
func (d *DB) Unwrap() Querier { return d.q }

// check checks one statement within the request on ctx.
func check(ctx context.Context, sql string) error {
	return rampart.CheckSQL(ctx, System, sql)
}

// checkBatch checks every statement queued in b.
func checkBatch(ctx context.Context, b *pgx.Batch) error {
	if b == nil || rampart.FromContext(ctx) == nil {
		return nil
	}
	for _, q := range b.QueuedQueries {
		if err := check(ctx, q.SQL); err != nil {
			return err
		}
	}
	return nil
}

// Exec checks sql, then executes it.
func (d *DB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := check(ctx, sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return d.q.Exec(ctx, sql, args...)
}

// Query checks sql, then runs it. A refused statement returns the error
// and rows that hold it (rows.Err), as pgx's own errors do.
func (d *DB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := check(ctx, sql); err != nil {
		return errRows{err}, err
	}
	return d.q.Query(ctx, sql, args...)
}

// QueryRow checks sql, then runs it; a refused statement's error is
// returned by Scan.
func (d *DB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := check(ctx, sql); err != nil {
		return errRow{err}
	}
	return d.q.QueryRow(ctx, sql, args...)
}

// SendBatch checks every statement of b, then sends it; when one is
// refused, nothing is sent and every result returns the error.
func (d *DB) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := checkBatch(ctx, b); err != nil {
		return errBatch{err}
	}
	return d.q.SendBatch(ctx, b)
}

type copier interface {
	CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error)
}

type preparer interface {
	Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error)
}

// errUnsupported is returned by the calls the wrapped Querier does not
// have.
var errUnsupported = errors.New("pgxguard: the wrapped querier does not support this call")

// CopyFrom runs the wrapped Querier's CopyFrom (a *pgx.Conn's, a pool's,
// a transaction's): it sends no SQL text, only the table and column names,
// which pgx quotes, and rows as data. With it, a DB is what sqlc's
// generated code for pgx takes (its DBTX interface).
func (d *DB) CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error) {
	c, ok := d.q.(copier)
	if !ok {
		return 0, errUnsupported
	}
	return c.CopyFrom(ctx, tableName, columnNames, rowSrc)
}

// Prepare checks sql, then prepares it on the wrapped *pgx.Conn (a pool
// has no Prepare: pgx prepares and caches statements itself).
func (d *DB) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	p, ok := d.q.(preparer)
	if !ok {
		return nil, errUnsupported
	}
	if err := check(ctx, sql); err != nil {
		return nil, err
	}
	return p.Prepare(ctx, name, sql)
}

// beginner is what can begin a transaction.
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Begin begins a transaction whose statements are checked.
func (d *DB) Begin(ctx context.Context) (pgx.Tx, error) {
	b, ok := d.q.(beginner)
	if !ok {
		return nil, errUnsupported
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return WrapTx(tx), nil
}

// BeginTx begins a transaction with opts whose statements are checked.
func (d *DB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	b, ok := d.q.(txBeginner)
	if !ok {
		return nil, errUnsupported
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return WrapTx(tx), nil
}

// Tx is a pgx.Tx whose statements are checked; its other calls are the
// transaction's own.
type Tx struct {
	pgx.Tx
}

// WrapTx returns tx wrapped by rampart.
func WrapTx(tx pgx.Tx) *Tx {
	if t, ok := tx.(*Tx); ok {
		return t
	}
	return &Tx{Tx: tx}
}

// Exec checks sql, then executes it in the transaction.
func (t *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := check(ctx, sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.Tx.Exec(ctx, sql, args...)
}

// Query checks sql, then runs it in the transaction.
func (t *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := check(ctx, sql); err != nil {
		return errRows{err}, err
	}
	return t.Tx.Query(ctx, sql, args...)
}

// QueryRow checks sql, then runs it in the transaction.
func (t *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := check(ctx, sql); err != nil {
		return errRow{err}
	}
	return t.Tx.QueryRow(ctx, sql, args...)
}

// SendBatch checks every statement of b, then sends it in the
// transaction.
func (t *Tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := checkBatch(ctx, b); err != nil {
		return errBatch{err}
	}
	return t.Tx.SendBatch(ctx, b)
}

// Prepare checks sql, then prepares it in the transaction.
func (t *Tx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := check(ctx, sql); err != nil {
		return nil, err
	}
	return t.Tx.Prepare(ctx, name, sql)
}

// Begin begins a nested (savepoint) transaction whose statements are
// checked.
func (t *Tx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := t.Tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return WrapTx(tx), nil
}

// errRow is the row of a refused QueryRow.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errRows are the rows of a refused Query: none, and the error.
type errRows struct{ err error }

func (errRows) Close()                                       {}
func (r errRows) Err() error                                 { return r.err }
func (errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (errRows) Next() bool                                   { return false }
func (r errRows) Scan(...any) error                          { return r.err }
func (r errRows) Values() ([]any, error)                     { return nil, r.err }
func (errRows) RawValues() [][]byte                          { return nil }
func (errRows) Conn() *pgx.Conn                              { return nil }
func (errRows) TypeMap() *pgtype.Map                         { return nil }

// errBatch are the results of a refused batch.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return errRows(b), b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (errBatch) Tx() pgx.Tx                         { return nil }
