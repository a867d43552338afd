"""The API's blueprint, on its own so the route modules can import it without importing each other."""
from flask import Blueprint

from igp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
