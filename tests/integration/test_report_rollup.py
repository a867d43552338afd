"""The dashboard's roll-ups of aanmeldingen, handovers and exits (issue 21): their figures are exactly those
of a scan of every row, before and after `reports rollup`, and after the data changes (a new referral on a rolled-up
day, a family moved to another poli, a target-group outcome overridden, a family removed)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, event, func, select, text, update

from igp import clock
from igp.admin.models import Poli
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.handover.models import Handover
from igp.reporting import rollup
from igp.reporting.models import ExitDay, HandoverDay, ReferralDay, RolledDay, RollupState
from igp.reporting.services import parse_period, referral_figures
from igp.synth import synth


def _scan(start: date, end: date, poli_id: int | None = None) -> dict:
    """The figures from every referral (the oracle: what the dashboard showed before the roll-up)."""
    rows = db.session.execute(
        select(Referral.referrer_type, Poli.code, Family.target_eligible, Family.target_override, Referral.received_on)
        .join(Family, Family.id == Referral.family_id).join(Poli, Poli.id == Family.poli_id)
        .where(Referral.received_on >= start, Referral.received_on <= end,
               Family.poli_id == poli_id if poli_id else Family.id.is_not(None))).all()
    by_referrer, by_poli, per_day = {}, {}, {}
    for referrer_type, poli, *_rest, day in rows:
        by_referrer[referrer_type] = by_referrer.get(referrer_type, 0) + 1
        by_poli[poli] = by_poli.get(poli, 0) + 1
        per_day[day] = per_day.get(day, 0) + 1
    eligible = sum(1 for r in rows if r[2])
    return {"referrals": len(rows), "eligible": eligible, "not_eligible": len(rows) - eligible,
            "not_eligible_admitted": sum(1 for r in rows if not r[2] and r[3]), "by_referrer_type": by_referrer,
            "by_poli": by_poli, "per_day": per_day}


def _same(period) -> dict:
    figures = referral_figures(period)
    assert figures == _scan(period.start, period.end, period.poli.id if period.poli else None)
    return figures


def test_the_roll_up_gives_the_figures_of_a_full_scan_and_follows_every_change(app):
    synth(40, seed=5, batch=40)
    db.session.commit()
    today = clock.today()
    year = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)
    before = _same(year)
    assert before["referrals"] > 10
    assert rollup.rebuild() > 300   # every day since the first referral
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReferralDay)) > 0
    assert rollup.unrolled_days(year.start, year.end) == [today]
    assert _same(year) == before
    pop = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), "pop")
    _same(pop)

    # a family moved to another poli and its target-group outcome overridden: its days are scanned again
    family = db.session.scalars(select(Family).join(Referral).where(
        Referral.received_on < today, Referral.received_on > today - timedelta(days=300)).order_by(Family.id)).first()
    days = set(db.session.scalars(select(Referral.received_on).where(Referral.family_id == family.id)))
    other = db.session.scalars(select(Poli).where(Poli.id != family.poli_id)).first()
    family.poli_id, family.target_eligible, family.target_override = other.id, False, True
    db.session.flush()
    assert days <= set(rollup.unrolled_days(year.start, year.end))
    moved = _same(year)
    assert moved["by_poli"] != before["by_poli"]

    # a referral received on a rolled-up day
    rollup.rebuild()
    day = today - timedelta(days=40)
    template = db.session.scalars(select(Referral).order_by(Referral.id)).first()
    db.session.add(Referral(family_id=template.family_id, received_at=template.received_at.replace(
        year=day.year, month=day.month, day=day.day), received_on=day, referrer_type="verloskundige",
        reason="Geldzorgen", vulnerabilities=[], medical_reasons=[], non_primary=[], protective_factors=[],
        created_by_id=template.created_by_id))
    db.session.flush()
    assert day in rollup.unrolled_days(year.start, year.end)
    assert _same(year)["referrals"] == moved["referrals"] + 1

    # a family removed: every day is scanned again until the next roll-up
    rollup.rebuild()
    db.session.delete(db.session.get(Family, family.id))
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == 0
    _same(year)
    rollup.rebuild()
    _same(year)


def _synth_in_three_gemeenten(n: int, seed: int) -> None:
    """n synthetic families, by turns in Amsterdam, Rotterdam and no gemeente."""
    synth(n, seed=seed, batch=n)
    for i, family in enumerate(db.session.scalars(select(Family).order_by(Family.id)).all()):
        family.gemeente = ("0363", "0599", None)[i % 3]
    db.session.commit()


def _scan_per_gemeente(start: date, end: date) -> dict:
    rows = db.session.execute(select(Family.gemeente, func.count()).select_from(Referral)
                              .join(Family, Family.id == Referral.family_id)
                              .where(Referral.received_on >= start, Referral.received_on <= end)
                              .group_by(Family.gemeente)).all()
    return {(code or "onbekend"): n for code, n in rows}


def test_the_roll_up_per_gemeente_follows_a_family_that_moves(app):
    from igp.reporting.services import gemeente_counts

    _synth_in_three_gemeenten(40, seed=7)
    today = clock.today()
    year = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)
    assert rollup.rebuild() > 300
    db.session.commit()
    before = gemeente_counts(year)["referrals"]
    assert before == _scan_per_gemeente(year.start, year.end)
    assert set(before) == {"0363", "0599", "onbekend"}

    # a family moves to another gemeente: its days leave the roll-up and the figures follow
    moved = db.session.scalars(select(Family).join(Referral).where(
        Family.gemeente == "0363", Referral.received_on < today,
        Referral.received_on > today - timedelta(days=300))).first()
    moved.gemeente = "0599"
    db.session.flush()
    after = gemeente_counts(year)["referrals"]
    assert after == _scan_per_gemeente(year.start, year.end)
    assert after["0599"] > before["0599"] and after["0363"] < before["0363"]


def _scanned(period) -> tuple[dict, dict, dict]:
    """The handover, exit and per-gemeente exit figures from a scan of every row (the roll-up set aside
    in a savepoint), the oracle the dashboard's figures must equal; test_report_grouped checks the scan
    itself against counting every row one by one."""
    from igp.reporting.services import exit_figures, gemeente_counts, handover_figures

    nested = db.session.begin_nested()
    for table in (RolledDay, HandoverDay, ExitDay):
        db.session.execute(delete(table))
    figures = handover_figures(period), exit_figures(period), gemeente_counts(period)["exits"]
    nested.rollback()
    return figures


def _shown(period) -> tuple[dict, dict, dict]:
    from igp.reporting.services import exit_figures, gemeente_counts, handover_figures

    return handover_figures(period), exit_figures(period), gemeente_counts(period)["exits"]


def test_the_handover_and_exit_roll_ups_give_the_figures_of_a_full_scan_and_follow_every_change(app):
    _synth_in_three_gemeenten(60, seed=9)
    today = clock.today()
    year = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)
    before = _shown(year)
    assert before == _scanned(year)
    assert before[0]["handovers"] > 10 and before[1]["exits"] > 3
    rollup.rebuild()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(HandoverDay)) > 0
    assert db.session.scalar(select(func.count()).select_from(ExitDay)) > 0
    for kind in ("handover", "exit"):
        assert rollup.unrolled_days(year.start, year.end, kind) == [today]
    assert _shown(year) == before
    pop = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), "pop")
    assert _shown(pop) == _scanned(pop)

    # a handover of a rolled-up day is completed (feedback to referrer and family): that day is scanned again
    handover = db.session.scalars(select(Handover).where(
        Handover.direction == "in", Handover.completed_at.is_(None), Handover.started_on < today - timedelta(days=2),
        Handover.started_on > year.start).order_by(Handover.id)).first()
    handover.completed_at = clock.now()
    db.session.flush()
    assert handover.started_on in rollup.unrolled_days(year.start, year.end, "handover")
    held = _shown(year)
    assert held[0]["completed_with_feedback"] == before[0]["completed_with_feedback"] + 1
    assert held == _scanned(year)

    # a family that left on a rolled-up day: another exit reason, another gemeente
    left = db.session.scalars(select(Family).where(Family.exited_on < today, Family.exited_on > year.start)
                              .order_by(Family.id)).first()
    left.exit_reason = "verhuisd" if left.exit_reason != "verhuisd" else "doelen_bereikt"
    left.gemeente = "0599" if left.gemeente != "0599" else "0363"
    db.session.flush()
    assert left.exited_on in rollup.unrolled_days(year.start, year.end, "exit")
    moved = _shown(year)
    assert moved[1]["by_reason"] != held[1]["by_reason"] and moved[2] != held[2]
    assert moved == _scanned(year)

    # an earlier aanmelding recorded for that family, which this session does not hold: its days in the
    # IGP grow, so its exit day is read back and scanned again
    rollup.rebuild()
    db.session.commit()
    family_id, exited_on = left.id, left.exited_on
    template = db.session.scalars(select(Referral).where(Referral.family_id == family_id)).first()
    first = template.received_at - timedelta(days=200)
    fields = dict(family_id=family_id, received_at=first, received_on=first.date(), referrer_type="verloskundige",
                  reason="Geldzorgen", vulnerabilities=[], medical_reasons=[], non_primary=[], protective_factors=[],
                  created_by_id=template.created_by_id)
    db.session.expunge_all()
    db.session.add(Referral(**fields))
    db.session.flush()
    assert exited_on in rollup.unrolled_days(year.start, year.end, "exit")
    assert _shown(year) == _scanned(year)

    # a handover removed, then a bulk change of the handovers: every figure stays that of a full scan
    rollup.rebuild()
    gone = db.session.scalars(select(Handover).where(Handover.started_on < today - timedelta(days=5))
                              .order_by(Handover.id.desc())).first()
    day = gone.started_on
    db.session.delete(gone)
    db.session.flush()
    assert day in rollup.unrolled_days(year.start, year.end, "handover")
    assert _shown(year) == _scanned(year)
    rollup.rebuild()
    db.session.execute(update(Handover).where(Handover.missed_reason.is_not(None)).values(missed_reason="anders"))
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == 0
    assert _shown(year) == _scanned(year)
    rollup.rebuild()
    assert _shown(year) == _scanned(year)


def test_every_write_that_changes_a_rolled_up_day_takes_it_out(app):
    """The paths a review found untested: a new handover, an aanmelding's moment moved, an exit moved after
    a commit (the old day is not loaded: active history loads it), the exit moment, a bulk statement."""
    synth(60, seed=9, batch=60)
    db.session.commit()
    today = clock.today()
    year = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)
    rollup.rebuild()
    db.session.commit()

    # a new inward handover that started on a rolled-up day
    template = db.session.scalars(select(Handover).where(Handover.direction == "in", Handover.started_on < today)
                                  .order_by(Handover.id)).first()
    fields = {c.key: getattr(template, c.key) for c in Handover.__table__.columns if c.key != "id"}
    db.session.add(Handover(**fields))
    db.session.flush()
    assert template.started_on in rollup.unrolled_days(year.start, year.end, "handover")
    assert _shown(year) == _scanned(year)

    # the first aanmelding of a family that left moved a week earlier: its days in the IGP change
    rollup.rebuild()
    left = db.session.scalars(select(Family).where(Family.exited_on < today, Family.exited_on > year.start)
                              .order_by(Family.id)).first()
    first = db.session.scalars(select(Referral).where(Referral.family_id == left.id)
                               .order_by(Referral.received_at)).first()
    first.received_at = first.received_at - timedelta(hours=1)
    db.session.flush()
    assert left.exited_on in rollup.unrolled_days(year.start, year.end, "exit")
    assert _shown(year) == _scanned(year)

    # after a commit (nothing loaded) the exit moves to another day: both days leave the roll-up
    rollup.rebuild()
    db.session.commit()
    old_day, family_id = left.exited_on, left.id
    family = db.session.get(Family, family_id)
    db.session.expire(family)
    family.exited_on = old_day - timedelta(days=3)
    family.exited_at = family.exited_at - timedelta(days=3)
    db.session.flush()
    unrolled = rollup.unrolled_days(year.start, year.end, "exit")
    assert old_day in unrolled and old_day - timedelta(days=3) in unrolled
    assert _shown(year) == _scanned(year)

    # a bulk statement on the families: every day of every kind
    rollup.rebuild()
    db.session.execute(update(Family).where(Family.gemeente.is_(None)).values(gemeente="0363"))
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == 0
    assert _shown(year) == _scanned(year)


def test_today_is_never_rolled_up_so_a_write_of_today_removes_nothing(app):
    synth(20, seed=3, batch=20)
    db.session.commit()
    today = clock.today()
    assert rollup.rebuild(today + timedelta(days=30)) > 0   # at most yesterday
    assert db.session.scalar(select(func.max(RolledDay.day))) == today - timedelta(days=1)
    template = db.session.scalars(select(Handover).where(Handover.direction == "in").order_by(Handover.id)).first()
    fields = {c.key: getattr(template, c.key) for c in Handover.__table__.columns if c.key != "id"}
    db.session.add(Handover(**dict(fields, started_on=today)))
    rolled = db.session.scalar(select(func.count()).select_from(RolledDay))
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(RolledDay)) == rolled


def _cube_reads(fn):
    """(fn(), how many SQL statements it ran on the aanmeldingen' roll-up table)."""
    counted = []

    def count(_conn, _cursor, statement, *_args):
        counted.append("report_referral_day" in statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return fn(), sum(counted)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_roll_up_part_is_kept_per_process_until_a_rebuild_or_a_write_changes_it(app):
    """The roll-up's part of a figure is read once and kept in the process under the roll-up's generation
    and the period's rolled-up days: the next dashboard reads only the live part; a rebuild that counts a
    day differently while the same days stay rolled up (a correction the write hooks did not see, made in
    plain SQL) gives the new figures at once, and so does a write that takes a day out."""
    synth(30, seed=7, batch=30)
    db.session.commit()
    today = clock.today()
    year = parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)
    rollup.rebuild()
    db.session.commit()
    first, read = _cube_reads(lambda: _same(year))
    again, kept = _cube_reads(lambda: referral_figures(year))
    assert read == 2 and again == first and kept == 0   # the two roll-up parts (groups, days) read once
    referral = db.session.scalars(select(Referral).where(Referral.received_on < today - timedelta(days=3),
                                                         Referral.received_on > today - timedelta(days=300))
                                  .order_by(Referral.id)).first()
    other = "kinderarts" if referral.referrer_type != "kinderarts" else "verloskundige"
    db.session.execute(text("UPDATE referral SET referrer_type = :t WHERE id = :id"), {"t": other, "id": referral.id})
    db.session.commit()
    assert referral_figures(year) == first   # not seen by the hooks: the roll-up counts the old type until a rebuild
    generation = db.session.scalar(select(RollupState.generation))
    rollup.rebuild()
    db.session.commit()
    assert db.session.scalar(select(RollupState.generation)) != generation
    assert rollup.unrolled_days(year.start, year.end) == [today]   # the same days rolled up as before
    rebuilt = _same(year)
    assert rebuilt["by_referrer_type"] != first["by_referrer_type"]
    day = today - timedelta(days=40)   # a write on a rolled-up day: that day is taken out and scanned
    db.session.add(Referral(family_id=referral.family_id, received_at=referral.received_at.replace(
        year=day.year, month=day.month, day=day.day), received_on=day, referrer_type="verloskundige",
        reason="Geldzorgen", vulnerabilities=[], medical_reasons=[], non_primary=[], protective_factors=[],
        created_by_id=referral.created_by_id))
    db.session.commit()
    assert day in rollup.unrolled_days(year.start, year.end)
    assert _same(year)["referrals"] == rebuilt["referrals"] + 1
