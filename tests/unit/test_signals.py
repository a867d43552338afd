"""The deadline and age-limit signals as pure rules: no app, no database.

What a coordinator relies on: the warm handover's term of 5 working days ends on the right day
(weekends and Dutch holidays skipped), the handover turns 'risico' before it turns 'te_laat',
the count of working days left agrees with the signal, the SQL bound (risk_limit) gives the same
answer as signal() and a child's age limit (24 months: the first 1000 days) falls on the day of
the second birthday. Every date below was counted by hand on a calendar.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from igp.families.rules import (
    Criteria,
    TargetGroupCase,
    add_months,
    child_problems,
    in_first_1000_days,
)
from igp.handover.rules import deadline_for, risk_limit, signal, workdays_left
from igp.workdays import WorkCalendar

CAL = WorkCalendar()


def _id(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
TERM = 5  # the guide's "binnen 5 werkdagen" (setting handover_term_workdays)


# ------------------------------------------------------------------ the term of the warm handover

@pytest.mark.parametrize("referred, deadline", [
    (date(2026, 11, 23), date(2026, 11, 30)),   # Monday -> next Monday
    (date(2026, 11, 27), date(2026, 12, 4)),    # Friday -> next Friday
    (date(2026, 11, 28), date(2026, 12, 4)),    # Saturday counts from Monday: same as Friday
    (date(2026, 11, 29), date(2026, 12, 4)),    # Sunday too
    (date(2026, 12, 22), date(2026, 12, 30)),   # 1e Kerstdag (Fri 25-12) skipped; 26-12 is a Saturday
    (date(2026, 12, 24), date(2027, 1, 4)),     # Kerst and Nieuwjaarsdag (Fri 01-01-2027) skipped
    (date(2026, 4, 1), date(2026, 4, 10)),      # Goede Vrijdag (03-04) and 2e Paasdag (06-04) skipped
    (date(2026, 4, 24), date(2026, 5, 4)),      # Koningsdag Monday 27-04-2026 skipped
    (date(2026, 4, 30), date(2026, 5, 8)),      # Bevrijdingsdag Tuesday 05-05-2026 skipped (every year)
    (date(2026, 5, 11), date(2026, 5, 19)),     # Hemelvaartsdag Thursday 14-05-2026 skipped
    (date(2026, 5, 22), date(2026, 6, 1)),      # 2e Pinksterdag Monday 25-05-2026 skipped
], ids=_id)
def test_the_handover_term_is_five_working_days_after_the_referral(referred, deadline):
    assert deadline_for(referred, TERM, CAL) == deadline


def test_a_closing_day_and_a_switched_off_holiday_move_the_deadline():
    closed = WorkCalendar(closing_days=frozenset({date(2026, 11, 26)}))
    assert deadline_for(date(2026, 11, 23), TERM, closed) == date(2026, 12, 1)
    koningsdag_worked = WorkCalendar(disabled_holidays=frozenset({"koningsdag"}))
    assert deadline_for(date(2026, 4, 24), TERM, koningsdag_worked) == date(2026, 5, 1)


# ------------------------------------------------------------------ the signal of an open handover

DEADLINE = date(2026, 11, 30)   # Monday: the term of a referral on Monday 23-11-2026


@pytest.mark.parametrize("today, expected, left", [
    (date(2026, 11, 23), "op_schema", 5),
    (date(2026, 11, 26), "op_schema", 2),   # Thursday: two working days left
    (date(2026, 11, 27), "risico", 1),      # Friday: one working day left is a risk
    (date(2026, 11, 28), "risico", 1),      # Saturday: still one working day (Monday) left
    (date(2026, 11, 29), "risico", 1),
    (date(2026, 11, 30), "risico", 0),      # the last day of the term: not late yet
    (date(2026, 12, 1), "te_laat", -1),
    (date(2026, 12, 2), "te_laat", -2),
], ids=_id)
def test_signal_and_working_days_left(today, expected, left):
    assert signal(DEADLINE, today, CAL) == expected
    assert workdays_left(DEADLINE, today, CAL) == left


def test_a_handover_turns_risico_before_it_turns_te_laat():
    """Day by day from the referral on: op_schema, then risico, then te_laat; never straight
    from op_schema to te_laat, and te_laat only once the deadline has passed."""
    for referred in (date(2026, 11, 23), date(2026, 12, 22), date(2026, 4, 30)):
        deadline = deadline_for(referred, TERM, CAL)
        days = [referred + timedelta(days=n) for n in range(15)]
        seen = [signal(deadline, day, CAL) for day in days]
        order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
        assert order == ["op_schema", "risico", "te_laat"], (referred, seen)
        assert all((s == "te_laat") == (day > deadline) for day, s in zip(days, seen))
        assert signal(deadline, deadline, CAL) == "risico"


def test_the_risk_period_follows_the_setting():
    assert signal(DEADLINE, date(2026, 11, 26), CAL, risk_workdays=2) == "risico"
    assert signal(DEADLINE, date(2026, 11, 25), CAL, risk_workdays=2) == "op_schema"
    assert signal(DEADLINE, date(2026, 11, 27), CAL, risk_workdays=0) == "op_schema"
    assert signal(DEADLINE, date(2026, 11, 30), CAL, risk_workdays=0) == "risico"


def test_late_is_at_least_one_working_day_also_over_a_weekend():
    friday = date(2026, 12, 4)
    assert workdays_left(friday, date(2026, 12, 5), CAL) == -1   # Saturday after a Friday deadline
    assert workdays_left(friday, date(2026, 12, 7), CAL) == -1   # Monday
    assert workdays_left(friday, date(2026, 12, 8), CAL) == -2


@pytest.mark.parametrize("risk_workdays", [0, 1, 2, 3])
def test_the_sql_bound_agrees_with_the_signal(risk_workdays):
    """Lists filter with risk_limit() in SQL; a row must get the same signal as signal() gives."""
    start = date(2026, 12, 18)
    for t in range(20):
        today = start + timedelta(days=t)
        limit = risk_limit(today, CAL, risk_workdays)
        for d in range(-5, 20):
            deadline = today + timedelta(days=d)
            by_bound = "te_laat" if deadline < today else "risico" if deadline < limit else "op_schema"
            assert by_bound == signal(deadline, today, CAL, risk_workdays), (today, deadline)


# ------------------------------------------------------------------ the age limit (first 1000 days)

def _postnatal(reference: date, *births: date) -> TargetGroupCase:
    return TargetGroupCase(phase="postnatal", vulnerabilities=frozenset({"financien"}),
                           medical_reasons=frozenset({"prematuriteit"}), high_risk=False,
                           reference_date=reference, child_birth_dates=births)


def test_the_age_limit_is_reached_on_the_second_birthday():
    born = date(2024, 11, 24)
    assert in_first_1000_days(_postnatal(date(2026, 11, 23), born), Criteria()) == (
        True, "Jongste kind is jonger dan 24 maanden.", "binnen_leeftijd")
    assert in_first_1000_days(_postnatal(date(2026, 11, 24), born), Criteria()) == (
        False, "Jongste kind is 24 maanden of ouder (leeftijdsgrens).", "boven_leeftijd")


def test_the_youngest_child_counts_and_a_partnership_may_widen_the_limit():
    older, younger = date(2023, 1, 10), date(2025, 6, 1)
    assert in_first_1000_days(_postnatal(date(2026, 11, 24), older, younger), Criteria())[0] is True
    assert in_first_1000_days(_postnatal(date(2026, 11, 24), older), Criteria())[0] is False
    assert in_first_1000_days(_postnatal(date(2026, 1, 9), older), Criteria(age_limit_months=36))[0] is True
    assert in_first_1000_days(_postnatal(date(2026, 1, 10), older), Criteria(age_limit_months=36))[0] is False


def test_a_child_born_on_the_29th_of_february_reaches_the_limit_on_the_28th():
    assert add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 24), 2) == date(2027, 1, 24)


def test_aanmelding_refuses_an_index_child_at_the_age_limit_but_keeps_a_sibling_of_any_age():
    class Child:
        def __init__(self, birth_date, sibling=False):
            self.birth_date, self.sibling = birth_date, sibling

    today = date(2026, 11, 24)
    assert child_problems([Child(date(2024, 11, 25))], today, 24) == {}
    assert child_problems([Child(date(2024, 11, 24))], today, 24) == {
        "children[0].birth_date": "Dit kind is 24 maanden of ouder: boven de leeftijdsgrens van de IGP. Is het een "
                                  "broer of zus? Vink dan 'broer of zus' aan."}
    # a 3-year-old sibling of a neonatology baby: kept, and the family stays within the window
    assert child_problems([Child(date(2026, 11, 1)), Child(date(2023, 6, 1), sibling=True)], today, 24) == {}
    # a correction of a known family: the existing (now older) index child no longer blocks adding a baby
    old, baby = Child(date(2024, 1, 1)), Child(date(2026, 11, 20))
    assert child_problems([old, baby], today, 24, existing=1, sent=[{"name": "x"}, {"birth_date": "x"}]) == {}
    assert "children[0].birth_date" in child_problems([old, baby], today, 24, existing=1,
                                                      sent=[{"birth_date": "x"}, {"birth_date": "x"}])
