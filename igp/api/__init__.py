"""JSON API v1: thin routes over the same services as the pages.

Authentication: `POST /api/v1/auth/token` returns a bearer token; send it as
`Authorization: Bearer <token>`. Every error is `{"error": {"code", "message"}}`.
"""
from flask import Blueprint

from igp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from igp.api import auth, families, openapi, reports, work  # noqa: E402,F401  (routes register on bp)
