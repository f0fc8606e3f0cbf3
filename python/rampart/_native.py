"""The shared library: rampart's Go engine, loaded with ctypes.

The library (librampart.so, built with ``go build -buildmode=c-shared`` from
bindings/librampart) exports one calling convention for every entry point::

    char *rampart_<name>(uint64_t handle, const char *in, size_t n, size_t *out_n);
    void  rampart_free(char *p);

``in`` is a JSON document of ``n`` bytes (the library copies what it keeps);
the result is a JSON document of ``*out_n`` bytes in memory the library
allocated, which the caller gives back with ``rampart_free``. Handles are
opaque integers (0 is none). Every entry point recovers from a panic and
answers ``{"error": "..."}``; so does a bad handle or bad JSON. Entry points
may be called from several threads at once.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from typing import Any, Optional

_ENTRY_POINTS = (
    "agent_new",
    "agent_flush",
    "agent_close",
    "agent_status",
    "begin_lambda",
    "begin_http",
    "begin_event",
    "check",
    "user_event",
    "end",
)

#: Entry points a library built from an older tree may lack.
_OPTIONAL = ("begin_event",)


#: JSON without spaces (one encoder, not one per call).
_encode = json.JSONEncoder(separators=(",", ":")).encode


class NativeError(Exception):
    """An answer of the shared library that says it could not do the call."""


class Library:
    """The loaded shared library and its entry points."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lib = ctypes.CDLL(path)
        self._free = self._lib.rampart_free
        self._free.argtypes = [ctypes.c_void_p]
        self._free.restype = None
        self._fns = {}
        for name in _ENTRY_POINTS:
            try:
                fn = getattr(self._lib, "rampart_" + name)
            except AttributeError:
                if name in _OPTIONAL:
                    continue
                raise
            fn.argtypes = [
                ctypes.c_uint64,
                ctypes.c_char_p,
                ctypes.c_size_t,
                ctypes.POINTER(ctypes.c_size_t),
            ]
            fn.restype = ctypes.c_void_p
            self._fns[name] = fn

    def call(self, name: str, handle: int = 0, doc: Any = None) -> dict:
        """Calls entry point ``name`` with ``doc`` as JSON; returns its answer.

        Raises NativeError when the answer carries an error.
        """
        return self.call_raw(name, handle, b"{}" if doc is None else _encode(doc).encode())

    def has(self, name: str) -> bool:
        """Reports whether the library has entry point ``name``."""
        return name in self._fns

    def call_raw(self, name: str, handle: int, data: bytes) -> dict:
        """Calls entry point ``name`` with the JSON document ``data``; returns its answer.

        Raises NativeError when the answer carries an error.
        """
        out_n = ctypes.c_size_t(0)
        p = self._fns[name](handle, data, len(data), ctypes.byref(out_n))
        if not p:
            raise NativeError(f"rampart_{name}: no answer")
        try:
            raw = ctypes.string_at(p, out_n.value)
        finally:
            self._free(p)
        answer = json.loads(raw)
        if isinstance(answer, dict) and answer.get("error"):
            raise NativeError(f"rampart_{name}: {answer['error']}")
        return answer


def library_path() -> str:
    """Returns where the shared library is: $RAMPART_LIBRARY, or beside this file."""
    env = os.environ.get("RAMPART_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    name = "librampart.dylib" if sys.platform == "darwin" else "librampart.so"
    return os.path.join(here, name)


_loaded: Optional[Library] = None


def load() -> Library:
    """Loads the shared library once per process."""
    global _loaded
    if _loaded is None:
        _loaded = Library(library_path())
    return _loaded
