"""The Lambda wrapper on the five HTTP event shapes, with the real engine."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import app
import pytest
from events import SHAPES, event

import rampart

MARKERS = {k: f"# {k} sink" for k in ("sql", "shell", "exec", "http", "file")}
HANDLER_LINE = {}
with open(app.__file__) as f:
    for i, line in enumerate(f, 1):
        for key, marker in MARKERS.items():
            if marker in line and key not in HANDLER_LINE:
                HANDLER_LINE[key] = i


class _Upstream(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"upstream " + self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


UPSTREAM = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
threading.Thread(target=UPSTREAM.serve_forever, daemon=True).start()
app.UPSTREAM["url"] = f"http://127.0.0.1:{UPSTREAM.server_address[1]}"


def exploits(evs, rule):
    return [e for e in evs if e.get("type") == "exploit" and e["exploit"]["rule_id"] == rule]


def wait_events(events, pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = [e for e in events.all() if pred(e)]
        if got:
            return got
        time.sleep(0.02)
    return []


def body_of(resp):
    return json.loads(resp["body"])


@pytest.mark.parametrize("shape", SHAPES)
def test_benign_reaches_the_handler(shape, events):
    resp = app.protected(event(shape, "/users", {"name": "alice"}), None)
    assert resp["statusCode"] == 200
    assert body_of(resp) == [[1, "alice", "alice@example.com"]]


EXPLOITS = [
    ("sql", "rp-rasp-sqli", "/users", {"name": "x' OR '1'='1"}),
    ("shell", "rp-rasp-shi", "/ping", {"host": "127.0.0.1;id"}),
    ("exec", "rp-rasp-shi", "/ping", {"host": "$(id)"}),
    ("http", "rp-rasp-ssrf", "/fetch", {"url": "http://127.0.0.1:1/secret"}),
    ("file", "rp-rasp-lfi", "/files", {"name": "../../../../etc/passwd"}),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("sink,rule,path,query", EXPLOITS, ids=[e[0] for e in EXPLOITS])
def test_exploit_blocked_at_the_sink(shape, sink, rule, path, query, events):
    resp = app.protected(event(shape, path, query), None)
    assert resp["statusCode"] == 403, resp
    assert json.loads(resp["body"])["rule"] == rule
    if shape == "alb-multi":
        assert "multiValueHeaders" in resp and resp["multiValueHeaders"]
    got = wait_events(events, lambda e: e.get("type") == "exploit" and e["exploit"]["rule_id"] == rule)
    assert got, events.all()
    ex = got[-1]
    assert ex["blocked"] is True
    loc = ex["exploit"]["location"]
    want = "shell" if sink == "exec" else sink
    assert (
        loc["file"] == app.__file__ and loc["line"] == HANDLER_LINE[want] and loc["function"] == "handler"
    ), ex
    assert all("rampart" + os.sep not in f["file"] for f in ex["exploit"]["stack"])
    assert ex["function"] == "pytest-fn:$LATEST"


def test_exec_argv_injection(events):
    # An option injected into an exec argv (no shell): wc reads a file of
    # the attacker's choosing.
    resp = app.protected(event("apigateway-v2", "/convert", {"file": "--files0-from=/etc/passwd"}), None)
    assert resp["statusCode"] == 403, resp
    assert json.loads(resp["body"])["rule"] == "rp-rasp-cmdi"
    ok = app.protected(event("apigateway-v2", "/convert", {"file": "report.txt"}), None)
    assert ok["statusCode"] == 200 and "report.txt" in body_of(ok)["output"]


def test_benign_sinks_pass(events):
    for path, query in [
        ("/ping", {"host": "127.0.0.1"}),
        ("/files", {"name": "report.txt"}),
        ("/proxy", {"path": "items?id=7"}),
    ]:
        resp = app.protected(event("apigateway-v2", path, query), None)
        assert resp["statusCode"] == 200, (path, resp)
    assert not [e for e in events.all() if e.get("type") == "exploit"]


def test_dns_rebinding_caught_at_connect(events, monkeypatch):
    # A name the URL check cannot judge, resolved by a stub resolver to
    # loopback: the check at connect time sees the address.
    import socket

    real = socket.getaddrinfo

    def stub(host, port, family=0, type=0, proto=0, flags=0):
        if isinstance(host, str) and host.endswith(".rebind.test"):
            # What the C resolver raises, then its answer: loopback.
            sys.audit("socket.getaddrinfo", host, port, family, type, proto)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", stub)
    port = UPSTREAM.server_address[1]
    resp = app.protected(event("apigateway-v2", "/fetch", {"url": f"http://evil.rebind.test:{port}/x"}), None)
    assert resp["statusCode"] == 403, resp
    got = wait_events(
        events, lambda e: e.get("type") == "exploit" and e["exploit"]["rule_id"] == "rp-rasp-ssrf"
    )
    assert got and got[-1]["exploit"]["location"]["line"] == HANDLER_LINE["http"]


def test_block_survives_the_handler_catching(events):
    # The handler swallows the error and answers 200: the wrapper still
    # answers the block response.
    def handler(ev, ctx):
        try:
            open("/var/task/files/" + ev["queryStringParameters"]["name"])
        except rampart.BlockedError:
            pass
        except OSError:
            pass
        return {"statusCode": 200, "body": "fine"}

    resp = rampart.wrap(handler)(event("apigateway-v2", "/x", {"name": "../../../etc/shadow"}), None)
    assert resp["statusCode"] == 403


def test_other_events_pass_through(events):
    seen = []

    def handler(ev, ctx):
        seen.append(ev)
        return "done"

    ev = {"Records": [{"eventSource": "aws:sqs", "body": "<script>alert(1)</script>"}]}
    assert rampart.wrap(handler)(ev, None) == "done"
    assert seen == [ev]


def test_handler_errors_propagate(events):
    def handler(ev, ctx):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        rampart.wrap(handler)(event("apigateway-v2", "/x"), None)


def test_concurrent_invocations(events):
    errors = []

    def worker(i):
        try:
            for _ in range(20):
                ok = app.protected(event("apigateway-v2", "/users", {"name": "bob"}), None)
                assert ok["statusCode"] == 200
                bad = app.protected(event("apigateway-v2", "/users", {"name": f"x' OR {i}={i}--"}), None)
                assert bad["statusCode"] == 403
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
