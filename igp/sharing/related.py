"""The records around a family (handover, coordination, MDO, consents), as plain values for
one reader whose FamilyView (the gateway's decision) is given.

Free text is copied in only where the decision allows its category: handover and coordination
notes with `verwijzingen`, MDO minutes, outcomes and action texts with `mdo_notulen`. The
pages and the API get these records, never the table rows (igp.sharing.guard checks it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from types import MappingProxyType
from typing import Mapping

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.orm import lazyload

import consent
from igp import clock, request_cache
from igp.admin.models import Poli
from igp.auth.models import User, name_of
from igp.coordination.models import CoordinatorAssignment, CoordinatorProposal, CoreTeamMember
from igp.extensions import db
from igp.handover.models import Handover, HandoverEvent, HandoverFeedback
from igp.mdo import rules as mdo_rules
from igp.mdo.models import AgendaItem, MdoAction, MdoMeeting, MdoOutcome, MinutesRevision
from igp.sharing import gateway
from igp.sharing.gateway import as_grant
from igp.sharing.involvement import substituted_user_ids
from igp.sharing.models import ConsentRecord

PROCESS_NOTES = "verwijzingen"   # handover and coordination notes
MDO_CONTENT = "mdo_notulen"      # minutes, outcomes, actions, the question for the MDO


@dataclass
class EventView:
    type: str
    at: datetime
    by: str | None
    on_behalf_of_id: int | None
    contact_mode: str | None
    reason: str | None
    note: str | None


@dataclass
class FeedbackView:
    recipient: str
    method: str
    at: datetime
    by: str | None
    note: str | None


@dataclass
class HandoverView:
    id: int
    direction: str
    status: str
    started_on: date
    term_workdays: int
    deadline: date
    closed_at: datetime | None
    term_met: bool | None
    workdays_to_intake: int | None
    missed_reason: str | None
    feedback_referrer: str | None
    feedback_family: str | None
    completed_at: datetime | None
    target: str | None
    target_name: str | None
    events: list[EventView] = field(default_factory=list)
    feedback: list[FeedbackView] = field(default_factory=list)


def handover_view(handover: Handover | None, may_notes: bool) -> HandoverView | None:
    if handover is None:
        return None
    events = [(e.event_type, e.at, e.by_user.name if e.by_user else None, e.on_behalf_of_id, e.contact_mode,
               e.reason, e.note) for e in handover.events]
    feedback = [(f.recipient, f.method, f.at, f.by_user.name if f.by_user else None, f.note)
                for f in handover.feedback]
    return _handover_view(handover, events, feedback, may_notes)


def _handover_view(handover: Handover, events, feedback, may_notes: bool) -> HandoverView:
    """``events``: (type, at, by name, on behalf of id, contact mode, reason, note) in order;
    ``feedback``: (recipient, method, at, by name, note) in order. Notes only when ``may_notes``."""
    return HandoverView(
        id=handover.id, direction=handover.direction, status=handover.status, started_on=handover.started_on,
        term_workdays=handover.term_workdays, deadline=handover.deadline, closed_at=handover.closed_at,
        term_met=handover.term_met, workdays_to_intake=handover.workdays_to_intake,
        missed_reason=handover.missed_reason, feedback_referrer=handover.feedback_referrer,
        feedback_family=handover.feedback_family, completed_at=handover.completed_at, target=handover.target,
        target_name=handover.target_name if may_notes else None,
        events=[EventView(*e[:6], e[6] if may_notes else None) for e in events],
        feedback=[FeedbackView(*f[:4], f[4] if may_notes else None) for f in feedback],
    )


def current_handover(view, direction: str) -> HandoverView | None:
    """The open handover of the family in this direction, else the most recent one."""
    return current_handovers(view).get(direction)


def current_handovers(view) -> Mapping[str, HandoverView]:
    """Per direction ("in", "uit") the family's open handover, else its most recent one: one
    statement for both directions (plus one each for their events and feedback), once per request."""
    return request_cache.cached("current_handovers", (view.id, view.may(PROCESS_NOTES)), lambda: _current_handovers(view))


@cache
def _handover_statements(may_notes: bool):
    """The three statements of _current_handovers, built once per process (issue 21: building them cost
    more than running them); the family and the handovers' ids are bound parameters."""
    ranked = (select(Handover.id, func.row_number().over(
        partition_by=Handover.direction,
        order_by=(Handover.closed_at.is_(None).desc(), Handover.started_at.desc(), Handover.id.desc())).label("n"))
        .where(Handover.family_id == bindparam("family_id")).subquery())
    handovers = (select(Handover).where(Handover.id.in_(select(ranked.c.id).where(ranked.c.n == 1)))
                 .options(lazyload(Handover.family), lazyload(Handover.poli)))
    # the same statements with or without verwijzingen; a note is read (and decrypted) only when it may be shown
    ids = bindparam("handover_ids", expanding=True)
    events = (select(HandoverEvent.handover_id, HandoverEvent.event_type, HandoverEvent.at, User.name,
                     HandoverEvent.on_behalf_of_id, HandoverEvent.contact_mode, HandoverEvent.reason,
                     HandoverEvent.note if may_notes else literal(None))
              .outerjoin(User, User.id == HandoverEvent.by_user_id)
              .where(HandoverEvent.handover_id.in_(ids)).order_by(HandoverEvent.id))
    feedback = (select(HandoverFeedback.handover_id, HandoverFeedback.recipient, HandoverFeedback.method,
                       HandoverFeedback.at, User.name, HandoverFeedback.note if may_notes else literal(None))
                .outerjoin(User, User.id == HandoverFeedback.by_user_id)
                .where(HandoverFeedback.handover_id.in_(ids)).order_by(HandoverFeedback.id))
    return handovers, events, feedback


def _current_handovers(view) -> Mapping[str, HandoverView]:
    """Three statements whatever the family has: the handovers (without the family and poli they would
    join), then their events and their feedback as plain rows with the author's name (issue 21)."""
    may_notes = view.may(PROCESS_NOTES)
    handover_stmt, event_stmt, feedback_stmt = _handover_statements(may_notes)
    handovers = list(db.session.scalars(handover_stmt, {"family_id": view.id}))
    ids = [h.id for h in handovers]
    events, feedback = {h: [] for h in ids}, {h: [] for h in ids}
    for row in db.session.execute(event_stmt, {"handover_ids": ids}):
        events[row[0]].append(tuple(row[1:]))
    for row in db.session.execute(feedback_stmt, {"handover_ids": ids}):
        feedback[row[0]].append(tuple(row[1:]))
    return MappingProxyType({h.direction: _handover_view(h, events[h.id], feedback[h.id], may_notes)
                             for h in handovers})


@dataclass
class AssignmentView:
    at: datetime
    to_user: str
    reason: str
    reason_text: str | None


@cache
def _assignments_statement():
    return (select(CoordinatorAssignment, name_of(CoordinatorAssignment.to_user_id))
            .where(CoordinatorAssignment.family_id == bindparam("family_id"))
            .options(lazyload(CoordinatorAssignment.to_user))
            .order_by(CoordinatorAssignment.at, CoordinatorAssignment.id))


def coordinator_history(view) -> list[AssignmentView]:
    rows = db.session.execute(_assignments_statement(), {"family_id": view.id})
    notes = view.may(PROCESS_NOTES)
    return [AssignmentView(a.at, to_name, a.reason, a.reason_text if notes else None) for a, to_name in rows]


@dataclass
class ProposalView:
    id: int
    proposed_user: str
    proposed_by: str
    reason: str
    reason_text: str | None
    created_at: datetime


@cache
def _proposals_statement():
    return (select(CoordinatorProposal, name_of(CoordinatorProposal.proposed_user_id),
                   name_of(CoordinatorProposal.proposed_by_id))
            .where(CoordinatorProposal.family_id == bindparam("family_id"), CoordinatorProposal.status == "open")
            .options(lazyload(CoordinatorProposal.proposed_user), lazyload(CoordinatorProposal.proposed_by))
            .order_by(CoordinatorProposal.created_at))


def coordinator_proposals(view) -> list[ProposalView]:
    rows = db.session.execute(_proposals_statement(), {"family_id": view.id})
    notes = view.may(PROCESS_NOTES)
    return [ProposalView(p.id, proposed, by, p.reason, p.reason_text if notes else None, p.created_at)
            for p, proposed, by in rows]


@dataclass
class MemberView:
    id: int
    user: object        # igp.auth.models.User (no family data)
    case_role: str


@cache
def _core_team_statement():
    return (select(CoreTeamMember).where(CoreTeamMember.family_id == bindparam("family_id"),
                                         CoreTeamMember.removed_at.is_(None)).order_by(CoreTeamMember.added_at))


def core_team(view) -> list[MemberView]:
    rows = db.session.scalars(_core_team_statement(), {"family_id": view.id})
    return [MemberView(m.id, m.user, m.case_role) for m in rows]


@dataclass
class ConsentView:
    id: int
    status: str
    summary: str
    method: str
    form_version: str | None
    recorded_by: str
    recorded_at: datetime
    has_scan: bool
    withdrawn_at: datetime | None
    recipient_organisation_id: int | None
    recipient_domain: str | None
    recipient_name: str
    categories: list[str]
    purpose: str
    given_at: datetime
    valid_until: datetime | None


def consent_view(record: ConsentRecord, names: dict[int, str]) -> ConsentView:
    grant = as_grant(record)
    return ConsentView(
        id=record.id, status=consent.grant_status(grant, clock.now()), summary=consent.summarise_consent(grant, names),
        method=record.method, form_version=record.form_version, recorded_by=record.recorded_by.name,
        recorded_at=record.recorded_at, has_scan=record.scan_mimetype is not None, withdrawn_at=record.withdrawn_at,
        recipient_organisation_id=record.recipient_organisation_id, recipient_domain=record.recipient_domain,
        recipient_name=(names.get(record.recipient_organisation_id, "") if record.recipient_organisation_id
                        else consent.DOMAIN_LABELS.get(record.recipient_domain, record.recipient_domain or "")),
        categories=list(record.categories), purpose=record.purpose, given_at=record.given_at,
        valid_until=record.valid_until)


def consents(view, names: dict[int, str]) -> list[ConsentView]:
    """The family's consent records: who may see what (the parents' choices, no category data;
    the note and the scan stay out)."""
    return [consent_view(r, names) for r in gateway.family_consents(view.id)]


@dataclass
class OutcomeLine:
    id: int
    kind: str
    referral_type: str | None
    quorum_met: bool
    text: str | None


@dataclass
class DiscussionView:
    meeting_id: int
    starts_at: datetime
    poli_name: str
    status: str
    anonymous: bool
    minutes: str | None
    outcomes: list[OutcomeLine]


@cache
def _history_statements(content: bool):
    """The three statements of mdo_history, built once per process; the family and the items' ids are
    bound parameters. The same statements with or without mdo_notulen: minutes and an outcome's text
    are read only when they may be shown."""
    items = (select(AgendaItem.id, AgendaItem.meeting_id, AgendaItem.status, AgendaItem.anonymous,
                    MdoMeeting.starts_at, Poli.name)
             .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id).join(Poli, Poli.id == MdoMeeting.poli_id)
             .where(AgendaItem.family_id == bindparam("family_id")).order_by(MdoMeeting.starts_at.desc()))
    ids = bindparam("item_ids", expanding=True)
    outcomes = (select(MdoOutcome.id, MdoOutcome.item_id, MdoOutcome.kind, MdoOutcome.referral_type,
                       MdoOutcome.quorum_met, MdoOutcome.text if content else literal(None))
                .where(MdoOutcome.item_id.in_(ids)).order_by(MdoOutcome.id))
    latest = select(func.max(MinutesRevision.id)).where(MinutesRevision.item_id.in_(ids)) \
        .group_by(MinutesRevision.item_id).scalar_subquery()
    minutes = select(MinutesRevision.item_id, MinutesRevision.text if content else literal(None)) \
        .where(MinutesRevision.id.in_(latest))
    return items, outcomes, minutes


def mdo_history(view) -> list[DiscussionView]:
    """The MDO discussions of the family, newest first; minutes and outcome texts only with
    mdo_notulen. Three statements whatever the history holds (items with their meeting, their
    outcomes, their latest minutes), so the page costs the same for every family."""
    item_stmt, outcome_stmt, minutes_stmt = _history_statements(view.may(MDO_CONTENT))
    rows = list(db.session.execute(item_stmt, {"family_id": view.id}).all())
    ids = [item.id for item in rows] or [0]
    outcomes: dict[int, list[OutcomeLine]] = {}
    for outcome in db.session.execute(outcome_stmt, {"item_ids": ids}):
        outcomes.setdefault(outcome.item_id, []).append(OutcomeLine(
            outcome.id, outcome.kind, outcome.referral_type, outcome.quorum_met, outcome[5]))
    minutes = dict(db.session.execute(minutes_stmt, {"item_ids": ids}).all())
    return [DiscussionView(
        meeting_id=item.meeting_id, starts_at=item.starts_at, poli_name=item.name,
        status=item.status, anonymous=item.anonymous, minutes=minutes.get(item.id),
        outcomes=outcomes.get(item.id, [])) for item in rows]


@dataclass
class ActionView:
    id: int
    family_id: int
    pseudonym: str
    text: str | None
    owner_id: int
    owner: str
    due_date: date
    status: str
    may_update: bool = False   # this reader may mark it done or dropped (igp.mdo.rules, as the service)


@cache
def _actions_statement(content: bool):
    # the same statement with or without mdo_notulen; the outcome's text is read only when it may be shown
    text = MdoOutcome.text if content else literal(None)
    return (select(MdoAction, MdoMeeting.chair_id, text, name_of(MdoAction.owner_id))
            .join(MdoAction.outcome).join(MdoOutcome.item).join(AgendaItem.meeting)
            .where(MdoAction.family_id == bindparam("family_id")).options(lazyload(MdoAction.owner))
            .order_by(MdoAction.due_date, MdoAction.id))


def actions(view, user=None, coordinator_id: int | None = None) -> list[ActionView]:
    """The family's MDO actions; with ``user``, whether she may set each one's status: the owner, the
    coordinator, the meeting's chair, or who stands in for the absent owner or coordinator."""
    rows = db.session.execute(_actions_statement(view.may(MDO_CONTENT)), {"family_id": view.id}).all()
    standing_in = substituted_user_ids(user.id) if user is not None and rows else []
    return [ActionView(a.id, a.family_id, view.pseudonym, outcome_text, a.owner_id, owner, a.due_date, a.status,
                       user is not None and mdo_rules.action_status_on_behalf_of(
                           user.id, a.owner_id, coordinator_id, chair_id, standing_in)[0])
            for a, chair_id, outcome_text, owner in rows]


@dataclass
class GlassView:
    id: int
    opened_at: datetime
    expires_at: datetime

    @property
    def active(self) -> bool:
        return self.opened_at <= clock.now() < self.expires_at


def own_break_glass(view, user) -> list[GlassView]:
    return [GlassView(b.id, b.opened_at, b.expires_at) for b in gateway.own_break_glass_rows(view.id, user.id)]
