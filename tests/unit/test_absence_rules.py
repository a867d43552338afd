"""Pure rules of issue 19's absence work: the substitute's load warning, the return summary's
period, and who sets an MDO action's status on whose behalf."""
from datetime import date

from igp.coordination import rules
from igp.mdo.rules import action_status_on_behalf_of


def test_the_load_warning_only_past_the_threshold():
    assert rules.substitute_load_warning("X", 30, 30, 60) is None
    assert "61 actieve gezinnen" in rules.substitute_load_warning("X", 30, 31, 60)


def test_the_return_summary_from_the_first_day_back_for_fourteen_days():
    ended = date(2026, 11, 27)
    assert not rules.return_summary_period(ended, date(2026, 11, 27))
    assert rules.return_summary_period(ended, date(2026, 11, 28))
    assert rules.return_summary_period(ended, date(2026, 12, 11))
    assert not rules.return_summary_period(ended, date(2026, 12, 12))


def test_who_sets_an_action_and_for_whom():
    # actor 9, owner 1, coordinator 2, chair 3
    assert action_status_on_behalf_of(1, 1, 2, 3, []) == (True, None)
    assert action_status_on_behalf_of(3, 1, 2, 3, []) == (True, None)
    assert action_status_on_behalf_of(9, 1, 2, 3, [1]) == (True, 1)   # stands in for the owner
    assert action_status_on_behalf_of(9, 1, 2, 3, [2]) == (True, 2)   # stands in for the coordinator
    assert action_status_on_behalf_of(9, 1, 2, 3, [5]) == (False, None)
    assert action_status_on_behalf_of(9, 1, None, None, []) == (False, None)
