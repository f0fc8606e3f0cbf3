"""Real sinks beyond the example application: PostgreSQL through psycopg
and psycopg2, requests to loopback, pathlib, os.popen, and a DB-API driver
wrapped by rampart.dbapi."""

from __future__ import annotations

import os
import sqlite3
import uuid

import pytest
from events import event, query_of
from test_lambda import UPSTREAM

import rampart

PG = os.environ.get("RAMPART_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable")


def pg_or_skip(module):
    try:
        conn = module.connect(PG, connect_timeout=3)
    except Exception as e:  # noqa: BLE001
        if os.environ.get("RAMPART_REQUIRE") == "1":
            pytest.fail(f"PostgreSQL at {PG}: {e} (RAMPART_REQUIRE=1)")
        pytest.skip(f"PostgreSQL at {PG}: {e}")
    return conn


def run(handler, q):
    return rampart.wrap(handler)(event("apigateway-v2", "/x", q), None)


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_postgresql(driver):
    mod = pytest.importorskip(driver)
    conn = pg_or_skip(mod)
    table = "users_" + uuid.uuid4().hex[:8]
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (name text)")
        cur.execute(f"INSERT INTO {table} VALUES ('alice')")
    conn.commit()
    try:

        def handler(ev, ctx):
            with conn.cursor() as cur:
                cur.execute(f"SELECT name FROM {table} WHERE name = '" + query_of(ev)["name"] + "'")
                rows = cur.fetchall()
            conn.rollback()
            return {"statusCode": 200, "body": str(rows)}

        assert run(handler, {"name": "alice"}) == {"statusCode": 200, "body": "[('alice',)]"}
        blocked = run(handler, {"name": "x' OR '1'='1"})
        assert blocked["statusCode"] == 403 and "rp-rasp-sqli" in blocked["body"]
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")
        conn.commit()
        conn.close()


def test_psycopg_connection_execute_and_composed():
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    conn = pg_or_skip(psycopg)

    def handler(ev, ctx):
        name = query_of(ev)["name"]
        conn.execute("SELECT '" + name + "'").fetchall()
        conn.execute(sql.SQL("SELECT {}").format(sql.Literal(name))).fetchall()  # parameterized: fine
        return {"statusCode": 200}

    try:
        assert run(handler, {"name": "bob"})["statusCode"] == 200
        assert run(handler, {"name": "x' UNION SELECT passwd FROM pg_shadow--"})["statusCode"] == 403
    finally:
        conn.close()


def test_requests_to_loopback():
    requests = pytest.importorskip("requests")
    base = f"http://127.0.0.1:{UPSTREAM.server_address[1]}"

    def handler(ev, ctx):
        q = query_of(ev)
        url = q["url"] if "url" in q else base + "/" + q["path"]
        r = requests.get(url, timeout=5)
        return {"statusCode": 200, "body": r.text}

    assert run(handler, {"path": "items"})["statusCode"] == 200
    assert run(handler, {"url": base + "/admin"})["statusCode"] == 403


def test_pathlib_and_popen(tmp_path):
    (tmp_path / "a.txt").write_text("a")

    def reader(ev, ctx):
        return {"statusCode": 200, "body": (tmp_path / query_of(ev)["name"]).read_text()}

    assert run(reader, {"name": "a.txt"})["statusCode"] == 200
    assert run(reader, {"name": "../../../../etc/passwd"})["statusCode"] == 403

    marker = tmp_path / "pwned"

    def pinger(ev, ctx):
        with os.popen("printf %s " + query_of(ev)["host"]) as p:
            return {"statusCode": 200, "body": p.read()}

    assert run(pinger, {"host": "example.com"}) == {"statusCode": 200, "body": "example.com"}
    assert run(pinger, {"host": f"x; touch {marker}"})["statusCode"] == 403
    assert not marker.exists(), "the injected command ran"


def test_dbapi_wrapper():
    # A connection made without sqlite3.connect: not checked by rampart's
    # own sqlite3 wrapper, only by the DB-API one.
    raw = sqlite3.Connection(":memory:")
    raw.execute("CREATE TABLE t (v text)")
    conn = rampart.dbapi.connect(raw, dialect="sqlite")

    def handler(ev, ctx):
        cur = conn.cursor()
        cur.execute("SELECT v FROM t WHERE v = '" + query_of(ev)["v"] + "'")
        return {"statusCode": 200}

    assert run(handler, {"v": "ok"})["statusCode"] == 200
    assert run(handler, {"v": "' OR 1=1 --"})["statusCode"] == 403
    with pytest.raises(ValueError):
        rampart.dbapi.connect(raw, dialect="db2")
