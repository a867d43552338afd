"""Pure coordination rules: who may change a family's coordinator. No Flask, no database."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# Roles that may take part in coordination decisions at all (not aggregate-only roles).
COORDINATING_ACTORS = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                 "jeugdverpleegkundige", "sociaal_werker", "planner"})
DIRECT_CARE = frozenset({"registering_organisation", "coordinator", "core_team", "substitute"})

# ------------------------------------------------------------------ codes (a contract: never rename)

ASSIGN_REASONS = {
    "standaard": "Standaard: jeugdverpleegkundige",
    "herverdeling": "Herverdeling van de caseload",
    "complexe_sociale_problematiek": "Complexe sociale problematiek",
    "structurele_afspraak": "Structurele afspraak",
    "mmw_betrokken": "MMW is al betrokken",
    "anders": "Anders",
}
NON_DEFAULT_REASONS = ("complexe_sociale_problematiek", "structurele_afspraak", "mmw_betrokken", "anders")
ABSENCE_REASONS = {"ziekte": "Ziekte", "verlof": "Verlof", "anders": "Anders"}
EXIT_REASONS = {
    "doelen_bereikt": "Doelen bereikt",
    "leeftijdsgrens": "Leeftijdsgrens bereikt",
    "verhuisd": "Verhuisd",
    "gezin_stopt": "Gezin stopt",
    "overgedragen": "Overgedragen",
}
KNELPUNT_KINDS = {"samenwerking": "Samenwerking", "toegang": "Toegang tot zorg of ondersteuning",
                  "capaciteit": "Capaciteit", "anders": "Anders"}
KNELPUNT_STATUSES = {"open": "Open", "in_behandeling": "In behandeling", "gesloten": "Gesloten"}


def may_change_coordinator(roles: Iterable[str], involvement: Iterable[str], has_coordinator: bool) -> bool:
    """Taking coordination over from a serving coordinator is for the planner, the coordinator
    (or the substitute acting for them) and the registering organisation. A family without a
    coordinator may be given one (the actor included) by anyone with a direct care relationship.
    Other kernteam members may only propose a change."""
    roles, kinds = frozenset(roles), frozenset(involvement)
    if not roles & COORDINATING_ACTORS:
        return False
    if "planner" in roles or kinds & {"coordinator", "substitute", "registering_organisation"}:
        return True
    return not has_coordinator and bool(kinds & DIRECT_CARE)


def may_propose_coordinator(roles: Iterable[str], involvement: Iterable[str]) -> bool:
    """A kernteam member with a care relationship may propose who coordinates."""
    return bool(frozenset(roles) & COORDINATING_ACTORS) and bool(frozenset(involvement) & DIRECT_CARE)


def may_exit(roles: Iterable[str], involvement: Iterable[str]) -> bool:
    """Ending the family's IGP course (uitstroom) is the coordinator's (or substitute's) step, or
    that of the registering organisation; not of any kernteam member, nor of the planner alone."""
    return bool(frozenset(roles) & COORDINATING_ACTORS) and bool(
        frozenset(involvement) & {"coordinator", "substitute", "registering_organisation"})


def may_record_absence(actor_id: int, actor_roles: Iterable[str], actor_organisation_id: int | None,
                       user_id: int, user_organisation_id: int | None) -> bool:
    """An absence names the substitute who then holds the absent coordinator's families: the
    absent user records it, or a planner of the same organisation."""
    if actor_id == user_id:
        return True
    return "planner" in frozenset(actor_roles) and user_organisation_id is not None \
        and user_organisation_id == actor_organisation_id


ABSENCE_PAST_DAYS = 31
ABSENCE_MAX_DAYS = 366


def absence_period_problems(starts: date, ends: date, today: date) -> dict[str, str]:
    """A period of absence: in order, at most a month back, at most a year long."""
    if ends < starts:
        return {"to": "De afwezigheid eindigt vóór ze begint."}
    problems = {}
    if starts < today - timedelta(days=ABSENCE_PAST_DAYS):
        problems["from"] = "Een afwezigheid kan hoogstens een maand terug worden vastgelegd."
    if (ends - starts).days > ABSENCE_MAX_DAYS:
        problems["to"] = "Een afwezigheid duurt hoogstens een jaar; leg een langere periode in delen vast."
    return problems


HANDOVER_EXITS = frozenset({"doelen_bereikt", "leeftijdsgrens", "overgedragen"})


def exit_problems(reason: str | None, target: str | None, target_name: str | None) -> dict[str, str]:
    """Uitstroom after reaching the goals, the age limit or to another organisation is a warm
    handover: it names to whom; 'anders' names the organisation."""
    problems = {}
    if reason in HANDOVER_EXITS and not target:
        problems["target"] = "Kies naar wie het gezin warm wordt overgedragen."
    if target == "anders" and not target_name:
        problems["target_name"] = "Noem de organisatie waaraan wordt overgedragen."
    return problems
