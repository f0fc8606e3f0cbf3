"""The bench beside Datadog (python/bench) runs: a quick pass of rampart
against the unprotected function, and Datadog's tracer too when ddtrace is
installed in this interpreter (the bench's own venv has it; CI does not)."""

from __future__ import annotations

import importlib.util
import os
import sys

from conftest import LIBRARY, PYTHON_DIR

sys.path.insert(0, str(PYTHON_DIR / "bench"))

import run  # noqa: E402


def test_quick_bench():
    engines = ["rampart"]
    if importlib.util.find_spec("ddtrace") and importlib.util.find_spec("datadog_lambda"):
        engines.append("datadog")
    fig = run.main(["--quick", "--engines", ",".join(engines), "--library", LIBRARY, "--corpus-limit", "200"])
    e = fig["engines"]
    assert set(e) == {"baseline", *engines}
    for name in e:
        assert e[name]["p50_us"] > 0 and e[name]["rss_warm_mib"] > 0
    assert e["rampart"]["sql_us"] > 0 and e["baseline"]["sql_us"] > 0
    if os.path.isdir(run.ROOT.parent / "shared" / "corpus" / "requests"):
        for name in engines:
            d = run.detection(e[name]["corpus"])
            assert d["attacks"] + d["benign"] == 200
            flagged, false_positives = d["attacks_flagged"] / d["attacks"], d["benign_flagged"] / d["benign"]
            assert flagged > 0.2 > false_positives, (name, d)
