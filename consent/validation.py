"""Pure validation of a consent as entered on the form (field -> Dutch message)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .vocabulary import CATEGORIES, CONSENT_METHODS, DOMAINS, PURPOSES

MSG_NO_RECIPIENT = "Kies een ontvanger: een organisatie of een domein."
MSG_TWO_RECIPIENTS = "Kies één soort ontvanger: een organisatie óf een domein, niet allebei."
MSG_BAD_ORGANISATION = "Kies een bestaande organisatie."
MSG_NO_CATEGORIES = "Kies ten minste één categorie."
MSG_NO_GIVEN_AT = "Vul in wanneer de toestemming is gegeven."
MSG_NOT_A_DATETIME = "Vul een geldige datum en tijd in."
MSG_NAIVE = "Datum en tijd moeten een tijdzone hebben."
MSG_UNTIL_BEFORE_GIVEN = "'Geldig tot' moet na 'gegeven op' liggen."


def _datetime_error(value: object) -> str | None:
    if not isinstance(value, datetime):
        return MSG_NOT_A_DATETIME
    if value.tzinfo is None or value.utcoffset() is None:
        return MSG_NAIVE
    return None


def _recipient_error(organisation_id: object, domain: str | None) -> str | None:
    has_org = organisation_id is not None
    has_domain = domain not in (None, "")
    if has_org and has_domain:
        return MSG_TWO_RECIPIENTS
    if not has_org and not has_domain:
        return MSG_NO_RECIPIENT
    if has_domain:
        return None if domain in DOMAINS else f"Onbekend domein: {domain!r}."
    valid_id = isinstance(organisation_id, int) and not isinstance(organisation_id, bool) and organisation_id > 0
    return None if valid_id else MSG_BAD_ORGANISATION


def _categories_error(categories: Iterable[str] | str | None) -> str | None:
    codes = [categories] if isinstance(categories, str) else list(categories or ())
    if not codes:
        return MSG_NO_CATEGORIES
    unknown = [repr(code) for code in codes if code not in CATEGORIES]
    if not unknown:
        return None
    if len(unknown) == 1:
        return f"Onbekende categorie: {unknown[0]}."
    return f"Onbekende categorieën: {', '.join(unknown)}."


def validate_consent(
    recipient_organisation_id: int | None,
    recipient_domain: str | None,
    categories: Iterable[str] | None,
    purpose: str | None,
    method: str | None,
    given_at: datetime | None,
    valid_until: datetime | None,
) -> dict[str, str]:
    """Field -> Dutch error message; an empty dict means the consent may be saved.

    Keys: recipient, categories, purpose, method, given_at, valid_until.
    ``valid_until`` may be None (no end date).
    """
    candidates: dict[str, str | None] = {
        "recipient": _recipient_error(recipient_organisation_id, recipient_domain),
        "categories": _categories_error(categories),
        "purpose": None if purpose in PURPOSES else f"Onbekend doel: {purpose!r}.",
        "method": None if method in CONSENT_METHODS else f"Onbekende manier van vastleggen: {method!r}.",
        "given_at": MSG_NO_GIVEN_AT if given_at is None else _datetime_error(given_at),
        "valid_until": None if valid_until is None else _datetime_error(valid_until),
    }
    errors: dict[str, str] = {name: message for name, message in candidates.items() if message is not None}
    dates_ok = given_at is not None and valid_until is not None and not ({"given_at", "valid_until"} & errors.keys())
    if dates_ok and valid_until <= given_at:  # type: ignore[operator]
        errors["valid_until"] = MSG_UNTIL_BEFORE_GIVEN
    return errors
