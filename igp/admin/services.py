"""Poli's and IGP settings."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import func, select

import consent
from igp import clock, process_cache, request_cache
from igp.admin.models import LocalTeam, Poli, PoliTeamMember, Setting
from igp.admin.schemas import LocalTeamIn, PoliTeamIn, PoliUpdateIn
from igp.audit import services as audit
from igp.auth.models import User
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.validation import parse
from igp.workdays import HOLIDAY_CODES, WorkCalendar

POLI_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,29}$")

# Defaults of the IGP-wide settings; a beheerder changes them (UI and CLI).
DEFAULT_SETTINGS = {
    "handover_term_workdays": 5,     # the guide's "bijvoorbeeld binnen 5 werkdagen"
    "handover_risk_workdays": 1,     # 'risico' with this many working days left or fewer
    "age_limit_months": 24,          # first 1000 days: up to the second birthday
    "age_limit_warning_weeks": 6,    # signal before a child reaches the age limit
    "consent_both_parents": False,   # a consent counts only when every parent gave it
    "mdo_not_discussed_weeks": 8,    # active families not discussed for this long are proposed
    "mdo_not_discussed_max": 10,     # ... but at most this many per meeting, longest waiting first
    "mdo_quorum_domains": ["zorg", "jgz", "sociaal"],  # quorum of a new series or meeting naming none
    "mdo_quorum_roles": [],
    "substitute_load_warning": 60,   # warn when a substitute would hold more active families than this
    "report_small_cell": 5,          # monitoring export: counts below this are shown as "<5"
    "calendar": {"disabled_holidays": [], "closing_days": []},
    "duplicates_scanned_to": 0,      # the last family id the duplicate scan looked at (igp.families.duplicates)
    "need_to_know": {},
}


def list_polis(active_only: bool = True) -> list:
    """The polis by name (rows with the poli table's columns): once per request, and kept a few seconds
    per process (igp.process_cache). A service that changes a poli reads it with find_poli."""
    polis = process_cache.cached("polis", ("poli",), lambda refresh: tuple(db.session.execute(
        select(Poli.__table__).order_by(Poli.name).execution_options(igp_cache_refresh=refresh))))
    return [p for p in polis if p.active] if active_only else list(polis)


def find_poli(code: str) -> Poli | None:
    return db.session.execute(select(Poli).where(Poli.code == (code or "").strip().lower())).scalar_one_or_none()


def create_poli(code: str, name: str, handover_term_workdays: int | None = None, second_line: bool = False) -> Poli:
    code = (code or "").strip().lower()
    name = (name or "").strip()
    errors = {}
    if not POLI_CODE_RE.match(code):
        errors["code"] = "Code: 2-30 tekens, kleine letters, cijfers, - of _."
    elif find_poli(code) is not None:
        errors["code"] = f"Er bestaat al een poli met code '{code}'."
    if not name:
        errors["name"] = "Vul een naam in."
    elif db.session.execute(select(Poli).where(func.lower(Poli.name) == name.lower())).first():
        errors["name"] = f"Er bestaat al een poli met de naam '{name}'."
    if handover_term_workdays is not None and not 1 <= handover_term_workdays <= 60:
        errors["handover_term_workdays"] = "De termijn moet tussen 1 en 60 werkdagen liggen."
    if errors:
        raise ValidationError(errors)
    poli = Poli(code=code, name=name, active=True, handover_term_workdays=handover_term_workdays,
                second_line=bool(second_line))
    db.session.add(poli)
    db.session.flush()
    audit.record("create", object_type="poli", object_id=poli.id)
    return poli


def update_poli(actor, code: str, data: dict) -> Poli:
    """A beheerder changes a poli: its handover term, and whether it is second-line care (a poli of the
    hospital: a family seen there meets the care condition of the target group, guide §2). Families
    already registered keep their outcome until they are re-assessed."""
    if not actor.roles & {"beheerder"}:
        raise Forbidden("Alleen een beheerder wijzigt een poli.", audit={
            "action": "configure", "user": actor, "object_type": "poli", "outcome": "denied",
            "detail": "poli change refused: role"})
    poli = find_poli(code)
    if poli is None:
        raise NotFound("Deze poli bestaat niet.")
    command = parse(PoliUpdateIn, data)
    poli.second_line = command.second_line
    poli.handover_term_workdays = command.handover_term_workdays
    db.session.flush()
    audit.record("configure", user=actor, object_type="poli", object_id=poli.id,
                 detail=f"poli {poli.code}: second line {poli.second_line}, term {poli.handover_term_workdays}")
    return poli


def work_calendar():
    """The IGP's working-day calendar (holidays switched off, extra closing days)."""
    from datetime import date


    value = get_setting("calendar") or {}
    return WorkCalendar(disabled_holidays=frozenset(value.get("disabled_holidays", [])),
                        closing_days=frozenset(date.fromisoformat(d) for d in value.get("closing_days", [])))


def handover_term(poli: Poli) -> int:
    return poli.handover_term_workdays or int(get_setting("handover_term_workdays"))


def set_calendar(*, disabled_holidays: list[str] | None = None, add_closing: list | None = None,
                 remove_closing: list | None = None) -> dict:
    """Change the calendar (a beheerder): switch holidays off/on, add or remove closing days."""
    from datetime import date


    value = dict(get_setting("calendar", fresh=True) or {"disabled_holidays": [], "closing_days": []})
    errors = {}
    if disabled_holidays is not None:
        unknown = [h for h in disabled_holidays if h not in HOLIDAY_CODES]
        if unknown:
            errors["disabled_holidays"] = f"Onbekende feestdag '{unknown[0]}'; kies uit: {', '.join(HOLIDAY_CODES)}."
        value["disabled_holidays"] = sorted(set(disabled_holidays))
    closing = set(value.get("closing_days", []))
    for d in add_closing or []:
        try:
            closing.add((d if isinstance(d, date) else date.fromisoformat(str(d))).isoformat())
        except ValueError:
            errors["closing_days"] = f"Ongeldige datum '{d}' (gebruik jjjj-mm-dd)."
    for d in remove_closing or []:
        closing.discard(d.isoformat() if isinstance(d, date) else str(d))
    value["closing_days"] = sorted(closing)
    if errors:
        raise ValidationError(errors)
    set_setting("calendar", value)
    return value


# The settings are read on nearly every page, several times: once per request (all rows in one statement),
# and kept SETTINGS_CACHE_SECONDS per process (igp.process_cache, as the other reference data; 0 in tests).
# A change empties the writing process's copy at once (its flush, and again its commit); the other workers
# see it within SETTINGS_CACHE_SECONDS. A service that changes a setting from its current value reads it fresh.

def _read_settings(refresh: bool = False) -> dict:
    """All settings in one statement; ``refresh``: the per-process copy is renewed (the statement is
    marked so the benchmark's per-page count, X-IGP-Queries, stays the same on every request and the
    refreshes are counted apart, X-IGP-Cache-Refreshes)."""
    stmt = select(Setting.key, Setting.value).execution_options(igp_cache_refresh=refresh)
    return MappingProxyType({key: json.loads(value) for key, value in db.session.execute(stmt)})


def _settings(fresh: bool = False):
    if fresh:
        return _read_settings()
    return process_cache.cached("settings", ("setting",), _read_settings)


def forget_settings() -> None:
    """Drop the cached settings of this request and this process (after a change not yet flushed)."""
    process_cache.forget("setting")


def get_setting(key: str, *, fresh: bool = False):
    """A setting (cached per request and for a few seconds per process; ``fresh``: from the database).
    The value is shared: copy it before changing it."""
    values = _settings(fresh)
    return values[key] if key in values else DEFAULT_SETTINGS.get(key)


def set_setting(key: str, value) -> None:
    forget_settings()
    row = db.session.get(Setting, key)
    text = json.dumps(value, sort_keys=True)
    if row is None:
        db.session.add(Setting(key=key, value=text))
    else:
        row.value = text
    audit.record("configure", object_type="setting", object_id=key, detail=text[:500])


EDITABLE_SETTINGS = {
    "handover_term_workdays": ("Termijn warme overdracht (werkdagen)", 1, 60),
    "handover_risk_workdays": ("Signaal 'risico' bij nog zoveel werkdagen of minder", 0, 10),
    "age_limit_months": ("Leeftijdsgrens (maanden)", 12, 60),
    "age_limit_warning_weeks": ("Signaal leeftijdsgrens (weken vooraf)", 1, 26),
    "mdo_not_discussed_weeks": ("MDO: actief gezin voorstellen na zoveel weken niet besproken", 1, 52),
    "mdo_not_discussed_max": ("MDO: hoogstens zoveel lang niet besproken gezinnen per vergadering voorstellen", 0, 100),
    "report_small_cell": ("Monitoring: kleinere aantallen tonen als '<n'", 2, 20),
    "substitute_load_warning": ("Afwezigheid: waarschuwen als de vervanger meer actieve gezinnen krijgt dan", 1, 1000),
}
BOOLEAN_SETTINGS = {"consent_both_parents": "Toestemming telt alleen als beide ouders die gaven"}
# settings that are a choice of several codes: key -> (label, code -> label)
CHOICE_SETTINGS = {
    "mdo_quorum_domains": ("Quorum van een nieuw MDO: domeinen die aanwezig moeten zijn", consent.DOMAIN_LABELS),
    "mdo_quorum_roles": ("Quorum van een nieuw MDO: rollen die aanwezig moeten zijn", consent.ROLE_LABELS),
}
ALL_SETTINGS = (*EDITABLE_SETTINGS, *BOOLEAN_SETTINGS, *CHOICE_SETTINGS)


def _choices(key: str, raw) -> list[str]:
    """A choice setting from a list (form, API) or comma-separated text (CLI)."""
    label, known = CHOICE_SETTINGS[key]
    values = [v.strip() for v in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValidationError({key: f"{label}: geef een lijst met codes."})
    values = [v for v in values if v]
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValidationError({key: f"{label}: onbekende code '{unknown[0]}'. Kies uit: {', '.join(known)}."})
    return [code for code in known if code in values]


def update_settings(values: dict) -> dict:
    """Validate and store the editable IGP settings (a beheerder). Returns what changed."""
    errors, changed = {}, {}
    for key, (label, low, high) in EDITABLE_SETTINGS.items():
        if key not in values:
            continue
        try:
            number = int(values[key])
        except (TypeError, ValueError):
            errors[key] = f"{label}: vul een geheel getal in."
            continue
        if not low <= number <= high:
            errors[key] = f"{label}: tussen {low} en {high}."
            continue
        if number != get_setting(key, fresh=True):
            changed[key] = number
    for key in BOOLEAN_SETTINGS:
        if key in values:
            value = str(values[key]).lower() in ("1", "true", "on", "ja")
            if value != bool(get_setting(key, fresh=True)):
                changed[key] = value
    for key in CHOICE_SETTINGS:
        if key in values:
            try:
                chosen = _choices(key, values[key])
            except ValidationError as exc:
                errors.update(exc.errors)
                continue
            if chosen != list(get_setting(key, fresh=True)):
                changed[key] = chosen
    if errors:
        raise ValidationError(errors)
    for key, value in changed.items():
        set_setting(key, value)
    return changed


# ------------------------------------------------------------------ the kernteam of a poli

TEAM_KEEPER_ROLES = frozenset({"planner", "beheerder"})
# Roles that take part in an MDO as a professional of the kernteam (not the aggregate-only roles)
TEAM_MEMBER_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                               "jeugdverpleegkundige", "sociaal_werker", "planner", "informele_steun",
                               "mdo_voorzitter"})


def poli_team(poli_id: int) -> list[PoliTeamMember]:
    return list(db.session.scalars(select(PoliTeamMember).where(PoliTeamMember.poli_id == poli_id,
                                                               PoliTeamMember.removed_at.is_(None))
                                   .order_by(PoliTeamMember.added_at, PoliTeamMember.id)))


def _require_team_keeper(actor) -> None:
    if not actor.roles & TEAM_KEEPER_ROLES:
        raise Forbidden("Alleen een planner of beheerder houdt het kernteam van een poli bij.", audit={
            "action": "update", "user": actor, "object_type": "poli_team", "outcome": "denied",
            "detail": "poli team change refused: role"})


def add_poli_team_member(actor, poli_code: str, user_id) -> PoliTeamMember:
    """Adding someone to a poli's kernteam lets their MDO attendance count as involvement with
    the families on that poli's agendas (under consent): a security decision, logged."""
    _require_team_keeper(actor)
    poli = find_poli(poli_code)
    if poli is None:
        raise NotFound("Deze poli bestaat niet.")
    user = db.session.get(User, parse(PoliTeamIn, {"user_id": user_id}).user_id)
    if user is None or not user.is_active:
        raise ValidationError({"user_id": "Kies een actieve gebruiker."})
    if not user.roles & TEAM_MEMBER_ROLES:
        raise ValidationError({"user_id": f"{user.name} heeft geen rol in het kernteam van een poli."})
    if any(m.user_id == user.id for m in poli_team(poli.id)):
        raise ValidationError({"user_id": f"{user.name} staat al in het kernteam van {poli.name}."})
    member = PoliTeamMember(poli_id=poli.id, user_id=user.id, added_by_id=actor.id)
    db.session.add(member)
    db.session.flush()
    audit.record("update", user=actor, object_type="poli_team", object_id=member.id,
                 detail=f"poli {poli.code}: + user {user.id}")
    return member


def remove_poli_team_member(actor, member_id: int, poli_code: str | None = None) -> PoliTeamMember:
    _require_team_keeper(actor)
    member = db.session.get(PoliTeamMember, member_id)
    if member is None or member.removed_at is not None or (poli_code is not None and member.poli.code != poli_code):
        raise NotFound("Dit kernteamlid bestaat niet (meer).")
    member.removed_at = clock.now()
    member.removed_by_id = actor.id
    audit.record("update", user=actor, object_type="poli_team", object_id=member.id,
                 detail=f"poli {member.poli.code}: - user {member.user_id}")
    return member


# ------------------------------------------------------------------ local teams (guide §9.2)

def slug(text: str) -> str:
    """A code from a name: 'Sint-Anna Noord' -> 'sint_anna_noord' (kept once stored)."""
    value = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore")
                   .decode().lower()).strip("_")
    return value[:40] or "x"


def list_local_teams(*, active_only: bool = False) -> list[LocalTeam]:
    # all teams once per request (the page's selection lists and its labels both ask)
    teams = request_cache.cached("local_teams", None, lambda: tuple(db.session.scalars(
        select(LocalTeam).order_by(LocalTeam.gemeente_name, LocalTeam.name))))
    return [t for t in teams if t.retired_at is None] if active_only else list(teams)


def _team_problems(parsed, wijken: list[dict]) -> dict[str, str]:
    errors = {}
    if parsed.contact_user_id is not None:
        contact = db.session.get(User, parsed.contact_user_id)
        if contact is None or not contact.active or contact.organisation.domain != "sociaal":
            errors["contact_user_id"] = "Kies een actieve gebruiker van een organisatie in het sociaal domein."
    if not (parsed.contact_name or parsed.contact_user_id):
        errors["contact_name"] = "Vul de vaste contactpersoon in (naam, of kies een gebruiker)."
    if parsed.contact_name and not (parsed.contact_phone or parsed.contact_email):
        errors["contact_phone"] = "Vul een telefoonnummer of e-mailadres van de contactpersoon in."
    if len({w["code"] for w in wijken}) != len(wijken):
        errors["wijken"] = "Een wijk staat dubbel in de lijst."
    return errors


def save_local_team(actor, data: dict, team_id: int | None = None) -> LocalTeam:
    """Add a local team, or change one (its gemeente code never changes once families carry it)."""
    _require_beheerder(actor)
    parsed = parse(LocalTeamIn, data)
    wijken = [{"code": slug(n), "name": n.strip()} for n in (parsed.wijken or "").split(",") if n.strip()]
    errors = _team_problems(parsed, wijken)
    if errors:
        raise ValidationError(errors)
    team = db.session.get(LocalTeam, team_id) if team_id is not None else LocalTeam(
        gemeente_code=_gemeente_code(parsed.gemeente_name))
    if team is None:
        raise NotFound("Dit lokale team bestaat niet.")
    team.gemeente_name, team.name, team.wijken = parsed.gemeente_name, parsed.name, wijken
    team.contact_name, team.contact_phone, team.contact_email = (parsed.contact_name, parsed.contact_phone,
                                                                 parsed.contact_email)
    team.contact_user_id = parsed.contact_user_id
    db.session.add(team)
    db.session.flush()
    audit.record("configure", user=actor, object_type="local_team", object_id=team.id,
                 detail=f"local team {'changed' if team_id else 'added'} in {team.gemeente_code}")
    return team


def _gemeente_code(name: str) -> str:
    """The code of a gemeente already in the list under this name, or a new one from the name."""
    for team in list_local_teams():
        if team.gemeente_name.strip().lower() == name.strip().lower():
            return team.gemeente_code
    return slug(name)


def retire_local_team(actor, team_id: int, *, retired: bool = True) -> LocalTeam:
    """Retire (or take back) a team: no longer chosen; families keep their gemeente and wijk."""
    _require_beheerder(actor)
    team = db.session.get(LocalTeam, team_id)
    if team is None:
        raise NotFound("Dit lokale team bestaat niet.")
    team.retired_at = clock.now() if retired else None
    db.session.flush()
    audit.record("configure", user=actor, object_type="local_team", object_id=team.id,
                 detail="local team retired" if retired else "local team in use again")
    return team


def _require_beheerder(actor) -> None:
    if not actor.has_role("beheerder"):
        raise Forbidden("Alleen de beheerder houdt de lokale teams bij.")


@dataclass(frozen=True)
class TeamContact:
    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class TeamRow:
    """A local team as the family pages show it (read once per request and kept a few seconds per
    process, like the other reference data): its wijken as (code, name) pairs, its contact person."""
    id: int
    gemeente_code: str
    gemeente_name: str
    name: str
    wijken: tuple[tuple[str, str], ...]
    contact_user: TeamContact | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    retired_at: object


def team_rows(*, active_only: bool = False) -> list[TeamRow]:
    """Every local team by gemeente and name (retired ones too unless ``active_only``), without ORM
    instances: the family page's area labels, choices and team (igp.process_cache)."""
    def load(refresh: bool) -> tuple[TeamRow, ...]:
        rows = db.session.execute(
            select(LocalTeam.id, LocalTeam.gemeente_code, LocalTeam.gemeente_name, LocalTeam.name, LocalTeam.wijken,
                   LocalTeam.contact_name, LocalTeam.contact_phone, LocalTeam.contact_email, LocalTeam.retired_at,
                   User.name.label("user_name"), User.phone, User.email)
            .outerjoin(User, User.id == LocalTeam.contact_user_id)
            .order_by(LocalTeam.gemeente_name, LocalTeam.name).execution_options(igp_cache_refresh=refresh))
        return tuple(TeamRow(
            id=r.id, gemeente_code=r.gemeente_code, gemeente_name=r.gemeente_name, name=r.name,
            wijken=tuple((w["code"], w["name"]) for w in r.wijken or []),
            contact_user=TeamContact(r.user_name, r.phone, r.email) if r.user_name is not None else None,
            contact_name=r.contact_name, contact_phone=r.contact_phone, contact_email=r.contact_email,
            retired_at=r.retired_at) for r in rows)
    teams = process_cache.cached("local_teams", ("local_team", "user"), load)
    return [t for t in teams if t.retired_at is None] if active_only else list(teams)


def area_choices() -> list[dict]:
    """The gemeenten with their wijken (active teams), for the selection lists."""
    result: dict[str, dict] = {}
    for team in team_rows(active_only=True):
        entry = result.setdefault(team.gemeente_code, {"code": team.gemeente_code, "name": team.gemeente_name,
                                                       "wijken": {}})
        entry["wijken"].update(team.wijken)
    return list(result.values())


def area_labels() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """gemeente code -> name and (gemeente, wijk) -> wijk name, retired teams included (readable)."""
    gemeenten, wijken = {}, {}
    for team in team_rows():
        gemeenten.setdefault(team.gemeente_code, team.gemeente_name)
        wijken.update({(team.gemeente_code, code): name for code, name in team.wijken})
    return gemeenten, wijken


def area_problems(gemeente: str | None, wijk: str | None) -> dict[str, str]:
    """A gemeente and wijk out of the IGP's active list; a wijk only with its gemeente."""
    if gemeente is None:
        return {"wijk": "Kies eerst de gemeente."} if wijk else {}
    choice = next((c for c in area_choices() if c["code"] == gemeente), None)
    if choice is None:
        return {"gemeente": "Kies een gemeente uit de lijst van deze IGP."}
    if wijk is not None and wijk not in choice["wijken"]:
        return {"wijk": "Kies een wijk van deze gemeente."}
    return {}


def local_team_for(gemeente: str | None, wijk: str | None) -> TeamRow | None:
    """The active team serving this wijk, else the gemeente's team without wijken (the whole gemeente)."""
    teams = [t for t in team_rows(active_only=True) if t.gemeente_code == gemeente]
    serving = [t for t in teams if wijk and wijk in {code for code, _name in t.wijken}]
    whole = [t for t in teams if not t.wijken]
    return (serving or whole or [None])[0]
