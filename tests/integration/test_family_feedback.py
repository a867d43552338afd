"""Terugkoppeling that closes the loop (issue 18): feedback to the referrer and the family after the
aanmelding, the intake, each MDO outcome and the exit (also outside the target group), shown on the
family page and in 'Mijn aanmeldingen' of the referrer, within what consent lets each reader see."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from igp.audit.models import AuditEntry
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.services import plan_or_record_intake
from igp.handover.models import FamilyFeedback, Handover
from igp.mdo import services as mdo
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(FamilyFeedback))


@pytest.fixture
def family(network, register, clock):
    """Referred by the gynaecoloog on Mon 23-11-2026 10:00 (Amsterdam); coordinator: the default JVK."""
    clock.set(at("2026-11-23T09:30"))
    family = register(network.gyn, referred_at="2026-11-23T10:00:00+01:00", consent=CONSENT)
    clock.set(at("2026-11-24T09:00"))
    return family


def _decided(family, network, clock, starts_at: str, text: str):
    """A POP MDO at ``starts_at`` (local) that discussed the family, with everyone present, and its decision."""
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": starts_at})
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    clock.set(at(starts_at))
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw)]})
    return meeting, mdo.add_outcome(network.chair, item.id, {"kind": "besluit", "text": text})


@pytest.fixture
def outcome(family, network, clock):
    """The POP MDO of Tue 24-11-2026 13:00 (12:00 UTC) decided about the family."""
    meeting, result = _decided(family, network, clock, "2026-11-24T13:00", "Kraamzorg uitbreiden")
    mdo.finalise(network.chair, meeting.id, {"confirm": True})
    db.session.commit()
    clock.set(at("2026-11-25T09:00"))
    return result


def _coordinator(family):
    db.session.expire_all()
    return db.session.get(type(family), family.id).coordinator


def test_feedback_after_an_mdo_outcome_is_seen_by_the_referrer_in_mijn_aanmeldingen(
        family, outcome, network, api, login, client):
    coordinator = _coordinator(family)
    assert coordinator is not None and coordinator.id == network.jvk.id
    created = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "mdo_uitkomst", "outcome_id": outcome.id, "recipient": "verwijzer", "method": "telefoon",
        "at": "2026-11-25T09:30", "note": "Besluit van het MDO telefonisch doorgegeven"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["about"], body["outcome_id"], body["by"], body["at"], body["event_at"]) == (
        "mdo_uitkomst", outcome.id, "JVK Een", "2026-11-25T08:30:00Z", "2026-11-24T12:00:00Z")
    # the referrer's list (API)
    items = api(network.gyn).get("/api/v1/me/referrals").get_json()["items"]
    mine = [i for i in items if i["family_id"] == family.id]
    assert len(mine) == 1
    line = mine[0]
    assert (line["visible"], line["target_eligible"], line["coordinator"], line["feedback_received"],
            line["last_feedback_at"], line["handover_status"]) == (
        True, True, "JVK Een", True, "2026-11-25T08:30:00Z", "aangemeld")
    assert [(f["about"], f["note"]) for f in line["feedback"]] == [
        ("mdo_uitkomst", "Besluit van het MDO telefonisch doorgegeven")]
    # ... and the page, in the menu of the gynaecoloog
    login(network.gyn)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/mijn-aanmeldingen"' in home
    page = client.get("/mijn-aanmeldingen").get_data(as_text=True)
    assert family.pseudonym in page and "In doelgroep" in page and "JVK Een" in page
    assert "25-11-2026: Uitkomst van het MDO (MDO van 24-11-2026), telefonisch" in page
    assert "Besluit van het MDO telefonisch doorgegeven" in page
    # the list is a logged read of each family (the API, the start page's block and the page)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.family_pseudonym == family.pseudonym,
                                                          AuditEntry.detail.like("%mijn aanmeldingen%"))).all()
    assert len(entries) == 3 and {e.action for e in entries} == {"read"}
    assert sorted(e.detail.split(":")[0] for e in entries) == ["api", "start", "web"]


def test_feedback_dated_before_the_mdo_is_422_naming_at_and_stores_nothing(family, outcome, network, api):
    before = _count()
    refused = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "mdo_uitkomst", "outcome_id": outcome.id, "recipient": "verwijzer", "method": "telefoon",
        "at": "2026-11-24T12:59", "note": "Te vroeg"})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "at" and "vóór het MDO (24-11-2026 13:00)" in error["fields"]["at"]
    assert _count() == before
    handover = db.session.scalars(select(Handover).where(Handover.family_id == family.id)).one()
    assert handover.feedback_referrer is None


@pytest.mark.parametrize("body,field", [
    ({"about": "mdo_uitkomst", "recipient": "verwijzer", "method": "brief"}, "outcome_id"),
    ({"about": "mdo_uitkomst", "outcome_id": 999999, "recipient": "verwijzer", "method": "brief"}, "outcome_id"),
    ({"about": "intake", "recipient": "gezin", "method": "brief"}, "about"),          # no intake held yet
    ({"about": "uitstroom", "recipient": "gezin", "method": "brief"}, "about"),       # not exited
    ({"about": "ergens", "recipient": "gezin", "method": "brief"}, "about"),
    ({"about": "aanmelding", "recipient": "buurman", "method": "brief"}, "recipient"),
    ({"about": "aanmelding", "recipient": "gezin", "method": "nvt"}, "note"),
    ({"about": "aanmelding", "recipient": "gezin", "method": "brief", "at": "2026-11-23T09:59"}, "at"),
    ({"about": "aanmelding", "recipient": "gezin", "method": "brief", "at": "2026-11-30T10:00"}, "at"),  # future
    ({"recipient": "gezin", "method": "brief"}, "about"),
])
def test_bad_input_names_the_field(family, network, api, body, field):
    before = _count()
    refused = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert field in refused.get_json()["error"]["fields"]
    assert _count() == before


def test_outside_the_target_group_feedback_about_the_aanmelding(network, register, api, clock):
    clock.set(at("2026-11-23T09:30"))
    family = register(network.gyn, referred_at="2026-11-23T10:00:00+01:00", vulnerabilities=[], consent=CONSENT)
    assert family.status == "niet_in_doelgroep" and family.coordinator_id is None
    clock.set(at("2026-11-24T09:00"))
    mmw = api(network.mmw)   # a care professional of the registering hospital
    old = mmw.post(f"/api/v1/families/{family.id}/handover/feedback", json={"recipient": "verwijzer",
                                                                             "method": "telefoon"})
    assert old.status_code == 404   # the handover's route: there is no handover (the contract as it was)
    refused = mmw.post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "overdracht", "recipient": "verwijzer", "method": "telefoon"})
    assert refused.status_code == 422 and "geen warme overdracht" in refused.get_json()["error"]["fields"]["about"]
    created = mmw.post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "aanmelding", "recipient": "verwijzer", "method": "beveiligde_mail",
        "note": "Buiten de doelgroep; verwezen naar de wijkverpleging"})
    assert created.status_code == 201, created.get_json()
    detail = api(network.gyn).get(f"/api/v1/families/{family.id}").get_json()
    assert [(f["about"], f["recipient"], f["method"], f["by"]) for f in detail["feedback"]] == [
        ("aanmelding", "verwijzer", "beveiligde_mail", "MMW Medewerker")]
    line = [i for i in api(network.gyn).get("/api/v1/me/referrals").get_json()["items"]
            if i["family_id"] == family.id][0]
    assert (line["target_eligible"], line["handover_status"], line["coordinator"], line["feedback_received"]) == (
        False, None, None, True)


def test_after_the_intake_and_at_exit(family, network, api, clock):
    a = api(network.jvk)
    url = f"/api/v1/families/{family.id}/feedback"
    plan_or_record_intake(network.jvk, family.id, {"held_at": "2026-11-24T09:30", "outcome": "actief"})
    db.session.commit()
    clock.set(at("2026-11-24T12:00"))
    early = a.post(url, json={"about": "intake", "recipient": "gezin", "method": "telefoon", "at": "2026-11-24T09:00"})
    assert early.status_code == 422 and "vóór de intake (24-11-2026 09:30)" in early.get_json()["error"]["fields"]["at"]
    ok = a.post(url, json={"about": "intake", "recipient": "gezin", "method": "telefoon", "at": "2026-11-24T11:00"})
    assert ok.status_code == 201, ok.get_json()
    exit_ = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "doelen_bereikt", "target": "reguliere_jgz",
                                                               "target_name": "JGZ Noord", "note": "Goed afgerond"})
    assert exit_.status_code == 200, exit_.get_json()
    clock.set(at("2026-11-24T14:00"))
    early = a.post(url, json={"about": "uitstroom", "recipient": "verwijzer", "method": "brief",
                              "at": "2026-11-24T12:30"})
    assert early.status_code == 422 and "vóór de uitstroom" in early.get_json()["error"]["fields"]["at"]
    done = a.post(url, json={"about": "uitstroom", "recipient": "verwijzer", "method": "brief"})
    assert done.status_code == 201, done.get_json()
    detail = a.get(f"/api/v1/families/{family.id}").get_json()
    assert [f["about"] for f in detail["feedback"]] == ["intake", "uitstroom"]


def test_feedback_about_the_handover_updates_the_handover(family, network, api):
    created = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "overdracht", "recipient": "verwijzer", "method": "dossier"})
    assert created.status_code == 201, created.get_json()
    handover = db.session.scalars(select(Handover).where(Handover.family_id == family.id)).one()
    assert handover.feedback_referrer == "dossier"


def test_the_handover_routes_feedback_note_is_now_shown(family, network, api, login, client):
    """The contract route keeps working, and its typed note is shown on the family page and in the API."""
    old = api(network.jvk).post(f"/api/v1/families/{family.id}/handover/feedback", json={
        "recipient": "gezin", "method": "telefoon", "note": "Moeder gebeld over de intake"})
    assert old.status_code == 201, old.get_json()
    assert set(old.get_json()) == {"id", "handover"}
    detail = api(network.jvk).get(f"/api/v1/families/{family.id}").get_json()
    assert [(f["source"], f["about"], f["note"]) for f in detail["feedback"]] == [
        ("overdracht", "overdracht", "Moeder gebeld over de intake")]
    login(network.jvk)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Moeder gebeld over de intake" in page and 'id="h-feedback"' in page


# ------------------------------------------------------------------ who may record, who sees what

def _sw_in_core_team(family, network):
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()


@pytest.mark.parametrize("who,status", [
    ("jvk", 201),          # the coordinator
    ("mmw", 201),          # a care professional of the registering hospital
    ("gyn", 201),
    ("sw", 403),           # core team / MDO attendee of another organisation: not the coordinator
    ("planner", 403),      # MDO logistics, not a care role
    ("outsider", 404),     # not involved: the family does not exist for her
])
def test_who_may_record_feedback(family, network, api, who, status):
    _sw_in_core_team(family, network)
    before = _count()
    answer = api(getattr(network, who)).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "aanmelding", "recipient": "verwijzer", "method": "telefoon"})
    assert answer.status_code == status, answer.get_json()
    assert _count() == before + (1 if status == 201 else 0)


def test_the_acting_substitute_records_on_behalf_of_the_coordinator(family, network, api):
    absence = api(network.jvk).post("/api/v1/absences", json={"from": "2026-11-24", "to": "2026-11-27",
                                                              "reason": "ziekte", "substitute_id": network.jvk2.id})
    assert absence.status_code == 201, absence.get_json()
    created = api(network.jvk2).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "aanmelding", "recipient": "gezin", "method": "telefoon"})
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["by"], created.get_json()["on_behalf_of"]) == ("JVK Twee", "JVK Een")


def test_the_form_is_shown_only_to_who_may_record(family, network, login, client, app):
    _sw_in_core_team(family, network)
    url = f'action="/gezinnen/{family.id}/terugkoppeling"'
    login(network.jvk)
    assert url in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    other = app.test_client()
    login(network.sw, test_client=other)
    page = other.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200 and url not in page.get_data(as_text=True)


def test_web_form_error_next_to_the_field_keeps_the_typed_text(family, outcome, network, login, client):
    login(network.jvk)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    answer = client.post(f"/gezinnen/{family.id}/terugkoppeling", data={
        "csrf_token": token, "about": "mdo_uitkomst", "outcome_id": str(outcome.id), "recipient": "verwijzer",
        "method": "telefoon", "at": "2026-11-24T10:00", "note": "Getypte toelichting blijft staan"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="ff-at-err"' in html and "vóór het MDO" in html
    assert "Getypte toelichting blijft staan</textarea>" in html and 'value="2026-11-24T10:00"' in html
    assert _count() == 0
    ok = client.post(f"/gezinnen/{family.id}/terugkoppeling", data={
        "csrf_token": token, "about": "mdo_uitkomst", "outcome_id": str(outcome.id), "recipient": "verwijzer",
        "method": "telefoon", "at": "", "note": "Doorgegeven"})
    assert ok.status_code == 302
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Uitkomst van het MDO (MDO van 24-11-2026), aan verwijzer, telefonisch, door JVK Een" in page


def test_the_note_needs_verwijzingen(network, register, api, clock):
    """A reader who may see the family but not its verwijzingen sees that feedback was given, not the note."""
    clock.set(at("2026-11-23T09:30"))
    family = register(network.gyn, referred_at="2026-11-23T10:00:00+01:00")   # no consent yet
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    clock.set(at("2026-11-24T09:00"))
    created = api(network.gyn).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "aanmelding", "recipient": "verwijzer", "method": "telefoon", "note": "Canary terugkoppeling"})
    assert created.status_code == 201, created.get_json()
    seen = api(network.sw).get(f"/api/v1/families/{family.id}").get_json()
    assert "verwijzingen" not in seen["allowed"]
    assert [(f["method"], f["note"]) for f in seen["feedback"]] == [("telefoon", None)]


def test_a_referrer_who_lost_access_sees_the_pseudonym_only(family, network, api, db_session):
    feedback = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "aanmelding", "recipient": "verwijzer", "method": "telefoon", "note": "Canary verborgen"})
    assert feedback.status_code == 201
    token_client = api(network.gyn)
    gyn = network.gyn
    gyn.organisation_id = network.other_hospital.id   # she moved to another hospital
    db.session.commit()
    body = token_client.get("/api/v1/me/referrals")
    assert body.status_code == 200, body.get_json()
    line = [i for i in body.get_json()["items"] if i["family_id"] == family.id][0]
    assert line["visible"] is False and line["pseudonym"] == family.pseudonym
    assert (line["name"], line["coordinator"], line["status"], line["feedback"], line["feedback_received"]) == (
        None, None, None, [], False)
    assert b"Canary" not in body.data


def test_mijn_aanmeldingen_only_for_referring_roles_and_only_own_referrals(family, network, api, login, client):
    login(network.vrijwilliger)
    assert 'href="/mijn-aanmeldingen"' not in client.get("/").get_data(as_text=True)
    assert client.get("/mijn-aanmeldingen").status_code == 403
    assert api(network.vrijwilliger).get("/api/v1/me/referrals").status_code == 403
    # a colleague of the same hospital did not refer this family: not on her list
    items = api(network.mmw).get("/api/v1/me/referrals").get_json()["items"]
    assert family.id not in [i["family_id"] for i in items]


def test_feedback_about_the_intake_is_also_the_warm_handovers_feedback(family, network, api, clock):
    """Telling the referrer the intake's outcome completes the warm handover (closed at the intake):
    the nurse need not record it twice."""
    plan_or_record_intake(network.jvk, family.id, {"held_at": "2026-11-24T09:30", "outcome": "actief"})
    db.session.commit()
    clock.set(at("2026-11-24T12:00"))
    told = api(network.jvk).post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "intake", "recipient": "verwijzer", "method": "telefoon"})
    assert told.status_code == 201, told.get_json()
    handover = db.session.scalars(select(Handover).where(Handover.family_id == family.id)).one()
    assert handover.feedback_referrer == "telefoon" and handover.completed_at is not None


def test_feedback_about_the_exit_is_also_the_outward_handovers_feedback(family, network, api, clock):
    a = api(network.jvk)
    exit_ = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "doelen_bereikt", "target": "reguliere_jgz",
                                                               "target_name": "JGZ Noord"})
    assert exit_.status_code == 200, exit_.get_json()
    outward = db.session.scalars(select(Handover).where(Handover.family_id == family.id,
                                                        Handover.direction == "uit")).one()
    assert outward.feedback_referrer is None
    told = a.post(f"/api/v1/families/{family.id}/feedback", json={
        "about": "uitstroom", "recipient": "verwijzer", "method": "brief"})
    assert told.status_code == 201, told.get_json()
    db.session.refresh(outward)
    assert outward.feedback_referrer == "brief"


def test_the_outcomes_to_report_on_are_every_mdo_of_the_family_oldest_first(family, outcome, network, login, client,
                                                                           clock):
    _, second = _decided(family, network, clock, "2026-11-26T13:00", "Kraamzorg afbouwen")
    db.session.commit()
    login(network.jvk)
    html = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    select = html[html.index('<select id="ff-outcome"'):]
    select = select[:select.index("</select>")]
    first_at, second_at = select.index(f'value="{outcome.id}">MDO van 24-11-2026:'), \
        select.index(f'value="{second.id}">MDO van 26-11-2026:')
    assert first_at < second_at
    assert "Kraamzorg" not in select, "an outcome's text is MDO content, not shown in the choice"
