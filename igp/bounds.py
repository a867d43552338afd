"""The range of dates the system accepts, shared by every input parser (forms, API, the
schema layer). No Flask, no SQLAlchemy: the ground floor.

A date far outside the first 1000 days of a family (year 1, year 9999) is a typing error; it is
refused as bad input naming its field (422), never carried into arithmetic where converting it
to UTC or adding a day overflows (a 500).
"""
from __future__ import annotations

from datetime import date

MIN_YEAR = 1900
MAX_YEAR = 2100
RANGE_TEXT = f"tussen {MIN_YEAR} en {MAX_YEAR}"


class OutOfRange(ValueError):
    """A well-formed date outside MIN_YEAR..MAX_YEAR. A ValueError, so every parser that refuses
    unparsable text refuses this too; str() is the Dutch reason."""

    def __init__(self, message: str = f"de datum moet {RANGE_TEXT} liggen"):
        super().__init__(message)


def check_date(value: date) -> date:
    """The value (a date or datetime) itself, or OutOfRange."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise OutOfRange()
    return value


def date_problem(value: date, label: str) -> str | None:
    """The Dutch message naming the field when the value is out of range, else None."""
    try:
        check_date(value)
    except OutOfRange as exc:
        return f"{label}: {exc}."
    return None
