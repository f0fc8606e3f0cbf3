"""The handler to set on a function to protect it without changing its code.

Set the function's handler to ``rampart.handler.handler``, and
``RAMPART_LAMBDA_HANDLER`` to the function's own handler (``app.handler``,
``package.module.function``). The module is imported when the runtime loads
this one, at init, and its handler is wrapped by :func:`rampart.wrap`
(called as it is when rampart is off).
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from . import wrap


def _load() -> Callable[..., Any]:
    spec = os.environ.get("RAMPART_LAMBDA_HANDLER", "").strip()
    module, _, name = spec.rpartition(".")
    if not module or not name:
        raise RuntimeError(
            "rampart: RAMPART_LAMBDA_HANDLER must name the function's handler as module.function "
            f"(such as app.handler), got {spec!r}"
        )
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise RuntimeError(f"rampart: RAMPART_LAMBDA_HANDLER={spec}: {module} has no function {name}")
    return fn


#: The function's handler, protected.
handler = wrap(_load())
