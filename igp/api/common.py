"""Helpers for API routes: JSON body parsing with field-named errors, serialisation."""
from __future__ import annotations

import re

from flask import request

from igp.errors import ValidationError


def json_body() -> dict:
    if not request.is_json:
        raise ValidationError({"_": "Stuur een JSON-object met Content-Type: application/json."})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"_": "De body is geen geldig JSON-object."})
    return data


def page_arg(name: str = "page") -> int:
    """A page number from the query string: 1 when absent, else a whole number from 1 to 100,000;
    anything else is a 422 naming the parameter (never silently page 1)."""
    raw = (request.args.get(name) or "1").strip()
    if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= 100_000:
        raise ValidationError({name: f"{name} moet een geheel getal vanaf 1 zijn."})
    return int(raw)


