"""GET /fhir/<type>/<id> through the consent gateway, the Patient search, the access log as AuditEvent,
and the OperationOutcome of every refusal: the invisible answers exactly as the non-existent."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.coordination.services import add_core_member
from igp.extensions import db
from tests.fhir.conftest import BSN, MOTHER
from tests.fhir.counting import fhir_json

FORM = {"content_type": "application/x-www-form-urlencoded"}
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"


def _outcome(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = fhir_json(response)
    assert body["resourceType"] == "OperationOutcome"
    return body


@pytest.fixture
def everything(network, rich_family, recipient_consent, api, clock):
    """The rich family's resources (ids), from an export to its own hospital (every category it has)."""
    response = api(network.mmw).get(f"/api/v1/families/{rich_family.id}/fhir?recipient={network.hospital.id}")
    assert response.status_code == 200
    return [(e["resource"]["resourceType"], e["resource"]["id"]) for e in json.loads(response.get_data())["entry"]]


def test_every_exported_resource_can_be_read_by_the_family_s_own_hospital(network, everything, api):
    reader = api(network.gyn)
    types = set()
    for resource_type, resource_id in everything:
        response = reader.get(f"/fhir/{resource_type}/{resource_id}")
        assert response.status_code == 200, (resource_type, resource_id, response.get_data(as_text=True)[:200])
        body = fhir_json(response)
        assert (body["resourceType"], body["id"]) == (resource_type, resource_id)
        types.add(resource_type)
    assert types >= {"Patient", "RelatedPerson", "Observation", "ServiceRequest", "Task", "Encounter", "CarePlan",
                     "Goal", "CareTeam", "Communication", "Consent", "Organization", "PractitionerRole"}


def test_the_invisible_answers_as_the_non_existent(network, everything, api):
    outsider = api(network.outsider)
    for resource_type, resource_id in everything:
        if resource_type in ("Organization", "PractitionerRole"):
            continue   # network data, no family data
        hidden = outsider.get(f"/fhir/{resource_type}/{resource_id}")
        missing = outsider.get(f"/fhir/{resource_type}/{resource_id.rsplit('-', 1)[0]}-999999"
                               if "-" in resource_id else f"/fhir/{resource_type}/999999")
        assert hidden.status_code == missing.status_code == 404, resource_type
        assert hidden.get_data() == missing.get_data(), resource_type
        assert MOTHER.encode() not in hidden.get_data()
        assert _outcome(hidden, 404)["issue"][0]["code"] == "not-found"


def test_a_read_is_logged_and_a_refusal_too(network, rich_family, api):
    before = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    patient_id = f"kind-{rich_family.children[0].id}"
    fhir_json(api(network.gyn).get(f"/fhir/Patient/{patient_id}"))
    api(network.outsider).get(f"/fhir/Patient/{patient_id}")
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.seq > before,
                                                                AuditEntry.family_pseudonym == rich_family.pseudonym)))
    reads = [(e.user_id, e.action, e.outcome) for e in entries if e.object_type == "family"]
    assert (network.gyn.id, "read", "allowed") in reads and (network.outsider.id, "read", "denied") in reads
    assert all(MOTHER not in (e.detail or "") and BSN not in (e.detail or "") for e in entries)


def test_a_category_the_reader_may_not_see_is_not_found(network, rich_family, recipient_consent, api):
    """A social worker in the core team with a consent for the NAW only: the patient with her name, but
    the gezinsplan and the pregnancy do not exist for her."""
    add_core_member(network.gyn, rich_family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    recipient_consent(rich_family, network.wijkteam, ["naw"])
    reader = api(network.sw)
    mother = fhir_json(reader.get(f"/fhir/Patient/ouder-{rich_family.parents[0].id}"))
    assert mother["name"][0]["text"] == MOTHER
    assert not any(i["system"] == BSN_SYSTEM for i in mother["identifier"])   # never the BSN to the social domain
    _outcome(reader.get(f"/fhir/CarePlan/gezinsplan-{rich_family.id}"), 404)
    pregnancy_id = db.session.execute(db.text("select id from pregnancy where family_id = :f"),
                                      {"f": rich_family.id}).scalar()
    _outcome(reader.get(f"/fhir/Observation/zwangerschap-{pregnancy_id}"), 404)


def test_without_naw_the_patient_carries_the_pseudonym_only(network, rich_family, api, clock):
    """The MDO chair reads through the MDO consent (no NAW outside the MDO context)."""
    response = api(network.outsider).get(f"/fhir/Patient/kind-{rich_family.children[0].id}")
    assert response.status_code == 404
    add_core_member(network.gyn, rich_family.id, {"user_id": network.jvk.id, "case_role": "jeugdverpleegkundige"})
    body = fhir_json(api(network.jvk).get(f"/fhir/Patient/kind-{rich_family.children[0].id}"))
    assert "name" not in body and [i["value"] for i in body["identifier"]] == [rich_family.pseudonym]


# ------------------------------------------------------------------ the Patient search

def test_a_bsn_search_by_post_finds_the_family_s_patients(network, rich_family, api):
    response = api(network.gyn).post("/fhir/Patient/_search", data={"identifier": f"{BSN_SYSTEM}|{BSN}"}, **FORM)
    bundle = fhir_json(response)
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert ids == [f"ouder-{rich_family.parents[0].id}", f"kind-{rich_family.children[0].id}"]
    assert BSN not in bundle["link"][0]["url"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "search")
                               .order_by(AuditEntry.seq.desc())).first()
    assert entry.family_pseudonym == rich_family.pseudonym and entry.detail == "fhir: list search by bsn"


def test_a_bsn_in_the_url_is_refused_and_names_the_post(network, rich_family, api):
    body = _outcome(api(network.gyn).get(f"/fhir/Patient?identifier={BSN_SYSTEM}|{BSN}"), 400)
    assert body["issue"][0]["expression"] == ["identifier"] and "POST /fhir/Patient/_search" in \
        body["issue"][0]["diagnostics"]
    _outcome(api(network.gyn).post(f"/fhir/Patient/_search?identifier={BSN_SYSTEM}|{BSN}", data={}, **FORM), 400)


def test_a_search_finds_nothing_the_user_may_not_see(network, rich_family, api):
    bundle = fhir_json(api(network.outsider).post("/fhir/Patient/_search",
                                                  data={"identifier": f"{BSN_SYSTEM}|{BSN}"}, **FORM))
    assert bundle["total"] == 0 and not bundle.get("entry")


def test_a_search_by_pseudonym_in_the_url(network, rich_family, api):
    system = "https://igp.example.nl/fhir/NamingSystem/gezin"
    bundle = fhir_json(api(network.gyn).get(f"/fhir/Patient?identifier={system}|{rich_family.pseudonym}"))
    assert bundle["total"] == 2


def test_search_refusals_are_outcomes_naming_the_parameter(network, rich_family, api):
    gyn = api(network.gyn)
    assert _outcome(gyn.get("/fhir/Patient?name=Anna"), 400)["issue"][0]["expression"] == ["name"]
    assert _outcome(gyn.get("/fhir/Patient"), 400)["issue"][0]["expression"] == ["identifier"]
    _outcome(gyn.post("/fhir/Patient/_search", json={"identifier": f"{BSN_SYSTEM}|{BSN}"}), 415)
    invalid = _outcome(gyn.post("/fhir/Patient/_search", data={"identifier": f"{BSN_SYSTEM}|123456789"}, **FORM), 422)
    assert invalid["issue"][0]["expression"] == ["bsn"] and "elfproef" in invalid["issue"][0]["diagnostics"]
    social = _outcome(api(network.sw).post("/fhir/Patient/_search", data={"identifier": f"{BSN_SYSTEM}|{BSN}"},
                                           **FORM), 422)
    assert "BSN" in social["issue"][0]["diagnostics"]


# ------------------------------------------------------------------ the access log, the network, the code systems

def test_the_privacy_officer_reads_the_access_log_as_balp_audit_events(network, rich_family, api):
    fhir_json(api(network.gyn).get(f"/fhir/Patient/kind-{rich_family.children[0].id}"))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.family_pseudonym == rich_family.pseudonym,
                                                        AuditEntry.action == "read")
                               .order_by(AuditEntry.seq.desc())).first()
    body = fhir_json(api(network.po).get(f"/fhir/AuditEvent/log-{entry.id}"))
    assert body["meta"]["profile"] == ["https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"]
    assert body["agent"][0]["who"]["reference"] == f"PractitionerRole/{network.gyn.id}"
    _outcome(api(network.gyn).get(f"/fhir/AuditEvent/log-{entry.id}"), 404)     # not the coordinator
    _outcome(api(network.pl).get(f"/fhir/AuditEvent/log-{entry.id}"), 403)      # a role without family data


def test_code_systems_organisations_and_professionals(network, api):
    reader = api(network.sw)
    categories = fhir_json(reader.get("/fhir/CodeSystem/igp-categorie"))
    assert {c["code"] for c in categories["concept"]} >= {"naw", "zorgplan"} and categories["content"] == "complete"
    _outcome(reader.get("/fhir/CodeSystem/categorie"), 404)
    assert fhir_json(reader.get(f"/fhir/Organization/{network.jgz.id}"))["name"] == "JGZ Test"
    assert fhir_json(reader.get(f"/fhir/PractitionerRole/{network.jvk.id}"))["practitioner"]["display"] == "JVK Een"
    network.jvk.active = False
    db.session.commit()
    _outcome(reader.get(f"/fhir/PractitionerRole/{network.jvk.id}"), 404)
    _outcome(reader.get("/fhir/Organization/abc"), 404)
