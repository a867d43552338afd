"""Absence that really hands over (issue 19): an absence is changed (period, reason, substitute)
by who may record it, with the same checks and nothing stored on a refusal; changing the
substitute moves the access at once; the substitute works the absent owner's open MDO actions
"namens" her during the absence only; a warning on the substitute's load; and on return a
summary of what happened in her families."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from igp.admin.services import set_setting
from igp.audit.models import AuditEntry
from igp.coordination import returns
from igp.coordination import services as coordination
from igp.coordination.models import Absence
from igp.extensions import db
from igp.families.models import Family
from igp.mdo import services as mdo
from igp.mdo.models import MdoAction
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk", "given_at": "2026-11-23T10:00"}
DURING = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
AFTER = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def _absence(network, **changes) -> Absence:
    body = {"from": "2026-11-24", "to": "2026-11-27", "reason": "verlof", "substitute_id": network.jvk2.id, **changes}
    absence = coordination.record_absence(network.jvk, body)
    db.session.commit()
    return absence


def _stored(absence_id: int) -> tuple:
    db.session.expire_all()
    a = db.session.get(Absence, absence_id)
    return a.starts_on.isoformat(), a.ends_on.isoformat(), a.reason, a.substitute_id


def _updates(absence_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "absence", AuditEntry.object_id == str(absence_id), AuditEntry.action == "update",
        AuditEntry.outcome == "allowed"))


# ------------------------------------------------------------------ who may change it

@pytest.mark.parametrize("who,status", [("jvk", 200), ("planner", 200), ("jvk2", 403), ("sw", 403)])
def test_the_absent_user_or_a_planner_of_her_organisation_changes_it(network, api, who, status):
    absence = _absence(network)
    response = api(getattr(network, who)).patch(f"/api/v1/absences/{absence.id}", json={"to": "2026-11-26"})
    assert response.status_code == status, response.get_json()
    assert _stored(absence.id)[1] == ("2026-11-26" if status == 200 else "2026-11-27")
    assert _updates(absence.id) == (1 if status == 200 else 0)


def test_a_planner_of_another_organisation_may_not(network, api, make_user):
    absence = _absence(network)
    other = make_user("planner", org=network.hospital)
    assert api(other).patch(f"/api/v1/absences/{absence.id}", json={"to": "2026-11-26"}).status_code == 403
    assert _stored(absence.id)[1] == "2026-11-27"


def test_a_withdrawn_or_unknown_absence_is_404(network, api):
    absence = _absence(network)
    coordination.cancel_absence(network.jvk, absence.id)
    db.session.commit()
    assert api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json={"to": "2026-11-26"}).status_code == 404
    assert api(network.jvk).patch("/api/v1/absences/999999", json={"to": "2026-11-26"}).status_code == 404


def test_what_is_left_out_stays_and_the_answer_shows_the_result(network, api):
    absence = _absence(network)
    body = api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json={"reason": "ziekte"}).get_json()
    assert body == {"id": absence.id, "user_id": network.jvk.id, "from": "2026-11-24", "to": "2026-11-27",
                    "substitute_id": network.jvk2.id, "reason": "ziekte", "warnings": []}
    cleared = api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json={"substitute_id": None}).get_json()
    assert cleared["substitute_id"] is None and _stored(absence.id)[3] is None


# ------------------------------------------------------------------ bad input: 422 naming the field, nothing stored

@pytest.mark.parametrize("change,field,words", [
    ({"from": "2026-11-28", "to": "2026-11-26"}, "to", "eindigt vóór"),
    ({"from": "2026-12-01", "to": "2026-12-05"}, "from", "al een afwezigheid"),      # overlaps her other absence
    ({"substitute_id": "absent"}, "substitute_id", "zelf afwezig"),
    ({"substitute_id": "self"}, "substitute_id", "niet zichzelf"),
    ({"from": ""}, "from", "verplicht"),
    ({"reason": "feest"}, "reason", "onbekende waarde"),
])
def test_bad_changes_are_refused_naming_the_field(network, api, make_user, change, field, words):
    absence = _absence(network)
    coordination.record_absence(network.jvk, {"from": "2026-12-03", "to": "2026-12-10", "reason": "verlof"})
    absent_colleague = make_user("jeugdverpleegkundige", org=network.jgz)
    coordination.record_absence(absent_colleague, {"from": "2026-11-25", "to": "2026-11-26", "reason": "ziekte"})
    db.session.commit()
    ids = {"absent": absent_colleague.id, "self": network.jvk.id}
    body = {k: ids.get(v, v) for k, v in change.items()}
    before = _stored(absence.id)
    response = api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    fields = error.get("fields") or {error["field"]: error["message"]}
    assert field in fields and words in fields[field], fields
    assert _stored(absence.id) == before and _updates(absence.id) == 0


def test_the_absence_itself_is_no_overlap(network, api):
    absence = _absence(network)
    response = api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json={"from": "2026-11-25", "to": "2026-11-28"})
    assert response.status_code == 200, response.get_json()


# ------------------------------------------------------------------ changing the substitute moves the access

def _hospital_family(network, register) -> Family:
    """Registered by the hospital (so the JGZ sees it only as coordinator or substitute), coordinated by jvk."""
    family = register(network.gyn, consent=CONSENT)
    assert family.coordinator_id == network.jvk.id
    return family


def test_the_old_substitute_loses_the_family_the_new_one_gets_it(network, register, api, login, client, make_user,
                                                                 db_session):
    family = _hospital_family(network, register)
    absence = _absence(network)
    new = make_user("jeugdverpleegkundige", org=network.jgz, name="JVK Drie")
    db.session.commit()
    assert api(network.jvk2).get(f"/api/v1/families/{family.id}").status_code == 200
    assert api(new).get(f"/api/v1/families/{family.id}").status_code == 404
    changed = api(network.planner).patch(f"/api/v1/absences/{absence.id}", json={"substitute_id": new.id})
    assert changed.status_code == 200
    # at once: the old substitute reads the family page like an unknown one, the new one reads it
    assert api(network.jvk2).get(f"/api/v1/families/{family.id}").status_code == 404
    assert api(new).get(f"/api/v1/families/{family.id}").status_code == 200
    login(new)
    assert client.get(f"/gezinnen/{family.id}").status_code == 200
    db.session.expire_all()
    assert coordination.contact_today(db.session.get(Family, family.id))["acting_substitute"].id == new.id
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.object_type == "absence",
                                                        AuditEntry.action == "update")).one()
    assert entry.username == "planner" and f"substitute {network.jvk2.id} -> {new.id}" in entry.detail
    assert "Canary" not in entry.detail


def test_the_old_substitute_loses_the_family_page(network, register, login, client, api):
    family = _hospital_family(network, register)
    absence = _absence(network)
    login(network.jvk2)
    assert client.get(f"/gezinnen/{family.id}").status_code == 200
    assert api(network.jvk).patch(f"/api/v1/absences/{absence.id}", json={"substitute_id": None}).status_code == 200
    assert client.get(f"/gezinnen/{family.id}").status_code == 404


# ------------------------------------------------------------------ the absent owner's open MDO actions

def _action_owned_by_jvk(network, register, make_user) -> tuple[Family, MdoAction]:
    """jvk owns the action; the family is coordinated by a third nurse, so jvk2 sees it (registering
    organisation) but may act on it only as jvk's substitute."""
    family = register(network.jvk, consent=CONSENT)
    third = make_user("jeugdverpleegkundige", org=network.jgz)
    coordination.assign_coordinator(network.planner, family.id, {"user_id": third.id, "reason": "herverdeling"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T13:00"})
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    outcome = mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Bel de kraamzorg",
                                                       "owner_id": network.jvk.id, "due_date": "2026-12-15"})
    db.session.commit()
    return family, outcome.action


def test_the_substitute_works_the_absent_owners_actions_namens_her(network, register, make_user, login, client,
                                                                    clock, db_session):
    family, action = _action_owned_by_jvk(network, register, make_user)
    _absence(network)
    clock.set(DURING)
    login(network.jvk2)
    page = client.get("/mdo/acties").get_data(as_text=True)
    assert family.pseudonym in page and "namens JVK Een" in page
    token = csrf_token(client, "/mdo/acties")
    done = client.post("/mdo/acties", data={"action_id": action.id, "status": "gedaan", "csrf_token": token})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(MdoAction, action.id).status == "gedaan"
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.object_type == "mdo_action",
                                                        AuditEntry.action == "update")).one()
    assert entry.username == "jvk2" and entry.on_behalf_of_id == network.jvk.id


def test_after_the_absence_the_substitute_no_longer_sees_or_sets_them(network, register, make_user, api, clock):
    family, action = _action_owned_by_jvk(network, register, make_user)
    _absence(network)
    clock.set(AFTER)
    substitute = api(network.jvk2)
    assert substitute.get(f"/api/v1/families/{family.id}").status_code == 200   # still: registering organisation
    assert action.id not in [a["id"] for a in substitute.get("/api/v1/actions?owner=me").get_json()["items"]]
    assert substitute.post(f"/api/v1/actions/{action.id}", json={"status": "gedaan"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(MdoAction, action.id).status == "open"


def test_during_the_absence_the_api_lists_and_sets_them_too(network, register, make_user, api, clock):
    family, action = _action_owned_by_jvk(network, register, make_user)
    _absence(network)
    clock.set(DURING)
    substitute = api(network.jvk2)
    listed = substitute.get("/api/v1/actions?owner=me").get_json()["items"]
    assert [(a["id"], a["owner_id"]) for a in listed] == [(action.id, network.jvk.id)]
    assert substitute.post(f"/api/v1/actions/{action.id}", json={"status": "vervallen"}).status_code == 200
    # another nurse of the organisation, no substitute: refused
    other = api(network.planner)
    assert other.post(f"/api/v1/actions/{action.id}", json={"status": "open"}).status_code == 403


# ------------------------------------------------------------------ the substitute's load

def _active(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Family).where(
        Family.coordinator_id == user_id, Family.status.in_(coordination.ACTIVE_STATUSES)))


@pytest.mark.parametrize("margin,warned", [(0, False), (-1, True)])
def test_a_warning_when_the_substitutes_load_passes_the_threshold(network, register, api, margin, warned):
    for _ in range(2):
        register(network.jvk, consent=CONSENT)
    total = _active(network.jvk.id) + _active(network.jvk2.id)
    assert total >= 2
    set_setting("substitute_load_warning", total + margin)
    db.session.commit()
    created = api(network.jvk).post("/api/v1/absences", json={"from": "2026-11-24", "to": "2026-11-27",
                                                             "reason": "verlof", "substitute_id": network.jvk2.id})
    assert created.status_code == 201   # a warning, never a refusal
    assert bool(created.get_json()["warnings"]) is warned
    if warned:
        assert f"{total} actieve gezinnen" in created.get_json()["warnings"][0]
    changed = api(network.jvk).patch(f"/api/v1/absences/{created.get_json()['id']}", json={"to": "2026-11-26"})
    assert changed.status_code == 200 and bool(changed.get_json()["warnings"]) is warned


# ------------------------------------------------------------------ the summary on return

def test_on_return_she_sees_what_happened_in_her_families(network, register, api, login, client, clock, make_user):
    family = register(network.jvk, consent=CONSENT)
    quiet = register(network.jvk, consent=CONSENT)
    handed_on = register(network.jvk, consent=CONSENT)
    _absence(network, to="2026-11-26")
    clock.set(DURING)
    substitute = api(network.jvk2)
    assert substitute.post(f"/api/v1/families/{family.id}/handover/events", json={
        "type": "contact_gelegd", "contact_mode": "coordinator_met_gezin"}).status_code == 201
    assert substitute.post(f"/api/v1/families/{family.id}/notes", json={
        "category": "consultverslagen", "text": "Canary notitie"}).status_code == 201
    assert api(network.planner).put(f"/api/v1/families/{handed_on.id}/coordinator", json={
        "user_id": network.jvk2.id, "reason": "herverdeling"}).status_code == 200

    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))   # her first day back
    login(network.jvk)
    page = client.get("/mijn-gezinnen").get_data(as_text=True)
    section = page.split("Terwijl u afwezig was", 1)[1].split("</section>", 1)[0]
    assert family.pseudonym in section and quiet.pseudonym not in section
    assert "contact gelegd" in section and "namens u" in section and "1 nieuwe notitie(s): Consultverslagen" in section
    assert "Canary notitie" not in section   # what happened, not the content
    assert handed_on.pseudonym in section and "Coördinator gewijzigd op 25-11-2026 door Planner: nu JVK Twee" in section

    # not for others: the substitute, the planner
    for other in (network.jvk2, network.planner):
        other_client = client.application.test_client()
        login(other, test_client=other_client)
        assert "Terwijl u afwezig was" not in other_client.get("/mijn-gezinnen").get_data(as_text=True)

    # and no longer after the fourteen days
    clock.set(datetime(2026, 12, 11, 8, 0, tzinfo=timezone.utc))
    assert returns.return_summary(network.jvk) is None
    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=timezone.utc))
    assert returns.return_summary(network.jvk) is not None


def test_no_summary_during_the_absence(network, clock):
    _absence(network)
    clock.set(DURING)
    assert returns.return_summary(network.jvk) is None


def test_on_return_she_sees_her_action_done_namens_her(network, register, make_user, api, clock):
    family, action = _action_owned_by_jvk(network, register, make_user)
    _absence(network, to="2026-11-26")
    clock.set(DURING)
    assert api(network.jvk2).post(f"/api/v1/actions/{action.id}", json={"status": "gedaan"}).status_code == 200
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))
    db.session.expire_all()
    summary = returns.return_summary(network.jvk)
    lines = {f.pseudonym: f.lines for f in summary.families}[family.pseudonym]
    assert "Uw MDO-actie is namens u afgerond op 25-11-2026" in lines
    assert "MDO-uitkomst: actie op 24-11-2026" in lines
