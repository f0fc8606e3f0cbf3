"""rampart.asgi: an ASGI application served by a real uvicorn server on
loopback, its requests evaluated through the library's begin_http."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs

import pytest
from conftest import block_env, http_get, run_python
from test_lambda import wait_events

import rampart.asgi

try:
    import uvicorn
except ImportError:  # pragma: no cover - python/requirements-test.txt installs it
    if os.environ.get("RAMPART_REQUIRE") == "1":
        raise
    pytest.skip("uvicorn is not installed", allow_module_level=True)


def make_app(marker):
    async def app(scope, receive, send):
        assert scope["type"] == "http"
        q = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        if scope["path"] == "/ping":
            # A blocking call in a worker thread, as frameworks run sync code.
            loop = asyncio.get_running_loop()
            import contextvars

            ctx = contextvars.copy_context()
            out = await loop.run_in_executor(
                None,
                lambda: ctx.run(
                    subprocess.run,
                    "printf %s " + q.get("host", ""),
                    shell=True,
                    capture_output=True,
                    text=True,
                ),
            )
            data = out.stdout.encode()
        elif scope["path"] == "/echo":
            data = json.dumps({"length": len(body), "tail": body[-8:].decode()}).encode()
        else:
            data = b"missing"
        status = 404 if data == b"missing" else 200
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": data})

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    marker = tmp_path_factory.mktemp("asgi") / "injected"
    port = free_port()
    config = uvicorn.Config(
        rampart.asgi.protect(make_app(marker)), host="127.0.0.1", port=port, log_level="error", lifespan="off"
    )
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", marker
    srv.should_exit = True
    t.join(5)


def test_sink_blocked_under_uvicorn(server, events):
    base, marker = server
    status, _, body = http_get(base + "/ping?host=example.com")
    assert status == 200 and body == b"example.com"
    attack = urllib.request.quote(f"example.com;touch {marker}")
    status, headers, body = http_get(base + "/ping?host=" + attack)
    assert status == 403, body
    assert json.loads(body)["rule"] == "rp-rasp-shi"
    assert not marker.exists(), "the injected command ran"
    rampart.flush()
    exploits = wait_events(events, lambda e: e.get("type") == "exploit" and "/ping" in e["request"]["uri"])
    assert exploits and any(f["file"].endswith("test_asgi.py") for f in exploits[0]["exploit"]["stack"])


def test_the_application_reads_the_whole_body(server):
    base, _ = server
    payload = b"a" * (rampart.asgi.BODY_PREFIX + 5000) + b"-the-end"
    status, _, body = http_get(base + "/echo", data=payload, headers={"Content-Type": "text/plain"})
    assert status == 200
    assert json.loads(body) == {"length": len(payload), "tail": "-the-end"}


WAF_BLOCK = """
import asyncio, json, rampart.asgi
seen = []
async def app(scope, receive, send):
    seen.append(scope["path"])
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
app = rampart.asgi.protect(app)
async def call(qs, accept=b"", body=b""):
    out = {"body": b""}
    msgs = [{"type": "http.request", "body": body, "more_body": False}]
    async def receive():
        return msgs.pop(0) if msgs else {"type": "http.disconnect"}
    async def send(m):
        if m["type"] == "http.response.start":
            out["status"], out["headers"] = m["status"], {k.decode(): v.decode() for k, v in m["headers"]}
        else:
            out["body"] += m.get("body", b"")
    scope = {"type": "http", "method": "POST" if body else "GET", "path": "/search", "raw_path": b"/search",
             "query_string": qs, "headers": [(b"accept", accept), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 5000)}
    await app(scope, receive, send)
    out["body"] = out["body"].decode()
    return out
async def main():
    return {"ok": await call(b"q=shoes"), "xss": await call(b"q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
            "html": await call(b"q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", accept=b"text/html"),
            "body": await call(b"", body=b'{"q":"<script>alert(document.cookie)</script>"}'), "seen": seen}
print(json.dumps(asyncio.run(main())))
"""


def test_waf_blocks_before_the_application():
    p = run_python(
        WAF_BLOCK,
        block_env(),
    )
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["ok"]["status"] == 200 and r["ok"]["body"] == "ok"
    assert r["xss"]["status"] == 403 and json.loads(r["xss"]["body"])["error"] == "blocked"
    assert r["html"]["headers"]["content-type"].startswith("text/html")
    assert r["body"]["status"] == 403, "an attack in the JSON body"
    assert r["seen"] == ["/search"], "the application ran for a blocked request"


def test_off_returns_the_application_itself():
    p = run_python(
        "import rampart.asgi\nasync def app(s, r, w): pass\n"
        "print(rampart.asgi.protect(app) is app, rampart._native._loaded is not None)",
        {},
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["True", "False"]
