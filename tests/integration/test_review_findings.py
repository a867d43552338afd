"""Regression tests for the findings of the security and privacy review (each names its finding)."""
from __future__ import annotations

from sqlalchemy import func, select

from igp.audit.models import AuditEntry
from igp.coordination.services import add_core_member
from igp.extensions import db
from igp.mdo import services as mdo
from igp.sharing.models import ConsentRecord
from tests.conftest import PASSWORD, csrf_token, family_data, totp_code

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def _count(session, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry).where(*where))


def test_h2_a_professional_cannot_grant_their_own_organisation_consent(network, register, api, db_session):
    family = register(network.gyn, consent=CONSENT)
    response = api(network.jvk).post(f"/api/v1/families/{family.id}/consents", json={
        "recipient": {"organisation_id": network.jgz.id}, "categories": ["medicatie"], "method": "digitaal"})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ConsentRecord).where(
        ConsentRecord.family_id == family.id, ConsentRecord.recipient_organisation_id == network.jgz.id)) == 0
    assert _count(db_session, AuditEntry.username == "jvk1", AuditEntry.object_type == "consent",
                  AuditEntry.outcome == "denied") == 1


def test_h3_a_page_shown_with_an_error_still_logs_its_read(network, register, login, client, db_session):
    family = register(network.jvk)
    login(network.jvk)
    reads = (AuditEntry.username == "jvk1", AuditEntry.action == "read", AuditEntry.object_type == "family",
             AuditEntry.family_pseudonym == family.pseudonym)
    before = _count(db_session, *reads)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    response = client.post(f"/gezinnen/{family.id}/aantekening", data={"csrf_token": token,
                                                                       "note-category": "consultverslagen",
                                                                       "note-text": ""})
    assert response.status_code == 422
    assert "Canary Moedernaam" in response.get_data(as_text=True)
    assert _count(db_session, *reads) == before + 2  # the GET and the re-shown page


def test_m1_duplicate_check_does_not_reveal_invisible_families(network, register, api, db_session):
    """Issue 15 finding 4: a match the registering user may not see is never revealed, not even
    counted: the registration answers exactly as for an unknown person, and the possible
    duplicate goes to the queue of the planner / privacy officer of the registering side."""
    from igp.families.models import DuplicateCandidate
    from igp.notifications.models import Notification

    family = register(network.gyn)
    response = api(network.outsider).post("/api/v1/families", json=family_data())
    unknown = api(network.outsider).post("/api/v1/families", json=family_data(
        parents=[{"name": "Iemand Anders", "birth_date": "1991-02-03", "bsn": "123456782"}]))
    assert response.status_code == unknown.status_code == 201
    assert set(response.get_json()) == set(unknown.get_json())
    text = response.get_data(as_text=True)
    assert family.pseudonym not in text and "Ziekenhuis Test" not in text and "not_visible" not in text
    from igp.families.duplicates import scan

    assert db_session.scalars(db.select(DuplicateCandidate)).all() == []   # nothing done in the request
    assert scan() == (3, 1)   # cron finds the match afterwards (the unknown person matches nothing)
    db_session.commit()
    db_session.expire_all()
    queued = db_session.scalars(db.select(DuplicateCandidate)).all()
    assert [(q.existing_pseudonym, q.new_pseudonym, q.match) for q in queued] == [
        (family.pseudonym, response.get_json()["pseudonym"], "bsn")]
    told = set(db_session.scalars(db.select(Notification.user_id).where(Notification.kind == "dubbel")))
    assert told == {network.po.id}  # no planner at either hospital: the privacy officer resolves it
    linked = api(network.outsider).post("/api/v1/families", json=family_data(link_to_family_id=family.id))
    assert linked.status_code == 422
    assert _count(db_session, AuditEntry.username == "outsider", AuditEntry.action == "search") >= 1


def test_m2_no_open_redirect_through_control_characters(client, make_user, clock):
    user = make_user("jeugdverpleegkundige")
    for target in ("/%09/evil.example/x", "//evil.example", "https://evil.example", "/\\evil.example"):
        token = csrf_token(client, "/login")
        client.post(f"/login?next={target}", data={"username": user.username, "password": PASSWORD,
                                                   "csrf_token": token})
        token = csrf_token(client, "/login/code")
        response = client.post("/login/code", data={"code": totp_code(user, clock), "csrf_token": token})
        assert response.headers["Location"] == "/", target
        clock.advance(seconds=30)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_m3_mdo_minutes_need_the_familys_consent(network, register, api):
    from igp.admin.services import add_poli_team_member

    family = register(network.jvk, consent=CONSENT)  # no consent for informal support
    add_poli_team_member(network.planner, "pop", network.vrijwilliger.id)  # she attends as kernteam member
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started: presence confirmed
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.vrijwilliger.id, "status": "aanwezig"}]})
    db.session.commit()
    a = api(network.vrijwilliger)
    assert a.post(f"/api/v1/mdo/items/{item.id}/minutes", json={"text": "verzonnen"}).status_code == 403
    assert a.post(f"/api/v1/mdo/items/{item.id}/outcomes", json={"kind": "besluit", "text": "nep"}).status_code == 403
    assert a.post(f"/api/v1/mdo/items/{item.id}/not-discussed").status_code == 403


def test_m4_only_coordinator_or_registering_organisation_changes_the_core_team(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    refused = api(network.planner).post(f"/api/v1/families/{family.id}/core-team",
                                        json={"user_id": network.outsider.id, "case_role": "gynaecoloog"})
    assert refused.status_code == 403
    assert api(network.outsider).get(f"/api/v1/families/{family.id}").status_code == 404
    assert api(network.gyn).post(f"/api/v1/families/{family.id}/core-team",
                                 json={"user_id": network.sw.id, "case_role": "sociaal_werker"}).status_code == 201


def test_m4_absent_attendees_are_not_involved(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started: presence confirmed
    mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id, "status": "afwezig"}]})
    db.session.commit()
    assert api(network.sw).get(f"/api/v1/families/{family.id}").status_code == 404


def test_m6_refusals_are_logged(network, register, api, db_session):
    family = register(network.gyn, consent=CONSENT)
    add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id, "case_role": "informele_steun"})
    db.session.commit()
    before = _count(db_session, AuditEntry.username == "vrijw", AuditEntry.outcome == "denied")
    response = api(network.vrijwilliger).post(f"/api/v1/families/{family.id}/intake", json={"type": "gezamenlijk"})
    assert response.status_code == 403
    assert _count(db_session, AuditEntry.username == "vrijw", AuditEntry.outcome == "denied") == before + 1


def test_l3_video_link_must_be_https(network, api):
    response = api(network.chair).post("/api/v1/mdo/meetings", json={
        "poli": "pop", "starts_at": "2026-11-30T13:00", "video_link": "javascript:alert(1)"})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "video_link"
