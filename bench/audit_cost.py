#!/usr/bin/env python3
"""What one audit entry costs (issue 21): queueing it (`audit.record` inside a request), chaining it
(canonical serialisation + HMAC, `entry_hash`) and the whole commit of N entries (chain + one
multi-row INSERT + head update) on an in-memory SQLite database. Microseconds per entry, CPU only
(no network, no PostgreSQL): the part of a list page's cost that the audit log adds.

    .venv/bin/python bench/audit_cost.py --entries 200 --rounds 20
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _best(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.2f} µs, best {min(samples):.2f} µs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200, help="entries per round (a list page's worth)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from config import Testing
    from igp import create_app
    from igp.audit import services as audit
    from igp.auth.models import Organisation, User, UserRole
    from igp.extensions import db

    app = create_app(Testing(SQLALCHEMY_DATABASE_URI="sqlite://", GUARD_TEMPLATES=False))
    with app.app_context():
        db.create_all()
        org = Organisation(name="Meetorganisatie", domain="jgz")
        user = User(username="meet.gebruiker", name="Meet Gebruiker", organisation=org, password_hash="x",
                    role_rows=[UserRole(role="jeugdverpleegkundige")])
        db.session.add_all([org, user])
        db.session.commit()
        queue, chain, commit = [], [], []
        with app.test_request_context("/mijn-gezinnen", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) "
                                                                               "Gecko/20100101 Firefox/128.0"}):
            for _ in range(args.rounds):
                t = time.perf_counter()
                for i in range(args.entries):
                    audit.record("read", user=user, object_type="family", object_id=1000 + i,
                                 family_pseudonym=f"IGP-{i:06d}", shown=["naw"], withheld=[],
                                 consent_ids=[i, i + 1], detail="web: list mijn gezinnen")
                queue.append((time.perf_counter() - t) * 1e6 / args.entries)
                entries = [dict(e, seq=n, prev_hash=audit.GENESIS) for n, e in
                           enumerate(db.session.info[audit.PENDING_KEY], 1)]
                key = app.config["AUDIT_CHAIN_KEY"].encode()
                t = time.perf_counter()
                for entry in entries:
                    audit.entry_hash(entry, key)
                chain.append((time.perf_counter() - t) * 1e6 / args.entries)
                t = time.perf_counter()
                db.session.commit()
                commit.append((time.perf_counter() - t) * 1e6 / args.entries)
        result = audit.verify_chain(witness_files=[])
    print(f"audit entry cost over {args.rounds} rounds of {args.entries} entries (CPU, in-memory SQLite):")
    print(f"  record() (queue one entry in a request):        {_best(queue)}")
    print(f"  entry_hash() (canonical form + HMAC-SHA256):    {_best(chain)}")
    print(f"  commit (chain + multi-row INSERT + head), each: {_best(commit)}")
    print(f"  verify: {result.message()}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
