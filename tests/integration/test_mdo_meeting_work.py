"""MDO meeting work (issue 19): attendance is 'uitgenodigd' until the start, presence is confirmed
at or after it; the kernteam and the agenda's coordinators are invited in one action; finalising
only after the start and after a confirmation listing the items without outcome; the proposal
shows what the reader may see."""
from __future__ import annotations

from datetime import timedelta

from igp.coordination.services import assign_coordinator
from igp.extensions import db
from igp.mdo import services as mdo
from igp.mdo.models import MdoAttendee
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
# the clock stands at 24-11-2026 10:00 in Amsterdam; this meeting starts a quarter of an hour later
SOON = "2026-11-24T10:15"


def _meeting(network, starts_at=SOON, **extra):
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": starts_at, **extra})
    db.session.commit()
    return meeting


def _status(meeting_id, user_id):
    return db.session.scalars(db.select(MdoAttendee.status).where(
        MdoAttendee.meeting_id == meeting_id, MdoAttendee.user_id == user_id)).one()


# ------------------------------------------------------------------ attendance

def test_presence_is_confirmed_only_from_the_start(network, api, clock):
    meeting = _meeting(network)
    a = api(network.chair)
    early = a.post(f"/api/v1/mdo/meetings/{meeting.id}/attendance",
                   json={"attendees": [{"user_id": network.gyn.id, "status": "aanwezig"}]})
    assert early.status_code == 422
    message = early.get_json()["error"]["fields"]["attendees[0].status"]
    assert "vanaf het begin van het MDO" in message
    assert a.post(f"/api/v1/mdo/meetings/{meeting.id}/attendance", json={"attendees": [
        {"user_id": network.gyn.id, "status": "uitgenodigd"}]}).status_code == 200
    db.session.expire_all()
    assert _status(meeting.id, network.gyn.id) == "uitgenodigd"
    clock.set(mdo.get_meeting(meeting.id).starts_at)
    late = a.post(f"/api/v1/mdo/meetings/{meeting.id}/attendance",
                  json={"attendees": [{"user_id": network.gyn.id, "status": "aanwezig"}]})
    assert late.status_code == 200 and late.get_json()["attendees"][-1]["status"] == "aanwezig"


def test_an_attendee_added_on_the_page_before_the_start_is_invited(network, login, client):
    meeting = _meeting(network)
    login(network.chair)
    page = client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    assert "Aanwezigheid bevestigt u vanaf het begin" in page
    assert '<option value="aanwezig"' not in page     # presence cannot be chosen yet
    response = client.post(f"/mdo/{meeting.id}/aanwezigheid", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "add_user_id": network.sw.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert _status(meeting.id, network.sw.id) == "uitgenodigd"


def test_quorum_is_not_reached_before_the_start(network, clock):
    meeting = _meeting(network, quorum_domains=["zorg"], quorum_roles=[])
    # a row recorded 'aanwezig' ahead of time (as the old default did) does not make the quorum
    meeting.attendees.append(MdoAttendee(user_id=network.gyn.id, status="aanwezig"))
    db.session.commit()
    assert mdo.quorum_for_meeting(meeting).met is False
    clock.set(meeting.starts_at)
    assert mdo.quorum_for_meeting(meeting).met is True


# ------------------------------------------------------------------ invite in one action

def test_invite_adds_the_kernteam_and_the_agenda_coordinators_once(network, register, api, make_user, clock):
    outside_nurse = make_user("jeugdverpleegkundige", username="jvk_buiten", name="JVK Buiten")
    a_family = register(network.gyn, consent=CONSENT)
    b_family = register(network.gyn, consent=CONSENT)
    assign_coordinator(network.gyn, a_family.id, {"user_id": outside_nurse.id, "reason": "herverdeling"})
    meeting = _meeting(network, starts_at="2026-11-25T13:00")
    for family in (a_family, b_family):
        mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    db.session.commit()
    assert api(network.sw).get(f"/api/v1/families/{b_family.id}").status_code == 404   # not invited yet
    assert api(network.jvk).post(f"/api/v1/mdo/meetings/{meeting.id}/attendees/invite").status_code in (403, 404)

    answer = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/attendees/invite")
    assert answer.status_code == 200, answer.get_json()
    invited = set(answer.get_json()["invited"])
    kernteam = {network.gyn.id, network.mmw.id, network.jvk.id, network.jvk2.id, network.sw.id, network.planner.id}
    assert kernteam | {outside_nurse.id} <= invited
    assert network.chair.id not in invited                       # already listed: skipped
    assert {r["status"] for r in answer.get_json()["attendees"]} == {"uitgenodigd"}
    again = api(network.chair).post(f"/api/v1/mdo/meetings/{meeting.id}/attendees/invite")
    assert again.status_code == 200 and again.get_json()["invited"] == []

    # the invited kernteam member reads the agenda's families within the window
    assert api(network.sw).get(f"/api/v1/families/{b_family.id}").status_code == 200
    # the invited coordinator opens the meeting; another family on it only by pseudonym (she is no kernteam member)
    body = api(outside_nurse).get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()
    names = {i["pseudonym"]: i["name"] for i in body["items"]}
    assert names[a_family.pseudonym] == "Canary Moedernaam" and names[b_family.pseudonym] is None
    # someone not invited sees neither the meeting nor its families
    assert api(network.outsider).get(f"/api/v1/mdo/meetings/{meeting.id}").status_code == 404
    assert api(network.outsider).get(f"/api/v1/families/{b_family.id}").status_code == 404


def test_the_invite_button_is_shown_to_who_manages_attendance(network, register, login, client, app):
    meeting = _meeting(network)
    login(network.chair)
    page = client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    assert "Kernteam en coördinatoren uitnodigen" in page
    response = client.post(f"/mdo/{meeting.id}/uitnodigen",
                           data={"csrf_token": csrf_token(client, f"/mdo/{meeting.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    assert _status(meeting.id, network.sw.id) == "uitgenodigd"
    invited = login(network.sw, test_client=app.test_client())   # invited: sees the meeting, not the button
    page = invited.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    assert "MDO POP" in page or meeting.poli.name in page
    assert "Kernteam en coördinatoren uitnodigen" not in page


# ------------------------------------------------------------------ finalising

def test_finalising_waits_for_the_start_and_a_confirmation(network, register, api, login, client, clock):
    done_family = register(network.gyn, consent=CONSENT)
    open_family = register(network.gyn, consent=CONSENT)
    meeting = _meeting(network)
    done_item = mdo.add_item(network.planner, meeting.id, {"family_id": done_family.id})
    open_item = mdo.add_item(network.planner, meeting.id, {"family_id": open_family.id})
    mdo.add_outcome(network.chair, done_item.id, {"kind": "besluit", "text": "Doorgaan"})
    db.session.commit()
    early = api(network.chair).post(f"/api/v1/mdo/meetings/{meeting.id}/finalise", json={"confirm": True})
    assert early.status_code == 409 and "begonnen" in early.get_json()["error"]["message"]
    login(network.chair)
    assert "Verslag vaststellen</button>" not in client.get(f"/mdo/{meeting.id}").get_data(as_text=True)

    clock.set(mdo.get_meeting(meeting.id).starts_at + timedelta(minutes=5))
    token = csrf_token(client, f"/mdo/{meeting.id}")
    asked = client.post(f"/mdo/{meeting.id}/vaststellen", data={"csrf_token": token})
    html = asked.get_data(as_text=True)
    confirmation = html[html.index('id="vaststellen"'):]
    assert asked.status_code == 200 and "Definitief maken" in confirmation
    assert open_family.pseudonym in confirmation and done_family.pseudonym not in confirmation
    db.session.expire_all()
    assert mdo.get_meeting(meeting.id).status == "gepland"     # nothing finalised yet

    unconfirmed = api(network.chair).post(f"/api/v1/mdo/meetings/{meeting.id}/finalise", json={"confirm": False})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.get_json()["error"]["fields"]
    done = api(network.chair).post(f"/api/v1/mdo/meetings/{meeting.id}/finalise", json={"confirm": True})
    assert done.status_code == 200
    assert done.get_json()["without_outcome"] == [{"item_id": open_item.id, "pseudonym": open_family.pseudonym}]
    db.session.expire_all()
    assert mdo.get_item(open_item.id).status == "niet_besproken"


# ------------------------------------------------------------------ the proposal

def test_the_proposal_shows_name_coordinator_and_link_where_allowed(network, register, api, login, client):
    with_consent = register(network.jvk, consent=CONSENT)
    without = register(network.gyn, parents=[{"name": "Geheime Ouder", "birth_date": "1991-02-03"}])
    meeting = _meeting(network, starts_at="2026-11-25T13:00")
    items = {i["family_id"]: i for i in
             api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose").get_json()["items"]}
    assert items[with_consent.id]["name"] == "Canary Moedernaam"
    assert items[with_consent.id]["coordinator"] and items[with_consent.id]["may_open"] is True
    assert items[without.id]["name"] is None          # NAW withheld from the planner without consent
    login(network.planner)
    html = client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    proposal = html[html.index('id="h-proposal"'):html.index('id="h-agenda"')]
    assert "Canary Moedernaam" in proposal and "Geheime Ouder" not in proposal
    assert f'href="/gezinnen/{with_consent.id}"' in proposal
