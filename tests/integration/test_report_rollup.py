"""The dashboard's roll-up of aanmeldingen (issue 21): its figures are exactly those of a scan of every
referral, before and after `reports rollup`, and after the data changes (a new referral on a rolled-up
day, a family moved to another poli, a target-group outcome overridden, a family removed)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from igp import clock
from igp.admin.models import Poli
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.reporting import rollup
from igp.reporting.models import ReferralDay, RolledDay
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


def _scan_per_gemeente(start: date, end: date) -> dict:
    rows = db.session.execute(select(Family.gemeente, func.count()).select_from(Referral)
                              .join(Family, Family.id == Referral.family_id)
                              .where(Referral.received_on >= start, Referral.received_on <= end)
                              .group_by(Family.gemeente)).all()
    return {(code or "onbekend"): n for code, n in rows}


def test_the_roll_up_per_gemeente_follows_a_family_that_moves(app):
    from igp.reporting.services import gemeente_counts

    synth(40, seed=7, batch=40)
    families = db.session.scalars(select(Family).order_by(Family.id)).all()
    for i, family in enumerate(families):
        family.gemeente = ("0363", "0599", None)[i % 3]
    db.session.commit()
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
