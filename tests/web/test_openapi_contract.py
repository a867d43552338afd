"""The OpenAPI document against the app: it fails when a route and the document disagree.

* (a) every Flask rule under /api/v1 is an operation of the document with the same methods and
  path parameters, and every documented operation is a rule;
* (b) every request body component is the input model's JSON schema (regenerated here, with
  `required` from `required_keys()`), every response component the response model's;
* (c) leaving out a documented required field answers 422 naming it, and leaving out any other
  field of a valid body never answers 422 naming that field (unless the operation documents it as
  conditional): so `required` in the document is what the route requires;
* a route whose operation says `parsed=True` validates its body with the documented model, one
  with `parsed=False` does not (yet);
* (d) the real answers of every operation (a valid request per operation, plus the error shapes)
  validate against their response models (strict JSON, no extra key), with a documented status;
* (e) the document is valid OpenAPI 3.1: the official schema of the OpenAPI document (as shipped
  with schemathesis, a dev dependency) via jsonschema_rs, every component a valid JSON Schema
  2020-12, every $ref resolvable (openapi-spec-validator is not installed; no new dependency).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31
from werkzeug.routing import IntegerConverter

from igp.admin.services import add_poli_team_member
from igp.api import responses as r
from igp.api.openapi import REF, document
from igp.api.operations import OPERATIONS, PATH_PARAMETERS, Operation, request_models, response_models
from igp.contacts import services as contacts
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families import assessment
from igp.families.duplicates import scan
from igp.families.models import DuplicateCandidate
from igp.families.services import aanmelden
from igp.handover import services as handover
from igp.mdo import services as mdo
from igp.plan import services as plan_services
from igp.sharing import services as sharing
from igp.support import services as informal_support
from igp.validation import Input
from tests.conftest import PASSWORD, family_data, totp_code

DOC = document()
OPS = {op.key: op for op in OPERATIONS}
SCHEMAS = DOC["components"]["schemas"]


def _subclasses(cls) -> list[type]:
    return [cls, *(s for sub in cls.__subclasses__() for s in _subclasses(sub))]


INPUTS = {cls.__name__: cls for cls in _subclasses(Input)}


def op_id(op: Operation) -> str:
    return f"{op.method.upper()} {op.path}"


# ------------------------------------------------------------------ (a) routes and operations

def flask_operations(app) -> dict[tuple[str, str], object]:
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method.lower(), path)] = rule
    return found


def documented_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in DOC["paths"].items() for method in item if method != "parameters"}


def test_every_api_route_is_documented_with_its_methods(app):
    missing = sorted(set(flask_operations(app)) - documented_operations())
    assert missing == [], f"routes under /api/v1 without an operation in igp/api/operations.py: {missing}"


def test_every_documented_operation_is_a_route(app):
    extra = sorted(documented_operations() - set(flask_operations(app)))
    assert extra == [], f"documented operations without a Flask route: {extra}"


def test_path_parameters_have_the_types_of_the_routes(app):
    for (method, path), rule in flask_operations(app).items():
        if path not in DOC["paths"]:
            continue   # test_every_api_route_is_documented_with_its_methods names it
        documented = {p["name"]: p["schema"] for p in DOC["paths"][path].get("parameters", [])}
        assert set(documented) == set(rule.arguments), (method, path)
        for name, converter in rule._converters.items():
            expected = "integer" if isinstance(converter, IntegerConverter) else "string"
            assert documented[name]["type"] == expected, (path, name)
    assert set(PATH_PARAMETERS) <= {name for rule in flask_operations(app).values() for name in rule.arguments}


def test_the_served_document_is_the_generated_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(DOC))


# ------------------------------------------------------------------ (b) components are the models

def expected_input_schemas(model) -> dict[str, dict]:
    """The model's JSON schema as pydantic writes it, `required` replaced by required_keys()."""
    schema = model.model_json_schema(ref_template=REF)
    nested = schema.pop("$defs", {})
    result = {}
    for name, part in [(model.__name__, schema), *nested.items()]:
        part.pop("required", None)
        if INPUTS[name].required_keys():
            part["required"] = INPUTS[name].required_keys()
        result[name] = part
    return result


@pytest.mark.parametrize("model", request_models(), ids=lambda m: m.__name__)
def test_request_body_component_is_the_models_json_schema(model):
    for name, schema in expected_input_schemas(model).items():
        assert SCHEMAS.get(name) == schema, f"components/schemas/{name} is not {INPUTS[name].__module__}.{name}"


@pytest.mark.parametrize("model", response_models(), ids=lambda m: m.__name__)
def test_response_component_is_the_models_json_schema(model):
    schema = model.model_json_schema(ref_template=REF)
    nested = schema.pop("$defs", {})
    assert SCHEMAS.get(model.__name__) == schema
    for name, part in nested.items():
        assert SCHEMAS.get(name) == part, name


@pytest.mark.parametrize("op", OPERATIONS, ids=op_id)
def test_each_operation_refers_to_its_models(op):
    documented = DOC["paths"][op.path][op.method]
    body = documented.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    refs = [{"$ref": REF.format(model=m.__name__)} for m in op.request]
    if op.body is not None:
        assert body == dict(op.body) and op.note, "a hand-written body says why (note)"
    else:
        assert body == (refs[0] if len(refs) == 1 else {"anyOf": refs} if refs else None)
    answer = documented["responses"][str(op.status)]
    if op.status == 204:
        assert "content" not in answer
    else:
        schema = answer["content"]["application/json"]["schema"]
        assert schema == ({"$ref": REF.format(model=op.response.__name__)} if op.response else {"type": "object"})
        assert op.response is not None or op.note, "an answer without a model says why (note)"
    assert not set(op.conditional) & set(required_fields(op, route=True)), "required or conditional, not both"
    stale = set(op.route_requires) & set(required_fields(op))
    assert not stale, f"the model now requires {stale}: drop them from route_requires in igp/api/operations.py"


# ------------------------------------------------------------------ (e) a valid OpenAPI 3.1 document

def test_the_document_is_valid_openapi_3_1():
    assert DOC["openapi"].startswith("3.1.")
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
              for e in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(DOC)]
    assert errors == []
    for name, schema in SCHEMAS.items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_every_ref_resolves():
    text = json.dumps(DOC)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert refs and all(ref.startswith("#/components/schemas/") for ref in refs)
    assert sorted(ref.rsplit("/", 1)[1] for ref in refs if ref.rsplit("/", 1)[1] not in SCHEMAS) == []
    ids = [DOC["paths"][op.path][op.method]["operationId"] for op in OPERATIONS]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------------ a scene for real requests

@dataclass(frozen=True)
class At:
    """A value taken from the scene when the request is made: At("family.id")."""

    path: str

    def value(self, scene):
        value = scene
        for part in self.path.split("."):
            value = getattr(value, part)
        return value


def resolve(value, scene):
    if isinstance(value, At):
        return value.value(scene)
    if isinstance(value, dict):
        return {k: resolve(v, scene) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scene) for v in value]
    return value


@dataclass(frozen=True)
class Sample:
    """A valid request of an operation: who sends it, the body, the path parameters that are not
    the scene's defaults, the query string."""

    user: str | None = "gyn"
    body: dict | None = None
    params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    needs: tuple[str, ...] = ()     # records of the scene to make first


class Scene:
    """The records the requests need, made on first use (through the services) and committed."""

    def __init__(self, network, register, client, clock):
        self.network, self.register, self.client, self.clock = network, register, client, clock
        self.tokens: dict[str, str] = {}

    def commit(self, value):
        db.session.commit()
        return value

    @cached_property
    def family(self):
        return self.register(self.network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})

    @cached_property
    def born_family(self):
        """Registered after the birth (postnatal, no open pregnancy): a next pregnancy may follow."""
        return self.register(self.network.gyn, phase="postnatal", expected_due_date=None,
                             children=[{"name": "Eerste Kind", "birth_date": "2026-10-01"}])

    @cached_property
    def glass_family(self):
        """Registered by the hospital without consent, with the social worker in its core team."""
        family = self.register(self.network.gyn)
        coordination.add_core_member(self.network.gyn, family.id, {"user_id": self.network.sw.id, "case_role": "sociaal_werker"})
        return self.commit(family)

    @cached_property
    def target_assessment(self):
        return self.commit(assessment.assess(self.network.gyn, self.family.id, {
            "reason": "Nieuwe informatie van de verloskundige", "protective_factors": ["betrokken_partner"]}))

    @cached_property
    def plan(self):
        """A gezinsplan written by the family's coordinator (jvk)."""
        assert self.family.coordinator_id == self.network.jvk.id
        return self.commit(plan_services.save_plan(self.network.jvk, self.family.id, {
            "version": 0, "hulpvraag": "Hulp met de rekeningen", "start_date": "2026-11-24",
            "evaluation_date": "2027-02-24", "referrals": [{"to": "Schuldhulp", "status": "aangevraagd"}]}))

    @property
    def plan_version(self) -> int:
        plan = plan_services.load_plan(self.family.id)
        return plan.revision if plan else 0

    @cached_property
    def consent(self):
        return sharing.consents_of(self.family.id)[0]

    @cached_property
    def handover(self):
        return handover.current_handover(self.family.id, "in")

    @cached_property
    def core_sw(self):
        return self.commit(coordination.add_core_member(self.network.gyn, self.family.id, {
            "user_id": self.network.sw.id, "case_role": "sociaal_werker"}))

    @cached_property
    def proposal(self):
        assert self.core_sw.id
        return self.commit(coordination.propose_coordinator_change(
            self.network.sw, self.family.id, {"user_id": self.network.jvk2.id, "reason": "herverdeling"}))

    @cached_property
    def absence(self):
        return self.commit(coordination.record_absence(self.network.jvk, {
            "from": "2026-11-30", "to": "2026-12-04", "reason": "verlof", "substitute_id": self.network.jvk2.id}))

    @cached_property
    def meeting(self):
        # started (the clock stands at 24-11-2026 10:00 in Amsterdam): presence can be confirmed, the minutes finalised
        return self.commit(mdo.create_meeting(self.network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"}))

    @cached_property
    def item(self):
        return self.commit(mdo.add_item(self.network.chair, self.meeting.id, {"family_id": self.family.id}))

    @cached_property
    def action(self):
        outcome = mdo.add_outcome(self.network.chair, self.item.id, {
            "kind": "actie", "text": "Bel de verloskundige", "owner_id": self.network.chair.id, "due_workdays": 5})
        return self.commit(outcome.action)

    @cached_property
    def discussion(self):
        """The family flagged for the MDO (so the agenda proposal names it)."""
        return self.commit(mdo.request_discussion(self.network.gyn, self.family.id, "Hoe verder met de zorg?"))

    @cached_property
    def member(self):
        return self.commit(add_poli_team_member(self.network.planner, "pop", self.network.outsider.id))

    @cached_property
    def candidate(self):
        """A registration by the wijkteam with the name and birth date of the hospital's family."""
        parent = {"name": "Canary Moedernaam", "birth_date": "1995-03-14"}
        assert self.family.id
        aanmelden(self.network.sw, family_data(parents=[parent], reason="Dubbel aangemeld"))
        scan()
        db.session.commit()
        return db.session.scalars(db.select(DuplicateCandidate)).one()

    @cached_property
    def support(self):
        """Home-Start's support of the family, the volunteer in its core team under the informele_steun consent."""
        family = self.family
        sharing.record_preset(self.network.gyn, family.id, "informele_steun", method="schriftelijk")
        coordination.add_core_member(self.network.gyn, family.id, {"user_id": self.network.vrijwilliger.id,
                                                                    "case_role": "informele_steun"})
        return self.commit(informal_support.record_support(self.network.vrijwilliger, family.id, {
            "organisation_id": self.network.homestart.id, "kind": "luisterend_oor", "starts_on": "2026-11-20"}))

    @cached_property
    def contact(self):
        """A contact moment of the gynaecologist with the family."""
        return self.commit(contacts.record_contact(self.network.gyn, self.family.id, {"kind": "consult"}))

    @property
    def gyn_otp(self) -> str:
        code = totp_code(self.network.gyn, self.clock)
        self.clock.advance(seconds=30)
        return code

    def headers(self, user: str | None) -> dict:
        if user is None:
            return {}
        if user not in self.tokens:
            person = getattr(self.network, user)
            body = {"username": person.username, "password": PASSWORD}
            if person.totp_enrolled:
                body["otp"] = totp_code(person, self.clock)
                self.clock.advance(seconds=30)
            answer = self.client.post("/api/v1/auth/token", json=body)
            assert answer.status_code == 200, answer.get_json()
            self.tokens[user] = answer.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def path(self, op: Operation, sample: Sample) -> str:
        defaults = {"family_id": At("family.id"), "consent_id": At("consent.id"), "proposal_id": At("proposal.id"),
                    "decision": "accept", "handover_id": At("handover.id"), "absence_id": At("absence.id"),
                    "meeting_id": At("meeting.id"), "item_id": At("item.id"), "action_id": At("action.id"),
                    "code": "pop", "member_id": At("member.id"), "candidate_id": At("candidate.id"),
                    "support_id": At("support.id")}
        params = {**defaults, **sample.params}
        return "/api/v1" + re.sub(r"\{([a-z_]+)\}", lambda m: str(resolve(params[m.group(1)], self)), op.path)

    def send(self, op: Operation, body=None, *, sample: Sample | None = None):
        sample = sample or SAMPLES[op.key]
        for name in sample.needs:
            At(name).value(self)
        path = self.path(op, sample)   # before the body: the path may create the records the body names
        if body is None and sample.body is not None:
            body = resolve(sample.body, self)
        kwargs = {"json": body} if op.has_body else {}
        response = self.client.open(path, method=op.method.upper(), headers=self.headers(sample.user),
                                    query_string=resolve(sample.query, self), **kwargs)
        db.session.expire_all()   # the request changed rows this session may hold
        return response


@pytest.fixture
def scene(network, register, client, clock):
    return Scene(network, register, client, clock)


LATER = "2026-11-30"
SAMPLES: dict[tuple[str, str], Sample] = {
    ("post", "/auth/token"): Sample(None, {"username": "gyn", "password": PASSWORD, "otp": At("gyn_otp")}),
    ("delete", "/auth/token"): Sample(),
    ("get", "/me"): Sample(),
    ("get", "/openapi.json"): Sample(None),
    ("post", "/families"): Sample(body=family_data(parents=[{"name": "Ouder Contract", "birth_date": "1991-02-03",
                                                              "bsn": "123456782"}])),
    ("get", "/families"): Sample(query={"poli": "pop"}, needs=("family",)),
    ("get", "/families/search"): Sample(query={"pseudonym": At("family.pseudonym")}),
    ("post", "/families/search"): Sample(body={"name": "Canary Moedernaam", "birth_date": "1995-03-14"},
                                         needs=("family",)),
    ("get", "/families/{family_id}"): Sample(),
    ("patch", "/families/{family_id}"): Sample(body={"version": At("family.version"),
                                                     "support_question": "Hulp bij de boodschappen"}),
    ("delete", "/families/{family_id}"): Sample("po", {"reason": "Verzoek van de ouders tot verwijdering"}),
    ("post", "/families/{family_id}/births"): Sample(body={
        "version": At("family.version"), "poli": "mamaplus",
        "children": [{"name": "Baby Contract", "birth_date": "2026-11-24", "gestational_age_weeks": 29,
                      "gestational_age_days": 3, "birth_weight_grams": 1320}]}),
    ("post", "/families/{family_id}/pregnancies"): Sample(body={"version": At("born_family.version"),
                                                                "expected_due_date": "2027-08-01"},
                                                          params={"family_id": At("born_family.id")}),
    ("post", "/families/{family_id}/intake"): Sample(body={"type": "gezamenlijk", "location": "ziekenhuis",
                                                           "planned_at": "2026-11-26T10:00"}),
    ("post", "/families/{family_id}/target-group/assessments"): Sample(body={
        "reason": "Moeder vertelde over schulden en huiselijk geweld", "vulnerabilities": ["financien", "veiligheid"],
        "protective_factors": ["steunend_netwerk"]}),
    ("get", "/families/{family_id}/target-group/assessments"): Sample(needs=("target_assessment",)),
    ("get", "/families/{family_id}/plan"): Sample(needs=("plan",)),
    ("put", "/families/{family_id}/plan"): Sample("jvk", {
        "version": At("plan_version"), "hulpvraag": "Rust in huis en hulp met de rekeningen",
        "start_date": "2026-11-24", "evaluation_date": "2027-02-24",
        "goals": [{"what": "Vaste slaaptijden", "who": "Moeder", "by_when": "2027-01-15"}],
        "actions": [{"what": "Bel de schuldhulp", "who": "Sociaal werker"}],
        "referrals": [{"to": "Schuldhulp", "referral_type": "welzijn", "status": "aangevraagd"}]}),
    ("post", "/families/{family_id}/notes"): Sample(body={"category": "consultverslagen", "text": "Goed gesprek."}),
    ("post", "/families/{family_id}/consents"): Sample(body={
        "recipient": {"domain": "sociaal"}, "categories": ["naw"], "purpose": "zorg_en_ondersteuning",
        "method": "schriftelijk"}),
    ("get", "/families/{family_id}/consents"): Sample(),
    ("post", "/consents/{consent_id}/withdraw"): Sample(body={"reason": "De ouders trekken de toestemming in"}),
    ("post", "/families/{family_id}/break-glass"): Sample(
        "sw", {"reason": "Acute zorg om de veiligheid van het kind (Meldcode)"},
        params={"family_id": At("glass_family.id")}),
    ("get", "/families/{family_id}/access-log"): Sample("po"),
    ("get", "/families/{family_id}/fhir"): Sample("jvk", query={"recipient": At("network.wijkteam.id")}),
    ("put", "/families/{family_id}/coordinator"): Sample(body={"user_id": At("network.jvk2.id"),
                                                                                     "reason": "herverdeling"}),
    ("post", "/families/{family_id}/coordinator/proposals"): Sample(
        "sw", {"user_id": At("network.jvk2.id"), "reason": "herverdeling"}, needs=("core_sw",)),
    ("get", "/families/{family_id}/coordinator/proposals"): Sample(needs=("proposal",)),
    ("post", "/coordinator-proposals/{proposal_id}/{decision}"): Sample(),
    ("post", "/families/{family_id}/core-team"): Sample(body={"user_id": At("network.sw.id"),
                                                              "case_role": "sociaal_werker"}),
    ("post", "/families/{family_id}/exit"): Sample(body={"reason": "doelen_bereikt", "target": "reguliere_jgz",
                                                         "target_name": "JGZ Noord", "note": "Goed afgerond"}),
    ("post", "/families/{family_id}/mdo-request"): Sample(body={"question": "Hoe verder met de zorg?"}),
    ("post", "/families/{family_id}/handover/events"): Sample(body={"type": "contactpoging", "contact_mode": "coordinator_met_gezin",
                                                                    "note": "Niet opgenomen"}),
    ("post", "/families/{family_id}/handover/feedback"): Sample(body={"recipient": "verwijzer", "method": "telefoon",
                                                                      "note": "Teruggebeld"}),
    ("post", "/families/{family_id}/feedback"): Sample(body={"about": "aanmelding", "recipient": "verwijzer",
                                                             "method": "telefoon", "note": "Uitkomst doorgegeven"}),
    ("get", "/me/referrals"): Sample(needs=("family",)),
    ("get", "/handovers"): Sample(query={"poli": "pop", "page": "1"}, needs=("family",)),
    ("post", "/handovers/{handover_id}/recalculate"): Sample("planner", {"reason": "Nieuwe sluitingsdagen ingevoerd"}),
    ("post", "/absences"): Sample("jvk", {"from": LATER, "to": "2026-12-04", "reason": "verlof",
                                          "substitute_id": At("network.jvk2.id")}),
    ("get", "/absences"): Sample("planner", needs=("absence",)),
    ("patch", "/absences/{absence_id}"): Sample("jvk", {"from": "2026-11-30", "to": "2026-12-03", "reason": "ziekte",
                                                       "substitute_id": At("network.jvk2.id")}),
    ("delete", "/absences/{absence_id}"): Sample("jvk"),
    ("get", "/caseload"): Sample("planner"),
    ("post", "/caseload/reassign"): Sample("planner", {"family_ids": [At("family.id")], "to_user_id": At("network.jvk2.id"),
                                                       "reason": "herverdeling"}),
    ("post", "/knelpunten"): Sample(body={"kind": "capaciteit", "description": "Wachtlijst bij de kraamzorg"}),
    ("post", "/mdo/meetings"): Sample("chair", {"poli": "pop", "starts_at": "2026-11-26T13:00", "duration_minutes": 90}),
    ("get", "/mdo/meetings/{meeting_id}"): Sample("chair", needs=("item",)),
    ("post", "/mdo/meetings/{meeting_id}/agenda/propose"): Sample("chair", needs=("discussion",)),
    ("post", "/mdo/meetings/{meeting_id}/items"): Sample("chair", {"family_id": At("family.id"), "minutes_planned": 15,
                                                                   "question": "Welke hulp past?"}),
    ("post", "/mdo/meetings/{meeting_id}/attendance"): Sample("chair", {"attendees": [
        {"user_id": At("network.chair.id"), "status": "aanwezig"}]}),
    ("post", "/mdo/meetings/{meeting_id}/share"): Sample("chair", needs=("item",)),
    ("post", "/mdo/meetings/{meeting_id}/attendees/invite"): Sample("chair", needs=("item",)),
    ("post", "/mdo/meetings/{meeting_id}/finalise"): Sample("chair", {"confirm": True}),
    ("post", "/mdo/items/{item_id}/minutes"): Sample("chair", {"text": "Besproken: de hulp thuis.",
                                                               "expected_revision": 0}),
    ("post", "/mdo/items/{item_id}/outcomes"): Sample("chair", {"kind": "besluit", "text": "Kraamzorg uitbreiden"}),
    ("post", "/mdo/items/{item_id}/not-discussed"): Sample("chair"),
    ("get", "/actions"): Sample("chair", query={"owner": "me"}, needs=("action",)),
    ("post", "/actions/{action_id}"): Sample("chair", {"status": "gedaan"}),
    ("get", "/polis/{code}/team"): Sample(),
    ("post", "/polis/{code}/team"): Sample("planner", {"user_id": At("network.outsider.id")}),
    ("delete", "/polis/{code}/team/{member_id}"): Sample("planner"),
    ("get", "/duplicates"): Sample("po", needs=("candidate",)),
    ("post", "/duplicates/{candidate_id}/resolve"): Sample("po", {"resolution": "verschillend",
                                                                  "note": "Andere moeder, zelfde naam"}),
    ("get", "/families/{family_id}/informal-support"): Sample("vrijwilliger", needs=("support",)),
    ("post", "/families/{family_id}/informal-support"): Sample("vrijwilliger", {
        "organisation_id": At("network.homestart.id"), "kind": "post_financien", "starts_on": "2026-11-20",
        "ends_on": "2027-01-31", "status": "gestart"}, needs=("support",)),
    ("post", "/families/{family_id}/informal-support/{support_id}"): Sample("vrijwilliger", {
        "status": "afgerond", "ends_on": "2026-11-24"}),
    ("post", "/families/{family_id}/informal-support/{support_id}/notes"): Sample("vrijwilliger", {
        "text": "Samen de post doorgenomen."}),
    ("get", "/families/{family_id}/contacts"): Sample(needs=("contact",)),
    ("post", "/families/{family_id}/contacts"): Sample(body={"contact_on": "2026-11-24", "kind": "telefonisch",
                                                             "discipline": "gynaecologie"}),
    ("get", "/reports/gemeenten"): Sample("pl", query={"from": "2026-01-01", "to": "2026-11-24"}),
    ("get", "/reports/throughput"): Sample("pl", query={"from": "2026-01-01", "to": "2026-11-24"}),
}


def answer_model(op: Operation, status: int):
    if status == op.status:
        return op.response
    if status in op.also:
        return op.also[status]
    return r.ErrorOut if status >= 400 else None


def check_answer(op: Operation, response) -> None:
    """The status is documented for the operation and the body validates against its model."""
    status = response.status_code
    documented = DOC["paths"][op.path][op.method]["responses"]
    assert str(status) in documented, f"{op_id(op)} answered {status}, not documented: {response.get_data()[:300]}"
    if status == 204:
        assert response.get_data() == b""
        return
    model = answer_model(op, status)
    if model is not None:
        model.model_validate_json(response.get_data(), strict=True)


def required_fields(op: Operation, *, route: bool = False) -> list[str]:
    """The fields the document requires (and, with route, those the operation says the route
    requires although its model does not list them)."""
    if op.body is not None:
        names = list(op.body.get("required", []))
    else:
        names = [key for model in op.request for key in model.required_keys()]
    return list(dict.fromkeys(names + (list(op.route_requires) if route else [])))


def named_fields(response) -> set[str]:
    """The top-level fields a 422 names (parents[0].bsn names parents)."""
    if response.status_code != 422:
        return set()
    error = response.get_json()["error"]
    keys = set(error.get("fields") or {}) | ({error["field"]} if error.get("field") else set())
    return {re.split(r"[.\[]", key)[0] for key in keys}


# ------------------------------------------------------------------ (c) required fields

REQUIRED_CASES = [pytest.param(op, name, id=f"{op_id(op)}:{name}" + ("" if name in required_fields(op) else "(route)"))
                  for op in OPERATIONS for name in required_fields(op, route=True)]


@pytest.mark.parametrize("op,name", REQUIRED_CASES)
def test_leaving_out_a_required_field_is_422_naming_it(scene, op, name):
    body = resolve(SAMPLES[op.key].body, scene)
    assert name in body, f"the sample of {op_id(op)} lacks the required field {name}"
    del body[name]
    response = scene.send(op, body)
    assert response.status_code == 422, (response.status_code, response.get_data()[:300])
    assert response.get_json()["error"].get("fields"), response.get_json()
    assert name in named_fields(response), response.get_json()
    check_answer(op, response)


OPTIONAL_CASES = [pytest.param(op, name, id=f"{op_id(op)}:{name}") for op in OPERATIONS
                  if op.key in SAMPLES and isinstance(SAMPLES[op.key].body, dict)
                  for name in SAMPLES[op.key].body if name not in required_fields(op, route=True)]


@pytest.mark.parametrize("op,name", OPTIONAL_CASES)
def test_leaving_out_an_optional_field_is_not_refused_for_it(scene, op, name):
    """A field the document does not require may be left out: the route may refuse the request
    for another reason, but not name this field, unless the operation lists it as conditional."""
    body = resolve(SAMPLES[op.key].body, scene)
    del body[name]
    response = scene.send(op, body)
    check_answer(op, response)
    if name in named_fields(response):
        assert name in op.conditional, (f"{op_id(op)} requires {name} ({response.get_json()['error']}), the "
                                        f"document does not: add it to the model's `required` (or, in "
                                        f"igp/api/operations.py, to route_requires or conditional)")


# ------------------------------------------------------------------ the documented model is the one parsed

@pytest.fixture
def parsed_models(monkeypatch):
    """The input models validated (igp.validation.parse calls Model.model_validate) during a test."""
    seen: list[type] = []
    original = Input.model_validate.__func__

    def spy(cls, *args, **kwargs):
        seen.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Input, "model_validate", classmethod(spy))
    return seen


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.request], ids=op_id)
def test_the_route_parses_the_documented_model(scene, parsed_models, op):
    response = scene.send(op)
    assert response.status_code < 300, (response.status_code, response.get_data()[:300])
    parsed = [m for m in parsed_models if m in op.request]
    if op.parsed:
        assert parsed, f"{op_id(op)} no longer validates its body with {[m.__name__ for m in op.request]}"
    else:
        assert not parsed, (f"{op_id(op)} now validates its body with {parsed[0].__name__}: set parsed=True "
                            f"(and drop the note) in igp/api/operations.py")


# ------------------------------------------------------------------ (d) real answers

@pytest.mark.parametrize("op", OPERATIONS, ids=op_id)
def test_a_real_answer_matches_its_response_model(scene, op):
    response = scene.send(op)
    assert response.status_code == op.status, (response.status_code, response.get_data()[:500])
    check_answer(op, response)
    body = response.get_json(silent=True)
    if isinstance(body, dict) and "items" in body and op.path != "/mdo/meetings":   # a new meeting has none
        assert body["items"], f"{op_id(op)}: an empty list proves little; give the sample the records (needs)"


def test_the_family_record_as_a_reader_with_less_consent(scene, network):
    """Another organisation sees the record without its withheld categories: keys are left out."""
    family = scene.register(network.gyn)
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    response = scene.client.get(f"/api/v1/families/{family.id}", headers=scene.headers("sw"))
    assert response.status_code == 200
    body = r.FamilyDetailOut.model_validate_json(response.get_data(), strict=True)
    assert body.withheld and body.parents is None and "parents" not in response.get_json()


def test_a_linked_registration_and_a_possible_duplicate(scene, network):
    op = OPS[("post", "/families")]
    assert scene.family.id
    duplicate = scene.send(op, family_data())
    assert duplicate.status_code == 409
    check_answer(op, duplicate)
    linked = scene.send(op, family_data(link_to_family_id=scene.family.id))
    assert linked.status_code == 200
    check_answer(op, linked)


def test_an_outcome_with_an_action_and_the_outward_handover(scene, network):
    op = OPS[("post", "/mdo/items/{item_id}/outcomes")]
    response = scene.send(op, {"kind": "actie", "text": "Bel de verloskundige", "owner_id": network.chair.id,
                               "due_workdays": 5})
    assert response.status_code == 201
    check_answer(op, response)
    assert r.OutcomeCreatedOut.model_validate_json(response.get_data()).action is not None
    listed = scene.send(OPS[("get", "/actions")])
    assert r.ActionListOut.model_validate_json(listed.get_data(), strict=True).items


@pytest.mark.parametrize("method,path,user,status", [
    ("get", "/families/{family_id}", None, 401),
    ("get", "/families/{family_id}", "outsider", 404),
    ("get", "/reports/throughput", "gyn", 403),
    ("get", "/families", "gyn", 422),
    ("get", "/families/search", "gyn", 400),
])
def test_error_answers_match_the_error_model(scene, method, path, user, status):
    op = OPS[(method, path)]
    query = {"page": "nul"} if status == 422 else {"bsn": "111222333"} if status == 400 else {}
    response = scene.send(op, sample=Sample(user, query=query))
    assert response.status_code == status
    check_answer(op, response)


def test_every_operation_has_a_sample():
    assert sorted(set(OPS) - set(SAMPLES)) == []
    assert sorted(set(SAMPLES) - set(OPS)) == []
