"""rampart.wsgi: a WSGI application served by a real WSGI server on
loopback, its requests evaluated through the library's begin_http."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from conftest import block_env, http_get, run_python
from test_lambda import wait_events

import rampart.wsgi


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


def make_app(marker):
    def app(environ, start_response):
        q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        path = environ["PATH_INFO"]
        if path == "/ping":
            out = subprocess.run("printf %s " + q.get("host", ""), shell=True, capture_output=True, text=True)
            body = out.stdout.encode()
        elif path == "/echo":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            data = environ["wsgi.input"].read(n)
            body = json.dumps({"length": len(data), "tail": data[-8:].decode()}).encode()
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"missing"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


@pytest.fixture
def server(tmp_path):
    marker = tmp_path / "injected"
    srv = make_server("127.0.0.1", 0, rampart.wsgi.protect(make_app(marker)), handler_class=_Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", marker
    srv.shutdown()


def test_sink_blocked_under_a_wsgi_server(server, events):
    base, marker = server
    status, _, body = http_get(base + "/ping?host=example.com")
    assert status == 200 and body == b"example.com"
    attack = urllib.request.quote(f"example.com;touch {marker}")
    status, headers, body = http_get(base + "/ping?host=" + attack)
    assert status == 403, body
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["rule"] == "rp-rasp-shi"
    assert not marker.exists(), "the injected command ran"
    rampart.flush()
    exploits = wait_events(events, lambda e: e.get("type") == "exploit")
    assert exploits and exploits[0]["request"]["uri"].startswith("/ping?host=")
    assert any(f["file"].endswith("test_wsgi.py") for f in exploits[0]["exploit"]["stack"])


def test_the_application_reads_the_whole_body(server):
    base, _ = server
    payload = b"a" * (rampart.wsgi.BODY_PREFIX + 1000) + b"-the-end"
    status, _, body = http_get(base + "/echo", data=payload, headers={"Content-Type": "text/plain"})
    assert status == 200
    assert json.loads(body) == {"length": len(payload), "tail": "-the-end"}


def test_not_found_passes_through(server):
    base, _ = server
    status, _, body = http_get(base + "/nothing")
    assert status == 404 and body == b"missing"


WAF_BLOCK = """
import io, json, rampart.wsgi
seen = []
def app(environ, start_response):
    seen.append(environ["PATH_INFO"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
app = rampart.wsgi.protect(app)
def call(qs, accept="", body=b""):
    out = {}
    def start(status, headers, exc_info=None):
        out["status"], out["headers"] = status, dict(headers)
    env = {"REQUEST_METHOD": "POST" if body else "GET", "PATH_INFO": "/search", "QUERY_STRING": qs,
           "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT": accept, "wsgi.input": io.BytesIO(body),
           "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json"}
    out["body"] = b"".join(app(env, start)).decode()
    return out
ok = call("q=shoes")
xss = call("q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
html = call("q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", accept="text/html")
body = call("", body=b'{"q":"<script>alert(document.cookie)</script>"}')
print(json.dumps({"ok": ok, "xss": xss, "html": html, "body": body, "seen": seen}))
"""


def test_waf_blocks_before_the_application():
    p = run_python(
        WAF_BLOCK,
        block_env(),
    )
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["ok"]["status"].startswith("200") and r["ok"]["body"] == "ok"
    assert r["xss"]["status"].startswith("403") and json.loads(r["xss"]["body"])["error"] == "blocked"
    assert (
        r["html"]["headers"]["Content-Type"].startswith("text/html")
        and "Request blocked" in r["html"]["body"]
    )
    assert r["body"]["status"].startswith("403"), "an attack in the JSON body"
    assert r["seen"] == ["/search"], "the application ran for a blocked request"


def test_off_returns_the_application_itself():
    p = run_python(
        "import rampart.wsgi, sys\napp = lambda e, s: []\n"
        "print(rampart.wsgi.protect(app) is app, rampart._native._loaded is not None)",
        {},
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["True", "False"]
