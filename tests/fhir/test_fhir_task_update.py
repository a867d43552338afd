"""PUT /fhir/Task/{id}: the handover's owner advances the warm handover through the same service as
the app (rules, audit entry, intake kept in step), with If-Match versioning."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.fhir import referral as mapping
from igp.handover.models import HandoverEvent
from igp.handover.services import current_handover
from tests.fhir.counting import fhir_json

FHIR = "application/fhir+json"
STEPS = mapping.codes.HANDOVER_STEPS
INPUTS = mapping.codes.TASK_INPUT


@pytest.fixture
def family(network, register, clock):
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    return register(network.jvk)   # its coordinator: the jeugdverpleegkundige who registered it (network.jvk)


def put(client, token_of, user, task_id, body, if_match="current", handover=None):
    headers = {"Authorization": f"Bearer {token_of(user)}"}
    if if_match == "current":
        headers["If-Match"] = f'W/"{handover.version}"'
    elif if_match is not None:
        headers["If-Match"] = if_match
    return client.put(f"/fhir/Task/{task_id}", data=json.dumps(body), content_type=FHIR, headers=headers)


def step(task: dict, code: str, status: str, **extra) -> dict:
    body = json.loads(json.dumps(task))
    body["status"] = status
    body["businessStatus"] = {"coding": [{"system": STEPS, "code": code}]}
    body.update(extra)
    return body


def answer(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:600])
    return fhir_json(response)


def test_the_owner_advances_the_handover_and_the_board_shows_it(family, network, client, api_token, login,
                                                                 db_session):
    handover = current_handover(family.id, "in")
    assert family.coordinator_id == network.jvk.id
    task = mapping.task(handover)
    assert task["owner"]["reference"] == f"PractitionerRole/{network.jvk.id}"
    body = step(task, "contact_gelegd", "accepted",
                input=[{"type": {"coding": [{"system": INPUTS, "code": "contactwijze"}]},
                        "valueCode": "coordinator_met_gezin"}])
    response = put(client, api_token, network.jvk, handover.id, body, handover=handover)
    updated = answer(response, 200)
    db_session.expire_all()
    handover = current_handover(family.id, "in")
    assert handover.status == "contact_gelegd" and handover.contact_at is not None
    assert updated["status"] == "accepted" and updated["businessStatus"]["coding"][0]["code"] == "contact_gelegd"
    assert response.headers["ETag"] == f'W/"{handover.version}"' == f'W/"{updated["meta"]["versionId"]}"'
    event = db_session.scalars(select(HandoverEvent).where(HandoverEvent.handover_id == handover.id)
                               .order_by(HandoverEvent.id.desc())).first()
    assert (event.event_type, event.contact_mode, event.by_user_id) == \
        ("contact_gelegd", "coordinator_met_gezin", network.jvk.id)
    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.object_type == "handover",
                                                        AuditEntry.object_id == str(handover.id))
                               .order_by(AuditEntry.id.desc())).first()
    assert audit is not None and "aangemeld -> contact_gelegd" in audit.detail
    login(network.jvk)
    column = client.get("/overdrachten?status=contact_gelegd").get_data(as_text=True)
    assert family.pseudonym in column
    assert family.pseudonym not in client.get("/overdrachten?status=aangemeld").get_data(as_text=True)


def test_planning_the_intake_through_the_task_records_the_intake(family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    body = step(mapping.task(handover), "intake_gepland", "in-progress",
                input=[{"type": {"coding": [{"system": INPUTS, "code": "intake_gepland_op"}]},
                        "valueDateTime": "2026-11-27T10:00:00+01:00"}])
    answer(put(client, api_token, network.jvk, handover.id, body, handover=handover), 200)
    db_session.expire_all()
    assert current_handover(family.id, "in").status == "intake_gepland"
    assert family.intakes and family.intakes[-1].planned_at == datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def test_status_alone_stands_for_the_next_step(family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    body = mapping.task(handover)
    body["status"] = "accepted"   # businessStatus left as it was: accepted is 'contact gelegd'
    body["note"] = [{"text": "Gebeld met moeder"}]
    updated = answer(put(client, api_token, network.jvk, handover.id, body, handover=handover), 200)
    assert updated["businessStatus"]["coding"][0]["code"] == "contact_gelegd"


def test_without_if_match_428_stale_412(family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    body = step(mapping.task(handover), "contact_gelegd", "accepted", note=[{"text": "Gebeld"}])
    missing = answer(put(client, api_token, network.jvk, handover.id, body, if_match=None), 428)
    assert missing["issue"][0]["expression"] == ["If-Match"]
    stale = f'W/"{handover.version - 1 if handover.version > 1 else handover.version + 1}"'
    refused = answer(put(client, api_token, network.jvk, handover.id, body, if_match=stale), 412)
    assert "intussen gewijzigd" in refused["issue"][0]["diagnostics"]
    answer(put(client, api_token, network.jvk, handover.id, body, if_match="3"), 412)   # not an ETag
    db_session.expire_all()
    assert current_handover(family.id, "in").status == "aangemeld"
    # the version read before a change is stale after it
    first = put(client, api_token, network.jvk, handover.id, body, if_match=f'W/"{handover.version}"')
    answer(first, 200)
    again = step(mapping.task(handover), "intake_gepland", "in-progress")
    answer(put(client, api_token, network.jvk, handover.id, again, if_match=f'W/"{handover.version}"'), 412)


def test_other_users_404_or_403_and_unknown_ids_404(family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    body = step(mapping.task(handover), "contact_gelegd", "accepted", note=[{"text": "Gebeld"}])
    answer(put(client, api_token, network.outsider, handover.id, body, handover=handover), 404)
    answer(put(client, api_token, network.vrijwilliger, handover.id, body, handover=handover), 403)
    answer(put(client, api_token, network.pl, handover.id, body, handover=handover), 403)
    answer(put(client, api_token, network.jvk, 999999, body, handover=handover), 404)
    answer(put(client, api_token, network.jvk, "abc", body, handover=handover), 404)
    db_session.expire_all()
    assert current_handover(family.id, "in").status == "aangemeld"


def test_no_if_match_from_someone_who_may_not_see_it_is_404_not_428(family, network, client, api_token):
    handover = current_handover(family.id, "in")
    answer(put(client, api_token, network.outsider, handover.id, {"resourceType": "Task"}, if_match=None), 404)


BAD = {
    "status_does_not_fit_step": (lambda t: step(t, "contact_gelegd", "completed"), "Task.status"),
    "owner_changed": (lambda t: step(t, "contact_gelegd", "accepted", owner={"reference": "PractitionerRole/1"}),
                      "Task.owner"),
    "deadline_changed": (lambda t: step(t, "contact_gelegd", "accepted",
                                        restriction={"period": {"end": "2027-01-31"}}), "Task.restriction"),
    "unknown_step": (lambda t: step(t, "koffie", "accepted"), "Task.businessStatus"),
    "step_not_allowed": (lambda t: step(t, "overdracht_afgerond", "completed"), "Task.businessStatus"),
    "held_without_moment": (lambda t: step(t, "intake_gehouden", "completed"), "Task.businessStatus"),
    "written_without_reason": (lambda t: step(t, "schriftelijk_volstaat", "completed"), "Task.note[0].text"),
    "contact_without_mode": (lambda t: step(t, "contact_gelegd", "accepted"), "Task.input"),
    "future_moment": (lambda t: step(t, "contact_gelegd", "accepted", note=[{"text": "x"}],
                                     lastModified="2027-06-01T10:00:00Z"), "Task.lastModified"),
    "not_a_task": (lambda t: {"resourceType": "Patient"}, "Task"),
    "other_id": (lambda t: step(t, "contact_gelegd", "accepted", id="77"), "Task.id"),
    "no_change": (lambda t: t, "Task.businessStatus"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_task_is_422_naming_the_element(case, family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    make, expression = BAD[case]
    body = answer(put(client, api_token, network.jvk, handover.id, make(mapping.task(handover)), handover=handover),
                  422)
    expressions = [e for i in body["issue"] for e in i.get("expression") or []]
    assert any(e.startswith(expression) for e in expressions), body["issue"]
    db_session.expire_all()
    assert current_handover(family.id, "in").status == "aangemeld"


def test_a_closed_handover_cannot_be_advanced(family, network, client, api_token, db_session):
    handover = current_handover(family.id, "in")
    body = step(mapping.task(handover), "schriftelijk_volstaat", "completed",
                note=[{"text": "Verwijzer en gezin spraken af dat een brief volstaat."}])
    answer(put(client, api_token, network.jvk, handover.id, body, handover=handover), 200)
    db_session.expire_all()
    handover = current_handover(family.id, "in")
    again = step(mapping.task(handover), "contact_gelegd", "accepted", note=[{"text": "Gebeld"}])
    refused = answer(put(client, api_token, network.jvk, handover.id, again, handover=handover), 422)
    assert "afgesloten" in refused["issue"][0]["diagnostics"]


def test_wrong_content_type_415(family, network, client, api_token):
    handover = current_handover(family.id, "in")
    response = client.put(f"/fhir/Task/{handover.id}", data="status=accepted",
                          content_type="application/x-www-form-urlencoded",
                          headers={"Authorization": f"Bearer {api_token(network.jvk)}",
                                   "If-Match": f'W/"{handover.version}"'})
    answer(response, 415)


def test_read_the_task_then_put_it_back_advanced(family, network, client, api_token, db_session):
    """The round trip a client makes: GET /fhir/Task/{id}, change the step, PUT with its versionId."""
    handover = current_handover(family.id, "in")
    token = api_token(network.jvk)
    read = fhir_json(client.get(f"/fhir/Task/{handover.id}", headers={"Authorization": f"Bearer {token}"}))
    assert read == mapping.task(handover)
    body = step(read, "contact_gelegd", "accepted", note=[{"text": "Gebeld met moeder"}])
    version = read["meta"]["versionId"]
    response = put(client, api_token, network.jvk, handover.id, body, if_match=f'W/"{version}"')
    updated = answer(response, 200)
    assert int(updated["meta"]["versionId"]) == int(version) + 1
    answer(put(client, api_token, network.jvk, handover.id, body, if_match=f'W/"{version}"'), 412)


def test_a_write_in_between_is_412_not_a_500(family, network, client, api_token, db_session, monkeypatch):
    """Someone else's step between the If-Match check and the write (the version column notices it)."""
    from sqlalchemy.orm.exc import StaleDataError

    from igp.families import services as family_services

    def raced(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'handover' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(family_services, "record_handover_step", raced)
    handover = current_handover(family.id, "in")
    body = step(mapping.task(handover), "contact_gelegd", "accepted", note=[{"text": "Gebeld"}])
    refused = answer(put(client, api_token, network.jvk, handover.id, body, handover=handover), 412)
    assert refused["issue"][0]["expression"] == ["If-Match"]
