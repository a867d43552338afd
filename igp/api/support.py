"""API: informal support given to a family and the volunteer's notes on it."""
from flask import jsonify
from flask_login import current_user

from igp.api.blueprint import bp
from igp.api.common import json_body
from igp.auth import access
from igp.clock import iso
from igp.support import services

SUPPORT_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                 "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter")


def support_json(item: services.SupportView) -> dict:
    data = {"id": item.id, "organisation": {"id": item.organisation_id, "name": item.organisation},
            "kind": item.kind, "status": item.status, "starts_on": iso(item.starts_on), "ends_on": iso(item.ends_on),
            "recorded_at": iso(item.recorded_at), "may_note": item.may_note}
    if item.notes is not None:
        data["notes"] = [{"text": n.text, "author": n.author, "created_at": iso(n.created_at)} for n in item.notes]
    return data


@bp.route("/families/<int:family_id>/informal-support", methods=["GET"])
@access.roles(*SUPPORT_ROLES)
def list_informal_support(family_id: int):
    section = services.support_of(current_user, family_id, access="api")
    return jsonify({"items": [support_json(i) for i in section.items],
                    "withheld": [{"category": c, "reason": r} for c, r in section.withheld]})


@bp.route("/families/<int:family_id>/informal-support", methods=["POST"])
@access.roles(*SUPPORT_ROLES)
def record_informal_support(family_id: int):
    row = services.record_support(current_user, family_id, json_body())
    return jsonify({"id": row.id, "kind": row.kind, "status": row.status, "starts_on": iso(row.starts_on),
                    "ends_on": iso(row.ends_on), "organisation": {"id": row.organisation_id,
                                                                  "name": row.organisation.name}}), 201


@bp.route("/families/<int:family_id>/informal-support/<int:support_id>/notes", methods=["POST"])
@access.roles("informele_steun")
def add_informal_support_note(family_id: int, support_id: int):
    note = services.add_note(current_user, family_id, support_id, json_body())
    return jsonify({"id": note.id, "created_at": iso(note.created_at)}), 201


@bp.route("/families/<int:family_id>/informal-support/<int:support_id>", methods=["POST"])
@access.roles(*SUPPORT_ROLES)
def update_informal_support(family_id: int, support_id: int):
    row = services.update_support(current_user, family_id, support_id, json_body())
    return jsonify({"id": row.id, "kind": row.kind, "status": row.status, "starts_on": iso(row.starts_on),
                    "ends_on": iso(row.ends_on), "organisation": {"id": row.organisation_id,
                                                                  "name": row.organisation.name}})
