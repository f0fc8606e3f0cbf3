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


LAZY = """
import sys, rampart
print('http.client' in sys.modules, 'sqlite3' in sys.modules)
import urllib.request, http.client, sqlite3
print(getattr(http.client.HTTPConnection.putrequest, '_rampart', False))
print(getattr(sqlite3.connect, '_rampart', False))
"""


def test_sink_modules_are_wrapped_when_the_function_imports_them():
    out = run_python(LAZY, {"RAMPART_ENABLED": "true", "RAMPART_LIBRARY": _lib()})
    assert out.returncode == 0, out.stderr
    # Not imported by rampart itself (http.client brings ssl), wrapped on import.
    assert out.stdout.split() == ["False", "False", "True", "True"], out.stdout
