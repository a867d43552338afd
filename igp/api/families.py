"""API: families, intake, consent, transparency, coordination of a family."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from igp.api.blueprint import bp
from igp.api.common import json_body, page_arg
from igp.auth import access
from igp.clock import iso
from igp.coordination import services as coordination
from igp.errors import NotFound, UsePost, ValidationError
from igp.families import assessment, course, services
from igp.families.overview import consent_json, family_page, feedback_json, handover_json, page_json
from igp.handover import feedback as family_feedback
from igp.handover import services as handover
from igp.mdo.services import open_actions_of_family, request_discussion
from igp.retention.services import erase
from igp.sharing import gateway, related
from igp.sharing import services as sharing

READ_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
              "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter", "projectleider", "privacy_officer",
              "beheerder")
WRITE_ROLES = tuple(services.REGISTERING_ROLES)


def summary_json(s) -> dict:
    return {"id": s.id, "pseudonym": s.pseudonym, "poli": s.poli_code, "phase": s.phase, "status": s.status,
            "referred_at": iso(s.received_at), "name": s.name,
            "withheld": [] if s.name else [{"category": "naw", "reason": s.naw_withheld_reason}]}


def _coordinator_json(family=None, *, contact: dict | None = None) -> dict | None:
    contact = contact if contact is not None else coordination.contact_today(family)
    if contact["coordinator"] is None:
        return None
    coordinator, substitute = contact["coordinator"], contact["acting_substitute"]
    return {"user_id": coordinator.id, "name": coordinator.name, "organisation": coordinator.organisation.name,
            "acting_substitute": ({"user_id": substitute.id, "name": substitute.name,
                                   "organisation": substitute.organisation.name} if substitute else None)}


@bp.route("/families", methods=["POST"])
@access.roles(*WRITE_ROLES)
def create_family():
    try:
        result = services.aanmelden(current_user, json_body())
    except services.DuplicateFound as exc:
        # rolled back by the request handler (4xx); re-send with link_to_family_id or confirm_new
        return jsonify({"error": {
            "code": "duplicate", "message": exc.message,
            "duplicates": [{"id": d.family_id, "pseudonym": d.pseudonym, "match": d.match, "visible": d.visible,
                            "organisation": d.organisation} for d in exc.duplicates]}}), 409
    family = result.family
    current = handover.current_handover(family.id, "in")
    signal = handover.signal_of(current) if current else None
    left = handover.workdays_left(current) if current else None
    body = {
        "id": family.id, "pseudonym": family.pseudonym, "status": family.status, "linked": result.linked,
        "target_group": {"eligible": result.target_group.eligible, "reasons": list(result.target_group.reasons),
                         "flags": list(result.target_group.flags),
                         "override": bool(family.target_override)},
        "handover": ({"status": current.status, "deadline": iso(current.deadline), "workdays_left": left,
                      "signal": signal} if current else None),
        "coordinator": _coordinator_json(family),
    }
    return jsonify(body), (200 if result.linked else 201)


@bp.route("/families", methods=["GET"])
@access.roles(*READ_ROLES)
def list_families():
    page = page_arg()
    items, where = services.list_families(current_user, poli=request.args.get("poli") or None,
                                          status=request.args.get("status") or None,
                                          phase=request.args.get("phase") or None, page=page, access="api")
    return jsonify({"items": [summary_json(s) for s in items], "page": page, "has_next": where.has_next})


IDENTIFYING_PARAMS = ("bsn", "name", "birth_date")


@bp.route("/families/search", methods=["GET"])
@access.roles(*READ_ROLES)
def search_families():
    """By pseudonym only: identifying values never travel in a URL (a proxy's access log would
    hold them). BSN, name and birth date go in the body of POST /api/v1/families/search."""
    if any(key in request.args for key in IDENTIFYING_PARAMS):
        raise UsePost("Zoek op BSN, naam of geboortedatum met POST /api/v1/families/search en de gegevens in de "
                      "body ({\"bsn\"} of {\"name\", \"birth_date\"}); zulke gegevens horen niet in een adres.",
                      field=next(k for k in IDENTIFYING_PARAMS if k in request.args))
    items = services.search_families(current_user, pseudonym=request.args.get("pseudonym"), access="api")
    return jsonify({"items": [summary_json(s) for s in items]})


@bp.route("/families/search", methods=["POST"])
@access.roles(*READ_ROLES)
def search_families_post():
    body = json_body()
    items = services.search(current_user, body, access="api")
    return jsonify({"items": [summary_json(s) for s in items]})


@bp.route("/families/<int:family_id>", methods=["GET"])
@access.roles(*READ_ROLES)
def get_family(family_id: int):
    return jsonify(page_json(family_page(current_user, family_id, access="api")))


@bp.route("/families/<int:family_id>", methods=["PATCH"])
@access.roles(*WRITE_ROLES)
def update_family(family_id: int):
    family = services.update_family(current_user, family_id, json_body())
    return jsonify({"id": family.id, "version": family.version, "phase": family.phase})


@bp.route("/families/<int:family_id>/births", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_birth(family_id: int):
    result = course.record_birth(current_user, family_id, json_body())
    family = result.family
    return jsonify({"family_id": family.id, "version": family.version, "phase": family.phase,
                    "poli": family.poli.code, "status": family.status,
                    "children": [c.position for c in result.children], "poli_moved": result.moved is not None,
                    "target_eligible": result.assessment.eligible_after}), 201


@bp.route("/families/<int:family_id>/pregnancies", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_pregnancy(family_id: int):
    family, pregnancy = course.record_pregnancy(current_user, family_id, json_body())
    return jsonify({"family_id": family_id, "version": family.version,
                    "expected_due_date": iso(pregnancy.expected_due_date)}), 201


@bp.route("/families/<int:family_id>/intake", methods=["POST"])
@access.roles(*WRITE_ROLES)
def intake(family_id: int):
    result = services.plan_or_record_intake(current_user, family_id, json_body())
    return jsonify({"id": result.id, "type": result.intake_type, "location": result.location,
                    "planned_at": iso(result.planned_at), "held_at": iso(result.held_at),
                    "outcome": result.outcome, "family_status": result.family.status,
                    "participants": [p.user_id for p in result.participants]}), 201


def _assessment_json(item: dict) -> dict:
    return dict(item, assessed_at=iso(item["assessed_at"]))


@bp.route("/families/<int:family_id>/target-group/assessments", methods=["POST"])
@access.roles(*WRITE_ROLES)
def reassess_target_group(family_id: int):
    row = assessment.assess(current_user, family_id, json_body(), access="api")
    current = handover.current_handover(family_id, "in")
    body = _assessment_json(assessment.assessment_dict(row))
    body["handover"] = handover_json(current, handover.signal_of(current), handover.workdays_left(current),
                                     may_notes=True) if current else None
    return jsonify(body), 201


@bp.route("/families/<int:family_id>/target-group/assessments", methods=["GET"])
@access.roles(*WRITE_ROLES)
def target_group_assessments(family_id: int):
    items, view = assessment.history_for(current_user, family_id, access="api")
    withheld = [] if items is not None else [{"category": "ontwikkeling_risicos",
                                              "reason": view.decision.reason("ontwikkeling_risicos")}]
    return jsonify({"items": [_assessment_json(i) for i in items or []], "withheld": withheld})


@bp.route("/families/<int:family_id>/notes", methods=["POST"])
@access.roles(*WRITE_ROLES)
def add_note(family_id: int):
    data = json_body()
    emergency = data.get("emergency", False)
    if not isinstance(emergency, bool):
        raise ValidationError({"emergency": "Geef true of false."})
    note = services.add_note(current_user, family_id, data.get("category"), data.get("text"), emergency=emergency)
    return jsonify({"id": note.id, "category": note.category, "created_at": iso(note.created_at),
                    "emergency": note.break_glass_id is not None}), 201


@bp.route("/families/<int:family_id>/consents", methods=["POST"])
@access.roles(*WRITE_ROLES)
def record_consent(family_id: int):
    data = json_body()
    if data.get("preset"):
        records = sharing.record_preset(current_user, family_id, data["preset"], method=data.get("method") or "",
                                        given_at=data.get("given_at"), form_version=data.get("form_version"),
                                        categories=data.get("categories"), domains=data.get("domains"))
        return jsonify({"ids": [r.id for r in records], "id": records[0].id}), 201
    record = sharing.record_consent(current_user, family_id, data)
    return jsonify({"id": record.id}), 201


@bp.route("/families/<int:family_id>/consents", methods=["GET"])
@access.roles(*WRITE_ROLES)
def list_consents(family_id: int):
    services.gateway.load_for_write(current_user, family_id)
    return jsonify({"items": [consent_json(c) for c in sharing.consents_of(family_id)]})


@bp.route("/consents/<int:consent_id>/withdraw", methods=["POST"])
@access.roles(*WRITE_ROLES)
def withdraw_consent(consent_id: int):
    data = json_body()
    record = sharing.withdraw(current_user, consent_id, data.get("reason"))
    stranded = [{"id": a.id, "owner_id": a.owner_id, "due_date": iso(a.due_date)} for a in record.stranded_actions]
    return jsonify({**consent_json(record), "stranded_actions": stranded})


@bp.route("/families/<int:family_id>/break-glass", methods=["POST"])
@access.roles(*WRITE_ROLES)
def break_glass(family_id: int):
    row = sharing.break_glass(current_user, family_id, json_body().get("reason"))
    return jsonify({"id": row.id, "expires_at": iso(row.expires_at)}), 201


@bp.route("/families/<int:family_id>/access-log", methods=["GET"])
@access.signed_in
def access_log(family_id: int):
    family, entries = sharing.access_log(current_user, family_id)
    return jsonify({"family": family.pseudonym, "items": [{
        "at": iso(e.at), "user": e.username, "organisation_id": e.organisation_id, "roles": e.roles,
        "action": e.action, "outcome": e.outcome, "on_behalf_of_id": e.on_behalf_of_id,
        "shown": [c for c in (e.categories_shown or "").split(",") if c],
        "withheld": [c for c in (e.categories_withheld or "").split(",") if c],
        "consent_ids": [int(c) for c in (e.consent_ids or "").split(",") if c]} for e in entries]})


def _proposal_json(row) -> dict:
    return {"id": row.id, "family_id": row.family_id, "user_id": row.proposed_user_id,
            "proposed_by_id": row.proposed_by_id, "reason": row.reason, "status": row.status,
            "created_at": iso(row.created_at)}


@bp.route("/families/<int:family_id>/coordinator/proposals", methods=["POST"])
@access.roles(*WRITE_ROLES)
def propose_coordinator(family_id: int):
    row = coordination.propose_coordinator_change(current_user, family_id, json_body())
    return jsonify(_proposal_json(row)), 201


@bp.route("/families/<int:family_id>/coordinator/proposals", methods=["GET"])
@access.roles(*READ_ROLES)
def coordinator_proposals(family_id: int):
    view = gateway.read_family(current_user, family_id, access="api", audit_read=False)
    return jsonify({"items": [{"id": p.id, "proposed_user": p.proposed_user, "proposed_by": p.proposed_by,
                               "reason": p.reason, "reason_text": p.reason_text, "created_at": iso(p.created_at)}
                              for p in related.coordinator_proposals(view)]})


@bp.route("/coordinator-proposals/<int:proposal_id>/<decision>", methods=["POST"])
@access.roles(*WRITE_ROLES)
def decide_coordinator_proposal(proposal_id: int, decision: str):
    if decision not in ("accept", "decline"):
        raise NotFound("Gebruik /accept of /decline.")
    row = coordination.decide_proposal(current_user, proposal_id, decision == "accept")
    return jsonify(_proposal_json(row))


@bp.route("/families/<int:family_id>/coordinator", methods=["PUT"])
@access.roles(*WRITE_ROLES)
def set_coordinator(family_id: int):
    assignment = coordination.assign_coordinator(current_user, family_id, json_body())
    return jsonify({"coordinator": _coordinator_json(contact=coordination.contact_for(family_id)),
                    "reason": assignment.reason})


@bp.route("/families/<int:family_id>/core-team", methods=["POST"])
@access.roles(*WRITE_ROLES)
def add_core_member(family_id: int):
    row = coordination.add_core_member(current_user, family_id, json_body())
    return jsonify({"id": row.id}), 201


@bp.route("/families/<int:family_id>/exit", methods=["POST"])
@access.roles(*WRITE_ROLES)
def exit_family(family_id: int):
    family = coordination.exit_family(current_user, family_id, json_body())
    outward = handover.current_handover(family.id, "uit")
    return jsonify({"status": family.status, "exit_reason": family.exit_reason,
                    "outward_handover": handover_json(outward, handover.signal_of(outward) if outward else None),
                    "exited_on": iso(family.exited_on), "exit_target": family.exit_target,
                    "open_actions": [{"id": a.id, "owner_id": a.owner_id, "due_date": iso(a.due_date)}
                                     for a in open_actions_of_family(family.id)]})


@bp.route("/families/<int:family_id>/mdo-request", methods=["POST"])
@access.roles(*WRITE_ROLES + ("mdo_voorzitter",))
def request_mdo(family_id: int):
    family = request_discussion(current_user, family_id, json_body().get("question"))
    return jsonify({"id": family.id, "mdo_requested_at": iso(family.mdo_requested_at)})


@bp.route("/families/<int:family_id>/handover/events", methods=["POST"])
@access.roles(*WRITE_ROLES)
def handover_event(family_id: int):
    event = services.record_handover_step(current_user, family_id, json_body())
    current = event.handover
    left = handover.workdays_left(current)
    return jsonify({"event": {"type": event.event_type, "at": iso(event.at), "on_behalf_of_id": event.on_behalf_of_id},
                    "handover": handover_json(current, handover.signal_of(current), left)}), 201


@bp.route("/families/<int:family_id>/handover/feedback", methods=["POST"])
@access.roles(*WRITE_ROLES)
def handover_feedback(family_id: int):
    feedback = handover.record_feedback(current_user, family_id, json_body())
    current = feedback.handover
    return jsonify({"id": feedback.id, "handover": handover_json(current, handover.signal_of(current))}), 201


@bp.route("/families/<int:family_id>", methods=["DELETE"])
@access.roles("privacy_officer")
def erase_family(family_id: int):
    pseudonym = erase(current_user, family_id, json_body().get("reason"))
    return jsonify({"erased": pseudonym})


# ------------------------------------------------------------------ terugkoppeling, Mijn aanmeldingen

@bp.route("/families/<int:family_id>/feedback", methods=["POST"])
@access.roles(*WRITE_ROLES)
def family_feedback_create(family_id: int):
    row = family_feedback.record_feedback(current_user, family_id, json_body())
    return jsonify(feedback_json(family_feedback.line_of(row))), 201


def _referral_json(line) -> dict:
    last = line.last_feedback
    return {"family_id": line.family_id, "pseudonym": line.pseudonym, "referred_at": iso(line.referred_at),
            "visible": line.visible, "name": line.name, "poli": line.poli_code, "status": line.status,
            "target_eligible": line.target_eligible, "handover_status": line.handover_status,
            "coordinator": line.coordinator, "feedback_received": last is not None,
            "last_feedback_at": iso(last.at) if last else None, "feedback": [feedback_json(f) for f in line.feedback]}


@bp.route("/me/referrals")
@access.roles(*WRITE_ROLES)
def my_referrals():
    return jsonify({"items": [_referral_json(line) for line in family_feedback.my_referrals(current_user, access="api")]})
