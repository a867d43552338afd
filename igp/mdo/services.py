"""MDO services: series, meetings, agenda proposal, attendance, minutes, outcomes, actions,
finalisation, the iCalendar feed."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select, union
from sqlalchemy.orm import selectinload

import consent
from igp import clock
from igp.admin.services import find_poli, get_setting, poli_team, set_setting, work_calendar
from igp.audit import services as audit
from igp.auth.models import User
from igp.errors import Conflict, Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.handover.models import Handover
from igp.handover.rules import risk_limit
from igp.handover.services import risk_workdays
from igp.ids import as_id
from igp.mdo import rules, schemas
from igp.mdo.models import AgendaItem, MdoAction, MdoAttendee, MdoMeeting, MdoOutcome, MdoSeries, MinutesRevision
from igp.notifications.services import notify
from igp.sharing import gateway, listed
from igp.sharing.involvement import coordinated_family_clause as my_family_ids_clause
from igp.sharing.involvement import substituted_user_ids
from igp.sharing.related import ActionView
from igp.sql import id_in
from igp.validation import parse
from igp.workdays import add_workdays

CHAIR_ROLES = frozenset({"mdo_voorzitter", "planner"})
MDO_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                       "sociaal_werker", "planner", "informele_steun", "mdo_voorzitter"})
ACTIVE_STATUSES = ("aangemeld", "in_intake", "actief")


# ------------------------------------------------------------------ counts

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
        # each outcome's action in the same IN load (issue 21: not one statement per outcome)
        selectinload(MdoMeeting.items).selectinload(AgendaItem.outcomes).selectinload(MdoOutcome.action),
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


def _user(user_id, field: str, errors: dict) -> User | None:
    if user_id in (None, ""):
        return None
    user = db.session.get(User, as_id(user_id)) if as_id(user_id) else None
    if user is None or not user.is_active:
        errors[field] = "Onbekende of inactieve gebruiker."
    return user


def _users(fields: dict[str, int | None]) -> tuple[dict[str, User | None], dict[str, str]]:
    """The users a command names (field -> id), each active; or the fields that name none."""
    errors: dict[str, str] = {}
    return {field: _user(uid, field, errors) for field, uid in fields.items()}, errors


def _poli_or_error(code: str | None) -> tuple[object, dict[str, str]]:
    poli = find_poli(code or "")
    return poli, ({} if poli is not None else {"poli": f"Onbekende poli '{code}'."})


def quorum_default() -> tuple[list[str], list[str]]:
    """The IGP's quorum rule for a new series or meeting that names none (setting)."""
    return list(get_setting("mdo_quorum_domains")), list(get_setting("mdo_quorum_roles"))


def _quorum(command) -> tuple[list[str], list[str]]:
    domains, roles = quorum_default()
    return (domains if command.quorum_domains is None else command.quorum_domains,
            roles if command.quorum_roles is None else command.quorum_roles)


# ------------------------------------------------------------------ series and meetings

def create_series(actor, data: dict) -> MdoSeries:
    """parse (every field, also location and link) -> references -> rule (dates) -> apply -> audit."""
    _require(actor, CHAIR_ROLES, "Alleen een MDO-voorzitter of planner maakt een MDO-reeks.")
    command = parse(schemas.SeriesIn, data)
    poli, errors = _poli_or_error(command.poli)
    people, user_errors = _users({"chair_id": command.chair_id or actor.id, "minute_taker_id": command.minute_taker_id})
    members, member_errors = _users({f"member_ids[{i}]": uid for i, uid in enumerate(command.member_ids)})
    errors = {**errors, **user_errors, **rules.series_problems(command.rhythm, command.first_date, command.dates),
              **({"member_ids": next(iter(member_errors.values()))} if member_errors else {})}
    if errors:
        raise ValidationError(errors)
    domains, roles_required = _quorum(command)
    first = command.first_date
    series = MdoSeries(
        poli_id=poli.id, name=command.name or f"MDO {poli.name}", rhythm=command.rhythm,
        weekday=first.weekday() if first else None, start_time=command.start_time or "13:00",
        duration_minutes=command.duration_minutes or 60, first_date=first,
        dates=[d.isoformat() for d in command.dates] or None, location=command.location, video_link=command.video_link,
        chair_id=_id_of(people["chair_id"]), minute_taker_id=_id_of(people["minute_taker_id"]),
        quorum_domains=domains, quorum_roles=roles_required, member_ids=[m.id for m in members.values()], active=True,
    )
    db.session.add(series)
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_series", object_id=series.id)
    generate_meetings(series, weeks=8)
    return series


def _id_of(user: User | None) -> int | None:
    return user.id if user is not None else None


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
    _require(actor, CHAIR_ROLES, "Alleen een MDO-voorzitter of planner plant een MDO.")
    command = parse(schemas.MeetingIn, data)
    poli, errors = _poli_or_error(command.poli)
    people, user_errors = _users({
        "chair_id": command.chair_id or (actor.id if actor.has_role("mdo_voorzitter") else None),
        "minute_taker_id": command.minute_taker_id})
    errors = {**errors, **user_errors, **rules.meeting_start_problems(command.starts_at, clock.now())}
    if errors:
        raise ValidationError(errors)
    domains, roles_required = _quorum(command)
    chair, taker = people["chair_id"], people["minute_taker_id"]
    meeting = MdoMeeting(poli_id=poli.id, starts_at=command.starts_at, duration_minutes=command.duration_minutes or 60,
                         location=command.location, video_link=command.video_link, chair_id=_id_of(chair),
                         minute_taker_id=_id_of(taker), quorum_domains=domains, quorum_roles=roles_required,
                         status="gepland")
    invitees = dict.fromkeys([actor.id, _id_of(chair), _id_of(taker)])
    meeting.attendees = [MdoAttendee(user_id=uid, status="uitgenodigd") for uid in invitees if uid]
    db.session.add(meeting)
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_meeting", object_id=meeting.id)
    return meeting


# ------------------------------------------------------------------ agenda proposal

@dataclass
class Proposal:
    family_id: int
    pseudonym: str
    reasons: list[str]
    question: str | None = None     # only where the reader may see the MDO content (mdo_notulen)
    open_actions: int = 0
    name: str | None = None         # only where the reader may see NAW
    coordinator: str | None = None
    mdo_consent: bool = True        # False: goes on the agenda anonymously
    may_open: bool = False          # the reader may open the family page (the proposal links it)


def _previous_meeting(meeting: MdoMeeting) -> MdoMeeting | None:
    return db.session.scalars(select(MdoMeeting).where(
        MdoMeeting.poli_id == meeting.poli_id, MdoMeeting.starts_at < meeting.starts_at,
        MdoMeeting.status != "geannuleerd").order_by(MdoMeeting.starts_at.desc()).limit(1)).first()


def _add(into: dict[int, set[str]], ids, code: str) -> None:
    for fid in ids:
        into.setdefault(fid, set()).add(code)


def _urgent_candidates(meeting: MdoMeeting, previous: MdoMeeting | None) -> dict[int, set[str]]:
    """Family id -> the urgent reason codes, each read on its own small table (recent referrals,
    open handovers, open actions, requests, the previous agenda), before poli, status and
    visibility are checked (by `_proposal_reasons`, in one statement)."""
    meeting_day = clock.local_date(meeting.starts_at)
    since = previous.starts_at if previous else meeting.starts_at - timedelta(days=14)
    found: dict[int, set[str]] = {}
    _add(found, db.session.scalars(select(Referral.family_id).where(
        Referral.received_at >= since, Referral.received_at < meeting.starts_at)), "nieuwe_aanmelding")
    limit = risk_limit(meeting_day, work_calendar(), risk_workdays())
    open_handovers = db.session.execute(select(Handover.family_id, Handover.deadline).where(
        Handover.closed_at.is_(None), Handover.deadline < limit)).all()
    _add(found, (fid for fid, deadline in open_handovers if deadline < meeting_day), "overdracht_te_laat")
    _add(found, (fid for fid, deadline in open_handovers if deadline >= meeting_day), "overdracht_risico")
    open_actions = db.session.execute(select(MdoAction.family_id, MdoAction.due_date).where(
        MdoAction.status == "open", MdoAction.due_date <= meeting_day)).all()
    _add(found, (fid for fid, due in open_actions if due < meeting_day), "actie_verlopen")
    _add(found, (fid for fid, due in open_actions if due == meeting_day), "actie_binnenkort")
    _add(found, db.session.scalars(select(Family.id).where(
        Family.poli_id == meeting.poli_id, Family.mdo_requested_at.is_not(None))), "bespreken_gevraagd")
    if previous is not None:
        _add(found, db.session.scalars(select(AgendaItem.family_id).where(
            AgendaItem.meeting_id == previous.id, AgendaItem.status == "niet_besproken")), "niet_besproken_vorige")
    return found


def _longest_waiting(meeting: MdoMeeting, visible, cutoff, cap: int, earlier: list[tuple]) -> list[int]:
    """The active families of the meeting's poli (that ``visible`` shows) not discussed since the
    cut-off, longest waiting first (since their last discussion, or since their aanmelding when
    never), at most ``cap``: the families never discussed, read in order of creation along an index,
    merged with ``earlier``, the (last discussion, id) of those discussed before the cut-off."""
    discussed = select(AgendaItem.id).where(AgendaItem.family_id == Family.id, AgendaItem.status == "besproken")
    never = db.session.execute(select(Family.created_at, Family.id).where(
        Family.poli_id == meeting.poli_id, Family.status == "actief", Family.created_at < cutoff, visible,
        ~discussed.exists()).order_by(Family.created_at, Family.id).limit(cap)).all()
    return [fid for _since, fid in sorted([*never, *earlier], key=lambda row: (clock.as_utc(row[0]), row[1]))[:cap]]


def _proposal_reasons(meeting: MdoMeeting, visible) -> dict[int, set[str]]:
    """Family id -> reason codes, for the families of the meeting's poli that ``visible`` (an SQL
    condition) lets the reader see. Counts and codes only: nothing is decrypted here. The families
    that the urgent reasons name, and those last discussed before the cut-off, are checked against
    the poli, the status and ``visible`` in one statement by primary key (issue 21: not the poli's
    whole caseload once per reason)."""
    candidates = _urgent_candidates(meeting, _previous_meeting(meeting))
    cutoff = meeting.starts_at - timedelta(weeks=int(get_setting("mdo_not_discussed_weeks")))
    # the families of this poli still in the IGP whose last discussion is before the cutoff (not those
    # of the whole region: at 100k families that list was thousands of ids long; issue 21)
    last = dict(db.session.execute(
        select(AgendaItem.family_id, func.max(MdoMeeting.starts_at)).join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
        .join(Family, Family.id == AgendaItem.family_id)
        .where(AgendaItem.status == "besproken", Family.poli_id == meeting.poli_id, Family.status.in_(ACTIVE_STATUSES))
        .group_by(AgendaItem.family_id).having(func.max(MdoMeeting.starts_at) < cutoff)).all())
    ids = sorted({*candidates, *last})
    rows = db.session.execute(select(Family.id, Family.status, Family.created_at).where(
        id_in(Family.id, ids or [0]), Family.poli_id == meeting.poli_id, Family.status.in_(ACTIVE_STATUSES),
        visible)).all()
    reasons = {fid: set(candidates[fid]) for fid, _status, _created in rows if fid in candidates}
    earlier = [(last[fid], fid) for fid, status, created in rows
               if fid in last and status == "actief" and clock.as_utc(created) < cutoff]
    # Routine reviews are capped so that the proposal stays an agenda (longest waiting first); the
    # urgent reasons above are never capped.
    _add(reasons, _longest_waiting(meeting, visible, cutoff, int(get_setting("mdo_not_discussed_max")), earlier),
         "lang_niet_besproken")
    return reasons


def proposal_for(meeting: MdoMeeting, actor) -> list[Proposal]:
    """The families the agenda of this meeting should consider, each with its reasons: only
    families the actor may put on an agenda (a care relationship, or planner), read through the
    gateway (each one logged; name and question only where allowed)."""
    reasons = _proposal_reasons(meeting, gateway.visibility_clause(actor, direct_only=True))
    already = {item.family_id for item in meeting.items}
    ids = [fid for fid in reasons if fid not in already]
    if not ids:
        return []
    families = listed.load_rows(listed.family_select(Family.id.in_(ids), with_mdo_question=True))
    summaries = gateway.summarise(actor, families, access="web", action="search", context="mdo_bespreking",
                                  detail=f"mdo agenda proposal for meeting {meeting.id}", with_mdo_question=True)
    covered = gateway.consent_covers_bulk(ids, "mdo_bespreking")
    counts = dict(db.session.execute(select(MdoAction.family_id, func.count()).where(
        MdoAction.family_id.in_(ids), MdoAction.status == "open").group_by(MdoAction.family_id)).all())
    openable = set(db.session.scalars(select(Family.id).where(Family.id.in_(ids), gateway.visibility_clause(actor))))
    proposals = [Proposal(s.id, s.pseudonym, rules.sort_reasons(reasons[s.id]), s.extra.get("mdo_question"),
                          counts.get(s.id, 0), s.name, s.extra.get("coordinator"), s.id in covered, s.id in openable)
                 for s in summaries]
    urgency = {code: i for i, code in enumerate(rules.REASON_ORDER)}
    return sorted(proposals, key=lambda p: (min(urgency[r] for r in p.reasons), p.pseudonym))


def propose_agenda(actor, meeting_id: int) -> list[Proposal]:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    return proposal_for(meeting, actor)


# ------------------------------------------------------------------ agenda items

AGENDA_KINDS = consent.DIRECT_CARE_KINDS | {"team_planner"}


def _family_for_agenda(actor, data: dict):
    """The family to put on an agenda: one the actor may already see through a care relationship
    (registering organisation, coordinator or substitute, core team) or as planner. MDO
    attendance does not count, so an agenda never widens itself. An unknown or invisible id or
    pseudonym answers exactly alike (404)."""
    family_id = as_id(data.get("family_id"))
    pseudonym = data.get("pseudonym")
    if family_id is None and isinstance(pseudonym, str) and pseudonym.strip():
        family_id = gateway.visible_id_for_pseudonym(actor, pseudonym, direct_only=True)
        if family_id is None:
            raise gateway.refusal(actor, None, "mdo agenda: no such family (pseudonym)")
    elif family_id is None:
        raise ValidationError({"family_id": "Kies een gezin."})
    return gateway.load_for_write(actor, family_id, requires=AGENDA_KINDS, access="mdo agenda", refusal=(
        "U kunt alleen een gezin op de agenda zetten dat u al mag zien als aanmelder, coördinator, vervanger, "
        "kernteamlid of planner."))


def add_item(actor, meeting_id: int, data: dict) -> AgendaItem:
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    family, _ = _family_for_agenda(actor, data)
    command = parse(schemas.ItemIn, data)
    problems = rules.item_problems(
        family.pseudonym, same_poli=family.poli_id == meeting.poli_id,
        already_on_agenda=any(i.family_id == family.id for i in meeting.items), anonymous=command.anonymous,
        mdo_consent=command.anonymous or gateway.consent_covers(family, "mdo_bespreking"))
    if problems:
        raise ValidationError(problems)
    item = AgendaItem(meeting_id=meeting.id, family_id=family.id, reasons=rules.sort_reasons(command.reasons or
                                                                                            ["handmatig"]),
                      minutes_planned=command.minutes_planned or 10,
                      question=command.question or (None if command.anonymous else family.mdo_question),
                      status="gepland", anonymous=command.anonymous, feedback_by_id=family.coordinator_id,
                      position=command.position or len(meeting.items) + 1)
    meeting.items.append(item)
    _renumber(meeting, moved=item)
    db.session.flush()
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 family_pseudonym=family.pseudonym,
                 detail="agenda item added" + (" (anoniem bespreken)" if command.anonymous else ""))
    return item


def accept_proposal(actor, meeting_id: int, family_ids: list[int] | None = None) -> list[AgendaItem]:
    """Put the proposed families on the agenda; a family without consent for the MDO goes on
    it anonymously (pseudonym and question only)."""
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    proposals = proposal_for(meeting, actor)
    chosen = [p for p in proposals if family_ids is None or p.family_id in set(family_ids)]
    return [add_item(actor, meeting.id, {"family_id": p.family_id, "reasons": p.reasons,
                                         "anonymous": not p.mdo_consent}) for p in chosen]


def _renumber(meeting: MdoMeeting, moved: AgendaItem | None = None) -> None:
    items = sorted(meeting.items, key=lambda i: (i.position, i is not moved, i.id or 0))
    for index, item in enumerate(items, start=1):
        item.position = index


def update_item(actor, item_id: int, data: dict) -> AgendaItem:
    item = get_item(item_id)
    meeting = item.meeting
    _require_manage(actor, meeting)
    _require_open(meeting)
    command = parse(schemas.ItemUpdateIn, data)
    sent = command.model_fields_set
    if "minutes_planned" in sent and command.minutes_planned:
        item.minutes_planned = command.minutes_planned
    if "question" in sent:
        item.question = command.question
    if "position" in sent and command.position:
        item.position = command.position
        _renumber(meeting, moved=item)
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
    command = parse(schemas.AttendanceIn, data)
    item_ids = {i.id for i in meeting.items}
    started = has_started(meeting)
    errors = {}
    parsed = []
    for n, entry in enumerate(command.attendees):
        user = _user(entry.user_id, f"attendees[{n}].user_id", errors)
        if entry.status is None:
            errors[f"attendees[{n}].status"] = f"Kies een status uit: {', '.join(rules.ATTENDANCE.values())}."
        elif rules.attendance_problem(entry.status, started):
            errors[f"attendees[{n}].status"] = rules.attendance_problem(entry.status, started)
        if entry.item_ids is not None and any(i not in item_ids for i in entry.item_ids):
            errors[f"attendees[{n}].item_ids"] = "Alleen agendapunten van dit MDO."
        if user is not None:
            parsed.append((user, entry.status, entry.item_ids))
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


def has_started(meeting: MdoMeeting) -> bool:
    """The meeting's start has come (presence may be confirmed, the minutes finalised)."""
    return clock.now() >= clock.ensure_utc(meeting.starts_at)


def _present(meeting: MdoMeeting) -> list[tuple[rules.Present, str, list[int] | None]]:
    started = has_started(meeting)
    return [(rules.Present(a.user_id, a.user.organisation.domain, frozenset(a.user.roles)),
             rules.counted_status(a.status, started), a.item_ids) for a in meeting.attendees]


def invite_team(actor, meeting_id: int) -> list[MdoAttendee]:
    """Invite in one action the kernteam of the meeting (the series' members and the poli's
    kernteam) and the coordinators of the families on the agenda, as 'uitgenodigd'; those already
    listed are skipped. An invitation is an access grant (attendees read the agenda's families
    within the window), so only who manages the meeting's attendance does this."""
    meeting = get_meeting(meeting_id)
    _require_manage(actor, meeting)
    _require_open(meeting)
    series_members = list(meeting.series.member_ids or []) if meeting.series else []
    team = [m.user_id for m in poli_team(meeting.poli_id)]
    coordinators = [i.family.coordinator_id for i in meeting.items]
    candidates = rules.new_invitees([*series_members, *team, *coordinators], [a.user_id for a in meeting.attendees])
    users = [u for u in (db.session.get(User, uid) for uid in candidates) if u is not None and u.is_active]
    added = [MdoAttendee(user_id=u.id, status="uitgenodigd") for u in users]
    meeting.attendees.extend(added)
    db.session.flush()
    when = clock.local(meeting.starts_at).strftime("%d-%m-%Y %H:%M")
    notify([u.id for u in users if u.id != actor.id], "mdo",
           f"U bent uitgenodigd voor het MDO {meeting.poli.name} op {when}.")
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 detail=f"invited kernteam and coordinators ({len(added)})")
    return added


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
    text = parse(schemas.MinutesIn, {"text": text.strip() if isinstance(text, str) else text}).text
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


def _action_owner(command, item: AgendaItem, meeting: MdoMeeting) -> tuple[User | None, date | None, dict]:
    """An action's owner (someone involved with the family, who can open it to follow it up) and
    its due date (a date, or a number of working days after the meeting)."""
    if command.kind != "actie":
        return None, None, {}
    people, errors = _users({"owner_id": command.owner_id})
    owner = people["owner_id"]
    if owner is not None and not errors and not gateway.is_visible(owner, item.family_id):
        errors["owner_id"] = (f"{owner.name} is niet betrokken bij dit gezin en kan de actie niet opvolgen; kies "
                              "iemand uit het kernteam van het gezin.")
    due = command.due_date
    if due is None and command.due_workdays:
        due = add_workdays(clock.local_date(meeting.starts_at), command.due_workdays, work_calendar())
    return owner, due, {**errors, **rules.action_problems(command.owner_id, due, clock.today())}


def add_outcome(actor, item_id: int, data: dict) -> MdoOutcome:
    """parse -> authorise (the family's MDO minutes) -> rules (kind, action) -> apply -> audit."""
    item = get_item(item_id)
    meeting = item.meeting
    if isinstance(data, dict) and data.get("meeting_id") not in (None, "") \
            and str(data.get("meeting_id")) != str(meeting.id):
        raise ValidationError({"meeting_id": "Dit agendapunt hoort bij een ander MDO."})
    _require_recorder(actor, meeting, item)
    _require_open(meeting)
    command = parse(schemas.OutcomeIn, data)
    owner, due, problems = _action_owner(command, item, meeting)
    problems = {**rules.outcome_problems(command.kind, command.referral_type), **problems}
    if problems:
        raise ValidationError(problems)
    result = quorum_for_item(meeting, item)
    outcome = MdoOutcome(item=item, kind=command.kind, text=command.text,
                         referral_type=command.referral_type if command.kind == "doorverwijzing" else None,
                         quorum_met=result.met, created_by_id=actor.id)
    db.session.add(outcome)
    if owner is not None:
        outcome.action = MdoAction(family_id=item.family_id, owner_id=owner.id, due_date=due, status="open")
        if owner.id != actor.id:
            notify([owner.id], "mdo", "Nieuwe MDO-actie voor gezin {gezin}, uiterlijk "
                                      f"{due.strftime('%d-%m-%Y')}.", family_id=item.family_id)
    item.status = "besproken"
    feedback_user = _user(command.feedback_by_id, "feedback_by_id", {})
    if feedback_user is not None and feedback_user.is_active:
        item.feedback_by_id = feedback_user.id
    db.session.flush()
    audit.record("create", user=actor, object_type="mdo_outcome", object_id=outcome.id,
                 family_pseudonym=item.family.pseudonym, shown=["mdo_notulen"],
                 detail=f"{command.kind}" + ("" if result.met else " without quorum"))
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


def may_finalise(actor, meeting) -> bool:
    """The chair (of this meeting, or an MDO chair) once the meeting has started."""
    return actor.id == meeting.chair_id or actor.has_role("mdo_voorzitter")


def finalise_check(actor, meeting_id: int) -> tuple[MdoMeeting, list[AgendaItem]]:
    """The meeting the actor may finalise now, and its items without an outcome (to confirm)."""
    meeting = get_meeting(meeting_id)
    _require_view(actor, meeting)
    if not may_finalise(actor, meeting):
        raise Forbidden("Alleen de voorzitter stelt het verslag vast.")
    _require_open(meeting)
    problem = rules.finalise_problem(has_started(meeting))
    if problem:
        raise Conflict(problem)
    # an item already marked "niet besproken" is no question any more
    return meeting, [i for i in meeting.items if not i.outcomes and i.status != "niet_besproken"]


def finalise(actor, meeting_id: int, data: dict | None = None) -> tuple[MdoMeeting, list[AgendaItem]]:
    """After the start and a confirmation (confirm: true): the items without outcome become
    'niet besproken' (proposed for the next MDO) and the minutes are final."""
    meeting, without_outcome = finalise_check(actor, meeting_id)
    if not parse(schemas.FinaliseIn, data or {}).confirm:
        raise ValidationError({"confirm": "Bevestig het vaststellen: het verslag is daarna definitief."})
    for item in without_outcome:
        item.status = "niet_besproken"
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
            notify([item.feedback_by_id], "mdo", "Koppel de uitkomst van het MDO terug voor gezin {gezin}: "
                   "leg het vast onder 'Terugkoppeling' op de gezinspagina.", family_id=family.id)
    audit.record("update", user=actor, object_type="mdo_meeting", object_id=meeting.id,
                 detail=f"finalised: {len(discussed)} discussed, {len(meeting.items) - len(discussed)} not")
    return meeting, without_outcome


# ------------------------------------------------------------------ actions

def actions_for(actor, *, owner: str | None = "me", status: str | None = "open", family_id: int | None = None,
                limit: int = 200, due_by: date | None = None) -> list[MdoAction]:
    """The actions of the filters on families the actor may see, the earliest date first; ``due_by``:
    only those due on or before that date (overdue ones included)."""
    if status and status not in rules.ACTION_STATUSES:
        raise ValidationError({"status": f"Kies een status uit: {', '.join(rules.ACTION_STATUSES)}."})

    stmt = select(MdoAction).options(selectinload(MdoAction.outcome).selectinload(MdoOutcome.item),
                                     selectinload(MdoAction.family).options(*gateway.list_options()))
    if owner == "me":
        # also the open actions of the colleagues this actor stands in for today ("namens")
        mine = MdoAction.owner_id == actor.id
        substituted = substituted_user_ids(actor.id)
        if substituted:
            mine = mine | (MdoAction.owner_id.in_(substituted) & (MdoAction.status == "open"))
        stmt = stmt.where(mine)
    elif owner not in (None, "", "all"):
        raise ValidationError({"owner": "Gebruik owner=me of laat het weg."})
    # only actions on families the actor may (still) see, also for the owner
    stmt = stmt.join(Family, Family.id == MdoAction.family_id).where(gateway.visibility_clause(actor))
    if status:
        stmt = stmt.where(MdoAction.status == status)
    if family_id:
        stmt = stmt.where(MdoAction.family_id == family_id)
    if due_by:
        stmt = stmt.where(MdoAction.due_date <= due_by)
    return list(db.session.scalars(stmt.order_by(MdoAction.due_date, MdoAction.id).limit(limit)))


def set_action_status(actor, action_id: int, status: str) -> MdoAction:
    """The owner, the coordinator or the chair marks an action done, dropped or open; so does
    whoever stands in today for the absent owner or coordinator, on her behalf (on_behalf_of)."""
    action = db.session.get(MdoAction, action_id)
    if action is None or not gateway.is_visible(actor, action.family_id):
        raise NotFound("Deze actie bestaat niet.")   # unknown, or of a family the actor may not see: alike
    family = action.family
    meeting = action.outcome.item.meeting
    may, on_behalf_of = rules.action_status_on_behalf_of(actor.id, action.owner_id, family.coordinator_id,
                                                         meeting.chair_id, substituted_user_ids(actor.id))
    if not may:
        raise Forbidden("Alleen de eigenaar, de coördinator of de voorzitter werkt deze actie bij.")
    status = parse(schemas.ActionStatusIn, {"status": status}).status
    action.status = status
    action.done_at = clock.now() if status == "gedaan" else None
    action.done_on = clock.local_date(action.done_at) if action.done_at else None
    audit.record("update", user=actor, object_type="mdo_action", object_id=action.id, on_behalf_of_id=on_behalf_of,
                 family_pseudonym=family.pseudonym, detail=f"action {status}")
    return action


def action_views(user, actions: list[MdoAction]) -> list:
    """The actions as plain records for this reader: the text (MDO content) only where the reader
    may see the family's mdo_notulen; each text read is logged like any read of family data."""

    views = []
    decisions = gateway.decisions_for(user, list({a.family_id: a.family for a in actions}.values()))
    for action in actions:
        decision = decisions[action.family_id]
        allowed = decision.may("mdo_notulen")
        views.append(ActionView(action.id, action.family_id, action.family.pseudonym,
                                action.outcome.text if allowed else None, action.owner_id, action.owner.name,
                                action.due_date, action.status))
        audit.record("read", user=user, object_type="mdo_action", object_id=action.id,
                     family_pseudonym=action.family.pseudonym, shown=["mdo_notulen"] if allowed else [],
                     withheld=[] if allowed else [("mdo_notulen", decision.reason("mdo_notulen"))],
                     consent_ids=decision.consent_ids if allowed else None, detail="action text")
    return views


def action_texts(user, actions: list[MdoAction]) -> dict[int, str | None]:
    return {v.id: v.text for v in action_views(user, actions)}


def _overdue_actions_where(user) -> tuple:
    """The user's overdue actions: owned, or of a family she coordinates, each found by its own index
    and then checked against the families she may see (the statement joins the family). (One OR
    across the two tables made PostgreSQL scan every family the user may see, which is half of them
    for a nurse: 2.5 ms a statement at 10,000 families and ten times that at 100,000; issue 21.)"""
    overdue = (MdoAction.status == "open", MdoAction.due_date < clock.today())
    owned = select(MdoAction.id).where(MdoAction.owner_id == user.id, *overdue)
    coordinated = (select(MdoAction.id).join(Family, Family.id == MdoAction.family_id)
                   .where(my_family_ids_clause(user), *overdue))
    return (MdoAction.id.in_(union(owned, coordinated)), gateway.visibility_clause(user))


def overdue_actions_page(user, *, offset: int = 0, limit: int = 200) -> tuple[list[ActionView], int]:
    """Open MDO actions past their date, of the actions this user owns or of the families this
    user coordinates (or stands in for), on families the user may still see: pseudonym, owner
    and date (no text); the earliest first, a page at a time, and how many there are in all. One
    statement of plain rows (the total counted alongside them), whether or not an action is
    overdue; only a page past the end counts apart (issue 21)."""
    stmt = (select(MdoAction.id, MdoAction.family_id, Family.pseudonym, MdoAction.owner_id, User.name,
                   MdoAction.due_date, MdoAction.status, func.count().over())
            .join(Family, Family.id == MdoAction.family_id).join(User, User.id == MdoAction.owner_id)
            .where(*_overdue_actions_where(user))
            .order_by(MdoAction.due_date, MdoAction.id).offset(max(offset, 0)).limit(limit))
    rows = db.session.execute(stmt).all()
    views = [ActionView(row[0], row[1], row[2], None, row[3], row[4], row[5], row[6]) for row in rows]
    if rows:
        return views, rows[0][7]
    return views, (overdue_actions_total(user) if offset > 0 else 0)


def overdue_actions(user, *, offset: int = 0, limit: int = 200) -> list[ActionView]:
    """The page of overdue_actions_page() without its total."""
    return overdue_actions_page(user, offset=offset, limit=limit)[0]


def overdue_actions_total(user) -> int:
    """How many overdue actions there are in all (counted by the database, nothing read)."""
    return db.session.scalar(select(func.count()).select_from(MdoAction).join(Family, Family.id == MdoAction.family_id)
                             .where(*_overdue_actions_where(user))) or 0


def request_discussion(actor, family_id: int, question: str) -> Family:
    # the question is MDO content: written only by who may write the family's mdo_notulen
    family, _ = gateway.load_for_write(actor, family_id, needs=("mdo_notulen",), context="mdo_bespreking")
    _require(actor, rules.DISCUSSION_REQUEST_ROLES, "Uw rol mag geen bespreking in het MDO aanvragen.")
    question = parse(schemas.DiscussionRequestIn, {"question": question}).question
    problem = rules.discussion_problem(family.status)
    if problem:
        raise ValidationError({"_": problem})
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
    raw = secrets.token_urlsafe(24)
    tokens = dict(get_setting("ics_tokens", fresh=True) or {})
    tokens[str(user.id)] = feed_token_hash(raw)
    set_setting("ics_tokens", tokens)
    return raw


def user_for_feed(raw: str) -> User | None:
    tokens = get_setting("ics_tokens", fresh=True) or {}
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
        event.add("description", f"{len(meeting.items)} gezinnen op de agenda (zie het IGP-coördinatiesysteem).")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# ------------------------------------------------------------------ open actions at exit and withdrawal

def open_actions_of_family(family_id: int) -> list[MdoAction]:
    return list(db.session.scalars(select(MdoAction).where(MdoAction.family_id == family_id,
                                                           MdoAction.status == "open")
                                   .order_by(MdoAction.due_date, MdoAction.id)))


def check_new_owners(family: Family, decisions: list[tuple]) -> dict[str, str]:
    """An action handed over goes to an active user who can read this family (and its actions)."""
    problems = {}
    for index, (_action_id, decision, owner_id, _reason) in enumerate(decisions):
        if decision != "overdragen" or not owner_id:
            continue
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.is_active:
            problems[f"actions[{index}].owner_id"] = "Onbekende of inactieve gebruiker."
        elif not owner_may_read(owner, family):
            problems[f"actions[{index}].owner_id"] = ("Deze professional kan dit gezin niet inzien; kies iemand "
                                                      "van het kernteam.")
    return problems


def owner_may_read(owner: User, family: Family) -> bool:
    """The action's text is MDO minutes: the owner reads it while the family is visible to them and
    consent covers mdo_notulen for them."""
    return gateway.is_visible(owner, family.id) and "mdo_notulen" in gateway.decide_for(owner, family).allowed


def resolve_open_actions(actor, family: Family, decisions: list[tuple], *, keep_undecided: bool,
                         on_behalf_of_id: int | None = None) -> None:
    """Apply the (checked) decisions on the family's open actions at exit and tell the owners.
    `decisions`: (action id, afsluiten|overdragen|openhouden, new owner id, reason)."""
    actions = {a.id: a for a in open_actions_of_family(family.id)}
    chosen = {d[0]: d for d in decisions}
    for action_id, action in actions.items():
        _action_id, decision, owner_id, reason = chosen.get(action_id, (action_id, None, None, None))
        if decision is None and not keep_undecided:
            continue
        told = {action.owner_id}
        if decision == "afsluiten":
            action.status = "vervallen"
            text = "Een MDO-actie van u voor gezin {gezin} is vervallen: het gezin is uitgestroomd."
        elif decision == "overdragen":
            action.owner_id = owner_id
            told.add(owner_id)
            text = "Een MDO-actie voor gezin {gezin} is bij de uitstroom overgedragen; bekijk uw acties."
        else:
            action.keep_reason = (reason or "").strip() or None
            text = "Een MDO-actie van u voor gezin {gezin} blijft open na de uitstroom."
        audit.record("update", user=actor, object_type="mdo_action", object_id=action.id,
                     family_pseudonym=family.pseudonym, on_behalf_of_id=on_behalf_of_id,
                     detail=f"action at exit: {decision or 'openhouden (bevestigd)'}")
        told.discard(actor.id)
        notify(told, "mdo_actie", text, family_id=family.id)
