#!/usr/bin/env python3
"""The SQL floor of every benchmark page: the same request's SQL, run directly (issue 21).

    .venv/bin/python bench/floors.py --database igp_bench_1k --n 200 --json floors.json

For each page this runs the benchmark's request in-process (as `bench/hotspots.py` does) and
captures every statement the request sends, with its parameters, through SQLAlchemy's cursor
events. While capturing, `Session.commit` only flushes, so the request's writes (audit entries,
an aanmelding) are rolled back when the request ends and the database is as before. The captured
statements are then replayed with a plain psycopg connection, in one transaction per request that
is rolled back, `--n` times after `--warmup` rounds (requests of a page in turn: the 10 family
pages, 5 search values, 5 aanmeldingen). The replay's time per request is the page's floor: what
the request costs when nothing but its SQL runs (the round trips on the same socket included; the
framework, the ORM, the access decisions, the templates and the HTTP client excluded).

Limits, said here so the number is read right: a request whose statements depend on the results of
earlier ones (an id returned by an INSERT) replays the captured values, which is the same work; a
request that would refresh expired ORM attributes after a real commit does not do so under the
capture, so its floor can be a statement or two lower than the real request's SQL.

Output: a JSON object {page: {p50, p95, p99, statements, requests_captured}}; no parameter values.
`--slowest K` adds each page's K costliest statements ("slowest": index, mean ms over 5 replays of
the page's first request, and the statement's shape with placeholders): where a page's SQL goes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hotspots  # noqa: E402  (bench/hotspots.py)
import run as bench  # noqa: E402  (bench/run.py)

# the benchmark's page names (bench/run.py) for the pages of bench/hotspots.py
PAGE_NAMES = {
    "mijn_gezinnen": "mijn_gezinnen", "gezinspagina": "gezinspagina", "overdrachten": "overdrachten (jvk)",
    "signalen": "signalen (jvk)", "overdrachten_planner": "overdrachten (planner)",
    "signalen_planner": "signalen (planner)", "mdo_voorstel": "mdo_voorstel (API)",
    "mdo_vergadering": "mdo_vergadering", "dashboard": "dashboard (1 jaar)", "zoeken_bsn": "zoeken_bsn (API)",
    "zoeken_naam": "zoeken_naam (API)", "zoeken_vergevingsgezind": "zoeken_vergevingsgezind (API)",
    "aanmelding": "aanmelding (API POST)",
}
DISTINCT_REQUESTS = {"gezinspagina": 10, "zoeken_bsn": 5, "zoeken_naam": 5, "zoeken_vergevingsgezind": 5,
                     "aanmelding": 5}


class Capture:
    """Statements of the requests made inside `with capture:`; commits only flush meanwhile."""

    def __init__(self, engine):
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        self.on = False
        self.statements: list[tuple[str, object, bool]] = []
        self._session_cls = Session
        self._commit = Session.commit
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            # SQLAlchemy's "insertmanyvalues" reports one multi-row INSERT with executemany=True and the
            # batch's parameters as one mapping: it is sent with execute(), and so is it replayed
            many = executemany and isinstance(parameters, (list, tuple))
            self.statements.append((statement, parameters, many))

    def __enter__(self):
        self.statements = []
        self.on = True
        self._session_cls.commit = _flush_as_commit
        return self

    def __exit__(self, *exc):
        self.on = False
        self._session_cls.commit = self._commit
        return False


SEQUENCES = "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences WHERE last_value IS NOT NULL"


def sequences(conn) -> list:
    rows = conn.execute(SEQUENCES).fetchall()
    conn.rollback()
    return rows


def _flush_as_commit(session) -> None:
    """What a commit sends (the before-commit hooks: the audit chain's lock, entries and head),
    without committing: the request's teardown rolls it back."""
    session.dispatch.before_commit(session)
    session.flush()


def replay(conn, statements, sequences_before=None) -> float:
    """One request's statements in one transaction, rolled back; milliseconds (the rollback not
    counted: a real request commits). A request that inserts rows first gets the sequences as they
    were before its capture (untimed), so the ids its INSERTs return are the ones its later
    statements use."""
    return sum(replay_each(conn, statements, sequences_before))


def replay_each(conn, statements, sequences_before=None) -> list[float]:
    """The milliseconds of each statement of one request (its fetch included); see `replay`."""
    if sequences_before:
        for name, value in sequences_before:
            conn.execute("SELECT setval(%s, %s)", (name, value))
        conn.commit()
    times = []
    with conn.cursor() as cur:
        for statement, parameters, many in statements:
            t = time.perf_counter()
            if many:
                cur.executemany(statement, parameters)
            else:
                cur.execute(statement, parameters or None)
                if cur.description is not None:
                    cur.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    conn.rollback()
    return times


def slowest(conn, captured, seqs, k: int, rounds: int = 5) -> list[dict]:
    """The k statements of the page's first captured request that cost most (mean over `rounds`
    replays), as shapes (no parameter values): where the page's SQL time goes."""
    runs = [replay_each(conn, captured[0], seqs[0]) for _ in range(rounds)]
    means = [sum(r[i] for r in runs) / rounds for i in range(len(captured[0]))]
    order = sorted(range(len(means)), key=lambda i: -means[i])[:k]
    return [{"index": i, "ms": round(means[i], 2), "statement": hotspots.shape(captured[0][i][0])[:400]}
            for i in order]


def floors(database: str, pages: list[str], n: int, warmup: int, top: int = 0) -> dict:
    os.environ.update({k: v for k, v in bench.app_env(database).items() if k.startswith("IGP_")})
    import psycopg

    from igp import create_app
    from igp.extensions import db

    app = create_app()
    with app.app_context():
        capture = Capture(db.engine)
    setup = bench.choose(database, 1, 1)
    web, token = hotspots.signed_in(app)
    out = {}
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:
        for page in pages:
            client, method, paths, body, headers = hotspots.prepare(app, page, setup, web, token)
            captured, seqs = [], []
            for i in range(3 + DISTINCT_REQUESTS.get(page, 1)):
                kwargs = {"headers": headers, "json": body(i)} if body else {"headers": headers}
                before = sequences(conn)
                with capture:
                    r = client.open(paths(i), method=method, **kwargs)
                if r.status_code not in (200, 201):
                    raise RuntimeError(f"{page}: {r.status_code} {r.get_data(as_text=True)[:200]}")
                if i >= 3:  # after the warm-up (caches of the worker filled, as in the benchmark)
                    captured.append(list(capture.statements))
                    inserts = any(st.lstrip().upper().startswith("INSERT") for st, _, _ in capture.statements)
                    seqs.append(before if inserts else None)
            times = [replay(conn, captured[i % len(captured)], seqs[i % len(captured)])
                     for i in range(warmup + n)][warmup:]
            out[PAGE_NAMES[page]] = {**bench.stats(times), "statements": sorted({len(c) for c in captured}),
                                     "requests_captured": len(captured)}
            if top:
                out[PAGE_NAMES[page]]["slowest"] = slowest(conn, captured, seqs, top)
            bench.log(f"  SQL floor {PAGE_NAMES[page]:<30} p50 {out[PAGE_NAMES[page]]['p50']:7.2f}  "
                      f"p95 {out[PAGE_NAMES[page]]['p95']:7.2f} ms  statements {out[PAGE_NAMES[page]]['statements']}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="igp_bench_1k")
    parser.add_argument("--page", action="append", choices=sorted(PAGE_NAMES), help="repeatable; default: all")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", help="write the result here (default: standard output)")
    parser.add_argument("--slowest", type=int, default=0, metavar="K",
                        help="also list each page's K costliest statements (shapes, no values)")
    args = parser.parse_args(argv)
    result = floors(args.database, args.page or list(PAGE_NAMES), args.n, args.warmup, args.slowest)
    text = json.dumps(result, indent=1)
    if args.json:
        Path(args.json).write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
