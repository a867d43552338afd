"""API authentication: issue and revoke bearer tokens, who am I."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from igp.api.blueprint import bp
from igp.api.common import json_body
from igp.auth import access
from igp.auth import services as auth
from igp.clock import iso
from igp.errors import ValidationError
from igp.extensions import db, limiter
from igp.web import api_error


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/auth/token", methods=["POST"])
@access.public
@limiter.limit(_login_limit)
def issue_token():
    data = json_body()
    fields = {}
    for name in ("username", "password"):
        if not isinstance(data.get(name), str) or not data.get(name):
            fields[name] = f"'{name}' is verplicht (tekst)."
    otp = data.get("otp")
    if otp is not None and not isinstance(otp, str):
        fields["otp"] = "'otp' is tekst (6 cijfers)."
    if fields:
        raise ValidationError(fields)
    try:
        token, expires = auth.issue_token(data["username"], data["password"], otp)
    except ValidationError as exc:
        db.session.commit()  # the failure and the throttle count are kept
        status = 401
        field = exc.field if exc.field != "credentials" else None
        return api_error(status, "invalid_credentials", exc.message, field=field)
    return jsonify({"token": token, "expires_at": iso(expires)}), 200


@bp.route("/auth/token", methods=["DELETE"])
@access.signed_in
def revoke_token():
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    auth.revoke_token(raw)
    return "", 204


@bp.route("/me")
@access.signed_in
def me():
    user = current_user
    return jsonify({"id": user.id, "username": user.username, "name": user.name,
                    "organisation": {"id": user.organisation_id, "name": user.organisation.name,
                                     "domain": user.organisation.domain},
                    "roles": sorted(user.roles)})
