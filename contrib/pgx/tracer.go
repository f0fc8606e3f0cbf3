package pgxguard

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/rampartsec/rampart"
)

// Tracer returns a pgx tracer that checks every statement a connection
// runs, wherever the call comes from (the pool itself, sqlc's code, a
// library given the pool), for the connection config's Tracer field:
//
//	cfg, _ := pgxpool.ParseConfig(dsn)
//	cfg.ConnConfig.Tracer = pgxguard.Tracer(cfg.ConnConfig.Tracer)
//	pool, _ := pgxpool.NewWithConfig(ctx, cfg)
//
// It checks Query, QueryRow and Exec (TraceQueryStart), every statement of
// a batch (TraceBatchStart) and Prepare (TracePrepareStart). A tracer
// cannot return an error, so a refused statement is stopped by the
// context it hands back, which is already done: pgx returns before it
// sends anything, with an error that matches both rampart.ErrBlocked and
// context.Canceled (errors.Is), and the connection stays usable. next, when
// not nil, is called as well (its other tracer interfaces too). Use the
// tracer or the wrapper (Wrap), not both: each reports the exploit.
func Tracer(next pgx.QueryTracer) pgx.QueryTracer {
	return &tracer{next: next}
}

type tracer struct {
	next pgx.QueryTracer
}

var (
	_ pgx.QueryTracer   = (*tracer)(nil)
	_ pgx.BatchTracer   = (*tracer)(nil)
	_ pgx.PrepareTracer = (*tracer)(nil)
)

// refused returns the context that stops a refused statement, or ctx.
func refused(ctx context.Context, err error) context.Context {
	if err == nil {
		return ctx
	}
	return blockedContext{Context: ctx, err: &blockedCanceled{err: err}}
}

// refusedKey marks a context already refused: the Prepare that pgx runs
// inside a refused Query is not checked (and reported) again.
type refusedKey struct{}

func alreadyRefused(ctx context.Context) bool { return ctx.Value(refusedKey{}) != nil }

// blockedContext is done from the start: its error is the block.
type blockedContext struct {
	context.Context
	err error
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c blockedContext) Done() <-chan struct{} { return closed }
func (c blockedContext) Err() error            { return c.err }
func (c blockedContext) Value(k any) any {
	if k == (refusedKey{}) {
		return true
	}
	return c.Context.Value(k)
}

// blockedCanceled is a block seen as a canceled context: it matches
// rampart.ErrBlocked (and is a *rampart.BlockedError to errors.As) and
// context.Canceled.
type blockedCanceled struct{ err error }

func (e *blockedCanceled) Error() string   { return e.err.Error() }
func (e *blockedCanceled) Unwrap() []error { return []error{e.err, context.Canceled} }

// TraceQueryStart checks the statement of Query, QueryRow or Exec.
func (t *tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.next != nil {
		ctx = t.next.TraceQueryStart(ctx, conn, data)
	}
	return refused(ctx, traceCheck(ctx, data.SQL))
}

// pcBufs are the buffers of the callers taken at each check (the frames
// of a report are built from them before the check returns).
var pcBufs = sync.Pool{New: func() any { return new([64]uintptr) }}

// traceCheck checks sql from inside pgx: the stack reported starts at the
// application's call into pgx, past pgx's frames and the tracer's.
func traceCheck(ctx context.Context, sql string) error {
	sec := rampart.FromContext(ctx)
	if sec == nil {
		return nil
	}
	buf := pcBufs.Get().(*[64]uintptr)
	defer pcBufs.Put(buf)
	pcs := buf[:]
	n := runtime.Callers(2, pcs)
	i := 0
	for ; i < n; i++ {
		f := runtime.FuncForPC(pcs[i] - 1)
		if f == nil {
			break
		}
		name := f.Name()
		if !strings.HasPrefix(name, "github.com/jackc/pgx/") && !strings.HasPrefix(name, "runtime.") &&
			!strings.HasPrefix(name, "github.com/rampartsec/rampart/contrib/pgx.") {
			break
		}
	}
	return sec.CheckSQLAt(System, sql, pcs[i:n])
}

// TraceQueryEnd hands the end to next.
func (t *tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.next != nil {
		t.next.TraceQueryEnd(ctx, conn, data)
	}
}

// TraceBatchStart checks every statement queued in the batch.
func (t *tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if n, ok := t.next.(pgx.BatchTracer); ok {
		ctx = n.TraceBatchStart(ctx, conn, data)
	}
	if data.Batch == nil || rampart.FromContext(ctx) == nil {
		return ctx
	}
	for _, q := range data.Batch.QueuedQueries {
		if err := traceCheck(ctx, q.SQL); err != nil {
			return refused(ctx, err)
		}
	}
	return ctx
}

// TraceBatchQuery hands the batch's statements to next.
func (t *tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	if n, ok := t.next.(pgx.BatchTracer); ok {
		n.TraceBatchQuery(ctx, conn, data)
	}
}

// TraceBatchEnd hands the batch's end to next.
func (t *tracer) TraceBatchEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchEndData) {
	if n, ok := t.next.(pgx.BatchTracer); ok {
		n.TraceBatchEnd(ctx, conn, data)
	}
}

// TracePrepareStart checks a statement being prepared.
func (t *tracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	if n, ok := t.next.(pgx.PrepareTracer); ok {
		ctx = n.TracePrepareStart(ctx, conn, data)
	}
	if alreadyRefused(ctx) {
		return ctx
	}
	return refused(ctx, traceCheck(ctx, data.SQL))
}

// TracePrepareEnd hands the end to next.
func (t *tracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	if n, ok := t.next.(pgx.PrepareTracer); ok {
		n.TracePrepareEnd(ctx, conn, data)
	}
}
