"""The dashboard's roll-ups (issue 21): aanmeldingen, inward handovers and exits per day.

Three kinds, each a table of counts per day and per group of what the dashboard shows:
`report_referral_day` (per day received, poli, referrer type, target-group outcome, gemeente),
`report_handover_day` (per day started, poli, steps reached, outcome, working days to intake) and
`report_exit_day` (per exit date, poli, exit reason, exit target, gemeente, days in the IGP).
`report_rolled_day` lists, per kind, the days whose rows are complete. The dashboard reads the
roll-up for the listed days and scans the source rows only of the days that are not (today, and any
day changed since the last roll-up), in one statement per figure (`UNION ALL`), so its figures are
exactly those of a full scan.

Kept true on write: every flush removes from `report_rolled_day` (and their rows) the days whose
counts it changes, in the same transaction:
* referral: a referral added or changed (its day), a family's poli, target-group outcome or
  gemeente changed (the days of its referrals);
* handover: a handover added, changed or removed (its start day, before and after);
* exit: a family's exit, poli or gemeente changed (its exit day, before and after), a referral added
  or changed for a family that has left (its first aanmelding may move: its exit day).
A removed referral or family, a changed referral date or family, or a bulk statement on the
referral, family or handover table removes every day of every kind. `flask --app igp reports
rollup` (nightly, from cron) rolls up every day up to yesterday again, under a new random generation
(`report_rollup_state`).

Kept per process: the roll-up tables change only by a rebuild (a new generation) or by a write that
removes days (fewer days rolled up), so the roll-up's part of a figure is given by the generation and
the period's rolled-up days, which the dashboard reads on every request anyway. `rolled_part` keeps
that part under those two and reads it again only when one of them changed; that read is marked as a
cache refresh, so a page's statement count stays the same on every request. A change made around the
application (plain SQL) is not seen by the hooks: the nightly rebuild brings it in, as before.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Integer, and_, case, cast, delete, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from igp import clock, request_cache
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.handover.models import Handover
from igp.reporting.models import ExitDay, HandoverDay, ReferralDay, RolledDay, RollupState

KINDS = ("referral", "handover", "exit")
FAMILY_FIELDS = ("poli_id", "target_eligible", "target_override", "gemeente")
EXIT_FIELDS = ("exited_on", "exited_at", "exit_reason", "exit_target", "poli_id", "gemeente")
HANDOVER_FIELDS = ("direction", "poli_id", "status", "started_on", "contact_at", "intake_planned_at",
                   "intake_held_at", "term_met", "workdays_to_intake", "missed_reason", "completed_at")
NO_DAY = date(1, 1, 1)   # the live scan's IN list when every day is rolled up: the same statement, no row


# ------------------------------------------------------------------ the groups, shared by the scan and the roll-up

def days_between(later, earlier):
    """Whole days between two timestamps, per dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", later - earlier) / 86400), Integer)
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def handover_dims() -> tuple:
    """contact, planned, held (a step counts as reached when a later one was), term met (1/0/none),
    written referral sufficed, completed, missed reason, working days to intake."""
    held = Handover.intake_held_at.is_not(None)
    planned = or_(Handover.intake_planned_at.is_not(None), held)
    contact = or_(Handover.contact_at.is_not(None), planned)
    return (case((contact, 1), else_=0), case((planned, 1), else_=0), case((held, 1), else_=0),
            case((Handover.term_met.is_(True), 1), (Handover.term_met.is_(False), 0), else_=None),
            case((Handover.status == "schriftelijk_volstaat", 1), else_=0),
            case((Handover.completed_at.is_not(None), 1), else_=0), Handover.missed_reason,
            Handover.workdays_to_intake)


def exit_dims() -> tuple:
    """exit reason, exit target, gemeente, whole days from the first aanmelding to the exit (none
    when the family has no aanmelding)."""
    first = (select(func.min(Referral.received_at)).where(Referral.family_id == Family.id)
             .correlate(Family).scalar_subquery())
    return Family.exit_reason, Family.exit_target, Family.gemeente, days_between(Family.exited_at, first)


HANDOVER_COLUMNS = ("contact", "planned", "held", "term_met", "written", "completed", "missed_reason",
                    "workdays_to_intake")
EXIT_COLUMNS = ("exit_reason", "exit_target", "gemeente", "days_in_igp")


# ------------------------------------------------------------------ reading

def rolled_days(start: date, end: date) -> dict[str, frozenset[date]]:
    """Per kind, the days of the period the roll-up covers: one statement, read once per request."""
    return _rolled_state(start, end)[0]


def _rolled_state(start: date, end: date) -> tuple[dict[str, frozenset[date]], str | None]:
    """(rolled_days(), the roll-up's generation) in one statement, once per request."""
    def compute():
        generation = select(RollupState.generation).where(RollupState.id == 1).scalar_subquery()
        rows = db.session.execute(select(RolledDay.kind, RolledDay.day, generation)
                                  .where(RolledDay.day >= start, RolledDay.day <= end)).all()
        return ({kind: frozenset(d for k, d, _g in rows if k == kind) for kind in KINDS},
                rows[0][2] if rows else None)
    return request_cache.cached("report.rolled_days", (start, end), compute)


ROLLED_PARTS_KEY = "igp_report_rolled_parts"
ROLLED_PARTS_KEPT = 64   # figures x periods x polis kept per process (a few dashboards' worth)


def rolled_part(kind: str, name: str, start: date, end: date, key, build) -> tuple:
    """The roll-up's part of one figure: the rows of ``build()`` (a select on the roll-up table of
    ``kind`` for the period), read once and then kept in this process for as long as the generation
    and the period's days of ``kind`` that are rolled up stay the same. ``name`` and ``key`` name the
    figure and its period and poli. Counts only (the dashboard's groups), never a family's data."""
    days, generation = _rolled_state(start, end)
    token = (generation, days[kind])

    def read() -> tuple:
        return tuple(tuple(row) for row in db.session.execute(build().execution_options(igp_cache_refresh=True)))
    if not has_app_context():
        return read()
    store = current_app.extensions.setdefault(ROLLED_PARTS_KEY, {})
    kept = store.get((name, key))
    if kept is not None and kept[0] == token:
        return kept[1]
    rows = read()
    if len(store) >= ROLLED_PARTS_KEPT:
        store.pop(next(iter(store)))   # the oldest
    store[(name, key)] = (token, rows)
    return rows


def unrolled_days(start: date, end: date, kind: str = "referral") -> list[date]:
    """The days of the period that the roll-up of ``kind`` does not cover (the dashboard scans those)."""
    rolled = rolled_days(start, end)[kind]
    return [d for d in (start + timedelta(days=n) for n in range((end - start).days + 1)) if d not in rolled]


def live_days(column, start: date, end: date, kind: str):
    """The condition on the source's day ``column`` for the days the roll-up does not cover: the
    period's range when nothing is rolled up, else the list of those days."""
    unrolled = unrolled_days(start, end, kind)
    if len(unrolled) == (end - start).days + 1:
        return and_(column >= start, column <= end)
    return column.in_(unrolled or [NO_DAY])


# ------------------------------------------------------------------ rolling up

def rebuild(until: date | None = None) -> int:
    """Roll up every day from the first aanmelding, handover or exit up to ``until`` (default and at
    most yesterday: today is still being written, so it is always scanned), for every kind. Returns
    the number of days."""
    until = min(until or clock.today(), clock.today() - timedelta(days=1))
    if db.session.get_bind().dialect.name == "postgresql":
        # a write's flush removes days from report_rolled_day: it waits until this rebuild commits and
        # then sees (and removes) the days written here, instead of missing them (READ COMMITTED takes
        # the statement's snapshot after its lock); SQLite serialises writers anyway
        db.session.execute(text("LOCK TABLE report_rolled_day IN EXCLUSIVE MODE"))
    firsts = [db.session.scalar(select(func.min(column))) for column in
              (Referral.received_on, Handover.started_on, Family.exited_on)]
    for table in (RolledDay, ReferralDay, HandoverDay, ExitDay, RollupState):
        db.session.execute(delete(table))
    db.session.execute(insert(RollupState), [{"id": 1, "generation": secrets.token_hex(16)}])
    first = min((d for d in firsts if d is not None), default=None)
    if first is None or first > until:
        return 0
    _roll_referrals(until)
    _roll_handovers(until)
    _roll_exits(until)
    days = [first + timedelta(days=n) for n in range((until - first).days + 1)]
    db.session.execute(insert(RolledDay), [{"kind": kind, "day": d} for kind in KINDS for d in days])
    return len(days)


def _roll_referrals(until: date) -> None:
    dims = (Referral.received_on, Family.poli_id, Referral.referrer_type, Family.target_eligible,
            Family.target_override, Family.gemeente)
    grouped = (select(*dims, func.count()).join(Family, Family.id == Referral.family_id)
               .where(Referral.received_on <= until).group_by(*dims))
    db.session.execute(insert(ReferralDay).from_select(
        ["day", "poli_id", "referrer_type", "target_eligible", "target_override", "gemeente", "count"], grouped))


def _roll_handovers(until: date) -> None:
    dims = (Handover.started_on, Handover.poli_id, *handover_dims())
    grouped = (select(*dims, func.count()).where(Handover.direction == "in", Handover.started_on <= until)
               .group_by(*dims))
    db.session.execute(insert(HandoverDay).from_select(["day", "poli_id", *HANDOVER_COLUMNS, "count"], grouped))


def _roll_exits(until: date) -> None:
    dims = (Family.exited_on, Family.poli_id, *exit_dims())
    grouped = (select(*dims, func.count()).where(Family.exited_on.is_not(None), Family.exited_on <= until)
               .group_by(*dims))
    db.session.execute(insert(ExitDay).from_select(["day", "poli_id", *EXIT_COLUMNS, "count"], grouped))


# ------------------------------------------------------------------ kept true on write

class _Changes:
    """What one flush changes: every day, or per kind the days, and the families whose days follow."""

    def __init__(self):
        self.everything = False
        self.days: dict[str, set[date]] = {kind: set() for kind in KINDS}
        self.referral_families: set[int] = set()   # their referrals' days
        self.exit_families: set[int] = set()       # their exit day, when it is not known here
        self.handovers: set[int] = set()           # their start day, when it is not known here

    def __bool__(self) -> bool:
        return self.everything or any(self.days.values()) or bool(
            self.referral_families or self.exit_families or self.handovers)


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _values(obj, field) -> set | None:
    """The attribute's value now and before this flush; None when it is not loaded (then the
    database is asked)."""
    state = inspect(obj)
    if field not in state.dict and not state.attrs[field].history.deleted:
        return None
    history = state.attrs[field].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _day_of(obj, field: str, kind: str, unknown: set[int], changes: _Changes) -> None:
    """The object's day of ``kind`` (now and before), or its id in ``unknown`` to read the day back."""
    days = _values(obj, field)
    if days is None:
        unknown.add(obj.id)
    else:
        changes.days[kind] |= days


def _exit_day(obj: Family, changes: _Changes) -> None:
    _day_of(obj, "exited_on", "exit", changes.exit_families, changes)


def _start_day(obj: Handover, changes: _Changes) -> None:
    _day_of(obj, "started_on", "handover", changes.handovers, changes)


def _exit_of(session: Session, family_id, changes: _Changes, new: set) -> None:
    """A referral of this family was added or changed: its exit day (when it has left) follows."""
    family = session.identity_map.get(identity_key(Family, family_id)) if family_id is not None else None
    if family is None:
        if family_id is not None:
            changes.exit_families.add(family_id)
        return
    if family in new and "exited_on" not in inspect(family).dict:
        return   # a family made in this flush that has not left
    _exit_day(family, changes)


def _dirty(session: Session, obj, changes: _Changes, new: set) -> None:
    if isinstance(obj, Referral):
        if _changed(obj, ("received_on", "family_id")):
            changes.everything = True
        elif _changed(obj, ("referrer_type", "received_at")):
            changes.days["referral"].add(obj.received_on)
            _exit_of(session, obj.family_id, changes, new)
    elif isinstance(obj, Family) and obj.id is not None:
        if _changed(obj, FAMILY_FIELDS):
            changes.referral_families.add(obj.id)
        if _changed(obj, EXIT_FIELDS):
            _exit_day(obj, changes)
    elif isinstance(obj, Handover) and _changed(obj, HANDOVER_FIELDS):
        _start_day(obj, changes)


def _affected(session: Session) -> _Changes:
    changes = _Changes()
    new = set(session.new)
    for obj in session.deleted:
        if isinstance(obj, (Referral, Family)):
            changes.everything = True
            return changes
        if isinstance(obj, Handover):
            days = _values(obj, "started_on")
            if days is None:   # gone from the database: its day cannot be read back
                changes.everything = True
                return changes
            changes.days["handover"] |= days
    for obj in new:
        if isinstance(obj, Referral):
            changes.days["referral"].add(obj.received_on)
            _exit_of(session, obj.family_id, changes, new)
        elif isinstance(obj, Handover):
            changes.days["handover"].add(obj.started_on)
    for obj in session.dirty:
        _dirty(session, obj, changes, new)
    return changes


CUBES = {"referral": ReferralDay, "handover": HandoverDay, "exit": ExitDay}


def _forget(connection, changes: _Changes) -> None:
    if changes.referral_families:
        changes.days["referral"] |= set(connection.scalars(
            select(Referral.received_on).where(Referral.family_id.in_(sorted(changes.referral_families)))))
    if changes.exit_families:
        changes.days["exit"] |= set(connection.scalars(select(Family.exited_on).where(
            Family.id.in_(sorted(changes.exit_families)), Family.exited_on.is_not(None))))
    if changes.handovers:
        changes.days["handover"] |= set(connection.scalars(
            select(Handover.started_on).where(Handover.id.in_(sorted(changes.handovers)))))
    if changes.everything:
        for table in (RolledDay, *CUBES.values()):
            connection.execute(delete(table))
        return
    today = clock.today()   # never rolled up (rebuild stops at yesterday): nothing to take out
    for kind, cube in CUBES.items():
        days = sorted(d for d in changes.days[kind] if d is not None and d < today)
        if days:
            connection.execute(delete(RolledDay).where(RolledDay.kind == kind, RolledDay.day.in_(days)))
            connection.execute(delete(cube).where(cube.day.in_(days)))


def _after_flush(session: Session, _context) -> None:
    changes = _affected(session)
    if changes:
        _forget(session.connection(), changes)


def _on_orm_execute(state) -> None:
    """A bulk INSERT/UPDATE/DELETE on the referral, family or handover table: every day is rolled up again."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in ("referral", "family", "handover"):
        changes = _Changes()
        changes.everything = True
        _forget(state.session.connection(), changes)


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("after_flush", _after_flush), ("do_orm_execute", _on_orm_execute))
