"""rampart for ASGI applications served outside Lambda (FastAPI, Starlette, any ASGI server).

::

    import rampart.asgi

    app = rampart.asgi.protect(app)

Every HTTP request is evaluated by the WAF before the application runs (a
blocked one gets rampart's 403, JSON or HTML by its Accept header), and the
sink checks and user events inside the application are bound to it: the
request is a context variable, which the application's tasks and the
threads it starts through asyncio or anyio inherit. The body is read up to
:data:`BODY_PREFIX` for the WAF and replayed to the application whole. The
application's response is held until it is complete, so that a sink check
that blocks halfway replaces it. Lifespan and WebSocket scopes pass through.
Off (``RAMPART_ENABLED`` not true), :func:`protect` returns the application
itself. An ASGI application inside a Lambda function behind an adapter such
as Mangum is protected by the Lambda wrapper instead.
"""

from __future__ import annotations

import base64
from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional

from . import _hooks, _state
from ._hooks import BlockedError

#: Body bytes read ahead for the WAF before the application runs.
BODY_PREFIX = 64 << 10

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def protect(app: ASGIApp) -> ASGIApp:
    """Returns app protected by rampart, or app itself when rampart is off.

    Raises ConfigError when rampart is on but its configuration cannot be
    used: the server fails to start rather than run unprotected.
    """
    if not _state.enabled():
        return app
    ag = _state.agent()
    _hooks.install()

    async def protected(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        await _serve(ag, app, scope, receive, send)

    return protected


def _request_doc(scope: Scope, body: bytes) -> Dict[str, Any]:
    path = scope.get("raw_path") or scope.get("path", "/").encode("utf-8", "surrogateescape")
    uri = path.decode("latin-1")
    if scope.get("query_string"):
        uri += "?" + scope["query_string"].decode("latin-1")
    headers: List[List[str]] = [
        [k.decode("latin-1"), v.decode("latin-1")] for k, v in scope.get("headers", [])
    ]
    client = scope.get("client")
    doc: Dict[str, Any] = {
        "method": scope.get("method", "GET"),
        "uri": uri or "/",
        "headers": headers,
        "remote_addr": client[0] if client else "",
    }
    if body:
        try:
            doc["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            doc["body"], doc["body_base64"] = base64.b64encode(body).decode(), True
    return doc


async def _answer(send: Send, resp: Dict[str, Any]) -> None:
    body = str(resp.get("body") or "").encode()
    headers = [(str(k).lower().encode(), str(v).encode()) for k, v in (resp.get("headers") or {}).items()]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": int(resp.get("status") or 403), "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _serve(ag: _state.Agent, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    # Read ahead the body's first bytes; the application gets them replayed.
    early: List[Message] = []
    size = 0
    more = True
    while more and size < BODY_PREFIX:
        msg = await receive()
        early.append(msg)
        if msg.get("type") != "http.request":
            break
        size += len(msg.get("body", b""))
        more = bool(msg.get("more_body"))
    body = b"".join(m.get("body", b"") for m in early if m.get("type") == "http.request")[:BODY_PREFIX]

    async def replay() -> Message:
        if early:
            return early.pop(0)
        return await receive()

    try:
        ans = ag.call("begin_http", ag.handle, _request_doc(scope, body))
    except Exception:  # noqa: BLE001 - fail open: the library counted the fault
        await app(scope, replay, send)
        return
    req = _state.Request(int(ans["request"]), "http")
    if ans.get("blocked"):
        _finish(ag, req, 0)
        await _answer(send, ans.get("response") or {})
        return
    held: List[Message] = []

    async def hold(msg: Message) -> None:
        held.append(msg)

    token = _state.current.set(req)
    try:
        await app(scope, replay, hold)
    except BlockedError:
        pass
    except BaseException:
        _state.current.reset(token)
        _finish(ag, req, 500)
        raise
    _state.current.reset(token)
    if req.blocked_response is not None:
        _finish(ag, req, 0)
        await _answer(send, req.blocked_response)
        return
    status = 0
    for m in held:
        if m.get("type") == "http.response.start":
            status = int(m.get("status") or 0)
            break
    out = _finish(ag, req, status or 200)
    if out is not None:
        await _answer(send, out)
        return
    for m in held:
        await send(m)


def _finish(ag: _state.Agent, req: _state.Request, status: int) -> Optional[Dict[str, Any]]:
    try:
        ans = ag.call("end", req.handle, {"status": status})
    except Exception:  # noqa: BLE001
        return None
    return ans.get("response") if ans.get("blocked") else None
