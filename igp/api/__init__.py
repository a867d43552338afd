"""JSON API v1: thin routes over the same services as the pages.

Authentication: `POST /api/v1/auth/token` returns a bearer token; send it as
`Authorization: Bearer <token>`. Every error is `{"error": {"code", "message"}}`.
"""
from igp.api import auth, contacts, families, fhir_export, openapi, plan, reports, support, work  # noqa: F401  (the routes register on bp)
from igp.api.blueprint import bp

__all__ = ["bp"]
