"""Pure MDO rules: meeting dates of a series, quorum, agenda proposal reasons. No Flask, no DB."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

RHYTHMS = {"wekelijks": "Wekelijks", "tweewekelijks": "Om de week", "datumlijst": "Vaste data (na elke poli-middag)"}
MEETING_STATUSES = {"gepland": "Gepland", "gedeeld": "Agenda gedeeld", "afgerond": "Afgerond",
                    "geannuleerd": "Geannuleerd"}
ATTENDANCE = {"uitgenodigd": "Uitgenodigd", "aanwezig": "Aanwezig", "afwezig": "Afwezig", "te_laat": "Later aangeschoven"}
PRESENT = ("aanwezig", "te_laat")
# presence is confirmed at or after the start; before it every attendee is only invited
CONFIRMED = ("aanwezig", "te_laat", "afwezig")
ITEM_STATUSES = {"gepland": "Gepland", "besproken": "Besproken", "niet_besproken": "Niet besproken"}
# Who may ask the MDO to discuss a family (besides writing its mdo_notulen), and while it is in care:
# the proposal only takes families in these statuses, so a request for a family that left is refused.
DISCUSSION_REQUEST_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                      "jeugdverpleegkundige", "sociaal_werker", "planner", "mdo_voorzitter"})
DISCUSSABLE_STATUSES = ("aangemeld", "in_intake", "actief")


def discussion_problem(status: str) -> str | None:
    """Why the family cannot be put forward for the MDO (it has left the IGP), else None."""
    if status not in DISCUSSABLE_STATUSES:
        return "Dit gezin is niet (meer) in zorg bij de IGP en kan niet in het MDO worden besproken."
    return None


def may_request_discussion(roles, status: str) -> bool:
    """The family page shows 'Bespreken in het MDO' only then (with write access to mdo_notulen)."""
    return bool(frozenset(roles) & DISCUSSION_REQUEST_ROLES) and discussion_problem(status) is None


OUTCOME_KINDS = {"besluit": "Besluit", "advies": "Advies", "actie": "Actie", "doorverwijzing": "Doorverwijzing"}
REFERRAL_TYPES = {
    "kindergeneeskunde": "Kindergeneeskunde",
    "ggz": "GGZ",
    "jeugdzorg": "Jeugdzorg",
    "welzijn": "Welzijn",
    "paramedisch": "Paramedisch",
    "veilig_thuis": "Veilig Thuis",
    "anders": "Anders",
}
ACTION_STATUSES = {"open": "Open", "gedaan": "Gedaan", "vervallen": "Vervallen"}


def action_status_on_behalf_of(actor_id: int, owner_id: int, coordinator_id: int | None, chair_id: int | None,
                               substituted_ids: Iterable[int]) -> tuple[bool, int | None]:
    """Who may set an MDO action's status, and for whom: (may, on_behalf_of). The owner, the
    family's coordinator and the meeting's chair act for themselves; whoever stands in today for
    the absent owner (or the absent coordinator) acts on her behalf ("namens")."""
    if actor_id in (owner_id, coordinator_id, chair_id):
        return True, None
    substituted = frozenset(substituted_ids)
    if owner_id in substituted:
        return True, owner_id
    if coordinator_id is not None and coordinator_id in substituted:
        return True, coordinator_id
    return False, None

# Why a family is proposed for the agenda (codes are a contract of the API).
PROPOSAL_REASONS = {
    "nieuwe_aanmelding": "Nieuwe aanmelding sinds het vorige MDO",
    "overdracht_risico": "Warme overdracht dreigt te laat te worden",
    "overdracht_te_laat": "Warme overdracht is te laat",
    "actie_verlopen": "MDO-actie over de datum",
    "actie_binnenkort": "MDO-actie verloopt uiterlijk op de MDO-datum",
    "bespreken_gevraagd": "Een professional vraagt om bespreking",
    "lang_niet_besproken": "Actief gezin lang niet besproken",
    "niet_besproken_vorige": "Vorige keer niet besproken",
    "handmatig": "Door de voorzitter toegevoegd",
}
REASON_ORDER = tuple(PROPOSAL_REASONS)


def series_dates(rhythm: str, first: date | None, weekday: int | None, dates: list[date] | None,
                 start: date, end: date) -> list[date]:
    """Meeting dates of a series within [start, end]."""
    if rhythm == "datumlijst":
        return sorted(d for d in (dates or []) if start <= d <= end)
    if first is None:
        return []
    step = 7 if rhythm == "wekelijks" else 14
    day = first
    if weekday is not None and day.weekday() != weekday:
        day = day + timedelta(days=(weekday - day.weekday()) % 7)
    if day < start:
        skipped = (start - day).days // step
        day = day + timedelta(days=skipped * step)
        if day < start:
            day += timedelta(days=step)
    found = []
    while day <= end:
        found.append(day)
        day += timedelta(days=step)
    return found


@dataclass(frozen=True)
class Present:
    user_id: int
    domain: str
    roles: frozenset[str]


@dataclass(frozen=True)
class QuorumResult:
    met: bool
    missing_domains: tuple[str, ...]
    missing_roles: tuple[str, ...]

    def describe(self, domain_labels: dict[str, str] | None = None, role_labels: dict[str, str] | None = None) -> str:
        """In words for the page: the missing domains and roles by their labels (codes without them)."""
        if self.met:
            return "Quorum bereikt."
        domain_labels, role_labels = domain_labels or {}, role_labels or {}
        parts = []
        if self.missing_domains:
            parts.append("domein " + ", ".join(domain_labels.get(d, d) for d in self.missing_domains))
        if self.missing_roles:
            parts.append("rol " + ", ".join(role_labels.get(r, r) for r in self.missing_roles))
        return "Geen quorum: ontbreekt " + "; ".join(parts) + "."


def quorum(required_domains, required_roles, present: list[Present]) -> QuorumResult:
    """Every required domain and every required role must be represented by someone present."""
    domains = {p.domain for p in present}
    roles = set().union(*(p.roles for p in present)) if present else set()
    missing_domains = tuple(d for d in required_domains if d not in domains)
    missing_roles = tuple(r for r in required_roles if r not in roles)
    return QuorumResult(not missing_domains and not missing_roles, missing_domains, missing_roles)


def present_for_item(attendance: list[tuple[Present, str, list[int] | None]], item_id: int) -> list[Present]:
    """Those present (on time or late) for this agenda item."""
    return [p for p, status, item_ids in attendance
            if status in PRESENT and (item_ids is None or item_id in item_ids)]


def attendance_problem(status: str | None, started: bool) -> str | None:
    """Presence (aanwezig, later aangeschoven, afwezig) is confirmed at or after the start of the
    meeting; before it an attendee is 'uitgenodigd'."""
    if status in CONFIRMED and not started:
        return ("Aanwezigheid bevestigt u vanaf het begin van het MDO; tot dan staat een deelnemer op "
                "'Uitgenodigd'.")
    return None


def counted_status(status: str, started: bool) -> str:
    """The status that counts for quorum: before the start nobody is present yet."""
    return status if started else "uitgenodigd"


def finalise_problem(started: bool) -> str | None:
    if not started:
        return "Het verslag kan pas worden vastgesteld als het MDO begonnen is."
    return None


def new_invitees(candidates: Iterable[int | None], already: Iterable[int]) -> list[int]:
    """The candidates not yet listed, each once, in the given order."""
    seen = set(already)
    found = []
    for user_id in candidates:
        if user_id is not None and user_id not in seen:
            seen.add(user_id)
            found.append(user_id)
    return found


def sort_reasons(reasons) -> list[str]:
    return sorted(set(reasons), key=REASON_ORDER.index)


# ------------------------------------------------------------------ the rules of the MDO commands

def series_problems(rhythm: str | None, first: date | None, dates: list[date]) -> dict[str, str]:
    """A weekly series starts somewhere; a list of dates has dates."""
    if rhythm in ("wekelijks", "tweewekelijks") and first is None:
        return {"first_date": "Vul de eerste datum van de reeks in."}
    if rhythm == "datumlijst" and not dates:
        return {"dates": "Vul de data van de MDO's in."}
    return {}


MEETING_PAST_DAYS = 7


def meeting_start_problems(starts_at, now) -> dict[str, str]:
    if starts_at is not None and starts_at < now - timedelta(days=MEETING_PAST_DAYS):
        return {"starts_at": "Een MDO kan niet meer dan een week terug worden gepland."}
    return {}


def item_problems(pseudonym: str, *, same_poli: bool, already_on_agenda: bool, anonymous: bool,
                  mdo_consent: bool) -> dict[str, str]:
    """A family goes on the agenda of its own poli's MDO, once; by name only with the parents'
    consent for discussion in the MDO, otherwise anonymously (pseudonym and question)."""
    if not same_poli:
        return {"family_id": f"Gezin {pseudonym} hoort bij een andere poli dan dit MDO."}
    if already_on_agenda:
        return {"family_id": f"Gezin {pseudonym} staat al op de agenda."}
    if not anonymous and not mdo_consent:
        return {"anonymous": f"De ouders van gezin {pseudonym} hebben geen toestemming gegeven voor bespreking in "
                             "het MDO. Bespreek het gezin anoniem (alleen pseudoniem en vraag) of leg eerst "
                             "toestemming vast."}
    return {}


def outcome_problems(kind: str | None, referral_type: str | None) -> dict[str, str]:
    if kind == "doorverwijzing" and not referral_type:
        return {"referral_type": "Soort doorverwijzing is verplicht."}
    return {}


def action_problems(owner_id: int | None, due: date | None, today: date) -> dict[str, str]:
    """An action has an owner and a due date that has not passed."""
    problems = {}
    if owner_id is None:
        problems["owner_id"] = "Een actie heeft een eigenaar."
    if due is None:
        problems["due_date"] = "Een actie heeft een uiterste datum (of een termijn in werkdagen)."
    elif due < today:
        problems["due_date"] = "De uiterste datum ligt in het verleden."
    return problems
