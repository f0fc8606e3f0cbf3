"""rampart switched off, or misconfigured."""

from __future__ import annotations

from conftest import run_python

PROBE = """
import sys, rampart, rampart._native as n
def h(e, c): return 'x'
w = rampart.wrap(h)
patched = 'sqlite3' in sys.modules and getattr(__import__('sqlite3').connect, '_rampart', False)
print(w is h, n._loaded is None, patched)
"""


def test_off_returns_the_handler_and_loads_nothing():
    for value in (None, "false", "0", "off"):
        env = {} if value is None else {"RAMPART_ENABLED": value}
        out = run_python(PROBE, env)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["True", "True", "False"], (value, out.stdout)


def test_bad_configuration_fails_init():
    out = run_python(PROBE, {"RAMPART_ENABLED": "true", "RAMPART_MODE": "enforce", "RAMPART_LIBRARY": _lib()})
    assert out.returncode != 0
    assert "RAMPART_MODE" in out.stderr and "enforce" in out.stderr


def _lib():
    import os

    return os.environ["RAMPART_LIBRARY"]
