"""Hostile input: schemathesis generates requests (valid and invalid) for every operation of the
OpenAPI document and sends them as a signed-in user. No answer may be a 5xx, an HTML page or a
stack trace; every error is JSON. The number of cases and of 5xx answers is printed (run -s)."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from igp.api.openapi import document
from igp.extensions import db
from igp.mdo import services as mdo

SPEC = schemathesis.openapi.from_dict(document())
SPEC.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
STATS = {"cases": 0, "server_errors": 0}
pytestmark = pytest.mark.slow


@pytest.fixture
def scene(network, register, api):
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    db.session.commit()
    return {"family": family, "token": {role: api(user).headers for role, user in (
        ("gyn", network.gyn), ("chair", network.chair), ("pl", network.pl), ("po", network.po))}}


@SPEC.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_hostile_input(case, client, scene):
    kwargs = case.as_transport_kwargs(base_url="")
    path = "/api/v1" + case.formatted_path
    role = "chair" if "/mdo/" in path else "pl" if "/reports/" in path else "gyn"
    headers = dict(kwargs.get("headers") or {})
    headers.update(scene["token"][role])
    body = kwargs.get("json")
    data = None if body is not None else kwargs.get("data")
    response = client.open(path, method=case.method, headers=headers, query_string=kwargs.get("params"),
                           json=body, data=data)
    STATS["cases"] += 1
    if response.status_code >= 500:
        STATS["server_errors"] += 1
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{case.method} {path}: {response.status_code} {text[:300]}"
    assert "Traceback" not in text and "<html" not in text.lower()
    if response.status_code >= 400:
        error = json.loads(text)["error"]
        assert error["code"] and error["message"]


def test_report_fuzz_figures(capsys):
    with capsys.disabled():
        print(f"\nAPI fuzz: {STATS['cases']} generated requests, {STATS['server_errors']} answers 5xx")
