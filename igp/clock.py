"""The one source of time. Stored times are UTC-aware; shown dates are Europe/Amsterdam.

`create_app(settings, clock=...)` puts a clock on the app; tests pass a FixedClock.
Services call `now()` / `today()` from here, never datetime.now().
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from igp.bounds import OutOfRange, check_date

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, at: datetime):
        self.at = ensure_utc(at)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = ensure_utc(at)

    def advance(self, **kwargs) -> None:
        self.at = self.at + timedelta(**kwargs)


class NoAppContext(RuntimeError):
    """igp.clock was asked the time outside an app: the app's clock (fixed in tests, the system's
    otherwise) is the only one, so a call without an app is a mistake, not a fallback."""


def _clock():
    if not has_app_context():
        raise NoAppContext("igp.clock needs an app context (the app's clock); pass the time in explicitly")
    return current_app.extensions["igp_clock"]


def now() -> datetime:
    """The current time, UTC-aware."""
    return _clock().now()


def today() -> date:
    """Today's date in Europe/Amsterdam."""
    return local_date(now())


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    return value.astimezone(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Times read back from SQLite lose their tzinfo; they were stored as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def local(value: datetime) -> datetime:
    """A stored (UTC) time in Europe/Amsterdam."""
    return as_utc(value).astimezone(AMSTERDAM)


def local_date(value: datetime) -> date:
    """The Europe/Amsterdam calendar date of a moment (23:30 UTC on a summer Monday is Tuesday)."""
    return local(value).date()


def from_local(d: date, hour: int = 0, minute: int = 0) -> datetime:
    """A local Amsterdam wall-clock time as an aware UTC datetime. OutOfRange (a ValueError),
    never OverflowError, at the ends of the calendar (0001-01-01 has no UTC time before it)."""
    try:
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=AMSTERDAM).astimezone(timezone.utc)
    except OverflowError:
        raise OutOfRange() from None


def parse_local_datetime(text: str) -> datetime:
    """Parse 'YYYY-MM-DDTHH:MM[:SS][offset]'; without offset it is Amsterdam local time.
    ValueError for bad text, OutOfRange (a ValueError) outside the years igp.bounds accepts."""
    value = check_date(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value.astimezone(timezone.utc)


def iso(value) -> str | None:
    """A date or time as the API writes it: ISO 8601, times in UTC with a Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
