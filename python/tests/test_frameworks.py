"""How Python Lambda HTTP code is written: AWS Lambda Powertools' event
handler and an ASGI app behind Mangum, each protected by rampart.wrap."""

from __future__ import annotations

import subprocess

import pytest
from events import event

import rampart


def test_powertools_resolver():
    ev_handler = pytest.importorskip("aws_lambda_powertools.event_handler")
    app = ev_handler.APIGatewayHttpResolver()

    @app.get("/ping")
    def ping():
        host = app.current_event.get_query_string_value("host", "")
        out = subprocess.run("printf %s " + host, shell=True, capture_output=True, text=True)
        return {"output": out.stdout}

    handler = rampart.wrap(lambda ev, ctx: app.resolve(ev, ctx))
    ok = handler(event("apigateway-v2", "/ping", {"host": "example.com"}), None)
    assert ok["statusCode"] == 200 and "example.com" in ok["body"]
    bad = handler(event("apigateway-v2", "/ping", {"host": "example.com;id"}), None)
    assert bad["statusCode"] == 403 and "rp-rasp-shi" in bad["body"]


def test_asgi_behind_mangum(tmp_path):
    mangum = pytest.importorskip("mangum")
    (tmp_path / "report.txt").write_text("report")

    async def asgi(scope, receive, send):
        if scope["type"] != "http":
            return
        name = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)["name"]
        from urllib.parse import unquote

        try:
            body = (tmp_path / unquote(name)).read_bytes()
            status = 200
        except OSError:
            body, status = b"missing", 404
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": body})

    handler = rampart.wrap(mangum.Mangum(asgi, lifespan="off"))
    ok = handler(event("apigateway-v2", "/files", {"name": "report.txt"}), None)
    assert ok["statusCode"] == 200 and ok["body"] == "report"
    bad = handler(event("apigateway-v2", "/files", {"name": "../../../../etc/passwd"}), None)
    assert bad["statusCode"] == 403
