"""rampart: in-process application and API protection for Python AWS Lambda functions.

The same engine as rampart's Go library, loaded as a shared library: an
in-process WAF on every HTTP event (API Gateway REST and HTTP API, ALB,
Function URL), exploit prevention at the SQL query, the shell and exec
call, the outgoing HTTP request and the file open, with Python stack
traces, and user events for the collector's account-takeover detection.

Switched on by ``RAMPART_ENABLED=true``; off, :func:`wrap` returns the
handler itself and nothing is loaded::

    import rampart

    @rampart.lambda_handler
    def handler(event, context):
        ...

or, without changing the code, the function's handler set to
``rampart.handler.handler`` with ``RAMPART_LAMBDA_HANDLER=app.handler``.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar

from . import _hooks, _state, dbapi
from ._hooks import BlockedError
from ._native import NativeError
from ._state import ConfigError, enabled

__all__ = [
    "Action",
    "BlockedError",
    "ConfigError",
    "dbapi",
    "NativeError",
    "enabled",
    "lambda_handler",
    "set_user",
    "track_event",
    "track_login_failure",
    "track_login_success",
    "track_session_create",
    "track_signup",
    "wrap",
    "flush",
]

__version__ = "0.1.0"

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Action(str, enum.Enum):
    """What a user-event call asks the application to do."""

    #: Go on.
    ALLOW = "allow"
    #: The IP or the user is blocked: answer 403.
    BLOCK = "block"
    #: Step-up authentication is required before going on.
    CHALLENGE = "challenge"


def wrap(handler: Handler) -> Handler:
    """Returns handler protected by rampart, or handler itself when rampart is off.

    The returned function takes (event, context) like any Lambda handler.
    HTTP events (API Gateway REST v1 and HTTP API v2, ALB with single or
    multi-value headers, Function URL) are evaluated by the WAF before the
    handler runs; a blocked one is answered with a 403 in the event's own
    response shape and the handler is not called. Other events pass through
    with the sink checks and user events bound to the invocation.

    Raises ConfigError when rampart is on but its configuration cannot be
    used: the function fails its init rather than run unprotected.
    """
    if not enabled():
        return handler
    ag = _state.agent()
    _hooks.install()
    if getattr(handler, "_rampart", False):
        return handler

    @functools.wraps(handler)
    def wrapped(event: Any, context: Any = None) -> Any:
        return _invoke(ag, handler, event, context)

    wrapped._rampart = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


#: ``@rampart.lambda_handler`` is :func:`wrap` as a decorator.
lambda_handler = wrap


def _invoke(ag: _state.Agent, handler: Callable[..., Any], event: Any, context: Any) -> Any:
    try:
        ans = ag.begin(event)
    except Exception:  # noqa: BLE001 - fail open: the library counted the fault
        return handler(event, context)
    req = _state.Request(int(ans["request"]), ans.get("kind", ""))
    if ans.get("blocked"):
        _end(ag, req, ans.get("response"))
        return ans.get("response")
    token = _state.current.set(req)
    result: Any = None
    try:
        result = handler(event, context)
    except BlockedError as e:
        result = req.blocked_response or e.response
    except BaseException:
        _state.current.reset(token)
        _end(ag, req, None, failed=True)
        raise
    _state.current.reset(token)
    if req.blocked_response is not None:
        result = req.blocked_response
    out = _end(ag, req, result)
    return result if out is None else out


def _end(ag: _state.Agent, req: _state.Request, result: Any, failed: bool = False) -> Any:
    """Ends the request and delivers its events.

    The response status goes to the response rules. Returns the block
    response when a response rule blocked, else None.
    """
    status = 0
    if isinstance(result, Mapping):
        try:
            status = int(result.get("statusCode") or 0)
        except (TypeError, ValueError):
            status = 0
    elif result is not None and not failed:
        status = 200
    try:
        ans = ag.call("end", req.handle, {"status": status, "failed": failed})
    except Exception:  # noqa: BLE001
        return None
    if ans.get("blocked") and req.blocked_response is None:
        return ans.get("response")
    return None


def flush(timeout: float = 2.0) -> None:
    """Delivers the events rampart holds (the wrapper does it after each invocation)."""
    ag = _state.loaded_agent()
    if ag is not None:
        try:
            ag.call("agent_flush", ag.handle, {"timeout_ms": int(timeout * 1000)})
        except Exception:  # noqa: BLE001
            pass


def _user_event(kind: str, fields: Dict[str, Any]) -> Action:
    if not enabled():
        return Action.ALLOW
    try:
        ag = _state.agent()
    except ConfigError:
        raise
    req = _state.current.get()
    fields["type"] = kind
    fields["request"] = req.handle if req is not None else 0
    try:
        ans = ag.call("user_event", ag.handle, {k: v for k, v in fields.items() if v is not None})
    except Exception:  # noqa: BLE001 - fail open
        return Action.ALLOW
    try:
        return Action(ans.get("action", "allow"))
    except ValueError:
        return Action.ALLOW


def track_login_success(
    user_id: str,
    *,
    login: Optional[str] = None,
    session_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    client_ip: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Action:
    """Reports a successful login of user_id; returns what to do next.

    Action.BLOCK when the user or the client IP is blocked by a decision of
    the collector, Action.CHALLENGE when step-up is required (both in block
    mode only), else Action.ALLOW.
    """
    return _user_event(
        "login_success",
        {
            "user_id": user_id,
            "login": login,
            "session_id": session_id,
            "metadata": _md(metadata),
            "client_ip": client_ip,
            "user_agent": user_agent,
        },
    )


def track_login_failure(
    login: str,
    exists: bool,
    *,
    user_id: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    client_ip: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Action:
    """Reports a failed login for login (exists: whether such an account exists)."""
    return _user_event(
        "login_failure",
        {
            "login": login,
            "exists": bool(exists),
            "user_id": user_id,
            "metadata": _md(metadata),
            "client_ip": client_ip,
            "user_agent": user_agent,
        },
    )


def track_signup(
    user_id: str,
    *,
    login: Optional[str] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    client_ip: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Action:
    """Reports that the account user_id was created."""
    return _user_event(
        "signup",
        {
            "user_id": user_id,
            "login": login,
            "metadata": _md(metadata),
            "client_ip": client_ip,
            "user_agent": user_agent,
        },
    )


def track_session_create(
    session_id: str,
    user_id: str,
    *,
    metadata: Optional[Mapping[str, Any]] = None,
    client_ip: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Action:
    """Reports that session_id was created for user_id (the id is hashed before it leaves)."""
    return _user_event(
        "session_create",
        {
            "session_id": session_id,
            "user_id": user_id,
            "metadata": _md(metadata),
            "client_ip": client_ip,
            "user_agent": user_agent,
        },
    )


def track_event(
    name: str,
    metadata: Optional[Mapping[str, Any]] = None,
    *,
    user_id: Optional[str] = None,
    login: Optional[str] = None,
) -> Action:
    """Reports a custom business event (a password reset, a payment)."""
    return _user_event(
        "custom", {"name": name, "metadata": _md(metadata), "user_id": user_id, "login": login}
    )


def set_user(
    user_id: str,
    *,
    login: Optional[str] = None,
    session_id: Optional[str] = None,
) -> Action:
    """Names the user of the current authenticated request.

    The WAF's block lists run over the user: Action.BLOCK when the
    collector blocked this user.
    """
    return _user_event("set_user", {"user_id": user_id, "login": login, "session_id": session_id})


if enabled():
    # The sinks are wrapped as soon as rampart is imported, so that the
    # connections the application opens at import time are checked too
    # (the hooks do nothing outside a protected request).
    _hooks.install()


def _md(metadata: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if metadata is None:
        return None
    return {
        str(k): v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
        for k, v in metadata.items()
    }
