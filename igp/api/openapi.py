"""The OpenAPI 3.0 document of API v1, served at /api/v1/openapi.json.

It is the contract for integrations and the input of the fuzz test (schemathesis). Request
bodies are described with their fields; the server validates them and answers 422 with the
field named, so the document stays permissive where the rules are richer than JSON Schema.
"""
from __future__ import annotations

from flask import jsonify

from consent import CATEGORIES, CONSENT_METHODS, DOMAINS, PURPOSES
from igp.api.blueprint import bp
from igp.auth import access
from igp.families import rules as family_rules
from igp.handover import rules as handover_rules
from igp.mdo import rules as mdo_rules

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "description": "ISO 8601; without offset: Europe/Amsterdam"}


def enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


ERROR = obj({"error": obj({"code": STR, "message": STR, "field": STR,
                           "fields": {"type": "object", "additionalProperties": STR}}, ["code", "message"])},
            ["error"])
PARENT = obj({"name": STR, "birth_date": DATE, "bsn": STR, "phone": STR, "address": STR, "postcode": STR,
              "city": STR, "preferred_language": STR, "interpreter_needed": BOOL})
CHILD = obj({"name": STR, "birth_date": DATE, "gestational_age_weeks": INT, "gestational_age_days": INT,
             "birth_weight_grams": INT})
AANMELDING = obj({
    "poli": STR, "phase": enum(family_rules.PHASES), "referred_at": DATETIME,
    "referrer": obj({"type": enum(family_rules.REFERRER_TYPES), "name": STR, "organisation": STR, "contact": STR}),
    "reason": STR, "vulnerabilities": {"type": "array", "items": enum(family_rules.VULNERABILITIES)},
    "medical_reasons": {"type": "array", "items": enum(family_rules.MEDICAL_REASONS)}, "high_risk": BOOL,
    "non_primary": {"type": "array", "items": enum(family_rules.NON_PRIMARY)},
    "screening": obj({"instrument": enum(family_rules.SCREENING_INSTRUMENTS), "result": STR}),
    "parents": {"type": "array", "items": PARENT}, "expected_due_date": DATE,
    "children": {"type": "array", "items": CHILD}, "support_question": STR,
    "target_group_override": obj({"reason": STR}), "link_to_family_id": INT, "confirm_new": BOOL,
    "consent": obj({"preset": STR, "method": enum(CONSENT_METHODS), "given_at": DATETIME, "form_version": STR}),
}, ["poli", "phase", "referrer", "parents"])
CONSENT = obj({"recipient": obj({"organisation_id": INT, "domain": enum(DOMAINS)}),
               "categories": {"type": "array", "items": enum(CATEGORIES)}, "purpose": enum(PURPOSES),
               "given_at": DATETIME, "valid_until": DATETIME, "form_version": STR, "method": enum(CONSENT_METHODS),
               "given_by": {"type": "array", "items": INT}, "preset": STR})
INTAKE = obj({"type": enum(family_rules.INTAKE_TYPES), "location": enum(family_rules.INTAKE_LOCATIONS),
              "planned_at": DATETIME, "held_at": DATETIME, "participants": {"type": "array", "items": INT},
              "report": STR, "outcome": enum(family_rules.INTAKE_OUTCOMES), "plan": STR,
              "missed_reason": enum(handover_rules.MISSED_REASONS), "missed_text": STR})
EVENT = obj({"type": enum(handover_rules.EVENT_TYPES), "at": DATETIME, "note": STR,
             "reason": enum(handover_rules.MISSED_REASONS), "contact_mode": enum(handover_rules.CONTACT_MODES),
             "planned_at": DATETIME}, ["type"])
OUTCOME = obj({"kind": enum(mdo_rules.OUTCOME_KINDS), "text": STR, "referral_type": enum(mdo_rules.REFERRAL_TYPES),
               "owner_id": INT, "due_date": DATE, "due_workdays": INT, "meeting_id": INT, "feedback_by_id": INT},
              ["kind", "text"])

FAMILY_ID = {"name": "family_id", "in": "path", "required": True, "schema": INT}


def op(summary: str, *, body: dict | None = None, params: list | None = None, ok: str = "200",
       public: bool = False) -> dict:
    operation = {"summary": summary, "responses": {
        ok: {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
        "401": {"description": "Not signed in", "content": {"application/json": {"schema": ERROR}}},
        "403": {"description": "Not allowed", "content": {"application/json": {"schema": ERROR}}},
        "404": {"description": "Not found (or not involved)", "content": {"application/json": {"schema": ERROR}}},
        "409": {"description": "Conflict", "content": {"application/json": {"schema": ERROR}}},
        "422": {"description": "Bad input; the field is named", "content": {"application/json": {"schema": ERROR}}},
    }}
    if ok == "204":
        operation["responses"]["204"] = {"description": "Done"}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": INT}


def query(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or STR}


def document() -> dict:
    paths = {
        "/auth/token": {
            "post": op("Issue a bearer token", body=obj({"username": STR, "password": STR, "otp": STR},
                                                        ["username", "password"]), public=True),
            "delete": op("Revoke the token of this request", ok="204"),
        },
        "/me": {"get": op("The signed-in user")},
        "/families": {
            "post": op("Register an aanmelding", body=AANMELDING, ok="201"),
            "get": op("Families the user is involved with", params=[
                query("poli"), query("status", enum(family_rules.STATUSES)), query("phase", enum(family_rules.PHASES)),
                query("page", INT)]),
        },
        "/families/search": {
            "get": op("Search by pseudonym (BSN, name or birth date in the URL: 400, use the POST)",
                      params=[query("pseudonym")]),
            "post": op("Exact search by BSN, name + birth date, or pseudonym, in the body", body=obj(
                {"bsn": STR, "name": STR, "birth_date": DATE, "pseudonym": STR})),
        },
        "/families/{family_id}": {
            "parameters": [FAMILY_ID],
            "get": op("A family: allowed categories only, plus what is withheld and why"),
            "patch": op("Correct the record (optimistic locking with version)", body=obj(
                {"version": INT, "parents": {"type": "array", "items": PARENT},
                 "children": {"type": "array", "items": CHILD}, "expected_due_date": DATE, "phase": STR,
                 "support_question": STR}, ["version"])),
            "delete": op("Erase on request (privacy officer)", body=obj({"reason": STR}, ["reason"])),
        },
        "/families/{family_id}/intake": {"parameters": [FAMILY_ID],
                                         "post": op("Plan or record the intake", body=INTAKE, ok="201")},
        "/families/{family_id}/notes": {"parameters": [FAMILY_ID], "post": op(
            "A note in one data category; emergency: a noodnotitie under an open break-the-glass",
            body=obj({"category": enum(CATEGORIES), "text": STR, "emergency": BOOL}), ok="201")},
        "/families/{family_id}/consents": {
            "parameters": [FAMILY_ID],
            "post": op("Record the parents' consent (registering organisation)", body=CONSENT, ok="201"),
            "get": op("The family's consent records"),
        },
        "/consents/{consent_id}/withdraw": {"parameters": [path_param("consent_id")],
                                            "post": op("Withdraw a consent", body=obj({"reason": STR}))},
        "/families/{family_id}/break-glass": {"parameters": [FAMILY_ID], "post": op(
            "Emergency access for 24 hours", body=obj({"reason": STR}, ["reason"]), ok="201")},
        "/families/{family_id}/access-log": {"parameters": [FAMILY_ID],
                                             "get": op("Wie zag wat (coordinator, privacy officer)")},
        "/families/{family_id}/coordinator": {"parameters": [FAMILY_ID], "put": op(
            "Assign the coordinator", body=obj({"user_id": INT, "reason": STR, "reason_text": STR}, ["user_id"]))},
        "/families/{family_id}/coordinator/proposals": {
            "parameters": [FAMILY_ID],
            "post": op("Propose another coordinator (kernteam members who may not change it)", body=obj(
                {"user_id": INT, "reason": STR, "reason_text": STR}, ["user_id"]), ok="201"),
            "get": op("Open proposals"),
        },
        "/coordinator-proposals/{proposal_id}/{decision}": {
            "parameters": [path_param("proposal_id"),
                           {"name": "decision", "in": "path", "required": True, "schema": enum(["accept", "decline"])}],
            "post": op("Accept or decline a proposal (planner, coordinator or substitute, registering organisation)")},
        "/families/{family_id}/core-team": {"parameters": [FAMILY_ID], "post": op(
            "Add a professional to the core team", body=obj({"user_id": INT, "case_role": STR}), ok="201")},
        "/families/{family_id}/exit": {"parameters": [FAMILY_ID], "post": op("Exit with an outward handover", body=obj(
            {"reason": STR, "target": enum(handover_rules.OUTWARD_TARGETS), "target_name": STR, "note": STR,
             "confirm_open_actions": BOOL}, ["reason"]))},
        "/families/{family_id}/mdo-request": {"parameters": [FAMILY_ID], "post": op(
            "Flag for discussion in the MDO", body=obj({"question": STR}, ["question"]))},
        "/families/{family_id}/handover/events": {"parameters": [FAMILY_ID],
                                                  "post": op("A step of the warm handover", body=EVENT, ok="201")},
        "/families/{family_id}/handover/feedback": {"parameters": [FAMILY_ID], "post": op(
            "Feedback to referrer or family", body=obj({"recipient": enum(handover_rules.FEEDBACK_RECIPIENTS),
                                                        "method": enum(handover_rules.FEEDBACK_METHODS),
                                                        "at": DATETIME, "note": STR}, ["recipient", "method"]),
            ok="201")},
        "/handovers": {"get": op("Handovers with their signal, most urgent first, 300 per page; "
                                 "`total` and `has_next` in the answer", params=[
            query("signal", enum(handover_rules.SIGNALS)), query("poli"), query("coordinator", INT), query("mine"),
            query("status", enum(handover_rules.STATUSES)), query("page", {"type": "integer", "minimum": 1})])},
        "/handovers/{handover_id}/recalculate": {"parameters": [path_param("handover_id")], "post": op(
            "Recalculate a deadline (explicit, logged)", body=obj({"reason": STR}, ["reason"]))},
        "/absences": {
            "post": op("Record an absence and its substitute", body=obj(
                {"user_id": INT, "from": DATE, "to": DATE, "substitute_id": INT, "reason": STR},
                ["from", "to", "reason"]), ok="201"),
            "get": op("Current and future absences"),
        },
        "/absences/{absence_id}": {"parameters": [path_param("absence_id")], "delete": op("Cancel", ok="204")},
        "/caseload": {"get": op("Caseload per coordinator (counts)")},
        "/caseload/reassign": {"post": op("Bulk reassignment, all or nothing", body=obj(
            {"family_ids": {"type": "array", "items": INT}, "to_user_id": INT, "reason": STR, "reason_text": STR}))},
        "/knelpunten": {"post": op("Raise a knelpunt", body=obj({"kind": STR, "description": STR, "family_id": INT}),
                                   ok="201")},
        "/mdo/meetings": {"post": op("Plan an MDO", body=obj({"poli": STR, "starts_at": DATETIME,
                                                              "duration_minutes": INT, "location": STR,
                                                              "video_link": STR}, ["poli", "starts_at"]),
                                     ok="201")},
        "/mdo/meetings/{meeting_id}": {"parameters": [path_param("meeting_id")], "get": op("Meeting with agenda")},
        "/mdo/meetings/{meeting_id}/agenda/propose": {"parameters": [path_param("meeting_id")],
                                                      "post": op("The proposed agenda with reasons")},
        "/mdo/meetings/{meeting_id}/items": {"parameters": [path_param("meeting_id")], "post": op(
            "Add an agenda item (a family the actor may already see; without MDO consent only anonymously)",
            body=obj({"family_id": INT, "pseudonym": STR, "reasons": {"type": "array", "items": STR},
                      "question": STR, "minutes_planned": INT, "position": INT, "anonymous": BOOL}), ok="201")},
        "/mdo/meetings/{meeting_id}/attendance": {"parameters": [path_param("meeting_id")], "post": op(
            "Attendance", body=obj({"attendees": {"type": "array", "items": obj(
                {"user_id": INT, "status": enum(mdo_rules.ATTENDANCE), "item_ids": {"type": "array", "items": INT}})}}))},
        "/mdo/meetings/{meeting_id}/share": {"parameters": [path_param("meeting_id")], "post": op("Share the agenda")},
        "/mdo/meetings/{meeting_id}/finalise": {"parameters": [path_param("meeting_id")],
                                                "post": op("Finalise the minutes")},
        "/mdo/items/{item_id}/minutes": {"parameters": [path_param("item_id")], "post": op(
            "Save minutes (a new revision)", body=obj({"text": STR, "expected_revision": INT}, ["text"]), ok="201")},
        "/mdo/items/{item_id}/outcomes": {"parameters": [path_param("item_id")],
                                          "post": op("Record an outcome", body=OUTCOME, ok="201")},
        "/mdo/items/{item_id}/not-discussed": {"parameters": [path_param("item_id")],
                                               "post": op("Mark not discussed")},
        "/actions": {"get": op("MDO actions", params=[query("owner"), query("status", enum(mdo_rules.ACTION_STATUSES))])},
        "/actions/{action_id}": {"parameters": [path_param("action_id")], "post": op(
            "Update an action", body=obj({"status": enum(mdo_rules.ACTION_STATUSES)}, ["status"]))},
        "/polis/{code}/team": {
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": STR}],
            "get": op("The kernteam of a poli (whose MDO attendance counts as involvement)"),
            "post": op("Add a member (planner, beheerder)", body=obj({"user_id": INT}, ["user_id"]), ok="201"),
        },
        "/polis/{code}/team/{member_id}": {
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": STR},
                           path_param("member_id")],
            "delete": op("Remove a member (planner, beheerder)", ok="204"),
        },
        "/duplicates": {"get": op("Possible duplicates the registering user could not see (planner, privacy "
                                  "officer)")},
        "/duplicates/{candidate_id}/resolve": {"parameters": [path_param("candidate_id")], "post": op(
            "Merge or mark as distinct", body=obj({"resolution": enum(["samenvoegen", "verschillend"]), "note": STR},
                                                  ["resolution"]))},
        "/reports/throughput": {"get": op("Aggregated throughput (projectleider, beheerder)", params=[
            query("from", DATE), query("to", DATE), query("poli")])},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "IGP casusregie API", "version": "1",
                 "description": "Every error is {\"error\": {\"code\", \"message\"}}; bad input names the field."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.route("/openapi.json")
@access.public
def openapi():
    return jsonify(document())
