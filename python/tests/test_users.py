"""User events and the collector's decisions, enforced in-process."""

from __future__ import annotations

import json
import time

import app
from events import event
from test_lambda import wait_events

import rampart


def login(ip: str, user: str, password: str) -> dict:
    body = json.dumps({"login": user, "password": password})
    return app.protected(event("apigateway-v2", "/login", method="POST", body=body, ip=ip), None)


def test_login_events_are_delivered(events):
    assert login("198.51.100.7", "alice", "wrong")["statusCode"] == 401
    assert login("198.51.100.7", "mallory", "guess")["statusCode"] == 401
    assert login("198.51.100.7", "alice", "correct horse")["statusCode"] == 200
    got = wait_events(events, lambda e: e.get("type", "").startswith("user.login"))
    deadline = time.time() + 5
    while len(got) < 3 and time.time() < deadline:
        time.sleep(0.05)
        got = [e for e in events.all() if e.get("type", "").startswith("user.login")]
    kinds = [(e["type"], e["usr"].get("login"), e["usr"].get("exists")) for e in got]
    assert kinds == [
        ("user.login.failure", "alice", True),
        ("user.login.failure", "mallory", False),
        ("user.login.success", "alice", None),
    ], got
    for e in got:
        assert e["ip"] == "198.51.100.7" and e["user_agent"] == "pytest"
        assert e["function"] == "pytest-fn:$LATEST"


def wait_until(pred, timeout=6.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_decisions_are_enforced(events):
    ip, user = "198.51.100.66", "bob"
    assert login(ip, "bob", "hunter2")["statusCode"] == 200
    events.decide(
        [
            {"id": "d1", "kind": "block_ip", "value": ip},
            {"id": "d2", "kind": "challenge_user", "value": "alice"},
        ]
    )
    # The agent polls the extension's cache every second.
    assert wait_until(
        lambda: app.protected(event("apigateway-v2", "/healthz", ip=ip), None)["statusCode"] == 403
    )
    resp = login("198.51.100.67", "alice", "correct horse")
    assert resp["statusCode"] == 401 and "step-up" in resp["body"], resp
    assert login("198.51.100.67", user, "hunter2")["statusCode"] == 200
    events.decide([])
    assert wait_until(
        lambda: app.protected(event("apigateway-v2", "/healthz", ip=ip), None)["statusCode"] == 200
    )


def test_user_events_outside_a_request(events):
    assert rampart.track_signup("carol", login="carol@example.com") is rampart.Action.ALLOW
    rampart.flush()
    got = wait_events(events, lambda e: e.get("type") == "user.signup")
    assert got and got[-1]["usr"]["id"] == "carol"
