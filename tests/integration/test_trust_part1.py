"""Trust, part 1 (issue 15): the ways around the rules that an insider could use, each as the
sequence the black-box test found it (actor writes, then reads), and the fix.

1. self-made involvement through the MDO; 2. break-the-glass as self-service; 3. reads that
walked around the gateway; 4. the duplicate check as an oracle (tests/integration/
test_review_findings.py::test_m1 and the queue below); 5. identifiers in URLs (test_families and
the search below); 6. stale notifications; 7. taking over coordination in one click.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import func, select

from igp.admin.services import add_poli_team_member
from igp.audit.models import AuditEntry
from igp.coordination.services import add_core_member
from igp.extensions import db
from igp.families.models import DuplicateCandidate, Family, FamilyNote
from igp.mdo import services as mdo
from igp.notifications.models import Notification
from igp.sharing.models import BreakGlassAccess
from tests.conftest import csrf_token, family_data

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
REASON = "Acute zorgen om de veiligheid van de baby, Meldcode stap 2."


def _denied(db_session, username, action=None):
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.username == username,
                                                              AuditEntry.outcome == "denied")
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    db_session.expire_all()
    return db_session.scalar(stmt)


@pytest.fixture
def outside_chair(make_user, make_org):
    """An MDO chair of another organisation, without any relation to the families."""
    return make_user("mdo_voorzitter", org=make_org("Ander Ziekenhuis Zuid", "zorg"), username="chair_zuid")


# ------------------------------------------------------------------ 1. self-made involvement through the MDO

def test_a_chair_cannot_make_herself_involved_by_putting_a_family_on_an_agenda(network, register, api,
                                                                               outside_chair, db_session):
    family = register(network.jvk, consent=CONSENT)
    a = api(outside_chair)
    assert a.get(f"/api/v1/families/{family.id}").status_code == 404
    meeting = a.post("/api/v1/mdo/meetings", json={"poli": "pop", "starts_at": "2026-11-25T13:00"}).get_json()
    existing = a.post(f"/api/v1/mdo/meetings/{meeting['id']}/items", json={"family_id": family.id})
    unknown = a.post(f"/api/v1/mdo/meetings/{meeting['id']}/items", json={"family_id": 987654})
    # an existing family the chair may not see answers exactly like one that does not exist
    assert existing.status_code == unknown.status_code == 404
    assert existing.get_json() == unknown.get_json()
    assert a.get(f"/api/v1/families/{family.id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(mdo.AgendaItem)) == 0
    assert _denied(db_session, "chair_zuid") >= 3


def test_adding_anyone_as_attendee_gives_no_access_outside_the_poli_kernteam(network, register, api, make_user):
    family = register(network.gyn, consent=CONSENT)
    guest = make_user("jeugdverpleegkundige", org=network.jgz, username="gast")
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": guest.id, "status": "uitgenodigd"}]})
    db.session.commit()
    g = api(guest)
    assert g.get(f"/api/v1/families/{family.id}").status_code == 404   # invited, but not in the kernteam
    agenda = g.get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()
    assert agenda["items"][0]["visible"] is False and agenda["items"][0]["name"] is None
    add_poli_team_member(network.planner, "pop", guest.id)             # the planner keeps the kernteam
    db.session.commit()
    body = g.get(f"/api/v1/families/{family.id}").get_json()
    assert body["parents"][0]["name"] == "Canary Moedernaam"           # now within the consent


def test_only_planner_or_beheerder_keeps_the_poli_kernteam(network, api, outside_chair):
    refused = api(outside_chair).post("/api/v1/polis/pop/team", json={"user_id": outside_chair.id})
    assert refused.status_code == 403
    assert api(network.chair).post("/api/v1/polis/pop/team", json={"user_id": network.outsider.id}).status_code == 403
    added = api(network.planner).post("/api/v1/polis/pop/team", json={"user_id": network.outsider.id})
    assert added.status_code == 201
    members = api(network.jvk).get("/api/v1/polis/pop/team").get_json()["members"]
    assert network.outsider.id in {m["user_id"] for m in members}
    assert api(network.planner).delete(f"/api/v1/polis/mamaplus/team/{added.get_json()['id']}").status_code == 404
    assert api(network.planner).delete(f"/api/v1/polis/pop/team/{added.get_json()['id']}").status_code == 204


@pytest.mark.parametrize("starts_in,visible", [
    (timedelta(days=20), False),     # too far ahead: the agenda does not open the family yet
    (timedelta(days=13), True),      # within two weeks before
    (timedelta(days=-29), True),     # read back until 30 days after
    (timedelta(days=-31), False),    # and then no longer
])
def test_attendance_counts_only_within_the_read_window(network, register, api, clock, starts_in, visible):
    today = clock.now()
    starts = today + starts_in
    if starts < today:  # an MDO in the past: the family was registered and discussed back then
        clock.set(starts - timedelta(days=1))
    family = register(network.gyn, consent=CONSENT, referred_at=clock.now().isoformat())
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": starts.isoformat()})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    clock.set(starts)   # presence is confirmed at the start
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id, "status": "aanwezig"}]})
    db.session.commit()
    clock.set(today)
    assert (api(network.sw).get(f"/api/v1/families/{family.id}").status_code == 200) is visible


def test_a_family_without_mdo_consent_goes_on_the_agenda_only_anonymously(network, register, api):
    family = register(network.gyn)   # no consent at all
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    db.session.commit()
    a = api(network.chair)
    refused = a.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": family.id})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "anonymous"
    item = a.post(f"/api/v1/mdo/meetings/{meeting.id}/items",
                  json={"family_id": family.id, "anonymous": True, "question": "Hoe verder met huisvesting?"})
    assert item.status_code == 201 and item.get_json()["anonymous"] is True
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id, "status": "uitgenodigd"}]})
    db.session.commit()
    sw = api(network.sw)
    assert sw.get(f"/api/v1/families/{family.id}").status_code == 404  # anonymous: attendance opens nothing
    entry = sw.get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()["items"][0]
    assert entry["question"] == "Hoe verder met huisvesting?" and entry["name"] is None


def test_accepting_the_proposal_puts_families_without_mdo_consent_on_anonymously(network, register, api):
    register(network.gyn)                       # new aanmelding, no consent
    register(network.gyn, consent=CONSENT)      # new aanmelding, kernteam consent
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    db.session.commit()
    proposal = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose").get_json()["items"]
    assert sorted(p["mdo_consent"] for p in proposal) == [False, True]
    items = mdo.accept_proposal(network.planner, meeting.id)
    assert sorted(i.anonymous for i in items) == [False, True]


def test_the_proposal_lists_only_families_the_reader_may_put_on_the_agenda(network, register, api, outside_chair):
    mine = register(network.gyn, consent=CONSENT)
    theirs = register(network.jvk, consent=CONSENT)
    mdo.request_discussion(network.gyn, mine.id, "Graag bespreken: zorgen om de thuissituatie.")
    mdo.request_discussion(network.jvk, theirs.id, "Graag bespreken: zorgen om de schulden.")
    db.session.commit()
    meeting = api(outside_chair).post("/api/v1/mdo/meetings", json={"poli": "pop",
                                                                    "starts_at": "2026-11-25T13:00"}).get_json()
    assert api(outside_chair).post(f"/api/v1/mdo/meetings/{meeting['id']}/agenda/propose").get_json()["items"] == []
    chair_meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-26T13:00"})
    db.session.commit()
    chair_items = api(network.chair).post(f"/api/v1/mdo/meetings/{chair_meeting.id}/agenda/propose").get_json()
    assert {p["family_id"] for p in chair_items["items"]} == {mine.id}   # the hospital's own, not the JGZ family
    assert chair_items["items"][0]["question"] == "Graag bespreken: zorgen om de thuissituatie."
    planner = api(network.planner).post(f"/api/v1/mdo/meetings/{chair_meeting.id}/agenda/propose").get_json()
    assert {p["family_id"] for p in planner["items"]} == {mine.id, theirs.id}
    assert {p["question"] for p in planner["items"]} == {None}   # MDO content is not the planner's to read


# ------------------------------------------------------------------ 2. break-the-glass

def test_break_glass_needs_a_direct_care_relationship(network, register, api, db_session):
    family = register(network.gyn)            # no consent: everything withheld from other organisations
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id, "anonymous": True})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id,
                                                                     "status": "uitgenodigd"}]})
    db.session.commit()
    # the planner sees it team-wide (NAW under consent), the social worker only via the MDO: neither
    # has a care relationship, so neither may open emergency access
    for user in (network.planner, network.sw):
        response = api(user).post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON})
        assert response.status_code in (403, 404), user.username
        if response.status_code == 403:
            assert "directe zorgrelatie" in response.get_json()["error"]["message"]
    assert _denied(db_session, "planner", "break_glass") == 1
    assert db_session.scalar(select(func.count()).select_from(BreakGlassAccess)) == 0
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    assert api(network.sw).post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON}).status_code == 201


def test_break_glass_opens_reading_and_an_emergency_note_only(network, register, api, db_session):
    family = register(network.jvk)            # coordinated by the registering nurse; no consent
    add_core_member(network.jvk, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    a = api(network.sw)
    assert a.post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON}).status_code == 201
    body = a.get(f"/api/v1/families/{family.id}").get_json()
    assert "consultverslagen" in body["allowed"]
    # reading, yes; writing under it, no: a note, an intake report, the record, the MDO
    note = a.post(f"/api/v1/families/{family.id}/notes", json={"category": "consultverslagen", "text": "x"})
    assert note.status_code == 403 and "Noodtoegang geeft alleen inzage" in note.get_json()["error"]["message"]
    assert a.post(f"/api/v1/families/{family.id}/intake", json={"report": "x", "held_at": "2026-11-24T09:00"}
                  ).status_code == 403
    assert a.patch(f"/api/v1/families/{family.id}", json={"version": body["version"], "support_question": "x"}
                   ).status_code == 403
    assert a.post(f"/api/v1/families/{family.id}/mdo-request", json={"question": "Bespreken a.u.b."}).status_code \
        in (201, 200, 403)  # a flag with a question; never a ground for anything else
    emergency = a.post(f"/api/v1/families/{family.id}/notes",
                       json={"category": "consultverslagen", "text": "Veilig Thuis gebeld.", "emergency": True})
    assert emergency.status_code == 201 and emergency.get_json()["emergency"] is True
    db_session.expire_all()
    note_row = db_session.get(FamilyNote, emergency.get_json()["id"])
    assert note_row.break_glass_id == db_session.scalars(select(BreakGlassAccess.id)).one()
    # the privacy officer's queue and the coordinator know at once
    told = set(db_session.scalars(select(Notification.user_id).where(Notification.kind == "noodtoegang")))
    assert told == {network.po.id, network.jvk.id}
    queue = db_session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.reviewed_at.is_(None))).all()
    assert [q.user_id for q in queue] == [network.sw.id]


def test_break_glass_is_no_ground_for_coordination_core_team_or_consent(network, register, api, db_session):
    family = register(network.gyn)            # JGZ not covered by any consent
    add_core_member(network.gyn, family.id, {"user_id": network.jvk2.id, "case_role": "jeugdverpleegkundige"})
    db.session.commit()
    a = api(network.jvk2)
    assert a.post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON}).status_code == 201
    # coordinator: the consent must cover NAW for her organisation; break-the-glass does not count
    from igp.coordination.services import coordinator_allowed

    assert not coordinator_allowed(db_session.get(Family, family.id), network.jvk2)
    assignment = api(network.gyn).put(f"/api/v1/families/{family.id}/coordinator", json={"user_id": network.jvk2.id})
    assert assignment.status_code == 422 and "toestemming" in assignment.get_json()["error"]["message"]
    assert a.put(f"/api/v1/families/{family.id}/coordinator", json={"user_id": network.jvk2.id}).status_code in (403,
                                                                                                              422)
    assert a.post(f"/api/v1/families/{family.id}/core-team", json={"user_id": network.outsider.id,
                                                                   "case_role": "gynaecoloog"}).status_code == 403
    assert a.post(f"/api/v1/families/{family.id}/consents", json={"preset": "kernteam", "method": "digitaal"}
                  ).status_code == 403
    assert api(network.outsider).get(f"/api/v1/families/{family.id}").status_code == 404


# ------------------------------------------------------------------ 3. reads around the gateway

def test_the_consent_scan_needs_naw_and_the_data_holder(network, register, api, login, client, app):
    family = register(network.gyn)
    nurse = app.test_client()
    login(network.gyn, test_client=nurse)
    token = csrf_token(nurse, f"/gezinnen/{family.id}")
    scan = b"%PDF-1.4 Canary handtekening"
    from io import BytesIO

    response = nurse.post(f"/gezinnen/{family.id}/toestemming", data={
        "csrf_token": token, "domain": "jgz", "categories": ["ontwikkeling_risicos"], "purpose": "zorg_en_ondersteuning",
        "method": "schriftelijk", "scan": (BytesIO(scan), "toestemming.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    from igp.sharing.services import consents_of

    consent_id = consents_of(family.id)[0].id
    assert nurse.get(f"/gezinnen/{family.id}/toestemming/{consent_id}/scan").data == scan
    # the planner is involved team-wide, but NAW is not covered for her: no scan, not even its existence
    login(network.planner)
    refused = client.get(f"/gezinnen/{family.id}/toestemming/{consent_id}/scan")
    assert refused.status_code == 404 and b"Canary" not in refused.data


def _capture(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, dict(context)))

    template_rendered.connect(record, app)
    return seen, lambda: template_rendered.disconnect(record, app)


def _walk(value, depth=0):
    """Every string reachable in a template context (dicts, lists, dataclasses, objects)."""
    import dataclasses

    if depth > 8 or value is None:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _walk(v, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), depth + 1)


def test_no_template_receives_withheld_minutes(network, register, login, client, app):
    """A reader for whom mdo_notulen is withheld (MMW of the hospital? no: the JGZ planner, NAW
    only): the family and meeting pages hold the minutes' plaintext neither in the bytes sent nor
    anywhere in the template context."""
    secret_minutes, secret_outcome, secret_question = "Canary notulen geheim", "Canary besluit geheim", \
        "Canary vraag geheim"
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    item = mdo.add_item(network.chair, meeting.id, {"family_id": family.id, "question": secret_question})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw, network.planner)]})
    mdo.save_minutes(network.chair, item.id, secret_minutes)
    mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": secret_outcome, "owner_id": network.jvk.id,
                                             "due_workdays": 3})
    db.session.commit()
    login(network.planner)
    seen, stop = _capture(app)
    try:
        pages = [client.get(f"/gezinnen/{family.id}"), client.get(f"/mdo/{meeting.id}"),
                 client.get(f"/mdo/{meeting.id}/afdruk")]
    finally:
        stop()
    assert [p.status_code for p in pages] == [200, 200, 200]
    for page in pages:
        assert b"Canary notulen" not in page.data and b"Canary besluit" not in page.data
        assert b"Canary vraag" not in page.data
    strings = [s for _, context in seen for s in _walk(context)]
    assert not [s for s in strings if "Canary notulen" in s or "Canary besluit" in s or "Canary vraag" in s]
    # the chair may see them (consent for the MDO, need-to-know): the same pages show them
    chair = app.test_client()
    login(network.chair, test_client=chair)
    assert secret_minutes.encode() in chair.get(f"/mdo/{meeting.id}").data
    assert secret_outcome.encode() in chair.get(f"/gezinnen/{family.id}").data


def test_views_and_the_api_never_query_family_tables_themselves():
    """Display reads of family data go through igp/sharing (the gateway and its record builders):
    no view module, API module or template helper imports a family table or runs a query on one."""
    import ast
    from pathlib import Path

    family_tables = {"Family", "Parent", "Child", "Referral", "Intake", "FamilyNote", "AgendaItem",
                     "MinutesRevision", "MdoOutcome", "MdoAction", "Handover", "HandoverEvent", "HandoverFeedback",
                     "FamilyFeedback",
                     "ConsentRecord", "BreakGlassAccess", "CoordinatorAssignment", "CoordinatorProposal",
                     "DuplicateCandidate"}
    root = Path(__file__).resolve().parents[2] / "igp"
    modules = sorted(root.glob("*/views.py")) + sorted((root / "api").glob("*.py")) + [root / "main.py",
                                                                                         root / "web.py"]
    found = []
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".models"):
                names = {a.name for a in node.names} & family_tables
                if names:
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {sorted(names)}")
    assert not found, "\n".join(found)


# ------------------------------------------------------------------ 4. the duplicate queue

def test_the_planner_merges_a_hidden_duplicate(network, register, api, db_session):
    existing = register(network.gyn, consent=CONSENT)
    add_core_member(network.gyn, existing.id, {"user_id": network.jvk.id, "case_role": "jeugdverpleegkundige"})
    db.session.commit()
    response = api(network.outsider).post("/api/v1/families", json=family_data(reason="Tweede aanmelding"))
    assert response.status_code == 201
    new_id = response.get_json()["id"]
    from igp.families.duplicates import scan

    scan()   # from cron
    db.session.commit()
    queue = api(network.po).get("/api/v1/duplicates").get_json()["items"]
    assert [(q["existing_family_id"], q["new_family_id"], q["match"]) for q in queue] == [(existing.id, new_id, "bsn")]
    # the planners of the two organisations (neither hospital has one here) and the privacy officer
    assert api(network.planner).get("/api/v1/duplicates").get_json()["items"] == []
    assert api(network.jvk).get("/api/v1/duplicates").status_code == 403
    bad = api(network.po).post(f"/api/v1/duplicates/{queue[0]['id']}/resolve", json={"resolution": "weg"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "resolution"
    done = api(network.po).post(f"/api/v1/duplicates/{queue[0]['id']}/resolve", json={"resolution": "samenvoegen"})
    assert done.status_code == 200 and done.get_json()["resolution"] == "samengevoegd"
    db_session.expire_all()
    assert db_session.get(Family, new_id) is None
    merged = db_session.get(Family, existing.id)
    assert [r.reason for r in merged.referrals][-1] == "Tweede aanmelding"
    assert len(merged.parents) == 1   # the same mother (same BSN), not added twice
    # the registering user gains no care relationship by the merge (the data holder decides that)
    assert api(network.outsider).get(f"/api/v1/families/{existing.id}").status_code == 404
    told = set(db_session.scalars(select(Notification.user_id).where(Notification.kind == "dubbel",
                                                                      Notification.family_id == existing.id)))
    assert told == {existing.coordinator_id}
    assert db_session.scalars(select(DuplicateCandidate.resolution)).one() == "samengevoegd"
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.detail.like("merged %"))).first()


def test_marking_a_hidden_duplicate_as_distinct_keeps_both(network, register, api, db_session):
    existing = register(network.gyn)
    new_id = api(network.outsider).post("/api/v1/families", json=family_data()).get_json()["id"]
    from igp.families.duplicates import scan

    scan()
    db.session.commit()
    candidate = api(network.po).get("/api/v1/duplicates").get_json()["items"][0]["id"]
    assert api(network.po).post(f"/api/v1/duplicates/{candidate}/resolve",
                                json={"resolution": "verschillend", "note": "Andere moeder"}).status_code == 200
    db_session.expire_all()
    assert db_session.get(Family, new_id) and db_session.get(Family, existing.id)
    assert api(network.po).post(f"/api/v1/duplicates/{candidate}/resolve",
                                json={"resolution": "verschillend"}).status_code == 422


def test_visible_duplicates_are_still_named_to_those_who_may_see_them(network, register, api):
    family = register(network.gyn)
    response = api(network.gyn).post("/api/v1/families", json=family_data())
    assert response.status_code == 409
    assert [d["pseudonym"] for d in response.get_json()["error"]["duplicates"]] == [family.pseudonym]


# ------------------------------------------------------------------ 5. search by POST in the UI

def test_the_ui_search_posts_and_redirects_without_identifiers_in_the_url(network, register, login, client):
    family = register(network.jvk)
    login(network.jvk)
    token = csrf_token(client, "/gezinnen/")
    response = client.post("/gezinnen/zoeken", data={"csrf_token": token, "bsn": "111222333"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "111222333" not in location and "zoekopdracht=" in location
    page = client.get(location)
    assert page.status_code == 200 and family.pseudonym.encode() in page.data
    again = client.get(location)   # refresh shows the same result
    assert family.pseudonym.encode() in again.data
    bad = client.post("/gezinnen/zoeken", data={"csrf_token": token, "bsn": "123456789"})
    assert bad.status_code == 422 and "elfproef" in bad.get_data(as_text=True)
    assert 'value="123456789"' in bad.get_data(as_text=True)   # the typed value is kept
    refused = client.get("/gezinnen/?bsn=111222333")
    assert refused.status_code == 400 and "zoekformulier" in refused.get_data(as_text=True)
    assert client.get(f"/gezinnen/?pseudoniem={family.pseudonym}").status_code == 200


# ------------------------------------------------------------------ 6. notifications

def test_a_replaced_coordinator_no_longer_sees_the_family_in_her_notifications(network, register, api, login,
                                                                               client):
    family = register(network.gyn, consent=CONSENT)       # default coordinator: a JGZ nurse
    first = family.coordinator
    other = network.jvk2 if first.id == network.jvk.id else network.jvk
    assert api(network.gyn).put(f"/api/v1/families/{family.id}/coordinator",
                                json={"user_id": other.id}).status_code == 200
    # the consent still covers JGZ, so the first nurse remains... only through consent? She is
    # no longer coordinator nor in the core team: not involved any more.
    assert api(first).get(f"/api/v1/families/{family.id}").status_code == 404
    login(first)
    html = client.get("/meldingen").get_data(as_text=True)
    assert "U bent coördinator van gezin een gezin." in html
    assert family.pseudonym not in html and f"/gezinnen/{family.id}" not in html


def test_notifications_refuse_a_pseudonym_in_the_stored_text(app):
    from igp.notifications.services import notify

    with pytest.raises(ValueError):
        notify([1], "coordinator", "U bent coördinator van gezin GZ-ABCDE.", family_id=1)


# ------------------------------------------------------------------ 7. coordinator changes

def test_a_kernteam_member_cannot_take_over_coordination_but_may_propose(network, register, api, db_session):
    family = register(network.jvk, consent=CONSENT)       # JGZ family, coordinated by the nurse
    add_core_member(network.jvk, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    sw = api(network.sw)
    taken = sw.put(f"/api/v1/families/{family.id}/coordinator",
                   json={"user_id": network.sw.id, "reason": "complexe_sociale_problematiek"})
    assert taken.status_code == 403 and "voorstellen" in taken.get_json()["error"]["message"]
    db_session.expire_all()
    assert db_session.get(Family, family.id).coordinator_id == network.jvk.id
    proposal = sw.post(f"/api/v1/families/{family.id}/coordinator/proposals",
                       json={"user_id": network.sw.id, "reason": "complexe_sociale_problematiek"})
    assert proposal.status_code == 201
    told = set(db_session.scalars(select(Notification.user_id).where(Notification.kind == "coordinator")))
    assert {network.jvk.id, network.planner.id} <= told
    assert sw.post(f"/api/v1/coordinator-proposals/{proposal.get_json()['id']}/accept").status_code == 403
    accepted = api(network.jvk).post(f"/api/v1/coordinator-proposals/{proposal.get_json()['id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "aangenomen"
    db_session.expire_all()
    assert db_session.get(Family, family.id).coordinator_id == network.sw.id


def test_self_assignment_only_when_nobody_coordinates(network, register, api, db_session):
    family = register(network.gyn)                        # no consent: no JGZ nurse can be proposed
    assert family.coordinator_id is None
    add_core_member(network.gyn, family.id, {"user_id": network.mmw.id, "case_role": "mmw"})
    db.session.commit()
    taken = api(network.mmw).put(f"/api/v1/families/{family.id}/coordinator",
                                 json={"user_id": network.mmw.id, "reason": "mmw_betrokken"})
    assert taken.status_code == 200
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    refused = api(network.sw).put(f"/api/v1/families/{family.id}/coordinator",
                                  json={"user_id": network.sw.id, "reason": "anders", "reason_text": "x"})
    assert refused.status_code in (403, 422)
    db_session.expire_all()
    assert db_session.get(Family, family.id).coordinator_id == network.mmw.id


def test_the_family_page_offers_only_the_coordination_action_the_reader_may_take(network, register, login, client,
                                                                                 app):
    family = register(network.jvk, consent=CONSENT)
    add_core_member(network.jvk, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    login(network.sw)
    html = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Andere coördinator voorstellen" in html and "Coördinator wijzigen" not in html
    assert "Noodtoegang openen" not in html or "Noodtoegang (acute veiligheid" in html
    nurse = app.test_client()
    login(network.jvk, test_client=nurse)
    html = nurse.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Coördinator wijzigen" in html and "Andere coördinator voorstellen" not in html
