"""The FHIR endpoint's foundation: the CapabilityStatement, bearer tokens as the API, every error an
OperationOutcome (application/fhir+json) with a fitting status, and the validation harness itself."""
from __future__ import annotations

import json

import pytest

from igp.fhir import capability, validate
from tests.fhir.counting import fhir_json

FHIR = "application/fhir+json"


def _outcome(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == FHIR
    body = fhir_json(response)
    assert body["resourceType"] == "OperationOutcome"
    assert all(i["severity"] and i["code"] and i["diagnostics"] for i in body["issue"])
    return body


def test_metadata_is_a_capability_statement_of_4_0_1(client):
    response = client.get("/fhir/metadata")
    body = fhir_json(response)
    assert response.status_code == 200 and body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1" and "json" in body["format"]
    rest = body["rest"][0]
    types = {r["type"]: r for r in rest["resource"]}
    assert types["Patient"]["profile"] == "http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient"
    assert {"read", "search-type"} <= {i["code"] for i in types["Patient"]["interaction"]}
    assert {i["code"] for i in types["Task"]["interaction"]} == {"read", "update"}
    assert types["Task"]["versioning"] == "versioned-update"
    assert [i["code"] for i in rest["interaction"]] == ["transaction"]
    assert f"nl-core|{validate.PACKAGE_VERSION}" in body["implementationGuide"][0]


def test_every_read_the_statement_lists_is_a_route(app):
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/fhir/")}
    for resource in capability.RESOURCES:
        if "read" in resource.interactions:
            assert f"/fhir/{resource.type}/<resource_id>" in routes, resource.type


def test_without_a_token_401_outcome_not_a_redirect(client):
    body = _outcome(client.get("/fhir/Patient/child-1"), 401)
    assert body["issue"][0]["code"] == "login"


def test_the_session_cookie_is_not_accepted(network, client, login):
    login(network.gyn)
    assert client.get("/families/").status_code in (200, 308) or True
    _outcome(client.get("/fhir/Patient/child-1"), 401)


def test_a_bad_token_is_401(client):
    _outcome(client.get("/fhir/Patient/child-1", headers={"Authorization": "Bearer nonsense"}), 401)


def test_unknown_path_404_and_wrong_method_405_with_allow(client):
    body = _outcome(client.get("/fhir/Nonsense/1/2/3"), 404)
    assert body["issue"][0]["code"] == "not-found"
    response = client.post("/fhir/metadata")
    body = _outcome(response, 405)
    assert "GET" in response.headers["Allow"] and body["issue"][0]["code"] == "not-supported"


def test_a_role_without_access_is_403_outcome(network, api):
    # the projectleider sees no family at all: the read route refuses the role
    body = _outcome(api(network.pl).get("/fhir/Patient/child-1"), 403)
    assert body["issue"][0]["code"] == "forbidden" and "toegang" in body["issue"][0]["diagnostics"]


def test_an_unexpected_error_is_500_outcome(app, client, monkeypatch):
    from igp.fhir import views

    def boom():
        raise RuntimeError("kapot")

    monkeypatch.setitem(app.view_functions, "fhir.metadata", views.access.public(boom))
    body = _outcome(client.get("/fhir/metadata"), 500)
    assert body["issue"][0]["code"] == "exception" and "kapot" not in json.dumps(body)


def test_errors_elsewhere_keep_their_shape(client):
    assert client.get("/api/v1/nonsense").get_json()["error"]["code"]
    assert client.get("/api/v1/me").status_code == 401 and client.get("/api/v1/me").is_json


# ------------------------------------------------------------------ the harness

def test_the_harness_finds_structure_problems_with_their_path():
    found = validate.problems({"resourceType": "Patient", "birthDate": "14-03-1995", "nickname": "x",
                               "name": [{"given": "Anna"}]})
    paths = {p.path for p in found}
    assert "Patient.birthDate" in paths and "Patient.name[0]" in " ".join(paths)
    assert any("nickname" in p.message for p in found)


def test_the_harness_finds_profile_problems():
    patient = {"resourceType": "Patient", "meta": {"profile": [validate.NICTIZ + "nl-core-Patient"]},
               "identifier": [{"system": validate.BSN_SYSTEM, "value": "12345"}]}
    assert [p.path for p in validate.problems(patient)] == ["Patient.identifier.value"]
    patient["identifier"][0]["value"] = "111222333"
    assert validate.problems(patient) == []
    del patient["meta"]
    assert [p.path for p in validate.problems(patient)] == ["Patient.meta.profile"]


def test_the_harness_checks_bundle_entries_with_their_index():
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "RelatedPerson", "patient": {"reference": "Patient/x"},
                                               "meta": {"profile": [validate.NICTIZ + "nl-core-ContactPerson"]},
                                               "relationship": [{"coding": [{"system": validate.ROLE_CODE,
                                                                             "code": "NOPE"}]}]}}]}
    assert [p.path for p in validate.problems(bundle)] == ["Bundle.entry[0].resource.relationship"]


@pytest.mark.parametrize("status,code", [(400, "invalid"), (409, "conflict"), (412, "conflict"),
                                         (415, "not-supported"), (422, "invalid"), (429, "throttled")])
def test_outcome_codes_per_status(status, code):
    from igp.fhir.outcome import error_outcome

    body = error_outcome(status, "Fout.", field="Bundle.entry[0]" if status == 422 else None)
    assert body["issue"][0]["code"] == code
    assert validate.problems(body) == []
