#!/usr/bin/env python3
"""Fuzz the whole OpenAPI document against a real server (issue 20): gunicorn with 2 sync workers
(config/gunicorn.py) on a fresh SQLite file, or on PostgreSQL, and schemathesis with both
generation modes (valid and invalid input) in the phases examples, coverage, fuzzing and stateful.
No answer may be a 5xx; afterwards the audit chain must verify against its witness.

    .venv/bin/python bench/fuzz_server.py                         # SQLite, 2 workers
    .venv/bin/python bench/fuzz_server.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/igp_fuzz

The PostgreSQL database is emptied first. Needs gunicorn (.venv/bin/pip install -e ".[prod]").
Every request and answer is kept in a HAR file; the summary (requests, answers per status, the
5xx with their operation) is printed and written to bench/results/fuzz-<db>.md. Exit 1 on a 5xx.

The API is fuzzed with one bearer token of a user with the roles gynaecoloog, mdo_voorzitter and
projectleider (most operations reach their rules, not a 403); POST/DELETE /auth/token run last, on
their own token, so that revoking it does not end the rest of the run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from run import BIN, ROOT, Client, Gunicorn

PASSWORD = "fuzz-wachtwoord-2026!"
PHASES = "examples,coverage,fuzzing,stateful"


def prepare_database(url: str, folder: Path, env: dict) -> None:
    """Empty (PostgreSQL) or create (SQLite) the database, build the schema, add a small scene."""
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    os.environ.update(env)
    import flask_migrate

    from igp import create_app
    from igp.extensions import db

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        _scene()
        db.session.commit()
        db.engine.dispose()


def _scene() -> None:
    from igp.admin.services import create_poli
    from igp.auth.services import create_organisation, create_user
    from igp.families.services import aanmelden
    from igp.mdo import services as mdo

    hospital = create_organisation("Ziekenhuis Fuzz", "zorg")
    create_organisation("JGZ Fuzz", "jgz")
    create_poli("pop", "POP-poli")
    fuzzer = create_user(username="fuzzer", name="Fuzz Gebruiker", organisation=hospital,
                         roles=["gynaecoloog", "mdo_voorzitter", "projectleider"], password=PASSWORD)
    create_user(username="tokens", name="Token Gebruiker", organisation=hospital, roles=["gynaecoloog"],
                password=PASSWORD)
    family = aanmelden(fuzzer, {
        "poli": "pop", "phase": "prenatal", "referred_at": "2026-11-23T10:00:00+01:00",
        "referrer": {"type": "verloskundige", "name": "Verloskundige Fuzz", "organisation": "Praktijk"},
        "reason": "Fuzz", "vulnerabilities": ["financien"], "parents": [{"name": "Ouder Fuzz", "birth_date": "1995-03-14"}],
        "expected_due_date": "2027-02-10", "consent": {"preset": "kernteam", "method": "schriftelijk"}}).family
    meeting = mdo.create_meeting(fuzzer, {"poli": "pop", "starts_at": "2026-12-02T13:00"})
    mdo.add_item(fuzzer, meeting.id, {"family_id": family.id})


def token(port: int, username: str) -> str:
    client = Client(port)
    answer = client.request("POST", "/api/v1/auth/token", json_body={"username": username, "password": PASSWORD})
    client.close()
    if answer.status != 200:
        raise RuntimeError(f"no token for {username}: {answer.status} {answer.body[:200]!r}")
    return answer.json()["token"]


def schemathesis(port: int, bearer: str, har: Path, args, *selection: str) -> int:
    command = [str(BIN / "schemathesis"), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
               "--header", f"Authorization: Bearer {bearer}", "--mode", "all", "--phases", PHASES,
               "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--checks", "not_a_server_error",
               "--workers", str(args.clients), "--suppress-health-check", "all", "--warnings", "off",
               "--request-timeout", "60", "--report", "har", "--report-har-path", str(har), *selection]
    print("$ schemathesis run ... " + " ".join(selection), flush=True)
    with open(har.with_suffix(".log"), "w") as out:
        # in the run's folder: schemathesis keeps its cache (.schemathesis/) in the working directory
        return subprocess.run(command, cwd=har.parent, stdout=out, stderr=subprocess.STDOUT).returncode


def read_har(path: Path) -> list[tuple[str, str, int]]:
    entries = json.loads(path.read_text())["log"]["entries"]
    return [(e["request"]["method"], urlsplit(e["request"]["url"]).path, e["response"]["status"]) for e in entries]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL (emptied first); default: a new SQLite file")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent schemathesis workers (default 2)")
    parser.add_argument("--max-examples", type=int, default=30, help="cases per operation and phase (default 30)")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    if not (BIN / "gunicorn").exists():
        print(f"gunicorn is not installed in {BIN.parent}: run  {BIN / 'pip'} install -e '.[prod]'", file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="igp-fuzz-"))
    url = args.database_url or f"sqlite:///{folder / 'igp.db'}"
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    env = {**os.environ, "IGP_ENV": "development", "IGP_DATABASE_URL": url, "IGP_INSTANCE_PATH": str(folder),
           "IGP_REQUIRE_TOTP": "0", "IGP_LOGIN_RATE_LIMIT": "100000 per minute",
           "IGP_RATELIMIT_STORAGE_URL": os.environ.get("IGP_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/5"),
           "IGP_AUDIT_WITNESS": str(folder / "audit-witness.log")}
    print(f"== fuzz: {kind}, gunicorn {args.workers} workers, {args.clients} concurrent clients; files in {folder}")
    prepare_database(url, folder, env)
    server = Gunicorn(env, args.workers, "sync", folder / "gunicorn.log", conf="config/gunicorn.py")
    started = time.monotonic()
    try:
        server.wait_healthy()
        main_har, token_har = folder / "api.har", folder / "auth-token.har"
        codes = [schemathesis(server.port, token(server.port, "fuzzer"), main_har, args, "--exclude-path", "/auth/token"),
                 schemathesis(server.port, token(server.port, "tokens"), token_har, args, "--include-path", "/auth/token")]
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    verify = subprocess.run([str(BIN / "flask"), "--app", "igp", "audit", "verify"], cwd=ROOT, env=env,
                            capture_output=True, text=True)

    entries = read_har(main_har) + read_har(token_har)
    statuses = Counter(status for _, _, status in entries)
    errors = Counter((method, path, status) for method, path, status in entries if status >= 500)
    operations = len({(method, path) for method, path, _ in entries})
    lines = [f"# API fuzz against a real server ({kind})", "",
             f"gunicorn {args.workers} sync workers (config/gunicorn.py), schemathesis {args.clients} concurrent "
             f"clients, both generation modes (positive and negative), phases {PHASES}, max {args.max_examples} "
             f"examples per operation and phase, seed {args.seed}; {elapsed:.0f} s.", "",
             f"* requests: **{len(entries)}** ({operations} distinct method + URL path)",
             f"* answers 5xx: **{sum(errors.values())}**",
             "* answers per status: " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())),
             f"* audit chain afterwards: {(verify.stdout or verify.stderr).strip()}",
             f"* schemathesis exit codes: {codes} (1 means a check failed; see the .log files next to the HAR)"]
    lines += [f"  * {method} {path}: {status} x{n}" for (method, path, status), n in sorted(errors.items())]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "bench" / "results" / f"fuzz-{kind}.md").write_text(report)
    return 1 if errors or verify.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
