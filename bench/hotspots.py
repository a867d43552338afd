#!/usr/bin/env python3
"""Where does the time of one page go? In-process profile of the benchmark's pages against a
benchmark database (made by `bench/run.py --keep`), without gunicorn and without changing igp/.

    .venv/bin/python bench/hotspots.py --database igp_bench_100k --page mijn_gezinnen --n 30

For each page: wall time per request, the SQL statements (count, total and slowest time per
statement shape, measured with SQLAlchemy's cursor events) and the top functions of cProfile
(by own time and by cumulative time). Output goes to standard output only; it can contain SQL
text but no parameter values.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as bench  # noqa: E402  (bench/run.py)

PAGES = ("mijn_gezinnen", "gezinspagina", "overdrachten", "signalen", "overdrachten_planner", "signalen_planner",
         "mdo_voorstel", "mdo_vergadering", "dashboard", "zoeken_bsn", "zoeken_naam", "zoeken_vergevingsgezind", "aanmelding", "ping")


def shape(statement: str) -> str:
    s = re.sub(r"\s+", " ", statement).strip()
    s = re.sub(r"IN \(__\[POSTCOMPILE_[^)]*\]\)", "IN (...)", s)
    s = re.sub(r"%\(\w+\)s", "?", s)
    s = re.sub(r"\(\?(, \?)+\)", "(?...)", s)
    return s


def prepare(app, page: str, setup, web, token):
    """(client, method, paths(i), body(i) or None, headers) of one page, as in bench/run.py."""
    headers, body, method = {}, None, "GET"
    ids = setup.family_ids
    today = setup.today
    year_ago = today - timedelta(days=365)
    if page in ("mijn_gezinnen", "gezinspagina", "overdrachten", "signalen"):
        client = web(setup.nurse)
        paths = {"mijn_gezinnen": lambda i: "/mijn-gezinnen",
                 "gezinspagina": lambda i: f"/gezinnen/{ids[i % len(ids)]}",
                 "overdrachten": lambda i: "/overdrachten", "signalen": lambda i: "/signalen"}[page]
    elif page in ("overdrachten_planner", "signalen_planner"):
        client = web("planner.kok")
        paths = (lambda i: "/overdrachten") if page == "overdrachten_planner" else (lambda i: "/signalen")
    elif page == "mdo_vergadering":
        client = web(setup.meeting_chair)
        paths = lambda i: f"/mdo/{setup.meeting_id}"
    elif page == "mdo_voorstel":
        client = app.test_client()
        headers = token("mdo.dejong")
        days = (1 - today.weekday()) % 7 or 7
        r = client.post("/api/v1/mdo/meetings", headers=headers, json={
            "poli": "pop", "starts_at": f"{(today + timedelta(days=days)).isoformat()}T13:00"})
        meeting = r.get_json()["id"]
        method, paths = "POST", (lambda i: f"/api/v1/mdo/meetings/{meeting}/agenda/propose")
    elif page == "dashboard":
        client = web("pl.hendriks")
        paths = lambda i: f"/dashboard?van={year_ago.isoformat()}&tot={today.isoformat()}"
    elif page in ("zoeken_bsn", "zoeken_naam", "zoeken_vergevingsgezind"):
        client = app.test_client()
        headers = token(setup.nurse)
        values = []
        for fid in ids:
            p = (client.get(f"/api/v1/families/{fid}", headers=headers).get_json().get("parents") or [{}])[0]
            if p.get("bsn"):
                values.append(p)
        method, paths = "POST", (lambda i: "/api/v1/families/search")
        if page == "zoeken_bsn":
            body = lambda i: {"bsn": values[i % len(values)]["bsn"]}  # noqa: E731
        elif page == "zoeken_vergevingsgezind":
            prefixes = bench.surname_prefixes(values)
            body = lambda i: {"q": prefixes[i % len(prefixes)]}  # noqa: E731
        else:
            body = lambda i: {"name": values[i % len(values)]["name"],  # noqa: E731
                              "birth_date": values[i % len(values)]["birth_date"][:10]}
    elif page == "aanmelding":
        client = app.test_client()
        headers = token("jvk.smit")
        bsns = bench.BsnSource(99)
        method, paths, body = "POST", (lambda i: "/api/v1/families"), (lambda i: bench.aanmelding_body(bsns))
    else:
        client = app.test_client()
        paths = lambda i: "/bench/ping"
    return client, method, paths, body, headers


def signed_in(app):
    """(web(username) -> signed-in test client, token(username) -> API headers)."""

    def web(username):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        m = bench.CSRF_RE.search(page)
        r = client.post("/login", data={"username": username, "password": bench.password_of(username),
                                        "csrf_token": m.group(1) or m.group(2)})
        assert r.status_code == 302, r.status_code
        return client

    def token(username):
        client = app.test_client()
        r = client.post("/api/v1/auth/token", json={"username": username, "password": bench.password_of(username)})
        return {"Authorization": "Bearer " + r.get_json()["token"]}

    return web, token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="igp_bench_1k")
    parser.add_argument("--page", action="append", choices=PAGES, help="repeatable; default: all")
    parser.add_argument("--n", type=int, default=20, help="profiled requests per page (after 3 warm-up)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql-top", type=int, default=12)
    parser.add_argument("--no-cprofile", action="store_true", help="SQL timings only (less overhead)")
    parser.add_argument("--app-only", action="store_true",
                        help="the cumulative profile lists only the application's functions (igp/, consent/)")
    parser.add_argument("--callers", action="append", metavar="PATTERN",
                        help="also print who calls the functions matching PATTERN (pstats print_callers)")
    parser.add_argument("--explain", type=int, default=0, metavar="K",
                        help="EXPLAIN (ANALYZE, BUFFERS) the K slowest SELECT shapes with their captured parameters")
    args = parser.parse_args()

    import os

    os.environ.update({k: v for k, v in bench.app_env(args.database).items() if k.startswith("IGP_")})
    from sqlalchemy import event

    from igp import create_app
    from igp.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    sql: dict[str, list[float]] = defaultdict(list)
    examples: dict[str, tuple] = {}
    state = {"on": False}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["t"].pop()
        if state["on"]:
            key = shape(statement)
            sql[key].append((time.perf_counter() - started) * 1000)
            examples.setdefault(key, (statement, parameters))

    from sqlalchemy.orm import Mapper

    loaded: dict[str, int] = defaultdict(int)

    @event.listens_for(Mapper, "load")
    def _loaded(target, context):
        if state["on"]:
            loaded[type(target).__name__] += 1

    from igp.audit import services as audit_services

    audited = {"n": 0}
    record = audit_services.record

    def _counting_record(*a, **k):
        if state["on"]:
            audited["n"] += 1
        return record(*a, **k)

    audit_services.record = _counting_record  # every caller goes through the module attribute

    setup = bench.choose(args.database, 1, 1)

    web, token = signed_in(app)

    wanted = args.page or list(PAGES)
    for page in wanted:
        client, method, paths, body, headers = prepare(app, page, setup, web, token)

        def call(i, client=client, method=method, paths=paths, body=body, headers=headers, page=page):
            kwargs = {"headers": headers}
            if body:
                kwargs["json"] = body(i)
            r = client.open(paths(i), method=method, **kwargs)
            assert r.status_code in (200, 201), (page, r.status_code, r.get_data(as_text=True)[:300])
            return r

        for i in range(3):
            call(i)
        sql.clear()
        examples.clear()
        loaded.clear()
        audited["n"] = 0
        state["on"] = True
        profiler = cProfile.Profile()
        walls = []
        queries = set()
        by_path: dict[str, list[str]] = defaultdict(list)   # a page whose count differs: which request
        for i in range(args.n):
            t = time.perf_counter()
            if args.no_cprofile:
                r = call(i)
            else:
                profiler.enable()
                r = call(i)
                profiler.disable()
            walls.append((time.perf_counter() - t) * 1000)
            queries.add(r.headers.get("X-IGP-Queries"))
            by_path[paths(i)].append(r.headers.get("X-IGP-Queries"))
        state["on"] = False
        if len(queries) > 1:
            print("--- statements per request by path (the count differs):",
                  "; ".join(f"{path} {'/'.join(counts)}" for path, counts in by_path.items()))
        total_sql = sum(sum(v) for v in sql.values())
        n_sql = sum(len(v) for v in sql.values())
        print(f"\n=== {page} on {args.database}: {args.n} requests, wall p50 {bench.percentile(walls, 50):.1f} ms "
              f"(with profiler overhead unless --no-cprofile), SQL {n_sql / args.n:.1f} statements "
              f"{total_sql / args.n:.1f} ms per request; X-IGP-Queries {sorted(queries)}")
        print(f"--- ORM instances loaded per request: {sum(loaded.values()) / args.n:.1f} ("
              + ", ".join(f"{k} {v / args.n:.1f}" for k, v in sorted(loaded.items(), key=lambda kv: -kv[1])[:8])
              + f"); audit entries recorded per request: {audited['n'] / args.n:.1f}")
        print("--- SQL statement shapes by total time (per request: count, ms; max single ms)")
        for stmt, times in sorted(sql.items(), key=lambda kv: -sum(kv[1]))[:args.sql_top]:
            print(f"{len(times) / args.n:5.1f}x {sum(times) / args.n:8.2f} ms  max {max(times):7.2f}  {stmt[:260]}")
        slowest = [k for k, _ in sorted(sql.items(), key=lambda kv: -sum(kv[1])/len(kv[1]))
                   if k.startswith("SELECT")][:args.explain]
        for key in slowest:
            statement, parameters = examples[key]
            with app.app_context(), engine.connect() as conn:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
            print(f"--- EXPLAIN ANALYZE of {key[:160]}")
            for (line,) in plan[:40]:
                print("    " + line[:200])
        if not args.no_cprofile:
            for key in ("tottime", "cumulative"):
                out = io.StringIO()
                st = pstats.Stats(profiler, stream=out)
                only = ["igp/|consent/"] if args.app_only and key == "cumulative" else []
                st.sort_stats(key).print_stats(*only, args.top)
                text = out.getvalue()
                text = text[text.find("ncalls"):]
                print(f"--- cProfile by {key} (totals over {args.n} requests)")
                print(text.replace(str(bench.ROOT) + "/", "").rstrip())
            for pattern in args.callers or ():
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_callers(pattern)
                print(f"--- callers of {pattern}")
                print(out.getvalue().replace(str(bench.ROOT) + "/", "").rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
