"""Pure rules of the warm handover: steps, allowed transitions, signals. No Flask, no database."""
from __future__ import annotations

from datetime import date

from igp.workdays import WorkCalendar, add_workdays, workdays_between

# Codes are a contract (API, reports): never rename.
STEPS = {
    "aangemeld": "Aangemeld",
    "contact_gelegd": "Contact gelegd",
    "intake_gepland": "Intake gepland",
    "intake_gehouden": "Intake gehouden",
}
SIDE_EXITS = {
    "schriftelijk_volstaat": "Schriftelijke overdracht volstaat",
    "gezin_niet_bereikbaar": "Gezin niet bereikbaar",
    "gezin_ziet_af": "Gezin ziet af",
    "geannuleerd": "Geannuleerd",
}
# The outward warm handover at exit (uitstroom) has its own steps: the JGZ or team that takes the
# family over already knows the child, so there is no intake. It starts at 'overdracht_gestart'
# (the exit), the coordinator offers the family to the receiver, plans the handover talk and
# closes it; the side exits above also end it. The signal runs against the outward deadline
# (the IGP's handover term counted from the exit) until it is closed.
OUTWARD_START = "overdracht_gestart"
OUTWARD_STEPS = {
    "overdracht_gestart": "Uitstroom vastgelegd",
    "overdracht_aangeboden": "Overdracht aangeboden",
    "overdrachtsgesprek_gepland": "Overdrachtsgesprek gepland",
    "overdracht_afgerond": "Overdracht afgerond",
}
STATUSES = {**STEPS, **SIDE_EXITS, **OUTWARD_STEPS}
OPEN_STATUSES = ("aangemeld", "contact_gelegd", "intake_gepland",
                 "overdracht_gestart", "overdracht_aangeboden", "overdrachtsgesprek_gepland")
CLOSED_STATUSES = ("intake_gehouden", "overdracht_afgerond") + tuple(SIDE_EXITS)
BOARD_COLUMNS = (*STEPS, *OUTWARD_STEPS)   # the board: inward steps, then the outward ones
# the step that closes a handover on time or late (a missed term needs a reason)
HELD_STEPS = ("intake_gehouden", "overdracht_afgerond")

# Event types: every status above that can be entered, plus events that do not move the step.
EVENT_TYPES = {
    "contact_gelegd": "Contact gelegd",
    "intake_gepland": "Intake gepland",
    "intake_gehouden": "Intake gehouden",
    "schriftelijk_volstaat": "Schriftelijke overdracht volstaat",
    "gezin_niet_bereikbaar": "Gezin niet bereikbaar",
    "gezin_ziet_af": "Gezin ziet af",
    "geannuleerd": "Geannuleerd",
    "contactpoging": "Contactpoging",
    "overdracht_aangeboden": "Overdracht aangeboden",
    "overdrachtsgesprek_gepland": "Overdrachtsgesprek gepland",
    "overdracht_afgerond": "Overdracht afgerond",
}
INWARD_EVENTS = ("contact_gelegd", "intake_gepland", "intake_gehouden", "contactpoging", *SIDE_EXITS)
OUTWARD_EVENTS = ("overdracht_aangeboden", "overdrachtsgesprek_gepland", "overdracht_afgerond", "contactpoging",
                  *SIDE_EXITS)
RECORD_ONLY_EVENTS = ("contactpoging",)

CONTACT_MODES = {
    "verwijzer_met_coordinator": "Verwijzer belde met de coördinator",
    "coordinator_met_gezin": "Coördinator belde met het gezin",
    "jvk_op_afdeling": "Jeugdverpleegkundige sloot aan op de afdeling",
    "gezamenlijk_gesprek": "Gezamenlijk gesprek met verwijzer en gezin",
    "anders": "Anders",
}

MISSED_REASONS = {
    "gezin_niet_bereikbaar": "Gezin niet bereikbaar",
    "capaciteit": "Onvoldoende capaciteit",
    "gezin_wil_later": "Gezin wil later",
    "administratief": "Administratief (te laat doorgegeven of vastgelegd)",
    "anders": "Anders",
}

FEEDBACK_RECIPIENTS = {"verwijzer": "Verwijzer", "gezin": "Gezin"}
FEEDBACK_METHODS = {
    "telefoon": "Telefonisch",
    "brief": "Brief",
    "beveiligde_mail": "Beveiligde e-mail",
    "dossier": "Via het dossier",
    "nvt": "Niet van toepassing",
}

SIGNALS = {"op_schema": "Op schema", "risico": "Risico", "te_laat": "Te laat"}

OUTWARD_TARGETS = {
    "reguliere_jgz": "Reguliere JGZ",
    "wijkteam": "Wijkteam",
    "anders": "Anders",
    "huisarts": "Huisarts",
    "eerstelijnsverloskundige": "Eerstelijnsverloskundige",
    "kraamzorg": "Kraamzorg",
    "informele_steun": "Informele steun",
    "lokaal_team": "Lokaal team",
    "jgz_elders": "JGZ elders (verhuizing)",
}

# from-status -> event types allowed
_ALLOWED = {
    "aangemeld": {"contact_gelegd", "intake_gepland", "intake_gehouden", "contactpoging", *SIDE_EXITS},
    "contact_gelegd": {"contact_gelegd", "intake_gepland", "intake_gehouden", "contactpoging", *SIDE_EXITS},
    "intake_gepland": {"intake_gepland", "intake_gehouden", "contactpoging", *SIDE_EXITS},
    "overdracht_gestart": {"overdracht_aangeboden", "overdrachtsgesprek_gepland", "overdracht_afgerond",
                           "contactpoging", *SIDE_EXITS},
    "overdracht_aangeboden": {"overdracht_aangeboden", "overdrachtsgesprek_gepland", "overdracht_afgerond",
                              "contactpoging", *SIDE_EXITS},
    "overdrachtsgesprek_gepland": {"overdrachtsgesprek_gepland", "overdracht_afgerond", "contactpoging",
                                   *SIDE_EXITS},
}


def events_for(direction: str) -> tuple[str, ...]:
    """The steps a handover of this direction offers (inward: intake; outward: the handover talk)."""
    return OUTWARD_EVENTS if direction == "uit" else INWARD_EVENTS


def transition_error(current: str, event: str, *, has_explicit_at: bool, direction: str = "in") -> str | None:
    """Dutch reason why `event` cannot follow `current`, or None when it may."""
    if event not in EVENT_TYPES:
        return f"Onbekende stap '{event}'. Kies uit: {', '.join(EVENT_TYPES)}."
    if event not in events_for(direction):
        kind = "de overdracht bij uitstroom" if direction == "uit" else "de overdracht naar de IGP"
        return f"'{EVENT_TYPES[event]}' is geen stap van {kind}. Kies uit: {', '.join(events_for(direction))}."
    if current in CLOSED_STATUSES:
        return (f"De overdracht is afgesloten ({STATUSES[current].lower()}); "
                f"een nieuwe stap '{EVENT_TYPES[event].lower()}' kan niet meer.")
    if event not in _ALLOWED[current]:
        return f"'{EVENT_TYPES[event]}' volgt niet op '{STATUSES[current]}'."
    if event == "intake_gehouden" and current != "intake_gepland" and not has_explicit_at:
        return ("Een intake die niet gepland was, kan alleen worden vastgelegd met het moment waarop "
                "hij is gehouden ('at').")
    return None


def new_status(current: str, event: str) -> str:
    return current if event in RECORD_ONLY_EVENTS else event


def deadline_for(start: date, term_workdays: int, calendar: WorkCalendar) -> date:
    """The last day on which the intake meets the term."""
    return add_workdays(start, term_workdays, calendar)


def signal(deadline: date, today: date, calendar: WorkCalendar, risk_workdays: int = 1) -> str:
    """op_schema / risico (risk_workdays or fewer working days left) / te_laat (deadline passed)."""
    if today > deadline:
        return "te_laat"
    if workdays_between(today, deadline, calendar) <= risk_workdays:
        return "risico"
    return "op_schema"


def workdays_left(deadline: date, today: date, calendar: WorkCalendar) -> int:
    """Working days from today to the deadline; negative once it has passed."""
    if today > deadline:
        return -max(1, workdays_between(deadline, today, calendar))
    return workdays_between(today, deadline, calendar)


def risk_limit(today: date, calendar: WorkCalendar, risk_workdays: int = 1) -> date:
    """Exclusive bound for SQL filters: an open handover is 'risico' when
    today <= deadline < risk_limit(today), 'op_schema' when deadline >= risk_limit(today) and
    'te_laat' when deadline < today (the same answer as `signal()`)."""
    return add_workdays(today, risk_workdays + 1, calendar)


# ------------------------------------------------------------------ a step, checked as plain values

def step_problems(*, event: str, at, started_at, now, note: str | None, contact_mode: str | None,
                  reason: str | None, missed_text: str | None, term_met: bool | None) -> dict[str, str]:
    """Why this step cannot be recorded (field -> Dutch message); empty when it can. `term_met`
    is whether an intake held at `at` meets the deadline (None for other steps)."""
    from datetime import timedelta

    problems: dict[str, str] = {}
    if at < started_at - timedelta(minutes=1):
        problems["at"] = "Het moment ligt vóór de aanmelding."
    elif at > now + timedelta(minutes=5):
        problems["at"] = "Het moment kan niet in de toekomst liggen."
    if event == "schriftelijk_volstaat" and not (note and len(note.strip()) >= 10):
        problems["note"] = "Leg vast waarom een schriftelijke overdracht volstaat (minstens 10 tekens)."
    if event == "contact_gelegd" and not contact_mode and not note:
        problems["contact_mode"] = "Geef aan wie met wie contact had."
    if event in HELD_STEPS and term_met is False:
        if reason not in MISSED_REASONS:
            problems["reason"] = "De termijn is niet gehaald: kies een reden (" + ", ".join(MISSED_REASONS) + ")."
        if not (note or missed_text):
            problems["note"] = "De termijn is niet gehaald: licht de reden toe."
    elif reason is not None and event not in ("gezin_niet_bereikbaar", "gezin_ziet_af", "geannuleerd") \
            and reason not in MISSED_REASONS:
        problems["reason"] = f"Onbekende reden '{reason}'."
    return problems


def feedback_problems(*, method: str | None, note: str | None, at, started_at, now) -> dict[str, str]:
    from datetime import timedelta

    problems: dict[str, str] = {}
    if method == "nvt" and not note:
        problems["note"] = "Licht toe waarom terugkoppeling niet van toepassing is."
    if at > now + timedelta(minutes=5):
        problems["at"] = "Het moment kan niet in de toekomst liggen."
    elif at < started_at - timedelta(minutes=1):
        problems["at"] = "Het moment ligt vóór de aanmelding."
    return problems


# ------------------------------------------------------------------ terugkoppeling per gezin

# what a family-level feedback reports on, and the event whose moment it may not precede
FEEDBACK_ABOUT = {
    "aanmelding": "Uitkomst van de aanmelding",
    "overdracht": "Warme overdracht",
    "intake": "Intake",
    "mdo_uitkomst": "Uitkomst van het MDO",
    "uitstroom": "Uitstroom",
}
# the registering organisation's care professionals may record feedback (besides the coordinator and
# the acting substitute, whatever their role); not the planner, informal support or other roles
FEEDBACK_CARE_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                 "jeugdverpleegkundige", "sociaal_werker"})
FEEDBACK_KINDS = frozenset({"coordinator", "substitute"})


def may_record_feedback(roles, kinds) -> bool:
    """Who may record a family's terugkoppeling: its coordinator or acting substitute, or a care
    professional of the organisation that registered it."""
    kinds = frozenset(kinds)
    if kinds & FEEDBACK_KINDS:
        return True
    return "registering_organisation" in kinds and bool(frozenset(roles) & FEEDBACK_CARE_ROLES)


def family_feedback_problems(*, method: str, note: str | None, at, event_at, event_label: str,
                             event_when: str, now, slack) -> dict[str, str]:
    """The feedback may not be dated before the event it reports on, nor in the future (``slack``:
    the tolerance for clocks, a timedelta)."""
    problems: dict[str, str] = {}
    if method == "nvt" and not note:
        problems["note"] = "Licht toe waarom terugkoppeling niet van toepassing is."
    if at > now + slack:
        problems["at"] = "Het moment van de terugkoppeling kan niet in de toekomst liggen."
    elif at < event_at:
        problems["at"] = (f"Het moment van de terugkoppeling ligt vóór {event_label} ({event_when}): "
                          "koppel pas terug na de gebeurtenis.")
    return problems
