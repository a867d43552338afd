"""The FHIR endpoint's routes: GET /fhir/metadata, reads and the Patient search.

Thin: parse the request, call one service, answer application/fhir+json. Errors are
OperationOutcome (igp.web routes every error on /fhir to igp.fhir.outcome)."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from werkzeug.exceptions import UnsupportedMediaType

from igp import clock
from igp.auth import access
from igp.fhir import bundle, capability, reads
from igp.fhir.blueprint import bp
from igp.fhir.outcome import fhir_response

CAPABILITY_DATE = "2026-12-01"
SOFTWARE_VERSION = "0.1.0"


@bp.route("/metadata", methods=["GET"])
@access.public
def metadata():
    """The CapabilityStatement: public (as /api/v1/openapi.json), it holds no personal data."""
    return fhir_response(capability.capability_statement(base_url(), SOFTWARE_VERSION, CAPABILITY_DATE))


def base_url() -> str:
    return request.url_root.rstrip("/") + "/fhir"


# ------------------------------------------------------------------ reads

# roles that see family data at all (the API's read roles without those that see aggregates only)
FAMILY_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter")
# who may read which type: family resources the family roles (the gateway decides per family and
# category); the access log also the privacy officer; the network and code systems any signed-in user
READ_RULES = {
    "AuditEvent": access.roles(*FAMILY_ROLES, "privacy_officer"),
    "Organization": access.signed_in, "PractitionerRole": access.signed_in, "CodeSystem": access.signed_in,
}


def _read_view(resource_type: str):
    def read(resource_id: str):
        return fhir_response(reads.read(current_user, resource_type, resource_id))

    read.__name__ = f"read_{resource_type}"
    rule = READ_RULES.get(resource_type) or access.roles(*FAMILY_ROLES)
    return rule(read)


for _supported in capability.RESOURCES:
    if "read" in _supported.interactions:
        bp.add_url_rule(f"/{_supported.type}/<resource_id>", endpoint=f"read_{_supported.type}",
                        view_func=_read_view(_supported.type), methods=["GET"])


# ------------------------------------------------------------------ Patient search

FORM = "application/x-www-form-urlencoded"


@bp.route("/Patient", methods=["GET"])
@access.roles(*FAMILY_ROLES)
def search_patients():
    """By the family's pseudonym; a BSN in the URL is refused (400 naming POST /fhir/Patient/_search)."""
    matches = reads.search_patients(current_user, request.args.to_dict(), in_url=True)
    return fhir_response(bundle.searchset(matches, base_url=base_url(), at=clock.now(), self_url=request.url))


@bp.route("/Patient/_search", methods=["POST"])
@access.roles(*FAMILY_ROLES)
def search_patients_post():
    """The search with the identifier in a form body, so a BSN need not travel in a URL."""
    if request.mimetype != FORM:
        raise UnsupportedMediaType()
    if "identifier" in request.args:
        reads.parse_identifier(request.args.to_dict(), in_url=True)   # a BSN in the URL is refused there too
    matches = reads.search_patients(current_user, request.form.to_dict(), in_url=False)
    return fhir_response(bundle.searchset(matches, base_url=base_url(), at=clock.now(),
                                          self_url=base_url() + "/Patient/_search"))
