"""Pure rules of the gezinsplan: the order of an onward referral's status, the evaluation date, who
may write the plan. No Flask, no database, no clock: the day is passed in."""
from __future__ import annotations

from datetime import date

# The course of an onward referral: forwards along REFERRAL_ORDER (a step may be skipped:
# aangevraagd -> gestart); afgewezen is a side exit. Going back (and leaving afgewezen, or
# refusing a referral that was completed) needs a reason.
REFERRAL_STATUSES = {
    "aangevraagd": "Aangevraagd",
    "wachtlijst": "Op de wachtlijst",
    "gestart": "Gestart",
    "afgerond": "Afgerond",
    "afgewezen": "Afgewezen",
}
REFERRAL_ORDER = ("aangevraagd", "wachtlijst", "gestart", "afgerond")
SIDE_EXIT = "afgewezen"
OPEN_REFERRAL = ("aangevraagd", "wachtlijst")   # help not started yet

# How far a goal is: still being worked on (also a goal saved before goals had a status),
# reached, or not reached (at the evaluation, with the parents).
GOAL_STATUSES = {
    "loopt": "Loopt nog",
    "bereikt": "Bereikt",
    "niet_bereikt": "Niet bereikt",
}
GOAL_DEFAULT = "loopt"
GOAL_STATUSES_B1 = {
    "loopt": "Hieraan werken we nog.",
    "bereikt": "Dit doel is bereikt.",
    "niet_bereikt": "Dit doel is niet gelukt.",
}

# The status in words the parents understand (B1), for the printable version.
REFERRAL_STATUSES_B1 = {
    "aangevraagd": "We hebben de hulp aangevraagd.",
    "wachtlijst": "U staat op de wachtlijst.",
    "gestart": "De hulp is begonnen.",
    "afgerond": "De hulp is klaar.",
    "afgewezen": "Deze hulp gaat niet door.",
}

# Who writes the plan: the coordinator, the acting substitute, and the core team's care
# professionals (not the planner, not a volunteer, not MDO attendance, not the registering
# organisation alone). The consent decision (category zorgplan) is checked besides.
PLAN_WRITING_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                "jeugdverpleegkundige", "sociaal_werker"})
PLAN_WRITING_INVOLVEMENT = frozenset({"coordinator", "substitute", "core_team"})

MIN_REASON = 5


def may_write_plan(roles, involvement) -> bool:
    """A care professional who coordinates the family, stands in for its coordinator today, or is
    a named member of its core team."""
    return bool(frozenset(roles) & PLAN_WRITING_ROLES) and bool(frozenset(involvement) & PLAN_WRITING_INVOLVEMENT)


def is_backwards(old: str, new: str) -> bool:
    """Whether a status change goes back: against REFERRAL_ORDER, out of the side exit, or a
    completed referral marked refused. Staying, going forwards (also skipping a step) and the
    side exit from an unfinished referral are not."""
    if old == new:
        return False
    if old == SIDE_EXIT:
        return True
    if new == SIDE_EXIT:
        return old == "afgerond"
    return REFERRAL_ORDER.index(new) < REFERRAL_ORDER.index(old)


def referral_change_problem(old: str | None, new: str, reason: str | None) -> str | None:
    """The Dutch message when a referral's status change is refused, else None. A new referral
    (old None) may start at any status."""
    if old is None or not is_backwards(old, new):
        return None
    if reason and len(reason.strip()) >= MIN_REASON:
        return None
    return (f"De status gaat terug van '{REFERRAL_STATUSES[old].lower()}' naar '{REFERRAL_STATUSES[new].lower()}': "
            f"geef de reden (minstens {MIN_REASON} tekens).")


def evaluation_problem(start: date | None, evaluation: date | None) -> str | None:
    """The evaluation date lies on or after the plan's start."""
    if start is not None and evaluation is not None and evaluation < start:
        return "De evaluatiedatum ligt vóór de startdatum van het plan."
    return None


def evaluation_overdue(evaluation: date | None, today: date) -> bool:
    """The signal evaluatie_verlopen: the evaluation date has passed (the day itself is not late)."""
    return evaluation is not None and evaluation < today


def status_dates(history: list[dict], status: str, today: date, reason: str | None) -> list[dict]:
    """A referral's status history after a save: one entry {status, on, reason} per change."""
    if history and history[-1]["status"] == status:
        return history
    return [*history, {"status": status, "on": today.isoformat(), "reason": reason or None}]
