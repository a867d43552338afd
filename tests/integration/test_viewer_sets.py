"""The viewer's own sets (igp.sharing.involvement.viewer_sets, issue 21): the families of the user's
core teams, of the MDOs they attend and take the minutes of, and the coordinators they stand in for,
read in one statement per request. The rules each set carries are tested here through the API, as
the attendee, the minute taker and the substitute meet them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from igp import clock as app_clock
from igp.coordination import services as coordination
from igp.extensions import db
from igp.mdo import services as mdo
from igp.sharing import involvement

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}

def _status(api, user, family) -> int:
    return api(user).get(f"/api/v1/families/{family.id}").status_code

def test_an_attendee_prepares_before_the_mdo_but_reads_after_it_only_when_marked_present(network, register, api,
                                                                                      clock):
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-26T10:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.sw.id, "status": "uitgenodigd"}]})
    db.session.commit()
    assert _status(api, network.sw, family) == 200, "an invited kernteam member prepares the MDO"

    clock.advance(days=3)  # the meeting is over; she was never marked present
    assert _status(api, network.sw, family) == 404, "after the MDO an attendee not marked present reads on"

    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.sw.id, "status": "aanwezig"}]})
    db.session.commit()
    assert _status(api, network.sw, family) == 200, "present at the MDO: she reads back for 30 days"

def test_the_minute_taker_reads_the_families_on_the_agenda_by_name_only(network, register, api):
    named = register(network.gyn, consent=CONSENT)
    anonymous = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T10:00",
                                                 "minute_taker_id": network.planner.id})
    mdo.add_item(network.chair, meeting.id, {"family_id": named.id})
    mdo.add_item(network.chair, meeting.id, {"family_id": anonymous.id, "anonymous": True})
    db.session.commit()
    sets = involvement.viewer_sets(network.planner.id)
    assert named.id in sets.taking and anonymous.id not in sets.taking

def test_the_four_sets_are_one_statement_and_agree_with_each_question(app, network, register):
    family = register(network.gyn, consent=CONSENT)
    other = register(network.gyn, consent=CONSENT)
    coordination.add_core_member(network.jvk, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    sw, _ = network.sw, (network.sw.roles, family.coordinator_id, other.coordinator_id)  # loaded before counting
    statements = []

    def listener(_conn, _cursor, sql, *_args):
        if not sql.startswith(("SAVEPOINT", "RELEASE")):  # the test database's own transaction frame
            statements.append(sql)
    with app.test_request_context("/"):
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            sets = involvement.viewer_sets(sw.id)
            assert involvement.attended_family_ids(sw.id) == sorted(sets.attended)
            assert involvement.minute_taker_family_ids(sw.id, [family.id]) == []
            assert involvement.substituted_user_ids(sw.id) == sorted(sets.substituting)
            kinds = involvement.involvement_bulk(sw, [family, other])
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements
    assert family.id in sets.core and other.id not in sets.core
    assert "core_team" in kinds[family.id] and "core_team" not in kinds[other.id]

def test_a_substitute_stands_in_from_the_first_day_of_the_absence_not_before(app, network, clock):
    tomorrow = app_clock.today() + timedelta(days=1)
    until = tomorrow + timedelta(days=3)
    coordination.record_absence(network.jvk, {"from": tomorrow.isoformat(), "to": until.isoformat(),
                                              "reason": "verlof", "substitute_id": network.jvk2.id})
    db.session.commit()
    nurse, colleague = network.jvk.id, network.jvk2.id
    with app.test_request_context("/"):
        assert involvement.substituted_user_ids(colleague) == [], "today she does not stand in yet"
        assert involvement.substituted_user_ids(colleague, tomorrow) == [nurse]
    clock.advance(days=1)
    with app.test_request_context("/"):
        assert involvement.substituted_user_ids(colleague) == [nurse], "from the first day she stands in"
        assert involvement.viewer_sets(colleague).substituting == {nurse}
