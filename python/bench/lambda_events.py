"""API Gateway HTTP API (v2) events for the bench.

The bench's benign request, and the shared corpus's requests turned into
the events API Gateway would send.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote


class Context:
    """A Lambda context object with the attributes the runtime gives."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 1024
    aws_request_id = "8f5a8e2c-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2026/01/01/[$LATEST]0000"
    client_context = None
    identity = None
    tenant_id = None

    def get_remaining_time_in_millis(self) -> int:
        """The time left before the invocation times out."""
        return 30_000


def v2_event(
    method: str,
    uri: str,
    headers: List[Tuple[str, str]],
    body: str = "",
    ip: str = "203.0.113.9",
) -> Dict[str, Any]:
    """Returns the HTTP API (v2) event of one request, as API Gateway builds it.

    Header names lower-cased, repeated headers joined with commas, cookies
    moved to ``cookies``, the query both raw and parsed (repeated keys joined
    with commas).
    """
    path, _, raw_qs = uri.partition("?")
    hs: Dict[str, str] = {}
    cookies: List[str] = []
    for name, value in headers:
        k = name.lower()
        if k == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        hs[k] = hs[k] + "," + value if k in hs else value
    params: Dict[str, str] = {}
    for k, v in parse_qsl(raw_qs, keep_blank_values=True):
        params[k] = params[k] + "," + v if k in params else v
    ua = hs.get("user-agent", "")
    ev: Dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path or "/",
        "rawQueryString": raw_qs,
        "headers": hs,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "bench",
            "http": {
                "method": method,
                "path": unquote(path or "/"),
                "protocol": "HTTP/1.1",
                "sourceIp": ip,
                "userAgent": ua,
            },
            "requestId": "bench-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1767225600000,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        ev["cookies"] = cookies
    if params:
        ev["queryStringParameters"] = params
    if body:
        ev["body"] = body
    return ev


_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def benign(path: str = "/api/items", query: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The bench's benign request: a browser's GET with the usual headers."""
    qs = "&".join(f"{k}={v}" for k, v in (query or {"page": "2", "sort": "name"}).items())
    return v2_event(
        "GET",
        path + ("?" + qs if qs else ""),
        [
            ("Host", "api.example.com"),
            ("User-Agent", _BROWSER),
            ("Accept", "application/json"),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Cookie", "session=6f1c2a7e9b; theme=dark"),
            ("X-Forwarded-For", "203.0.113.9"),
            ("X-Forwarded-Proto", "https"),
        ],
    )


def corpus(folder: Path, limit: int = 0) -> Iterator[Tuple[dict, Dict[str, Any]]]:
    """Yields (case, event) for each request of the corpus's requests/*.jsonl.

    limit > 0 takes that many cases, spread evenly over the corpus.
    """
    cases: List[dict] = []
    for f in sorted(folder.glob("*.jsonl")):
        cases += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    if limit > 0 and limit < len(cases):
        step = len(cases) / limit
        cases = [cases[int(i * step)] for i in range(limit)]
    for c in cases:
        r = c["request"]
        yield (
            c,
            v2_event(
                r.get("method", "GET"),
                r.get("uri", "/"),
                [(h[0], h[1]) for h in r.get("headers", [])],
                r.get("body", ""),
                r.get("client_ip") or "203.0.113.9",
            ),
        )
