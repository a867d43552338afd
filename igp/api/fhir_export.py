"""API: the family as a FHIR R4 Bundle for one recipient organisation (issue 22).

GET /api/v1/families/{id}/fhir?recipient=<organisation id>: a Bundle (type collection, FHIR 4.0.1,
nl-core profiles) with only what the family's consent lets that organisation see (igp.fhir.export).
Answered as application/json (the API's media type; the body is FHIR JSON); errors in the API's
shape like every other route of /api/v1."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from igp.api.blueprint import bp
from igp.auth import access
from igp.families.services import REGISTERING_ROLES
from igp.fhir import export
from igp.fhir.outcome import dumps


@bp.route("/families/<int:family_id>/fhir", methods=["GET"])
@access.roles(*REGISTERING_ROLES)
def family_fhir_bundle(family_id: int):
    base = request.url_root.rstrip("/") + "/fhir"
    body = export.export_bundle(current_user, family_id, request.args.get("recipient"), base_url=base)
    return dumps(body), 200, {"Content-Type": "application/json"}
