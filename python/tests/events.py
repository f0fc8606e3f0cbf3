"""Lambda invocation events of the five HTTP shapes, built the way the
services send them."""

from __future__ import annotations

import base64
from typing import Dict, Optional
from urllib.parse import quote, unquote, urlencode

SHAPES = ("apigateway-v1", "apigateway-v2", "function-url", "alb", "alb-multi")


def event(
    shape: str,
    path: str,
    query: Optional[Dict[str, str]] = None,
    method: str = "GET",
    body: str = "",
    ip: str = "203.0.113.9",
    headers: Optional[Dict[str, str]] = None,
) -> dict:
    """Returns an invocation event of shape for one request."""
    q = query or {}
    raw_qs = urlencode(q)
    h = {"accept": "application/json", "user-agent": "pytest", "host": "fn.example"}
    h.update(headers or {})
    b64 = False
    if body and not body.isascii():
        body, b64 = base64.b64encode(body.encode()).decode(), True
    if shape == "apigateway-v1":
        return {
            "resource": path,
            "path": path,
            "httpMethod": method,
            "headers": h,
            "multiValueHeaders": {k: [v] for k, v in h.items()},
            "queryStringParameters": q or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in q.items()} or None,
            "requestContext": {
                "stage": "prod",
                "requestId": "r1",
                "httpMethod": method,
                "path": "/prod" + path,
                "identity": {"sourceIp": ip, "userAgent": "pytest"},
            },
            "body": body or None,
            "isBase64Encoded": b64,
        }
    if shape in ("apigateway-v2", "function-url"):
        ctx = {
            "routeKey": "$default",
            "stage": "$default",
            "requestId": "r1",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": ip,
                "userAgent": "pytest",
            },
        }
        if shape == "function-url":
            ctx = {
                "domainName": "abc.lambda-url.us-east-1.on.aws",
                "requestId": "r1",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": ip,
                    "userAgent": "pytest",
                },
            }
        ev = {
            "version": "2.0",
            "rawPath": path,
            "rawQueryString": raw_qs,
            "headers": h,
            "requestContext": ctx,
            "body": body or None,
            "isBase64Encoded": b64,
        }
        if shape == "apigateway-v2":
            ev["routeKey"] = "$default"
        if q:
            ev["queryStringParameters"] = q
        return ev
    if shape in ("alb", "alb-multi"):
        ev = {
            "httpMethod": method,
            "path": path,
            "body": body,
            "isBase64Encoded": b64,
            "requestContext": {
                "elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}
            },
        }
        hh = dict(h)
        hh["x-forwarded-for"] = ip
        if shape == "alb":
            ev["headers"] = hh
            # ALB passes the query as it is in the URL, percent-encoded.
            ev["queryStringParameters"] = {k: quote(v, safe="") for k, v in q.items()}
        else:
            ev["multiValueHeaders"] = {k: [v] for k, v in hh.items()}
            ev["multiValueQueryStringParameters"] = {k: [quote(v, safe="")] for k, v in q.items()}
        return ev
    raise ValueError(shape)


def query_of(ev: dict) -> Dict[str, str]:
    """The query parameters of an event, whatever its shape."""
    alb = "elb" in ev.get("requestContext", {})
    if ev.get("multiValueQueryStringParameters"):
        q = {k: v[-1] for k, v in ev["multiValueQueryStringParameters"].items()}
    else:
        q = dict(ev.get("queryStringParameters") or {})
    return {k: unquote(v) for k, v in q.items()} if alb else q


def path_of(ev: dict) -> str:
    """The path of an event, whatever its shape."""
    return ev.get("rawPath") or ev.get("path") or "/"
