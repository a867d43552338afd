"""API: the gezinsplan of a family (GET and PUT /api/v1/families/{id}/plan)."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from igp.api.blueprint import bp
from igp.api.common import json_body
from igp.auth import access
from igp.clock import iso
from igp.families.services import REGISTERING_ROLES
from igp.plan import services

READ_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
              "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter")


def plan_json(page: services.PlanPage) -> dict:
    withheld = [{"category": services.CATEGORY, "reason": page.withheld_reason}] if page.withheld_reason else []
    return {
        "family_id": page.view.id, "version": page.revision, "plan": page.content,
        "evaluation_overdue": page.overdue, "may_write": page.may_write, "withheld": withheld,
        "mdo_actions": [{"id": a.id, "text": a.text, "owner": a.owner, "due_date": a.due_date.isoformat(),
                         "status": a.status} for a in page.mdo_actions],
        "revisions": [{"number": r.number, "author": r.author, "on_behalf_of": r.on_behalf_of,
                       "created_at": iso(r.created_at)} for r in page.revisions],
    }


@bp.route("/families/<int:family_id>/plan", methods=["GET"])
@access.roles(*READ_ROLES)
def family_plan(family_id: int):
    return jsonify(plan_json(services.read_plan(current_user, family_id, access="api")))


@bp.route("/families/<int:family_id>/plan", methods=["PUT"])
@access.roles(*REGISTERING_ROLES)
def save_family_plan(family_id: int):
    services.save_plan(current_user, family_id, json_body(), access="api")
    return jsonify(plan_json(services.read_plan(current_user, family_id, access="api")))
