"""POST /fhir: a referral document (ZorgDomein style) registered as an aanmelding through the same
service as the form and the JSON API (target group, duplicates, the warm handover's deadline)."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from igp.families.models import Family, Referral
from igp.fhir import referral as mapping
from igp.fhir import validate
from igp.handover.models import Handover
from igp.handover.services import current_handover
from tests.fhir.counting import check_resource, fhir_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "import"
FHIR = "application/fhir+json"
# Tuesday 22 December 2026, 10:00 in Amsterdam: five working days later is Wednesday the 30th, because
# Friday the 25th (1e Kerstdag) is a holiday (the 26th, 2e Kerstdag, is a Saturday)
BEFORE_CHRISTMAS = datetime(2026, 12, 22, 9, 0, tzinfo=timezone.utc)


def document() -> dict:
    return json.loads((FIXTURES / "referral_prenatal.json").read_text(encoding="utf-8"))


def post(client, token_of, user, body, content_type: str = FHIR):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/fhir", data=data, content_type=content_type,
                       headers={"Authorization": f"Bearer {token_of(user)}"})


def families_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Family))


def outcome_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    body = fhir_json(response)   # application/fhir+json, parsed with the 4.0.1 models and checked
    assert body["resourceType"] == "OperationOutcome"
    return body


@pytest.fixture
def before_christmas(clock):
    clock.set(BEFORE_CHRISTMAS)
    return clock


def test_an_imported_referral_creates_the_family_with_its_handover_deadline(
        network, client, api_token, db_session, before_christmas):
    response = post(client, api_token, network.jvk, document())
    body = outcome_of(response, 201)
    family = db_session.scalars(select(Family).order_by(Family.id.desc())).first()
    handover = current_handover(family.id, "in")
    assert response.headers["Location"].endswith(f"/fhir/Task/{handover.id}")
    assert handover.started_on == date(2026, 12, 22) and handover.term_workdays == 5
    assert handover.deadline == date(2026, 12, 30)       # not the 29th: 25 December is no working day
    assert family.status == "aangemeld" and family.phase == "prenatal" and family.target_eligible
    assert family.expected_due_date == date(2027, 5, 10) and family.poli.code == "pop"
    mother = family.parents[0]
    assert (mother.name, mother.birth_date, mother.bsn, mother.relationship_type) == \
        ("Canary Moedernaam", date(1995, 3, 14), "111222333", "moeder")
    referral = family.referrals[0]
    assert (referral.referrer_type, referral.referrer_name, referral.referrer_organisation) == \
        ("verloskundige", "Verloskundige Vos", "Praktijk De Wieg")
    assert referral.vulnerabilities == ["financien", "psychisch"] and referral.medical_reasons == ["psychiatrie"]
    assert family.coordinator_id is not None                   # the default coordinator, as at the desk
    diagnostics = [i["diagnostics"] for i in body["issue"]]
    assert any("intake uiterlijk 30-12-2026 (5 werkdagen)" in d for d in diagnostics)
    assert {"text": f"Task/{handover.id}"} in [i.get("details") for i in body["issue"]]
    assert any(d.startswith("Niet overgenomen: Toestemming") for d in diagnostics)
    assert any("Depressie" in d and d.startswith("Niet overgenomen") for d in diagnostics)
    assert any(i.get("expression") == ["Bundle.entry[1].resource.gender"] for i in body["issue"])
    assert all(i["severity"] == "information" for i in body["issue"])


def test_the_senders_identifiers_are_kept_and_answered_in_the_service_request(
        network, client, api_token, db_session, before_christmas, checked):
    outcome_of(post(client, api_token, network.jvk, document()), 201)
    referral = db_session.scalars(select(Referral).order_by(Referral.id.desc())).first()
    kept = {(i["resource"], i["system"], i["value"]) for i in referral.sender_identifiers}
    assert ("ServiceRequest", "https://zorgdomein.example.nl/NamingSystem/verwijzing", "ZD-2026-000123") in kept
    assert ("Bundle", "https://zorgdomein.example.nl/NamingSystem/document", "ZD-DOC-2026-000777") in kept
    assert ("Practitioner", "http://fhir.nl/fhir/NamingSystem/agb-z", "03012345") in kept
    assert ("Patient", "https://verloskunde-dewieg.example.nl/NamingSystem/clientnummer", "C-4711") in kept
    assert not any(i["system"] == "http://fhir.nl/fhir/NamingSystem/bsn" for i in referral.sender_identifiers)
    family = referral.family
    request = checked(mapping.service_request(referral, family, current_handover(family.id, "in")))
    assert {"system": "https://zorgdomein.example.nl/NamingSystem/verwijzing", "value": "ZD-2026-000123"} \
        in request["identifier"]
    role = request["contained"][0]
    assert role["practitioner"]["identifier"] == {"system": "http://fhir.nl/fhir/NamingSystem/agb-z",
                                                  "value": "03012345"}
    assert request["status"] == "active" and request["code"]["coding"][0]["code"] == "3457005"
    checked(mapping.task(current_handover(family.id, "in")))


def test_the_identifiers_are_stored_encrypted(network, client, api_token, db_session, before_christmas):
    outcome_of(post(client, api_token, network.jvk, document()), 201)
    raw = db_session.execute(text("SELECT sender_identifiers FROM referral ORDER BY id DESC")).scalars().first()
    assert raw and "ZD-2026-000123" not in str(raw) and "C-4711" not in str(raw)


def test_a_second_import_of_the_same_family_is_409_listing_the_duplicate(
        network, client, api_token, db_session, before_christmas):
    outcome_of(post(client, api_token, network.jvk, document()), 201)
    first = db_session.scalars(select(Family).order_by(Family.id.desc())).first()
    before = families_count(db_session)
    body = outcome_of(post(client, api_token, network.jvk, document()), 409)
    assert body["issue"][0]["code"] == "duplicate" and "lijkt al aangemeld" in body["issue"][0]["diagnostics"]
    listed = [i for i in body["issue"][1:] if i.get("details") == {"text": f"gezin {first.pseudonym} (id {first.id})"}]
    assert listed and first.pseudonym in listed[0]["diagnostics"] and "BSN" in listed[0]["diagnostics"]
    assert families_count(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Referral).where(Referral.family_id == first.id)) == 1


def _set(path: list, value):
    def change(bundle):
        target = bundle
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


def _swap_first_two(bundle):
    bundle["entry"][0], bundle["entry"][1] = bundle["entry"][1], bundle["entry"][0]


def _drop_request(bundle):
    del bundle["entry"][3]


INVALID = {
    "not_a_document": (_set(["type"], "collection"), "Bundle.type", None),
    "composition_not_first": (_swap_first_two, "Bundle.entry[0].resource", None),
    "birth_date_format": (_set(["entry", 1, "resource", "birthDate"], "1995-13-45"),
                          "Bundle.entry[1].resource.birthDate", "Patient.birthDate"),
    "birth_date_in_future": (_set(["entry", 1, "resource", "birthDate"], "2027-01-05"),
                             "Bundle.entry[1].resource.birthDate", "Patient.birthDate"),
    "bsn_fails_elfproef": (_set(["entry", 1, "resource", "identifier", 0, "value"], "123456789"),
                           "Bundle.entry[1].resource.identifier", "Patient.identifier"),
    "bsn_not_nine_digits": (_set(["entry", 1, "resource", "identifier", 0, "value"], "12345"),
                            "Bundle.entry[1].resource.identifier.value", "Patient.identifier.value"),
    "unknown_element": (_set(["entry", 1, "resource", "geboorteplaats"], "Utrecht"),
                        "Bundle.entry[1].resource", "Patient"),
    "not_a_referral_code": (_set(["entry", 3, "resource", "code", "coding", 0, "code"], "183444007"),
                            "Bundle.entry[3].resource.code", "ServiceRequest.code"),
    "no_service_request": (_drop_request, "Bundle.entry", None),
    "unknown_poli": (_set(["entry", 3, "resource", "performerType", "coding", 0, "code"], "onbekend"),
                     "Bundle.entry[3].resource.performerType", "ServiceRequest.performerType"),
    "unknown_vulnerability": (_set(["entry", 3, "resource", "reasonCode", 0, "coding", 0, "code"], "maanstand"),
                              "Bundle.entry[3].resource.reasonCode[0]", "ServiceRequest.reasonCode[0]"),
    "due_date_too_late": (_set(["entry", 2, "resource", "valueDateTime"], "2028-01-01"),
                          "Bundle.entry[2].resource.valueDateTime", "Observation.valueDateTime"),
    "subject_not_in_document": (_set(["entry", 3, "resource", "subject"], {"reference": "Patient/elders"}),
                                "Bundle.entry[3].resource.subject", "ServiceRequest.subject"),
    "requester_not_in_document": (_set(["entry", 3, "resource", "requester"], {"reference": "urn:uuid:weg"}),
                                  "Bundle.entry[3].resource.requester", "ServiceRequest.requester"),
    "draft_referral": (_set(["entry", 3, "resource", "status"], "draft"),
                       "Bundle.entry[3].resource.status", "ServiceRequest.status"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_an_invalid_document_is_422_naming_the_element_and_stores_nothing(
        case, network, client, api_token, db_session, before_christmas):
    change, expression, short = INVALID[case]
    bundle = document()
    change(bundle)
    before = families_count(db_session)
    handovers = db_session.scalar(select(func.count()).select_from(Handover))
    body = outcome_of(post(client, api_token, network.jvk, bundle), 422)
    expressions = [e for i in body["issue"] for e in i.get("expression") or []]
    assert any(e.startswith(expression) for e in expressions), (expression, body["issue"])
    if short:
        assert any(e.startswith(short) for e in expressions), (short, body["issue"])
    assert all(i["severity"] == "error" and i["diagnostics"] for i in body["issue"])
    assert families_count(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Handover)) == handovers


def test_diagnostics_are_dutch(network, client, api_token, before_christmas):
    bundle = document()
    bundle["entry"][1]["resource"]["birthDate"] = "2027-01-05"
    body = outcome_of(post(client, api_token, network.jvk, bundle), 422)
    assert body["issue"][0]["diagnostics"] == "De geboortedatum van een ouder kan niet in de toekomst liggen."


def test_not_a_bundle_at_all_is_422(network, client, api_token):
    body = outcome_of(post(client, api_token, network.jvk, {"resourceType": "Patient"}), 422)
    assert body["issue"][0]["expression"][0] == "Bundle"


def test_wrong_content_type_is_415_and_bad_json_400(network, client, api_token):
    body = outcome_of(post(client, api_token, network.jvk, "<Bundle/>", content_type="application/xml"), 415)
    assert "application/fhir+json" in body["issue"][0]["diagnostics"]
    outcome_of(post(client, api_token, network.jvk, "{niet json", content_type=FHIR), 400)


@pytest.mark.parametrize("who", ["vrijwilliger", "pl", "chair_only"])
def test_a_role_that_may_not_register_gets_403(who, network, client, api_token, make_user, db_session,
                                               before_christmas):
    user = make_user("mdo_voorzitter") if who == "chair_only" else getattr(network, who)
    before = families_count(db_session)
    body = outcome_of(post(client, api_token, user, document()), 403)
    assert body["issue"][0]["code"] == "forbidden"
    assert families_count(db_session) == before


def test_outside_the_target_group_201_with_a_warning_and_no_handover(
        network, client, api_token, db_session, before_christmas):
    bundle = document()
    request = bundle["entry"][3]["resource"]
    request["reasonCode"] = [c for c in request["reasonCode"] if "medische-redenen" in c["coding"][0]["system"]]
    response = post(client, api_token, network.jvk, bundle)
    body = outcome_of(response, 201)
    family = db_session.scalars(select(Family).order_by(Family.id.desc())).first()
    assert family.status == "niet_in_doelgroep" and current_handover(family.id, "in") is None
    assert response.headers["Location"].endswith(f"/fhir/ServiceRequest/{family.referrals[0].id}")
    assert [i for i in body["issue"] if i["severity"] == "warning" and "Niet in de doelgroep" in i["diagnostics"]]


def test_a_postnatal_referral_child_as_subject_parents_as_related_persons(
        network, client, api_token, db_session, before_christmas):
    bundle = document()
    mother = bundle["entry"][1]["resource"]
    del bundle["entry"][2]    # no due date: after the birth
    child = {"fullUrl": "urn:uuid:kind", "resource": {
        "resourceType": "Patient", "name": [{"given": ["Canary"], "family": "Kindnaam"}], "birthDate": "2026-11-30",
        "identifier": [{"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": "111222345"}]}}
    sibling = {"fullUrl": "urn:uuid:zus", "resource": {"resourceType": "Patient", "name": [{"text": "Zus Kindnaam"}],
                                                        "birthDate": "2022-04-01"}}
    father = {"fullUrl": "urn:uuid:vader", "resource": {
        "resourceType": "RelatedPerson", "patient": {"reference": "urn:uuid:kind"},
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "FTH"}]}],
        "name": [{"text": "Vader Kindnaam"}], "birthDate": "1990-02-02"}}
    bundle["entry"] += [child, sibling, father]
    request = bundle["entry"][2]["resource"]
    request["subject"] = {"reference": "urn:uuid:kind"}
    bundle["entry"][0]["resource"]["subject"] = {"reference": "urn:uuid:kind"}
    body = outcome_of(post(client, api_token, network.jvk, bundle), 201)
    family = db_session.scalars(select(Family).order_by(Family.id.desc())).first()
    assert family.phase == "postnatal"
    assert [(p.name, p.relationship_type) for p in family.parents] == \
        [("Canary Moedernaam", None), ("Vader Kindnaam", "vader")]
    assert [(c.name, c.birth_date, c.sibling) for c in family.children] == \
        [("Canary Kindnaam", date(2026, 11, 30), False), ("Zus Kindnaam", date(2022, 4, 1), True)]
    assert any("BSN van een kind" in i["diagnostics"] for i in body["issue"])
    assert mother["name"][0]["family"] == "Moedernaam"


def test_the_import_is_audited_as_a_transfer_without_personal_data(
        network, client, api_token, db_session, before_christmas):
    from igp.audit.models import AuditEntry

    outcome_of(post(client, api_token, network.jvk, document()), 201)
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "transfer")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.object_type == "referral"
    assert "Canary" not in (entry.detail or "") and "111222333" not in (entry.detail or "")


def test_the_document_fixture_itself_is_valid_fhir():
    """The sender's resources parse with the 4.0.1 models; those that claim nl-core keep its rules (the
    referrer's PractitionerRole and Organization claim no profile, as a ZorgDomein document need not)."""
    for entry in document()["entry"]:
        resource = copy.deepcopy(entry["resource"])
        if resource["resourceType"] not in validate.PROFILED or resource.get("meta"):
            check_resource(resource)
        else:
            assert validate.parse_problems(resource) == []
