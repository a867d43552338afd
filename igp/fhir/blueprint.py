"""The FHIR endpoint's blueprint, on its own so the route modules can import it without importing each other.

Bearer tokens as the JSON API (igp.auth.access.is_api_request holds for /fhir too): no cookie, no CSRF."""
from flask import Blueprint

from igp.extensions import csrf

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)
