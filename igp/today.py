"""The start page per role ("Vandaag"): what each role needs first today, read through the existing
services and the consent gateway (a family is shown as the reader may see it, each shown family a
logged read). Every block is a bounded list or a count by the database, so the page costs the
same number of statements whatever the size of the caseload. A user with several roles gets the
blocks of each; a block is None for a user it is not meant for."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select

from igp import clock
from igp.coordination import services as coordination
from igp.coordination.models import CoordinatorAssignment, CoreTeamMember
from igp.extensions import db
from igp.families.models import Family, Intake, IntakeParticipant
from igp.families.rules import INTAKE_TYPES
from igp.handover import feedback
from igp.handover import services as handover
from igp.mdo import readmodels
from igp.mdo import services as mdo
from igp.mdo.models import AgendaItem, MdoAttendee, MdoMeeting, MdoOutcome
from igp.plan.services import plan_evaluation_due
from igp.reporting import services as reporting
from igp.sharing import gateway
from igp.sharing import services as sharing
from igp.sharing.involvement import coordinated_family_clause
from igp.support.models import InformalSupport
from igp.support.rules import KINDS as SUPPORT_KINDS

SHOWN = 8                      # rows per list on the start page; the full pages show the rest
NEW_DAYS = 7                   # "new" families: assigned to me in the last 7 days
ACTIONS_AHEAD_DAYS = 7         # MDO actions due within 7 days (and the overdue ones)
HEADLINE_DAYS = 30             # the projectleider's figures: the last 30 days
ACTIVE = coordination.ACTIVE_STATUSES
UPCOMING = ("gepland", "gedeeld")
REFERRER_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts"})
OTHER_REFERRING_ROLES = frozenset({"jeugdverpleegkundige", "sociaal_werker", "planner"})
HANDOVER_SIGNALS = {"te_laat": "Warme overdracht te laat", "risico": "Warme overdracht dreigt te laat"}


@dataclass
class Line:
    """One family on the start page: its summary as the gateway gave it, and what the block adds."""

    summary: gateway.FamilySummary
    when: date | datetime | None = None
    note: str | None = None


@dataclass
class CoordinatorBlock:
    new_families: list[Line]
    signals: list[Line]
    signals_more: bool
    intakes: list[Line]
    actions: list
    actions_more: bool
    next_meeting: readmodels.MeetingSummary | None
    next_meeting_mine: int


@dataclass
class PlannerBlock:
    unassigned: list[tuple[int, str, str]]
    unassigned_total: int
    late: list[handover.HandoverRow]
    late_total: int
    meetings: list[readmodels.MeetingSummary]


@dataclass
class ChairBlock:
    meeting: readmodels.MeetingSummary | None
    items: int = 0
    without_outcome: int = 0
    invited: int = 0
    quorum: object | None = None
    agenda_shared: bool = False


@dataclass
class Today:
    coordinator: CoordinatorBlock | None = None
    referrals: list | None = None
    planner: PlannerBlock | None = None
    chair: ChairBlock | None = None
    headline: dict | None = None
    break_glass_open: int | None = None
    admin: bool = False
    supported: list[Line] | None = None

    @property
    def empty(self) -> bool:
        """No block for this user's roles (e.g. a social worker without families yet)."""
        return not (self.coordinator or self.planner or self.chair or self.headline or self.admin) and all(
            block is None for block in (self.referrals, self.break_glass_open, self.supported))


# ------------------------------------------------------------------ coordinators

def is_coordinator(user) -> bool:
    """A jeugdverpleegkundige, or anyone who coordinates an active family (or stands in today)."""
    if user.has_role("jeugdverpleegkundige"):
        return True
    return bool(db.session.scalar(select(exists().where(coordinated_family_clause(user),
                                                        Family.status.in_(ACTIVE)))))


def _lines(user, families: list[Family], detail: str, when: dict | None = None,
           note: dict | None = None) -> list[Line]:
    when, note = when or {}, note or {}
    summaries = gateway.summarise(user, families, access="web", action="read", detail=f"start: {detail}")
    return [Line(s, when.get(s.id), note.get(s.id)) for s in summaries]


def new_families(user, now: datetime | None = None) -> list[Line]:
    """The active families assigned to me in the last NEW_DAYS days that I still coordinate, the
    newest first."""
    since = (now or clock.now()) - timedelta(days=NEW_DAYS)
    latest = (select(CoordinatorAssignment.family_id, func.max(CoordinatorAssignment.at).label("at"))
              .where(CoordinatorAssignment.to_user_id == user.id, CoordinatorAssignment.at >= since)
              .group_by(CoordinatorAssignment.family_id).subquery())
    rows = db.session.execute(
        select(Family, latest.c.at).join(latest, latest.c.family_id == Family.id)
        .where(Family.coordinator_id == user.id, Family.status.in_(ACTIVE), gateway.visibility_clause(user))
        .options(*gateway.list_options()).order_by(latest.c.at.desc(), Family.id).limit(SHOWN)).all()
    return _lines(user, [family for family, _ in rows], "nieuwe gezinnen",
                  when={family.id: clock.as_utc(at) for family, at in rows})


def my_signals(user) -> tuple[list[Line], bool]:
    """The signals of /signalen for my own families: late or risky handovers, the age limit near,
    a birth not recorded, a plan evaluation past (each read through the gateway)."""
    rows = handover.board(user, mine=True, urgent=True, limit=SHOWN + 1)
    lines = [Line(r.summary, r.handover.deadline, HANDOVER_SIGNALS.get(r.signal)) for r in rows[:SHOWN]]
    more = len(rows) > SHOWN
    # each next kind only as many as still fit: the page reads and logs only the families it shows
    # (read together: one load and one decision pass for the three kinds)
    kinds = ((coordination.age_limit_due(user), "Leeftijdsgrens in zicht"),
             (coordination.birth_overdue_due(user), "Geboorte nog niet vastgelegd"),
             (plan_evaluation_due(user), "Evaluatie gezinsplan verlopen"))
    room = max(SHOWN - len(lines), 0)
    read = gateway.read_dated_lists(user, [(dated, 0, room) for dated, _ in kinds], budget=room)
    for (_, text), (found, total) in zip(kinds, read):
        more = more or total > SHOWN - len(lines)
        lines += [Line(s, d, text) for s, d in found]
    return lines, more


def week_of(day: date) -> tuple[datetime, datetime]:
    """Monday 00:00 up to the next Monday 00:00 (Europe/Amsterdam) of the week of ``day``, in UTC."""
    monday = day - timedelta(days=day.weekday())
    return clock.from_local(monday), clock.from_local(monday + timedelta(days=7))


def intakes_this_week(user, day: date | None = None) -> list[Line]:
    """Intakes planned this week and not yet held, of my families or with me taking part."""
    start, end = week_of(day or clock.today())
    taking_part = select(IntakeParticipant.intake_id).where(IntakeParticipant.user_id == user.id)
    rows = db.session.execute(
        select(Intake.family_id, Intake.planned_at, Intake.intake_type).join(Family, Family.id == Intake.family_id)
        .where(Intake.planned_at >= start, Intake.planned_at < end, Intake.held_at.is_(None),
               Family.status.in_(ACTIVE), gateway.visibility_clause(user),
               coordinated_family_clause(user) | Intake.id.in_(taking_part))
        .order_by(Intake.planned_at, Intake.id).limit(SHOWN)).all()
    if not rows:
        return []
    first = {}
    for family_id, planned_at, kind in rows:
        first.setdefault(family_id, (clock.as_utc(planned_at), kind))
    families = list(db.session.scalars(select(Family).where(Family.id.in_(list(first)))
                                       .options(*gateway.list_options())))
    lines = _lines(user, families, "intakes deze week", when={fid: at for fid, (at, _) in first.items()},
                   note={fid: INTAKE_TYPES.get(kind) for fid, (_, kind) in first.items()})
    return sorted(lines, key=lambda line: line.when)


def actions_due(user, day: date | None = None) -> tuple[list, bool]:
    """My open MDO actions due within ACTIONS_AHEAD_DAYS days or overdue (texts only where allowed)."""
    due_by = (day or clock.today()) + timedelta(days=ACTIONS_AHEAD_DAYS)
    actions = mdo.actions_for(user, owner="me", status="open", due_by=due_by, limit=SHOWN + 1)
    return mdo.action_views(user, actions[:SHOWN]), len(actions) > SHOWN


def next_meeting_with_my_families(user) -> tuple[readmodels.MeetingSummary | None, int]:
    """The next MDO (planned or shared, not over) with one of my families on its agenda, and how
    many of my families are on it."""
    mine = (select(AgendaItem.meeting_id).join(Family, Family.id == AgendaItem.family_id)
            .where(coordinated_family_clause(user), gateway.visibility_clause(user)))
    meeting = db.session.scalars(
        select(MdoMeeting).where(MdoMeeting.id.in_(mine), MdoMeeting.status.in_(UPCOMING),
                                 MdoMeeting.starts_at >= clock.now() - timedelta(hours=4))
        .order_by(MdoMeeting.starts_at, MdoMeeting.id).limit(1)).first()
    if meeting is None:
        return None, 0
    count = db.session.scalar(select(func.count()).select_from(AgendaItem).join(Family, Family.id == AgendaItem.family_id)
                              .where(AgendaItem.meeting_id == meeting.id, coordinated_family_clause(user))) or 0
    return readmodels.summaries([meeting])[0], count


def coordinator_block(user) -> CoordinatorBlock:
    signals, signals_more = my_signals(user)
    actions, actions_more = actions_due(user)
    meeting, mine = next_meeting_with_my_families(user)
    return CoordinatorBlock(new_families(user), signals, signals_more, intakes_this_week(user), actions,
                            actions_more, meeting, mine)


# ------------------------------------------------------------------ planner, chair, projectleider

def next_meetings(user, limit: int = 3) -> list[readmodels.MeetingSummary]:
    return [m for m in readmodels.upcoming_meetings(user, days_back=0, limit=limit + 5)
            if m.status in UPCOMING][:limit]


def planner_block(user) -> PlannerBlock:
    """The team's families without a point of contact, the late and risky handovers, the next MDOs."""
    unassigned, unassigned_total = coordination.families_without_contact_list(limit=SHOWN)
    late = handover.board(user, urgent=True, limit=SHOWN)
    late_total = sum(handover.board_counts(user, urgent=True).values())
    return PlannerBlock(unassigned, unassigned_total, late, late_total, next_meetings(user))


def _chaired_meeting(user) -> MdoMeeting | None:
    """The next meeting this user chairs or takes minutes of; else the next one the user may see."""
    stmt = (select(MdoMeeting).where(MdoMeeting.status.in_(UPCOMING),
                                     MdoMeeting.starts_at >= clock.now() - timedelta(hours=4),
                                     (MdoMeeting.chair_id == user.id) | (MdoMeeting.minute_taker_id == user.id))
            .order_by(MdoMeeting.starts_at, MdoMeeting.id).limit(1))
    meeting = db.session.scalars(stmt).first()
    if meeting is None:
        summary = readmodels.next_meeting(user)
        meeting = db.session.get(MdoMeeting, summary.id) if summary else None
    return meeting


def chair_block(user) -> ChairBlock:
    """The next meeting's preparation: agenda items, items without an outcome yet, attendees
    invited, quorum as the meeting page states it (counts only: no family is read)."""
    meeting = _chaired_meeting(user)
    if meeting is None:
        return ChairBlock(None)
    items = db.session.scalar(select(func.count()).select_from(AgendaItem)
                              .where(AgendaItem.meeting_id == meeting.id)) or 0
    with_outcome = select(MdoOutcome.item_id)
    without = db.session.scalar(select(func.count()).select_from(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.status != "niet_besproken",
        AgendaItem.id.not_in(with_outcome))) or 0
    invited = db.session.scalar(select(func.count()).select_from(MdoAttendee)
                                .where(MdoAttendee.meeting_id == meeting.id)) or 0
    return ChairBlock(readmodels.summaries([meeting])[0], items, without, invited, mdo.quorum_for_meeting(meeting),
                      meeting.status == "gedeeld")


def headline(user, day: date | None = None) -> dict:
    """The projectleider's headline figures of the last HEADLINE_DAYS days, as the dashboard shows
    them (small cells suppressed), logged as a view of the report."""
    end = day or clock.today()
    period = reporting.Period(end - timedelta(days=HEADLINE_DAYS - 1), end, None)
    figures = reporting.shown_throughput(period)
    reporting.log_view(user, period, "web: start")
    return {"period": period, "referrals": figures["referrals"],
            "intake_within_term_pct": figures["intake_within_term_pct"],
            "late": figures["open_handovers"]["te_laat"], "without_contact": figures["caseload"]["without_contact"]}


# ------------------------------------------------------------------ informal support

def supported_families(user) -> list[Line]:
    """The active families in whose core team this user is (the volunteer's families), as far as
    she may see them, with the support her organisation gives each (kind and status, no notes)."""
    member = select(CoreTeamMember.family_id).where(CoreTeamMember.user_id == user.id,
                                                    CoreTeamMember.removed_at.is_(None))
    families = list(db.session.scalars(
        select(Family).where(Family.id.in_(member), Family.status.in_(ACTIVE), gateway.visibility_clause(user))
        .options(*gateway.list_options()).order_by(Family.created_at.desc(), Family.id).limit(SHOWN)))
    support = {}
    if families:
        for family_id, kind in db.session.execute(
                select(InformalSupport.family_id, InformalSupport.kind)
                .where(InformalSupport.family_id.in_([f.id for f in families]),
                       InformalSupport.organisation_id == user.organisation_id,
                       InformalSupport.status.in_(("afgesproken", "gestart")))
                .order_by(InformalSupport.starts_on)):
            support.setdefault(family_id, SUPPORT_KINDS.get(kind))
    return _lines(user, families, "steun", note=support)


# ------------------------------------------------------------------ the page

def _referrals(user) -> list | None:
    if not user.roles & (REFERRER_ROLES | OTHER_REFERRING_ROLES):
        return None
    lines = feedback.my_referrals(user, access="start", limit=SHOWN)
    if not lines and not user.roles & REFERRER_ROLES:
        return None      # a nurse or planner who never registered a family: no empty block
    return lines


def today_for(user) -> Today:
    """The blocks of the start page for this user's roles."""
    page = Today()
    page.referrals = _referrals(user)
    if is_coordinator(user):
        page.coordinator = coordinator_block(user)
    if user.has_role("planner"):
        page.planner = planner_block(user)
    if user.has_role("mdo_voorzitter"):
        page.chair = chair_block(user)
    if user.has_role("projectleider"):
        page.headline = headline(user)
    if user.has_role("privacy_officer"):
        page.break_glass_open = sharing.open_break_glass_reviews()
    page.admin = user.has_role("beheerder")
    if user.has_role("informele_steun"):
        page.supported = supported_families(user)
    return page
