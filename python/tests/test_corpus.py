"""The shared corpus's sink calls through the Python hooks give the verdicts
of ``rampart rasp check`` (the Go engine's own), case by case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from conftest import ROOT
from events import event

import rampart
from rampart import _hooks


def corpus_dir() -> Path:
    d = Path(os.environ.get("RAMPART_CORPUS") or ROOT.parent / "shared" / "corpus") / "rasp"
    if not d.is_dir():
        if os.environ.get("RAMPART_REQUIRE") == "1":
            pytest.fail(f"corpus: {d} not found (RAMPART_REQUIRE=1)")
        pytest.skip(f"corpus: {d} not found (set RAMPART_CORPUS)")
    return d


def sink_call(case: dict) -> None:
    """Makes the case's sink call the way the application would reach the
    hooks, without running it: the audit events the interpreter raises
    before the operation, or the SQL wrapper's check."""
    sink, res = case["sink"], case["resource"]
    if sink == "sql":
        _hooks.check_sql(case.get("dialect", ""), res)
    elif sink == "shell":
        sys.audit("os.system", res)
    elif sink == "exec":
        argv = case.get("argv") or res.split()
        sys.audit("subprocess.Popen", argv[0], argv, None, None)
    elif sink == "http":
        sys.audit("urllib.Request", res, None, {}, "GET")
    elif sink == "file":
        sys.audit("open", res, "r", 0)
    else:
        raise ValueError(sink)


def test_same_verdicts_as_rasp_check(tmp_path):
    cases = []
    for f in sorted(corpus_dir().glob("*.jsonl")):
        cases += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    assert len(cases) > 1000
    all_cases = tmp_path / "rasp.jsonl"
    all_cases.write_text("".join(json.dumps(c) + "\n" for c in cases))
    out = subprocess.run(
        ["go", "run", "./cmd/rampart", "rasp", "check", "--in", str(all_cases)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    want = {v["id"]: v["exploit"] for v in map(json.loads, out.stdout.splitlines())}
    assert len(want) == len(cases)

    def handler(ev, ctx):
        sink_call(ev["case"])
        return {"statusCode": 200, "body": "ok"}

    protected = rampart.wrap(handler)
    differ = []
    for c in cases:
        ev = event("apigateway-v2", "/case", {"input": c["input"]})
        ev["rawQueryString"] = urlencode({"input": c["input"]}, quote_via=quote)
        ev["case"] = c
        got = protected(ev, None)["statusCode"] == 403
        if got != want[c["id"]]:
            differ.append((c["id"], c["sink"], want[c["id"]], got))
    assert not differ, f"{len(differ)} of {len(cases)} verdicts differ: {differ[:10]}"
