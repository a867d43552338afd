"""Golden fixtures of the referral as ServiceRequest and the warm handover as Task (igp.fhir.referral):
plain functions from domain objects, here stand-ins with fixed ids, compared with the stored JSON."""
from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from igp.fhir import referral as mapping
from tests.fhir.counting import check_resource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "import"
AT = datetime(2026, 12, 22, 9, 30, tzinfo=timezone.utc)


def family(phase: str = "prenatal", coordinator: bool = True):
    poli = SimpleNamespace(code="pop", name="POP-poli")
    parents = [SimpleNamespace(id=41, relationship_type="moeder")]
    children = [] if phase == "prenatal" else [SimpleNamespace(id=7, sibling=True), SimpleNamespace(id=8, sibling=False)]
    return SimpleNamespace(id=12, pseudonym="GZ-K7M3P", phase=phase, status="aangemeld", poli=poli, parents=parents,
                           children=children,
                           coordinator=SimpleNamespace(id=3, name="JVK Een") if coordinator else None)


def referral(**overrides):
    values = dict(id=21, received_at=AT, referrer_type="verloskundige", referrer_name="Verloskundige Vos",
                  referrer_organisation="Praktijk De Wieg", reason="Geldzorgen en eerdere depressie",
                  vulnerabilities=["financien", "psychisch"], medical_reasons=["psychiatrie"], high_risk=True,
                  sender_identifiers=[
                      {"resource": "ServiceRequest", "system": "https://zorgdomein.example.nl/NamingSystem/verwijzing",
                       "value": "ZD-2026-000123"},
                      {"resource": "Practitioner", "system": "http://fhir.nl/fhir/NamingSystem/agb-z",
                       "value": "03012345"},
                      {"resource": "Organization", "system": "http://fhir.nl/fhir/NamingSystem/agb-z",
                       "value": "03000999"},
                      {"resource": "Patient", "system": "https://example.nl/clientnummer", "value": "C-4711"}])
    values.update(overrides)
    return SimpleNamespace(**values)


def handover(status: str = "aangemeld", *, closed: bool = False, direction: str = "in", the_family=None):
    events = [SimpleNamespace(recorded_at=AT), SimpleNamespace(recorded_at=datetime(2026, 12, 23, 8, 15,
                                                                                    tzinfo=timezone.utc))]
    return SimpleNamespace(
        id=5, family=the_family or family(), referral_id=21 if direction == "in" else None, direction=direction,
        status=status, started_at=AT, started_on=date(2026, 12, 22), deadline=date(2026, 12, 30), version=3,
        events=events if status != "aangemeld" else events[:1],
        contact_at=datetime(2026, 12, 23, 8, 0, tzinfo=timezone.utc) if status != "aangemeld" else None,
        closed_at=datetime(2026, 12, 28, 13, 0, tzinfo=timezone.utc) if closed else None)


def golden(name: str, resource: dict) -> None:
    path = FIXTURES / name
    if os.environ.get("IGP_WRITE_GOLDEN"):
        path.write_text(json.dumps(resource, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert resource == json.loads(path.read_text(encoding="utf-8"))
    check_resource(resource)


def test_service_request_golden():
    golden("service_request.json", mapping.service_request(referral(), family(), handover("contact_gelegd")))


def test_task_golden():
    golden("task.json", mapping.task(handover("contact_gelegd")))


def test_task_of_an_outward_handover_golden():
    golden("task_outward.json", mapping.task(handover("overdracht_aangeboden", direction="uit",
                                                      the_family=family("postnatal"))))


@pytest.mark.parametrize("step,status", [("aangemeld", "requested"), ("contact_gelegd", "accepted"),
                                         ("intake_gepland", "in-progress"), ("intake_gehouden", "completed"),
                                         ("schriftelijk_volstaat", "completed"), ("gezin_niet_bereikbaar", "failed"),
                                         ("gezin_ziet_af", "cancelled"), ("geannuleerd", "cancelled")])
def test_the_steps_map_to_task_statuses(step, status):
    closed = step not in ("aangemeld", "contact_gelegd", "intake_gepland")
    task = check_resource(mapping.task(handover(step, closed=closed)))
    assert task["status"] == status and task["businessStatus"]["coding"][0]["code"] == step
    assert task["restriction"]["period"]["end"] == "2026-12-30" and task["meta"]["versionId"] == "3"
    assert ("end" in task.get("executionPeriod", {})) is closed
    request = check_resource(mapping.service_request(referral(), family(), handover(step, closed=closed)))
    assert request["status"] == ("active" if not closed else "completed" if status == "completed" else "revoked")


def test_the_subject_is_the_mother_before_the_birth_and_the_index_child_after():
    assert mapping.task(handover())["for"] == {"reference": "Patient/ouder-41"}
    after = mapping.task(handover(the_family=family("postnatal")))
    assert after["for"] == {"reference": "Patient/kind-8"}    # child 7 is a sibling


def test_without_coordinator_no_owner_and_without_sender_identifiers_only_ours():
    task = check_resource(mapping.task(handover(the_family=family(coordinator=False))))
    assert "owner" not in task
    request = check_resource(mapping.service_request(referral(sender_identifiers=None, high_risk=False,
                                                              referrer_name=None), family()))
    assert request["identifier"] == [{"system": mapping.codes.REFERRAL_IDENTIFIER, "value": "21"}]
    assert "identifier" not in request["contained"][0] and "practitioner" not in request["contained"][0]
    assert request["requester"]["display"] == "Verloskundige (eerstelijns)"
    assert all(c["coding"][0]["code"] != "hoog_risico" for c in request["reasonCode"])
