"""The shared library's entry points answer bad input with a clear error."""

from __future__ import annotations

import ctypes
import json

import pytest
from events import event

from rampart import _native, _state


def raw_call(lib: _native.Library, name: str, handle: int, data: bytes) -> bytes:
    out_n = ctypes.c_size_t(0)
    p = lib._fns[name](handle, data, len(data), ctypes.byref(out_n))
    try:
        return ctypes.string_at(p, out_n.value)
    finally:
        lib._free(p)


def test_bad_input_is_an_error():
    ag = _state.agent()
    lib = ag.lib
    assert b'"error":"input:' in raw_call(lib, "check", 1, b"{not json")
    with pytest.raises(_native.NativeError, match="unknown handle"):
        lib.call("check", 987654321, {"sink": "sql", "resource": "x"})
    with pytest.raises(_native.NativeError, match=r"is a \*main.agent"):
        lib.call("check", ag.handle, {"sink": "sql", "resource": "x"})
    begin = lib.call("begin_lambda", ag.handle, {"event": event("apigateway-v2", "/x")})
    req = int(begin["request"])
    with pytest.raises(_native.NativeError, match="unknown sink"):
        lib.call("check", req, {"sink": "ldap", "resource": "x"})
    with pytest.raises(_native.NativeError, match="type"):
        lib.call("user_event", ag.handle, {"type": "nope"})
    assert lib.call("end", req, {"status": 200}) == {"blocked": False}
    with pytest.raises(_native.NativeError, match="unknown handle"):
        lib.call("end", req, {"status": 200})  # ended: its handle is released
    assert b"over the limit" in raw_call(lib, "begin_lambda", ag.handle, b" " * (16 << 20 | 1))
    # A payload that is not an HTTP event passes through.
    other = lib.call("begin_lambda", ag.handle, {"event": [1, 2, 3]})
    assert other["kind"] != "" and not other.get("blocked")
    lib.call("end", int(other["request"]), {})


def test_begin_http_input():
    ag = _state.agent()
    lib = ag.lib
    with pytest.raises(_native.NativeError, match="method and uri are required"):
        lib.call("begin_http", ag.handle, {"uri": "/x"})
    with pytest.raises(_native.NativeError, match="body"):
        lib.call("begin_http", ag.handle, {"method": "POST", "uri": "/x", "body": "%%%", "body_base64": True})
    with pytest.raises(_native.NativeError, match="input:"):
        lib.call("begin_http", ag.handle, {"method": "GET", "uri": "/x", "headers": {"not": "pairs"}})
    ok = lib.call(
        "begin_http", ag.handle, {"method": "GET", "uri": "/x?q=1", "headers": [["Accept", "text/html"]]}
    )
    req = int(ok["request"])
    # The plain request's block response is an HTTP response, not an event's.
    ans = lib.call("check", req, {"sink": "shell", "resource": "ls /tmp", "stack": []})
    assert ans == {"blocked": False}
    assert lib.call("end", req, {"status": 200}) == {"blocked": False}
    bad = lib.call("begin_http", ag.handle, {"method": "GET", "uri": "/ping?host=x%3Bid"})
    req = int(bad["request"])
    ans = lib.call("check", req, {"sink": "shell", "resource": "ping -c1 x;id", "stack": []})
    assert ans["blocked"] and ans["response"]["status"] == 403
    assert ans["response"]["headers"]["Content-Type"] == "application/json"
    assert lib.call("end", req, {"status": 200})["response"]["status"] == 403


def test_begin_event_takes_the_event_itself():
    ag = _state.agent()
    lib = ag.lib

    def kind(ans: dict) -> str:
        assert lib.call("end", int(ans["request"]), {"status": 200}) == {"blocked": False}
        return ans["kind"]

    ev = event("apigateway-v2", "/x", query={"q": "' OR 1=1 --"})
    want = kind(lib.call("begin_lambda", ag.handle, {"event": ev}))
    assert want != kind(lib.call("begin_lambda", ag.handle, {"event": [1]}))
    assert kind(lib.call("begin_event", ag.handle, ev)) == want
    assert kind(ag.begin(ev)) == want
    # Input that is not JSON is an event of no HTTP kind, not an error.
    other = json.loads(raw_call(lib, "begin_event", ag.handle, b"{not json"))
    assert "error" not in other
    assert kind(other) == kind(lib.call("begin_lambda", ag.handle, {"event": [1]}))
    assert b"over the limit" in raw_call(lib, "begin_event", ag.handle, b" " * (16 << 20 | 1))
