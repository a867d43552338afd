"""Informal support: the codes and who may do what. Plain functions over plain values."""
from __future__ import annotations

from datetime import date

KINDS = {
    "luisterend_oor": "Luisterend oor",
    "post_financien": "Hulp bij post en financiën",
    "meegaan_loket": "Meegaan naar een loket of afspraak",
    "praktische_hulp": "Praktische hulp thuis",
    "anders": "Andere steun",
}
STATUSES = {
    "afgesproken": "Afgesproken",
    "gestart": "Gestart",
    "afgerond": "Afgerond",
    "gestopt": "Voortijdig gestopt",
}
ENDED = frozenset({"afgerond", "gestopt"})
NOTE_LIMIT = 500
VOLUNTEER_ROLE = "informele_steun"
COORDINATING = frozenset({"coordinator", "substitute"})
INFORMAL_DOMAIN = "informeel"


def period_problems(starts_on: date, ends_on: date | None, status: str) -> dict[str, str]:
    """The end lies on or after the start; an ended support has an end date."""
    if ends_on is not None and ends_on < starts_on:
        return {"ends_on": "De einddatum ligt vóór de startdatum."}
    if status in ENDED and ends_on is None:
        return {"ends_on": "Vul de einddatum in van steun die is afgerond of gestopt."}
    return {}


def is_volunteer_of(roles, user_org_id: int, support_org_id: int) -> bool:
    return VOLUNTEER_ROLE in roles and user_org_id == support_org_id


def may_record(roles, kinds, user_org_id: int, support_org_id: int, support_org_domain: str) -> bool:
    """The coordinator (or the acting substitute) records support by any organisation of informal
    support; a volunteer involved with the family records that her own organisation's support started."""
    if support_org_domain != INFORMAL_DOMAIN or not kinds:
        return False
    return bool(kinds & COORDINATING) or is_volunteer_of(roles, user_org_id, support_org_id)


def may_note(roles, kinds, user_org_id: int, support_org_id: int) -> bool:
    """Only a volunteer of the support's own organisation, involved with the family, writes notes."""
    return bool(kinds) and is_volunteer_of(roles, user_org_id, support_org_id)


def sees_record(roles, user_org_id: int, support_org_id: int) -> bool:
    """A volunteer sees the support records of her own organisation only; others who may see the
    family's NAW see every record (organisation, kind, dates, status)."""
    return VOLUNTEER_ROLE not in roles or user_org_id == support_org_id


def sees_notes(roles, kinds, user_org_id: int, support_org_id: int) -> bool:
    """The notes: the coordinator (and acting substitute) and the volunteers of that organisation."""
    return bool(kinds & COORDINATING) or is_volunteer_of(roles, user_org_id, support_org_id)


def count_by_kind(kinds_started: list[str]) -> dict[str, int]:
    """Records started, per kind, every kind present (0 where none): monitoring, no personal data."""
    counts = dict.fromkeys(KINDS, 0)
    for kind in kinds_started:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
