#!/usr/bin/env python3
"""rampart beside Datadog's Python tracer (App and API Protection).

One Lambda function, one run: cold-start init, warm invocations, sink
calls, memory, and the shared corpus's requests flagged. See README.md here.

    python/bench/setup.sh                      # the venv with ddtrace and datadog-lambda
    /tmp/rampart-bench-venv/bin/python python/bench/run.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ENGINES = ("baseline", "datadog", "rampart")
LABELS = {"baseline": "no protection", "datadog": "Datadog", "rampart": "rampart"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up (a worker ending) is not the bench's business


class _Sink(BaseHTTPRequestHandler):
    """A loopback agent that takes whatever is sent and discards it."""

    protocol_version = "HTTP/1.1"
    answer = b"{}"
    status = 200

    def _any(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 16))
            if not chunk:
                break
            n -= len(chunk)
        self.server.requests += 1  # type: ignore[attr-defined]
        body = self.answer
        self.send_response(self.status if self.command != "GET" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _any  # noqa: N815

    def log_message(self, *args: Any) -> None:
        pass


class _DatadogAgent(_Sink):
    # What the trace agent answers a /v0.x/traces payload.
    answer = b'{"rate_by_service":{}}'


class _RampartExtension(_Sink):
    # The rampart extension takes events (202) and serves decisions (GET).
    answer = b'{"version":1,"decisions":[]}'
    status = 202


def sink(cls: type) -> _Server:
    """Starts a loopback sink; returns its server."""
    s = _Server(("127.0.0.1", 0), cls)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def build_library() -> str:
    """Builds librampart.so as scripts/build-python.sh does."""
    out = Path(tempfile.gettempdir()) / f"rampart-bench-{os.getuid()}" / "librampart.so"
    out.parent.mkdir(parents=True, exist_ok=True)
    go = shutil.which("go") or "/usr/local/go/bin/go"
    subprocess.run(
        [
            go,
            "build",
            "-buildmode=c-shared",
            "-trimpath",
            "-ldflags=-s -w",
            "-o",
            str(out),
            "./bindings/librampart",
        ],
        cwd=ROOT,
        check=True,
    )
    return str(out)


def engine_env(engine: str, library: str, dd_port: int, rp_port: int) -> Dict[str, str]:
    """The environment of one engine's function."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAMPART_", "DD_", "AWS_", "PYTHON"))}
    env.update(
        {
            "BENCH_ENGINE": engine,
            "PYTHONPATH": str(HERE),
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    if engine == "datadog":
        env.update(
            {
                "DD_APPSEC_ENABLED": "true",
                "DD_LAMBDA_HANDLER": "app.handler",
                "DD_SERVICE": "bench",
                # Traces and telemetry to a loopback agent that discards them.
                "DD_TRACE_AGENT_URL": f"http://127.0.0.1:{dd_port}",
                # Metrics as log lines rather than to Datadog's API (no
                # extension here), and no per-invocation enhanced metric line.
                "DD_FLUSH_TO_LOG": "true",
                "DD_ENHANCED_METRICS": "false",
            }
        )
    elif engine == "rampart":
        env.update(
            {
                "RAMPART_ENABLED": "true",
                "RAMPART_LAMBDA_HANDLER": "app.handler",
                "RAMPART_LIBRARY": library,
                # Events to a loopback stand-in for the rampart extension.
                "RAMPART_EXTENSION_ADDR": f"127.0.0.1:{rp_port}",
            }
        )
        env["PYTHONPATH"] += os.pathsep + str(ROOT / "python")
    return env


class Worker:
    """An engine's long-running function process, driven over a pipe."""

    def __init__(self, python: str, env: Dict[str, str]) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        self.proc = subprocess.Popen(
            [python, str(HERE / "worker.py"), "serve", str(cmd_r), str(res_w)],
            env=env,
            pass_fds=(cmd_r, res_w),
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tempfile.gettempdir()) / f"rampart-bench-{env['BENCH_ENGINE']}.log", "w"),
        )
        os.close(cmd_r)
        os.close(res_w)
        self._cmd = os.fdopen(self._cmd_w, "w")
        self._res = os.fdopen(self._res_r, "r")

    def __call__(self, **req: Any) -> Any:
        """Sends one command; returns its result."""
        self._cmd.write(json.dumps(req) + "\n")
        self._cmd.flush()
        line = self._res.readline()
        if not line:
            raise RuntimeError(f"worker {self.proc.args} died (exit {self.proc.wait()})")
        return json.loads(line)["result"]

    def close(self) -> None:
        """Ends the worker."""
        try:
            self(op="quit")
        except (RuntimeError, BrokenPipeError, json.JSONDecodeError):
            pass
        self.proc.wait(timeout=30)


def cold(python: str, env: Dict[str, str]) -> Dict[str, float]:
    """One cold start in a fresh interpreter."""
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(
            [python, str(HERE / "worker.py"), "cold", f.name],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=120,
        )
        return json.loads(Path(f.name).read_text())


def pct(xs: List[float], p: float) -> float:
    """The p-th percentile of xs (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def versions(python: str) -> Dict[str, str]:
    """The versions of the Datadog packages in python's environment."""
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for p in ('ddtrace', 'datadog-lambda'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    return json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Runs the bench; prints the table and returns the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=sys.executable, help="the interpreter of the functions (the venv's)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma list of baseline, datadog, rampart")
    ap.add_argument("--cold", type=int, default=11, help="cold starts per engine (median)")
    ap.add_argument("--invocations", type=int, default=5000, help="timed warm invocations per engine")
    ap.add_argument(
        "--rounds", type=int, default=5, help="the warm invocations in this many interleaved rounds"
    )
    ap.add_argument("--warmup", type=int, default=500, help="untimed invocations before")
    ap.add_argument("--sink-calls", type=int, default=200, help="sink calls per invocation")
    ap.add_argument("--sink-invocations", type=int, default=25, help="invocations per sink")
    ap.add_argument(
        "--corpus", default=os.environ.get("RAMPART_CORPUS") or str(ROOT.parent / "shared" / "corpus")
    )
    ap.add_argument("--corpus-limit", type=int, default=0, help="requests of the corpus (0: all)")
    ap.add_argument(
        "--library", default=os.environ.get("RAMPART_LIBRARY"), help="librampart.so (built if unset)"
    )
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--quick", action="store_true", help="a smoke run: few samples, 300 corpus requests")
    a = ap.parse_args(argv)
    if a.quick:
        a.cold, a.invocations, a.rounds, a.warmup = 3, 600, 2, 100
        a.sink_calls, a.sink_invocations, a.corpus_limit = 50, 5, a.corpus_limit or 300
    engines = [e for e in a.engines.split(",") if e]
    if "baseline" not in engines:
        engines.insert(0, "baseline")
    library = a.library or (build_library() if "rampart" in engines else "")
    dd, rp = sink(_DatadogAgent), sink(_RampartExtension)
    envs = {e: engine_env(e, library, dd.server_address[1], rp.server_address[1]) for e in engines}
    vers = versions(a.python)
    log = sys.stderr

    # Cold starts, interleaved; the first round (bytecode caches, page cache) is dropped.
    colds: Dict[str, List[Dict[str, float]]] = {e: [] for e in engines}
    for i in range(a.cold + 1):
        for e in engines:
            c = cold(a.python, envs[e])
            if i:
                colds[e].append(c)
        print(f"cold start {i}/{a.cold}", file=log)

    workers = {e: Worker(a.python, envs[e]) for e in engines}
    try:
        for e in engines:
            workers[e](op="warm", n=a.warmup)
        warm: Dict[str, List[int]] = {e: [] for e in engines}
        per = max(1, a.invocations // a.rounds)
        for r in range(a.rounds):
            for e in engines:
                warm[e] += workers[e](op="warm", n=per)
            print(f"warm round {r + 1}/{a.rounds}", file=log)
        sinks: Dict[str, Dict[str, List[float]]] = {e: {} for e in engines}
        for s in ("sql", "file"):
            for e in engines:
                sinks[e][s] = workers[e](
                    op="sink", sink=s, calls=a.sink_calls, invocations=a.sink_invocations
                )
        mem = {e: workers[e](op="memory") for e in engines}
        corpus: Dict[str, Dict[str, Dict[str, int]]] = {}
        req_dir = Path(a.corpus) / "requests"
        if req_dir.is_dir():
            for e in engines:
                if e != "baseline":
                    print(f"corpus through {e}", file=log)
                    t = time.monotonic()
                    corpus[e] = workers[e](op="corpus", dir=str(req_dir), limit=a.corpus_limit)
                    print(f"  {time.monotonic() - t:.1f} s", file=log)
        else:
            print(f"corpus: {req_dir} not found, no detection figures", file=log)
    finally:
        for w in workers.values():
            w.close()

    fig: Dict[str, Any] = {"versions": vers, "python": a.python, "engines": {}}
    for e in engines:
        w = warm[e]
        fig["engines"][e] = {
            "init_ms": statistics.median(c["init_ms"] for c in colds[e]),
            "load_ms": statistics.median(c["load_ms"] for c in colds[e]),
            "first_ms": statistics.median(c["first_ms"] for c in colds[e]),
            "rss_cold_mib": statistics.median(c["VmRSS"] for c in colds[e]) / 1024,
            "p50_us": pct(w, 50) / 1000,
            "p99_us": pct(w, 99) / 1000,
            "mean_us": statistics.fmean(w) / 1000,
            "sql_us": statistics.median(sinks[e]["sql"]) / 1000,
            "file_us": statistics.median(sinks[e]["file"]) / 1000,
            "rss_warm_mib": mem[e]["VmRSS"] / 1024,
            "hwm_mib": mem[e]["VmHWM"] / 1024,
            "corpus": corpus.get(e),
        }
    fig["sinks"] = {"datadog_agent_requests": dd.requests, "rampart_extension_requests": rp.requests}  # type: ignore[attr-defined]
    fig["settings"] = {
        k: getattr(a, k)
        for k in ("cold", "invocations", "rounds", "warmup", "sink_calls", "sink_invocations", "corpus_limit")
    }
    print(table(fig, engines))
    if a.json:
        Path(a.json).write_text(json.dumps(fig, indent=2))
    return fig


def detection(c: Optional[Dict[str, Dict[str, int]]]) -> Dict[str, float]:
    """Attacks and benign requests flagged, of a corpus count."""
    if not c:
        return {}
    at = sum(v["total"] for k, v in c.items() if k != "benign")
    af = sum(v["flagged"] for k, v in c.items() if k != "benign")
    b = c.get("benign", {"total": 0, "flagged": 0})
    return {"attacks": at, "attacks_flagged": af, "benign": b["total"], "benign_flagged": b["flagged"]}


def table(fig: Dict[str, Any], engines: List[str]) -> str:
    """The figures as a markdown table, with what each engine adds to the baseline."""
    E = fig["engines"]
    base = E["baseline"]
    prot = [e for e in engines if e != "baseline"]
    head = ["", "no protection"] + [f"{LABELS[e]}: figure, added" for e in prot]
    if "datadog" in prot and "rampart" in prot:
        head.append("rampart added / Datadog added")
    rows = [
        ("init: import + wrap + 1st invocation (ms, median)", "init_ms", 1),
        ("warm invocation p50 (µs)", "p50_us", 1),
        ("warm invocation p99 (µs)", "p99_us", 1),
        ("warm invocation mean (µs)", "mean_us", 1),
        ("sqlite3 execute, per call (µs)", "sql_us", 2),
        ("open(), per call (µs)", "file_us", 2),
        ("RSS after the 1st invocation (MiB)", "rss_cold_mib", 1),
        ("RSS after the warm invocations (MiB)", "rss_warm_mib", 1),
        ("peak RSS, VmHWM (MiB)", "hwm_mib", 1),
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, k, d in rows:
        cells = [name, f"{base[k]:.{d}f}"]
        added = {}
        for e in prot:
            added[e] = E[e][k] - base[k]
            cells.append(f"{E[e][k]:.{d}f}, **{added[e]:+.{d}f}**")
        if len(head) > len(cells):
            dd = added["datadog"]
            cells.append(f"**{added['rampart'] / dd:.2f}×**" if dd > 0 else "n/a")
        out.append("| " + " | ".join(cells) + " |")
    det = {e: detection(E[e]["corpus"]) for e in prot}
    if any(det.values()):
        for what in ("attacks", "benign"):
            cells = [f"corpus {what} flagged", ""]
            for e in prot:
                d = det[e]
                cells.append(
                    f"{d[what + '_flagged']}/{d[what]} ({100 * d[what + '_flagged'] / max(1, d[what]):.1f}%)"
                    if d
                    else ""
                )
            if len(head) > len(cells):
                cells.append("")
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
