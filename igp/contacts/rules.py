"""Contact moments: the codes, the recorder's discipline and the date rule. Plain functions over
plain values (no database, no clock: today is passed in)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from consent import DIRECT_CARE_KINDS

DISCIPLINES = {
    "jgz": "Jeugdgezondheidszorg",
    "verloskunde": "Verloskunde",
    "gynaecologie": "Gynaecologie",
    "kindergeneeskunde": "Kindergeneeskunde",
    "mmw": "Medisch maatschappelijk werk",
    "sociaal_domein": "Sociaal domein",
}
KINDS = {
    "consult": "Consult op de poli",
    "huisbezoek": "Huisbezoek",
    "telefonisch": "Telefonisch",
    "beeldbellen": "Beeldbellen",
    "groep": "Groepsbijeenkomst",
    "anders": "Anders",
}
#: The discipline a care role records in. Roles without one (planner, MDO chair, informal support,
#: projectleider, privacy officer, beheerder) record no contact moments.
ROLE_DISCIPLINES = {
    "jeugdverpleegkundige": "jgz",
    "jeugdarts": "jgz",
    "verloskundige": "verloskunde",
    "gynaecoloog": "gynaecologie",
    "kinderarts": "kindergeneeskunde",
    "mmw": "mmw",
    "sociaal_werker": "sociaal_domein",
}
RECORDING_ROLES = frozenset(ROLE_DISCIPLINES)
VOLUNTEER_ROLE = "informele_steun"
VOLUNTEER_REASON = "Contactmomenten van de zorg zijn niet nodig voor de informele steun."


def may_read(roles) -> bool:
    """Who sees the family's NAW sees its contact moments, except a volunteer: which disciplines
    saw the family (gynaecologie, GGZ-like MMW) tells about its care, more than her support needs."""
    return not frozenset(roles) <= {VOLUNTEER_ROLE}
#: A care relationship with the family (behandelrelatie): registering organisation, coordinator,
#: core team, acting substitute. MDO attendance and the planner's team role are not.
CARE_KINDS = DIRECT_CARE_KINDS
RECENT = 5          # contacts shown on the family page


def disciplines_of(roles: Iterable[str]) -> tuple[str, ...]:
    """The disciplines of these roles, in the order of DISCIPLINES."""
    own = {ROLE_DISCIPLINES[r] for r in roles if r in ROLE_DISCIPLINES}
    return tuple(code for code in DISCIPLINES if code in own)


def default_discipline(roles: Iterable[str]) -> str | None:
    """The discipline a contact is recorded in when the recorder does not choose: her role's."""
    own = disciplines_of(roles)
    return own[0] if own else None


def may_record(roles: Iterable[str], kinds: Iterable[str]) -> bool:
    """A care role (one with a discipline) with a care relationship to the family."""
    return bool(disciplines_of(roles)) and bool(frozenset(kinds) & CARE_KINDS)


def discipline_problems(chosen: str | None, roles: Iterable[str]) -> dict[str, str]:
    """A chosen discipline must be one of the recorder's own roles."""
    if chosen is not None and chosen not in disciplines_of(roles):
        return {"discipline": "Kies de discipline van uw eigen rol."}
    return {}


def date_problems(contact_on: date, today: date, registered_on: date) -> dict[str, str]:
    """The contact lies between the family's first aanmelding and today (both inclusive)."""
    if contact_on > today:
        return {"contact_on": "De datum van het contact ligt in de toekomst."}
    if contact_on < registered_on:
        return {"contact_on": "De datum ligt vóór de aanmelding van het gezin "
                              f"({registered_on.strftime('%d-%m-%Y')})."}
    return {}


def complete_counts(known: Iterable[str], counted: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Counts for every known code (0 where none), from (code, count) rows."""
    counts = dict.fromkeys(known, 0)
    for code, number in counted:
        counts[code] = counts.get(code, 0) + int(number)
    return counts
