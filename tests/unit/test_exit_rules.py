"""Pure rules of the complete uitstroom: outward handover steps, exit reasons and targets, and the
decision per open MDO action (hand-worked cases)."""
from __future__ import annotations

import pytest

from igp.coordination.rules import EXIT_REASONS, action_decision_problems, exit_problems
from igp.handover import rules


@pytest.mark.parametrize(("current", "event", "allowed"), [
    ("overdracht_gestart", "overdracht_aangeboden", True),
    ("overdracht_gestart", "overdracht_afgerond", True),
    ("overdracht_aangeboden", "overdrachtsgesprek_gepland", True),
    ("overdrachtsgesprek_gepland", "overdracht_afgerond", True),
    ("overdrachtsgesprek_gepland", "overdracht_aangeboden", False),   # no step back
    ("overdracht_gestart", "gezin_ziet_af", True),                    # the side exits end it too
    ("overdracht_gestart", "intake_gepland", False),                  # not the inward intake steps
    ("overdracht_gestart", "contact_gelegd", False),
    ("overdracht_afgerond", "contactpoging", False),                  # closed
])
def test_outward_steps(current, event, allowed):
    assert (rules.transition_error(current, event, has_explicit_at=False, direction="uit") is None) is allowed


def test_inward_handover_refuses_the_outward_steps():
    assert "geen stap van de overdracht naar de IGP" in rules.transition_error(
        "aangemeld", "overdracht_afgerond", has_explicit_at=False)
    assert rules.transition_error("aangemeld", "contact_gelegd", has_explicit_at=False) is None


def test_outward_closing_step_closes_and_is_the_term_step():
    assert "overdracht_afgerond" in rules.CLOSED_STATUSES and "overdracht_afgerond" in rules.HELD_STEPS
    assert set(rules.OUTWARD_STEPS) - {"overdracht_afgerond"} <= set(rules.OPEN_STATUSES)
    assert not set(rules.OUTWARD_STEPS) & set(rules.STEPS)


def test_new_targets_and_reasons_keep_the_old_codes():
    for code in ("reguliere_jgz", "wijkteam", "anders", "huisarts", "eerstelijnsverloskundige", "kraamzorg",
                 "informele_steun", "lokaal_team", "jgz_elders"):
        assert code in rules.OUTWARD_TARGETS
    for code in ("doelen_bereikt", "leeftijdsgrens", "verhuisd", "gezin_stopt", "overgedragen", "overlijden",
                 "zwangerschap_beeindigd", "niet_bereikbaar", "doorverwezen", "geen_hulp_gewenst"):
        assert code in EXIT_REASONS


def test_exit_problems():
    assert exit_problems(None, "huisarts", None) == {"reason": "Kies de reden van de uitstroom."}
    assert set(exit_problems("doorverwezen", None, None)) == {"target"}
    assert set(exit_problems("overlijden", None, None)) == set()
    assert set(exit_problems("verhuisd", "anders", None)) == {"target_name"}


def test_action_decisions():
    open_ids = [1, 2, 3]
    good = [(1, "afsluiten", None, None), (2, "overdragen", 7, None), (3, "openhouden", None, "loopt nog")]
    assert action_decision_problems(open_ids, good) == {}
    assert set(action_decision_problems(open_ids, good[:2])) == {"actions"}          # action 3 undecided
    assert action_decision_problems(open_ids, good[:2], legacy_confirm=True) == {}   # old flag: stays open
    assert set(action_decision_problems(open_ids, [good[0], (2, "overdragen", None, None),
                                                   (3, "openhouden", None, "  ")])) == \
        {"actions[1].owner_id", "actions[2].reason"}
    assert set(action_decision_problems(open_ids, [*good, (9, "afsluiten", None, None)])) == {"actions[3].id"}
    assert set(action_decision_problems(open_ids, [*good, (1, "afsluiten", None, None)])) == {"actions[3].id"}
    assert set(action_decision_problems(open_ids, [(1, "weg", None, None), *good[1:]])) == {"actions[0].decision"}
    assert action_decision_problems([], []) == {}
