"""rampart's vulnerable example application as a Python AWS Lambda function.

The routes, SQL statements, shell commands and files of examples/vulnapp
(the Go example), served from the Lambda event (API Gateway REST and HTTP
API, ALB with single- or multi-value headers, Function URL), each reaching
its sink by string concatenation, on purpose:

    GET  /users?name=N   SELECT id, name, email FROM users WHERE name = 'N' (sqlite3)
    GET  /fetch?url=U    fetches U as given with urllib (200 with "error" when it fails)
    GET  /proxy?path=P   fetches <upstream>/P: the input controls only the path
    GET  /ping?host=H    sh -c "ping -c 1 -W 1 H" (a stand-in when ping is missing)
    GET  /convert?file=F runs wc -c F in the files directory (exec, no shell)
    GET  /files?name=F   reads <files directory>/F with open
    POST /login          {"login", "password"}: rampart.track_login_success / failure
    GET  /healthz

The handler is ``app.handler``; rampart protects it without a code change
when the function's handler is ``rampart.handler.handler`` with
``RAMPART_LAMBDA_HANDLER=app.handler`` and ``RAMPART_ENABLED=true``. Never
deploy it where anyone but you can reach it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import parse_qs, unquote_plus

import rampart

#: The users of /login (login → password), as in the Go example.
USERS = {"alice": "wonderland", "bob": "builder", "carol": "s3cret-carol", "dave": "correct-horse"}

#: The data directory (the database and the files); /tmp is the only
#: writable directory of a Lambda function.
DIR = os.environ.get("VULNAPP_DIR") or os.path.join(tempfile.gettempdir(), "vulnapp")
FILES = os.path.join(DIR, "files")

#: Names the loopback-only resolver answers (VULNAPP_LOOPBACK_ONLY=1).
LOOPBACK_NAMES = {"rebind.attacker.test": "127.0.0.1"}


def _loopback_only() -> None:
    """Keeps every outgoing connection on loopback (tests and the demo).

    Names resolve from LOOPBACK_NAMES and nothing is looked up for real;
    addresses other than loopback are refused, so that nothing leaves the
    machine even if a check failed open.
    """
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ip = ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            if name not in LOOPBACK_NAMES:
                raise socket.gaierror(socket.EAI_NONAME, f"{name}: not found (stub resolver)") from None
            # What the C resolver announces, then the table's answer.
            sys.audit("socket.getaddrinfo", host, port, family, type, proto)
            addr = (LOOPBACK_NAMES[name], int(port or 0))
            return [(socket.AF_INET, type or socket.SOCK_STREAM, proto or socket.IPPROTO_TCP, "", addr)]
        if not ip.is_loopback:
            raise OSError(f"loopback: not connecting to {name} (loopback only)")
        return real(host, port, family, type, proto, flags)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


if os.environ.get("VULNAPP_LOOPBACK_ONLY") == "1":
    _loopback_only()

# The database and the files, written at init.
os.makedirs(os.path.join(FILES, "reports"), exist_ok=True)
for _name, _body in {
    "readme.txt": "Welcome to the example application.\n",
    "reports/q3.txt": "Quarterly report: revenue up 4%.\n",
    "../private-key.pem": "-----BEGIN EXAMPLE KEY----- not a real key -----END EXAMPLE KEY-----\n",
}.items():
    with open(os.path.join(FILES, _name), "w") as _f:
        _f.write(_body)
DB = sqlite3.connect(os.path.join(DIR, "app.db"), check_same_thread=False, isolation_level=None)
DB.execute("PRAGMA busy_timeout = 5000")
DB.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, email TEXT)")
DB.execute(
    "INSERT OR IGNORE INTO users (id, name, email) VALUES (1, 'alice', 'alice@example.com'), "
    "(2, 'bob', 'bob@example.com'), (3, 'carol', 'carol@example.com')"
)
PING = shutil.which("ping")
#: How the commands' output is read: stdout and stderr together, as text.
OUTPUT: Dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}


class _Upstream(BaseHTTPRequestHandler):
    """The application's own upstream for /proxy, on the environment's loopback."""

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"upstream": "ok", "path": self.path.split("?", 1)[0]}).encode()
        self.send_response(200 if self.path.startswith("/upstream/") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


_upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
threading.Thread(target=_upstream.serve_forever, daemon=True).start()
UPSTREAM = f"http://127.0.0.1:{_upstream.server_address[1]}/upstream"


class Request:
    """The HTTP request of a Lambda event, whatever its shape."""

    def __init__(self, event: Dict[str, Any]) -> None:
        """Reads the method, path, query, headers and body of event."""
        ctx = event.get("requestContext") or {}
        self.alb = "elb" in ctx
        self.multi = "multiValueHeaders" in event and self.alb
        v2 = ctx.get("http") or {}
        self.method = (event.get("httpMethod") or v2.get("method") or "GET").upper()
        self.path = event.get("rawPath") or event.get("path") or v2.get("path") or "/"
        self.query: Dict[str, str] = {}
        if event.get("rawQueryString"):
            parsed = parse_qs(event["rawQueryString"], keep_blank_values=True)
            self.query = {k: v[-1] for k, v in parsed.items()}
        elif event.get("multiValueQueryStringParameters"):
            self.query = {k: v[-1] for k, v in event["multiValueQueryStringParameters"].items() if v}
        elif event.get("queryStringParameters"):
            self.query = dict(event["queryStringParameters"])
        if self.alb:  # ALB passes the query as it is in the URL, percent-encoded
            self.query = {unquote_plus(k): unquote_plus(v) for k, v in self.query.items()}
        body = event.get("body") or ""
        if body and event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        self.body: str = body

    def param(self, name: str) -> str:
        """The route's input: the query parameter, else the body's field.

        The body is read as a JSON object whatever its Content-Type says,
        else as a form (the routes also answer POST, as many APIs do).
        """
        if self.query.get(name) or not self.body:
            return self.query.get(name, "")
        try:
            obj = json.loads(self.body)
        except ValueError:
            return parse_qs(self.body).get(name, [""])[-1]
        v = obj.get(name) if isinstance(obj, dict) else None
        return v if isinstance(v, str) else ""


Response = Dict[str, Any]


def respond(req: Request, status: int, body: Any, content_type: str = "application/json") -> Response:
    """Returns a response in the shape the event's service expects."""
    text = body if isinstance(body, str) and content_type != "application/json" else json.dumps(body)
    resp: Response = {"statusCode": status, "body": text, "isBase64Encoded": False}
    if req.multi:
        resp["multiValueHeaders"] = {"Content-Type": [content_type]}
    else:
        resp["headers"] = {"Content-Type": content_type}
    if req.alb:
        resp["statusDescription"] = f"{status} {HTTPStatus(status).phrase}"
    return resp


def users(req: Request) -> Response:
    """GET /users?name=N: the user named N, by string concatenation."""
    name = req.param("name")
    rows = DB.execute("SELECT id, name, email FROM users WHERE name = '" + name + "'").fetchall()  # SQL sink
    return respond(req, 200, {"users": [{"id": i, "name": n, "email": e} for i, n, e in rows]})


def get(url: str) -> Tuple[int, str]:
    """Fetches url and returns its status and body (64 KiB at most)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # HTTP sink
            return resp.status, resp.read(64 << 10).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(64 << 10).decode("utf-8", "replace")


def fetch(req: Request) -> Response:
    """GET /fetch?url=U: fetches U as given."""
    try:
        status, body = get(req.param("url"))
    except (OSError, ValueError) as e:
        return respond(req, 200, {"error": str(e)})
    return respond(req, 200, {"status": status, "body": body})


def proxy(req: Request) -> Response:
    """GET /proxy?path=P: fetches the upstream's P."""
    try:
        status, body = get(UPSTREAM + "/" + req.param("path"))
    except (OSError, ValueError) as e:
        return respond(req, 502, {"error": str(e)})
    return respond(req, 200, {"status": status, "body": body})


def ping(req: Request) -> Response:
    """GET /ping?host=H: pings H through the shell."""
    host = req.param("host")
    script = "ping -c 1 -W 1 " + host
    if not PING:
        script = "printf 'PING %s (stand-in: ping is not installed)\\n' " + host
    try:
        out = subprocess.run(script, shell=True, timeout=5, **OUTPUT)  # shell sink
        return respond(req, 200, {"output": out.stdout, "exit": out.returncode})
    except subprocess.TimeoutExpired as e:
        return respond(req, 200, {"output": str(e.output or ""), "exit": -1})


def convert(req: Request) -> Response:
    """GET /convert?file=F: counts the bytes of F with wc (no shell)."""
    argv = ["wc", "-c", req.param("file")]
    out = subprocess.run(argv, cwd=FILES, timeout=5, **OUTPUT)  # exec sink
    if out.returncode != 0:
        return respond(req, 200, {"output": out.stdout, "error": f"exit status {out.returncode}"})
    return respond(req, 200, {"output": out.stdout.strip()})


def files(req: Request) -> Response:
    """GET /files?name=F: the file F of the files directory."""
    try:
        with open(FILES + "/" + req.param("name")) as f:  # file sink
            return respond(req, 200, f.read(), "text/plain; charset=utf-8")
    except (OSError, UnicodeDecodeError):
        return respond(req, 404, {"error": "no such file"})


def _digest(s: str) -> bytes:
    return hashlib.sha256(s.encode()).digest()


def login(req: Request) -> Response:
    """POST /login: checks the password and tells rampart what happened."""
    try:
        body = json.loads(req.body or "{}")
        user, password = str(body.get("login") or ""), str(body.get("password") or "")
    except (ValueError, AttributeError):
        user, password = "", ""
    if not user:
        return respond(req, 400, {"error": 'want {"login": "...", "password": "..."}'})
    want = USERS.get(user)
    ok = want is not None and hmac.compare_digest(_digest(password), _digest(want))
    # The business logic tells rampart what happened: the collector detects
    # brute force and credential stuffing across all instances, and its
    # decisions come back as a block or a step-up requirement.
    if ok:
        action = rampart.track_login_success(user, login=user)
    else:
        action = rampart.track_login_failure(user, exists=want is not None)
    if action is rampart.Action.BLOCK:
        return respond(req, 403, {"error": "blocked"})
    if action is rampart.Action.CHALLENGE:
        return respond(req, 401, {"error": "step-up authentication required", "challenge": "otp"})
    if not ok:
        return respond(req, 401, {"error": "invalid login or password"})
    return respond(req, 200, {"login": user, "session": "example-session"})


def healthz(req: Request) -> Response:
    """GET /healthz."""
    return respond(req, 200, "ok\n", "text/plain; charset=utf-8")


ROUTES: Dict[Tuple[str, str], Callable[[Request], Response]] = {}
for _path, _fn in {
    "/users": users,
    "/fetch": fetch,
    "/proxy": proxy,
    "/ping": ping,
    "/convert": convert,
    "/files": files,
}.items():
    ROUTES["GET", _path] = ROUTES["POST", _path] = _fn
ROUTES["POST", "/login"] = login
ROUTES["GET", "/healthz"] = healthz


def handler(event: Dict[str, Any], context: Optional[Any]) -> Response:
    """The function's handler: routes the event's request."""
    req = Request(event)
    route = ROUTES.get((req.method, req.path))
    if route is None:
        return respond(req, 404, {"error": "not found"})
    return route(req)
