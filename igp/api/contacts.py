"""API: contact moments of a family (when, which discipline, which form; no content)."""
from flask import jsonify
from flask_login import current_user

from igp.api.blueprint import bp
from igp.api.common import json_body
from igp.auth import access
from igp.clock import iso
from igp.contacts import rules, services

READ_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
              "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter")
RECORD_ROLES = tuple(sorted(rules.RECORDING_ROLES))


def contact_json(item: services.ContactView) -> dict:
    return {"id": item.id, "contact_on": iso(item.contact_on), "discipline": item.discipline, "kind": item.kind,
            "recorded_by": item.recorded_by, "organisation": item.organisation, "on_behalf_of": item.on_behalf_of,
            "recorded_at": iso(item.recorded_at)}


@bp.route("/families/<int:family_id>/contacts", methods=["GET"])
@access.roles(*READ_ROLES)
def list_contacts(family_id: int):
    section = services.contacts_of(current_user, family_id, access="api")
    return jsonify({"items": [contact_json(i) for i in section.items], "total": section.total,
                    "by_discipline": section.by_discipline, "may_record": section.may_record,
                    "withheld": [{"category": c, "reason": r} for c, r in section.withheld]})


@bp.route("/families/<int:family_id>/contacts", methods=["POST"])
@access.roles(*RECORD_ROLES)
def record_contact(family_id: int):
    row = services.record_contact(current_user, family_id, json_body())
    return jsonify({"id": row.id, "contact_on": iso(row.contact_on), "discipline": row.discipline,
                    "kind": row.kind, "on_behalf_of_id": row.on_behalf_of_id}), 201
