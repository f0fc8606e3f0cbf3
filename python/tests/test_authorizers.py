"""Lambda authorizers and WebSocket events in Python functions: the same
decoding as Go's, so an attack on an authorizer is denied in the
authorizer's own shape and a WebSocket message is inspected."""

from __future__ import annotations

import json
import sqlite3

from conftest import block_env, run_python

import rampart

ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/orders"


def rest_authorizer(key: str) -> dict:
    return {
        "type": "REQUEST",
        "methodArn": ARN,
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "queryStringParameters": {"key": key},
        "requestContext": {"stage": "prod", "identity": {"sourceIp": "203.0.113.9"}},
    }


def http_api_authorizer(header: str) -> dict:
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": ARN,
        "identitySource": [header],
        "routeKey": "GET /orders",
        "rawPath": "/orders",
        "rawQueryString": "",
        "headers": {"authorization": header},
        "requestContext": {"http": {"method": "GET", "path": "/orders", "sourceIp": "203.0.113.9"}},
    }


def keys_db():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE keys (key TEXT, owner TEXT)")
    db.execute("INSERT INTO keys VALUES ('k-123', 'alice')")
    return db


def test_rest_authorizer_denied_at_its_sql_lookup():
    db = keys_db()

    @rampart.lambda_handler
    def authorize(event, context):
        key = event["queryStringParameters"]["key"]
        row = db.execute(f"SELECT owner FROM keys WHERE key = '{key}'").fetchone()
        effect = "Allow" if row else "Deny"
        return {
            "principalId": row[0] if row else "anonymous",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
                ],
            },
        }

    ok = authorize(rest_authorizer("k-123"), None)
    assert ok["principalId"] == "alice" and ok["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    denied = authorize(rest_authorizer("x' OR '1'='1"), None)
    st = denied["policyDocument"]["Statement"]
    assert st == [{"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": [ARN]}], denied
    assert denied["context"]["rule"] == "rp-rasp-sqli"
    assert "statusCode" not in denied, "a proxy response is not an authorizer's answer"


HTTP_API = """
import json, rampart
calls = []
@rampart.lambda_handler
def authorize(event, context):
    calls.append(1)
    return {"isAuthorized": True}
def ev(header):
    return {"version": "2.0", "type": "REQUEST", "routeArn": "ARN", "identitySource": [header],
            "routeKey": "GET /orders", "rawPath": "/orders", "rawQueryString": "",
            "headers": {"authorization": header},
            "requestContext": {"http": {"method": "GET", "path": "/orders", "sourceIp": "203.0.113.9"}}}
ok = authorize(ev("Bearer abc.def.ghi"), None)
no = authorize(ev("Bearer <script>alert(document.cookie)</script>"), None)
print(json.dumps({"ok": ok, "no": no, "calls": len(calls)}))
"""


def test_http_api_authorizer_denied_by_the_waf():
    p = run_python(
        HTTP_API.replace("ARN", ARN),
        block_env(),
    )
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["ok"] == {"isAuthorized": True}
    no = r["no"]
    # Both answer formats: whichever the authorizer is configured for.
    assert no["isAuthorized"] is False
    assert no["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert no["policyDocument"]["Statement"][0]["Resource"] == [ARN]
    assert r["calls"] == 1, "the authorizer ran for a blocked request"


def test_websocket_message_reaches_the_sinks(tmp_path):
    marker = tmp_path / "injected"

    @rampart.lambda_handler
    def on_message(event, context):
        import subprocess

        msg = json.loads(event["body"])
        subprocess.run("printf %s " + msg["host"], shell=True, capture_output=True)
        return {"statusCode": 200}

    def message(host: str) -> dict:
        return {
            "requestContext": {
                "routeKey": "ping",
                "eventType": "MESSAGE",
                "connectionId": "Fb1oWc9qIAMCJcA=",
                "identity": {"sourceIp": "203.0.113.9"},
            },
            "body": json.dumps({"action": "ping", "host": host}),
            "isBase64Encoded": False,
        }

    assert on_message(message("example.com"), None) == {"statusCode": 200}
    blocked = on_message(message(f"example.com;touch {marker}"), None)
    assert blocked["statusCode"] == 403 and "rp-rasp-shi" in blocked["body"]
    assert not marker.exists(), "the injected command ran"
