"""The Python example function end to end, every part real.

examples/python-lambda/app.py on the real Python runtime (awslambdaric
under the Lambda runtime interface emulator) with the handler set to
rampart's own, the real rampart extension started by the emulator from
/opt/extensions, and a real `rampart serve` collector it forwards to, on
loopback: each event shape answered, each exploit blocked at its sink with
app.py's line, the events stored by the collector, and a decision posted
to the collector's API enforced by the function.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest
from conftest import LIBRARY, PYTHON_DIR, ROOT
from events import SHAPES, event
from test_emulator import LOCK_FILE, RUNTIME_API, find_rie, free_port, port_holder, require

EXAMPLE = ROOT / "examples" / "python-lambda"
APP = EXAMPLE / "app.py"
ADMIN, INGEST = "e2e-admin-token", "e2e-ingest-key"
FUNCTION = "py-vulnapp"
EXTENSIONS_DIR = Path("/opt/extensions")
#: The mark of the extension scripts tests install (internal/lambdatest's too).
INSTALLED_MARK = "# installed by rampart's internal/lambdatest for a test"

#: The line of each sink in app.py, by its comment.
SINK_LINE: Dict[str, int] = {}
for _i, _line in enumerate(APP.read_text().splitlines(), 1):
    _m = re.search(r"# (\w+) sink$", _line)
    if _m:
        SINK_LINE[_m.group(1).lower()] = _i

#: Each shape's client address (documentation ranges), so that the
#: collector's signals tell the shapes apart.
SHAPE_IP = {shape: f"203.0.113.{20 + i}" for i, shape in enumerate(SHAPES)}


class _Internal(BaseHTTPRequestHandler):
    """A loopback listener standing for an internal service: the SSRF target."""

    hits: List[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Internal.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"secret\n")

    def log_message(self, *args: object) -> None:
        pass


def build_rampart(out: Path) -> str:
    """Builds the rampart command (collector and extension) from the repository."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    env = dict(os.environ, CGO_ENABLED="0")
    subprocess.run([go, "build", "-o", str(out), "./cmd/rampart"], cwd=ROOT, env=env, check=True)
    return str(out)


class Collector:
    """A `rampart serve` process and its admin API."""

    def __init__(self, binary: str, data: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAMPART_")}
        env.update({"RAMPART_ADMIN_TOKEN": ADMIN, "RAMPART_INGEST_KEYS": INGEST})
        self.proc = subprocess.Popen(
            [binary, "serve", "--addr", "127.0.0.1:0", "--data", str(data)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: List[str] = []
        found = threading.Event()
        self.url = ""

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line)
                m = re.search(r"collector on (http://\S+)", line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(30):
            self.stop()
            pytest.fail("rampart serve did not start:\n" + "".join(self.output))

    def api(self, method: str, path: str, body: Optional[dict] = None) -> dict:
        """Calls the admin API and returns its JSON answer."""
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": "Bearer " + ADMIN, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def signals(self, typ: str) -> List[dict]:
        """The collector's signals of type typ."""
        return self.api("GET", f"/v1/signals?type={typ}&limit=200")["signals"]

    def stop(self) -> None:
        """Stops the collector (SIGTERM) and waits for it."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def install_extension(binary: str) -> Callable[[], None]:
    """Installs `rampart extension` at /opt/extensions/rampart, as the layer
    does; returns what removes it."""
    created = False
    try:
        if not EXTENSIONS_DIR.exists():
            EXTENSIONS_DIR.mkdir(parents=True)
            created = True
        path = EXTENSIONS_DIR / "rampart"
        if path.exists() and INSTALLED_MARK not in path.read_text(errors="replace"):
            pytest.fail(f"{path} exists already and is not a test's: not overwriting it")
        path.write_text(f"#!/bin/sh\n{INSTALLED_MARK}\nexec {binary} extension\n")
        path.chmod(0o755)
    except OSError as e:  # no permission, a read-only file system
        require(f"cannot install the extension in {EXTENSIONS_DIR}: {e}")

    def remove() -> None:
        (EXTENSIONS_DIR / "rampart").unlink(missing_ok=True)
        if created:
            EXTENSIONS_DIR.rmdir()

    return remove


class Stack:
    """The function under the emulator, the extension beside it, the collector."""

    def __init__(self, addr: str, collector: Collector, task: Path, log) -> None:
        self.addr, self.collector, self.task, self.log = addr, collector, task, log

    def invoke(self, payload: dict) -> dict:
        """Invokes the function with payload through the emulator."""
        req = urllib.request.Request(
            f"http://{self.addr}/2015-03-31/functions/function/invocations",
            data=json.dumps(payload).encode(),
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def output(self) -> str:
        """What the emulator, the function and the extension wrote."""
        self.log.flush()
        return (self.task / "emulator.log").read_text(errors="replace")

    def wait(self, what: str, cond: Callable[[], object], timeout: float = 15.0) -> object:
        """Waits for cond to hold. Each round invokes the function once: the
        extension forwards the previous invocations' events at each INVOKE."""
        deadline = time.time() + timeout
        while True:
            got = cond()
            if got:
                return got
            if time.time() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.output()[-4000:]}")
            self.invoke(event("apigateway-v2", "/healthz", ip="198.51.100.1"))
            time.sleep(0.1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not shutil.which("go") and not os.path.exists("/usr/local/go/bin/go"):
        require("go not found")
    try:
        import awslambdaric  # noqa: F401
    except ImportError:
        require("awslambdaric is not installed (pip install awslambdaric)")
    rie = find_rie()
    if not os.access("/opt", os.W_OK) and not os.access(EXTENSIONS_DIR, os.W_OK):
        require(f"no write access to /opt: the emulator starts the extension from {EXTENSIONS_DIR}")
    task = tmp_path_factory.mktemp("e2e")
    bin_dir = Path(tempfile.gettempdir()) / f"rampart-test-{os.getuid()}"
    bin_dir.mkdir(exist_ok=True)
    binary = build_rampart(bin_dir / "rampart")
    collector = Collector(binary, task / "collector")
    lock = open(LOCK_FILE, "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    remove = None
    proc = None
    try:
        deadline = time.time() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(RUNTIME_API) != 0:
                    break
            if time.time() > deadline:
                pytest.fail(f"127.0.0.1:9001, the emulator's Runtime API, is held by {port_holder(9001)}")
            time.sleep(0.1)
        remove = install_extension(binary)
        bootstrap = task / "bootstrap"
        bootstrap.write_text(f"#!/bin/sh\nexec {sys.executable} -m awslambdaric rampart.handler.handler\n")
        bootstrap.chmod(0o755)
        addr = f"127.0.0.1:{free_port()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAMPART_")}
        env.update(
            {
                # The function: rampart's handler around app.handler.
                "RAMPART_ENABLED": "true",
                "RAMPART_MODE": "block",
                # The WAF reports, the sinks decide.
                "RAMPART_WAF_MODE": "monitor",
                "RAMPART_TIMEOUT": "1s",
                "RAMPART_LIBRARY": LIBRARY,
                "RAMPART_LAMBDA_HANDLER": "app.handler",
                "RAMPART_POLL_INTERVAL": "100ms",
                # The extension: the collector, and how often it asks for
                # the decisions.
                "RAMPART_ENDPOINT": collector.url,
                "RAMPART_API_KEY": INGEST,
                "RAMPART_DECISION_INTERVAL": "100ms",
                "PYTHONPATH": f"{EXAMPLE}{os.pathsep}{PYTHON_DIR}",
                "PYTHONDONTWRITEBYTECODE": "1",
                "VULNAPP_LOOPBACK_ONLY": "1",
                "VULNAPP_DIR": str(task / "app"),
                "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
            }
        )
        log = open(task / "emulator.log", "w+")
        proc = subprocess.Popen(
            [rie, "--runtime-interface-emulator-address", addr, str(bootstrap)],
            cwd=task,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        st = Stack(addr, collector, task, log)
        deadline = time.time() + 15
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", int(addr.rsplit(":", 1)[1]))) == 0:
                    break
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"emulator did not start:\n{st.output()}")
            time.sleep(0.05)
        yield st
    finally:
        if proc is not None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
        if remove is not None:
            remove()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        collector.stop()


@pytest.fixture(scope="module")
def internal():
    """The SSRF target: a loopback listener that records what reaches it."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()


def body_of(resp: dict):
    return json.loads(resp["body"])


def assert_shape(shape: str, resp: dict) -> None:
    if shape == "alb-multi":
        assert resp.get("multiValueHeaders") and not resp.get("headers"), resp
    else:
        assert resp.get("headers"), resp


def exploit_signal(st: Stack, rule: str, sink: str, ip: str):
    """The collector's exploit signal for rule at app.py's line of sink,
    once it counts an event from ip."""
    loc = f"{APP}:{SINK_LINE[sink]}"
    for s in st.collector.signals("exploit"):
        if s["rule_id"] == rule and s["location"] == loc and ip in s["ips"]:
            return s
    return None


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_end_to_end(stack: Stack, internal, shape: str):
    ip = SHAPE_IP[shape]

    def call(path: str, query: Dict[str, str]) -> dict:
        return stack.invoke(event(shape, path, query, ip=ip))

    # Benign requests reach the handler and its sinks.
    ok = call("/users", {"name": "alice"})
    assert ok["statusCode"] == 200 and body_of(ok)["users"][0]["email"] == "alice@example.com", ok
    assert_shape(shape, ok)
    assert call("/ping", {"host": "127.0.0.1"})["statusCode"] == 200
    files = call("/files", {"name": "reports/q3.txt"})
    assert files["statusCode"] == 200 and "Quarterly report" in files["body"], files
    fetched = call("/fetch", {"url": "https://public.example.test/page"})
    assert fetched["statusCode"] == 200 and "stub resolver" in body_of(fetched)["error"], fetched
    # The WAF is in monitor mode: an XSS is reported and let through.
    assert call("/users", {"name": "<script>alert(1)</script>"})["statusCode"] == 200

    # Each exploit is blocked at its sink, answered in the event's shape.
    marker = stack.task / f"injected-{shape}"
    internal_url = f"http://127.0.0.1:{internal.server_address[1]}/latest/meta-data/iam"
    exploits = [
        ("sql", "rp-rasp-sqli", "/users", {"name": "x' OR '1'='1"}),
        ("shell", "rp-rasp-shi", "/ping", {"host": f"127.0.0.1; touch {marker}"}),
        ("http", "rp-rasp-ssrf", "/fetch", {"url": internal_url}),
        ("file", "rp-rasp-lfi", "/files", {"name": "../private-key.pem"}),
    ]
    for sink, rule, path, query in exploits:
        resp = call(path, query)
        assert resp["statusCode"] == 403, (sink, resp)
        assert body_of(resp)["rule"] == rule, resp
        assert "EXAMPLE KEY" not in resp["body"]
        assert_shape(shape, resp)
    assert not marker.exists(), "the injected command ran"
    assert _Internal.hits == [], "the SSRF reached the internal listener"

    # The collector stored each exploit with app.py's file and line, and the
    # Python stack trace.
    for sink, rule, _, _ in exploits:
        sig = stack.wait(
            f"the {rule} exploit from {ip} at the collector",
            lambda rule=rule, sink=sink: exploit_signal(stack, rule, sink, ip),
        )
        detail = stack.collector.api("GET", f"/v1/signals/{sig['id']}?events=50")
        evs = [e for e in detail["events"] if e["request"]["client_ip"] == ip]
        assert evs, detail
        ev = evs[0]
        assert ev["blocked"] is True and ev["function"] == f"{FUNCTION}:$LATEST", ev
        loc = ev["exploit"]["location"]
        assert loc["file"] == str(APP) and loc["line"] == SINK_LINE[sink], loc
        assert any(f["file"] == str(APP) and f["line"] == SINK_LINE[sink] for f in ev["exploit"]["stack"]), ev
    stack.wait(
        f"the XSS attack from {ip} at the collector",
        lambda: any(ip in s["ips"] for s in stack.collector.signals("attack")),
    )


def test_ssrf_to_a_name_resolved_to_loopback(stack: Stack, internal):
    # A name the URL check cannot judge, resolved (from the function's
    # table) to loopback: blocked when the function connects.
    url = f"http://rebind.attacker.test:{internal.server_address[1]}/admin"
    resp = stack.invoke(event("apigateway-v2", "/fetch", {"url": url}, ip="203.0.113.40"))
    assert resp["statusCode"] == 403 and body_of(resp)["rule"] == "rp-rasp-ssrf", resp
    assert _Internal.hits == []
    stack.wait(
        "the rebinding exploit at the collector",
        lambda: exploit_signal(stack, "rp-rasp-ssrf", "http", "203.0.113.40"),
    )


def login(stack: Stack, ip: str, user: str, password: str) -> dict:
    body = json.dumps({"login": user, "password": password})
    ev = event(
        "apigateway-v2",
        "/login",
        method="POST",
        body=body,
        ip=ip,
        headers={"content-type": "application/json"},
    )
    return stack.invoke(ev)


def test_decisions_from_the_collector(stack: Stack):
    attacker, other = "198.51.100.77", "198.51.100.78"
    assert login(stack, other, "carol", "s3cret-carol")["statusCode"] == 200
    assert login(stack, other, "carol", "wrong")["statusCode"] == 401
    assert stack.invoke(event("apigateway-v2", "/users", {"name": "bob"}, ip=attacker))["statusCode"] == 200
    # Decisions posted through the collector's API: the extension fetches
    # them, the function polls the extension and enforces them.
    stack.collector.api(
        "POST", "/v1/decisions", {"kind": "block_ip", "value": attacker, "ttl": "1h", "reason": "e2e"}
    )
    stack.collector.api(
        "POST", "/v1/decisions", {"kind": "block_user", "value": "carol", "ttl": "1h", "reason": "e2e"}
    )
    stack.wait(
        "the block_ip decision in force",
        lambda: (
            stack.invoke(event("apigateway-v2", "/users", {"name": "bob"}, ip=attacker))["statusCode"] == 403
        ),
    )
    for shape in SHAPES:
        resp = stack.invoke(event(shape, "/users", {"name": "bob"}, ip=attacker))
        assert resp["statusCode"] == 403 and "blocked" in resp["body"], (shape, resp)
        assert_shape(shape, resp)
    # Another address is served; the blocked user is refused by
    # rampart.track_login_success in the handler.
    assert stack.invoke(event("apigateway-v2", "/users", {"name": "bob"}, ip=other))["statusCode"] == 200
    stack.wait(
        "the block_user decision in force",
        lambda: login(stack, other, "carol", "s3cret-carol")["statusCode"] == 403,
    )
    assert login(stack, other, "dave", "correct-horse")["statusCode"] == 200
