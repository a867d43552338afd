"""Shared helpers of the pages: form choices and what a page does with a refused command."""
from urllib.parse import urlsplit

from flask import flash
from wtforms import SelectChoice

from igp.errors import ServiceError, ValidationError
from igp.extensions import db


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs (or a dict) as WTForms SelectChoice objects."""
    if isinstance(pairs, dict):
        pairs = pairs.items()
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def refusal_errors(exc: ServiceError) -> dict[str, str]:
    """A refused command on a page: undo what the request wrote so far, and give the field
    messages for the form (a refusal that names no field under "_")."""
    db.session.rollback()
    return dict(exc.errors) if isinstance(exc, ValidationError) else {"_": exc.message}


def flash_refusal(exc: ServiceError) -> None:
    """A refused command on a page that shows messages at the top: undo the request's writes and
    flash every reason."""
    for message in refusal_errors(exc).values():
        flash(message, "error")


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site, else ``default``: no scheme, no host, no control characters or
    backslashes (browsers drop tabs and newlines, so '/<tab>/evil.example' would become '//evil.example')."""
    if not target or any(ord(c) < 33 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target.rstrip("?")
