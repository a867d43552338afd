"""'Terwijl u afwezig was': what happened in a coordinator's families while she was away.

Shown on 'Mijn gezinnen' for RETURN_SUMMARY_DAYS days after an absence ended. Computed from the
records with their timestamps (notes, intakes, handover steps, MDO outcomes and actions, plan
revisions written on her behalf, coordinator changes and the exit), for the families she coordinates and may see, and only what
she may see of each (the categories of the consent decision). Each family shown is a logged read
(gateway.summarise); no content is shown, only what happened and when.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, or_, select

from consent import CATEGORY_LABELS
from igp import clock
from igp.coordination import rules
from igp.coordination.models import Absence, CoordinatorAssignment
from igp.extensions import db
from igp.families.models import Family, FamilyNote, Intake
from igp.handover.models import Handover, HandoverEvent
from igp.handover.rules import EVENT_TYPES
from igp.mdo.models import AgendaItem, MdoAction, MdoOutcome
from igp.mdo.rules import OUTCOME_KINDS
from igp.plan.models import FamilyPlan, PlanRevision
from igp.sharing import gateway


@dataclass
class ReturnFamily:
    id: int
    pseudonym: str
    name: str | None
    lines: list[str] = field(default_factory=list)


@dataclass
class ReturnSummary:
    starts_on: date
    ends_on: date
    families: list[ReturnFamily]


@cache
def _ended_absence_statement():
    return (select(Absence).where(Absence.user_id == bindparam("user_id"), Absence.cancelled_at.is_(None),
                                  Absence.ends_on < bindparam("today"), Absence.ends_on >= bindparam("since"))
            .order_by(Absence.ends_on.desc(), Absence.id.desc()).limit(1))


def ended_absence(user) -> Absence | None:
    """The latest absence of this user that ended within the last RETURN_SUMMARY_DAYS days."""
    today = clock.today()
    absence = db.session.scalars(_ended_absence_statement(), {
        "user_id": user.id, "today": today, "since": today - timedelta(days=rules.RETURN_SUMMARY_DAYS)}).first()
    return absence if absence is not None and rules.return_summary_period(absence.ends_on, today) else None


def _day(value: datetime) -> str:
    return clock.local_date(value).strftime("%d-%m-%Y")


def _between(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)


def _notes(ids, start, end, decisions) -> dict[int, list[str]]:
    counts: dict[tuple[int, str], int] = {}
    for family_id, category in db.session.execute(select(FamilyNote.family_id, FamilyNote.category).where(
            FamilyNote.family_id.in_(ids), _between(FamilyNote.created_at, start, end))):
        if decisions[family_id].may(category):
            counts[family_id, category] = counts.get((family_id, category), 0) + 1
    lines: dict[int, list[str]] = {}
    for (family_id, category), n in sorted(counts.items()):
        lines.setdefault(family_id, []).append(f"{n} nieuwe notitie(s): {CATEGORY_LABELS[category]}")
    return lines


def _intakes(ids, start, end) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for intake in db.session.scalars(select(Intake).where(Intake.family_id.in_(ids)).order_by(Intake.id)):
        if intake.held_at and start <= clock.as_utc(intake.held_at) < end:
            lines.setdefault(intake.family_id, []).append(f"Intake gehouden op {_day(intake.held_at)}")
        elif start <= clock.as_utc(intake.created_at) < end and intake.planned_at:
            lines.setdefault(intake.family_id, []).append(f"Intake gepland op {_day(intake.planned_at)}")
    return lines


def _handover_steps(ids, start, end, user_id: int) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for family_id, event in db.session.execute(
            select(Handover.family_id, HandoverEvent).join(Handover, Handover.id == HandoverEvent.handover_id)
            .where(Handover.family_id.in_(ids), _between(HandoverEvent.at, start, end))
            .order_by(HandoverEvent.at)):
        by = f", door {event.by_user.name}" if event.by_user else ""
        namens = " namens u" if event.on_behalf_of_id == user_id else ""
        lines.setdefault(family_id, []).append(
            f"Warme overdracht: {EVENT_TYPES.get(event.event_type, 'stap').lower()} op {_day(event.at)}{by}{namens}")
    return lines


def _mdo(ids, start, end, user_id: int, decisions) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for family_id, outcome in db.session.execute(
            select(AgendaItem.family_id, MdoOutcome).join(AgendaItem, AgendaItem.id == MdoOutcome.item_id)
            .where(AgendaItem.family_id.in_(ids), _between(MdoOutcome.created_at, start, end))
            .order_by(MdoOutcome.created_at)):
        if decisions[family_id].may("mdo_notulen"):
            lines.setdefault(family_id, []).append(
                f"MDO-uitkomst: {OUTCOME_KINDS.get(outcome.kind, 'uitkomst').lower()} op {_day(outcome.created_at)}")
    for action in db.session.scalars(select(MdoAction).where(
            MdoAction.family_id.in_(ids), MdoAction.owner_id == user_id, MdoAction.status == "gedaan",
            _between(MdoAction.done_at, start, end)).order_by(MdoAction.done_at)):
        if decisions[action.family_id].may("mdo_notulen"):
            lines.setdefault(action.family_id, []).append(
                f"Uw MDO-actie is namens u afgerond op {_day(action.done_at)}")
    return lines


def _plan(ids, start, end, user_id: int, decisions) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for family_id, revision in db.session.execute(
            select(FamilyPlan.family_id, PlanRevision).join(FamilyPlan, FamilyPlan.id == PlanRevision.plan_id)
            .where(FamilyPlan.family_id.in_(ids), PlanRevision.on_behalf_of_id == user_id,
                   _between(PlanRevision.created_at, start, end)).order_by(PlanRevision.created_at)):
        if decisions[family_id].may("zorgplan"):
            lines.setdefault(family_id, []).append(f"Gezinsplan namens u bijgewerkt op {_day(revision.created_at)}")
    return lines


def _family_changes(families, start, end, user_id: int) -> dict[int, list[str]]:
    """Changes of the family itself: who coordinates it (given to her, or changed on her behalf), its exit."""
    lines: dict[int, list[str]] = {}
    ids = [f.id for f in families] or [0]
    for row in db.session.scalars(select(CoordinatorAssignment).where(
            CoordinatorAssignment.family_id.in_(ids), _between(CoordinatorAssignment.at, start, end))
            .order_by(CoordinatorAssignment.at)):
        if row.by_user_id == user_id:
            continue   # her own step: she knows
        by = f" door {row.by_user.name}" if row.by_user else ""
        namens = " namens u" if row.on_behalf_of_id == user_id else ""
        lines.setdefault(row.family_id, []).append(f"Coördinator gewijzigd op {_day(row.at)}{by}{namens}: "
                                                   f"nu {row.to_user.name}")
    for family in families:
        if family.exited_at and start <= clock.as_utc(family.exited_at) < end:
            lines.setdefault(family.id, []).append(f"Uitstroom op {_day(family.exited_at)}: "
                                                   f"{rules.EXIT_REASONS.get(family.exit_reason, 'uitgestroomd')}")
    return lines


def return_summary(user) -> ReturnSummary | None:
    """What happened during the absence that ended lately, per family she coordinates (or that was
    handed on from her meanwhile, or where her MDO action was done) and may see; None when no absence ended within the period. Families with nothing to tell are left out."""
    absence = ended_absence(user)
    if absence is None:
        return None
    start, end = clock.from_local(absence.starts_on), clock.from_local(absence.ends_on + timedelta(days=1))
    handed_on = select(CoordinatorAssignment.family_id).where(CoordinatorAssignment.from_user_id == user.id,
                                                              _between(CoordinatorAssignment.at, start, end))
    her_actions = select(MdoAction.family_id).where(MdoAction.owner_id == user.id,
                                                    _between(MdoAction.done_at, start, end))
    families = list(db.session.scalars(gateway.visible_families_query(user)
                                       .where(or_(Family.coordinator_id == user.id, Family.id.in_(handed_on),
                                                  Family.id.in_(her_actions)))
                                       .order_by(Family.id.desc()).limit(300)))
    decisions = gateway.decisions_for(user, families)
    families = [f for f in families if decisions[f.id].involved]
    ids = [f.id for f in families] or [0]
    found: dict[int, list[str]] = {}
    for part in (_notes(ids, start, end, decisions), _intakes(ids, start, end),
                 _handover_steps(ids, start, end, user.id), _mdo(ids, start, end, user.id, decisions),
                 _plan(ids, start, end, user.id, decisions), _family_changes(families, start, end, user.id)):
        for family_id, lines in part.items():
            found.setdefault(family_id, []).extend(lines)
    shown = gateway.summarise(user, [f for f in families if f.id in found], access="web",
                              detail="terwijl u afwezig was")
    return ReturnSummary(absence.starts_on, absence.ends_on,
                         [ReturnFamily(s.id, s.pseudonym, s.name, found[s.id]) for s in shown])
