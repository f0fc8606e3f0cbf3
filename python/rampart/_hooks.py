"""Exploit prevention in the Python process: where the sinks are checked.

Most sinks are seen through CPython's audit hooks (PEP 578), which the
interpreter raises before the operation with what a check needs, without
replacing any function:

- shell: ``os.system``, and ``subprocess.Popen`` with ``shell=True`` (its
  argv is ``[/bin/sh, -c, command]``, which ``os.popen`` uses too);
- exec: ``subprocess.Popen``, ``os.exec*``, ``os.spawn*``,
  ``os.posix_spawn``/``posix_spawnp``;
- files: ``open``, raised by ``open``, ``io.open``, ``os.open`` and
  everything built on them (pathlib's ``read_text``, ``open``...);
- outgoing HTTP: ``urllib.Request`` (the URL urllib is about to fetch) and,
  at connect time, ``socket.getaddrinfo`` then ``socket.connect`` (the
  address the name resolved to: DNS rebinding is caught there, whatever the
  client library).

Where no audit event carries what is needed, the sink is wrapped:
``http.client.HTTPConnection.putrequest`` (the URL of http.client, urllib3
and requests), ``sqlite3.connect`` (its connections and cursors),
``psycopg`` and ``psycopg2`` cursors, ``pymysql`` cursors, and any DB-API
connection given to ``rampart.dbapi``. A hook raising ``BlockedError``
aborts the operation before it happens.

Checks run only while a request is under protection (``_state.current``);
otherwise each hook returns after one lookup.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import urlsplit

from . import _stack, _state

_installed = False
_install_lock = threading.Lock()


class BlockedError(Exception):
    """Raised at a sink when rampart blocks the call: an exploit of the request.

    The sink was not touched. Let it propagate: the Lambda wrapper answers
    the request with the block response (a 403 in the event's own shape).
    """

    def __init__(self, rule: str = "", response: Optional[dict] = None) -> None:
        super().__init__(f"rampart: blocked by {rule or 'a rule'}")
        #: The id of the rule that blocked.
        self.rule = rule
        #: The block response in the event's own shape.
        self.response = response


def _text(v: Any) -> Optional[str]:
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", "surrogateescape")
    if isinstance(v, os.PathLike):
        return _text(os.fspath(v))
    return None


def check(sink: str, doc: Dict[str, Any]) -> None:
    """Checks one sink call against the current request.

    Raises BlockedError when it is blocked. Fails open: an error inside
    rampart lets the call go.
    """
    req = _state.current.get()
    if req is None or _state.busy():
        return
    ag = _state.loaded_agent()
    if ag is None:
        return
    with _state.inside():
        frames, app = _stack.capture(2)
        doc["sink"] = sink
        doc["stack"] = frames
        doc["app_frame"] = app
        try:
            ans = ag.lib.call("check", req.handle, doc)
        except Exception:  # noqa: BLE001 - fail open; the library counted it
            return
    if ans.get("blocked"):
        req.blocked_response = ans.get("response")
        raise BlockedError(ans.get("rule", ""), req.blocked_response)


def check_sql(dialect: str, statement: Any) -> None:
    """Checks a SQL statement about to run."""
    s = _text(statement)
    if s is not None and _state.current.get() is not None:
        check("sql", {"resource": s, "dialect": dialect})


def check_url(url: str) -> None:
    """Checks an outgoing URL about to be requested."""
    req = _state.current.get()
    if req is None:
        return
    # The connection this URL opens is checked against it at connect time.
    _resolving.url = (req, url)
    if req.checked_url == url:
        return
    req.checked_url = url
    check("http", {"resource": url})


_resolving = threading.local()


def _audit(event: str, args: tuple) -> None:
    h = _HANDLERS.get(event)
    if h is not None and _state.current.get() is not None and not _state.busy():
        h(args)


def _on_system(args: tuple) -> None:
    cmd = _text(args[0])
    if cmd is not None:
        check("shell", {"resource": cmd})


def _argv(seq: Any) -> Optional[List[str]]:
    if isinstance(seq, (str, bytes, os.PathLike)):
        t = _text(seq)
        return None if t is None else [t]
    try:
        out = [_text(a) for a in seq]
    except TypeError:
        return None
    return [a for a in out if a is not None]


def _on_argv(argv: Optional[List[str]]) -> None:
    # A shell's script (sh -c, as subprocess runs shell=True and os.popen)
    # is judged as a command line first by the engine itself.
    if argv:
        check("exec", {"argv": argv})


def _on_popen(args: tuple) -> None:  # executable, args, cwd, env
    _on_argv(_argv(args[1]))


def _on_exec(args: tuple) -> None:  # path, args, env
    _on_argv(_argv(args[1]))


def _on_spawn(args: tuple) -> None:  # mode, path, args, env
    _on_argv(_argv(args[2]))


def _on_posix_spawn(args: tuple) -> None:  # path, argv, env
    _on_argv(_argv(args[1]))


def _on_open(args: tuple) -> None:  # path, mode, flags
    path = args[0]
    if isinstance(path, int):
        return
    p = _text(path)
    if p is not None:
        check("file", {"resource": p})


def _on_urllib(args: tuple) -> None:  # fullurl, data, headers, method
    url = _text(args[0])
    if url is not None:
        check_url(url)


def _url_host_port(url: str) -> tuple:
    try:
        u = urlsplit(url)
        return (u.hostname or "").lower(), u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        return "", 0


def _on_getaddrinfo(args: tuple) -> None:  # host, port, family, type, protocol
    host = _text(args[0])
    if host:
        _resolving.name = (host, args[1])
        pending = getattr(_resolving, "url", None)
        if pending is not None and _url_host_port(pending[1])[0] != host.lower().strip("[]"):
            _resolving.url = None  # another name: another connection than the URL's


def _on_connect(args: tuple) -> None:  # socket, address
    addr = args[1]
    if not isinstance(addr, tuple) or len(addr) < 2 or not isinstance(addr[0], str):
        return  # AF_UNIX and the others: no address to check
    ip, port = addr[0], addr[1]
    pending = getattr(_resolving, "url", None)
    if pending is not None and pending[0] is _state.current.get() and _url_host_port(pending[1])[1] == port:
        url = pending[1]  # the URL being requested on this thread
    else:
        name = getattr(_resolving, "name", None)
        host = name[0] if name and name[1] == port else ip
        if ":" in host and not host.startswith("["):
            host = "[" + host + "]"
        url = f"http://{host}:{port}/"
    check("resolved", {"resource": url, "ip": ip})


_HANDLERS: Dict[str, Callable[[tuple], None]] = {
    "os.system": _on_system,
    "subprocess.Popen": _on_popen,
    "os.exec": _on_exec,
    "os.spawn": _on_spawn,
    "os.posix_spawn": _on_posix_spawn,
    "open": _on_open,
    "urllib.Request": _on_urllib,
    "socket.getaddrinfo": _on_getaddrinfo,
    "socket.connect": _on_connect,
}


def _patch_http_client() -> None:
    # From sys.modules: while http.client is being imported (the finder's
    # patch runs then), the package http does not hold it yet.
    http_client = sys.modules["http.client"]
    cls = http_client.HTTPConnection
    if getattr(cls.putrequest, "_rampart", False):
        return
    original = cls.putrequest

    def putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if _state.current.get() is not None:
            if "://" in url:
                full = url  # through a proxy: the absolute URL
            else:
                https = getattr(http_client, "HTTPSConnection", None)  # absent without ssl
                scheme = "https" if https is not None and isinstance(self, https) else "http"
                host = self.host if ":" not in self.host else "[" + self.host + "]"
                default = 443 if scheme == "https" else 80
                port = "" if self.port in (None, default) else f":{self.port}"
                full = f"{scheme}://{host}{port}{url}"
            check_url(full)
        return original(self, method, url, *args, **kwargs)

    putrequest._rampart = True  # type: ignore[attr-defined]
    cls.putrequest = putrequest  # type: ignore[method-assign]


# --- SQL -------------------------------------------------------------------


def _checked_cursor(base: type, dialect: str) -> type:
    """A subclass of the cursor class base that checks what it executes."""

    class Cursor(base):  # type: ignore[misc, valid-type]
        def execute(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
            check_sql(dialect, _query_text(self, sql))
            return super().execute(sql, *args, **kwargs)

        def executemany(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
            check_sql(dialect, _query_text(self, sql))
            return super().executemany(sql, *args, **kwargs)

        if hasattr(base, "executescript"):

            def executescript(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
                check_sql(dialect, sql)
                return super().executescript(sql, *args, **kwargs)

    Cursor.__name__ = base.__name__
    Cursor.__qualname__ = base.__qualname__
    Cursor.__module__ = base.__module__
    return Cursor


def _query_text(cur: Any, sql: Any) -> Any:
    """Returns the text of a query object.

    str and bytes as they are, psycopg's sql.Composable rendered for the
    cursor's connection.
    """
    if isinstance(sql, (str, bytes, bytearray)):
        return sql
    as_string = getattr(sql, "as_string", None)
    if as_string is not None:
        try:
            with _state.inside():
                return as_string(getattr(cur, "connection", None))
        except Exception:  # noqa: BLE001
            return None
    return None


def _patch_sqlite3() -> None:
    import sqlite3

    if getattr(sqlite3.connect, "_rampart", False):
        return
    original = sqlite3.connect
    classes: Dict[type, type] = {}

    def connection_class(base: type) -> type:
        cls = classes.get(base)
        if cls is None:
            cursor_cls = _checked_cursor(sqlite3.Cursor, "sqlite")

            class Connection(base):  # type: ignore[misc, valid-type]
                def cursor(self, factory: Any = None) -> Any:
                    if factory is None:
                        return super().cursor(cursor_cls)
                    return super().cursor(_checked_cursor(factory, "sqlite"))

                def execute(self, sql: Any, *args: Any) -> Any:
                    return self.cursor().execute(sql, *args)

                def executemany(self, sql: Any, *args: Any) -> Any:
                    return self.cursor().executemany(sql, *args)

                def executescript(self, sql: Any) -> Any:
                    return self.cursor().executescript(sql)

            Connection.__name__ = base.__name__
            Connection.__qualname__ = base.__qualname__
            cls = classes[base] = Connection
        return cls

    def connect(*args: Any, **kwargs: Any) -> Any:
        base = kwargs.pop("factory", None) or sqlite3.Connection
        kwargs["factory"] = connection_class(base)
        return original(*args, **kwargs)

    connect._rampart = True  # type: ignore[attr-defined]
    connect.__doc__ = original.__doc__
    sqlite3.connect = connect  # type: ignore[assignment]
    try:
        import sqlite3.dbapi2 as dbapi2

        dbapi2.connect = connect  # type: ignore[assignment]
    except ImportError:  # pragma: no cover
        pass


def _patch_methods(cls: type, dialect: str, names: Sequence[str]) -> None:
    for name in names:
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "_rampart", False):
            continue

        def make(orig: Callable[..., Any]) -> Callable[..., Any]:
            def method(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                if _state.current.get() is not None and not getattr(_inside_sql, "on", False):
                    check_sql(dialect, _query_text(self, query))
                    _inside_sql.on = True
                    try:
                        return orig(self, query, *args, **kwargs)
                    finally:
                        _inside_sql.on = False
                return orig(self, query, *args, **kwargs)

            method._rampart = True  # type: ignore[attr-defined]
            method.__name__ = orig.__name__
            method.__doc__ = orig.__doc__
            return method

        setattr(cls, name, make(original))


def _patch_async_methods(cls: type, dialect: str, names: Sequence[str]) -> None:
    for name in names:
        original = cls.__dict__.get(name)
        if original is None or getattr(original, "_rampart", False):
            continue

        def make(orig: Callable[..., Any]) -> Callable[..., Any]:
            async def method(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                if _state.current.get() is not None:
                    check_sql(dialect, _query_text(self, query))
                return await orig(self, query, *args, **kwargs)

            method._rampart = True  # type: ignore[attr-defined]
            method.__name__ = orig.__name__
            return method

        setattr(cls, name, make(original))


#: Set while a wrapped execute runs, so that an executemany implemented with
#: execute is checked once.
_inside_sql = threading.local()


def _patch_psycopg() -> None:
    import psycopg

    _patch_methods(psycopg.Cursor, "postgresql", ("execute", "executemany"))
    _patch_methods(psycopg.ServerCursor, "postgresql", ("execute",))
    _patch_async_methods(psycopg.AsyncCursor, "postgresql", ("execute", "executemany"))


def _patch_psycopg2() -> None:
    import psycopg2
    import psycopg2.extensions

    if getattr(psycopg2.connect, "_rampart", False):
        return
    original = psycopg2.connect
    classes: Dict[type, type] = {}

    def connect(*args: Any, **kwargs: Any) -> Any:
        conn = original(*args, **kwargs)
        base = conn.cursor_factory or psycopg2.extensions.cursor
        cls = classes.get(base)
        if cls is None:
            cls = classes[base] = _checked_cursor(base, "postgresql")
        conn.cursor_factory = cls
        return conn

    connect._rampart = True  # type: ignore[attr-defined]
    connect.__doc__ = original.__doc__
    psycopg2.connect = connect


def _patch_pymysql() -> None:
    import pymysql.cursors

    _patch_methods(pymysql.cursors.Cursor, "mysql", ("execute", "executemany"))


_MODULE_PATCHES: Dict[str, Callable[[], None]] = {
    "http.client": _patch_http_client,
    "sqlite3": _patch_sqlite3,
    "psycopg": _patch_psycopg,
    "psycopg2": _patch_psycopg2,
    "pymysql": _patch_pymysql,
}


class _PatchingFinder:
    """A meta path finder that patches a sink module once it is imported."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in _MODULE_PATCHES or getattr(_finding, "on", False):
            return None
        import importlib.util

        _finding.on = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            _finding.on = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        loader = spec.loader
        patch = _MODULE_PATCHES[name]

        class Loader:
            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: Any) -> None:
                loader.exec_module(module)
                _apply(name, patch)

        spec.loader = Loader()
        return spec


_finding = threading.local()


def _apply(name: str, patch: Callable[[], None]) -> None:
    try:
        patch()
    except Exception as e:  # noqa: BLE001 - a library we cannot wrap stays unwrapped
        sys.stderr.write(f"rampart: cannot check {name}: {e}\n")


def install() -> None:
    """Installs the hooks once per process.

    Audit hooks cannot be removed: they do nothing outside a protected
    request.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        _installed = True
        sys.addaudithook(_audit)
        # A sink module already imported is wrapped now, the others when
        # they are imported: a function that never imports http.client
        # (and ssl with it) does not pay for it.
        sys.meta_path.insert(0, _PatchingFinder())
        for name, patch in _MODULE_PATCHES.items():
            if name in sys.modules:
                _apply(name, patch)
