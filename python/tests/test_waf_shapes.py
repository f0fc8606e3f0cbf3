"""The WAF blocking before the handler, in each of the five event shapes:
the 403 comes back in the shape the event's source expects."""

from __future__ import annotations

import json

from conftest import PYTHON_DIR, block_env, run_python

CODE = """
import json, sys
sys.path.insert(0, %r)
from events import SHAPES, event
import rampart
calls = []
@rampart.lambda_handler
def handler(ev, ctx):
    calls.append(1)
    return {"statusCode": 200, "body": "ok"}
out = {}
for shape in SHAPES:
    ok = handler(event(shape, "/search", {"q": "shoes"}), None)
    bad = handler(event(shape, "/search", {"q": "<script>alert(document.cookie)</script>"},
                        headers={"accept": "text/html"}), None)
    out[shape] = {"ok": ok, "bad": bad}
print(json.dumps({"shapes": out, "calls": len(calls)}))
"""


def test_waf_blocks_in_each_shape():
    p = run_python(CODE % str(PYTHON_DIR / "tests"), block_env())
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.strip().splitlines()[-1])
    shapes = r["shapes"]
    assert set(shapes) == {"apigateway-v1", "apigateway-v2", "function-url", "alb", "alb-multi"}
    for shape, got in shapes.items():
        assert got["ok"] == {"statusCode": 200, "body": "ok"}, shape
        bad = got["bad"]
        assert bad["statusCode"] == 403, (shape, bad)
        assert "Request blocked" in bad["body"], (shape, bad)  # HTML, by the Accept header
        if shape == "alb-multi":
            assert bad["multiValueHeaders"]["Content-Type"][0].startswith("text/html")
            assert "headers" not in bad or not bad["headers"]
            assert bad["statusDescription"] == "403 Forbidden"
        elif shape == "alb":
            assert bad["headers"]["Content-Type"].startswith("text/html")
            assert bad["statusDescription"] == "403 Forbidden"
        elif shape == "apigateway-v1":
            assert bad["headers"]["Content-Type"].startswith("text/html")
            assert bad["multiValueHeaders"]["Content-Type"][0].startswith("text/html")
        else:
            assert bad["headers"]["Content-Type"].startswith("text/html")
            assert not bad.get("multiValueHeaders")
    assert r["calls"] == 5, "the handler ran for a blocked request"
