"""The dashboard counts groups, not rows (issue 21): the handover cohort, the exits and the families
active now are each read in one grouped statement, and the medians and 90th percentiles follow from
counts per value. Their figures must be exactly those of every row, counted one by one."""
from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select

from igp import clock
from igp.extensions import db
from igp.families.models import Family, Referral
from igp.handover.models import Handover
from igp.reporting import services as reporting
from igp.synth import synth

ACTIVE = ("aangemeld", "in_intake", "actief")


def _rank(values, q):
    data = sorted(values)
    return data[math.ceil(len(data) * q) - 1] if data else None


def _count(items) -> dict:
    out: dict = {}
    for key in items:
        out[key] = out.get(key, 0) + 1
    return out


def _year():
    today = clock.today()
    return reporting.parse_period((today - timedelta(days=365)).isoformat(), today.isoformat(), None)


def _handover_oracle(period) -> dict:
    rows = [h for h in db.session.scalars(select(Handover)) if h.direction == "in"
            and period.start <= h.started_on <= period.end]
    planned = [h for h in rows if h.intake_planned_at or h.intake_held_at]
    held = [h for h in rows if h.intake_held_at]
    within = [h for h in rows if h.term_met is True]
    days = [h.workdays_to_intake for h in rows if h.workdays_to_intake is not None]
    return {"handovers": len(rows), "contact": len([h for h in rows if h.contact_at or h in planned]),
            "intake_planned": len(planned), "intakes_held": len(held), "intake_within_term": len(within),
            "intake_within_term_pct": round(100 * len(within) / len(held), 1) if held else None,
            "median_workdays_to_intake": _rank(days, 0.5), "p90_workdays_to_intake": _rank(days, 0.9),
            "missed_reasons": _count(h.missed_reason for h in rows if h.term_met is False),
            "written_referral_sufficed": len([h for h in rows if h.status == "schriftelijk_volstaat"]),
            "completed_with_feedback": len([h for h in rows if h.completed_at])}


def test_grouped_figures_equal_counting_every_row(app):
    synth(120, seed=11, batch=60)
    families = db.session.scalars(select(Family).order_by(Family.id)).all()
    for i, family in enumerate(families):
        family.gemeente = ("0363", "0599", None)[i % 3]
    # some handovers whose written referral sufficed, so every count of the funnel is tested
    for handover in db.session.scalars(select(Handover).where(
            Handover.intake_held_at.is_(None), Handover.direction == "in",
            Handover.started_on > clock.today() - timedelta(days=300)).limit(3)):
        handover.status = "schriftelijk_volstaat"
    db.session.commit()
    year = _year()
    figures = reporting.throughput(year)

    expected = _handover_oracle(year)
    assert expected["handovers"] > 20 and expected["completed_with_feedback"] != expected["intakes_held"]
    assert expected["written_referral_sufficed"] >= 1 and expected["missed_reasons"]
    assert reporting.handover_figures(year) == expected

    left = [f for f in families if f.exited_on and year.start <= f.exited_on <= year.end]
    firsts = {fid: min(at for fam, at in db.session.execute(select(Referral.family_id, Referral.received_at))
                       if fam == fid) for fid in {f.id for f in left}}
    durations = [math.floor((f.exited_at - firsts[f.id]).total_seconds() / 86400) for f in left]
    assert len(left) > 5
    assert figures["exits"] == {"exits": len(left), "by_reason": _count(f.exit_reason for f in left),
                                "median_days_in_igp": _rank(durations, 0.5), "p90_days_in_igp": _rank(durations, 0.9)}
    intake = _count(f.exit_target for f in left if f.exit_reason == "doorverwezen")
    assert {k: v for k, v in figures["referrals_by_destination"]["by_source"]["intake"].items() if v} == \
        {("anders" if k not in reporting.shown.DESTINATIONS else k): v for k, v in intake.items()}

    active = [f for f in families if f.status in ACTIVE]
    per_coordinator = _count(f.coordinator.name for f in active if f.coordinator_id)
    assert figures["caseload"]["active_families"] == len(active)
    assert dict(figures["caseload"]["per_coordinator"]) == per_coordinator
    counts = [n for _name, n in figures["caseload"]["per_coordinator"]]
    assert counts == sorted(counts, reverse=True)

    by_gemeente = reporting.gemeente_counts(year)
    assert by_gemeente["exits"] == _count(f.gemeente or "onbekend" for f in left)
    assert by_gemeente["active"] == _count(f.gemeente or "onbekend" for f in active)
