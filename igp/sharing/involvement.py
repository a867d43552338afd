"""How a user is involved with a family: the gateway's first question.

Computed here from the tables of the other domains (through their models), never by calling
their services, so that the read path has one owner and no domain can widen it by accident.

A user is involved with a family as
* ``registering_organisation``: the family was registered by the user's organisation;
* ``coordinator``: the user is the family's coordinator;
* ``substitute``: the user stands in today for the absent coordinator;
* ``core_team``: the user is a named member of the family's core team;
* ``team_planner``: the user is a planner (MDO logistics for the whole kernteam, NAW only);
* ``mdo_attendee``: the user attends an MDO of the family's poli, is a member of that poli's
  kernteam (kept by a planner or beheerder), the family is on its agenda by name (not
  "anoniem bespreken"), the meeting is not cancelled and lies within the read window
  (from ATTENDEE_READ_BEFORE before its start to ATTENDEE_READ_AFTER after it);
* ``mdo_minute_taker``: the user is the designated minute taker (notulist) of such a meeting with
  the family on its agenda by name, in the same window (in the MDO context the minute taker then
  needs the family's MDO minutes: consent.decide, under the family's consent for the MDO).

Only the first four are a direct care relationship (consent.DIRECT_CARE_KINDS): they alone
let a user open break-the-glass, put a family on an MDO agenda, or propose and change who
coordinates it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, exists, false, literal, null, or_, select, true, union_all

from igp import clock, request_cache
from igp.admin.models import PoliTeamMember
from igp.coordination.models import Absence, CoreTeamMember
from igp.extensions import db
from igp.families.models import Family
from igp.handover.models import Handover
from igp.handover.rules import SIDE_EXITS
from igp.mdo.models import AgendaItem, MdoAttendee, MdoMeeting

# Planners arrange appointments and MDO logistics for the whole kernteam (need-to-know: NAW).
TEAM_WIDE_ROLES = frozenset({"planner"})
# An attendee may prepare from two weeks before the MDO and read back until 30 days after it.
ATTENDEE_READ_BEFORE = timedelta(days=14)
ATTENDEE_READ_AFTER = timedelta(days=30)


def resolved(user):
    """The user object behind Flask-Login's ``current_user`` proxy (views pass the proxy): resolved once
    where a list works per row, instead of once per attribute read (issue 21)."""
    get = getattr(user, "_get_current_object", None)
    return get() if get is not None else user


# ------------------------------------------------------------------ substitution

def active_absence_clause(day: date):
    return and_(Absence.starts_on <= day, Absence.ends_on >= day, Absence.cancelled_at.is_(None))


def substituted_user_ids(user_id: int, day: date | None = None) -> list[int]:
    """The coordinators for whom this user stands in on ``day`` (default today); once per request
    (today's from the viewer's sets, another day's with a statement of its own)."""
    if day is None or day == clock.today():
        return sorted(viewer_sets(user_id).substituting)
    return list(request_cache.cached("substituted", (user_id, day), lambda: tuple(db.session.scalars(
        select(Absence.user_id).where(Absence.substitute_id == user_id, active_absence_clause(day))))))


def acting_substitute_for(user, family) -> int | None:
    """The coordinator's id when ``user`` stands in for them on this family today ("namens")."""
    if family.coordinator_id is None or family.coordinator_id == user.id:
        return None
    return family.coordinator_id if family.coordinator_id in substituted_user_ids(user.id) else None


def coordinated_family_clause(user, day: date | None = None):
    """Families this user coordinates, or coordinates today as substitute (the ids first: a
    plain IN list lets the database use the coordinator index)."""
    return Family.coordinator_id.in_([user.id, *substituted_user_ids(user.id, day)])


# ------------------------------------------------------------------ MDO attendance

PRESENT = ("aanwezig", "te_laat")


def attended_family_ids(user_id: int, family_ids: list[int] | None = None) -> list[int]:
    """The family ids that MDO attendance lets this user read now (see the module docstring):
    kernteam of the poli, by name, within the window, not cancelled, not absent; present for that
    item when presence was recorded per item; and once the meeting is over, only if present.
    ``family_ids``: only these (the user's whole set is read once per request)."""
    return _among(viewer_sets(user_id).attended, family_ids)


def minute_taker_family_ids(user_id: int, family_ids: list[int] | None = None) -> list[int]:
    """The family ids on the agendas (by name) of the meetings this user takes the minutes of,
    not cancelled, within the attendee's window (the whole set once per request)."""
    return _among(viewer_sets(user_id).taking, family_ids)


def _among(found: frozenset[int], family_ids: list[int] | None) -> list[int]:
    return sorted(found if family_ids is None else found.intersection(family_ids))


@dataclass(frozen=True)
class ViewerSets:
    """A user's own (small) sets that every decision of a request needs: the families of their
    core teams, of the MDOs they attend and of the MDOs they take the minutes of, and the
    coordinators they stand in for today."""
    core: frozenset[int]
    attended: frozenset[int]
    taking: frozenset[int]
    substituting: frozenset[int]


def viewer_sets(user_id: int) -> ViewerSets:
    """The four sets in one statement (UNION ALL), once per request (issue 21: they were four)."""
    today = clock.today()
    return request_cache.cached("viewer_sets", (user_id, today), lambda: _viewer_sets(user_id, today))


@cache
def _viewer_sets_statement():
    """Built once per process (issue 21: building this union cost more than running it); the user, the
    day and the window are bound parameters."""
    user_id, day = bindparam("viewer_id"), bindparam("viewer_day")
    window = (MdoMeeting.status != "geannuleerd", AgendaItem.anonymous.is_(False),
              MdoMeeting.starts_at >= bindparam("window_from"), MdoMeeting.starts_at <= bindparam("window_to"))
    attending = (select(literal("a").label("kind"), AgendaItem.family_id.label("ref"), AgendaItem.id,
                        MdoAttendee.status, MdoAttendee.item_ids, MdoMeeting.starts_at, MdoMeeting.duration_minutes)
                 .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
                 .join(MdoAttendee, MdoAttendee.meeting_id == MdoMeeting.id)
                 .join(PoliTeamMember, and_(PoliTeamMember.poli_id == MdoMeeting.poli_id,
                                            PoliTeamMember.user_id == MdoAttendee.user_id,
                                            PoliTeamMember.removed_at.is_(None)))
                 .where(MdoAttendee.user_id == user_id, MdoAttendee.status != "afwezig", *window))
    padding = (null(), null(), null(), null(), null())
    taking = (select(literal("t"), AgendaItem.family_id, *padding)
              .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
              .where(MdoMeeting.minute_taker_id == user_id, *window))
    core = select(literal("c"), CoreTeamMember.family_id, *padding).where(
        CoreTeamMember.user_id == user_id, CoreTeamMember.removed_at.is_(None))
    standing_in = select(literal("s"), Absence.user_id, *padding).where(
        Absence.substitute_id == user_id, active_absence_clause(day))
    return union_all(attending, taking, core, standing_in)


def _viewer_sets(user_id: int, today: date) -> ViewerSets:
    now = clock.now()
    sets: dict[str, set[int]] = {"a": set(), "t": set(), "c": set(), "s": set()}
    rows = db.session.execute(_viewer_sets_statement(), {
        "viewer_id": user_id, "viewer_day": today,
        "window_from": now - ATTENDEE_READ_AFTER, "window_to": now + ATTENDEE_READ_BEFORE})
    for kind, ref, item_id, status, item_ids, starts_at, minutes in rows:
        if kind == "a" and not _attendance_counts(item_id, status, item_ids, starts_at, minutes, now):
            continue
        sets[kind].add(ref)
    return ViewerSets(core=frozenset(sets["c"]), attended=frozenset(sets["a"]), taking=frozenset(sets["t"]),
                      substituting=frozenset(sets["s"]))


def _attendance_counts(item_id, status, item_ids, starts_at, minutes, now) -> bool:
    if item_ids is not None and item_id not in item_ids:
        return False  # present for other items of this meeting only
    ended = clock.as_utc(starts_at) + timedelta(minutes=minutes or 0) <= now
    return not (ended and status not in PRESENT)  # once over: only if marked present


def is_poli_team_member(user_id: int, poli_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        PoliTeamMember.poli_id == poli_id, PoliTeamMember.user_id == user_id, PoliTeamMember.removed_at.is_(None)))))


# ------------------------------------------------------------------ the handover context

@cache
def _inward_statement():
    return (select(Handover.family_id, Handover.status)
            .where(Handover.family_id.in_(bindparam("family_ids", expanding=True)), Handover.direction == "in")
            .order_by(Handover.family_id, Handover.started_at, Handover.id))


def handover_family_ids(family_ids: list[int]) -> set[int]:
    """The families among these whose latest inward handover is open or was completed by the
    intake (not ended by a side exit): there the coordinator and the acting substitute read in the
    handover context (consent.in_handover_context). One query for the whole list."""
    latest: dict[int, str] = {}
    for family_id, status in db.session.execute(_inward_statement(), {"family_ids": list(family_ids)}):
        latest[family_id] = status
    return {family_id for family_id, status in latest.items() if status not in SIDE_EXITS}


# ------------------------------------------------------------------ involvement

def _core_team_family_ids(user_id: int):
    return select(CoreTeamMember.family_id).where(CoreTeamMember.user_id == user_id,
                                                  CoreTeamMember.removed_at.is_(None))


def involvement(user, family) -> frozenset[str]:
    return involvement_bulk(user, [family])[family.id]


def involvement_bulk(user, families: list, *, probe_ids: list[int] | None = None) -> dict[int, frozenset[str]]:
    """involvement() for many families in a constant number of queries (lists, boards, agendas).
    ``probe_ids``: the ids asked about (the same statements run for an empty list of families).
    The user's core-team, attendance and minute-taking families are read whole, once per request."""
    ids = probe_ids if probe_ids is not None else [f.id for f in families]
    if not ids:
        return {}
    user = resolved(user)
    # the user's whole (small) sets, once per request: the same statement for every list of the page
    sets = viewer_sets(user.id)
    core, attended, taking, substituting = sets.core, sets.attended, sets.taking, sets.substituting
    team_wide = bool(user.roles & TEAM_WIDE_ROLES)
    result = {}
    for family in families:
        kinds = set()
        if family.registering_organisation_id == user.organisation_id:
            kinds.add("registering_organisation")
        if family.coordinator_id == user.id:
            kinds.add("coordinator")
        elif family.coordinator_id in substituting:
            kinds.add("substitute")
        if family.id in core:
            kinds.add("core_team")
        if team_wide:
            kinds.add("team_planner")
        if family.id in attended:
            kinds.add("mdo_attendee")
        if family.id in taking:
            kinds.add("mdo_minute_taker")
        result[family.id] = frozenset(kinds)
    return result


def visibility_clause(user, *, sees_any: bool = True, direct_only: bool = False):
    """SQL condition: the families this user is involved with (lists, search, selection lists).
    Agrees with involvement() (a test compares them). ``direct_only``: leave out MDO attendance
    (what a user may put on an agenda or act on must not follow from the agenda itself).
    ``sees_any`` False (a role that sees no category at all): nothing."""
    if not sees_any:
        return false()
    if user.roles & TEAM_WIDE_ROLES:
        return true()
    conditions = [
        Family.registering_organisation_id == user.organisation_id,
        coordinated_family_clause(user),
        Family.id.in_(_core_team_family_ids(user.id)),
    ]
    if not direct_only:
        attended = sorted({*attended_family_ids(user.id), *minute_taker_family_ids(user.id)})
        if attended:
            conditions.append(Family.id.in_(attended))
    return or_(*conditions)
