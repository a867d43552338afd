"""Aanmelding, target-group check, intake and the family record: rules and transactions.

Input arrives as the API's JSON shape (the HTML form is converted to it), is validated as a
whole (every error named by its field, e.g. `parents[0].bsn`), and only then written:
nothing is stored half.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import false, func, select, union
from sqlalchemy.orm.exc import StaleDataError

from igp import clock
from igp.admin.models import Poli
from igp.admin.services import area_problems, find_poli, get_setting
from igp.audit import services as audit
from igp.auth import services as auth_services
from igp.auth.models import User
from igp.coordination import rules as coordination_rules
from igp.coordination.services import assign_default, record_exit
from igp.crypto import bsn_index, name_birth_index
from igp.errors import Conflict, Forbidden, ValidationError
from igp.extensions import db
from igp.families import codes, outcomes, rules, search_index
from igp.families.models import (
    Child,
    Family,
    FamilyNote,
    Intake,
    IntakeParticipant,
    Parent,
    Referral,
)
from igp.families.schemas import AanmeldingIn, FamilyUpdateIn, IntakeIn, NoteIn, SearchIn
from igp.handover import rules as handover_rules
from igp.handover import services as handover_services
from igp.handover.services import intake_changed, open_inward, start_for_referral
from igp.ids import as_id
from igp.pagination import MAX_PAGE, Page, counted_page
from igp.sharing import gateway, listed
from igp.sharing.involvement import acting_substitute_for
from igp.sharing.services import record_preset
from igp.validation import parse

REGISTERING_ROLES = rules.REGISTERING_ROLES
INTAKE_ROLES = REGISTERING_ROLES


# ------------------------------------------------------------------ the parsed aanmelding

@dataclass
class ParentInput:
    name: str
    birth_date: date | None = None
    bsn: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    preferred_language: str | None = None
    interpreter_needed: bool = False
    relationship_type: str | None = None
    gezag: str | None = None
    contact_secret: bool = False


@dataclass
class ChildInput:
    name: str | None
    birth_date: date
    gestational_age_weeks: int | None = None
    gestational_age_days: int | None = None
    birth_weight_grams: int | None = None
    admission: str | None = None
    sibling: bool = False


@dataclass
class AanmeldingInput:
    poli: Poli
    phase: str
    referred_at: datetime
    referrer_type: str
    referrer_name: str | None
    referrer_organisation: str | None
    referrer_contact: str | None
    reason: str | None
    vulnerabilities: list[str]
    vulnerability_note: str | None
    medical_reasons: list[str]
    high_risk: bool
    non_primary: list[str]
    screening_instrument: str | None
    screening_result: str | None
    parents: list[ParentInput]
    expected_due_date: date | None
    children: list[ChildInput]
    support_question: str | None = None
    protective_factors: list[str] = field(default_factory=list)
    override_reason: str | None = None
    link_to_family_id: int | None = None
    confirm_new: bool = False
    extra: dict = field(default_factory=dict)


def age_limit_months() -> int:
    return int(get_setting("age_limit_months") or 24)


def criteria() -> rules.Criteria:
    return codes.criteria(age_limit_months())


def code_problems(parsed) -> dict[str, str]:
    """The codes of an aanmelding, checked against this IGP's active lists (a retired code is refused)."""
    problems: dict[str, str] = {}
    for kind in rules.CODE_LISTS:
        problems.update(codes.problems(kind, kind, getattr(parsed, kind)))
    return problems


def parse_aanmelding(data: dict) -> AanmeldingInput:
    """Validate the whole aanmelding (schema, then the rules that need today, the settings or the
    poli list); raise ValidationError naming every bad field."""
    try:
        parsed = parse(AanmeldingIn, data)
    except ValidationError as exc:  # report the poli too, so every bad field is named at once
        errors, parsed = dict(exc.errors), None
    else:
        errors = rules.aanmelding_problems(parsed, now=clock.now(), today=clock.today(),
                                           age_limit_months=age_limit_months())
        errors.update(code_problems(parsed))
        errors.update(area_problems(parsed.gemeente, parsed.wijk))
    code = data.get("poli") if isinstance(data, dict) else None
    poli = find_poli(code) if isinstance(code, str) and code.strip() else None
    if not (isinstance(code, str) and code.strip()):
        errors.setdefault("poli", "Kies een poli.")
    elif poli is None or not poli.active:
        errors.setdefault("poli", f"Onbekende poli '{code}'.")
    if errors:
        raise ValidationError(errors)
    referrer, screening = parsed.referrer, parsed.screening
    override = parsed.target_group_override
    return AanmeldingInput(
        poli=poli, phase=parsed.phase, referred_at=parsed.referred_at or clock.now(), referrer_type=referrer.type,
        referrer_name=referrer.name, referrer_organisation=referrer.organisation, referrer_contact=referrer.contact,
        reason=parsed.reason, vulnerabilities=parsed.vulnerabilities, vulnerability_note=parsed.vulnerability_note,
        medical_reasons=parsed.medical_reasons, high_risk=parsed.high_risk, non_primary=parsed.non_primary,
        screening_instrument=screening.instrument if screening else None,
        screening_result=screening.result if screening else None,
        parents=[ParentInput(**p.model_dump()) for p in parsed.parents or []],
        expected_due_date=parsed.expected_due_date,
        children=[ChildInput(**c.model_dump()) for c in parsed.children or []],
        support_question=parsed.support_question, protective_factors=parsed.protective_factors,
        override_reason=override.reason if override else None,
        link_to_family_id=parsed.link_to_family_id, confirm_new=parsed.confirm_new,
        extra={"consent": parsed.consent.model_dump() if parsed.consent else None,
               "area": (parsed.gemeente, parsed.wijk)},
    )


def check_target_group(data: AanmeldingInput) -> rules.TargetGroupResult:
    case = rules.TargetGroupCase(
        phase=data.phase, vulnerabilities=frozenset(data.vulnerabilities),
        medical_reasons=frozenset(data.medical_reasons), high_risk=data.high_risk,
        reference_date=clock.local_date(data.referred_at), expected_due_date=data.expected_due_date,
        child_birth_dates=rules.index_birth_dates(data.children), non_primary=frozenset(data.non_primary),
        second_line_care=bool(data.poli.second_line), protective_factors=frozenset(data.protective_factors),
    )
    return rules.check_target_group(case, criteria())


# ------------------------------------------------------------------ duplicates

@dataclass
class Duplicate:
    family_id: int
    pseudonym: str
    visible: bool
    organisation: str
    match: str  # "bsn" | "naam_geboortedatum"


def find_duplicates(user, data: AanmeldingInput) -> list[Duplicate]:
    """Families already known with a parent's BSN or name + birth date (or a child's), among
    those whose NAW this user may see (they are named, to link to). A match the user may not see
    is never revealed, in the answer nor in the work done: `flask --app igp duplicates scan` finds
    it afterwards and queues it for the data holder."""
    bsn_keys = [bsn_index(p.bsn) for p in data.parents if p.bsn]
    name_keys = [name_birth_index(p.name, p.birth_date) for p in data.parents if p.name and p.birth_date]
    name_keys += [name_birth_index(c.name, c.birth_date) for c in data.children if c.name and c.birth_date]
    if not bsn_keys and not name_keys:
        return []
    found = gateway.identity_matches(user, bsn_keys, name_keys)
    families = db.session.scalars(select(Family).where(Family.id.in_(list(found) or [0]))).all()
    duplicates = [Duplicate(f.id, f.pseudonym, True, f.registering_organisation.name, found[f.id]) for f in families]
    audit.record("search", user=user, object_type="family", detail=f"duplicate check: {len(duplicates)} shown",
                 family_pseudonym=duplicates[0].pseudonym if len(duplicates) == 1 else None)
    return sorted(duplicates, key=lambda d: d.family_id)


class DuplicateFound(Conflict):
    """Only families whose NAW the user may see are named (find_duplicates)."""

    code = "duplicate"

    def __init__(self, duplicates: list[Duplicate]):
        super().__init__(f"Dit gezin lijkt al aangemeld te zijn ({', '.join(d.pseudonym for d in duplicates)}). "
                         "Koppel de aanmelding aan het bestaande gezin of bevestig dat het om een ander gezin gaat.")
        self.duplicates = duplicates


# ------------------------------------------------------------------ registering

PSEUDONYM_CANDIDATES = 5


def _new_pseudonym() -> str:
    """A free pseudonym. Several candidates are checked in one statement, so an aanmelding makes the
    same statements however full the pseudonym space is (at 100,000 families 1 candidate in 240 is
    taken; one at a time, 1 aanmelding in 240 made a statement more)."""
    for _ in range(4):
        candidates = list(dict.fromkeys(rules.new_pseudonym() for _ in range(PSEUDONYM_CANDIDATES)))
        taken = set(db.session.scalars(select(Family.pseudonym).where(Family.pseudonym.in_(candidates))))
        free = [c for c in candidates if c not in taken]
        if free:
            return free[0]
    raise RuntimeError("could not find a free pseudonym")


def _require_registering_role(user) -> None:
    if not user.roles & REGISTERING_ROLES:
        raise Forbidden("Uw rol mag geen gezinnen aanmelden.", audit={
            "action": "create", "user": user, "object_type": "family", "outcome": "denied",
            "detail": "role may not register families"})


def _add_referral(family: Family, data: AanmeldingInput, user) -> Referral:
    referral = Referral(
        family=family, received_at=data.referred_at, received_on=clock.local_date(data.referred_at),
        referrer_type=data.referrer_type,
        referrer_name=data.referrer_name, referrer_organisation=data.referrer_organisation,
        referrer_contact=data.referrer_contact, reason=data.reason, vulnerabilities=data.vulnerabilities,
        vulnerability_note=data.vulnerability_note, medical_reasons=data.medical_reasons, high_risk=data.high_risk,
        non_primary=data.non_primary, protective_factors=data.protective_factors,
        screening_instrument=data.screening_instrument,
        screening_result=data.screening_result, created_by_id=user.id,
    )
    db.session.add(referral)
    return referral


@dataclass
class RegistrationResult:
    family: Family
    referral: Referral
    target_group: rules.TargetGroupResult
    linked: bool = False


def register_family(user, data: AanmeldingInput) -> RegistrationResult:
    """Create a family with its first aanmelding, or add the aanmelding to a duplicate."""
    _require_registering_role(user)
    result = check_target_group(data)
    duplicates = find_duplicates(user, data)
    if data.link_to_family_id is not None:
        return _link(user, _chosen_duplicate(user, data, duplicates), data, result)
    if duplicates and not data.confirm_new:
        raise DuplicateFound(duplicates)
    if duplicates and data.confirm_new and any(d.match == "bsn" for d in duplicates):
        raise ValidationError({"parents[0].bsn": "Er bestaat al een gezin met dit BSN: koppel de aanmelding "
                                                 "aan dat gezin (of laat de planner dat doen) in plaats van een "
                                                 "nieuw gezin te maken."})
    family = _new_family(user, data, result)
    db.session.add(family)
    referral = _add_referral(family, data, user)
    outcomes.note_births(family)
    search_index.reindex(family)
    audit.record("create", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=["naw", "verwijzingen", "ontwikkeling_risicos", "medische_voorgeschiedenis"],
                 detail="aanmelding" + ("; target group overridden" if family.target_override else ""))
    after_referral(user, family, referral)
    return RegistrationResult(family, referral, result)


def _chosen_duplicate(user, data: AanmeldingInput, duplicates: list[Duplicate]) -> Duplicate:
    match = next((d for d in duplicates if d.family_id == data.link_to_family_id), None)
    if match is None:
        audit.record("update", user=user, object_type="family", object_id=data.link_to_family_id,
                     outcome="denied", detail="link to a family that is not a visible duplicate refused")
        raise ValidationError({"link_to_family_id": "U kunt alleen koppelen aan een gezin dat als mogelijk "
                                                    "dubbel is gevonden."})
    return match


def _new_family(user, data: AanmeldingInput, result: rules.TargetGroupResult) -> Family:
    eligible = result.eligible
    family = Family(
        pseudonym=_new_pseudonym(), poli_id=data.poli.id, phase=data.phase,
        status=rules.status_at_aanmelding(eligible, bool(data.override_reason)),
        registering_organisation_id=user.organisation_id, created_by_id=user.id,
        expected_due_date=data.expected_due_date, target_eligible=eligible, target_result=result.as_dict(),
        support_question=data.support_question,
    )
    family.gemeente, family.wijk = data.extra.get("area") or (None, None)
    if data.override_reason and not eligible:
        family.target_override = True
        family.target_override_reason = data.override_reason
        family.target_override_by_id = user.id
        family.target_override_at = clock.now()
    for i, p in enumerate(data.parents, start=1):
        family.parents.append(Parent(
            position=i, name=p.name, birth_date=p.birth_date, bsn=p.bsn,
            bsn_index=bsn_index(p.bsn) if p.bsn else None,
            name_birth_index=name_birth_index(p.name, p.birth_date) if p.birth_date else None,
            phone=p.phone, address=p.address, postcode=p.postcode, city=p.city,
            preferred_language=p.preferred_language, interpreter_needed=p.interpreter_needed,
            relationship_type=p.relationship_type, gezag=p.gezag, contact_secret=p.contact_secret,
        ))
    for i, c in enumerate(data.children, start=1):
        family.children.append(Child(
            position=i, name=c.name, birth_date=c.birth_date,
            name_birth_index=name_birth_index(c.name, c.birth_date) if c.name else None,
            gestational_age_weeks=c.gestational_age_weeks, gestational_age_days=c.gestational_age_days,
            birth_weight_grams=c.birth_weight_grams, admission=c.admission, sibling=c.sibling,
        ))
    return family


def _link(user, match: Duplicate, data: AanmeldingInput, result: rules.TargetGroupResult) -> RegistrationResult:
    family = db.session.get(Family, match.family_id)
    referral = _add_referral(family, data, user)
    if family.status in ("uitgestroomd", "niet_in_doelgroep") and (result.eligible or data.override_reason):
        family.status = rules.transition(family.status, "heraanmelding")
        family.target_eligible = result.eligible
        family.target_result = result.as_dict()
    db.session.flush()
    audit.record("update", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 detail=f"aanmelding linked to existing family (match: {match.match})")
    after_referral(user, family, referral)
    return RegistrationResult(family, referral, result, linked=True)


def aanmelden(user, data: dict) -> RegistrationResult:
    """The whole aanmelding as the form and the API do it: validate everything, register (or
    link to a duplicate), record the parents' consent from a preset when given, and give the
    family its default coordinator. One transaction; any refusal leaves nothing behind."""
    parsed = parse_aanmelding(data)
    consent_choice = parsed.extra.get("consent")
    result = register_family(user, parsed)
    if consent_choice and not result.linked:
        given = consent_choice.get("given_at")
        record_preset(user, result.family.id, consent_choice["preset"], method=consent_choice["method"],
                      given_at=given.isoformat() if given else None, form_version=consent_choice.get("form_version"))
    if not result.linked and result.family.coordinator_id is None and result.family.status != "niet_in_doelgroep":
        assign_default(user, result.family)
    return result


def record_handover_step(user, family_id: int, data: dict):
    """A step of the warm handover (the API and the family page). The inward intake steps are
    the intake itself: they go through the intake record, which moves the handover along."""
    gateway.load_for_write(user, family_id)  # not involved: the family does not exist (404)
    step = handover_services.parse_event(data)
    current = handover_services.current_handover(family_id)
    if current is None or current.direction != "in" or step.type not in ("intake_gepland", "intake_gehouden"):
        return handover_services.record_event(user, family_id, step)
    if step.type == "intake_gehouden":
        # validate the step first so a refusal leaves everything unchanged
        check = handover_rules.transition_error(current.status, "intake_gehouden", has_explicit_at=step.at is not None)
        if check:
            raise ValidationError({"type": check})
        intake_data = {"held_at": (step.at or clock.now()).isoformat(), "missed_reason": step.reason,
                       "missed_text": step.note}
    elif step.planned_at is None:
        return handover_services.record_event(user, family_id, step)
    else:
        intake_data = {"planned_at": step.planned_at.isoformat()}
    family = db.session.get(Family, family_id)
    try:
        plan_or_record_intake(user, family_id, intake_data, on_behalf_of_id=acting_substitute_for(user, family))
    except ValidationError as exc:  # name the fields as this endpoint calls them
        names = {"missed_reason": "reason", "missed_text": "note", "held_at": "at"}
        raise ValidationError({names.get(k, k): v for k, v in exc.errors.items()}) from exc
    return current.events[-1]


def after_referral(user, family: Family, referral: Referral) -> None:
    """Hook for what follows an aanmelding (the warm handover starts here)."""
    start_for_referral(user, family, referral)


# ------------------------------------------------------------------ family record changes

def override_target_group(user, family_id: int, reason: str) -> Family:
    family, _ = gateway.load_for_write(user, family_id, needs=("ontwikkeling_risicos",))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Licht de afwijking van de doelgroep toe (minstens 10 tekens)."})
    if family.target_eligible:
        raise ValidationError({"reason": "Dit gezin valt al binnen de doelgroep."})
    family.target_override = True
    family.target_override_reason = reason
    family.target_override_by_id = user.id
    family.target_override_at = clock.now()
    family.status = rules.transition(family.status, "doelgroep_afwijking")
    audit.record("update", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 detail="target group overridden")
    return family


def add_note(user, family_id: int, category: str, text: str, *, emergency: bool = False) -> FamilyNote:
    """A note in one data category. ``emergency``: a noodnotitie under an open break-the-glass,
    the one write emergency access allows (in a category it opened); it is linked to that
    break-the-glass for the privacy officer's review."""
    _, seen = gateway.load_for_write(user, family_id)
    if not user.roles & REGISTERING_ROLES:   # the action itself first: 403 before any field error
        raise Forbidden("Uw rol mag geen aantekeningen maken.")
    if not emergency and not rules.note_categories(user.roles, seen.may_write):   # the rule that shows the form
        glass_only = any(c in seen.by_break_glass for c in rules.NOTE_CATEGORIES)
        raise Forbidden("Noodtoegang geeft alleen inzage; schrijf zo nodig een noodnotitie." if glass_only else
                        "U mag bij dit gezin in geen enkele categorie een aantekening maken.")
    if emergency and (seen.break_glass_id is None or not seen.by_break_glass):
        raise Forbidden("Een noodnotitie hoort bij een open noodtoegang; u hebt geen open noodtoegang bij dit gezin.")
    command = parse(NoteIn, {"category": category, "text": text.strip() if isinstance(text, str) else text})
    category, text = command.category, command.text
    if emergency:
        family, decision = gateway.load_for_write(user, family_id)
        if category not in decision.by_break_glass or decision.break_glass_id is None:
            raise ValidationError({"category": "Een noodnotitie hoort bij een open noodtoegang, in een categorie die "
                                               "alleen door die noodtoegang zichtbaar is."})
        glass_id = decision.break_glass_id
    else:
        family, decision = gateway.load_for_write(user, family_id, needs=(category,))
        glass_id = None
    note = FamilyNote(family_id=family.id, category=category, text=text, author_id=user.id, break_glass_id=glass_id)
    db.session.add(note)
    db.session.flush()
    audit.record("create", user=user, object_type="family_note", object_id=note.id, family_pseudonym=family.pseudonym,
                 shown=[category], detail=f"emergency note under break-the-glass #{glass_id}" if glass_id else None)
    return note


# ------------------------------------------------------------------ intake

INTAKE_FIELDS = ("type", "location", "planned_at", "held_at", "participants", "report", "outcome", "plan")
MISSED_FIELDS = ("missed_reason", "missed_text")


def plan_or_record_intake(user, family_id: int, data: dict, *, on_behalf_of_id: int | None = None) -> Intake:
    """Plan an intake, or record it (held_at, report, outcome): parse -> authorise -> rules ->
    apply -> audit -> the handover hears of it. Updates the open intake of the family when there
    is one, else starts a new one."""
    gateway.load_for_write(user, family_id)  # not involved: the family does not exist (404), whatever was sent
    if isinstance(data, dict) and not user.roles & INTAKE_ROLES:
        raise Forbidden("Uw rol mag geen intakes plannen of vastleggen.")
    command = parse(IntakeIn, data)
    needs = _intake_needs(command)
    family, _ = gateway.load_for_write(user, family_id, needs=needs)
    participants, unknown = auth_services.active_users_by_id(command.participants)
    problems = rules.intake_problems(
        planned_at=command.planned_at, held_at=command.held_at, outcome=command.outcome,
        anything_given=bool(command.model_dump(include=set(INTAKE_FIELDS), exclude_defaults=True)),
        now=clock.now(), first_referral=min((r.received_at for r in family.referrals), default=family.created_at),
        held_intake_waiting=_open_intake(family, held=True) is not None, status=family.status)
    if unknown:
        problems["participants"] = f"Onbekende of inactieve gebruiker {unknown[0]}."
    handover = open_inward(family.id) if command.held_at and "held_at" not in problems else None
    if handover is not None:
        problems.update(rules.missed_term_problems(
            held_day=clock.local_date(command.held_at), deadline=handover.deadline,
            missed_reason=command.missed_reason, missed_text=command.missed_text))
    problems.update(_intake_exit_problems(command))
    if problems:
        raise ValidationError(problems)
    status_before = family.status
    intake, created, before = _apply_intake(user, family, command, participants)
    audit.record("create" if created else "update", user=user, object_type="intake", object_id=intake.id,
                 family_pseudonym=family.pseudonym, shown=needs or None, on_behalf_of_id=on_behalf_of_id,
                 detail="intake " + ("held" if intake.held_at else "planned" if intake.planned_at else "updated"))
    _tell_the_handover(user, family, intake, command, before, on_behalf_of_id)
    if command.outcome in coordination_rules.INTAKE_EXIT_REASONS and status_before in rules.IN_CARE:
        # a way out through the intake is an exit: reason, date, target (and the outward handover)
        record_exit(user, family, coordination_rules.INTAKE_EXIT_REASONS[command.outcome], command.exit_target,
                    command.exit_target_name, None, on_behalf_of_id=on_behalf_of_id)
    return intake


def _intake_exit_problems(command: IntakeIn) -> dict[str, str]:
    """Doorverwezen names to whom (exit_target; 'anders' with a name), as an exit does."""
    if command.outcome not in coordination_rules.INTAKE_EXIT_REASONS:
        return {}
    found = coordination_rules.exit_problems(coordination_rules.INTAKE_EXIT_REASONS[command.outcome],
                                             command.exit_target, command.exit_target_name)
    return {"exit_" + key: message.replace("warm wordt overgedragen", "wordt doorverwezen")
            for key, message in found.items()}


def _intake_needs(command: IntakeIn) -> list[str]:
    """The categories an intake writes: its report, its outcome and plan, and why the term was missed."""
    return [category for category, present in (("consultverslagen", command.report),
                                               ("zorgplan", command.outcome or command.plan),
                                               ("verwijzingen", command.missed_text)) if present]


def _apply_intake(user, family: Family, command: IntakeIn, participants: list[User]):
    intake = _open_intake(family) or (_open_intake(family, held=True)
                                      if command.outcome and not command.held_at else None)
    created = intake is None
    if created:
        intake = Intake(family_id=family.id, created_by_id=user.id)
        db.session.add(intake)
        family.intakes.append(intake)
    before = (intake.planned_at, intake.held_at)
    for attr, value in (("intake_type", command.type), ("location", command.location),
                        ("planned_at", command.planned_at), ("held_at", command.held_at), ("report", command.report),
                        ("outcome", command.outcome), ("plan", command.plan)):
        if value is not None:
            setattr(intake, attr, value)
    existing = {p.user_id for p in intake.participants}
    intake.participants.extend(IntakeParticipant(user_id=p.id) for p in participants if p.id not in existing)
    if intake.outcome:
        family.status = rules.transition(family.status, "intake_uitkomst", outcome=intake.outcome)
    elif intake.held_at or intake.planned_at:
        family.status = rules.transition(family.status, "intake_gepland")
    db.session.flush()
    return intake, created, before


def _tell_the_handover(user, family: Family, intake: Intake, command: IntakeIn, before, on_behalf_of_id) -> None:
    before_planned, before_held = before
    try:
        intake_changed(user, family, intake,
                       planned_now=command.planned_at is not None and before_planned != command.planned_at,
                       held_now=command.held_at is not None and before_held != command.held_at,
                       on_behalf_of_id=on_behalf_of_id, missed_reason=command.missed_reason,
                       missed_text=command.missed_text)
    except ValidationError as exc:
        # the handover refused (e.g. a missed term without a reason): name the intake's fields
        renamed = {("missed_reason" if k == "reason" else "missed_text" if k == "note" else
                    "held_at" if k == "at" else k): v for k, v in exc.errors.items()}
        raise ValidationError(renamed) from exc


def _open_intake(family: Family, held: bool = False) -> Intake | None:
    for intake in reversed(family.intakes):
        if held:
            if intake.held_at is not None and intake.outcome is None:
                return intake
        elif intake.held_at is None:
            return intake
    return None


# ------------------------------------------------------------------ lists and search

LIST_PAGE_SIZE = 50


LIST_SORTS = {"aangemeld": (Family.created_at.desc(), Family.id.desc()), "pseudoniem": (Family.pseudonym,),
              "status": (Family.status, Family.created_at.desc(), Family.id.desc()),
              "poli": (Family.poli_id, Family.created_at.desc(), Family.id.desc())}
LIST_COORDINATOR = {"mij": "Mijn gezinnen (coördinator)", "geen": "Zonder coördinator"}


def _list_problems(status, phase, poli, poli_obj, coordinator, signal, sort) -> dict[str, str]:
    return {field: message for field, bad, message in (
        ("status", status and status not in rules.STATUSES, "Onbekende status."),
        ("phase", phase and phase not in rules.PHASES, "Onbekende fase."),
        ("poli", poli and poli_obj is None, "Onbekende poli."),
        ("coordinator", coordinator and coordinator not in LIST_COORDINATOR, "Kies mijn gezinnen of zonder coördinator."),
        ("signal", signal and signal not in handover_rules.SIGNALS, "Onbekend signaal."),
        ("sort", sort and sort not in LIST_SORTS, "Onbekende sortering.")) if bad}


def list_families(user, *, poli: str | None = None, status: str | None = None, phase: str | None = None,
                  coordinator: str | None = None, signal: str | None = None, sort: str | None = None,
                  page: int = 1, access: str = "web") -> tuple[list[gateway.FamilySummary], Page]:
    """The families this user may see, filtered and sorted by the database, a page at a time with the
    true total (only the families shown are read and logged); each summary carries its coordinator's
    name (`extra["coordinator"]`)."""
    poli_obj = find_poli(poli) if poli else None
    errors = _list_problems(status, phase, poli, poli_obj, coordinator, signal, sort)
    if errors:
        raise ValidationError(errors)
    stmt = listed.family_select(gateway.visibility_clause(user))
    for active, clause in ((poli_obj, lambda: Family.poli_id == poli_obj.id), (status, lambda: Family.status == status),
                           (phase, lambda: Family.phase == phase),
                           (coordinator == "mij", lambda: Family.coordinator_id == user.id),
                           (coordinator == "geen", lambda: Family.coordinator_id.is_(None)),
                           (signal, lambda: Family.id.in_(handover_services.families_with_signal(signal)))):
        if active:
            stmt = stmt.where(clause())
    families, where = counted_page(stmt.order_by(*LIST_SORTS[sort or "aangemeld"]), min(max(1, page), MAX_PAGE),
                                   LIST_PAGE_SIZE, clamp=access == "web", load=listed.load_rows)
    # (clamp: the API pages past the end empty); the coordinator's name comes with each listed family
    return gateway.summarise(user, families, access=access), where


def show_search_results(user, family_ids: list, *, access: str = "web") -> list[gateway.FamilySummary]:
    """The families of an earlier search again (after its redirect), read anew through the
    gateway: only those the user may still see, each logged."""
    ids = [i for i in family_ids if isinstance(i, int)][:50]
    if not ids:
        return []
    stmt = listed.family_select(gateway.visibility_clause(user), Family.id.in_(ids)).order_by(Family.id)
    return gateway.summarise(user, listed.load_rows(stmt), access=access, detail="search result")


def search(user, data: dict, *, access: str = "web") -> list[gateway.FamilySummary]:
    """A search as the POST body states it: {"q"} (forgiving), {"bsn"}, {"name", "birth_date"} or
    {"pseudonym"}; a name without a birth date is searched forgivingly."""
    command = parse(SearchIn, data)
    if command.q or (command.name and not command.birth_date):
        return forgiving_search(user, command.q or command.name, access=access)
    return search_families(user, pseudonym=command.pseudonym, bsn=command.bsn, name=command.name,
                           birth_date=command.birth_date, access=access)


def forgiving_search(user, q: str, *, access: str = "web") -> list[gateway.FamilySummary]:
    """Surname, first name, the start of a name (at least 3 letters), a child's name, the start of a
    pseudonym ("cevpr") or a BSN, among the families this user may see: every word must match, the
    most whole-word matches first, at most rules.SEARCH_LIMIT. A match by name is shown only where
    the user may see the NAW (no oracle); a match by pseudonym as a pseudonym search is."""
    compact = (q or "").replace(" ", "")
    if compact.isdigit() and len(compact) in (8, 9):
        return search_families(user, bsn=compact, access=access)
    words, prefix = rules.query_words(q or ""), rules.pseudonym_prefix(q or "")
    if not words and not prefix:
        raise ValidationError({"q": "Typ ten minste 3 letters van een naam, het begin van een pseudoniem of een BSN."})
    visible = select(Family.id).where(gateway.visibility_clause(user))
    # the same statement whether or not the query can be the start of a pseudonym (a constant count)
    by_pseudonym = list(db.session.scalars(visible.where(Family.pseudonym.like(prefix + "%") if prefix else false())
                                           .order_by(Family.id.desc()).limit(rules.SEARCH_LIMIT)))
    # ranked and checked against what the user may see by the database; as many as can still be shown
    by_name = search_index.ranked_families(words, gateway.visibility_clause(user),
                                           rules.SEARCH_LIMIT + len(by_pseudonym)) if words else []
    found = _matches_in_order(user, by_pseudonym, [i for i in by_name if i not in set(by_pseudonym)], access)
    if not found:
        audit.record("search", user=user, object_type="family", detail=f"{access}: forgiving search: 0 found")
    return found


def _matches_in_order(user, by_pseudonym: list[int], by_name: list[int], access: str) -> list[gateway.FamilySummary]:
    """The pseudonym matches, then the name matches (only where the user may see the NAW), at most
    rules.SEARCH_LIMIT shown and logged: loaded and decided together, so the search runs the same
    statements whichever kind matched (issue 21: a constant count)."""
    by_pseudonym, by_name = by_pseudonym[:rules.SEARCH_LIMIT], by_name[:rules.SEARCH_LIMIT]
    families = gateway.load_listed(gateway.visibility_clause(user), ids=by_pseudonym + by_name)
    matches = [(families[i], "forgiving search by pseudonym prefix", None) for i in by_pseudonym if i in families]
    matches += [(families[i], "forgiving search by name", "naw") for i in by_name if i in families]
    return gateway.summarise_matches(user, matches, access=access, limit=rules.SEARCH_LIMIT, constant_cost=True)


def search_families(user, *, pseudonym: str | None = None, bsn: str | None = None, name: str | None = None,
                    birth_date: date | None = None, access: str = "web") -> list[gateway.FamilySummary]:
    """Exact search: pseudonym, BSN (blind index) or name + birth date (blind index)."""
    conditions = []
    kind = None
    if pseudonym:
        conditions.append(Family.pseudonym == pseudonym.strip().upper())
        kind = "pseudonym"
    elif bsn:
        if not gateway.may_search_bsn(user):
            raise ValidationError({"bsn": "Uw rol mag niet op BSN zoeken; zoek op naam en geboortedatum of op "
                                          "pseudoniem."})
        if not rules.bsn_is_valid(bsn):
            raise ValidationError({"bsn": "Dit BSN is ongeldig: het voldoet niet aan de elfproef."})
        key = bsn_index(bsn)
        conditions.append(Family.id.in_(select(Parent.family_id).where(Parent.bsn_index == key)))
        kind = "bsn"
    elif name or birth_date:
        if not (name and birth_date):
            raise ValidationError({"name" if not name else "birth_date":
                                   "Zoek op naam én geboortedatum samen."})
        key = name_birth_index(name, birth_date)
        # the ids first (two index lookups): an OR of two IN-subqueries made the database walk every family
        ids = list(db.session.scalars(union(select(Parent.family_id).where(Parent.name_birth_index == key),
                                            select(Child.family_id).where(Child.name_birth_index == key))))
        conditions.append(Family.id.in_(ids))
        kind = "naam_geboortedatum"
    else:
        raise ValidationError({"q": "Zoek op pseudoniem, BSN, of naam en geboortedatum."})
    # the same statements whether a family matched or not (gateway.load_listed)
    families = list(gateway.load_listed(gateway.visibility_clause(user), *conditions, limit=50).values())
    # by an identifying value, a family is a match only where the user may see its NAW (no oracle)
    require = None if kind == "pseudonym" else "naw"
    found = gateway.summarise_matches(user, [(family, f"search by {kind}", require) for family in families],
                                      access=access, constant_cost=True)
    if not found:
        audit.record("search", user=user, object_type="family", detail=f"{access}: search by {kind}: 0 found")
    return found


# ------------------------------------------------------------------ editing the record

def update_family(user, family_id: int, data: dict) -> Family:
    """Correct or complete NAW and pregnancy/child data (a move, a new phone number, the birth):
    parse -> authorise (the categories it changes) -> rules -> apply -> audit.

    Optimistic locking: `version` must be the version the user saw; a concurrent change gives
    a conflict, never a silent overwrite. Parents and children are updated by position (their
    ids stay, so consent records keep pointing at the right parent); new ones may be added."""
    gateway.load_for_write(user, family_id)
    if isinstance(data, dict) and not user.roles & REGISTERING_ROLES:
        raise Forbidden("Uw rol mag de gegevens van een gezin niet wijzigen.")
    try:
        command, invalid = parse(FamilyUpdateIn, data), None
    except ValidationError as exc:
        if "version" in exc.errors or not isinstance(data, dict):
            raise
        command, invalid = None, exc
    needs = _update_needs(data)
    if not needs:
        raise ValidationError({"_": "Geef ten minste één gegeven om te wijzigen."})
    family, _ = gateway.load_for_write(user, family_id, needs=needs)
    if family.version != as_id(data.get("version")):   # a stale page first: reload, then correct the fields
        raise Conflict("Iemand anders heeft dit gezin intussen gewijzigd. Laad de pagina opnieuw; uw wijziging is "
                       "niet opgeslagen.")
    if invalid is not None:
        raise invalid
    problems = rules.update_problems(command, sent=data, parents_now=len(family.parents),
                                     children_now=len(family.children), today=clock.today(),
                                     age_limit_months=age_limit_months())
    if problems:
        raise ValidationError(problems)
    if any("bsn" in p for p in _dicts(data.get("parents"))) and not gateway.may_see_bsn(user):
        raise ValidationError({"parents[0].bsn": "Uw rol mag het BSN niet vastleggen of wijzigen."})
    changed = _apply_update(family, command, data)
    family.updated_at = clock.now()  # bumps the version, also when only parents or children changed
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Iemand anders heeft dit gezin intussen gewijzigd. Laad de pagina opnieuw.") from None
    if "children" in changed:
        outcomes.note_births(family)
    if "children" in changed or "parents" in changed:
        search_index.reindex(family)
    audit.record("update", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=needs, detail="record corrected: " + ", ".join(sorted(set(changed)) or ["fields"]))
    return family


PARENT_FIELDS = ("name", "birth_date", "bsn", "phone", "address", "postcode", "city", "preferred_language",
                 "interpreter_needed", "relationship_type", "gezag", "contact_secret")
CHILD_FIELDS = ("name", "birth_date", "gestational_age_weeks", "gestational_age_days", "birth_weight_grams",
                "admission", "sibling")
MEDICAL_CHILD_FIELDS = ("gestational_age_weeks", "gestational_age_days", "birth_weight_grams", "admission")


def child_count(family_id: int) -> int:
    """How many children the record holds (a correction addresses them by position)."""
    return db.session.scalar(select(func.count()).select_from(Child).where(Child.family_id == family_id)) or 0


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _update_needs(data: dict) -> list[str]:
    """The categories a correction writes: NAW for people and the support question, the medical
    history for the pregnancy and the birth data."""
    needs = []
    if "parents" in data or "children" in data or "support_question" in data:
        needs.append("naw")
    if "expected_due_date" in data or "phase" in data or any(
            k in child for child in _dicts(data.get("children")) for k in MEDICAL_CHILD_FIELDS):
        needs.append("medische_voorgeschiedenis")
    return needs


def _apply_update(family: Family, command: FamilyUpdateIn, data: dict) -> list[str]:
    """Only the keys sent change: an omitted field keeps its value."""
    changed = []
    for i, (parent, given) in enumerate(zip(command.parents or [], data.get("parents") or [])):
        row = family.parents[i] if i < len(family.parents) else None
        if row is None:
            row = Parent(position=i + 1)
            family.parents.append(row)
        for key in PARENT_FIELDS:
            if key in given:
                setattr(row, key, getattr(parent, key))
        row.bsn_index = bsn_index(row.bsn) if row.bsn else None
        row.name_birth_index = name_birth_index(row.name, row.birth_date) if row.birth_date else None
        changed.append("parents")
    for i, (child, given) in enumerate(zip(command.children or [], data.get("children") or [])):
        row = family.children[i] if i < len(family.children) else None
        if row is None:
            row = Child(position=i + 1)
            family.children.append(row)
        for key in CHILD_FIELDS:
            if key in given:
                setattr(row, key, getattr(child, key))
        row.name_birth_index = name_birth_index(row.name, row.birth_date) if row.name and row.birth_date else None
        changed.append("children")
    if "phase" in data and command.phase:
        family.phase = command.phase
    if "expected_due_date" in data:
        family.expected_due_date = command.expected_due_date
    if "support_question" in data:
        family.support_question = command.support_question
    return changed
