"""Helpers for API routes: JSON body parsing with field-named errors, serialisation."""
from __future__ import annotations

from datetime import date, datetime

from flask import request

from igp import clock
from igp.errors import ValidationError


def json_body() -> dict:
    if not request.is_json:
        raise ValidationError({"_": "Stuur een JSON-object met Content-Type: application/json."})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"_": "De body is geen geldig JSON-object."})
    return data


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
