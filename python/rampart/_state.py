"""The request in progress and the process's agent."""

from __future__ import annotations

import contextvars
import os
import threading
from typing import Any, Optional

from . import _native

#: The request the current code runs for (set by the Lambda wrapper for the
#: handler's duration; a thread or task started by the handler inherits it
#: where contextvars are copied).
current: contextvars.ContextVar[Optional[Request]] = contextvars.ContextVar("rampart_request", default=None)

#: Set while rampart's own code runs, so that its own file opens and
#: connections are not checked.
_busy = threading.local()


def busy() -> bool:
    """Reports whether the current thread is inside rampart's own code."""
    return getattr(_busy, "on", False)


class _Busy:
    def __enter__(self) -> None:
        self.prev = getattr(_busy, "on", False)
        _busy.on = True

    def __exit__(self, *exc: Any) -> None:
        _busy.on = self.prev


def inside() -> _Busy:
    """A context manager marking rampart's own work on this thread."""
    return _Busy()


class Request:
    """One request under protection: the native handle and what it decided."""

    __slots__ = ("handle", "kind", "blocked_response", "checked_url", "__weakref__")

    def __init__(self, handle: int, kind: str) -> None:
        self.handle = handle
        self.kind = kind
        #: The event-shaped block response once a check blocked, which the
        #: wrapper returns whatever the handler does next.
        self.blocked_response: Optional[dict] = None
        #: The last URL checked on this request (a client that goes through
        #: several layers is checked once per URL).
        self.checked_url: Optional[str] = None


class Agent:
    """The process's engine: one per process, shared by every thread."""

    def __init__(self, lib: _native.Library, handle: int, status: dict) -> None:
        self.lib = lib
        self.handle = handle
        self.status = status
        self.mode = status.get("mode", "monitor")

    def call(self, name: str, handle: int, doc: Any = None) -> dict:
        """Calls the library, marking the work as rampart's own."""
        with inside():
            return self.lib.call(name, handle, doc)

    def begin(self, event: Any) -> dict:
        """Begins an invocation of event (encoded once, read once by the library)."""
        if not self.lib.has("begin_event"):
            return self.call("begin_lambda", self.handle, {"event": event})
        data = _native._encode(event).encode()
        with inside():
            return self.lib.call_raw("begin_event", self.handle, data)


#: Options of the agent the process creates, beside the environment
#: (flush_timeout_ms: how long the end of an invocation may take to hand
#: its events over; the Go library's default when 0).
AGENT_OPTIONS: dict = {}

_agent: Optional[Agent] = None
_agent_lock = threading.Lock()
_agent_error: Optional[BaseException] = None


def truthy(value: Optional[str]) -> Optional[bool]:
    """Reads a switch the way the Go library does; None when it is not one."""
    if value is None:
        return False
    v = value.strip().lower()
    if v in ("", "false", "0", "no", "off"):
        return False
    if v in ("true", "1", "yes", "on"):
        return True
    return None


def enabled() -> bool:
    """Reports whether RAMPART_ENABLED switches rampart on.

    A value that is not a switch spelling is left to the library, which
    refuses to start with it (the same policy as the Go library).
    """
    return truthy(os.environ.get("RAMPART_ENABLED")) is not False


def agent() -> Agent:
    """Returns the process's agent, creating it on first use.

    The agent reads its configuration from the environment, as the Go
    library does; a configuration error is raised (the function fails its
    init rather than run unprotected).
    """
    global _agent, _agent_error
    if _agent is not None:
        return _agent
    with _agent_lock:
        if _agent is not None:
            return _agent
        if _agent_error is not None:
            raise _agent_error
        lib = _native.load()
        try:
            with inside():
                ans = lib.call("agent_new", 0, {"env": True, **AGENT_OPTIONS})
        except _native.NativeError as e:
            _agent_error = ConfigError(str(e))
            raise _agent_error from None
        _agent = Agent(lib, int(ans["agent"]), ans.get("status", {}))
        return _agent


def loaded_agent() -> Optional[Agent]:
    """Returns the agent when it exists, without creating it."""
    return _agent


class ConfigError(Exception):
    """rampart's configuration cannot be used: the process must not start unprotected."""
