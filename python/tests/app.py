"""The vulnerable example application's routes as a Python Lambda handler
(the same statements, commands and base directory as examples/vulnapp)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tempfile
import urllib.request
from typing import Any

from events import path_of, query_of

import rampart

DATA = tempfile.mkdtemp(prefix="rampart-pytest-")
FILES = os.path.join(DATA, "files")
os.makedirs(FILES, exist_ok=True)
with open(os.path.join(FILES, "report.txt"), "w") as f:
    f.write("quarterly report\n")

DB = sqlite3.connect(os.path.join(DATA, "app.db"), check_same_thread=False)
DB.executescript(
    "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);"
    "INSERT INTO users (name, email) VALUES ('alice', 'alice@example.com'), ('bob', 'bob@example.com');"
)
UPSTREAM = {"url": ""}
PASSWORDS = {"alice": "correct horse", "bob": "hunter2"}


def respond(status: int, body: Any) -> dict:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handler(event: dict, context: Any) -> dict:
    path, q = path_of(event), query_of(event)
    if path == "/healthz":
        return respond(200, "ok")
    if path == "/users":
        sql = "SELECT id, name, email FROM users WHERE name = '" + q.get("name", "") + "'"
        rows = DB.execute(sql).fetchall()  # sql sink
        return respond(200, rows)
    if path == "/ping":
        script = "printf 'PING %s\\n' " + q.get("host", "")
        out = subprocess.run(script, shell=True, capture_output=True, text=True)  # shell sink
        return respond(200, {"output": out.stdout})
    if path == "/convert":
        argv = ["wc", "-c", q.get("file", "")]
        out = subprocess.run(argv, capture_output=True, text=True, cwd=FILES)  # exec sink
        return respond(200, {"output": out.stdout})
    if path == "/fetch":
        with urllib.request.urlopen(q.get("url", ""), timeout=5) as resp:  # http sink
            return respond(200, {"status": resp.status, "body": resp.read().decode()})
    if path == "/proxy":
        with urllib.request.urlopen(UPSTREAM["url"] + "/" + q.get("path", ""), timeout=5) as resp:
            return respond(200, {"status": resp.status, "body": resp.read().decode()})
    if path == "/files":
        try:
            with open(FILES + "/" + q.get("name", "")) as f:  # file sink
                return respond(200, f.read())
        except OSError as e:
            return respond(404, str(e))
    if path == "/login":
        body = json.loads(event.get("body") or "{}")
        login, password = body.get("login", ""), body.get("password", "")
        if PASSWORDS.get(login) == password:
            action = rampart.track_login_success(login, login=login)
        else:
            action = rampart.track_login_failure(login, exists=login in PASSWORDS)
        if action is rampart.Action.BLOCK:
            return respond(403, "blocked")
        if action is rampart.Action.CHALLENGE:
            return respond(401, "step-up required")
        return respond(200 if PASSWORDS.get(login) == password else 401, {"login": login})
    return respond(404, "not found")


protected = rampart.wrap(handler)
