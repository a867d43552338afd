"""Terugkoppeling that closes the loop: feedback to the referrer and the family after the aanmelding,
the warm handover, the intake, each MDO outcome and the exit, at family level (so also for a family
outside the target group, which has no handover); and 'Mijn aanmeldingen', the referrer's view of
the families she referred.

Who may record: the family's coordinator or acting substitute, or a care professional of the
registering organisation (rules.may_record_feedback). The note is free text about the referral's
course: it is shown, and may be written, only with the category ``verwijzingen`` (as the handover
notes). What the feedback was about, to whom, how, when and by whom is process information, shown
to everyone who may see the family.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import lazyload, selectinload

from igp import clock
from igp.audit import services as audit
from igp.auth.models import name_of
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.families.models import Family, Intake, Referral
from igp.handover import rules
from igp.handover import services as handover_services
from igp.handover.models import FamilyFeedback, Handover, HandoverFeedback
from igp.handover.schemas import FamilyFeedbackIn
from igp.mdo.models import AgendaItem, MdoOutcome
from igp.mdo.rules import OUTCOME_KINDS
from igp.sharing import gateway
from igp.sharing.involvement import acting_substitute_for
from igp.validation import parse

NOTE_CATEGORY = "verwijzingen"
CLOCK_SLACK = timedelta(minutes=5)
REFUSAL = "Alleen de coördinator, de vervanger of een zorgprofessional van de aanmeldende organisatie legt terugkoppeling vast."


@dataclass
class Event:
    """The event a feedback reports on."""

    at: datetime
    label: str                  # "de intake", for the message
    intake_id: int | None = None
    outcome_id: int | None = None
    handover: Handover | None = None


def _when(value: datetime) -> str:
    return clock.local(value).strftime("%d-%m-%Y %H:%M")


def _latest_referral(family: Family) -> Event:
    received = db.session.scalar(select(func.max(Referral.received_at)).where(Referral.family_id == family.id))
    if received is None:
        raise ValidationError({"about": "Dit gezin heeft geen aanmelding."})
    return Event(clock.as_utc(received), "de aanmelding")


def _handover(family: Family) -> Event:
    handover = handover_services.current_handover(family.id, "in")
    if handover is None:
        raise ValidationError({"about": "Dit gezin heeft geen warme overdracht: kies 'Uitkomst van de aanmelding'."})
    return Event(clock.as_utc(handover.started_at), "het begin van de warme overdracht", handover=handover)


def _intake(family: Family, intake_id: int | None) -> Event:
    stmt = select(Intake).where(Intake.family_id == family.id, Intake.held_at.is_not(None))
    if intake_id is not None:
        stmt = stmt.where(Intake.id == intake_id)
    intake = db.session.scalars(stmt.order_by(Intake.held_at.desc(), Intake.id.desc()).limit(1)).first()
    if intake is None:
        key = "intake_id" if intake_id is not None else "about"
        raise ValidationError({key: "Dit gezin heeft (nog) geen gehouden intake om over terug te koppelen."})
    # telling the referrer (or the family) the intake's outcome is also the warm handover's feedback
    return Event(clock.as_utc(intake.held_at), "de intake", intake_id=intake.id,
                 handover=handover_services.current_handover(family.id, "in"))


def _outcome(family: Family, outcome_id: int | None) -> Event:
    if outcome_id is None:
        raise ValidationError({"outcome_id": "Kies de uitkomst van het MDO waarover u terugkoppelt."})
    outcome = db.session.scalars(
        select(MdoOutcome).join(AgendaItem, AgendaItem.id == MdoOutcome.item_id)
        .where(MdoOutcome.id == outcome_id, AgendaItem.family_id == family.id)
        .options(selectinload(MdoOutcome.item).selectinload(AgendaItem.meeting))).first()
    if outcome is None:
        raise ValidationError({"outcome_id": "Deze uitkomst van het MDO hoort niet bij dit gezin."})
    return Event(clock.as_utc(outcome.item.meeting.starts_at), "het MDO", outcome_id=outcome.id)


def _exit(family: Family) -> Event:
    if family.exited_at is None:
        raise ValidationError({"about": "Dit gezin is niet uitgestroomd."})
    # feedback on the exit is also that of the warm handover outward, if the family left with one
    exited = clock.as_utc(family.exited_at)
    outward = handover_services.current_handover(family.id, "uit")
    if outward is not None and clock.as_utc(outward.started_at) < exited - CLOCK_SLACK:
        outward = None   # the handover of an earlier exit
    return Event(exited, "de uitstroom", handover=outward)


def event_of(family: Family, parsed: FamilyFeedbackIn) -> Event:
    if parsed.about == "aanmelding":
        return _latest_referral(family)
    if parsed.about == "overdracht":
        return _handover(family)
    if parsed.about == "intake":
        return _intake(family, parsed.intake_id)
    if parsed.about == "mdo_uitkomst":
        return _outcome(family, parsed.outcome_id)
    return _exit(family)


def may_record(user, family: Family) -> bool:
    """The same rule as record_feedback: the family page shows the form only then."""
    return rules.may_record_feedback(user.roles, gateway.involvement(user, family))


def _authorise(user, family_id: int) -> Family:
    family, _ = gateway.load_for_write(user, family_id)
    if not may_record(user, family):
        raise Forbidden(REFUSAL, audit={
            "action": "create", "user": user, "object_type": "family_feedback", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied", "detail": "feedback: refused"})
    return family


def record_feedback(user, family_id: int, data: dict) -> FamilyFeedback:
    """Record that the referrer or the family was told the outcome of an event (parse, authorise,
    the date rule, apply, audit). 422 naming ``at`` when it is dated before that event."""
    family = _authorise(user, family_id)
    parsed = parse(FamilyFeedbackIn, data)
    if parsed.note:
        gateway.load_for_write(user, family_id, needs=(NOTE_CATEGORY,))
    event = event_of(family, parsed)
    now = clock.now()
    at = clock.as_utc(parsed.at) if parsed.at else now
    problems = rules.family_feedback_problems(method=parsed.method, note=parsed.note, at=at, event_at=event.at,
                                              event_label=event.label, event_when=_when(event.at), now=now,
                                              slack=CLOCK_SLACK)
    if problems:
        raise ValidationError(problems)
    on_behalf_of = acting_substitute_for(user, family)
    row = FamilyFeedback(family_id=family.id, about=parsed.about, intake_id=event.intake_id,
                         outcome_id=event.outcome_id, handover_id=event.handover.id if event.handover else None,
                         recipient=parsed.recipient, method=parsed.method, at=at, event_at=event.at,
                         note=parsed.note, by_user_id=user.id, on_behalf_of_id=on_behalf_of, recorded_at=now)
    db.session.add(row)
    if event.handover is not None:
        handover_services.note_feedback(event.handover, parsed.recipient, parsed.method)
    db.session.flush()
    audit.record("create", user=user, object_type="family_feedback", object_id=row.id,
                 family_pseudonym=family.pseudonym, on_behalf_of_id=on_behalf_of,
                 detail=f"feedback about {parsed.about} to {parsed.recipient} by {parsed.method}")
    return row


# ------------------------------------------------------------------ reading

@dataclass
class FeedbackLine:
    """One terugkoppeling as a page or the API shows it (the note only with verwijzingen)."""

    id: int
    source: str                 # gezin (family-level) | overdracht (the handover's own feedback)
    about: str
    outcome_id: int | None
    event_at: datetime | None
    recipient: str
    method: str
    at: datetime
    by: str | None
    on_behalf_of: str | None
    note: str | None


def _family_line(row: FamilyFeedback, with_note: bool, names: tuple | None = None) -> FeedbackLine:
    """``names``: (by, on behalf of) when the caller read them with the row, else from its relations."""
    if names is None:
        names = (row.by_user.name if row.by_user else None, row.on_behalf_of.name if row.on_behalf_of else None)
    return FeedbackLine(row.id, "gezin", row.about, row.outcome_id, row.event_at, row.recipient, row.method, row.at,
                        *names, row.note if with_note else None)


def line_of(row: FamilyFeedback) -> FeedbackLine:
    """The record just written, for its writer (a note could only be written with verwijzingen)."""
    db.session.refresh(row)
    return _family_line(row, True)


@cache
def _feedback_statements():
    """Built once per process (issue 21); the families' ids are a bound parameter."""
    ids = bindparam("family_ids", expanding=True)
    family = (select(FamilyFeedback, name_of(FamilyFeedback.by_user_id), name_of(FamilyFeedback.on_behalf_of_id))
              .where(FamilyFeedback.family_id.in_(ids))
              .options(lazyload(FamilyFeedback.by_user), lazyload(FamilyFeedback.on_behalf_of)))
    handover = (select(Handover.family_id, HandoverFeedback, name_of(HandoverFeedback.by_user_id))
                .join(Handover, Handover.id == HandoverFeedback.handover_id)
                .where(Handover.family_id.in_(ids)).options(lazyload(HandoverFeedback.by_user)))
    return family, handover


def _family_rows(family_ids: list[int]):
    """(row, by name, on-behalf-of name): the names come with the row, not as joined users."""
    return list(db.session.execute(_feedback_statements()[0], {"family_ids": family_ids or [0]}).all())


def _handover_rows(family_ids: list[int]):
    """(family id, row, by name)."""
    return list(db.session.execute(_feedback_statements()[1], {"family_ids": family_ids or [0]}).all())


def lines_by_family(family_ids: list[int], notes_for: set[int]) -> dict[int, list[FeedbackLine]]:
    """The feedback of these families, oldest first; notes only for the ids in ``notes_for``
    (those whose verwijzingen the reader may see). Two queries for any number of families."""
    result: dict[int, list[FeedbackLine]] = {i: [] for i in family_ids}
    for row, by, on_behalf_of in _family_rows(family_ids):
        result[row.family_id].append(_family_line(row, row.family_id in notes_for, (by, on_behalf_of)))
    for family_id, row, by in _handover_rows(family_ids):
        result[family_id].append(FeedbackLine(
            row.id, "overdracht", "overdracht", None, None, row.recipient, row.method, row.at,
            by, None, row.note if family_id in notes_for else None))
    for lines in result.values():
        lines.sort(key=lambda line: (clock.as_utc(line.at), line.source, line.id))
    return result


def feedback_of(view) -> list[FeedbackLine]:
    """The family's terugkoppeling for one reader's gateway view."""
    return lines_by_family([view.id], {view.id} if view.may(NOTE_CATEGORY) else set())[view.id]


def outcome_choices(discussions) -> list[tuple[int, str]]:
    """The MDO outcomes of this family to choose from, oldest first: the meeting's date and the kind of
    outcome (the outcome's text is MDO content, not shown here). ``discussions``: the family's MDO
    history as the family page read it (igp.sharing.related.mdo_history: every agenda item of the
    family with its outcomes), so no statement of its own."""
    chosen = sorted((d.starts_at, o.id, o.kind) for d in discussions for o in d.outcomes)
    return [(outcome_id, f"MDO van {clock.local(at).strftime('%d-%m-%Y')}: {OUTCOME_KINDS.get(kind, kind)}")
            for at, outcome_id, kind in chosen]


# ------------------------------------------------------------------ Mijn aanmeldingen

@dataclass
class ReferralLine:
    """One family the reader referred, as far as she may see it now. ``visible`` False: she no
    longer may see the family (consent withdrawn, moved elsewhere): only the pseudonym and her own
    aanmelding's date are listed, with that reason, nothing of the family."""

    family_id: int
    pseudonym: str
    referred_at: datetime
    visible: bool
    name: str | None = None
    poli_code: str | None = None
    poli_name: str | None = None
    status: str | None = None
    target_eligible: bool | None = None
    handover_status: str | None = None
    coordinator: str | None = None
    feedback: list[FeedbackLine] = field(default_factory=list)   # to the referrer only

    @property
    def last_feedback(self) -> FeedbackLine | None:
        return self.feedback[-1] if self.feedback else None


def _own_referrals(user, limit: int | None = None) -> dict[int, datetime]:
    """family id -> the first aanmelding this user made of it, newest first (the first ``limit``)."""
    rows = db.session.execute(select(Referral.family_id, func.min(Referral.received_at).label("at"))
                              .where(Referral.created_by_id == user.id).group_by(Referral.family_id)
                              .order_by(func.min(Referral.received_at).desc(), Referral.family_id)
                              .limit(limit)).all()
    return {r.family_id: clock.as_utc(r.at) for r in rows}


def _inward_status(family_ids: list[int]) -> dict[int, str]:
    rows = db.session.scalars(select(Handover).where(Handover.family_id.in_(family_ids or [0]),
                                                     Handover.direction == "in")
                              .order_by(Handover.started_at, Handover.id))
    return {h.family_id: h.status for h in rows}   # the latest one wins


def _line(family: Family, decision, referred_at: datetime, status: dict, feedback: dict) -> ReferralLine:
    return ReferralLine(
        family_id=family.id, pseudonym=family.pseudonym, referred_at=referred_at, visible=True,
        name=family.parents[0].name if decision.may("naw") and family.parents else None,
        poli_code=family.poli.code, poli_name=family.poli.name, status=family.status, target_eligible=family.target_eligible,
        handover_status=status.get(family.id), coordinator=family.coordinator.name if family.coordinator else None,
        feedback=[f for f in feedback[family.id] if f.recipient == "verwijzer"])


def my_referrals(user, *, access: str = "web", limit: int | None = None) -> list[ReferralLine]:
    """The families this user referred (her own aanmeldingen, Referral.created_by_id; not her
    organisation's), each through the gateway: status, target group, handover step, coordinator and
    the feedback to the referrer (its note with verwijzingen). Each family shown is a logged read."""
    referred = _own_referrals(user, limit)
    families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(list(referred) or [0]))
                                                   .options(*gateway.list_options()))}
    decisions = gateway.decisions_for(user, list(families.values()))
    seen = [fid for fid in referred if fid in families and decisions[fid].involved]
    status = _inward_status(seen)
    feedback = lines_by_family(seen, {fid for fid in seen if decisions[fid].may(NOTE_CATEGORY)})
    lines = []
    for fid, referred_at in referred.items():
        family = families.get(fid)
        if family is None:
            continue
        decision = decisions[fid]
        if not decision.involved:
            lines.append(ReferralLine(fid, family.pseudonym, referred_at, visible=False))
            audit.record("read", user=user, object_type="family", object_id=fid, family_pseudonym=family.pseudonym,
                         outcome="denied", withheld=[("*", "geen_betrokkenheid")],
                         detail=f"{access}: mijn aanmeldingen, pseudonym only")
            continue
        lines.append(_line(family, decision, referred_at, status, feedback))
        shown = sorted({"naw", NOTE_CATEGORY} & decision.allowed)
        audit.record("read", user=user, object_type="family", object_id=fid, family_pseudonym=family.pseudonym,
                     shown=shown, withheld=[(c, decision.reason(c)) for c in ("naw", NOTE_CATEGORY)
                                            if c not in decision.allowed],
                     consent_ids=decision.consent_ids if shown else None, detail=f"{access}: mijn aanmeldingen")
    return lines
