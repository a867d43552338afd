"""What the MDO pages and the API show, as plain values built for one reader.

No template or JSON encoder receives an MDO or family table row: the family data comes from
the gateway's views (allowed categories only), and the agenda's free text (question, minutes,
outcomes, action texts) is copied in only where that reader may see MDO content (mdo_notulen),
or, for an item discussed anonymously, the question alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from igp import clock
from igp.audit import services as audit
from igp.extensions import db
from igp.mdo import rules
from igp.mdo.models import AgendaItem, MdoAction, MdoAttendee, MdoMeeting
from igp.mdo.services import (
    CHAIR_ROLES,
    _require_view,
    get_meeting,
    has_started,
    may_finalise,
    may_manage,
    may_view_meeting,
    quorum_for_item,
    quorum_for_meeting,
)
from igp.sharing import gateway


@dataclass
class AttendeeView:
    user_id: int
    name: str
    organisation: str
    domain: str
    status: str
    item_ids: list[int] | None


@dataclass
class MeetingView:
    id: int
    poli_id: int
    poli_code: str
    poli_name: str
    starts_at: datetime
    duration_minutes: int
    location: str | None
    video_link: str | None
    status: str
    chair_id: int | None
    chair_name: str | None
    minute_taker_id: int | None
    minute_taker_name: str | None
    quorum_domains: list[str]
    quorum_roles: list[str]
    attendees: list[AttendeeView]
    quorum: rules.QuorumResult
    manage: bool
    item_count: int = 0
    started: bool = False            # presence may be confirmed, the minutes finalised
    may_finalise: bool = False       # this reader is the chair (the button shows once started)


@dataclass
class OutcomeView:
    kind: str
    referral_type: str | None
    quorum_met: bool
    text: str | None                 # None: withheld for this reader
    action_owner: str | None = None
    action_due: object | None = None


@dataclass
class ActionLine:
    owner_id: int
    owner: str
    due_date: object


@dataclass
class ItemView:
    id: int
    meeting_id: int
    family_id: int
    pseudonym: str
    position: int
    minutes_planned: int
    reasons: list[str]
    status: str
    anonymous: bool
    family: object | None            # gateway.FamilyView, or None when this reader may not see the family
    quorum: rules.QuorumResult
    may_minutes: bool
    question: str | None
    minutes: str | None
    revision_id: int
    revision_count: int
    last_author: str | None
    last_saved_at: datetime | None
    outcomes: list[OutcomeView] = field(default_factory=list)
    open_actions: list[ActionLine] = field(default_factory=list)
    feedback_by: str | None = None
    has_record: bool = False     # minutes or outcomes exist (so the item can no longer be removed)

    @property
    def has_outcomes(self) -> bool:
        return bool(self.outcomes)


def _meeting_view(actor, meeting: MdoMeeting) -> MeetingView:
    return MeetingView(
        id=meeting.id, poli_id=meeting.poli_id, poli_code=meeting.poli.code, poli_name=meeting.poli.name,
        starts_at=meeting.starts_at, duration_minutes=meeting.duration_minutes, location=meeting.location,
        video_link=meeting.video_link, status=meeting.status, chair_id=meeting.chair_id,
        chair_name=meeting.chair.name if meeting.chair else None, minute_taker_id=meeting.minute_taker_id,
        minute_taker_name=meeting.minute_taker.name if meeting.minute_taker else None,
        quorum_domains=list(meeting.quorum_domains or []), quorum_roles=list(meeting.quorum_roles or []),
        attendees=[AttendeeView(a.user_id, a.user.name, a.user.organisation.name, a.user.organisation.domain,
                                a.status, a.item_ids) for a in meeting.attendees],
        quorum=quorum_for_meeting(meeting), manage=may_manage(actor, meeting), item_count=len(meeting.items),
        started=has_started(meeting), may_finalise=may_finalise(actor, meeting),
    )


def _item_view(item: AgendaItem, family_view, meeting: MdoMeeting, actions: list[MdoAction]) -> ItemView:
    may_minutes = family_view is not None and family_view.may("mdo_notulen")
    latest = item.revisions[-1] if item.revisions else None
    question = item.question if (may_minutes or item.anonymous) else None
    # for a family this reader may not see: the pseudonym only (and, discussed anonymously, the
    # question and why it is on the agenda); no owners, authors or process codes
    visible = family_view is not None
    if not visible:
        actions = []
    return ItemView(
        id=item.id, meeting_id=item.meeting_id, family_id=item.family_id, pseudonym=item.family.pseudonym,
        position=item.position, minutes_planned=item.minutes_planned,
        reasons=list(item.reasons or []) if visible or item.anonymous else [],
        status=item.status, anonymous=item.anonymous, family=family_view, quorum=quorum_for_item(meeting, item),
        may_minutes=may_minutes, question=question, minutes=latest.text if may_minutes and latest else None,
        revision_id=latest.id if latest else 0, revision_count=len(item.revisions) if visible else 0,
        last_author=latest.author.name if latest and visible else None,
        last_saved_at=latest.created_at if latest and visible else None,
        outcomes=[OutcomeView(o.kind, o.referral_type, o.quorum_met, o.text if may_minutes else None,
                              o.action.owner.name if o.action and may_minutes else None,
                              o.action.due_date if o.action and may_minutes else None) for o in item.outcomes],
        open_actions=[ActionLine(a.owner_id, a.owner.name, a.due_date) for a in actions],
        feedback_by=item.feedback_by.name if item.feedback_by and visible else None,
        has_record=bool(item.outcomes or item.revisions),
    )


def meeting_page(actor, meeting_id: int, *, access: str = "web", action: str = "read"
                 ) -> tuple[MeetingView, list[ItemView]]:
    """The meeting with, per agenda item, only what this reader may see of the family."""
    meeting = get_meeting(meeting_id)
    _require_view(actor, meeting)
    audit.record(action, user=actor, object_type="mdo_meeting", object_id=meeting.id, detail=access)
    family_ids = [i.family_id for i in meeting.items]
    actions: dict[int, list[MdoAction]] = {}
    if family_ids:
        for row in db.session.scalars(select(MdoAction).where(MdoAction.family_id.in_(family_ids),
                                                              MdoAction.status == "open")
                                      .order_by(MdoAction.due_date)):
            actions.setdefault(row.family_id, []).append(row)
    family_views = gateway.read_families(actor, family_ids, context="mdo_bespreking", access=f"{access}: mdo",
                                         action=action)
    items = [_item_view(item, family_views.get(item.family_id), meeting, actions.get(item.family_id, []))
             for item in meeting.items]
    return _meeting_view(actor, meeting), items


@dataclass
class MeetingSummary:
    id: int
    poli_name: str
    starts_at: datetime
    location: str | None
    video_link: str | None
    chair_name: str | None
    status: str
    item_count: int


def summaries(meetings: list[MdoMeeting]) -> list[MeetingSummary]:
    ids = [m.id for m in meetings]
    counts = dict(db.session.execute(select(AgendaItem.meeting_id, func.count()).where(
        AgendaItem.meeting_id.in_(ids)).group_by(AgendaItem.meeting_id)).all()) if ids else {}
    return [MeetingSummary(m.id, m.poli.name, m.starts_at, m.location, m.video_link,
                           m.chair.name if m.chair else None, m.status, counts.get(m.id, 0)) for m in meetings]


def upcoming_meetings(actor, *, days_back: int = 14, limit: int = 50) -> list[MeetingSummary]:
    since = clock.now() - timedelta(days=days_back)
    stmt = select(MdoMeeting).where(MdoMeeting.starts_at >= since).order_by(MdoMeeting.starts_at).limit(limit)
    if not actor.roles & CHAIR_ROLES:
        stmt = stmt.where(MdoMeeting.id.in_(select(MdoAttendee.meeting_id).where(MdoAttendee.user_id == actor.id)))
    return summaries(list(db.session.scalars(stmt)))


def next_meeting(actor, poli_id: int | None = None) -> MeetingSummary | None:
    stmt = select(MdoMeeting).where(MdoMeeting.starts_at >= clock.now() - timedelta(hours=4),
                                    MdoMeeting.status.in_(("gepland", "gedeeld")))
    if poli_id:
        stmt = stmt.where(MdoMeeting.poli_id == poli_id)
    for meeting in db.session.scalars(stmt.order_by(MdoMeeting.starts_at).limit(20)):
        if may_view_meeting(actor, meeting):
            return summaries([meeting])[0]
    return None
