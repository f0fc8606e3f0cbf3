"""The test session: the real shared library, and a loopback stand-in for
the rampart extension that receives the events the functions hand over."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIR = ROOT / "python"


def build_library() -> str:
    """Builds librampart.so from the repository (cached by Go's build cache)."""
    lib = os.environ.get("RAMPART_LIBRARY")
    if lib:
        return lib
    out = Path(tempfile.gettempdir()) / f"librampart-test-{os.getuid()}" / "librampart.so"
    out.parent.mkdir(parents=True, exist_ok=True)
    go = shutil.which("go") or "/usr/local/go/bin/go"
    subprocess.run(
        [go, "build", "-buildmode=c-shared", "-o", str(out), "./bindings/librampart"],
        cwd=ROOT,
        check=True,
    )
    return str(out)


class Events:
    """The events handed over to the stand-in extension, as batches."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: List[dict] = []
        #: The decisions the stand-in extension serves, and their version.
        self.decisions: List[dict] = []
        self.version = 1

    def decide(self, decisions: List[dict]) -> None:
        """Replaces the decisions served to the agent."""
        with self.lock:
            self.decisions = decisions
            self.version += 1

    def all(self) -> List[dict]:
        with self.lock:
            return [e for b in self.batches for e in b.get("events", [])]

    def clear(self) -> None:
        with self.lock:
            self.batches.clear()


EVENTS = Events()


class _Extension(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n))
        with EVENTS.lock:
            EVENTS.batches.append(body)
        self.send_response(202)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the decisions the agent polls
        with EVENTS.lock:
            body = json.dumps({"version": EVENTS.version, "decisions": EVENTS.decisions}).encode()
            etag = f'"{EVENTS.version}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


_server = ThreadingHTTPServer(("127.0.0.1", 0), _Extension)
threading.Thread(target=_server.serve_forever, daemon=True).start()

LIBRARY = build_library()
BASE_ENV = {
    "RAMPART_ENABLED": "true",
    "RAMPART_MODE": "block",
    "RAMPART_WAF_MODE": "monitor",
    "RAMPART_LIBRARY": LIBRARY,
    "RAMPART_EXTENSION_ADDR": f"127.0.0.1:{_server.server_address[1]}",
    "RAMPART_TIMEOUT": "1s",
    "AWS_LAMBDA_FUNCTION_NAME": "pytest-fn",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
}
os.environ.update(BASE_ENV)
sys.path.insert(0, str(PYTHON_DIR))

import rampart._state  # noqa: E402

# The stand-in extension is Python in this process: give it time to answer.
rampart._state.AGENT_OPTIONS["flush_timeout_ms"] = 2000


@pytest.fixture
def events() -> Events:
    EVENTS.clear()
    return EVENTS


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter with env on top of the test's own."""
    full = dict(os.environ)
    for k in list(full):
        if k.startswith("RAMPART_"):
            del full[k]
    full.update(env)
    full["PYTHONPATH"] = str(PYTHON_DIR)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60)


def block_env() -> dict:
    """The environment of a fresh interpreter whose WAF blocks too (the tests' own monitors)."""
    return {
        "RAMPART_ENABLED": "true",
        "RAMPART_MODE": "block",
        "RAMPART_WAF_MODE": "block",
        "RAMPART_EXTENSION_ADDR": "off",
        "RAMPART_LIBRARY": LIBRARY,
    }


def http_get(url: str, data: Optional[bytes] = None, headers: Optional[dict] = None) -> tuple:
    """GETs (or POSTs data to) url on loopback: the status, the headers and the body."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
