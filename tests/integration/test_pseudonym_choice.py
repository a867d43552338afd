"""A new family's pseudonym (issue 21): free, and found in one statement even when candidates are
taken, so an aanmelding makes the same number of statements however many families exist."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from igp.extensions import db
from igp.families import rules, services


@pytest.fixture
def family_selects(app):
    seen = []

    def counter(conn, cursor, statement, *_args):
        if "FROM family" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", counter)
    yield seen
    event.remove(db.engine, "before_cursor_execute", counter)


def test_taken_candidates_are_skipped_in_one_statement(network, register, monkeypatch, family_selects):
    taken = [register(network.gyn).pseudonym, register(network.gyn).pseudonym]
    drawn = iter([taken[0], taken[1], taken[0], "GZ-ZZZZ2", "GZ-ZZZZ3"])
    monkeypatch.setattr(rules, "new_pseudonym", lambda length=5: next(drawn))
    family_selects.clear()
    chosen = services._new_pseudonym()
    assert chosen == "GZ-ZZZZ2"        # the first candidate that no family has
    assert len(family_selects) == 1    # all candidates in one statement


def test_a_full_round_of_taken_candidates_draws_again(network, register, monkeypatch):
    taken = register(network.gyn).pseudonym
    drawn = iter([taken] * services.PSEUDONYM_CANDIDATES + ["GZ-ZZZZ7"] * services.PSEUDONYM_CANDIDATES)
    monkeypatch.setattr(rules, "new_pseudonym", lambda length=5: next(drawn))
    assert services._new_pseudonym() == "GZ-ZZZZ7"


def test_registered_families_get_distinct_pseudonyms(network, register):
    pseudonyms = {register(network.gyn).pseudonym for _ in range(5)}
    assert len(pseudonyms) == 5 and all(p.startswith("GZ-") and len(p) == 8 for p in pseudonyms)
