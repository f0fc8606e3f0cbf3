// Package sqlguard protects database/sql against SQL injection: it wraps a
// driver so that every statement the application prepares, queries or
// executes with a context is checked, before it reaches the database,
// against the inputs of the request on that context (rampart.CheckSQL). An
// exploit is reported with a stack trace; in block mode the call returns a
// *rampart.BlockedError and the statement never runs.
//
//	db, err := sqlguard.Open("sqlite", "file:app.db")
//	...
//	rows, err := db.QueryContext(r.Context(), "SELECT ... WHERE name = '"+name+"'")
//
// Only calls that carry the request's context are checked: db.Query
// without a context runs with context.Background, which has no request. A
// statement prepared without a context (db.Prepare) is checked when a
// request runs it (stmt.QueryContext, ExecContext).
// Parameterized statements are safe by construction and pass: the arguments
// never change the statement. The database system (which decides the SQL
// dialect) comes from the driver's name, or WithSystem.
package sqlguard

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"github.com/rampartsec/rampart"
	"github.com/rampartsec/rampart/rasp/sqli"
)

// Option configures a wrapped driver.
type Option func(*config)

type config struct{ system string }

// WithSystem sets the database system ("postgresql", "mysql", "sqlite",
// "sqlserver", "oracle") when the driver's name does not tell it.
func WithSystem(system string) Option { return func(c *config) { c.system = system } }

// System returns the database system rampart assumes for a driver name,
// by the dialect rasp/sqli.ParseDialect maps it to: "postgresql" for pgx,
// postgres, pgsql, pq, ...; "mysql" for mysql and mariadb; "sqlite" for
// sqlite and sqlite3; "sqlserver" for sqlserver and mssql; "oracle" for
// oracle, godror and oci8; "" (the generic dialect) otherwise.
func System(driverName string) string {
	switch sqli.ParseDialect(driverName) {
	case sqli.PostgreSQL:
		return "postgresql"
	case sqli.MySQL:
		return "mysql"
	case sqli.SQLite:
		return "sqlite"
	case sqli.MSSQL:
		return "sqlserver"
	case sqli.Oracle:
		return "oracle"
	}
	return ""
}

// Open opens a database like sql.Open, through the registered driver
// driverName wrapped by rampart.
func Open(driverName, dsn string, opts ...Option) (*sql.DB, error) {
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	d := probe.Driver()
	_ = probe.Close()
	cfg := config{system: System(driverName)}
	for _, o := range opts {
		o(&cfg)
	}
	w := &wrappedDriver{d: d, cfg: cfg}
	if dc, ok := d.(driver.DriverContext); ok {
		c, err := dc.OpenConnector(dsn)
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(&connector{c: c, d: w}), nil
	}
	return sql.OpenDB(&connector{d: w, dsn: dsn}), nil
}

// OpenDB opens a database from a connector, wrapped by rampart; system is
// the database system (see WithSystem).
func OpenDB(c driver.Connector, system string) *sql.DB {
	return sql.OpenDB(&connector{c: c, d: &wrappedDriver{d: c.Driver(), cfg: config{system: system}}})
}

// Wrap returns d wrapped by rampart, for sql.Register.
func Wrap(d driver.Driver, system string) driver.Driver {
	return &wrappedDriver{d: d, cfg: config{system: system}}
}

type wrappedDriver struct {
	d   driver.Driver
	cfg config
}

func (w *wrappedDriver) Open(dsn string) (driver.Conn, error) {
	c, err := w.d.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, system: w.cfg.system}, nil
}

type connector struct {
	c   driver.Connector // nil: open through d with dsn
	d   *wrappedDriver
	dsn string
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.c == nil {
		return c.d.Open(c.dsn)
	}
	raw, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: raw, system: c.d.cfg.system}, nil
}

func (c *connector) Driver() driver.Driver { return c.d }

// conn checks statements, then hands everything to the driver's own
// connection, forwarding the optional interfaces it implements.
type conn struct {
	driver.Conn
	system string
}

var (
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func (c *conn) check(ctx context.Context, query string) error {
	return rampart.CheckSQL(ctx, c.system, query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.check(ctx, query); err != nil {
		return nil, err
	}
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	// A statement prepared outside a request (db.Prepare, with no
	// context) is checked when a request runs it.
	return &stmt{Stmt: st, conn: c, query: query, checked: rampart.FromContext(ctx) != nil}, nil
}

// stmt checks, at exec and query time, a statement that was prepared
// without a request on its context.
type stmt struct {
	driver.Stmt
	conn    *conn
	query   string
	checked bool
}

var (
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (s *stmt) check(ctx context.Context) error {
	if s.checked {
		return nil
	}
	return s.conn.check(ctx, s.query)
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if x, ok := s.Stmt.(driver.StmtExecContext); ok {
		return x.ExecContext(ctx, args)
	}
	vs, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Exec(vs) //nolint:staticcheck // the fallback database/sql itself uses
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vs, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Query(vs) //nolint:staticcheck // the fallback database/sql itself uses
}

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	// database/sql consults a statement's ColumnConverter only when it
	// has no NamedValueChecker: forward it here.
	if cc, ok := s.Stmt.(driver.ColumnConverter); ok && nv.Ordinal > 0 { //nolint:staticcheck // still honoured by database/sql
		v, err := cc.ColumnConverter(nv.Ordinal - 1).ConvertValue(nv.Value)
		if err != nil {
			return err
		}
		nv.Value = v
		return nil
	}
	return s.conn.CheckNamedValue(nv)
}

// values turns named arguments into positional ones, for drivers without
// the context methods.
func values(args []driver.NamedValue) ([]driver.Value, error) {
	vs := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("sqlguard: the driver does not support named arguments")
		}
		vs[i] = a.Value
	}
	return vs, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		// database/sql falls back to PrepareContext, which checks.
		return nil, driver.ErrSkip
	}
	if err := c.check(ctx, query); err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	x, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if err := c.check(ctx, query); err != nil {
		return nil, err
	}
	return x.ExecContext(ctx, query, args)
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		return nil, errors.New("sqlguard: the driver does not support transaction options")
	}
	return c.Conn.Begin() //nolint:staticcheck // the fallback database/sql itself uses
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip // database/sql's default conversion
}
