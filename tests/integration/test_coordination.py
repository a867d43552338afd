"""Coordination: default assignment, reasons, substitution, geen_aanspreekpunt, bulk, exit."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.coordination import services
from igp.coordination.models import CoordinatorAssignment
from igp.errors import ValidationError
from igp.extensions import db
from igp.families.models import Family
from igp.handover.models import Handover
from igp.mdo import services as mdo

CONSENT = {"preset": "kernteam", "method": "schriftelijk", "given_at": "2026-11-23T10:00"}


def _family(family_id):
    db.session.expire_all()
    return db.session.get(Family, family_id)


def test_default_proposal_picks_the_least_loaded_nurse(network, register, make_user):
    # jvk1 gets three families, jvk2 one: the next hospital referral goes to jvk2
    for _ in range(3):
        register(network.jvk)
    register(network.jvk2)
    family = register(network.gyn, consent=CONSENT)
    assert family.coordinator_id == network.jvk2.id
    history = services.history(family.id)
    assert [(h.to_user_id, h.reason, h.by_user_id) for h in history] == [(network.jvk2.id, "standaard", network.gyn.id)]


def test_load_in_the_family_poli_counts_first(network, register):
    for _ in range(2):
        register(network.jvk2, poli="mamaplus")
    register(network.jvk)  # jvk1: 1 in pop, jvk2: 2 in mamaplus, 0 in pop
    family = register(network.gyn, consent=CONSENT)  # a pop family
    assert family.coordinator_id == network.jvk2.id


def test_no_coordinator_without_consent_for_the_nurses_organisation(network, register):
    family = register(network.gyn)  # hospital referral without consent: no JGZ nurse may be assigned
    assert family.coordinator_id is None
    assert family.id in services.families_without_contact()["geen_coordinator"]


def test_assign_other_role_needs_a_reason(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    a = api(network.gyn)
    url = f"/api/v1/families/{family.id}/coordinator"
    refused = a.put(url, json={"user_id": network.sw.id})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "reason"
    assert "standaard bij de jeugdverpleegkundige" in refused.get_json()["error"]["message"]
    ok = a.put(url, json={"user_id": network.sw.id, "reason": "complexe_sociale_problematiek"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["coordinator"]["user_id"] == network.sw.id
    other = a.put(url, json={"user_id": network.jvk.id})  # back to a nurse: no reason needed
    assert other.status_code == 200
    rows = db.session.scalars(select(CoordinatorAssignment).where(CoordinatorAssignment.family_id == family.id)
                              .order_by(CoordinatorAssignment.id)).all()
    assert [(r.from_user_id, r.to_user_id, r.reason) for r in rows][-2:] == [
        (rows[-3].to_user_id, network.sw.id, "complexe_sociale_problematiek"), (network.sw.id, network.jvk.id, "standaard")]


@pytest.mark.parametrize("who,reason,field,message", [
    ("gyn", "anders", "user_id", "geen rol die gezinnen coördineert"),
    ("planner", None, "user_id", "geen rol die gezinnen coördineert"),
    ("mmw", "anders", "reason_text", "Licht de reden 'anders' toe"),
    ("mmw", "omdat", "reason", "onbekende waarde 'omdat'"),
])
def test_assignment_refusals(network, register, api, who, reason, field, message):
    family = register(network.gyn, consent=CONSENT)
    before = _family(family.id).coordinator_id
    body = {"user_id": getattr(network, who).id}
    if reason:
        body["reason"] = reason
    response = api(network.gyn).put(f"/api/v1/families/{family.id}/coordinator", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    fields = error.get("fields") or {error["field"]: error["message"]}
    assert field in fields and message in fields[field]
    assert _family(family.id).coordinator_id == before


def test_coordinator_outside_the_consent_is_refused(network, register, api, make_user, make_org):
    outside_org = make_org("Sociaal Team Elders", "sociaal")
    skj = make_user("sociaal_werker", org=outside_org, username="skj", skj_registered=True)
    family2 = register(network.gyn, parents=[{"name": "Zonder Toestemming"}])
    response = api(network.gyn).put(f"/api/v1/families/{family2.id}/coordinator",
                                    json={"user_id": skj.id, "reason": "structurele_afspraak"})
    assert response.status_code == 422
    assert "toestemming van het gezin dekt Sociaal Team Elders niet" in response.get_json()["error"]["message"]


def test_substitution_starts_and_ends_on_the_right_dates(network, register, api, clock, db_session):
    family = register(network.jvk)
    a = api(network.planner)
    absence = a.post("/api/v1/absences", json={"user_id": network.jvk.id, "from": "2026-11-26", "to": "2026-11-27",
                                               "substitute_id": network.jvk2.id, "reason": "ziekte"})
    assert absence.status_code == 201, absence.get_json()

    def contact(on):
        clock.set(on)
        return services.contact_today(_family(family.id))

    assert contact(datetime(2026, 11, 25, 22, 59, tzinfo=timezone.utc))["acting_substitute"] is None  # 23:59 local
    assert contact(datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc))["acting_substitute"].id == network.jvk2.id
    assert contact(datetime(2026, 11, 27, 22, 0, tzinfo=timezone.utc))["acting_substitute"].id == network.jvk2.id
    assert contact(datetime(2026, 11, 27, 23, 0, tzinfo=timezone.utc))["acting_substitute"] is None  # Sat 00:00

    # during the absence the substitute sees the family among "mijn gezinnen" and acts "namens"
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))
    sub = api(network.jvk2)
    assert sub.get(f"/api/v1/families/{family.id}").status_code == 200
    mine = sub.get("/api/v1/handovers?mine=1").get_json()["items"]
    assert [i["family_id"] for i in mine] == [family.id]
    response = sub.post(f"/api/v1/families/{family.id}/handover/events",
                        json={"type": "contact_gelegd", "contact_mode": "coordinator_met_gezin"})
    assert response.get_json()["event"]["on_behalf_of_id"] == network.jvk.id
    db_session.expire_all()
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.username == "jvk2", AuditEntry.action == "update",
                                                        AuditEntry.object_type == "handover")).one()
    assert entry.on_behalf_of_id == network.jvk.id
    detail = sub.get(f"/api/v1/families/{family.id}").get_json()
    assert detail["coordinator"]["acting_substitute"]["user_id"] == network.jvk2.id

    # afterwards everything returns: the substitute no longer sees it as theirs
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    assert api(network.jvk2).get("/api/v1/handovers?mine=1").get_json()["items"] == []


def test_geen_aanspreekpunt_only_when_absent_without_substitute(network, register, clock, make_user):
    family = register(network.jvk)
    assert services.no_contact_count() == 0
    services.record_absence(network.jvk, {"from": "2026-11-24", "to": "2026-11-25", "reason": "ziekte"})
    db.session.commit()
    assert services.families_without_contact()["coordinator_afwezig"] == [family.id]
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))
    assert services.no_contact_count() == 0  # back from absence
    services.record_absence(network.jvk, {"from": "2026-11-26", "to": "2026-11-27", "reason": "verlof",
                                          "substitute_id": network.jvk2.id})
    db.session.commit()
    assert services.no_contact_count() == 0  # substitute covers


@pytest.mark.parametrize("body,field,message", [
    ({"from": "2026-11-27", "to": "2026-11-26", "reason": "ziekte"}, "to", "eindigt vóór"),
    ({"from": "2026-11-26", "to": "2026-11-27", "reason": "feest"}, "reason", "onbekende waarde"),
    ({"from": "2026-11-26", "to": "2026-11-27", "reason": "ziekte", "substitute_id": "self"}, "substitute_id", ""),
    ({"from": "2026-11-26", "reason": "ziekte"}, "to", "verplicht"),
])
def test_absence_refusals(network, api, body, field, message):
    data = dict(body)
    if data.get("substitute_id") == "self":
        data["substitute_id"] = network.jvk.id
    response = api(network.jvk).post("/api/v1/absences", json=data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    fields = error.get("fields") or {error["field"]: error["message"]}
    assert field in fields and message in fields[field]


def test_substitute_who_is_absent_too_is_refused(network, api):
    assert api(network.jvk2).post("/api/v1/absences", json={"from": "2026-11-25", "to": "2026-11-30",
                                                            "reason": "verlof"}).status_code == 201
    response = api(network.jvk).post("/api/v1/absences", json={"from": "2026-11-26", "to": "2026-11-27",
                                                               "reason": "ziekte", "substitute_id": network.jvk2.id})
    assert response.status_code == 422
    assert "zelf afwezig" in response.get_json()["error"]["message"]


def test_planner_records_absence_for_others_nurse_only_for_self(network, api):
    refused = api(network.jvk).post("/api/v1/absences", json={"user_id": network.jvk2.id, "from": "2026-11-26",
                                                              "to": "2026-11-27", "reason": "ziekte"})
    assert refused.status_code == 403


def test_bulk_reassignment_is_atomic(network, register, api, make_user, make_org):
    fam1 = register(network.jvk)
    fam2 = register(network.jvk)
    fam3 = register(network.gyn)  # no consent: jvk2's organisation is not covered
    a = api(network.planner)
    refused = a.post("/api/v1/caseload/reassign", json={"family_ids": [fam1.id, fam2.id, fam3.id],
                                                        "to_user_id": network.jvk2.id, "reason": "herverdeling"})
    assert refused.status_code == 422 and fam3.pseudonym in refused.get_json()["error"]["message"]
    assert {_family(f.id).coordinator_id for f in (fam1, fam2)} == {network.jvk.id}  # nothing changed
    ok = a.post("/api/v1/caseload/reassign", json={"family_ids": [fam1.id, fam2.id], "to_user_id": network.jvk2.id,
                                                   "reason": "herverdeling"})
    assert ok.status_code == 200 and sorted(ok.get_json()["reassigned"]) == sorted([fam1.id, fam2.id])
    caseload = {r["user_id"]: r for r in a.get("/api/v1/caseload").get_json()["items"]}
    assert caseload[network.jvk2.id]["active_families"] == 2 and caseload[network.jvk.id]["active_families"] == 0


def test_projectleider_sees_caseload_counts_only(network, register, api):
    register(network.jvk)
    body = api(network.pl).get("/api/v1/caseload").get_json()
    row = next(r for r in body["items"] if r["user_id"] == network.jvk.id)
    assert row["active_families"] == 1 and "families" not in row


def test_exit_with_outward_handover_follows_the_same_rules(network, register, api, clock):
    family = register(network.jvk)
    a = api(network.jvk)
    a.post(f"/api/v1/families/{family.id}/intake", json={"held_at": "2026-11-24T08:00", "outcome": "actief"})
    refused = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "doelen_bereikt"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "target"
    response = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "doelen_bereikt",
                                                                   "target": "reguliere_jgz"})
    assert response.status_code == 200, response.get_json()
    outward = response.get_json()["outward_handover"]
    assert outward["direction"] == "uit" and outward["status"] == "overdracht_gestart"
    assert outward["deadline"] == "2026-12-01"  # Tue 24-11 + 5 working days
    # the outward handover has its own steps (no intake: the receiver already sees the child) ...
    url = f"/api/v1/families/{family.id}/handover/events"
    for inward_step in ({"type": "intake_gehouden"}, {"type": "contact_gelegd", "contact_mode": "anders"}):
        wrong = a.post(url, json=inward_step)
        assert wrong.status_code == 422 and "geen stap van de overdracht bij uitstroom" in \
            wrong.get_json()["error"]["fields"]["type"]
    assert a.post(url, json={"type": "overdracht_aangeboden"}).status_code == 201
    # ... and the same term rule: closing it after the deadline needs a reason
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc))
    b = api(network.jvk)
    late = b.post(url, json={"type": "overdracht_afgerond", "at": "2026-12-02T10:00"})
    assert late.status_code == 422 and late.get_json()["error"]["fields"]["reason"]
    assert _family(family.id).status == "uitgestroomd"


def test_exit_with_open_actions_needs_confirmation(network, register, api, clock):
    family = register(network.jvk, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw)]})
    for text in ("Schuldhulp aanvragen", "Huisbezoek plannen"):
        mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": text, "owner_id": network.jvk.id,
                                                  "due_date": "2026-12-15"})
    db.session.commit()
    a = api(network.jvk)
    refused = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "verhuisd"})
    assert refused.status_code == 422 and "2 open MDO-actie" in refused.get_json()["error"]["message"]
    assert _family(family.id).status == "aangemeld"
    ok = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "verhuisd", "confirm_open_actions": True})
    assert ok.status_code == 200
    inward = db.session.scalars(select(Handover).where(Handover.family_id == family.id,
                                                       Handover.direction == "in")).one()
    assert inward.status == "geannuleerd"


def test_age_limit_signal(network, register, clock):
    family = register(network.jvk, phase="postnatal", expected_due_date=None,
                      children=[{"name": "Kind", "birth_date": "2025-02-01"}])
    # second birthday 01-02-2027; the signal starts 6 weeks before: 21-12-2026
    assert services.age_limit_signals(network.jvk) == ([], 0)
    clock.set(datetime(2026, 12, 20, 22, 59, tzinfo=timezone.utc))
    assert services.age_limit_signals(network.jvk) == ([], 0)
    clock.set(datetime(2026, 12, 20, 23, 0, tzinfo=timezone.utc))  # 21-12 00:00 in Amsterdam
    signals, total = services.age_limit_signals(network.jvk)
    assert [(f.id, d) for f, d in signals] == [(family.id, date(2027, 2, 1))] and total == 1


def test_knelpunten(network, api, login, client):
    a = api(network.jvk)
    assert a.post("/api/v1/knelpunten", json={"kind": "capaciteit"}).status_code == 422
    created = a.post("/api/v1/knelpunten", json={"kind": "capaciteit",
                                                 "description": "Wachtlijst schuldhulp 8 weken."})
    assert created.status_code == 201
    login(network.pl)
    page = client.get("/knelpunten").get_data(as_text=True)
    assert "Wachtlijst schuldhulp 8 weken." in page
    from tests.conftest import csrf_token

    token = csrf_token(client, "/knelpunten")
    refused = client.post("/knelpunten", data={"csrf_token": token, "knelpunt_id": created.get_json()["id"],
                                               "status": "gesloten"})
    assert refused.status_code == 422  # closing needs a resolution
    ok = client.post("/knelpunten", data={"csrf_token": token, "knelpunt_id": created.get_json()["id"],
                                          "status": "gesloten", "resolution": "Extra schuldhulpmaatje geregeld."})
    assert ok.status_code == 302


def test_service_refuses_unknown_user(network, register):
    family = register(network.jvk)
    with pytest.raises(ValidationError):
        services.assign_coordinator(network.jvk, family.id, {"user_id": 99999})


def test_planner_signals_list_families_without_contact_first_ones_and_the_total(network, register, login, client):
    families = [register(network.jvk) for _ in range(3)]
    services.record_absence(network.jvk, {"from": "2026-11-24", "to": "2026-11-25", "reason": "ziekte"})
    db.session.commit()
    rows, total = services.families_without_contact_list(limit=2)
    assert total == 3 and [r[0] for r in rows] == [families[0].id, families[1].id]
    assert {r[2] for r in rows} == {"coordinator_afwezig"}
    assert services.families_without_contact_list()[1] == 3
    # a family without any coordinator comes first, whatever its number
    unassigned = register(network.jvk)
    unassigned.coordinator_id = None
    db.session.commit()
    rows, total = services.families_without_contact_list(limit=2)
    assert total == 4 and [(r[0], r[2]) for r in rows] == [(unassigned.id, "geen_coordinator"),
                                                           (families[0].id, "coordinator_afwezig")]
    assert services.no_contact_count() == 4
    login(network.planner)
    page = client.get("/signalen").get_data(as_text=True)
    assert all(f.pseudonym in page for f in families) and "coördinator afwezig zonder vervanger" in page
