"""The function on the real Python runtime: awslambdaric under the Lambda
runtime interface emulator, the handler set to rampart's own with
RAMPART_LAMBDA_HANDLER, and rampart's events handed to the extension."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import BASE_ENV, PYTHON_DIR
from events import SHAPES, event
from test_lambda import MARKERS, wait_events

#: The emulator's Runtime API listens on this fixed address: one emulator
#: at a time on a machine, under the lock the Go tests take too.
RUNTIME_API = ("127.0.0.1", 9001)
LOCK_FILE = "/tmp/rampart-aws-lambda-rie.lock"


def require(what: str) -> None:
    if os.environ.get("RAMPART_REQUIRE") == "1":
        pytest.fail(f"{what} (RAMPART_REQUIRE=1)")
    pytest.skip(what)


def find_rie() -> str:
    for p in (shutil.which("aws-lambda-rie"), os.path.expanduser("~/go/bin/aws-lambda-rie")):
        if p and os.path.exists(p):
            return p
    require(
        "aws-lambda-rie not found: go install github.com/aws/aws-lambda-runtime-interface-emulator"
        "/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"
    )
    return ""


def port_holder(port: int) -> str:
    """Names the process listening on 127.0.0.1:port, from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                for line in f.readlines()[1:]:
                    parts = line.split()
                    if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":
                        inodes.add(parts[9])
        except OSError:
            pass
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode().strip()
                    return f"pid {pid} ({cmd})"
        except OSError:
            continue
    return "an unknown process"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def function(tmp_path_factory):
    if not shutil.which("go") and not os.path.exists("/usr/local/go/bin/go"):
        require("go not found")
    try:
        import awslambdaric  # noqa: F401
    except ImportError:
        require("awslambdaric is not installed (pip install awslambdaric)")
    rie = find_rie()
    lock = open(LOCK_FILE, "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    deadline = time.time() + 10
    while True:
        with socket.socket() as s:
            if s.connect_ex(RUNTIME_API) != 0:
                break
        if time.time() > deadline:
            pytest.fail(f"127.0.0.1:9001, the emulator's Runtime API, is held by {port_holder(9001)}")
        time.sleep(0.1)
    task = tmp_path_factory.mktemp("task")
    here = Path(__file__).parent
    for name in ("app.py", "events.py"):
        shutil.copy(here / name, task / name)
    # The stand-in extension is Python in the test's process, slower to
    # answer than the real one: the function gives it the same 2 s to take
    # an invocation's events as the in-process tests do (conftest.py).
    (task / "sitecustomize.py").write_text(
        "import rampart._state\nrampart._state.AGENT_OPTIONS['flush_timeout_ms'] = 2000\n"
    )
    bootstrap = task / "bootstrap"
    bootstrap.write_text(f"#!/bin/sh\nexec {sys.executable} -m awslambdaric rampart.handler.handler\n")
    bootstrap.chmod(0o755)
    addr = f"127.0.0.1:{free_port()}"
    env = dict(os.environ)
    env.update(BASE_ENV)
    env.update(
        {
            "RAMPART_LAMBDA_HANDLER": "app.handler",
            "PYTHONPATH": f"{task}{os.pathsep}{PYTHON_DIR}",
            "AWS_LAMBDA_FUNCTION_NAME": "py-emulated",
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
    deadline = time.time() + 15
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", int(addr.rsplit(":", 1)[1]))) == 0:
                break
        if proc.poll() is not None or time.time() > deadline:
            log.seek(0)
            pytest.fail(f"emulator did not start:\n{log.read()}")
        time.sleep(0.05)

    def invoke(payload: dict) -> dict:
        req = urllib.request.Request(
            f"http://{addr}/2015-03-31/functions/function/invocations",
            data=json.dumps(payload).encode(),
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    invoke.task = task  # type: ignore[attr-defined]
    invoke.log = log  # type: ignore[attr-defined]
    yield invoke
    os.killpg(proc.pid, 15)
    proc.wait(timeout=10)
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()


def app_line(task: Path, sink: str) -> int:
    for i, line in enumerate((task / "app.py").read_text().splitlines(), 1):
        if MARKERS[sink] in line:
            return i
    raise AssertionError(sink)


@pytest.mark.parametrize("shape", SHAPES)
def test_on_the_python_runtime(function, shape, events):
    ok = function(event(shape, "/users", {"name": "alice"}))
    assert ok["statusCode"] == 200, ok
    xss = function(event(shape, "/users", {"name": "<script>alert(1)</script>"}))
    assert xss["statusCode"] == 200  # the WAF is in monitor mode here: reported, let through
    sqli = function(event(shape, "/users", {"name": "x' OR '1'='1"}))
    assert sqli["statusCode"] == 403, sqli
    if shape == "alb-multi":
        assert sqli.get("multiValueHeaders"), sqli
    got = wait_events(events, lambda e: e.get("type") == "exploit")
    assert got, events.all()
    loc = got[-1]["exploit"]["location"]
    assert loc["file"] == str(function.task / "app.py") and loc["line"] == app_line(function.task, "sql")
    assert got[-1]["function"] == "py-emulated:$LATEST"
    attacks = wait_events(events, lambda e: e.get("type") == "attack")
    assert any(t["category"] == "xss" for a in attacks for t in a["triggers"]), attacks
