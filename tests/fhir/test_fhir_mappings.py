"""Golden fixtures per mapping: each mapping module's function on fixed plain inputs (the shapes the
gateway's view and the related read models hand over), compared with tests/fixtures/fhir/<case>.json
after normalising the volatile fields; every result parses with the 4.0.1 models and passes the
nl-core FHIRPath checks (counted). IGP_UPDATE_GOLDEN=1 rewrites the files (review the diff).

Also: the checks derived from the Nictiz resources agree with the extract kept in
tests/fixtures/nictiz/ (CC0), and every local code a mapping emits is in the CodeSystem served for it."""
from __future__ import annotations

import difflib
import json
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from igp.fhir import (
    audit_event,
    careplan,
    careteam,
    codes,
    communication,
    consent,
    contact_person,
    encounter,
    goal,
    mdo,
    organization,
    patient,
    practitioner_role,
    pregnancy,
    service_request,
    validate,
)
from igp.fhir.common import reference
from tests.fhir.counting import check_resource

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = FIXTURES / "fhir"
AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
CHILD = reference("Patient", "kind-7")
MOTHER = reference("Patient", "ouder-3")
PARENT = {"id": 3, "position": 1, "name": "Anna de Vries", "birth_date": date(1995, 3, 14), "bsn": "111222333",
          "phone": "06-12345678", "address": "Dorpsstraat 1", "postcode": "1234 AB", "city": "Utrecht",
          "relationship_type": "moeder", "gezag": "ja", "contact_secret": False}
USER = NS(id=12, name="Jet Jansen")


def _cases() -> dict:
    consent_view = NS(id=5, status="ingetrokken", recipient_organisation_id=None, recipient_domain="sociaal",
                      recipient_name="Sociaal domein", categories=["naw", "zorgplan"], purpose="zorg_en_ondersteuning",
                      given_at=AT, valid_until=datetime(2027, 11, 24, tzinfo=timezone.utc),
                      withdrawn_at=datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc))
    discussion = NS(meeting_id=4, starts_at=AT, poli_name="POP-poli", status="besproken", anonymous=False,
                    outcomes=[NS(kind="doorverwijzing", referral_type="ggz", quorum_met=True, text="Naar de GGZ"),
                              NS(kind="besluit", referral_type=None, quorum_met=False, text="Opnieuw bespreken")])
    entry = NS(id=99, at=AT, user_id=12, username="jet", organisation_id=2, roles="jeugdverpleegkundige",
               on_behalf_of_id=13, action="read", object_type="family", object_id="9", family_pseudonym="GZ-ABCDE",
               categories_shown="naw,zorgplan", categories_withheld="medicatie:niet_nodig_voor_rol", consent_ids="5",
               outcome="allowed", source_address="10.0.0.1", detail="fhir")
    plan = {"hulpvraag": "Rust in huis", "start_date": date(2026, 11, 24), "evaluation_date": date(2027, 2, 24),
            "actions": [{"what": "Bel de schuldhulp", "who": "Sociaal werker", "by_when": date(2026, 12, 1)}]}
    return {
        "patient_mother": lambda: patient.mother_patient(3, PARENT, pseudonym="GZ-ABCDE", organisation_id=1),
        "patient_mother_without_naw": lambda: patient.mother_patient(3, None, pseudonym="GZ-ABCDE", organisation_id=1),
        "patient_child": lambda: patient.child_patient(7, {"id": 7, "name": "Bo de Vries", "birth_date": date(2026, 11, 2)},
                                                       pseudonym="GZ-ABCDE", organisation_id=1),
        "contact_person_mother": lambda: contact_person.contact_person(PARENT, patient=CHILD, postnatal=True),
        "contact_person_partner_prenatal": lambda: contact_person.contact_person(
            {**PARENT, "id": 4, "position": 2, "relationship_type": "partner", "contact_secret": True, "bsn": None},
            patient=MOTHER, postnatal=False),
        "contact_person_foster_parent": lambda: contact_person.contact_person(
            {**PARENT, "id": 5, "relationship_type": "pleegouder"}, patient=CHILD, postnatal=True),
        "pregnancy": lambda: pregnancy.pregnancy(2, date(2027, 2, 10), "lopend", AT, mother=MOTHER),
        "organization": lambda: organization.organization(1, "Ziekenhuis Noord", "zorg"),
        "practitioner_role": lambda: practitioner_role.practitioner_role(12, "Jet Jansen", 2, {"jeugdverpleegkundige"}),
        "encounter_intake": lambda: encounter.intake_encounter(
            {"id": 8, "type": "gezamenlijk", "location": "consultatiebureau", "planned_at": AT, "held_at": AT,
             "participants": [{"id": 12, "name": "Jet Jansen"}]}, patient=CHILD, organisation_id=1),
        "encounter_contact": lambda: encounter.contact_encounter(
            NS(id=6, kind="huisbezoek", discipline="jgz", recorded_by="Jet Jansen", contact_on=date(2026, 11, 20)),
            patient=CHILD),
        "goal": lambda: goal.goal(9, 0, {"what": "Vaste slaaptijden", "who": "Moeder", "by_when": date(2027, 1, 15),
                                         "status": "bereikt"}, patient=CHILD, addresses=reference("ServiceRequest", 21)),
        "care_team": lambda: careteam.care_team(9, [NS(user=NS(id=14, name="Dr. Gyn"), case_role="gynaecoloog"),
                                                    NS(user=USER, case_role="jeugdverpleegkundige")],
                                                patient=CHILD, coordinator=USER),
        "care_plan": lambda: careplan.care_plan(
            9, plan, 3, patient=CHILD, goals=[reference("Goal", "gezinsplan-9-doel-1")],
            care_team=reference("CareTeam", "kernteam-9"),
            referrals=[reference("ServiceRequest", "gezinsplan-9-verwijzing-r1")],
            aanmelding=reference("ServiceRequest", 21), active=True),
        "service_request_plan": lambda: service_request.plan_referral(
            9, {"id": "r1", "to": "Schuldhulp", "referral_type": "welzijn", "status": "wachtlijst",
                "requested_on": date(2026, 11, 24)}, patient=CHILD, based_on=reference("CarePlan", "gezinsplan-9")),
        "mdo_discussion": lambda: mdo.discussion(9, discussion, patient=CHILD),
        "communication": lambda: communication.communication(
            NS(id=3, source="gezin", about="intake", recipient="verwijzer", method="beveiligde_mail", at=AT,
               by="Jet Jansen", note="Intake gehouden"), patient=CHILD, about=[reference("ServiceRequest", 21)]),
        "consent_withdrawn": lambda: consent.consent_resource(consent_view, patient=CHILD, custodian_id=1),
        "consent_organisation": lambda: consent.consent_resource(
            NS(**{**vars(consent_view), "status": "actief", "withdrawn_at": None, "recipient_organisation_id": 3,
                  "recipient_domain": None, "recipient_name": "Wijkteam Oost", "purpose": "warme_overdracht"}),
            patient=CHILD, custodian_id=1),
        "audit_event_read": lambda: audit_event.audit_event(entry, patient=CHILD),
        "audit_event_refused": lambda: audit_event.audit_event(
            NS(**{**vars(entry), "action": "refused", "outcome": "denied", "detail": "not involved",
                  "on_behalf_of_id": None, "consent_ids": None, "categories_shown": None}), patient=None),
        "code_system_categories": lambda: codes.code_system("categorie"),
    }


CASES = _cases()


def normalise(value):
    """Volatile fields out: the export's moment (lastUpdated, timestamp) and family pseudonyms."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = re.sub(r'"(lastUpdated|timestamp)": "[^"]+"', r'"\1": "<moment>"', text)
    text = re.sub(r"GZ-[A-Z0-9]{3,8}", "GZ-<pseudoniem>", text)
    return json.loads(text)


def compare_with_golden(name: str, produced) -> None:
    path = GOLDEN / f"{name}.json"
    produced = normalise(produced)
    if os.environ.get("IGP_UPDATE_GOLDEN"):
        path.write_text(json.dumps(produced, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with IGP_UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    if produced != expected:
        produced_lines = json.dumps(produced, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
        expected_lines = json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
        diff = "\n".join(list(difflib.unified_diff(expected_lines, produced_lines, lineterm="", n=2))[:60])
        pytest.fail(f"{name} differs from {path.name}:\n{diff}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_mapping_matches_its_golden_fixture_and_validates(name):
    produced = CASES[name]()
    for resource in produced if isinstance(produced, list) else [produced]:
        check_resource(resource)
    compare_with_golden(name, produced)


def test_a_bsn_goes_into_the_bsn_system_and_not_without_naw():
    with_naw, without = CASES["patient_mother"](), CASES["patient_mother_without_naw"]()
    assert {"system": validate.BSN_SYSTEM, "value": "111222333"} in with_naw["identifier"]
    assert "111222333" not in json.dumps(without) and "name" not in without and "birthDate" not in without


def test_a_geheim_address_never_travels():
    partner = CASES["contact_person_partner_prenatal"]()
    assert "address" not in partner and "telecom" not in partner
    assert partner["relationship"][0]["coding"][0]["code"] == "DOMPART"


def test_a_withdrawn_consent_is_inactive_with_one_provision_per_category():
    resource = CASES["consent_withdrawn"]()
    assert resource["status"] == "inactive"
    provisions = resource["provision"]["provision"]
    assert [p["class"][0]["code"] for p in provisions] == ["naw", "zorgplan"]
    assert all(p["period"]["end"] == "2026-12-01T10:00:00Z" for p in provisions)
    assert CASES["consent_organisation"]()["status"] == "active"


# ------------------------------------------------------------------ the Nictiz extract (CC0)

def _nictiz() -> dict:
    return json.loads((FIXTURES / "nictiz" / "nl-core-derived.json").read_text(encoding="utf-8"))


def test_the_relationship_codes_are_the_nictiz_value_set():
    data = _nictiz()
    assert "CC0" in data["_notice"] and data["version"] == validate.PACKAGE_VERSION
    role_codes = next(i for i in data["RelatieCodelijst"]["include"] if i["system"] == validate.ROLE_CODE)
    assert sorted(c["code"] for c in role_codes["concept"]) == sorted(validate.RELATIE_CODES)
    assert set(contact_person.RELATION.values()) <= set(validate.RELATIE_CODES)
    roles = next(i for i in data["RolCodelijst"]["include"] if i["system"] == contact_person.ROL_CODELIJST)
    assert {c["code"]: c["display"] for c in roles["concept"]}.items() >= dict(
        contact_person.ROLE_POSITIONS.values()).items()


def test_the_fixed_codes_and_the_bsn_system_are_the_nictiz_patterns():
    elements = _nictiz()["elements"]
    bsn = next(e for e in elements["zib-Patient"] if e["element"] == "Patient.identifier:bsn")
    assert bsn["patternIdentifier.system"] == validate.BSN_SYSTEM
    assert elements["zib-Pregnancy"][0]["patternCodeableConcept.coding"]["code"] == pregnancy.PREGNANCY["code"]
    edd = elements["zib-Pregnancy.EstimatedDateOfDelivery"][0]["patternCodeableConcept.coding"]
    assert edd["code"] == pregnancy.EDD["code"]
    assert elements["zib-TreatmentObjective"] == [{"element": "Goal.addresses", "max": "1"}]


# ------------------------------------------------------------------ local codes are served

def local_codings(value) -> list[tuple[str, str]]:
    found = []
    if isinstance(value, dict):
        if isinstance(value.get("system"), str) and "code" in value and value["system"].startswith(codes.BASE):
            found.append((value["system"], value["code"]))
        for item in value.values():
            found += local_codings(item)
    elif isinstance(value, list):
        for item in value:
            found += local_codings(item)
    return found


def test_every_local_code_is_in_its_served_code_system():
    used = [c for name, case in CASES.items() for c in local_codings(case())]
    assert len(used) > 20
    for system, code in used:
        key = codes.system_id_of(system)
        assert key is not None, system
        assert code in codes.SYSTEMS[key][1], (system, code)
