"""Planning a series or an MDO: every field is validated before anything is refused or stored, the
quorum roles are real roles, and series and ad-hoc meetings share one quorum default (a setting)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from igp.admin.services import update_settings
from igp.errors import ValidationError
from igp.extensions import db
from igp.mdo import services as mdo
from igp.mdo.models import MdoMeeting, MdoSeries


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_series_reports_link_and_location_with_the_other_errors(network, clock):
    before = _count(MdoSeries), _count(MdoMeeting)
    with pytest.raises(ValidationError) as refused:
        mdo.create_series(network.chair, {"poli": "pop", "rhythm": "wekelijks", "first_date": "2026-12-08",
                                          "start_time": "9 uur", "video_link": "http://meet.example/mdo",
                                          "location": "x" * 500})
    assert set(refused.value.errors) >= {"start_time", "video_link", "location"}
    assert refused.value.errors["video_link"] == "De videolink moet een https-adres zijn."
    assert (_count(MdoSeries), _count(MdoMeeting)) == before


def test_series_with_a_poli_error_and_a_bad_member_names_both(network, clock):
    with pytest.raises(ValidationError) as refused:
        mdo.create_series(network.chair, {"poli": "bestaat-niet", "rhythm": "wekelijks",
                                          "first_date": "2026-12-08", "member_ids": [999999]})
    assert set(refused.value.errors) >= {"poli", "member_ids"}


@pytest.mark.parametrize("create", ["meeting", "series"])
def test_unknown_quorum_role_is_refused(network, clock, create):
    data = {"poli": "pop", "quorum_roles": ["astronaut"]}
    data.update({"starts_at": "2026-12-08T13:00"} if create == "meeting"
                else {"rhythm": "wekelijks", "first_date": "2026-12-08"})
    with pytest.raises(ValidationError) as refused:
        (mdo.create_meeting if create == "meeting" else mdo.create_series)(network.chair, data)
    assert "quorum_roles" in refused.value.errors and "astronaut" in refused.value.errors["quorum_roles"]


def test_one_quorum_default_for_series_and_meetings_configurable_per_igp(network, clock):
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-12-08T13:00"})
    series = mdo.create_series(network.chair, {"poli": "pop", "rhythm": "wekelijks", "first_date": "2026-12-09"})
    assert meeting.quorum_domains == series.quorum_domains == ["zorg", "jgz", "sociaal"]
    assert meeting.quorum_roles == series.quorum_roles == []
    generated = db.session.scalars(select(MdoMeeting).where(MdoMeeting.series_id == series.id)).all()
    assert generated and all(m.quorum_domains == ["zorg", "jgz", "sociaal"] for m in generated)
    update_settings({"mdo_quorum_domains": ["zorg", "jgz"], "mdo_quorum_roles": ["jeugdverpleegkundige"]})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-12-10T13:00"})
    series = mdo.create_series(network.chair, {"poli": "pop", "rhythm": "wekelijks", "first_date": "2026-12-11"})
    assert meeting.quorum_domains == series.quorum_domains == ["zorg", "jgz"]
    assert meeting.quorum_roles == series.quorum_roles == ["jeugdverpleegkundige"]
    explicit = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-12-14T13:00",
                                                  "quorum_domains": [], "quorum_roles": []})
    assert explicit.quorum_domains == [] and explicit.quorum_roles == []   # "no quorum" is a choice, kept


def test_quorum_setting_refuses_unknown_codes(network):
    with pytest.raises(ValidationError) as refused:
        update_settings({"mdo_quorum_roles": ["astronaut"]})
    assert "mdo_quorum_roles" in refused.value.errors
