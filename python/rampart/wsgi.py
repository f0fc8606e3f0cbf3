"""rampart for WSGI applications served outside Lambda (Flask, Django, any WSGI server).

::

    import rampart.wsgi

    app = rampart.wsgi.protect(app)

Every request is evaluated by the WAF before the application runs (a
blocked one gets rampart's 403, JSON or HTML by its Accept header), and the
sink checks and user events inside the application are bound to it, as
the Lambda wrapper does. The application's response is held until it
returns, so that a sink check that blocks halfway replaces it whole (a
streamed response is sent once complete). Off (``RAMPART_ENABLED`` not true), :func:`protect`
returns the application itself. A WSGI application inside a Lambda
function behind an adapter is protected by the Lambda wrapper instead.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from . import _hooks, _state
from ._hooks import BlockedError

#: Body bytes read ahead for the WAF; the rest stays in the stream, which
#: the application reads whole.
BODY_PREFIX = 64 << 10

StartResponse = Callable[..., Any]
WSGIApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]


def protect(app: WSGIApp) -> WSGIApp:
    """Returns app protected by rampart, or app itself when rampart is off.

    Raises ConfigError when rampart is on but its configuration cannot be
    used: the server fails to start rather than run unprotected.
    """
    if not _state.enabled():
        return app
    ag = _state.agent()
    _hooks.install()

    def protected(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return _serve(ag, app, environ, start_response)

    return protected


class _Prefixed(io.RawIOBase):
    """The request stream with its first bytes, already read, put back."""

    def __init__(self, prefix: bytes, rest: Any, left: int) -> None:
        self._prefix = io.BytesIO(prefix)
        self._rest = rest
        #: What is left of the body in rest: a WSGI server's stream may
        #: block past it, waiting for the next request of the connection.
        self._left = left

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._prefix.readinto(b)
        if n:
            return n
        if self._left <= 0:
            return 0
        data = self._rest.read(min(len(b), self._left))
        self._left -= len(data)
        b[: len(data)] = data
        return len(data)


def _request_doc(environ: Dict[str, Any]) -> Tuple[Dict[str, Any], Optional[bytes], int]:
    """The request as begin_http takes it, the body prefix it read and the body's length."""
    uri = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    # PEP 3333: PATH_INFO is decoded bytes in latin-1; put them back as sent.
    uri = _quote_path(uri.encode("latin-1", "replace"))
    if environ.get("QUERY_STRING"):
        uri += "?" + environ["QUERY_STRING"]
    headers: List[List[str]] = []
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            headers.append([k[5:].replace("_", "-").title(), str(v)])
    for k, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(k):
            headers.append([name, str(environ[k])])
    prefix: Optional[bytes] = None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0 and environ.get("wsgi.input") is not None:
        prefix = environ["wsgi.input"].read(min(length, BODY_PREFIX))
    doc: Dict[str, Any] = {
        "method": environ.get("REQUEST_METHOD", "GET"),
        "uri": uri,
        "headers": headers,
        "remote_addr": environ.get("REMOTE_ADDR", ""),
    }
    if prefix:
        try:
            doc["body"] = prefix.decode("utf-8")
        except UnicodeDecodeError:
            doc["body"], doc["body_base64"] = base64.b64encode(prefix).decode(), True
    return doc, prefix, length


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/!$&'()*+,;=:@")


def _quote_path(raw: bytes) -> str:
    return "".join(chr(c) if c in _SAFE else f"%{c:02X}" for c in raw)


def _answer(start_response: StartResponse, resp: Dict[str, Any]) -> List[bytes]:
    status = int(resp.get("status") or 403)
    body = str(resp.get("body") or "").encode()
    headers = [(str(k), str(v)) for k, v in (resp.get("headers") or {}).items()]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} Blocked", headers)
    return [body]


def _serve(
    ag: _state.Agent, app: WSGIApp, environ: Dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    doc, prefix, length = _request_doc(environ)
    if prefix is not None:
        rest = _Prefixed(prefix, environ["wsgi.input"], length - len(prefix))
        environ["wsgi.input"] = io.BufferedReader(rest)
    try:
        ans = ag.call("begin_http", ag.handle, doc)
    except Exception:  # noqa: BLE001 - fail open: the library counted the fault
        return app(environ, start_response)
    req = _state.Request(int(ans["request"]), "http")
    if ans.get("blocked"):
        _finish(ag, req, 0)
        return _answer(start_response, ans.get("response") or {})
    # The response is held until the application is done, so that a sink
    # that blocks halfway replaces it whole.
    started: List[Any] = []
    body: List[bytes] = []

    def held_start(st: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [st, headers, exc_info]
        return body.append

    token = _state.current.set(req)
    try:
        result = app(environ, held_start)
        try:
            body.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except BlockedError:
        pass
    except BaseException:
        _state.current.reset(token)
        _finish(ag, req, 500)
        raise
    _state.current.reset(token)
    if req.blocked_response is not None:
        _finish(ag, req, 0)
        return _answer(start_response, req.blocked_response)
    status = 0
    if started:
        try:
            status = int(str(started[0]).split(" ", 1)[0])
        except ValueError:
            status = 0
    out = _finish(ag, req, status or 200)
    if out is not None:
        return _answer(start_response, out)
    if not started:
        raise RuntimeError("the WSGI application returned without calling start_response")
    if started[2] is not None:
        start_response(started[0], started[1], started[2])
    else:
        start_response(started[0], started[1])
    return body


def _finish(ag: _state.Agent, req: _state.Request, status: int) -> Optional[Dict[str, Any]]:
    try:
        ans = ag.call("end", req.handle, {"status": status})
    except Exception:  # noqa: BLE001
        return None
    return ans.get("response") if ans.get("blocked") else None
