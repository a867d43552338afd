"""API: handovers board, absences, caseload, knelpunten, MDO, actions."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from igp.admin import services as admin
from igp.api.blueprint import bp
from igp.api.common import json_body, page_arg
from igp.auth import access
from igp.clock import iso
from igp.coordination import services as coordination
from igp.errors import NotFound, ValidationError
from igp.families import duplicates as queue
from igp.handover import services as handover
from igp.ids import as_id
from igp.mdo import readmodels
from igp.mdo import services as mdo

BOARD_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
               "sociaal_werker", "planner", "mdo_voorzitter")
CASE_ROLES = BOARD_ROLES + ("informele_steun",)
HANDOVERS_PER_PAGE = 300


@bp.route("/handovers", methods=["GET"])
@access.roles(*BOARD_ROLES)
def handovers():
    """Most urgent first, HANDOVERS_PER_PAGE per page; `total` counts all that match the filters."""
    page = page_arg()
    coordinator = request.args.get("coordinator") or None
    if coordinator is not None and as_id(coordinator) is None:
        raise ValidationError({"coordinator": "Gebruik het nummer (id) van een gebruiker."})
    filters = {"poli": request.args.get("poli") or None, "signal": request.args.get("signal") or None,
               "coordinator_id": as_id(coordinator) if coordinator else None,
               "mine": request.args.get("mine") in ("1", "true"), "status": request.args.get("status") or None}
    total = sum(handover.board_counts(current_user, **filters).values())
    rows = handover.board(current_user, access="api", limit=HANDOVERS_PER_PAGE,
                          offset=(page - 1) * HANDOVERS_PER_PAGE, **filters)
    return jsonify({"items": [{
        "id": r.handover.id, "family_id": r.summary.id, "pseudonym": r.summary.pseudonym,
        "poli": r.handover.poli_code, "direction": r.handover.direction, "status": r.handover.status,
        "deadline": iso(r.handover.deadline), "workdays_left": r.workdays_left, "signal": r.signal,
        "coordinator": r.coordinator_name} for r in rows],
        "page": page, "total": total, "has_next": page * HANDOVERS_PER_PAGE < total})


@bp.route("/handovers/<int:handover_id>/recalculate", methods=["POST"])
@access.roles("planner", "jeugdverpleegkundige", "beheerder")
def recalculate(handover_id: int):
    row = handover.recalculate_deadline(current_user, handover_id, json_body().get("reason"))
    return jsonify({"id": row.id, "deadline": iso(row.deadline), "term_workdays": row.term_workdays})


def absence_json(absence, warnings: list[str]) -> dict:
    return {"id": absence.id, "user_id": absence.user_id, "from": iso(absence.starts_on), "to": iso(absence.ends_on),
            "substitute_id": absence.substitute_id, "reason": absence.reason, "warnings": warnings}


@bp.route("/absences", methods=["POST"])
@access.roles(*CASE_ROLES, "beheerder")
def create_absence():
    absence = coordination.record_absence(current_user, json_body())
    return jsonify(absence_json(absence, coordination.absence_warnings(absence))), 201


@bp.route("/absences/<int:absence_id>", methods=["PATCH"])
@access.roles(*CASE_ROLES, "beheerder")
def change_absence(absence_id: int):
    absence = coordination.change_absence(current_user, absence_id, json_body())
    return jsonify(absence_json(absence, coordination.absence_warnings(absence)))


@bp.route("/absences", methods=["GET"])
@access.roles(*CASE_ROLES, "beheerder")
def list_absences():
    mine_only = not current_user.has_role("planner", "beheerder")
    rows = coordination.absences(user_id=current_user.id if mine_only else None)
    return jsonify({"items": [{"id": a.id, "user_id": a.user_id, "from": iso(a.starts_on), "to": iso(a.ends_on),
                               "substitute_id": a.substitute_id, "reason": a.reason} for a in rows]})


@bp.route("/absences/<int:absence_id>", methods=["DELETE"])
@access.roles(*CASE_ROLES, "beheerder")
def cancel_absence(absence_id: int):
    coordination.cancel_absence(current_user, absence_id)
    return "", 204


@bp.route("/caseload", methods=["GET"])
@access.roles("planner", "projectleider", "jeugdverpleegkundige", "beheerder")
def caseload():
    rows = coordination.caseload()
    return jsonify({"items": [{
        "user_id": r.user.id, "name": r.user.name, "organisation": r.user.organisation.name,
        "active_families": r.active_families, "open_handovers": r.open_handovers, "open_actions": r.open_actions,
        "signals": r.signals, "absent": bool(r.absent),
        "substitute_id": r.absent.substitute_id if r.absent else None} for r in rows],
        "without_contact": coordination.no_contact_count()})


@bp.route("/caseload/reassign", methods=["POST"])
@access.roles("planner", "jeugdverpleegkundige", "beheerder")
def bulk_reassign():
    changed = coordination.bulk_reassign(current_user, json_body())
    return jsonify({"reassigned": [a.family_id for a in changed]})


@bp.route("/knelpunten", methods=["POST"])
@access.roles(*CASE_ROLES)
def raise_knelpunt():
    row = coordination.raise_knelpunt(current_user, json_body())
    return jsonify({"id": row.id, "status": row.status}), 201


# ------------------------------------------------------------------ MDO

def meeting_json(meeting) -> dict:
    return {"id": meeting.id, "poli": meeting.poli.code, "starts_at": iso(meeting.starts_at),
            "duration_minutes": meeting.duration_minutes, "status": meeting.status,
            "chair_id": meeting.chair_id, "quorum_domains": meeting.quorum_domains,
            "items": [{"id": i.id, "family_id": i.family_id, "pseudonym": i.family.pseudonym, "position": i.position,
                       "reasons": i.reasons, "status": i.status, "minutes_planned": i.minutes_planned}
                      for i in meeting.items],
            "attendees": [{"user_id": a.user_id, "status": a.status} for a in meeting.attendees]}


@bp.route("/mdo/meetings", methods=["POST"])
@access.roles(*mdo.CHAIR_ROLES)
def create_meeting():
    meeting = mdo.create_meeting(current_user, json_body())
    return jsonify(meeting_json(meeting)), 201


@bp.route("/mdo/meetings/<int:meeting_id>", methods=["GET"])
@access.roles(*CASE_ROLES)
def get_meeting(meeting_id: int):
    meeting, items = readmodels.meeting_page(current_user, meeting_id, access="api")
    body = {"id": meeting.id, "poli": meeting.poli_code, "starts_at": iso(meeting.starts_at),
            "duration_minutes": meeting.duration_minutes, "status": meeting.status, "chair_id": meeting.chair_id,
            "quorum_domains": meeting.quorum_domains,
            "attendees": [{"user_id": a.user_id, "status": a.status} for a in meeting.attendees], "items": []}
    for view in items:
        body["items"].append({
            "id": view.id, "family_id": view.family_id, "pseudonym": view.pseudonym, "position": view.position,
            "reasons": view.reasons, "status": view.status, "minutes_planned": view.minutes_planned,
            "anonymous": view.anonymous, "quorum_met": view.quorum.met, "visible": view.family is not None,
            "name": view.family.display_name if view.family else None, "question": view.question,
            "minutes": view.minutes,
            "outcomes": [{"kind": o.kind, "referral_type": o.referral_type, "quorum_met": o.quorum_met,
                          "text": o.text} for o in view.outcomes]})
    return jsonify(body)


@bp.route("/mdo/meetings/<int:meeting_id>/agenda/propose", methods=["POST"])
@access.roles(*CASE_ROLES)
def propose(meeting_id: int):
    proposals = mdo.propose_agenda(current_user, meeting_id)
    return jsonify({"items": [{"family_id": p.family_id, "pseudonym": p.pseudonym, "reasons": p.reasons,
                               "open_actions": p.open_actions, "name": p.name, "coordinator": p.coordinator,
                               "question": p.question, "mdo_consent": p.mdo_consent, "may_open": p.may_open}
                              for p in proposals]})


@bp.route("/mdo/meetings/<int:meeting_id>/items", methods=["POST"])
@access.roles(*CASE_ROLES)
def add_item(meeting_id: int):
    item = mdo.add_item(current_user, meeting_id, json_body())
    return jsonify({"id": item.id, "family_id": item.family_id, "position": item.position,
                    "reasons": item.reasons, "anonymous": item.anonymous}), 201


@bp.route("/mdo/meetings/<int:meeting_id>/attendance", methods=["POST"])
@access.roles(*CASE_ROLES)
def attendance(meeting_id: int):
    meeting = mdo.record_attendance(current_user, meeting_id, json_body())
    return jsonify({"attendees": [{"user_id": a.user_id, "status": a.status, "item_ids": a.item_ids}
                                  for a in meeting.attendees],
                    "quorum": mdo.quorum_for_meeting(meeting).met})


@bp.route("/mdo/meetings/<int:meeting_id>/attendees/invite", methods=["POST"])
@access.roles(*CASE_ROLES)
def invite(meeting_id: int):
    added = mdo.invite_team(current_user, meeting_id)
    meeting = mdo.get_meeting(meeting_id)
    return jsonify({"invited": [a.user_id for a in added],
                    "attendees": [{"user_id": a.user_id, "status": a.status} for a in meeting.attendees]})


@bp.route("/mdo/meetings/<int:meeting_id>/share", methods=["POST"])
@access.roles(*CASE_ROLES)
def share(meeting_id: int):
    meeting = mdo.share_agenda(current_user, meeting_id)
    return jsonify({"status": meeting.status, "agenda_shared_at": iso(meeting.agenda_shared_at)})


@bp.route("/mdo/meetings/<int:meeting_id>/finalise", methods=["POST"])
@access.roles(*CASE_ROLES)
def finalise(meeting_id: int):
    # no body at all: the confirmation is missing (422 naming confirm)
    meeting, without_outcome = mdo.finalise(current_user, meeting_id, json_body() if request.get_data() else {})
    return jsonify({"status": meeting.status, "finalised_at": iso(meeting.finalised_at),
                    "without_outcome": [{"item_id": i.id, "pseudonym": i.family.pseudonym} for i in without_outcome]})


@bp.route("/mdo/items/<int:item_id>/outcomes", methods=["POST"])
@access.roles(*CASE_ROLES)
def add_outcome(item_id: int):
    outcome = mdo.add_outcome(current_user, item_id, json_body())
    body = {"id": outcome.id, "kind": outcome.kind, "quorum_met": outcome.quorum_met}
    if outcome.action:
        body["action"] = {"id": outcome.action.id, "owner_id": outcome.action.owner_id,
                          "due_date": iso(outcome.action.due_date), "status": outcome.action.status}
    return jsonify(body), 201


@bp.route("/mdo/items/<int:item_id>/minutes", methods=["POST"])
@access.roles(*CASE_ROLES)
def save_minutes(item_id: int):
    data = json_body()
    revision = mdo.save_minutes(current_user, item_id, data.get("text"),
                                expected_revision=data.get("expected_revision"))
    return jsonify({"revision": revision.id, "created_at": iso(revision.created_at)}), 201


@bp.route("/mdo/items/<int:item_id>/not-discussed", methods=["POST"])
@access.roles(*CASE_ROLES)
def not_discussed(item_id: int):
    item = mdo.mark_not_discussed(current_user, item_id)
    return jsonify({"id": item.id, "status": item.status})


@bp.route("/actions", methods=["GET"])
@access.roles(*CASE_ROLES)
def actions():
    rows = mdo.actions_for(current_user, owner=request.args.get("owner", "me"),
                           status=request.args.get("status") or None)
    texts = mdo.action_texts(current_user, rows)
    items = [{"id": a.id, "family_id": a.family_id, "pseudonym": a.family.pseudonym, "owner_id": a.owner_id,
              "due_date": iso(a.due_date), "status": a.status, "meeting_id": a.outcome.item.meeting_id,
              "text": texts[a.id]} for a in rows]
    return jsonify({"items": items})


@bp.route("/actions/<int:action_id>", methods=["POST"])
@access.roles(*CASE_ROLES)
def update_action(action_id: int):
    action = mdo.set_action_status(current_user, action_id, json_body().get("status"))
    return jsonify({"id": action.id, "status": action.status, "done_at": iso(action.done_at)})


# ------------------------------------------------------------------ the kernteam of a poli

@bp.route("/polis/<code>/team", methods=["GET"])
@access.roles(*CASE_ROLES)
def poli_team(code: str):
    poli = admin.find_poli(code)
    if poli is None:
        raise NotFound("Deze poli bestaat niet.")
    return jsonify({"poli": poli.code, "members": [
        {"id": m.id, "user_id": m.user_id, "name": m.user.name, "organisation": m.user.organisation.name,
         "added_at": iso(m.added_at)} for m in admin.poli_team(poli.id)]})


@bp.route("/polis/<code>/team", methods=["POST"])
@access.roles("planner", "beheerder")
def add_poli_team_member(code: str):
    member = admin.add_poli_team_member(current_user, code, json_body().get("user_id"))
    return jsonify({"id": member.id, "user_id": member.user_id, "poli": member.poli.code}), 201


@bp.route("/polis/<code>/team/<int:member_id>", methods=["DELETE"])
@access.roles("planner", "beheerder")
def remove_poli_team_member(code: str, member_id: int):
    admin.remove_poli_team_member(current_user, member_id, poli_code=code)
    return "", 204


# ------------------------------------------------------------------ possible duplicates

@bp.route("/duplicates", methods=["GET"])
@access.roles("planner", "privacy_officer")
def duplicates():
    return jsonify({"items": [{"id": c.id, "new_family_id": c.new_family_id, "existing_family_id": c.existing_family_id,
                               "new_pseudonym": c.new_pseudonym, "existing_pseudonym": c.existing_pseudonym,
                               "match": c.match, "created_at": iso(c.created_at)} for c in queue.queue(current_user)]})


@bp.route("/duplicates/<int:candidate_id>/resolve", methods=["POST"])
@access.roles("planner", "privacy_officer")
def resolve_duplicate(candidate_id: int):
    row = queue.resolve(current_user, candidate_id, json_body())
    return jsonify({"id": row.id, "resolution": row.resolution, "resolved_at": iso(row.resolved_at)})
