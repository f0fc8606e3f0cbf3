"""The function every engine of the bench protects: one handler, three routes.

``/sql?n=N`` runs N SQLite queries and ``/file?n=N`` opens a file N times,
timing that loop alone (:data:`LAST_LOOP_NS`); any other path is the benign
API answer, a small JSON document built from the request.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Any, Dict

#: Opened at import, as functions open their connections at init.
_DB = sqlite3.connect(":memory:", check_same_thread=False)
_DB.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
_DB.executemany("INSERT INTO items (name) VALUES (?)", [("a",), ("b",), ("c",)])

_FILE = os.path.abspath(__file__)

#: Nanoseconds the last /sql or /file loop took.
LAST_LOOP_NS = 0


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    """Answers an API Gateway HTTP API (v2) request."""
    global LAST_LOOP_NS
    path = event.get("rawPath") or "/"
    query = event.get("queryStringParameters") or {}
    if path in ("/sql", "/file"):
        n = int(query.get("n", "1"))
        t0 = time.perf_counter_ns()
        if path == "/sql":
            for i in range(n):
                _DB.execute("SELECT name FROM items WHERE id = ?", (i % 3 + 1,)).fetchone()
        else:
            for _ in range(n):
                with open(_FILE, "rb") as f:
                    f.read(1)
        LAST_LOOP_NS = time.perf_counter_ns() - t0
        return {"statusCode": 200, "body": "done"}
    body = {"path": path, "query": query, "items": [r[0] for r in _DB.execute("SELECT name FROM items")]}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }
