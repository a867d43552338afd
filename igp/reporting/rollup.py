"""The dashboard's roll-up of aanmeldingen (issue 21).

`report_referral_day` holds, per day, poli, referrer type, target-group outcome and gemeente, how
many referrals were received; `report_rolled_day` lists the days whose rows are complete. The
dashboard reads the roll-up for the listed days and scans the referrals only of the days that are
not (today, and any day changed since the last roll-up), so its figures are exactly those of a full
scan (also per gemeente).

Kept true on write: every flush that adds, changes or removes a referral, or changes a family's
poli, target-group outcome or gemeente, removes the affected days from `report_rolled_day` (and
their rows) in the same transaction; a removed referral or family, a changed referral date, or a
bulk statement on the referral or family table removes every day. `flask --app igp reports rollup`
(nightly, from cron) rolls up every day up to yesterday again.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.orm import Session

from igp import clock
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.reporting.models import ReferralDay, RolledDay

FAMILY_FIELDS = ("poli_id", "target_eligible", "target_override", "gemeente")


def rebuild(until: date | None = None) -> int:
    """Roll up every day from the first referral up to ``until`` (default yesterday). Returns the days."""
    until = until or clock.today() - timedelta(days=1)
    first = db.session.scalar(select(func.min(Referral.received_on)))
    db.session.execute(delete(RolledDay))
    db.session.execute(delete(ReferralDay))
    if first is None or first > until:
        return 0
    dims = (Referral.received_on, Family.poli_id, Referral.referrer_type, Family.target_eligible,
            Family.target_override, Family.gemeente)
    grouped = (select(*dims, func.count()).join(Family, Family.id == Referral.family_id)
               .where(Referral.received_on <= until).group_by(*dims))
    db.session.execute(insert(ReferralDay).from_select(
        ["day", "poli_id", "referrer_type", "target_eligible", "target_override", "gemeente", "count"], grouped))
    days = [first + timedelta(days=n) for n in range((until - first).days + 1)]
    db.session.execute(insert(RolledDay), [{"day": d} for d in days])
    return len(days)


def unrolled_days(start: date, end: date) -> list[date]:
    """The days of the period that the roll-up does not cover (the dashboard scans those)."""
    rolled = set(db.session.scalars(select(RolledDay.day).where(RolledDay.day >= start, RolledDay.day <= end)))
    return [d for d in (start + timedelta(days=n) for n in range((end - start).days + 1)) if d not in rolled]


# ------------------------------------------------------------------ kept true on write

def _changed(obj, fields) -> bool:
    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _affected(session: Session) -> tuple[bool, set[date], set[int]]:
    """(every day, the days, the families whose referrals' days) that this flush changes."""
    days: set[date] = set()
    families: set[int] = set()
    for obj in session.deleted:
        if isinstance(obj, (Referral, Family)):
            return True, set(), set()
    for obj in session.new:
        if isinstance(obj, Referral):
            days.add(obj.received_on)
    for obj in session.dirty:
        if isinstance(obj, Referral) and _changed(obj, ("received_on",)):
            return True, set(), set()
        if isinstance(obj, Referral) and _changed(obj, ("referrer_type", "family_id")):
            days.add(obj.received_on)
        elif isinstance(obj, Family) and obj.id is not None and _changed(obj, FAMILY_FIELDS):
            families.add(obj.id)
    return False, days, families


def _forget(connection, everything: bool, days: set[date], families: set[int]) -> None:
    if families:
        days |= set(connection.scalars(select(Referral.received_on).where(Referral.family_id.in_(families))))
    if everything:
        connection.execute(delete(RolledDay))
        connection.execute(delete(ReferralDay))
    elif days:
        connection.execute(delete(RolledDay).where(RolledDay.day.in_(sorted(days))))
        connection.execute(delete(ReferralDay).where(ReferralDay.day.in_(sorted(days))))


def _after_flush(session: Session, _context) -> None:
    everything, days, families = _affected(session)
    if everything or days or families:
        _forget(session.connection(), everything, {d for d in days if d is not None}, families)


def _on_orm_execute(state) -> None:
    """A bulk INSERT/UPDATE/DELETE on the referral or family table: every day is rolled up again."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in ("referral", "family"):
        _forget(state.session.connection(), True, set(), set())


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("after_flush", _after_flush), ("do_orm_execute", _on_orm_execute))
