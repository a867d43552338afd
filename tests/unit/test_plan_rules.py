"""The gezinsplan's pure rules, hand-worked: the referral status order, the evaluation date, who writes."""
from __future__ import annotations

from datetime import date

import pytest

from igp.plan import rules


@pytest.mark.parametrize(("old", "new", "backwards"), [
    ("aangevraagd", "gestart", False),      # a step may be skipped
    ("aangevraagd", "wachtlijst", False),
    ("wachtlijst", "gestart", False),
    ("gestart", "afgerond", False),
    ("gestart", "gestart", False),
    ("aangevraagd", "afgewezen", False),    # the side exit
    ("gestart", "afgewezen", False),
    ("gestart", "aangevraagd", True),
    ("gestart", "wachtlijst", True),
    ("afgerond", "gestart", True),
    ("afgewezen", "aangevraagd", True),     # leaving the side exit
    ("afgerond", "afgewezen", True),
])
def test_the_order_of_a_referrals_status(old, new, backwards):
    assert rules.is_backwards(old, new) is backwards


def test_going_back_needs_a_reason():
    assert "geef de reden" in rules.referral_change_problem("gestart", "wachtlijst", None)
    assert rules.referral_change_problem("gestart", "wachtlijst", "kort") is not None      # under 5 characters
    assert rules.referral_change_problem("gestart", "wachtlijst", "Hulp gestopt, weer wachten") is None
    assert rules.referral_change_problem("aangevraagd", "gestart", None) is None
    assert rules.referral_change_problem(None, "afgerond", None) is None                   # a new referral


def test_the_evaluation_date_lies_on_or_after_the_start():
    start = date(2026, 11, 24)
    assert rules.evaluation_problem(start, date(2026, 11, 23)) == "De evaluatiedatum ligt vóór de startdatum van het plan."
    assert rules.evaluation_problem(start, start) is None
    assert rules.evaluation_problem(start, date(2027, 2, 24)) is None


def test_the_evaluation_is_overdue_the_day_after_its_date():
    evaluation = date(2026, 11, 24)
    assert not rules.evaluation_overdue(evaluation, date(2026, 11, 24))
    assert rules.evaluation_overdue(evaluation, date(2026, 11, 25))
    assert not rules.evaluation_overdue(None, date(2026, 11, 25))


def test_who_writes_the_plan():
    assert rules.may_write_plan({"jeugdverpleegkundige"}, {"coordinator"})
    assert rules.may_write_plan({"jeugdverpleegkundige"}, {"substitute"})
    assert rules.may_write_plan({"sociaal_werker"}, {"core_team"})
    assert not rules.may_write_plan({"gynaecoloog"}, {"registering_organisation"})   # registering alone
    assert not rules.may_write_plan({"planner"}, {"core_team"})
    assert not rules.may_write_plan({"informele_steun"}, {"core_team"})
    assert not rules.may_write_plan({"kinderarts"}, {"mdo_attendee"})


def test_the_status_history_gets_one_line_per_change():
    today = date(2026, 11, 24)
    first = rules.status_dates([], "aangevraagd", today, None)
    assert first == [{"status": "aangevraagd", "on": "2026-11-24", "reason": None}]
    assert rules.status_dates(first, "aangevraagd", date(2026, 11, 30), None) == first
    assert rules.status_dates(first, "gestart", date(2026, 11, 30), None)[-1] == {
        "status": "gestart", "on": "2026-11-30", "reason": None}
