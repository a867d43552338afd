"""Hostile input never breaks the readers: every element of the referral document and of a Task,
replaced by values of every JSON type, is read or refused with problems naming elements, never an
exception of another kind (which would be a 500)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from igp.fhir import aanmelding, importing, task_input
from igp.fhir import referral as mapping
from igp.fhir.tasks import TASK_CODES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "import"
VALUES = (None, 0, 1.5, True, "", "x", [], {}, [1], ["x"], {"a": 1}, [{}], {"reference": 3}, {"coding": "x"})


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*prefix, i))


def replaced(document, path, value):
    changed = copy.deepcopy(document)
    if not path:
        return value
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def test_every_element_of_the_document_of_every_type_is_read_or_refused(app):
    document = json.loads((FIXTURES / "referral_prenatal.json").read_text(encoding="utf-8"))
    cases = refused = 0
    for path in paths(document):
        for value in VALUES:
            cases += 1
            try:
                doc = importing.read(replaced(document, path, value))
            except importing.DocumentInvalid as exc:
                refused += 1
                assert exc.errors and all(isinstance(k, str) and v for k, v in exc.errors.items())
            else:
                assert isinstance(doc.data, dict)
    print(f"document fuzz: {cases} cases, {refused} refused with named elements, 0 other errors")
    assert cases > 1000 and refused > 0


@pytest.fixture
def task():
    from datetime import date, datetime, timezone
    from types import SimpleNamespace

    at = datetime(2026, 12, 22, 9, 30, tzinfo=timezone.utc)
    family = SimpleNamespace(phase="prenatal", parents=[SimpleNamespace(id=4, relationship_type="moeder")],
                             children=[], coordinator=SimpleNamespace(id=3, name="JVK"))
    handover = SimpleNamespace(id=5, family=family, referral_id=2, direction="in", status="aangemeld", started_at=at,
                               started_on=date(2026, 12, 22), deadline=date(2026, 12, 30), version=1,
                               events=[SimpleNamespace(recorded_at=at)], contact_at=None, closed_at=None)
    return mapping.task(handover)


def test_every_element_of_a_task_of_every_type_is_read_or_refused(task):
    body = json.loads(json.dumps(task))
    body["status"] = "accepted"
    body["input"] = [{"type": {"coding": [{"system": TASK_CODES.inputs, "code": "contactwijze"}]},
                      "valueCode": "anders"}]
    body["note"] = [{"text": "Gebeld"}]
    body["statusReason"] = {"coding": [{"code": "capaciteit"}]}
    cases = 0
    for path in paths(body):
        for value in VALUES:
            cases += 1
            try:
                step, where = task_input.step_of(task, replaced(body, path, value), "in", TASK_CODES)
            except task_input.TaskProblems as exc:
                assert exc.problems and all(k.startswith("Task") for k in exc.problems)
            else:
                assert all(isinstance(k, str) for k in step) and isinstance(where, dict)
    print(f"task fuzz: {cases} cases, 0 errors")
    assert cases > 300


def test_the_reader_is_pure_of_the_app():
    """aanmelding.read_document needs no app: the date is a parameter."""
    from datetime import date

    document = json.loads((FIXTURES / "referral_prenatal.json").read_text(encoding="utf-8"))
    doc = aanmelding.read_document(document, importing.SYSTEMS, date(2026, 12, 22))
    assert doc.data["phase"] == "prenatal" and doc.data["parents"][0]["relationship_type"] == "moeder"


HTTP_VALUES = (None, 1, "x", [], {"a": 1})


def test_the_whole_import_never_answers_5xx(network, client, api_token, clock):
    """Through the registration service too: every element of the Patient, the due date, the
    ServiceRequest and the referrer, of five types; each answer a 201, 409 or 422 OperationOutcome."""
    from datetime import datetime, timezone

    clock.set(datetime(2026, 12, 22, 9, 0, tzinfo=timezone.utc))
    document = json.loads((FIXTURES / "referral_prenatal.json").read_text(encoding="utf-8"))
    headers = {"Authorization": f"Bearer {api_token(network.jvk)}"}
    statuses: dict[int, int] = {}
    for path in paths(document):
        if len(path) < 3 or path[:2] not in (("entry", 1), ("entry", 2), ("entry", 3), ("entry", 4)):
            continue
        for value in HTTP_VALUES:
            response = client.post("/fhir", data=json.dumps(replaced(document, path, value)),
                                   content_type="application/fhir+json", headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 201, 409, 422), (path, value, response.get_data(as_text=True)[:300])
            assert json.loads(response.get_data(as_text=True))["resourceType"] == "OperationOutcome"
    print(f"import over HTTP: {sum(statuses.values())} requests, statuses {sorted(statuses.items())}, 0 5xx")
    assert sum(statuses.values()) > 200


def test_the_whole_task_update_never_answers_5xx(network, register, client, api_token, db_session):
    from igp.handover.services import current_handover

    family = register(network.jvk)
    headers = {"Authorization": f"Bearer {api_token(network.jvk)}"}
    handover = current_handover(family.id, "in")
    body = mapping.task(handover)
    body["status"] = "accepted"
    body["note"] = [{"text": "Gebeld"}]
    statuses: dict[int, int] = {}
    for path in paths(body):
        for value in HTTP_VALUES:
            db_session.expire_all()
            version = current_handover(family.id, "in").version
            response = client.put(f"/fhir/Task/{handover.id}", data=json.dumps(replaced(body, path, value)),
                                  content_type="application/fhir+json",
                                  headers={**headers, "If-Match": f'W/"{version}"'})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 422), (path, value, response.get_data(as_text=True)[:300])
    print(f"task over HTTP: {sum(statuses.values())} requests, statuses {sorted(statuses.items())}, 0 5xx")
