package sqli

import (
	"strconv"
	"strings"
)

// Dialect selects the lexical rules of one database family.
type Dialect uint8

// The dialects. Generic is a permissive union used when the database is not
// known (the WAF's is_sqli): it lexes like MySQL, the most common target of
// injection, and also accepts PostgreSQL-style "--" comments without a
// following space.
const (
	Generic Dialect = iota
	MySQL           // also MariaDB
	PostgreSQL
	SQLite
	MSSQL
	Oracle
	numDialects
)

var dialectNames = [numDialects]string{"generic", "mysql", "postgresql", "sqlite", "mssql", "oracle"}

// String returns the dialect's lowercase name.
func (d Dialect) String() string {
	if d < numDialects {
		return dialectNames[d]
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// Dialects returns every dialect, Generic first.
func Dialects() []Dialect {
	return []Dialect{Generic, MySQL, PostgreSQL, SQLite, MSSQL, Oracle}
}

// ParseDialect maps a database/sql driver name or a server.db.system value
// ("mysql", "mariadb", "postgres", "postgresql", "pgx", "sqlite3",
// "sqlserver", "mssql", "oracle", "godror", ...) to its dialect. Unknown
// names give Generic.
func ParseDialect(name string) Dialect {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "mysql", "mariadb", "tidb", "aurora-mysql", "memsql", "singlestore", "vitess":
		return MySQL
	case "postgres", "postgresql", "pgx", "pq", "pgx/v5", "pgx/v4", "cockroach", "cockroachdb",
		"redshift", "aurora-postgresql", "timescaledb", "yugabytedb", "nrpostgres":
		return PostgreSQL
	case "sqlite", "sqlite3", "libsql", "sqlite3_extended", "turso":
		return SQLite
	case "sqlserver", "mssql", "azuresql", "sql server", "microsoft sql server":
		return MSSQL
	case "oracle", "godror", "goracle", "oci8", "ora":
		return Oracle
	}
	switch {
	case strings.Contains(n, "mysql"), strings.Contains(n, "maria"):
		return MySQL
	case strings.Contains(n, "postgres"), strings.HasPrefix(n, "pgx"):
		return PostgreSQL
	case strings.Contains(n, "sqlite"):
		return SQLite
	case strings.Contains(n, "sqlserver"), strings.Contains(n, "mssql"):
		return MSSQL
	case strings.Contains(n, "oracle"), strings.Contains(n, "godror"):
		return Oracle
	}
	return Generic
}

// rules are the lexical differences between dialects.
type rules struct {
	hashComment     bool // '#' starts a line comment (MySQL)
	dashNeedsSpace  bool // "--" is a comment only before a space, control character or the end (MySQL)
	versionComment  bool // "/*!NNNNN ... */" holds code (MySQL)
	nestedComments  bool // "/* /* */ */" nests (PostgreSQL, SQL Server)
	backslash       bool // backslash escapes inside '..' and ".." (MySQL)
	dquoteString    bool // ".." is a string, not an identifier (MySQL)
	backtick        bool // `ident` (MySQL, SQLite)
	brackets        bool // [ident] (SQL Server, SQLite)
	dollarQuote     bool // $tag$..$tag$ (PostgreSQL)
	eString         bool // E'..' with backslash escapes (PostgreSQL)
	nString         bool // N'..' national strings
	qQuote          bool // q'[..]' alternative quoting (Oracle)
	atVariable      bool // @var and @@sysvar
	colonParam      bool // :name placeholders
	dollarParam     bool // $1 placeholders
	dollarIdentChar bool // '$' may continue an identifier
}

var dialectRules = [numDialects]rules{
	Generic: {hashComment: true, versionComment: true, backslash: true, dquoteString: true,
		backtick: true, nString: true, atVariable: true, colonParam: true, dollarParam: true, dollarIdentChar: true},
	MySQL: {hashComment: true, dashNeedsSpace: true, versionComment: true, backslash: true,
		dquoteString: true, backtick: true, nString: true, atVariable: true, dollarIdentChar: true},
	PostgreSQL: {nestedComments: true, dollarQuote: true, eString: true, nString: true,
		dollarParam: true, dollarIdentChar: true},
	SQLite: {backtick: true, brackets: true, atVariable: true, colonParam: true, dollarParam: true},
	MSSQL:  {nestedComments: true, brackets: true, nString: true, atVariable: true, dollarIdentChar: true},
	Oracle: {nString: true, qQuote: true, colonParam: true, dollarIdentChar: true},
}
