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

// ParseDialect maps a database/sql driver name, a server.db.system value
// (OpenTelemetry's db.system and db.system.name spellings) or a common
// alias to its dialect, case-insensitively and ignoring surrounding
// whitespace:
//
//   - MySQL: mysql, mariadb, tidb, aurora-mysql, memsql, singlestore,
//     vitess, and any name containing "mysql" or "maria";
//   - PostgreSQL: postgres, postgresql, pgsql, psql, pg, pgx (pgx/v5, ...),
//     pq, cockroachdb, redshift (aws.redshift), timescaledb, yugabytedb,
//     aurora-postgresql, and any name containing "postgre", "pgsql" or "pgx"
//     (nrpgx);
//   - SQLite: sqlite, sqlite3, libsql, turso, and names containing "sqlite";
//   - SQL Server: sqlserver, mssql, microsoft.sql_server, azuresql, tsql,
//     "sql server", and names containing "sqlserver", "sql_server" or
//     "mssql";
//   - Oracle: oracle, oracle.db, godror, goracle, oci8, ora, go-ora, and
//     names containing "oracle" or "godror".
//
// Any other name gives Generic.
func ParseDialect(name string) Dialect {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "mysql", "mariadb", "tidb", "aurora-mysql", "memsql", "singlestore", "vitess":
		return MySQL
	case "postgres", "postgresql", "pgsql", "psql", "pg", "pgx", "pq", "pgx/v5", "pgx/v4", "cockroach",
		"cockroachdb", "redshift", "aws.redshift", "aurora-postgresql", "timescaledb", "yugabytedb", "nrpostgres":
		return PostgreSQL
	case "sqlite", "sqlite3", "libsql", "sqlite3_extended", "turso":
		return SQLite
	case "sqlserver", "mssql", "microsoft.sql_server", "azuresql", "tsql", "sql server", "microsoft sql server":
		return MSSQL
	case "oracle", "oracle.db", "godror", "goracle", "oci8", "ora", "go-ora":
		return Oracle
	}
	switch {
	case strings.Contains(n, "mysql"), strings.Contains(n, "maria"):
		return MySQL
	case strings.Contains(n, "postgre"), strings.Contains(n, "pgsql"), strings.Contains(n, "pgx"):
		return PostgreSQL
	case strings.Contains(n, "sqlite"):
		return SQLite
	case strings.Contains(n, "sqlserver"), strings.Contains(n, "sql_server"), strings.Contains(n, "mssql"):
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
