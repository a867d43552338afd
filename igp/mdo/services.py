"""MDO services: series, meetings, agenda proposal, attendance, minutes, outcomes, actions,
finalisation, the iCalendar feed."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from igp import clock
from igp.admin.services import find_poli, get_setting, work_calendar
from igp.audit import services as audit
from igp.auth.models import User
from igp.errors import Conflict, Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.ids import as_id
from igp.mdo import rules
from igp.mdo.models import AgendaItem, MdoAction, MdoAttendee, MdoMeeting, MdoOutcome, MdoSeries, MinutesRevision
from igp.notifications.services import notify
from igp.workdays import add_workdays

CHAIR_ROLES = frozenset({"mdo_voorzitter", "planner"})
MDO_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                       "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter"})
ATTENDEE_WINDOW = timedelta(days=30)   # attendees may read an item's family until 30 days after the MDO
ACTIVE_STATUSES = ("aangemeld", "in_intake", "actief")


# ------------------------------------------------------------------ involvement (used by the gateway)

def attended_family_ids(user_id: int):
    """SELECT of family ids on agendas of recent or upcoming meetings this user attends."""
    since = clock.now() - ATTENDEE_WINDOW
    return (select(AgendaItem.family_id)
            .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
            .join(MdoAttendee, MdoAttendee.meeting_id == MdoMeeting.id)
            .where(MdoAttendee.user_id == user_id, MdoAttendee.status != "afwezig",
                   MdoMeeting.status != "geannuleerd", MdoMeeting.starts_at >= since))


def attends_meeting_with_family(user_id: int, family_id: int) -> bool:
    return db.session.scalar(select(func.count()).select_from(
        attended_family_ids(user_id).where(AgendaItem.family_id == family_id).subquery())) > 0


def open_actions_per_owner() -> dict[int, int]:
    return dict(db.session.execute(select(MdoAction.owner_id, func.count()).where(MdoAction.status == "open")
                                   .group_by(MdoAction.owner_id)).all())


def open_actions_count_for_family(family_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(MdoAction).where(
        MdoAction.family_id == family_id, MdoAction.status == "open")) or 0


# ------------------------------------------------------------------ helpers

def _require(actor, roles, message):
    if not actor.roles & roles:
        raise Forbidden(message)


def get_meeting(meeting_id: int) -> MdoMeeting:
    meeting = db.session.execute(select(MdoMeeting).where(MdoMeeting.id == meeting_id).options(
        selectinload(MdoMeeting.items).selectinload(AgendaItem.outcomes),
        selectinload(MdoMeeting.items).selectinload(AgendaItem.revisions),
        selectinload(MdoMeeting.attendees))).scalar_one_or_none()
    if meeting is None:
        raise NotFound("Dit MDO bestaat niet.")
    return meeting


def may_manage(actor, meeting: MdoMeeting) -> bool:
    """The meeting's own chair and minute-taker, and planners (MDO logistics)."""
    return actor.id in (meeting.chair_id, meeting.minute_taker_id) or actor.has_role("planner")


def may_view_meeting(actor, meeting: MdoMeeting) -> bool:
    return may_manage(actor, meeting) or any(a.user_id == actor.id for a in meeting.attendees)


def _require_view(actor, meeting):
    if not may_view_meeting(actor, meeting):
        raise NotFound("Dit MDO bestaat niet.", audit={
            "action": "read", "user": actor, "object_type": "mdo_meeting", "object_id": meeting.id,
            "outcome": "denied", "detail": "not an attendee"})


def _require_manage(actor, meeting):
    _require_view(actor, meeting)
    if not may_manage(actor, meeting):
        raise Forbidden("Alleen de voorzitter, notulist of planner van dit MDO mag dit.")


def _require_open(meeting: MdoMeeting):
    if meeting.status == "afgerond":
        raise Conflict("Dit MDO is afgerond: het verslag is definitief en kan niet meer worden gewijzigd.")
    if meeting.status == "geannuleerd":
        raise Conflict("Dit MDO is geannuleerd.")


def _parse_time(text: str, field: str) -> time:
    try:
        hours, minutes = (int(x) for x in str(text).split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError):
        raise ValidationError({field: "Gebruik een tijd als 13:30."}) from None


def _video_link(data: dict, errors) -> str | None:
    link = data.get("video_link")
    if link in (None, ""):
        return None
    if not isinstance(link, str):
        errors["video_link"] = "De videolink moet een https-adres zijn."
        return None
    link = link.strip()
    if not link.startswith("https://") or len(link) > 300 or any(c.isspace() for c in link):
        errors["video_link"] = "De videolink moet een https-adres zijn."
        return None
    return link


def _user(user_id, field: str, errors: dict) -> User | None:
    if user_id in (None, ""):
        return None
    user = db.session.get(User, as_id(user_id)) if as_id(user_id) else None
    if user is None or not user.is_active:
        errors[field] = "Onbekende of inactieve gebruiker."
    return user


# ------------------------------------------------------------------ series and meetings

def create_series(actor, data: dict) -> MdoSeries:
    from consent import DOMAINS, ROLES
    from igp.families.services import _code, _date, _Errors, _int, _text

    _require(actor, CHAIR_ROLES, "Alleen een MDO-voorzitter of planner maakt een MDO-reeks.")
    errors = _Errors()
    poli = find_poli(str(data.get("poli") or ""))
    if poli is None:
        errors.add("poli", "Kies een poli.")
    name = _text(data, "name", errors, "name", limit=200, label="Naam") or (f"MDO {poli.name}" if poli else "MDO")
    rhythm = _code(data, "rhythm", rules.RHYTHMS, errors, "rhythm", "Ritme", required=True)
    first = _date(data, "first_date", errors, "first_date", label="Eerste datum")
    dates = []
    for i, raw in enumerate(data.get("dates") or []):
        d = _date({"d": raw}, "d", errors, f"dates[{i}]", label="Datum")
        if d:
            dates.append(d)
    if rhythm in ("wekelijks", "tweewekelijks") and not first:
        errors.add("first_date", "Vul de eerste datum van de reeks in.")
    if rhythm == "datumlijst" and not dates:
        errors.add("dates", "Vul de data van de MDO's in.")
    start_time = str(data.get("start_time") or "13:00")
    duration = _int(data, "duration_minutes", errors, "duration_minutes", 15, 480, "Duur (minuten)") or 60
    domains = data.get("quorum_domains") or []
    roles_required = data.get("quorum_roles") or []
    if any(d not in DOMAINS for d in domains):
        errors.add("quorum_domains", f"Kies domeinen uit: {', '.join(DOMAINS)}.")
    if any(r not in ROLES for r in roles_required):
        errors.add("quorum_roles", "Onbekende rol in de quorumregel.")
    chair = _user(data.get("chair_id") or actor.id, "chair_id", errors)
    taker = _user(data.get("minute_taker_id"), "minute_taker_id", errors)
    members = []
    for uid in data.get("member_ids") or []:
        member = _user(uid, "member_ids", errors)
        if member:
            members.append(member.id)
    if errors:
        raise ValidationError(dict(errors))
    _parse_time(start_time, "start_time")
    series = MdoSeries(
        poli_id=poli.id, name=name, rhythm=rhythm, weekday=first.weekday() if first else None,
        start_time=start_time, duration_minutes=duration, first_date=first,
        dates=[d.isoformat() for d in dates] or None,
        location=_text(data, "location", errors, "location", limit=200, label="Locatie"),
        video_link=_video_link(data, errors),
        chair_id=chair.id if chair else None, minute_taker_id=taker.id if taker else None,
        quorum_domains=list(domains), quorum_roles=list(roles_required), member_ids=members, active=True,
    )
    db.session.add(series)
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_series", object_id=series.id)
    generate_meetings(series, weeks=8)
    return series


def generate_meetings(series: MdoSeries, weeks: int = 8, today: date | None = None) -> list[MdoMeeting]:
    """Create the series' meetings for the coming weeks (idempotent)."""
    today = today or clock.today()
    end = today + timedelta(weeks=weeks)
    dates = [date.fromisoformat(d) for d in (series.dates or [])]
    start = _parse_time(series.start_time, "start_time")
    existing = set(db.session.scalars(select(MdoMeeting.starts_at).where(MdoMeeting.series_id == series.id)))
    created = []
    for day in rules.series_dates(series.rhythm, series.first_date, series.weekday, dates, today, end):
        starts_at = clock.from_local(day, start.hour, start.minute)
        if starts_at in existing:
            continue
        meeting = MdoMeeting(series_id=series.id, poli_id=series.poli_id, starts_at=starts_at,
                             duration_minutes=series.duration_minutes, location=series.location,
                             video_link=series.video_link, chair_id=series.chair_id,
                             minute_taker_id=series.minute_taker_id, quorum_domains=list(series.quorum_domains),
                             quorum_roles=list(series.quorum_roles), status="gepland")
        invitees = dict.fromkeys([series.chair_id, series.minute_taker_id, *series.member_ids])
        meeting.attendees = [MdoAttendee(user_id=uid, status="uitgenodigd") for uid in invitees if uid]
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    return created


def generate_all(weeks: int = 8) -> int:
    count = 0
    for series in db.session.scalars(select(MdoSeries).where(MdoSeries.active.is_(True))):
        count += len(generate_meetings(series, weeks))
    return count


def create_meeting(actor, data: dict) -> MdoMeeting:
    """A meeting added by hand (outside a series)."""
    from consent import DOMAINS
    from igp.families.services import _datetime, _Errors, _int, _text

    _require(actor, CHAIR_ROLES, "Alleen een MDO-voorzitter of planner plant een MDO.")
    errors = _Errors()
    poli = find_poli(str(data.get("poli") or ""))
    if poli is None:
        errors.add("poli", f"Onbekende poli '{data.get('poli')}'.")
    starts_at = _datetime(data, "starts_at", errors, "starts_at", label="Begint om")
    if starts_at is None and "starts_at" not in errors:
        errors.add("starts_at", "Vul in wanneer het MDO begint.")
    elif starts_at and starts_at < clock.now() - timedelta(days=7):
        errors.add("starts_at", "Een MDO kan niet meer dan een week terug worden gepland.")
    duration = _int(data, "duration_minutes", errors, "duration_minutes", 15, 480, "Duur (minuten)") or 60
    chair = _user(data.get("chair_id") or (actor.id if actor.has_role("mdo_voorzitter") else None), "chair_id", errors)
    taker = _user(data.get("minute_taker_id"), "minute_taker_id", errors)
    domains = data.get("quorum_domains")
    if domains is None:
        domains = ["zorg", "jgz", "sociaal"]
    if not isinstance(domains, list) or any(d not in DOMAINS for d in domains):
        errors.add("quorum_domains", f"Kies domeinen uit: {', '.join(DOMAINS)}.")
    location = _text(data, "location", errors, "location", limit=200, label="Locatie")
    video = _video_link(data, errors)
    if errors:
        raise ValidationError(dict(errors))
    meeting = MdoMeeting(poli_id=poli.id, starts_at=starts_at, duration_minutes=duration, location=location,
                         video_link=video, chair_id=chair.id if chair else None,
                         minute_taker_id=taker.id if taker else None, quorum_domains=list(domains),
                         quorum_roles=list(data.get("quorum_roles") or []), status="gepland")
    invitees = dict.fromkeys([actor.id, chair.id if chair else None, taker.id if taker else None])
    meeting.attendees = [MdoAttendee(user_id=uid, status="uitgenodigd") for uid in invitees if uid]
    db.session.add(meeting)
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_meeting", object_id=meeting.id)
    return meeting


def upcoming_meetings(actor, *, days_back: int = 14, limit: int = 50) -> list[MdoMeeting]:
    since = clock.now() - timedelta(days=days_back)
    stmt = select(MdoMeeting).where(MdoMeeting.starts_at >= since).order_by(MdoMeeting.starts_at).limit(limit)
    if not actor.roles & CHAIR_ROLES:
        stmt = stmt.where(MdoMeeting.id.in_(select(MdoAttendee.meeting_id).where(MdoAttendee.user_id == actor.id)))
    return list(db.session.scalars(stmt))


def next_meeting(actor, poli_id: int | None = None) -> MdoMeeting | None:
    stmt = select(MdoMeeting).where(MdoMeeting.starts_at >= clock.now() - timedelta(hours=4),
                                    MdoMeeting.status.in_(("gepland", "gedeeld")))
    if poli_id:
        stmt = stmt.where(MdoMeeting.poli_id == poli_id)
    for meeting in db.session.scalars(stmt.order_by(MdoMeeting.starts_at).limit(20)):
        if may_view_meeting(actor, meeting):
            return meeting
    return None


# ------------------------------------------------------------------ agenda proposal

@dataclass
class Proposal:
    family_id: int
    pseudonym: str
    reasons: list[str]
    question: str | None = None
    open_actions: int = 0


def _previous_meeting(meeting: MdoMeeting) -> MdoMeeting | None:
    return db.session.scalars(select(MdoMeeting).where(
        MdoMeeting.poli_id == meeting.poli_id, MdoMeeting.starts_at < meeting.starts_at,
        MdoMeeting.status != "geannuleerd").order_by(MdoMeeting.starts_at.desc()).limit(1)).first()


def proposal_for(meeting: MdoMeeting) -> list[Proposal]:
    """The families the agenda of this meeting should consider, each with its reasons."""
    from igp.handover.models import Handover
    from igp.handover.rules import risk_limit
    from igp.handover.services import risk_workdays

    meeting_day = clock.local_date(meeting.starts_at)
    previous = _previous_meeting(meeting)
    since = previous.starts_at if previous else meeting.starts_at - timedelta(days=14)
    reasons: dict[int, set[str]] = {}

    def add(ids, code):
        for fid in ids:
            reasons.setdefault(fid, set()).add(code)

    in_poli = and_(Family.poli_id == meeting.poli_id, Family.status.in_(ACTIVE_STATUSES))
    add(db.session.scalars(select(Referral.family_id).join(Family, Family.id == Referral.family_id).where(
        in_poli, Referral.received_at >= since, Referral.received_at < meeting.starts_at)), "nieuwe_aanmelding")
    limit = risk_limit(meeting_day, work_calendar(), risk_workdays())
    open_handover = and_(Handover.closed_at.is_(None), Handover.family_id == Family.id, in_poli)
    add(db.session.scalars(select(Handover.family_id).join(Family, Family.id == Handover.family_id)
                           .where(open_handover, Handover.deadline < meeting_day)), "overdracht_te_laat")
    add(db.session.scalars(select(Handover.family_id).join(Family, Family.id == Handover.family_id)
                           .where(open_handover, Handover.deadline >= meeting_day, Handover.deadline < limit)),
        "overdracht_risico")
    open_actions = and_(MdoAction.status == "open", MdoAction.family_id == Family.id, in_poli)
    add(db.session.scalars(select(MdoAction.family_id).join(Family, Family.id == MdoAction.family_id)
                           .where(open_actions, MdoAction.due_date < meeting_day)), "actie_verlopen")
    add(db.session.scalars(select(MdoAction.family_id).join(Family, Family.id == MdoAction.family_id)
                           .where(open_actions, MdoAction.due_date == meeting_day)), "actie_binnenkort")
    add(db.session.scalars(select(Family.id).where(in_poli, Family.mdo_requested_at.is_not(None))),
        "bespreken_gevraagd")
    if previous is not None:
        add(db.session.scalars(select(AgendaItem.family_id).join(Family, Family.id == AgendaItem.family_id).where(
            AgendaItem.meeting_id == previous.id, AgendaItem.status == "niet_besproken", in_poli)),
            "niet_besproken_vorige")
    weeks = int(get_setting("mdo_not_discussed_weeks"))
    cutoff = meeting.starts_at - timedelta(weeks=weeks)
    last_discussed = (select(AgendaItem.family_id, func.max(MdoMeeting.starts_at).label("last"))
                      .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
                      .where(AgendaItem.status == "besproken").group_by(AgendaItem.family_id).subquery())
    # Routine reviews are capped so that the proposal stays an agenda (longest waiting first); the
    # urgent reasons above are never capped.
    waiting_since = func.coalesce(last_discussed.c.last, Family.created_at)
    add(db.session.scalars(
        select(Family.id).outerjoin(last_discussed, last_discussed.c.family_id == Family.id)
        .where(Family.poli_id == meeting.poli_id, Family.status == "actief", Family.created_at < cutoff,
               (last_discussed.c.last.is_(None)) | (last_discussed.c.last < cutoff))
        .order_by(waiting_since, Family.id).limit(int(get_setting("mdo_not_discussed_max")))),
        "lang_niet_besproken")
    already = {item.family_id for item in meeting.items}
    ids = [fid for fid in reasons if fid not in already]
    if not ids:
        return []
    families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(ids)))}
    counts = dict(db.session.execute(select(MdoAction.family_id, func.count()).where(
        MdoAction.family_id.in_(ids), MdoAction.status == "open").group_by(MdoAction.family_id)).all())
    proposals = [Proposal(fid, families[fid].pseudonym, rules.sort_reasons(reasons[fid]),
                          families[fid].mdo_question, counts.get(fid, 0)) for fid in ids]
    urgency = {code: i for i, code in enumerate(rules.REASON_ORDER)}
    return sorted(proposals, key=lambda p: (min(urgency[r] for r in p.reasons), p.pseudonym))


def propose_agenda(actor, meeting_id: int) -> list[Proposal]:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    proposals = proposal_for(meeting)
    for p in proposals:
        audit.record("search", user=actor, object_type="family", object_id=p.family_id,
                     family_pseudonym=p.pseudonym, detail=f"mdo agenda proposal for meeting {meeting.id}")
    return proposals


# ------------------------------------------------------------------ agenda items

def add_item(actor, meeting_id: int, data: dict) -> AgendaItem:
    from igp.families.services import _Errors, _int, _text

    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    errors = _Errors()
    family_id = as_id(data.get("family_id"))
    if family_id is None:
        raise ValidationError({"family_id": "Kies een gezin."})
    family = db.session.get(Family, family_id)
    if family is None:
        raise ValidationError({"family_id": "Onbekend gezin."})
    if family.poli_id != meeting.poli_id:
        errors.add("family_id", f"Gezin {family.pseudonym} hoort bij een andere poli dan dit MDO.")
    if any(i.family_id == family.id for i in meeting.items):
        errors.add("family_id", f"Gezin {family.pseudonym} staat al op de agenda.")
    reasons = data.get("reasons") or ["handmatig"]
    if not isinstance(reasons, list) or any(r not in rules.PROPOSAL_REASONS for r in reasons):
        errors.add("reasons", f"Kies redenen uit: {', '.join(rules.PROPOSAL_REASONS)}.")
    minutes = _int(data, "minutes_planned", errors, "minutes_planned", 1, 120, "Tijd (minuten)") or 10
    question = _text(data, "question", errors, "question", limit=2000, label="Vraag aan het MDO")
    if errors:
        raise ValidationError(dict(errors))
    position = data.get("position")
    item = AgendaItem(meeting_id=meeting.id, family_id=family.id, reasons=rules.sort_reasons(reasons),
                      minutes_planned=minutes, question=question or family.mdo_question, status="gepland",
                      feedback_by_id=family.coordinator_id,
                      position=int(position) if str(position or "").isdigit() else len(meeting.items) + 1)
    meeting.items.append(item)
    _renumber(meeting, moved=item)
    db.session.flush()
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 family_pseudonym=family.pseudonym, detail="agenda item added")
    return item


def accept_proposal(actor, meeting_id: int, family_ids: list[int] | None = None) -> list[AgendaItem]:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    proposals = proposal_for(meeting)
    chosen = [p for p in proposals if family_ids is None or p.family_id in set(family_ids)]
    items = [add_item(actor, meeting.id, {"family_id": p.family_id, "reasons": p.reasons}) for p in chosen]
    return items


def _renumber(meeting: MdoMeeting, moved: AgendaItem | None = None) -> None:
    items = sorted(meeting.items, key=lambda i: (i.position, i is not moved, i.id or 0))
    for index, item in enumerate(items, start=1):
        item.position = index


def update_item(actor, item_id: int, data: dict) -> AgendaItem:
    from igp.families.services import _Errors, _int, _text

    item = get_item(item_id)
    meeting = item.meeting
    _require_manage(actor, meeting)
    _require_open(meeting)
    errors = _Errors()
    if "minutes_planned" in data:
        item.minutes_planned = _int(data, "minutes_planned", errors, "minutes_planned", 1, 120, "Tijd (minuten)") \
            or item.minutes_planned
    if "question" in data:
        item.question = _text(data, "question", errors, "question", limit=2000, label="Vraag aan het MDO")
    if "position" in data:
        position = _int(data, "position", errors, "position", 1, 500, "Volgorde")
        if position:
            item.position = position
            _renumber(meeting, moved=item)
    if errors:
        raise ValidationError(dict(errors))
    audit.record("update", user=actor, object_type="mdo_item", object_id=item.id,
                 family_pseudonym=item.family.pseudonym, detail="agenda item changed")
    return item


def remove_item(actor, item_id: int) -> None:
    item = get_item(item_id)
    meeting = item.meeting
    _require_manage(actor, meeting)
    _require_open(meeting)
    if item.outcomes or item.revisions:
        raise ValidationError({"_": "Dit agendapunt heeft al verslag of uitkomsten; markeer het als 'niet besproken'."})
    pseudonym = item.family.pseudonym
    meeting.items.remove(item)
    db.session.delete(item)
    _renumber(meeting)
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id, family_pseudonym=pseudonym,
                 detail="agenda item removed")


def move_item(actor, item_id: int, direction: int) -> None:
    item = get_item(item_id)
    update_item(actor, item.id, {"position": max(1, item.position + direction)})


def get_item(item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("Dit agendapunt bestaat niet.")
    return item


def share_agenda(actor, meeting_id: int) -> MdoMeeting:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    if not meeting.items:
        raise ValidationError({"_": "De agenda is nog leeg."})
    meeting.status = "gedeeld"
    meeting.agenda_shared_at = clock.now()
    when = clock.local(meeting.starts_at).strftime("%d-%m-%Y %H:%M")
    notify([a.user_id for a in meeting.attendees if a.user_id != actor.id], "mdo",
           f"De agenda van het MDO {meeting.poli.name} op {when} is gedeeld ({len(meeting.items)} gezinnen).")
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id, detail="agenda shared")
    return meeting


# ------------------------------------------------------------------ attendance and quorum

def record_attendance(actor, meeting_id: int, data: dict) -> MdoMeeting:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    entries = data.get("attendees") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValidationError({"attendees": "Geef een lijst met aanwezigheid per persoon."})
    item_ids = {i.id for i in meeting.items}
    errors = {}
    parsed = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            errors[f"attendees[{n}]"] = "Geef per persoon user_id en status."
            continue
        user = _user(entry.get("user_id"), f"attendees[{n}].user_id", errors)
        status = entry.get("status")
        if status not in rules.ATTENDANCE:
            errors[f"attendees[{n}].status"] = f"Kies een status uit: {', '.join(rules.ATTENDANCE)}."
        items = entry.get("item_ids")
        if items is not None and (not isinstance(items, list) or any(i not in item_ids for i in items)):
            errors[f"attendees[{n}].item_ids"] = "Alleen agendapunten van dit MDO."
        if user is not None:
            parsed.append((user, status, items))
    if errors:
        raise ValidationError(errors)
    existing = {a.user_id: a for a in meeting.attendees}
    for user, status, items in parsed:
        row = existing.get(user.id)
        if row is None:
            row = MdoAttendee(user_id=user.id)
            meeting.attendees.append(row)
        row.status = status
        row.item_ids = items
    db.session.flush()
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 detail=f"attendance recorded ({len(parsed)})")
    return meeting


def _present(meeting: MdoMeeting) -> list[tuple[rules.Present, str, list[int] | None]]:
    return [(rules.Present(a.user_id, a.user.organisation.domain, frozenset(a.user.roles)), a.status, a.item_ids)
            for a in meeting.attendees]


def quorum_for_item(meeting: MdoMeeting, item: AgendaItem) -> rules.QuorumResult:
    present = rules.present_for_item(_present(meeting), item.id)
    return rules.quorum(meeting.quorum_domains or [], meeting.quorum_roles or [], present)


def quorum_for_meeting(meeting: MdoMeeting) -> rules.QuorumResult:
    present = [p for p, status, _ in _present(meeting) if status in rules.PRESENT]
    return rules.quorum(meeting.quorum_domains or [], meeting.quorum_roles or [], present)


# ------------------------------------------------------------------ minutes and outcomes

def _require_recorder(actor, meeting: MdoMeeting, item: AgendaItem | None = None):
    """Chair, minute-taker or someone present; and for an item: allowed to see (and so to
    write) this family's MDO minutes under its consent."""
    from igp.sharing import gateway

    _require_view(actor, meeting)
    present = any(a.user_id == actor.id and a.status in rules.PRESENT for a in meeting.attendees)
    if not (may_manage(actor, meeting) or present):
        raise Forbidden("Alleen de voorzitter, notulist of aanwezigen leggen het verslag vast.")
    if item is not None:
        gateway.load_for_write(actor, item.family_id, needs=("mdo_notulen",), context="mdo_bespreking")


def save_minutes(actor, item_id: int, text: str, *, expected_revision: int | None = None) -> MinutesRevision:
    item = get_item(item_id)
    meeting = item.meeting
    _require_recorder(actor, meeting, item)
    _require_open(meeting)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Het verslag is leeg."})
    if len(text) > 20000:
        raise ValidationError({"text": "Het verslag is te lang (hoogstens 20.000 tekens)."})
    current = item.revisions[-1].id if item.revisions else 0
    if expected_revision is not None and expected_revision != current:
        raise Conflict("Iemand anders heeft het verslag intussen gewijzigd. Laad de pagina opnieuw; uw tekst is "
                       "niet opgeslagen, kopieer hem eerst.")
    revision = MinutesRevision(item=item, text=text, author_id=actor.id)
    db.session.add(revision)
    db.session.flush()
    audit.record("update", user=actor, object_type="mdo_item", object_id=item.id,
                 family_pseudonym=item.family.pseudonym, shown=["mdo_notulen"], detail="minutes revision")
    return revision


def add_outcome(actor, item_id: int, data: dict) -> MdoOutcome:
    from igp.families.services import _code, _date, _Errors, _int, _text

    item = get_item(item_id)
    meeting = item.meeting
    if data.get("meeting_id") not in (None, "") and str(data.get("meeting_id")) != str(meeting.id):
        raise ValidationError({"meeting_id": "Dit agendapunt hoort bij een ander MDO."})
    _require_recorder(actor, meeting, item)
    _require_open(meeting)
    errors = _Errors()
    kind = _code(data, "kind", rules.OUTCOME_KINDS, errors, "kind", "Soort uitkomst", required=True)
    text = _text(data, "text", errors, "text", required=True, limit=4000, label="Omschrijving")
    referral_type = None
    if kind == "doorverwijzing":
        referral_type = _code(data, "referral_type", rules.REFERRAL_TYPES, errors, "referral_type",
                              "Soort doorverwijzing", required=True)
    owner = due = None
    if kind == "actie":
        owner_id = data.get("owner_id")
        if owner_id in (None, ""):
            errors.add("owner_id", "Een actie heeft een eigenaar.")
        else:
            owner = _user(owner_id, "owner_id", errors)
        due = _date(data, "due_date", errors, "due_date", label="Uiterlijk")
        workdays = _int(data, "due_workdays", errors, "due_workdays", 1, 120, "Termijn (werkdagen)")
        if due is None and workdays:
            due = add_workdays(clock.local_date(meeting.starts_at), workdays, work_calendar())
        if due is None and "due_date" not in errors and "due_workdays" not in errors:
            errors.add("due_date", "Een actie heeft een uiterste datum (of een termijn in werkdagen).")
        elif due is not None and due < clock.today():
            errors.add("due_date", "De uiterste datum ligt in het verleden.")
    if errors:
        raise ValidationError(dict(errors))
    result = quorum_for_item(meeting, item)
    outcome = MdoOutcome(item=item, kind=kind, text=text, referral_type=referral_type, quorum_met=result.met,
                         created_by_id=actor.id)
    db.session.add(outcome)
    if kind == "actie":
        outcome.action = MdoAction(family_id=item.family_id, owner_id=owner.id, due_date=due, status="open")
        if owner.id != actor.id:
            notify([owner.id], "mdo", f"Nieuwe MDO-actie voor gezin {item.family.pseudonym}, uiterlijk "
                                      f"{due.strftime('%d-%m-%Y')}.", family_id=item.family_id)
    item.status = "besproken"
    if data.get("feedback_by_id"):
        feedback_user = _user(data.get("feedback_by_id"), "feedback_by_id", {})
        if feedback_user:
            item.feedback_by_id = feedback_user.id
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_outcome", object_id=outcome.id,
                 family_pseudonym=item.family.pseudonym, shown=["mdo_notulen"],
                 detail=f"{kind}" + ("" if result.met else " without quorum"))
    return outcome


def mark_not_discussed(actor, item_id: int) -> AgendaItem:
    item = get_item(item_id)
    # Whoever runs the meeting (chair, minute-taker, planner) may mark any item 'niet besproken':
    # it writes no family data, and without it a family whose minutes they may not see would
    # block finalising the MDO. Anyone else present needs the family's consent, as for minutes.
    _require_recorder(actor, item.meeting, None if may_manage(actor, item.meeting) else item)
    _require_open(item.meeting)
    if item.outcomes:
        raise ValidationError({"_": "Dit punt heeft al uitkomsten en is dus besproken."})
    item.status = "niet_besproken"
    audit.record("update", user=actor, object_type="mdo_item", object_id=item.id,
                 family_pseudonym=item.family.pseudonym, detail="not discussed")
    return item


def finalise(actor, meeting_id: int) -> MdoMeeting:
    meeting = get_meeting(meeting_id)
    _require_view(actor, meeting)
    if actor.id != meeting.chair_id and not actor.has_role("mdo_voorzitter"):
        raise Forbidden("Alleen de voorzitter stelt het verslag vast.")
    _require_open(meeting)
    pending = [i.family.pseudonym for i in meeting.items if not i.outcomes and i.status != "niet_besproken"]
    if pending:
        raise ValidationError({"items": "Deze agendapunten hebben nog geen uitkomst: " + ", ".join(pending)
                               + ". Leg een uitkomst vast of markeer ze als 'niet besproken'."})
    meeting.status = "afgerond"
    meeting.finalised_at = clock.now()
    meeting.finalised_by_id = actor.id
    discussed = [i for i in meeting.items if i.status == "besproken"]
    for item in discussed:
        family = item.family
        if family.mdo_requested_at is not None and family.mdo_requested_at <= meeting.starts_at + timedelta(hours=12):
            family.mdo_requested_at = None
            family.mdo_question = None
        if item.feedback_by_id:
            notify([item.feedback_by_id], "mdo", f"Koppel de uitkomst van het MDO terug voor gezin "
                                                 f"{family.pseudonym}.", family_id=family.id)
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 detail=f"finalised: {len(discussed)} discussed, {len(meeting.items) - len(discussed)} not")
    return meeting


# ------------------------------------------------------------------ actions

def actions_for(actor, *, owner: str | None = "me", status: str | None = "open", family_id: int | None = None,
                limit: int = 200) -> list[MdoAction]:
    if status and status not in rules.ACTION_STATUSES:
        raise ValidationError({"status": f"Kies een status uit: {', '.join(rules.ACTION_STATUSES)}."})
    from igp.sharing import gateway

    stmt = select(MdoAction).options(selectinload(MdoAction.outcome).selectinload(MdoOutcome.item),
                                     selectinload(MdoAction.family).options(*gateway.list_options()))
    if owner == "me":
        stmt = stmt.where(MdoAction.owner_id == actor.id)
    elif owner not in (None, "", "all"):
        raise ValidationError({"owner": "Gebruik owner=me of laat het weg."})
    else:
        stmt = stmt.join(Family, Family.id == MdoAction.family_id).where(gateway.visibility_clause(actor))
    if status:
        stmt = stmt.where(MdoAction.status == status)
    if family_id:
        stmt = stmt.where(MdoAction.family_id == family_id)
    return list(db.session.scalars(stmt.order_by(MdoAction.due_date, MdoAction.id).limit(limit)))


def set_action_status(actor, action_id: int, status: str) -> MdoAction:
    action = db.session.get(MdoAction, action_id)
    if action is None:
        raise NotFound("Deze actie bestaat niet.")
    family = action.family
    meeting = action.outcome.item.meeting
    if actor.id not in (action.owner_id, family.coordinator_id, meeting.chair_id):
        from igp.coordination.services import acting_substitute_for
        from igp.sharing import gateway

        if not gateway.is_visible(actor, family.id):
            raise NotFound("Deze actie bestaat niet.")
        if acting_substitute_for(actor, family) is None:
            raise Forbidden("Alleen de eigenaar, de coördinator of de voorzitter werkt deze actie bij.")
    if status not in ("gedaan", "vervallen", "open"):
        raise ValidationError({"status": "Kies gedaan, vervallen of open."})
    action.status = status
    action.done_at = clock.now() if status == "gedaan" else None
    action.done_on = clock.local_date(action.done_at) if action.done_at else None
    audit.record("update", user=actor, object_type="mdo_action", object_id=action.id,
                 family_pseudonym=family.pseudonym, detail=f"action {status}")
    return action


def action_texts(user, actions: list[MdoAction]) -> dict[int, str | None]:
    """The text of each action (MDO minutes category) where this user may read it; each read is
    logged like any other read of family data."""
    from igp.sharing import gateway

    texts: dict[int, str | None] = {}
    decisions = gateway.decisions_for(user, list({a.family_id: a.family for a in actions}.values()))
    for action in actions:
        decision = decisions[action.family_id]
        allowed = decision.may("mdo_notulen")
        texts[action.id] = action.outcome.text if allowed else None
        audit.record("read", user=user, object_type="mdo_action", object_id=action.id,
                     family_pseudonym=action.family.pseudonym, shown=["mdo_notulen"] if allowed else [],
                     withheld=[] if allowed else [("mdo_notulen", decision.reason("mdo_notulen"))],
                     consent_ids=decision.consent_ids if allowed else None, detail="action text")
    return texts


def overdue_actions(user) -> list[MdoAction]:
    from igp.coordination.services import my_family_ids_clause
    from igp.sharing import gateway

    today = clock.today()
    stmt = (select(MdoAction).join(Family, Family.id == MdoAction.family_id)
            .where(MdoAction.status == "open", MdoAction.due_date < today,
                   (MdoAction.owner_id == user.id) | my_family_ids_clause(user))
            .options(selectinload(MdoAction.family).options(*gateway.list_options()))
            .order_by(MdoAction.due_date).limit(200))
    return list(db.session.scalars(stmt))


def family_history(family_id: int) -> list[AgendaItem]:
    """The MDO discussions of a family, newest first (content shown only through the gateway)."""
    return list(db.session.scalars(
        select(AgendaItem).join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.family_id == family_id).order_by(MdoMeeting.starts_at.desc())
        .options(selectinload(AgendaItem.outcomes), selectinload(AgendaItem.revisions),
                 selectinload(AgendaItem.meeting))))


def request_discussion(actor, family_id: int, question: str) -> Family:
    from igp.sharing import gateway

    family, _ = gateway.load_for_write(actor, family_id)
    _require(actor, MDO_ROLES - {"informele_steun"}, "Uw rol mag geen bespreking in het MDO aanvragen.")
    question = (question or "").strip()
    if len(question) < 5:
        raise ValidationError({"question": "Formuleer de vraag aan het MDO."})
    if len(question) > 2000:
        raise ValidationError({"question": "De vraag is te lang (hoogstens 2000 tekens)."})
    family.mdo_requested_at = clock.now()
    family.mdo_requested_by_id = actor.id
    family.mdo_question = question
    audit.record("update", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 detail="MDO discussion requested")
    return family


# ------------------------------------------------------------------ calendar feed

def feed_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_feed_token(user) -> str:
    from igp.admin.services import set_setting

    raw = secrets.token_urlsafe(24)
    tokens = dict(get_setting("ics_tokens") or {})
    tokens[str(user.id)] = feed_token_hash(raw)
    set_setting("ics_tokens", tokens)
    return raw


def user_for_feed(raw: str) -> User | None:
    tokens = get_setting("ics_tokens") or {}
    digest = feed_token_hash(raw or "")
    for user_id, stored in tokens.items():
        if secrets.compare_digest(stored, digest):
            user = db.session.get(User, as_id(user_id)) if as_id(user_id) else None
            return user if user and user.is_active else None
    return None


def ics_feed(user) -> bytes:
    """The user's MDO meetings as iCalendar: times with TZID Europe/Amsterdam, no family data."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//IGP casusregie//MDO//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "IGP MDO's")
    since = clock.now() - timedelta(days=60)
    meetings = db.session.scalars(select(MdoMeeting).where(
        MdoMeeting.starts_at >= since, MdoMeeting.status != "geannuleerd",
        MdoMeeting.id.in_(select(MdoAttendee.meeting_id).where(MdoAttendee.user_id == user.id)))
        .order_by(MdoMeeting.starts_at))
    for meeting in meetings:
        event = Event()
        start = clock.local(meeting.starts_at)
        event.add("uid", f"mdo-{meeting.id}@igp")
        event.add("summary", f"MDO {meeting.poli.name}")
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=meeting.duration_minutes))
        event.add("dtstamp", clock.now())
        if meeting.location:
            event.add("location", meeting.location)
        if meeting.video_link:
            event.add("url", meeting.video_link)
        event.add("description", f"{len(meeting.items)} gezinnen op de agenda (zie de IGP-casusregie).")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# ------------------------------------------------------------------ the meeting page

@dataclass
class ItemView:
    item: AgendaItem
    family: object | None          # gateway.FamilyView, or None when this viewer may not see the family
    quorum: rules.QuorumResult
    open_actions: list
    minutes: str | None
    may_minutes: bool


def meeting_page(actor, meeting_id: int, *, access: str = "web",
                 audit_action: str = "read") -> tuple[MdoMeeting, list[ItemView]]:
    """The meeting with, per agenda item, only what this attendee may see of the family;
    logged as `audit_action` ('print' for the printable agenda with its minutes)."""
    from igp.sharing import gateway

    meeting = get_meeting(meeting_id)
    _require_view(actor, meeting)
    audit.record(audit_action, user=actor, object_type="mdo_meeting", object_id=meeting.id, detail=access)
    family_ids = [i.family_id for i in meeting.items]
    actions: dict[int, list] = {}
    if family_ids:
        for action in db.session.scalars(select(MdoAction).where(MdoAction.family_id.in_(family_ids),
                                                                 MdoAction.status == "open")
                                         .order_by(MdoAction.due_date)):
            actions.setdefault(action.family_id, []).append(action)
    views = []
    family_views = gateway.read_families(actor, [i.family_id for i in meeting.items], context="mdo_bespreking",
                                         access=f"{access}: mdo", action=audit_action)
    for item in meeting.items:
        family_view = family_views.get(item.family_id)
        may_minutes = family_view is not None and family_view.may("mdo_notulen")
        views.append(ItemView(item=item, family=family_view, quorum=quorum_for_item(meeting, item),
                              open_actions=actions.get(item.family_id, []),
                              minutes=item.revisions[-1].text if may_minutes and item.revisions else None,
                              may_minutes=may_minutes))
    return meeting, views
