"""Exploit prevention for any DB-API 2.0 driver rampart does not wrap itself.

sqlite3, psycopg, psycopg2 and PyMySQL are checked without any code change.
For another driver, wrap its connection::

    conn = rampart.dbapi.connect(oracledb.connect(dsn), dialect="oracle")

Every statement executed through the connection or its cursors is checked
against the current request before it reaches the driver.
"""

from __future__ import annotations

from typing import Any

from ._hooks import check_sql

#: The SQL dialects the checks know (others are read as generic SQL).
DIALECTS = ("postgresql", "mysql", "sqlite", "sqlserver", "oracle", "")


class Cursor:
    """A DB-API cursor whose execute and executemany are checked."""

    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def execute(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        """Checks operation, then executes it on the driver's cursor."""
        check_sql(self._dialect, operation)
        return self._cursor.execute(operation, *args, **kwargs)

    def executemany(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        """Checks operation, then executes it for each set of parameters."""
        check_sql(self._dialect, operation)
        return self._cursor.executemany(operation, *args, **kwargs)

    def __iter__(self) -> Any:
        return iter(self._cursor)

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: Any) -> Any:
        close = getattr(self._cursor, "close", None)
        if close is not None:
            close()
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class Connection:
    """A DB-API connection whose cursors (and execute, where the driver has it) are checked."""

    def __init__(self, conn: Any, dialect: str = "") -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"rampart.dbapi: unknown dialect {dialect!r}, want one of {DIALECTS}")
        self._conn = conn
        self._dialect = dialect

    def cursor(self, *args: Any, **kwargs: Any) -> Cursor:
        """Returns a checked cursor of the driver's connection."""
        return Cursor(self._conn.cursor(*args, **kwargs), self._dialect)

    def execute(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        """Checks operation, then runs the driver's connection-level execute."""
        check_sql(self._dialect, operation)
        return self._conn.execute(operation, *args, **kwargs)

    def __enter__(self) -> Connection:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._conn.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def connect(conn: Any, dialect: str = "") -> Connection:
    """Wraps an open DB-API connection so that its statements are checked."""
    return Connection(conn, dialect)
