"""MDO minutes work: the designated minute taker (here the planner, whose own need-to-know is NAW
only) writes the minutes and outcomes of the items whose family's consent covers the MDO; not of
an item discussed anonymously; another planner, who does not take the minutes, cannot."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from igp.errors import Forbidden, NotFound
from igp.extensions import db
from igp.mdo import readmodels
from igp.mdo import services as mdo

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def meeting(network, register, clock):
    clock.set(at("2026-11-23T10:00"))
    consented = register(network.jvk, consent=CONSENT)
    anonymous = register(network.jvk)                       # no consent for the MDO
    clock.set(at("2026-11-24T09:00"))
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T13:00",
                                                 "minute_taker_id": network.planner.id})
    mdo.add_item(network.planner, meeting.id, {"family_id": consented.id})
    mdo.add_item(network.planner, meeting.id, {"family_id": anonymous.id, "anonymous": True})
    db.session.commit()
    clock.set(at("2026-11-24T13:10"))
    items = {i.family_id: i for i in meeting.items}
    return meeting, items[consented.id], items[anonymous.id]


def test_the_planner_as_minute_taker_writes_minutes_and_outcomes_of_a_consented_family(network, meeting):
    meeting, item, _ = meeting
    mdo.save_minutes(network.planner, item.id, "Moeder heeft hulp bij de schulden gevraagd.")
    mdo.add_outcome(network.planner, item.id, {"kind": "besluit", "text": "Schuldhulp inschakelen"})
    db.session.commit()
    _, views = readmodels.meeting_page(network.planner, meeting.id)
    view = next(v for v in views if v.id == item.id)
    assert view.may_minutes and view.minutes == "Moeder heeft hulp bij de schulden gevraagd."
    assert [o.text for o in view.outcomes] == ["Schuldhulp inschakelen"]


def test_the_minute_taker_writes_nothing_for_an_item_without_mdo_consent(network, meeting):
    meeting, _, anonymous = meeting
    with pytest.raises((Forbidden, NotFound)):
        mdo.save_minutes(network.planner, anonymous.id, "Mag niet")
    db.session.rollback()
    _, views = readmodels.meeting_page(network.planner, meeting.id)
    view = next(v for v in views if v.id == anonymous.id)
    assert not view.may_minutes and view.minutes is None


def test_another_planner_who_does_not_take_the_minutes_cannot(network, meeting, make_user):
    meeting, item, _ = meeting
    other = make_user("planner", org=network.planner.organisation)
    with pytest.raises((Forbidden, NotFound)):
        mdo.save_minutes(other, item.id, "Mag niet")
    db.session.rollback()
    with pytest.raises((Forbidden, NotFound)):
        mdo.add_outcome(other, item.id, {"kind": "besluit", "text": "Mag niet"})
    db.session.rollback()
    _, views = readmodels.meeting_page(other, meeting.id)
    assert not next(v for v in views if v.id == item.id).may_minutes


def test_the_minute_taker_reads_only_the_minutes_outside_the_meeting_window(network, meeting, clock):
    """After the read window the minute taker is no longer involved; in it she needs no more than
    the minutes (no medical or other categories through taking the minutes)."""
    meeting, item, _ = meeting
    _, views = readmodels.meeting_page(network.planner, meeting.id)
    family = next(v for v in views if v.id == item.id).family
    assert family.may("mdo_notulen") and not family.may("consultverslagen")
    clock.set(at("2027-01-10T10:00"))
    _, views = readmodels.meeting_page(network.planner, meeting.id)
    assert not next(v for v in views if v.id == item.id).may_minutes
