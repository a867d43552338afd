"""The audit chain's head is taken by one appender at a time (PostgreSQL, two real connections).

The head row is read and locked in one statement (SELECT ... FOR UPDATE); only the very first append,
when there is no row yet, takes the advisory lock. Both ways a second appender must wait until the
first commits and then continue from the first one's head: otherwise two entries get the same
sequence number and the chain forks. The tables live in a schema of their own, so the commits here
touch nothing of the other tests.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from igp.audit.models import AuditHead
from igp.audit.services import _lock_head, head_seal

pytestmark = pytest.mark.skipif(not os.environ.get("IGP_TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="row and advisory locks between connections: PostgreSQL only")

KEY = b"test-chain-key"


@pytest.fixture
def engine(database_url):
    schema = f"audit_lock_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(database_url, connect_args={"options": f"-csearch_path={schema}"})
    AuditHead.__table__.create(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _advance(head: AuditHead, to: int) -> None:
    head.last_seq, head.last_hash = to, f"{to:064x}"
    head.seal = head_seal(to, head.last_hash, KEY)


def _second_appender(engine, waiting: threading.Event, seen: list) -> None:
    with Session(engine) as session:
        waiting.set()
        head = _lock_head(session, KEY)     # blocks while the first appender holds the head
        seen.append(head.last_seq)
        _advance(head, head.last_seq + 1)
        session.commit()


def _race(engine, first: Session) -> list:
    """Start a second appender while ``first`` holds the head; it must still be waiting after a while."""
    waiting, seen = threading.Event(), []
    thread = threading.Thread(target=_second_appender, args=(engine, waiting, seen))
    thread.start()
    assert waiting.wait(5)
    time.sleep(0.5)
    assert seen == [], "the second appender read the head while the first still held it"
    first.commit()
    thread.join(10)
    assert not thread.is_alive()
    return seen


def _final_seq(engine) -> list:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT last_seq FROM audit_head"))]


def test_an_appender_waits_for_the_one_holding_the_head_and_continues_from_its_head(engine):
    with Session(engine) as setup:
        _lock_head(setup, KEY)
        setup.commit()                      # the head row exists (sequence 0)
    with Session(engine) as first:
        _advance(_lock_head(first, KEY), 5)
        first.flush()
        seen = _race(engine, first)
    assert seen == [5]                      # not the 0 it would have read without waiting
    assert _final_seq(engine) == [6]


def test_the_very_first_appenders_wait_on_the_advisory_lock(engine):
    with Session(engine) as first:
        head = _lock_head(first, KEY)       # no row yet: the advisory lock, then a new head
        assert head.last_seq == 0
        _advance(head, 3)
        first.flush()
        seen = _race(engine, first)
    assert seen == [3]                      # it read the first one's head, and made no second row
    assert _final_seq(engine) == [4]
