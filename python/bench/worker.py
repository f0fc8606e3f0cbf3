"""One engine of the bench in a fresh interpreter (started by run.py).

``worker.py cold OUT``: loads the function the way the Lambda runtime does
(imports the handler module the engine's documentation names) and invokes it
once; writes the timings and the memory to OUT as JSON.

``worker.py serve CMD_FD RES_FD``: the same, then answers commands, one JSON
document a line on CMD_FD, with one JSON line each on RES_FD (stdout and
stderr are the engines').
"""

from __future__ import annotations

import time

_T0 = time.perf_counter_ns()

import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Dict, List  # noqa: E402

ENGINE = os.environ["BENCH_ENGINE"]

#: The handler each engine's documentation has the function's handler set to.
HANDLER_MODULES = {
    "baseline": "app",
    "datadog": "datadog_lambda.handler",
    "rampart": "rampart.handler",
}


def memory() -> Dict[str, int]:
    """VmRSS and VmHWM (peak) of this process, in KiB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0])
    return out


def load() -> Callable[..., Any]:
    """Imports the engine's handler module and returns the handler."""
    return importlib.import_module(HANDLER_MODULES[ENGINE]).handler


def flagged_check() -> Callable[[Any], bool]:
    """Returns a function telling whether the last invocation was flagged."""
    if ENGINE == "datadog":
        # The aws.lambda span of the invocation: AppSec tags it with
        # appsec.event=true (and the WAF's matches) when a rule matched.
        def dd(h: Any) -> bool:
            span = getattr(h, "span", None)
            return span is not None and span.get_tag("appsec.event") == "true"

        return dd
    if ENGINE == "rampart":
        from rampart import _state

        ag = _state.loaded_agent()
        seen = [int(ag.call("agent_status", ag.handle)["attacks"])]

        def rp(_: Any) -> bool:
            # The agent counts each request with at least one rule matched.
            n = int(ag.call("agent_status", ag.handle)["attacks"])
            hit = n > seen[0]
            seen[0] = n
            return hit

        return rp
    return lambda _: False


def main() -> None:
    """Runs the mode given on the command line."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lambda_events

    ctx = lambda_events.Context()
    t_start = _T0
    handler = load()
    t_loaded = time.perf_counter_ns()
    event = lambda_events.benign()
    handler(event, ctx)
    t_first = time.perf_counter_ns()
    if sys.argv[1] == "cold":
        Path(sys.argv[2]).write_text(
            json.dumps(
                {
                    "load_ms": (t_loaded - t_start) / 1e6,
                    "first_ms": (t_first - t_loaded) / 1e6,
                    "init_ms": (t_first - t_start) / 1e6,
                    **memory(),
                }
            )
        )
        return
    cmd = os.fdopen(int(sys.argv[2]), "r")
    res = os.fdopen(int(sys.argv[3]), "w")
    flagged = None
    for line in cmd:
        req = json.loads(line)
        op = req["op"]
        out: Any = None
        if op == "warm":
            n = req["n"]
            times: List[int] = [0] * n
            clock = time.perf_counter_ns
            for i in range(n):
                t = clock()
                handler(event, ctx)
                times[i] = clock() - t
            out = times
        elif op == "sink":
            app = sys.modules["app"]
            ev = lambda_events.benign("/" + req["sink"], {"n": str(req["calls"])})
            per_call = []
            for _ in range(req["invocations"]):
                handler(ev, ctx)
                per_call.append(app.LAST_LOOP_NS / req["calls"])
            out = per_call
        elif op == "memory":
            gc.collect()
            out = memory()
        elif op == "corpus":
            if flagged is None:
                flagged = flagged_check()
            counts: Dict[str, Dict[str, int]] = {}
            for case, ev in lambda_events.corpus(Path(req["dir"]), req.get("limit", 0)):
                handler(ev, ctx)
                c = counts.setdefault(case["category"], {"total": 0, "flagged": 0})
                c["total"] += 1
                c["flagged"] += flagged(handler)
            out = counts
        elif op == "quit":
            break
        res.write(json.dumps({"op": op, "result": out}) + "\n")
        res.flush()


if __name__ == "__main__":
    main()
