"""Python stack traces for exploit events."""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Dict, List, Tuple

#: The deepest stack an event carries (innermost first).
MAX_FRAMES = 48

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _library_dirs() -> Tuple[str, ...]:
    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            dirs.add(os.path.abspath(p) + os.sep)
    for p in sys.path:
        if p.endswith(("site-packages", "dist-packages")):
            dirs.add(os.path.abspath(p) + os.sep)
    # The Lambda runtime's own code (awslambdaric, bootstrap) is not the
    # application's either.
    dirs.add("/var/runtime" + os.sep)
    return tuple(sorted(dirs, key=len, reverse=True))


_LIBRARY_DIRS = _library_dirs()


def _is_library(path: str) -> bool:
    if path.startswith("<"):  # <frozen importlib._bootstrap>, <string>
        return True
    return path.startswith(_LIBRARY_DIRS)


#: Per file name: (rampart's own, library code), computed once.
_kinds: Dict[str, Tuple[bool, bool]] = {}


def _kind(path: str) -> Tuple[bool, bool]:
    k = _kinds.get(path)
    if k is None:
        full = os.path.abspath(path) if not path.startswith("<") else path
        k = (full.startswith(_PACKAGE_DIR), _is_library(full))
        if len(_kinds) < 10000:
            _kinds[path] = k
    return k


def capture(skip: int = 1) -> Tuple[List[Dict[str, object]], int]:
    """Returns the caller's stack and the index of its application frame.

    The stack is innermost first, without rampart's frames; the index is
    -1 when no frame is the application's.

    A frame is the application's when its file is neither rampart's nor in
    the standard library, site-packages or the Lambda runtime.
    """
    frames: List[Dict[str, object]] = []
    app = -1
    f = sys._getframe(skip)
    while f is not None and len(frames) < MAX_FRAMES:
        path = f.f_code.co_filename
        own, library = _kind(path)
        if not own:
            if app < 0 and not library:
                app = len(frames)
            frames.append({"function": f.f_code.co_name, "file": path, "line": f.f_lineno})
        f = f.f_back
    return frames, app
