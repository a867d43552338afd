"""Coordination rules: who is the family's point of contact today, substitution, caseloads,
bulk reassignment, core team, exit, knelpunten."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import bindparam, func, literal, or_, select, true, union_all

from igp import clock
from igp.admin.services import get_setting, work_calendar
from igp.audit import services as audit
from igp.auth.models import User, UserRole
from igp.coordination import rules, schemas
from igp.coordination.models import Absence, CoordinatorAssignment, CoordinatorProposal, CoreTeamMember, Knelpunt
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families import rules as family_rules
from igp.families.models import Child, Family
from igp.handover import services as handover
from igp.handover.models import Handover
from igp.handover.rules import risk_limit
from igp.handover.services import open_signals, risk_workdays
from igp.ids import as_id
from igp.mdo.services import (
    check_new_owners,
    open_actions_of_family,
    open_actions_per_owner,
    overdue_actions,
    resolve_open_actions,
)
from igp.notifications.services import notify
from igp.pagination import Page, counted_page
from igp.plan.services import plan_evaluation_signals
from igp.sharing import gateway, involvement, listed
from igp.validation import parse

ACTIVE_STATUSES = ("aangemeld", "in_intake", "actief")
CASEHOLDING_ROLES = frozenset({"jeugdverpleegkundige", "sociaal_werker", "mmw"})
COORDINATING_ACTORS = rules.COORDINATING_ACTORS

ASSIGN_REASONS = rules.ASSIGN_REASONS
NON_DEFAULT_REASONS = rules.NON_DEFAULT_REASONS
ABSENCE_REASONS = rules.ABSENCE_REASONS
EXIT_REASONS = rules.EXIT_REASONS
ACTION_DECISIONS = rules.ACTION_DECISIONS
KNELPUNT_KINDS = rules.KNELPUNT_KINDS
KNELPUNT_STATUSES = rules.KNELPUNT_STATUSES


def can_hold_cases(user: User) -> bool:
    return user.is_active and (bool(user.roles & CASEHOLDING_ROLES) or user.skj_registered)


# ------------------------------------------------------------------ absence and substitution

_active_absence_clause = involvement.active_absence_clause


@cache
def _absence_statement():
    """Built once per process (the family page asks for its coordinator's absence on every request)."""
    return (select(Absence).where(Absence.user_id == bindparam("user_id"), _active_absence_clause(bindparam("day")))
            .order_by(Absence.id.desc()).limit(1))


def absence_on(user_id: int, day: date | None = None) -> Absence | None:
    return db.session.scalars(_absence_statement(), {"user_id": user_id, "day": day or clock.today()}).first()


def substituted_user_ids(user, day: date | None = None) -> list[int]:
    """Coordinators for whom this user stands in today."""
    return involvement.substituted_user_ids(user.id, day)


acting_substitute_for = involvement.acting_substitute_for
my_family_ids_clause = involvement.coordinated_family_clause


def contact_today(family: Family, day: date | None = None) -> dict:
    """Who is this family's point of contact today: the coordinator, or their substitute."""
    if family.coordinator is None:
        return {"user": None, "coordinator": None, "acting_substitute": None, "absent": False}
    absence = absence_on(family.coordinator_id, day)
    if absence is None:
        return {"user": family.coordinator, "coordinator": family.coordinator, "acting_substitute": None,
                "absent": False}
    return {"user": absence.substitute, "coordinator": family.coordinator, "acting_substitute": absence.substitute,
            "absent": True, "absence": absence}


def may_change_absence(actor, absence: Absence) -> bool:
    """Who may change or withdraw this absence: who may record it (the page shows the forms by this)."""
    return rules.may_record_absence(actor.id, actor.roles, actor.organisation_id, absence.user_id,
                                    absence.user.organisation_id)


def _require_may_record_absence(actor, user_id: int, user: User | None, action: str = "create") -> None:
    """Naming a substitute gives that person the absent coordinator's families (a direct care
    relationship): only the absent user or a planner of the same organisation does that."""
    if not rules.may_record_absence(actor.id, actor.roles, actor.organisation_id, user_id,
                                    user.organisation_id if user is not None else None):
        raise Forbidden("Alleen de afwezige zelf of een planner van de eigen organisatie legt afwezigheid en "
                        "vervanging vast.", audit={"action": action, "user": actor, "object_type": "absence",
                                                   "outcome": "denied", "detail": f"absence for user {user_id} refused"})


def _overlapping(column, user_id: int, starts: date, ends: date, exclude_id: int | None = None) -> Absence | None:
    stmt = select(Absence).where(column == user_id, Absence.cancelled_at.is_(None), Absence.starts_on <= ends,
                                 Absence.ends_on >= starts)
    if exclude_id is not None:
        stmt = stmt.where(Absence.id != exclude_id)
    return db.session.scalars(stmt.order_by(Absence.id)).first()


def _substitute_problems(user: User, substitute_id: int | None, starts: date, ends: date) -> tuple[User | None, dict]:
    if substitute_id is None:
        return None, {}
    substitute = db.session.get(User, substitute_id)
    if substitute is None or not substitute.is_active:
        return None, {"substitute_id": "Onbekende of inactieve vervanger."}
    if substitute.id == user.id:
        return None, {"substitute_id": "Iemand kan niet zichzelf vervangen."}
    if not can_hold_cases(substitute):
        return None, {"substitute_id": f"{substitute.name} heeft geen rol die gezinnen kan coördineren."}
    if substitute.organisation_id != user.organisation_id:
        # the families' consent covers the coordinator's organisation, not just anyone's
        return None, {"substitute_id": f"{substitute.name} werkt bij een andere organisatie; kies een vervanger "
                                       f"van {user.organisation.name}."}
    clash = _overlapping(Absence.user_id, substitute.id, starts, ends)
    if clash:
        return None, {"substitute_id": f"{substitute.name} is zelf afwezig van {clash.starts_on.strftime('%d-%m-%Y')} "
                                       f"tot en met {clash.ends_on.strftime('%d-%m-%Y')}."}
    return substitute, {}


def _absence_clashes(user: User, starts: date, ends: date, exclude_id: int | None = None) -> dict:
    if _overlapping(Absence.user_id, user.id, starts, ends, exclude_id):
        return {"from": "Er is al een afwezigheid in deze periode; pas die aan of trek die in."}
    covering = _overlapping(Absence.substitute_id, user.id, starts, ends)
    if covering:
        return {"from": f"{user.name} is in deze periode vervanger van {covering.user.name}; "
                        "regel eerst een andere vervanger."}
    return {}


def record_absence(actor, data: dict) -> Absence:
    """parse -> authorise -> rule (period) -> checks against the database -> apply -> audit."""
    command = parse(schemas.AbsenceIn, data)
    user_id = command.user_id or actor.id
    user = db.session.get(User, user_id)
    _require_may_record_absence(actor, user_id, user)
    if user is None or not user.is_active:
        raise ValidationError({"user_id": "Onbekende of inactieve gebruiker."})
    starts, ends = command.from_, command.to
    problems = rules.absence_period_problems(starts, ends, clock.today())
    substitute, substitute_problems = (None, {}) if problems else _substitute_problems(
        user, command.substitute_id, starts, ends)
    problems = problems or substitute_problems or _absence_clashes(user, starts, ends)
    if problems:
        raise ValidationError(problems)
    absence = Absence(user_id=user.id, starts_on=starts, ends_on=ends, reason=command.reason,
                      substitute_id=substitute.id if substitute else None, recorded_by_id=actor.id)
    db.session.add(absence)
    db.session.flush()
    audit.record("create", user=actor, object_type="absence", object_id=absence.id,
                 detail=f"absence of user {user.id} {starts.isoformat()}..{ends.isoformat()}"
                        + (f", substitute {substitute.id}" if substitute else ", no substitute"))
    _tell_about_absence(actor, user, substitute, starts, ends)
    return absence


def _tell_about_absence(actor, user: User, substitute: User | None, starts: date, ends: date) -> None:
    period = f"van {starts.strftime('%d-%m-%Y')} tot en met {ends.strftime('%d-%m-%Y')}"
    if substitute:
        notify([substitute.id], "vervanging", f"U vervangt {user.name} {period}.")
    if user.id != actor.id:
        notify([user.id], "vervanging", f"{actor.name} heeft uw afwezigheid vastgelegd {period}"
                                        + (f"; {substitute.name} vervangt u." if substitute else "."))


def _absence_or_404(absence_id) -> Absence:
    absence = db.session.get(Absence, as_id(absence_id)) if as_id(absence_id) else None
    if absence is None or absence.cancelled_at is not None:
        raise NotFound("Deze afwezigheid bestaat niet (meer).")
    return absence


def _changed_absence(absence: Absence, data) -> dict:
    """The absence as it will be: what was sent replaces, what was left out stays (PATCH)."""
    command = parse(schemas.AbsenceChangeIn, data)
    sent = command.model_fields_set
    fields = schemas.AbsenceChangeIn.model_fields
    missing = {fields[name].alias or name: f"{fields[name].title} is verplicht." for name in ("from_", "to", "reason")
               if name in sent and getattr(command, name) is None}
    if missing:
        raise ValidationError(missing)
    current = {"from_": absence.starts_on, "to": absence.ends_on, "reason": absence.reason,
               "substitute_id": absence.substitute_id}
    return {name: getattr(command, name) if name in sent else value for name, value in current.items()}


def change_absence(actor, absence_id, data) -> Absence:
    """Change the period, the reason or the substitute of an absence (who may record it): the same
    checks as recording it, against the other absences; the old substitute loses the families at
    once, the new one gets them. Nothing is stored when a check fails."""
    absence = _absence_or_404(absence_id)
    user = absence.user
    _require_may_record_absence(actor, user.id, user, action="update")
    changed = _changed_absence(absence, data)
    starts, ends, reason = changed["from_"], changed["to"], changed["reason"]
    problems = rules.absence_period_problems(starts, ends, clock.today())
    if starts == absence.starts_on:
        problems.pop("from", None)   # an absence that began long ago may still be changed
    substitute, substitute_problems = (None, {}) if problems else _substitute_problems(
        user, changed["substitute_id"], starts, ends)
    problems = problems or substitute_problems or _absence_clashes(user, starts, ends, absence.id)
    if problems:
        raise ValidationError(problems)
    before = (absence.starts_on, absence.ends_on, absence.reason, absence.substitute_id)
    old_substitute = absence.substitute
    absence.starts_on, absence.ends_on, absence.reason = starts, ends, reason
    absence.substitute = substitute
    db.session.flush()
    after = (starts, ends, reason, absence.substitute_id)
    if before != after:
        audit.record("update", user=actor, object_type="absence", object_id=absence.id,
                     detail=f"changed: {before[0].isoformat()}..{before[1].isoformat()} -> {starts.isoformat()}.."
                            f"{ends.isoformat()}, reason {before[2]} -> {reason}, "
                            f"substitute {before[3]} -> {absence.substitute_id}")
        _tell_about_change(actor, user, old_substitute, substitute, starts, ends)
    return absence


def _tell_about_change(actor, user: User, old: User | None, new: User | None, starts: date, ends: date) -> None:
    period = f"van {starts.strftime('%d-%m-%Y')} tot en met {ends.strftime('%d-%m-%Y')}"
    if old is not None and (new is None or new.id != old.id):
        notify([old.id], "vervanging", f"U vervangt {user.name} niet meer; de afwezigheid is gewijzigd.")
    if new is not None:
        notify([new.id], "vervanging", f"U vervangt {user.name} {period}.")
    if user.id != actor.id:
        notify([user.id], "vervanging", f"{actor.name} heeft uw afwezigheid gewijzigd: {period}"
                                        + (f"; {new.name} vervangt u." if new else "; zonder vervanger."))


def absence_warnings(absence: Absence) -> list[str]:
    """Warnings after recording or changing an absence (no refusal): the substitute's load."""
    if absence.substitute_id is None or absence.cancelled_at is not None:
        return []
    counts = _active_case_counts()
    covered = set(db.session.scalars(select(Absence.user_id).where(
        Absence.substitute_id == absence.substitute_id, Absence.cancelled_at.is_(None), Absence.id != absence.id,
        Absence.starts_on <= absence.ends_on, Absence.ends_on >= absence.starts_on))) | {absence.user_id}
    warning = rules.substitute_load_warning(absence.substitute.name, counts.get(absence.substitute_id, 0),
                                            sum(counts.get(i, 0) for i in covered),
                                            int(get_setting("substitute_load_warning")))
    return [warning] if warning else []


def cancel_absence(actor, absence_id: int) -> Absence:
    absence = _absence_or_404(absence_id)
    if not may_change_absence(actor, absence):
        raise Forbidden("Alleen de afwezige zelf of een planner van de eigen organisatie trekt een afwezigheid in.")
    absence.cancelled_at = clock.now()
    audit.record("update", user=actor, object_type="absence", object_id=absence.id, detail="cancelled")
    return absence


def absences(*, user_id: int | None = None, current_and_future: bool = True) -> list[Absence]:
    stmt = select(Absence).where(Absence.cancelled_at.is_(None))
    if user_id:
        stmt = stmt.where(or_(Absence.user_id == user_id, Absence.substitute_id == user_id))
    if current_and_future:
        stmt = stmt.where(Absence.ends_on >= clock.today())
    return list(db.session.scalars(stmt.order_by(Absence.starts_on)))


# ------------------------------------------------------------------ assignment

def _active_case_counts(poli_id: int | None = None) -> dict[int, int]:
    stmt = select(Family.coordinator_id, func.count()).where(Family.coordinator_id.is_not(None),
                                                            Family.status.in_(ACTIVE_STATUSES))
    if poli_id is not None:
        stmt = stmt.where(Family.poli_id == poli_id)
    return dict(db.session.execute(stmt.group_by(Family.coordinator_id)).all())


def coordinator_allowed(family: Family, candidate: User) -> bool:
    """The family's consent (or being the registering organisation) must cover NAW for the
    candidate's organisation: a coordinator has to be able to reach the family. A consent for the
    warm handover counts while the family's inward handover runs (consent.may_coordinate). An open
    break-the-glass of the candidate never counts: emergency access is no ground for a role."""
    return gateway.may_coordinate(candidate, family)


def propose_coordinator(family: Family, day: date | None = None) -> User | None:
    """The least loaded available jeugdverpleegkundige (fewest active cases in the family's
    poli, then fewest overall) whom the family's consent covers."""
    day = day or clock.today()
    nurses = list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "jeugdverpleegkundige", User.active.is_(True)).order_by(User.id)))
    in_poli = _active_case_counts(family.poli_id)
    overall = _active_case_counts()
    absent = set(db.session.scalars(select(Absence.user_id).where(_active_absence_clause(day))))
    ranked = sorted((n for n in nurses if n.id not in absent),
                    key=lambda n: (in_poli.get(n.id, 0), overall.get(n.id, 0), n.id))
    for nurse in ranked:
        if coordinator_allowed(family, nurse):
            return nurse
    return None


def _validate_assignment(family: Family, target: User | None, reason: str | None, reason_text: str | None) -> dict:
    errors = {}
    if target is None or not target.is_active:
        errors["user_id"] = "Onbekende of inactieve gebruiker."
        return errors
    if not can_hold_cases(target):
        errors["user_id"] = (f"{target.name} heeft geen rol die gezinnen coördineert (jeugdverpleegkundige, "
                             "sociaal werker, MMW of SKJ-geregistreerd).")
        return errors
    if reason is not None and reason not in ASSIGN_REASONS:
        errors["reason"] = f"Onbekende reden '{reason}'. Kies uit: {', '.join(ASSIGN_REASONS)}."
    elif not target.has_role("jeugdverpleegkundige") and reason not in NON_DEFAULT_REASONS:
        errors["reason"] = ("De coördinatie ligt standaard bij de jeugdverpleegkundige; geef een reden om daarvan "
                            "af te wijken (" + ", ".join(NON_DEFAULT_REASONS) + ").")
    elif reason == "anders" and not (reason_text and reason_text.strip()):
        errors["reason_text"] = "Licht de reden 'anders' toe."
    if not errors and not coordinator_allowed(family, target):
        errors["user_id"] = (f"De toestemming van het gezin dekt {target.organisation.name} niet; "
                             "leg eerst toestemming vast voor deze organisatie.")
    return errors


def _assign(actor, family: Family, target: User, reason: str, reason_text: str | None,
            on_behalf_of_id: int | None = None) -> CoordinatorAssignment:
    previous = family.coordinator_id
    family.coordinator_id = target.id
    family.coordinator = target
    assignment = CoordinatorAssignment(family_id=family.id, from_user_id=previous, to_user_id=target.id,
                                       by_user_id=getattr(actor, "id", None), reason=reason, reason_text=reason_text,
                                       on_behalf_of_id=on_behalf_of_id)
    db.session.add(assignment)
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 on_behalf_of_id=on_behalf_of_id, detail=f"coordinator {previous} -> {target.id} ({reason})")
    if getattr(actor, "id", None) != target.id:
        notify([target.id], "coordinator", "U bent coördinator van gezin {gezin}.", family_id=family.id)
    return assignment


ASSIGNMENT_REFUSAL = ("Alleen de planner, de huidige coördinator (of diens vervanger) of de aanmeldende organisatie "
                      "wijzigt de coördinator van dit gezin. U kunt een wijziging voorstellen.")


def _require_may_assign(actor, family: Family, kinds: frozenset[str]) -> None:
    if not rules.may_change_coordinator(actor.roles, kinds, family.coordinator_id is not None):
        raise Forbidden(ASSIGNMENT_REFUSAL, audit={
            "action": "update", "user": actor, "object_type": "family", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied",
            "detail": f"coordinator change refused (involvement {','.join(sorted(kinds)) or '-'})"})


def may_assign(actor, family: Family) -> bool:
    """Whether this actor may change the coordinator now (the same rule the change enforces)."""
    return rules.may_change_coordinator(actor.roles, gateway.involvement(actor, family),
                                        family.coordinator_id is not None)


def _target_and_reason(family: Family, data: dict) -> tuple[User, str, str | None]:
    command = parse(schemas.CoordinatorIn, data)
    if family.status == "uitgestroomd":
        raise ValidationError({"_": "Dit gezin is uitgestroomd."})
    target = db.session.get(User, command.user_id)
    reason = command.reason
    if target is not None and target.has_role("jeugdverpleegkundige") and reason is None:
        reason = "standaard"
    errors = _validate_assignment(family, target, reason, command.reason_text)
    if errors:
        raise ValidationError(errors)
    if family.coordinator_id == target.id:
        raise ValidationError({"user_id": f"{target.name} is al de coördinator."})
    return target, reason, command.reason_text


def assign_coordinator(actor, family_id: int, data: dict) -> CoordinatorAssignment:
    family, _ = gateway.load_for_write(actor, family_id)
    _require_may_assign(actor, family, gateway.involvement(actor, family))
    target, reason, reason_text = _target_and_reason(family, data)
    return _assign(actor, family, target, reason, reason_text, on_behalf_of_id=acting_substitute_for(actor, family))


# ------------------------------------------------------------------ proposals to change the coordinator

def propose_coordinator_change(actor, family_id: int, data: dict) -> CoordinatorProposal:
    """A kernteam member who may not change the coordinator proposes it; the planner and the
    coordinator (or substitute) are told and decide."""
    family, _ = gateway.load_for_write(actor, family_id)
    kinds = gateway.involvement(actor, family)
    if not rules.may_propose_coordinator(actor.roles, kinds):
        raise Forbidden("Alleen een professional uit het kernteam van dit gezin stelt een andere coördinator voor.",
                        audit={"action": "create", "user": actor, "object_type": "coordinator_proposal",
                               "family_pseudonym": family.pseudonym, "outcome": "denied",
                               "detail": "coordinator proposal refused: no care relationship"})
    if rules.may_change_coordinator(actor.roles, kinds, family.coordinator_id is not None):
        # not this action: the page offers the change itself (a 403, so the form is never shown to her)
        raise Forbidden("U mag de coördinator zelf wijzigen; een voorstel is niet nodig.")
    target, reason, reason_text = _target_and_reason(family, data)
    if db.session.scalar(select(func.count()).select_from(CoordinatorProposal).where(
            CoordinatorProposal.family_id == family.id, CoordinatorProposal.status == "open",
            CoordinatorProposal.proposed_user_id == target.id)):
        raise ValidationError({"user_id": f"Er staat al een voorstel open om {target.name} coördinator te maken."})
    row = CoordinatorProposal(family_id=family.id, proposed_user_id=target.id, proposed_by_id=actor.id,
                              reason=reason, reason_text=reason_text, status="open")
    db.session.add(row)
    db.session.flush()
    audit.record("create", user=actor, object_type="coordinator_proposal", object_id=row.id,
                 family_pseudonym=family.pseudonym, detail=f"proposes user {target.id} as coordinator ({reason})")
    deciders = set(db.session.scalars(select(UserRole.user_id).where(UserRole.role == "planner")))
    contact = contact_today(family)
    if contact["user"] is not None:
        deciders.add(contact["user"].id)
    deciders.discard(actor.id)
    notify(deciders, "coordinator", f"{actor.name} stelt voor dat {target.name} coördinator wordt van gezin "
                                    "{gezin}.", family_id=family.id)
    return row


def open_proposals(family_id: int) -> list[CoordinatorProposal]:
    return list(db.session.scalars(select(CoordinatorProposal).where(
        CoordinatorProposal.family_id == family_id, CoordinatorProposal.status == "open")
        .order_by(CoordinatorProposal.created_at)))


def decide_proposal(actor, proposal_id: int, accept: bool, *, family_id: int | None = None) -> CoordinatorProposal:
    row = db.session.get(CoordinatorProposal, proposal_id)
    if row is None or (family_id is not None and row.family_id != family_id):
        raise NotFound("Dit voorstel bestaat niet.")
    family, _ = gateway.load_for_write(actor, row.family_id)
    if row.status != "open":
        raise ValidationError({"_": "Over dit voorstel is al besloten."})
    _require_may_assign(actor, family, gateway.involvement(actor, family))
    if accept:
        target, reason, reason_text = _target_and_reason(family, {
            "user_id": row.proposed_user_id, "reason": row.reason, "reason_text": row.reason_text})
        _assign(actor, family, target, reason, reason_text, on_behalf_of_id=acting_substitute_for(actor, family))
    row.status = "aangenomen" if accept else "afgewezen"
    row.decided_by_id = actor.id
    row.decided_at = clock.now()
    audit.record("update", user=actor, object_type="coordinator_proposal", object_id=row.id,
                 family_pseudonym=family.pseudonym, detail=f"proposal {row.status}")
    if row.proposed_by_id != actor.id:
        verdict = "aangenomen" if accept else "afgewezen"
        notify([row.proposed_by_id], "coordinator", f"Uw voorstel voor de coördinatie van gezin {{gezin}} is {verdict}.",
               family_id=family.id)
    return row


def assign_default(actor, family: Family) -> CoordinatorAssignment | None:
    """At aanmelding: the registering jeugdverpleegkundige, else the proposed one (if the
    consent allows). Without a possible coordinator the family shows 'geen_aanspreekpunt'."""
    if actor.has_role("jeugdverpleegkundige") and coordinator_allowed(family, actor) \
            and absence_on(actor.id) is None:
        target = actor
    else:
        target = propose_coordinator(family)
    if target is None:
        return None
    return _assign(actor, family, target, "standaard", None)


def bulk_reassign(actor, data: dict) -> list[CoordinatorAssignment]:
    """Reassign several families at once (ReassignIn): all or nothing."""
    if not actor.has_role("planner", "jeugdverpleegkundige", "beheerder"):
        raise Forbidden("Alleen een planner of jeugdverpleegkundige verdeelt de caseload.")
    command = parse(schemas.ReassignIn, data)
    target = db.session.get(User, command.to_user_id) if command.to_user_id else None
    families, problems = [], {}
    for fid in dict.fromkeys(command.family_ids):
        family, _ = gateway.load_for_write(actor, fid)
        _require_may_assign(actor, family, gateway.involvement(actor, family))
        errors = _validate_assignment(family, target, command.reason, command.reason_text)
        if errors:
            problems[family.pseudonym] = next(iter(errors.values()))
        families.append(family)
    if problems:
        raise ValidationError({"family_ids": "; ".join(f"{p}: {m}" for p, m in problems.items())
                               + " Er is niets gewijzigd."})
    return [_assign(actor, f, target, command.reason, command.reason_text)
            for f in families if f.coordinator_id != target.id]


def history(family_id: int) -> list[CoordinatorAssignment]:
    return list(db.session.scalars(select(CoordinatorAssignment).where(CoordinatorAssignment.family_id == family_id)
                                   .order_by(CoordinatorAssignment.at, CoordinatorAssignment.id)))


# ------------------------------------------------------------------ core team

def may_keep_team(actor, family: Family) -> bool:
    """Adding someone to a family's core team gives them access (under consent): only the
    coordinator (or the acting substitute) and the registering organisation may do that."""
    return bool(actor.roles & COORDINATING_ACTORS) and (
        family.coordinator_id == actor.id or family.registering_organisation_id == actor.organisation_id
        or acting_substitute_for(actor, family) is not None)


def _require_team_keeper(actor, family: Family) -> None:
    if not may_keep_team(actor, family):
        raise Forbidden("Alleen de coördinator of de aanmeldende organisatie wijzigt het kernteam van dit gezin.",
                        audit={"action": "update", "user": actor, "object_type": "family", "object_id": family.id,
                               "family_pseudonym": family.pseudonym, "outcome": "denied",
                               "detail": "core team change refused"})


def core_team(family_id: int) -> list[CoreTeamMember]:
    return list(db.session.scalars(select(CoreTeamMember).where(CoreTeamMember.family_id == family_id,
                                                                CoreTeamMember.removed_at.is_(None))
                                   .order_by(CoreTeamMember.added_at)))


def add_core_member(actor, family_id: int, data: dict) -> CoreTeamMember:
    """A professional joins the family's core team (CoreTeamIn), by a keeper of the team."""
    family, _ = gateway.load_for_write(actor, family_id)
    _require_team_keeper(actor, family)
    command = parse(schemas.CoreTeamIn, data)
    member, case_role = db.session.get(User, command.user_id), command.case_role
    errors = {}
    if member is None or not member.is_active:
        errors["user_id"] = "Onbekende of inactieve gebruiker."
    elif member.roles <= {"projectleider", "privacy_officer", "beheerder"}:
        errors["user_id"] = f"{member.name} heeft geen rol in het kernteam."
    if not errors and any(m.user_id == member.id for m in core_team(family.id)):
        errors["user_id"] = f"{member.name} staat al in het kernteam van dit gezin."
    if errors:
        raise ValidationError(errors)
    row = CoreTeamMember(family_id=family.id, user_id=member.id, case_role=case_role, added_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 detail=f"core team + user {member.id} as {case_role}")
    return row


def remove_core_member(actor, family_id: int, member_id: int) -> None:
    family, _ = gateway.load_for_write(actor, family_id)
    _require_team_keeper(actor, family)
    row = db.session.get(CoreTeamMember, member_id)
    if row is None or row.family_id != family.id or row.removed_at is not None:
        raise NotFound("Dit kernteamlid bestaat niet.")
    row.removed_at = clock.now()
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 detail=f"core team - user {row.user_id}")


# ------------------------------------------------------------------ my families

MY_FAMILIES_PER_PAGE = 50


def supports_only(user) -> bool:
    """A role that is never a family's coordinator (the volunteer of informal support)."""
    return not user.roles & COORDINATING_ACTORS


def my_families(user, page: int = 1, per_page: int = MY_FAMILIES_PER_PAGE) \
        -> tuple[list[gateway.FamilySummary], list[str], Page]:
    """The active families this user coordinates (or stands in for today), and those that left
    with an outward handover still running, one page (newest first) with the true total, read through
    the gateway (each family shown logged, no other), with the handover signal and 'namens'; and whom
    the user stands in for. A user whose role never coordinates (a volunteer) gets the families in
    whose core team she is (supports_only)."""
    outward_open = select(Handover.family_id).where(Handover.direction == "uit", Handover.closed_at.is_(None))
    mine = my_family_ids_clause(user) if not supports_only(user) else Family.id.in_(
        select(CoreTeamMember.family_id).where(CoreTeamMember.user_id == user.id, CoreTeamMember.removed_at.is_(None)))
    stmt = (listed.family_select(gateway.visibility_clause(user), mine,
                                 or_(Family.status.in_(ACTIVE_STATUSES), Family.id.in_(outward_open)))
            .order_by(Family.created_at.desc(), Family.id.desc()))
    families, where = counted_page(stmt, page, per_page, load=listed.load_rows)
    summaries = gateway.summarise(user, families, access="web", detail="mijn gezinnen")
    by_id = {f.id: f for f in families}
    signals = open_signals([s.id for s in summaries] or [0])
    for s in summaries:
        s.extra["signal"] = signals.get(s.id)
        s.extra["namens"] = by_id[s.id].coordinator.name \
            if by_id[s.id].coordinator_id not in (user.id, None) and not supports_only(user) else None
    substituting = substituted_user_ids(user)
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(substituting or [0]))).all())
    return summaries, [names[i] for i in substituting], where


def caseload_families(user, coordinator_id: int) -> list[gateway.FamilySummary]:
    """The active families of one coordinator that this user may see (the caseload page's list)."""
    if not gateway.may_see_any_family(user):
        return []
    stmt = (listed.family_select(gateway.visibility_clause(user), Family.coordinator_id == coordinator_id,
                                 Family.status.in_(ACTIVE_STATUSES))
            .order_by(Family.created_at, Family.id))
    return gateway.summarise(user, listed.load_rows(stmt), access="web", detail="caseload")


def contact_for(family_id: int) -> dict:
    """contact_today() of a family by id (after a change, for the answer)."""
    return contact_today(db.session.get(Family, family_id))


# ------------------------------------------------------------------ caseload and team signals

@dataclass
class CaseloadRow:
    user: User
    active_families: int
    open_handovers: int
    open_actions: int
    signals: int
    absent: Absence | None


def caseload(day: date | None = None) -> list[CaseloadRow]:
    """Per coordinator: counts only, computed by the database."""

    day = day or clock.today()
    active = _active_case_counts()
    open_handovers = dict(db.session.execute(
        select(Family.coordinator_id, func.count()).join(Handover, Handover.family_id == Family.id)
        .where(Handover.closed_at.is_(None), Family.coordinator_id.is_not(None))
        .group_by(Family.coordinator_id)).all())
    limit_date = risk_limit(day, work_calendar(), risk_workdays())
    signals = dict(db.session.execute(
        select(Family.coordinator_id, func.count()).join(Handover, Handover.family_id == Family.id)
        .where(Handover.closed_at.is_(None), Family.coordinator_id.is_not(None), Handover.deadline < limit_date)
        .group_by(Family.coordinator_id)).all())
    actions = open_action_counts()
    holders = list(db.session.scalars(
        select(User).where(User.active.is_(True), or_(
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(CASEHOLDING_ROLES))),
            User.skj_registered.is_(True), User.id.in_(list(active)))).order_by(User.name)))
    absent = {a.user_id: a for a in db.session.scalars(select(Absence).where(_active_absence_clause(day)))}
    return [CaseloadRow(u, active.get(u.id, 0), open_handovers.get(u.id, 0), actions.get(u.id, 0),
                        signals.get(u.id, 0), absent.get(u.id)) for u in holders]


def coordinator_choices() -> list:
    """The people a list can be filtered on as coordinator (rows of id and name, no User instances: a
    region has hundreds): the same people as in caseload(), found per user through the coordinator
    index instead of counting every active family."""
    coordinates = select(Family.id).where(Family.coordinator_id == User.id,
                                          Family.status.in_(ACTIVE_STATUSES)).exists()
    return list(db.session.execute(select(User.id, User.name).where(User.active.is_(True), or_(
        User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(CASEHOLDING_ROLES))),
        User.skj_registered.is_(True), coordinates)).order_by(User.name)))


def open_action_counts() -> dict[int, int]:
    """Open MDO actions per owner."""
    return open_actions_per_owner()


def families_without_contact(day: date | None = None) -> dict[str, list[int]]:
    """Team signal `geen_aanspreekpunt`: active families without a coordinator, or whose
    coordinator is absent today without a substitute. Returns ids per cause."""
    day = day or clock.today()
    unassigned = list(db.session.scalars(select(Family.id).where(Family.status.in_(ACTIVE_STATUSES),
                                                                 Family.coordinator_id.is_(None))))
    uncovered_coordinators = select(Absence.user_id).where(_active_absence_clause(day),
                                                           Absence.substitute_id.is_(None))
    absent = list(db.session.scalars(select(Family.id).where(Family.status.in_(ACTIVE_STATUSES),
                                                             Family.coordinator_id.in_(uncovered_coordinators))))
    return {"geen_coordinator": unassigned, "coordinator_afwezig": absent}


def _no_contact_parts(day: date, poli_id: int | None):
    """The active families without a point of contact today, as two selects (id, pseudonym, cause,
    rank) each along the (coordinator, status) index: no coordinator, or one who is absent without a
    substitute (issue 21: an OR of the two scanned every active family)."""
    uncovered_coordinators = select(Absence.user_id).where(_active_absence_clause(day),
                                                           Absence.substitute_id.is_(None))
    scope = (Family.status.in_(ACTIVE_STATUSES), Family.poli_id == poli_id if poli_id else true())
    return (select(Family.id, Family.pseudonym, literal("geen_coordinator").label("cause"), literal(0).label("rank"))
            .where(*scope, Family.coordinator_id.is_(None)),
            select(Family.id, Family.pseudonym, literal("coordinator_afwezig"), literal(1))
            .where(*scope, Family.coordinator_id.in_(uncovered_coordinators)))


def families_without_contact_list(day: date | None = None, limit: int = 50) -> tuple[list[tuple[int, str, str]], int]:
    """The first `limit` of those families as (id, pseudonym, cause), and how many there are in all
    (one statement). Pseudonyms only: nothing is decrypted, so the list costs the same whatever its
    length."""
    both = union_all(*_no_contact_parts(day or clock.today(), None)).subquery()
    rows = db.session.execute(select(both.c.id, both.c.pseudonym, both.c.cause, func.count().over())
                              .order_by(both.c.rank, both.c.id).limit(limit)).all()
    return [(fid, pseudonym, why) for fid, pseudonym, why, _total in rows], (rows[0][3] if rows else 0)


def no_contact_count(day: date | None = None, poli_id: int | None = None) -> int:
    """How many active families (of one poli, or all) have no point of contact today (counted by
    the database)."""
    both = union_all(*_no_contact_parts(day or clock.today(), poli_id)).subquery()
    return db.session.scalar(select(func.count()).select_from(both)) or 0


def age_limit_due(user, day: date | None = None) -> gateway.DatedList:
    """My families whose youngest child reaches the age limit within the warning period, by that date.
    The birth dates are encrypted, so the database cannot select on them: fetch only them (one
    column) and find the few families near the limit; the gateway then loads the page of those and
    asks the policy (the date follows from the children's birth dates: only where NAW may be seen)."""
    day = day or clock.today()
    months = int(get_setting("age_limit_months"))
    warn = timedelta(weeks=int(get_setting("age_limit_warning_weeks")))
    youngest: dict[int, date] = {}
    for family_id, birth in db.session.execute(
            select(Child.family_id, Child.birth_date).join(Family, Family.id == Child.family_id)
            .where(my_family_ids_clause(user, day), Family.status.in_(ACTIVE_STATUSES), Child.sibling.is_(False))):
        if birth is not None and (family_id not in youngest or birth > youngest[family_id]):
            youngest[family_id] = birth
    limits = {fid: family_rules.add_months(birth, months) for fid, birth in youngest.items()}
    return gateway.DatedList({fid: at for fid, at in limits.items() if at - warn <= day}, "naw", "age limit signal")


def age_limit_signals(user, day: date | None = None, *, offset: int = 0,
                      limit: int | None = None) -> tuple[list[tuple[gateway.FamilySummary, date]], int]:
    """The page (``offset``, ``limit``; None: all) of age_limit_due() by date, and the true total."""
    return gateway.read_dated(user, age_limit_due(user, day), offset=offset, limit=limit)


def birth_overdue_due(user, day: date | None = None) -> gateway.DatedList:
    """Signal geboorte_niet_vastgelegd: my families whose expected due date is more than two weeks
    past without a recorded birth. The due date is encrypted: fetch only that column; the gateway
    loads the page of overdue ones and asks the policy (medical history)."""
    day = day or clock.today()
    due = {fid: d for fid, d in db.session.execute(
        select(Family.id, Family.expected_due_date).where(my_family_ids_clause(user, day),
                                                          Family.status.in_(ACTIVE_STATUSES)))
           if family_rules.birth_overdue(d, day)}
    return gateway.DatedList(due, "medische_voorgeschiedenis", "birth overdue signal")


def birth_overdue_signals(user, day: date | None = None, *, offset: int = 0,
                          limit: int | None = None) -> tuple[list[tuple[gateway.FamilySummary, date]], int]:
    """The page of birth_overdue_due() by date, and the true total."""
    return gateway.read_dated(user, birth_overdue_due(user, day), offset=offset, limit=limit)


def digest_lines(user) -> list[str]:
    lines = [f"- {family.pseudonym}: jongste kind bereikt de leeftijdsgrens op {limit.strftime('%d-%m-%Y')}"
             for family, limit in age_limit_signals(user)[0]]
    lines += [f"- {family.pseudonym}: uitgerekend op {due.strftime('%d-%m-%Y')}, geboorte nog niet vastgelegd"
              for family, due in birth_overdue_signals(user)[0]]
    lines += [f"- {action.pseudonym}: MDO-actie over de datum (uiterlijk {action.due_date.strftime('%d-%m-%Y')})"
              for action in overdue_actions(user)]
    lines += [f"- {family.pseudonym}: evaluatiedatum gezinsplan verlopen ({day.strftime('%d-%m-%Y')})"
              for family, day in plan_evaluation_signals(user)[0]]
    if user.has_role("planner"):
        count = no_contact_count()
        if count:
            lines.append(f"- {count} gezin(nen) zonder aanspreekpunt (geen coördinator of afwezig zonder vervanger)")
    return lines


# ------------------------------------------------------------------ exit

def _require_may_exit(actor, family: Family) -> None:
    if not rules.may_exit(actor.roles, gateway.involvement(actor, family)):
        raise Forbidden("Alleen de coördinator (of diens vervanger) of de aanmeldende organisatie laat een gezin "
                        "uitstromen.", audit={"action": "update", "user": actor, "object_type": "family",
                                              "object_id": family.id, "family_pseudonym": family.pseudonym,
                                              "outcome": "denied", "detail": "exit refused"})


def exit_family(actor, family_id: int, data: dict) -> Family:
    """parse -> authorise -> rules (exit, open actions, the state machine) -> apply -> audit.
    Every open MDO action gets a decision (afsluiten / overdragen / openhouden met reden) and its
    owner is told; the old confirm_open_actions flag keeps undecided actions open, as before."""
    _require_may_exit(actor, gateway.load_for_write(actor, family_id)[0])   # 403 before any field error
    command = parse(schemas.ExitIn, data)
    problems = rules.exit_problems(command.reason, command.target, command.target_name)
    if problems:
        raise ValidationError(problems)
    family, _ = gateway.load_for_write(actor, family_id,
                                       needs=("verwijzingen",) if command.note or command.target_name else ())
    _require_may_exit(actor, family)
    try:
        family_rules.transition(family.status, "uitstroom")   # refused before anything changes
    except family_rules.TransitionRefused as exc:
        raise ValidationError({"_": str(exc)}) from None
    decisions = [(a.id, a.decision, a.owner_id, a.reason) for a in command.actions]
    problems = rules.action_decision_problems([a.id for a in open_actions_of_family(family.id)], decisions,
                                              legacy_confirm=command.confirm_open_actions)
    if problems.get("actions") and not command.actions:   # the old clients' field keeps its name
        problems = {"confirm_open_actions": problems.pop("actions"), **problems}
    problems = problems or check_new_owners(family, decisions)
    if problems:
        raise ValidationError(problems)
    on_behalf = acting_substitute_for(actor, family)
    inward = handover.open_inward(family.id)
    if inward is not None:
        handover.apply_event(actor, inward, handover.EventInput("geannuleerd", None, "Gezin uitgestroomd.", None, None),
                             on_behalf_of_id=on_behalf)
    family.status = family_rules.transition(family.status, "uitstroom")
    record_exit(actor, family, command.reason, command.target, command.target_name, command.note,
                on_behalf_of_id=on_behalf)
    resolve_open_actions(actor, family, decisions, keep_undecided=command.confirm_open_actions,
                         on_behalf_of_id=on_behalf)
    return family


def record_exit(actor, family: Family, reason: str, target: str | None, target_name: str | None,
                note: str | None, *, on_behalf_of_id: int | None = None) -> None:
    """The exit as the figures count it (reason, date, target) and the outward warm handover; also
    for the ways out through the intake (doorverwezen, geen hulp gewenst, niet in doelgroep)."""
    family.exit_reason = reason
    family.exit_target = target
    family.exited_at = clock.now()
    family.exited_on = clock.local_date(family.exited_at)
    if target:
        handover.start_outward(actor, family, target, target_name, note, on_behalf_of_id=on_behalf_of_id)
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 on_behalf_of_id=on_behalf_of_id,
                 detail=f"exit: {reason}" + (f", handover to {target}" if target else ""))


# ------------------------------------------------------------------ knelpunten

def raise_knelpunt(actor, data: dict) -> Knelpunt:
    if isinstance(data, dict) and data.get("family_id") not in (None, ""):
        gateway.load_for_write(actor, as_id(data["family_id"]) or 0)   # 404 before any field error
    command = parse(schemas.KnelpuntIn, data)
    family_id = None
    if command.family_id is not None:
        family, _ = gateway.load_for_write(actor, command.family_id)
        family_id = family.id
    row = Knelpunt(family_id=family_id, kind=command.kind, description=command.description, raised_by_id=actor.id,
                   status="open")
    db.session.add(row)
    db.session.flush()
    audit.record("create", user=actor, object_type="knelpunt", object_id=row.id)
    leads = db.session.scalars(select(UserRole.user_id).where(UserRole.role == "projectleider"))
    notify(list(leads), "knelpunt", f"Nieuw knelpunt ({KNELPUNT_KINDS[command.kind].lower()}).")
    return row


def update_knelpunt(actor, knelpunt_id: int, data: dict) -> Knelpunt:
    if not actor.has_role("projectleider"):
        raise Forbidden("Alleen de projectleider behandelt knelpunten.")
    row = db.session.get(Knelpunt, knelpunt_id)
    if row is None:
        raise NotFound("Dit knelpunt bestaat niet.")
    command = parse(schemas.KnelpuntUpdateIn, data)
    if command.assigned_to_id is not None:
        if db.session.get(User, command.assigned_to_id) is None:
            raise ValidationError({"assigned_to_id": "Onbekende gebruiker."})
        row.assigned_to_id = command.assigned_to_id
    if command.status == "gesloten" and not (command.resolution or row.resolution):
        raise ValidationError({"resolution": "Beschrijf hoe het knelpunt is opgelost of waarom het gesloten wordt."})
    row.status = command.status
    if command.resolution:
        row.resolution = command.resolution
    row.closed_at = clock.now() if command.status == "gesloten" else None
    audit.record("update", user=actor, object_type="knelpunt", object_id=row.id, detail=f"status {command.status}")
    return row


def knelpunten(actor, *, status: str | None = None) -> list[Knelpunt]:
    stmt = select(Knelpunt).order_by(Knelpunt.raised_at.desc())
    if not actor.has_role("projectleider"):
        stmt = stmt.where(Knelpunt.raised_by_id == actor.id)
    if status:
        stmt = stmt.where(Knelpunt.status == status)
    return list(db.session.scalars(stmt.limit(500)))
