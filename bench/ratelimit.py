#!/usr/bin/env python3
"""How many sign-in attempts per minute get through the per-address limit (issue 20), measured
through gunicorn with the shipped configuration (config/gunicorn.py: 4 sync workers):

* with the shared store (Redis): the limit holds for all workers together;
* with memory:// (what the issue measured): every worker counts on its own;
* and that production refuses to start with memory:// and more than one worker.

    .venv/bin/python bench/ratelimit.py [--attempts 80] [--redis redis://127.0.0.1:6379/5]

Each attempt is a new connection (gunicorn's sync workers spread them) to POST /api/v1/auth/token
with an unknown username, all from one client address (X-Forwarded-For, behind one trusted proxy;
a fresh address per run, so counters of an earlier run do not count). The limit is the default,
IGP_LOGIN_RATE_LIMIT "20 per minute;200 per hour". Writes bench/results/ratelimit.md.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from run import BIN, ROOT, Gunicorn

LIMIT = "20 per minute;200 per hour"


def attempts(port: int, n: int, address: str) -> tuple[Counter, float, set[str]]:
    import http.client

    statuses: Counter = Counter()
    retry_after: set[str] = set()
    started = time.monotonic()
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"username": f"onbekend{random.randrange(10**9)}", "password": "fout wachtwoord 1"})
        conn.request("POST", "/api/v1/auth/token", body=body,
                     headers={"Content-Type": "application/json", "X-Forwarded-For": address})
        response = conn.getresponse()
        response.read()
        statuses[response.status] += 1
        if response.status == 429:
            retry_after.add(response.getheader("Retry-After") or "(none)")
        conn.close()
    return statuses, time.monotonic() - started, retry_after


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=80)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="igp-ratelimit-"))
    base = {**os.environ, "IGP_ENV": "development", "IGP_DATABASE_URL": f"sqlite:///{folder / 'igp.db'}",
            "IGP_INSTANCE_PATH": str(folder), "IGP_REQUIRE_TOTP": "0", "IGP_LOGIN_RATE_LIMIT": LIMIT,
            "IGP_TRUSTED_PROXIES": "1", "IGP_AUDIT_WITNESS": "off"}
    subprocess.run([str(BIN / "flask"), "--app", "igp", "db", "upgrade"], cwd=ROOT, env=base, check=True,
                   capture_output=True)
    lines = ["# Sign-in rate limit across gunicorn workers", "",
             f"Limit per client address: {LIMIT}; {args.attempts} attempts (POST /api/v1/auth/token, unknown "
             f"usernames) from one address, gunicorn with config/gunicorn.py and {args.workers} sync workers.", "",
             "| store | let through (not 429) | refused (429) | Retry-After | seconds |", "|---|---|---|---|---|"]
    for store in (args.redis, "memory://"):
        env = {**base, "IGP_RATELIMIT_STORAGE_URL": store}
        server = Gunicorn(env, args.workers, "sync", folder / "gunicorn.log", conf="config/gunicorn.py")
        try:
            server.wait_healthy()
            address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            statuses, seconds, retry = attempts(server.port, args.attempts, address)
        finally:
            server.stop()
        through = sum(n for status, n in statuses.items() if status != 429)
        lines.append(f"| `{store}` | {through} | {statuses[429]} | {', '.join(sorted(retry)) or '-'} | {seconds:.1f} |")
        print(lines[-1], flush=True)
    # production with memory:// and several workers: refused before a worker starts
    production = {**base, "IGP_ENV": "production", "IGP_RATELIMIT_STORAGE_URL": "memory://"}
    proc = subprocess.run([str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "--workers", str(args.workers),
                           "--bind", "127.0.0.1:0", "igp:create_app()"], cwd=ROOT, env=production,
                          capture_output=True, text=True, timeout=60)
    refusal = next((line for line in (proc.stdout + proc.stderr).splitlines() if "refusing to start" in line),
                   (proc.stdout + proc.stderr).strip()[-300:])
    lines += ["", f"Production with memory:// and {args.workers} workers: gunicorn exits with code {proc.returncode}: "
              f"`{refusal.strip()}`"]
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "bench" / "results" / "ratelimit.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
