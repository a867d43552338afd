"""Identifiers from outside (paths, JSON, forms) as safe integers.

The database keys are 32-bit on every supported database; a larger number, a negative number,
a bool or a non-number is simply not an id of anything (the caller answers 404 or names the field)."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from igp.errors import ValidationError

MAX_ID = 2_147_483_647


def as_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 10:
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: only ids the database can hold (a larger number is a 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def as_text(value, field: str, limit: int = 4000) -> str | None:
    """Free text from outside: None when empty; a ValidationError naming the field when it is
    not text or too long."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError({field: "Dit veld moet tekst zijn."})
    value = value.strip()
    if len(value) > limit:
        raise ValidationError({field: f"Te lang (hoogstens {limit} tekens)."})
    return value or None
