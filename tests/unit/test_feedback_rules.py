"""Terugkoppeling rules (igp.handover.rules), hand-worked: who may record it, and that it may not be
dated before the event it reports on nor in the future."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from igp.handover import rules

MDO = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)    # 13:00 in Amsterdam
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SLACK = timedelta(minutes=5)


def problems(at, *, method="telefoon", note=None):
    return rules.family_feedback_problems(method=method, note=note, at=at, event_at=MDO, event_label="het MDO",
                                          event_when="24-11-2026 13:00", now=NOW, slack=SLACK)


@pytest.mark.parametrize("at,field", [
    (MDO - timedelta(minutes=1), "at"),      # a minute before the meeting began
    (MDO, None),                             # at the start itself: allowed
    (MDO + timedelta(hours=2), None),
    (NOW, None),
    (NOW + timedelta(minutes=5), None),      # clock slack
    (NOW + timedelta(minutes=6), "at"),      # in the future
])
def test_the_date_may_not_precede_the_event(at, field):
    found = problems(at)
    assert (next(iter(found)) if found else None) == field


def test_the_message_names_the_event_and_its_moment():
    assert problems(MDO - timedelta(days=1)) == {
        "at": "Het moment van de terugkoppeling ligt vóór het MDO (24-11-2026 13:00): koppel pas terug na de gebeurtenis."}


def test_not_applicable_needs_a_note():
    assert problems(NOW, method="nvt") == {"note": "Licht toe waarom terugkoppeling niet van toepassing is."}
    assert problems(NOW, method="nvt", note="Verwijzer is met pensioen") == {}


@pytest.mark.parametrize("roles,kinds,allowed", [
    ({"jeugdverpleegkundige"}, {"coordinator"}, True),
    ({"sociaal_werker"}, {"substitute"}, True),                        # acting substitute, any role
    ({"planner"}, {"coordinator"}, True),                               # the coordinator, whatever the role
    ({"gynaecoloog"}, {"registering_organisation"}, True),
    ({"mmw"}, {"registering_organisation", "core_team"}, True),
    ({"planner"}, {"registering_organisation"}, False),                 # not a care role
    ({"informele_steun"}, {"registering_organisation"}, False),
    ({"sociaal_werker"}, {"core_team"}, False),                         # core team of another organisation
    ({"kinderarts"}, {"mdo_attendee"}, False),
    ({"gynaecoloog"}, set(), False),
])
def test_who_may_record(roles, kinds, allowed):
    assert rules.may_record_feedback(roles, kinds) is allowed
