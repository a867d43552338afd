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
    "overlijden": "Overlijden",
    "zwangerschap_beeindigd": "Zwangerschap beëindigd",
    "niet_bereikbaar": "Niet bereikbaar",
    # the ways out through the intake (igp.families.services records them as an exit too)
    "doorverwezen": "Doorverwezen na de intake",
    "geen_hulp_gewenst": "Geen hulp gewenst",
    "niet_in_doelgroep": "Niet in doelgroep",
}
# intake outcome -> exit reason: every way out is an exit in the figures
INTAKE_EXIT_REASONS = {"doorverwezen": "doorverwezen", "geen_hulp_gewenst": "geen_hulp_gewenst",
                       "niet_in_doelgroep": "niet_in_doelgroep"}
# what happens with an open MDO action at exit or consent withdrawal
ACTION_DECISIONS = {"afsluiten": "Afsluiten (vervalt)", "overdragen": "Overdragen aan een ander",
                    "openhouden": "Openhouden met reden"}
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


RETURN_SUMMARY_DAYS = 14


def substitute_load_warning(substitute_name: str, own: int, taken_over: int, threshold: int) -> str | None:
    """A warning (never a refusal) when the substitute's active families plus the families she
    takes over pass the threshold (the setting substitute_load_warning)."""
    total = own + taken_over
    if total <= threshold:
        return None
    return (f"Let op: {substitute_name} heeft in deze periode {total} actieve gezinnen ({own} eigen en {taken_over} "
            f"over te nemen); dat is meer dan {threshold}. Overweeg de gezinnen over meer vervangers te verdelen.")


def return_summary_period(absence_ends: date, today: date) -> bool:
    """The summary 'Terwijl u afwezig was' shows from the first day back for RETURN_SUMMARY_DAYS days."""
    return absence_ends < today <= absence_ends + timedelta(days=RETURN_SUMMARY_DAYS)


HANDOVER_EXITS = frozenset({"doelen_bereikt", "leeftijdsgrens", "overgedragen", "doorverwezen"})


def exit_problems(reason: str | None, target: str | None, target_name: str | None) -> dict[str, str]:
    """Uitstroom after reaching the goals, the age limit, to another organisation or a referral
    after the intake is a warm handover: it names to whom; 'anders' names the organisation."""
    problems = {}
    if not reason:
        problems["reason"] = "Kies de reden van de uitstroom."
    elif reason in HANDOVER_EXITS and not target:
        problems["target"] = "Kies naar wie het gezin warm wordt overgedragen."
    if target == "anders" and not target_name:
        problems["target_name"] = "Noem de organisatie waaraan wordt overgedragen."
    return problems


def action_decision_problems(open_ids: Iterable[int], decisions: Iterable[tuple[int | None, str | None, int | None,
                                                                                 str | None]],
                             *, legacy_confirm: bool = False) -> dict[str, str]:
    """Every open MDO action of the family gets a decision: afsluiten, overdragen (to whom) or
    openhouden (why). `decisions` are (action id, decision, owner id, reason), in the order sent
    (errors name them as actions[i].field). With the old confirm flag (legacy_confirm) an action
    without a decision stays open, as before."""
    open_ids = set(open_ids)
    problems: dict[str, str] = {}
    decided = set()
    for index, (action_id, decision, owner_id, reason) in enumerate(decisions):
        key = f"actions[{index}]"
        if action_id not in open_ids or action_id in decided:
            problems[f"{key}.id"] = "Dit is geen (andere) open MDO-actie van dit gezin."
            continue
        decided.add(action_id)
        if decision not in ACTION_DECISIONS:
            problems[f"{key}.decision"] = ("Kies wat er met deze actie gebeurt: afsluiten, overdragen of openhouden "
                                           "met reden.")
        elif decision == "overdragen" and not owner_id:
            problems[f"{key}.owner_id"] = "Kies aan wie de actie wordt overgedragen."
        elif decision == "openhouden" and not (reason and reason.strip()):
            problems[f"{key}.reason"] = "Noteer waarom de actie open blijft."
    missing = sorted(open_ids - decided)
    if missing and not legacy_confirm:
        problems["actions"] = (f"Er staan nog {len(missing)} open MDO-actie(s) voor dit gezin: kies per actie "
                               "afsluiten, overdragen of openhouden met reden.")
    return problems
