"""Throughput figures for projectleiders. Every number is computed by the database (GROUP BY,
window functions); no family is loaded into Python. No pseudonyms, no free text.

Definitions (also shown on the dashboard):
* The period is a range of Europe/Amsterdam dates, both ends included.
* Referrals: aanmeldingen received in the period (by local date).
* Handover figures: inward handovers that started in the period (a cohort).
* Median and 90th percentile: nearest-rank (the smallest value with at least 50% / 90% of the
  values at or below it), in working days from aanmelding to intake.
* Open handovers by signal and caseloads: right now, whatever the period.

What the dashboard, the CSV export and the report show is `shown_throughput` / `export_rows`:
the same figures through `shown.shown_figures` (small cells suppressed, primary and secondary,
by the rules in `rules.py`). The API still answers the unsuppressed figures of `throughput`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, select

from igp import bounds, clock, request_cache
from igp.admin.models import Poli
from igp.admin.services import area_labels, find_poli, get_setting, list_polis
from igp.audit import services as audit
from igp.auth.models import User
from igp.contacts.services import contact_figures
from igp.coordination.models import Knelpunt
from igp.coordination.services import ACTIVE_STATUSES, no_contact_count
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.families import rules as family_rules
from igp.families.models import BirthOutcome, Family, Referral
from igp.families.services import REGISTERING_ROLES
from igp.handover.models import Handover
from igp.handover.services import signal_counts
from igp.ids import as_text
from igp.mdo.models import AgendaItem, MdoAction, MdoMeeting, MdoOutcome
from igp.mdo.rules import REFERRAL_TYPES
from igp.plan import rules as plan_rules
from igp.plan.models import FamilyPlan, PlanReferralFact
from igp.reporting import rollup, rules, sections, shown
from igp.reporting.models import ExitDay, ExperienceResponse, HandoverDay, ReferralDay
from igp.support import rules as support_rules
from igp.support.models import InformalSupport

REPORT_ROLES = ("projectleider", "beheerder")
RESPONDENTS = {"gezin": "Het gezin (na het consult)", "professional": "Ikzelf, als professional (over de samenwerking)"}
MAX_PERIOD_DAYS = 5 * 366
PERIOD_FIELDS = {"from": "De begindatum (van)", "to": "De einddatum (tot en met)"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    poli: Poli | None

    @property
    def start_utc(self):
        return clock.from_local(self.start)

    @property
    def end_utc(self):  # exclusive
        return clock.from_local(self.end + timedelta(days=1))

    def label(self) -> str:
        text = f"{self.start.strftime('%d-%m-%Y')} t/m {self.end.strftime('%d-%m-%Y')}"
        return text + (f", {self.poli.name}" if self.poli else ", alle poli's")


def parse_period(start: str | None, end: str | None, poli: str | None) -> Period:
    """Validate the filters; default: the last 12 months up to today."""
    errors = {}
    today = clock.today()

    def parse(value, name):
        if not value:
            return None
        try:
            return bounds.check_date(date.fromisoformat(value))
        except ValueError:
            errors[name] = f"{PERIOD_FIELDS[name]} is geen geldige datum (gebruik JJJJ-MM-DD, {bounds.RANGE_TEXT})."
            return None

    end_date = parse(end, "to") or today
    start_date = parse(start, "from") or (end_date - timedelta(days=364))
    poli_obj = None
    if poli:
        poli_obj = find_poli(poli)
        if poli_obj is None:
            errors["poli"] = f"Onbekende poli '{poli}'."
    if not errors:
        if start_date > end_date:
            errors["from"] = "De begindatum (van) ligt na de einddatum (tot en met)."
        elif (end_date - start_date).days > MAX_PERIOD_DAYS:
            errors["to"] = "Een periode mag hoogstens 5 jaar zijn."
    if errors:
        raise ValidationError(errors)
    return Period(start_date, end_date, poli_obj)


def _poli(column, period: Period):
    return column == period.poli.id if period.poli else literal(True)


def _nearest_rank(values_subquery, column):
    """Median and p90 (nearest rank) of one column of a subquery, computed in SQL."""
    ranked = select(column.label("v"), func.row_number().over(order_by=column).label("rn"),
                    func.count().over().label("n")).select_from(values_subquery).subquery()
    return select(func.min(case((ranked.c.rn * 2 >= ranked.c.n, ranked.c.v))),
                  func.min(case((ranked.c.rn * 10 >= ranked.c.n * 9, ranked.c.v))))


# ------------------------------------------------------------------ the figures

def referral_figures(period: Period) -> dict:
    """Aanmeldingen in the period: the roll-up (igp.reporting.rollup) for the days it covers and a scan
    of the referrals of the other days (today, days changed since the last roll-up), each as totals by
    referrer type, poli and target-group outcome and as counts per day: the figures of a full scan, in
    the same three statements whatever the size of the database (the days rolled up, the two scans),
    and the roll-up's two parts, read once and kept per process while the roll-up is the same."""
    groups, days = _referral_rows(period)
    figures = _referral_totals([row[:4] + row[5:] for row in groups])
    per_day: dict[date, int] = {}
    for d, n in days:
        day = d if isinstance(d, date) else date.fromisoformat(str(d))
        per_day[day] = per_day.get(day, 0) + int(n)
    return dict(figures, per_day=per_day)


def _referral_rows(period: Period) -> tuple[tuple, tuple]:
    """(referrer type, poli code, eligible, override, gemeente, count) groups and (day, count) rows
    of the period's aanmeldingen, from the roll-up and the live scan, read once per request."""
    def compute():
        live = and_(rollup.live_days(Referral.received_on, period.start, period.end, "referral"),
                    _poli(Family.poli_id, period))
        rolled = and_(ReferralDay.day >= period.start, ReferralDay.day <= period.end, _poli(ReferralDay.poli_id, period))
        live_dims = (Referral.referrer_type, Poli.code, Family.target_eligible, Family.target_override, Family.gemeente)
        rolled_dims = (ReferralDay.referrer_type, Poli.code, ReferralDay.target_eligible, ReferralDay.target_override,
                       ReferralDay.gemeente)
        groups = tuple(tuple(row) for row in db.session.execute(
            select(*live_dims, func.count()).select_from(Referral).join(Family, Family.id == Referral.family_id)
            .join(Poli, Poli.id == Family.poli_id).where(live).group_by(*live_dims)))
        days = tuple(tuple(row) for row in db.session.execute(
            select(Referral.received_on, func.count()).join(Family, Family.id == Referral.family_id)
            .where(live).group_by(Referral.received_on)))
        return (groups + _rolled(period, "referral", "referral groups", lambda: select(
                    *rolled_dims, func.sum(ReferralDay.count)).join(Poli, Poli.id == ReferralDay.poli_id)
                    .where(rolled).group_by(*rolled_dims)),
                days + _rolled(period, "referral", "referral days", lambda: select(
                    ReferralDay.day, func.sum(ReferralDay.count)).where(rolled).group_by(ReferralDay.day)))
    return request_cache.cached("report.referrals", _period_key(period), compute)


def _referral_totals(rows) -> dict:
    total = eligible = overridden = 0
    by_referrer: dict[str, int] = {}
    by_poli: dict[str, int] = {}
    for referrer_type, poli_code, is_eligible, override, count in rows:
        count = int(count)
        total += count
        by_referrer[referrer_type] = by_referrer.get(referrer_type, 0) + count
        by_poli[poli_code] = by_poli.get(poli_code, 0) + count
        if is_eligible:
            eligible += count
        elif override:
            overridden += count
    return {"referrals": total, "eligible": eligible, "not_eligible": total - eligible,
            "not_eligible_admitted": overridden, "by_referrer_type": by_referrer, "by_poli": by_poli}


def buckets(per_day: dict[date, int], period: Period) -> tuple[str, list[tuple[str, int]]]:
    """Fold the database's counts per day into ISO weeks (periods up to ~6 months) or months,
    with every bucket of the period present (also the empty ones)."""
    return shown.bucket_counts(per_day, period.start, period.end)


def handover_figures(period: Period) -> dict:
    """The inward handovers that started in the period, in one grouped statement: per combination of
    the steps reached, the outcome and the working days to intake, how many (a few hundred groups
    at most, whatever the size of the cohort), from the roll-up for the days it covers and from the
    handovers of the other days (igp.reporting.rollup); the funnel, the reasons and the percentiles
    follow from those counts (issue 21: no sort of every value)."""
    live = and_(Handover.direction == "in", rollup.live_days(Handover.started_on, period.start, period.end, "handover"),
                _poli(Handover.poli_id, period))
    dims = rollup.handover_dims()
    rolled_dims = tuple(getattr(HandoverDay, c) for c in rollup.HANDOVER_COLUMNS)
    rolled = and_(HandoverDay.day >= period.start, HandoverDay.day <= period.end, _poli(HandoverDay.poli_id, period))
    rows = db.session.execute(select(*dims, func.count()).where(live).group_by(*dims)).all()
    return _handover_totals([*rows, *_rolled(period, "handover", "handovers", lambda: select(
        *rolled_dims, func.sum(HandoverDay.count)).where(rolled).group_by(*rolled_dims))])


def _handover_totals(rows) -> dict:
    """The cohort's figures from its grouped rows (contact, planned, held, term met, written,
    completed, missed reason, working days to intake, count)."""
    totals = dict.fromkeys(("handovers", "contact", "intake_planned", "intakes_held", "intake_within_term",
                            "written_referral_sufficed", "completed_with_feedback"), 0)
    missed: dict[str | None, int] = {}
    workdays: dict[int, int] = {}
    for contact, planned, held, term_met, written, completed, reason, days, count in rows:
        for key, flag in (("handovers", 1), ("contact", contact), ("intake_planned", planned),
                          ("intakes_held", held), ("intake_within_term", term_met == 1),
                          ("written_referral_sufficed", written), ("completed_with_feedback", completed)):
            totals[key] += count if flag else 0
        if term_met == 0:
            missed[reason] = missed.get(reason, 0) + count
        if days is not None:
            workdays[days] = workdays.get(days, 0) + count
    median, p90 = rules.nearest_rank(workdays)
    held_total, within = totals["intakes_held"], totals["intake_within_term"]
    # a step counts as reached when a later step was (an intake held without planning was planned)
    return {**totals, "intake_within_term_pct": round(100 * within / held_total, 1) if held_total else None,
            "median_workdays_to_intake": median, "p90_workdays_to_intake": p90, "missed_reasons": missed}


def open_signals(period: Period) -> dict:
    return signal_counts(poli_id=period.poli.id if period.poli else None)


def _active_groups(period: Period) -> tuple:
    """(gemeente, coordinator id, count) of the families active now (of the period's poli): one
    statement for the caseloads, the active total and the gemeenten, read once per request."""
    def compute():
        dims = (Family.gemeente, Family.coordinator_id)
        return tuple(tuple(row) for row in db.session.execute(
            select(*dims, func.count()).where(Family.status.in_(ACTIVE_STATUSES), _poli(Family.poli_id, period))
            .group_by(*dims)))
    return request_cache.cached("report.active", _period_key(period), compute)


def caseload_figures(period: Period) -> dict:
    groups = _active_groups(period)
    per_coordinator: dict[int, int] = {}
    for _gemeente, coordinator_id, count in groups:
        if coordinator_id is not None:
            per_coordinator[coordinator_id] = per_coordinator.get(coordinator_id, 0) + count
    rows = sorted(per_coordinator.items(), key=lambda item: (-item[1], item[0]))
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_([r[0] for r in rows]))).all()) \
        if rows else {}
    return {"per_coordinator": [(names.get(uid, "?"), count) for uid, count in rows],
            "without_contact": no_contact_count(poli_id=period.poli.id if period.poli else None),
            "active_families": sum(count for *_dims, count in groups)}


def mdo_figures(period: Period) -> dict:
    in_period = and_(MdoMeeting.starts_at >= period.start_utc, MdoMeeting.starts_at < period.end_utc,
                     _poli(MdoMeeting.poli_id, period))
    held = db.session.scalar(select(func.count()).select_from(MdoMeeting).where(in_period,
                                                                               MdoMeeting.status == "afgerond")) or 0
    discussed = db.session.scalar(select(func.count()).select_from(AgendaItem).join(
        MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id).where(in_period, AgendaItem.status == "besproken")) or 0
    not_discussed = db.session.scalar(select(func.count()).select_from(AgendaItem).join(
        MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id).where(in_period, AgendaItem.status == "niet_besproken")) \
        or 0
    outcome_rows = db.session.execute(
        select(MdoOutcome.quorum_met, func.count()).join(AgendaItem, AgendaItem.id == MdoOutcome.item_id)
        .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id).where(in_period)
        .group_by(MdoOutcome.quorum_met)).all()
    quorum = {bool(k): v for k, v in outcome_rows}
    today = clock.today()
    action_base = (select(MdoAction).join(MdoOutcome, MdoOutcome.id == MdoAction.outcome_id)
                   .join(AgendaItem, AgendaItem.id == MdoOutcome.item_id)
                   .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id).where(in_period)).subquery()
    done_on_time = case((and_(action_base.c.status == "gedaan", action_base.c.done_on <= action_base.c.due_date), 1),
                        else_=0)
    row = db.session.execute(select(
        func.count(),
        func.sum(case((action_base.c.status == "open", 1), else_=0)),
        func.sum(case((and_(action_base.c.status == "open", action_base.c.due_date < today), 1), else_=0)),
        func.sum(case((action_base.c.status == "gedaan", 1), else_=0)),
        func.sum(done_on_time),
        func.sum(case((action_base.c.status == "vervallen", 1), else_=0)),
    )).one()
    total, open_, overdue, done, on_time, dropped = (int(x or 0) for x in row)
    return {"meetings_held": held, "families_discussed": discussed, "items_not_discussed": not_discussed,
            "outcomes_with_quorum": quorum.get(True, 0), "outcomes_without_quorum": quorum.get(False, 0),
            "actions": total, "actions_open": open_, "actions_overdue": overdue, "actions_done": done,
            "actions_done_on_time": on_time, "actions_dropped": dropped}


def _mdo_referral_rows(period: Period) -> tuple:
    """(referral type, count) of the MDO outcomes 'doorverwijzing' of the period's meetings: read once per
    request (the onward referrals and the referrals by destination both show them)."""
    return request_cache.cached("report.mdo_referrals", _period_key(period), lambda: tuple(
        tuple(row) for row in db.session.execute(
            select(MdoOutcome.referral_type, func.count()).join(AgendaItem, AgendaItem.id == MdoOutcome.item_id)
            .join(MdoMeeting, MdoMeeting.id == AgendaItem.meeting_id)
            .where(MdoOutcome.kind == "doorverwijzing", MdoMeeting.starts_at >= period.start_utc,
                   MdoMeeting.starts_at < period.end_utc, _poli(MdoMeeting.poli_id, period))
            .group_by(MdoOutcome.referral_type))))


def onward_referrals(period: Period) -> dict:
    rows = dict(_mdo_referral_rows(period))
    return {code: rows.get(code, 0) for code in REFERRAL_TYPES}


def _period_key(period: Period) -> tuple:
    return period.start, period.end, period.poli.id if period.poli else None


def _rolled(period: Period, kind: str, name: str, build) -> tuple:
    """The roll-up's part of a figure, kept per process while the roll-up is the same (rollup.rolled_part)."""
    return rollup.rolled_part(kind, name, period.start, period.end, _period_key(period), build)


def _exit_groups(period: Period) -> tuple:
    """(exit reason, exit target, gemeente, days in the IGP, count) of the families that left in the
    period, from the roll-up for the days it covers and from the families of the other days
    (igp.reporting.rollup): one statement for the exit figures, the onward referrals from the intake
    and the gemeenten, read once per request."""
    def compute():
        live = and_(rollup.live_days(Family.exited_on, period.start, period.end, "exit"), _poli(Family.poli_id, period))
        dims = rollup.exit_dims()
        rolled_dims = tuple(getattr(ExitDay, c) for c in rollup.EXIT_COLUMNS)
        rolled = and_(ExitDay.day >= period.start, ExitDay.day <= period.end, _poli(ExitDay.poli_id, period))
        return tuple(tuple(row) for row in db.session.execute(
            select(*dims, func.count()).where(live).group_by(*dims))) + _rolled(
            period, "exit", "exits", lambda: select(*rolled_dims, func.sum(ExitDay.count)).where(rolled)
            .group_by(*rolled_dims))
    return request_cache.cached("report.exits", _period_key(period), compute)


def exit_figures(period: Period) -> dict:
    by_reason: dict[str, int] = {}
    durations: dict[int, int] = {}   # whole days from the first aanmelding to the exit: how many families
    for reason, _target, _gemeente, days, count in _exit_groups(period):
        by_reason[reason] = by_reason.get(reason, 0) + int(count)
        if days is not None:
            durations[int(days)] = durations.get(int(days), 0) + int(count)
    median, p90 = rules.nearest_rank(durations)
    return {"exits": sum(by_reason.values()), "by_reason": by_reason, "median_days_in_igp": median,
            "p90_days_in_igp": p90}


def knelpunt_figures(period: Period) -> dict:
    raised = and_(Knelpunt.raised_at >= period.start_utc, Knelpunt.raised_at < period.end_utc)
    rows = dict(db.session.execute(select(Knelpunt.status, func.count()).where(raised)
                                   .group_by(Knelpunt.status)).all())
    by_kind = dict(db.session.execute(select(Knelpunt.kind, func.count()).where(raised)
                                      .group_by(Knelpunt.kind)).all())
    return {"raised": sum(rows.values()), "open": rows.get("open", 0) + rows.get("in_behandeling", 0),
            "closed": rows.get("gesloten", 0), "by_kind": by_kind}


def experience_figures(period: Period, respondent: str = "gezin") -> dict:
    """The anonymous scores of families ("gezin") or of professionals ("professional")."""
    rows = dict(db.session.execute(
        select(ExperienceResponse.score, func.count()).where(
            ExperienceResponse.recorded_on >= period.start, ExperienceResponse.recorded_on <= period.end,
            ExperienceResponse.respondent == respondent,
            _poli(ExperienceResponse.poli_id, period)).group_by(ExperienceResponse.score)).all())
    total = sum(rows.values())
    mean = round(sum(score * n for score, n in rows.items()) / total, 2) if total else None
    return {"responses": total, "by_score": {s: rows.get(s, 0) for s in range(1, 6)}, "mean": mean}


def throughput(period: Period) -> dict:
    referrals = referral_figures(period)
    handovers = handover_figures(period)
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                   "poli": period.poli.code if period.poli else None},
        "referrals": referrals["referrals"], "eligible": referrals["eligible"],
        "not_eligible": referrals["not_eligible"], "not_eligible_admitted": referrals["not_eligible_admitted"],
        "by_poli": referrals["by_poli"], "by_referrer_type": referrals["by_referrer_type"],
        "intakes_held": handovers["intakes_held"], "intake_within_term": handovers["intake_within_term"],
        "intake_within_term_pct": handovers["intake_within_term_pct"],
        "median_workdays_to_intake": handovers["median_workdays_to_intake"],
        "p90_workdays_to_intake": handovers["p90_workdays_to_intake"],
        "funnel": {"aangemeld": handovers["handovers"], "contact": handovers["contact"],
                   "intake_gepland": handovers["intake_planned"], "intake_gehouden": handovers["intakes_held"]},
        "missed_term_reasons": handovers["missed_reasons"],
        "written_referral_sufficed": handovers["written_referral_sufficed"],
        "completed_with_feedback": handovers["completed_with_feedback"],
        "open_handovers": open_signals(period),
        "caseload": caseload_figures(period),
        "mdo": mdo_figures(period),
        "onward_referrals": onward_referrals(period),
        "exits": exit_figures(period),
        "knelpunten": knelpunt_figures(period),
        "experience": experience_figures(period),
        "experience_professionals": experience_figures(period, "professional"),
        "referrals_by_destination": referrals_by_destination(period),
        "informal_support": informal_support_figures(period),
        "contacts": contact_figures(period.start, period.end, period.poli.id if period.poli else None),
        "birth_outcomes": birth_outcome_figures(period),
        "per_day": {d.isoformat(): n for d, n in sorted(referrals["per_day"].items())},
    }


def log_view(user, period: Period, access: str) -> None:
    audit.record("read", user=user, object_type="report", detail=f"{access}: throughput {period.label()}")


# ------------------------------------------------------------------ the suppressed figures and their outputs

def suppress(value, threshold: int):
    """Counts from 1 up to threshold-1 are shown as '<threshold' (0 stays 0: nothing to re-identify).
    Primary suppression of one value; `shown_throughput` and `export_rows` also apply the secondary
    suppression (igp.reporting.rules)."""
    return rules.primary_mark(threshold) if rules.is_small(value, threshold) else value


def small_cell_threshold() -> int:
    return int(get_setting("report_small_cell"))


def shown_throughput(period: Period) -> dict:
    """The figures exactly as the dashboard, the CSV export and the report show them."""
    return shown.shown_figures(throughput(period), small_cell_threshold())


def shown_sections(figures: dict, threshold: int, gemeenten: list[dict]) -> list[sections.Section]:
    """The labelled sections of `throughput` figures as every output shows them (suppressed)."""
    poli_names = {p.code: p.name for p in list_polis(active_only=False)}
    return sections.sections(shown.shown_figures(figures, threshold), poli_names, gemeenten)


def export_rows(figures: dict, threshold: int, gemeenten: list[dict] | None = None) -> list[tuple]:
    """(onderdeel, maat, waarde, code) rows of the CSV export and the report, from `throughput`
    figures: aggregated counts only, rendered from `shown.shown_figures` (primary and secondary
    suppression), with Dutch labels; `code` is the stable key of each value."""
    return sections.flat_rows(shown_sections(figures, threshold, gemeenten or []))


def export_csv(user, period: Period) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["onderdeel", "maat", "waarde", "code"])
    gemeenten = shown_by_gemeente(period)["gemeenten"]
    writer.writerows(export_rows(throughput(period), small_cell_threshold(), gemeenten))
    audit.record("export", user=user, object_type="report", detail=f"csv: throughput {period.label()}")
    return out.getvalue()


def report(user, period: Period) -> tuple[list[sections.Section], dict, int]:
    """The sections of the printable report, the shown figures (for the charts) and the threshold,
    logged as a print."""
    threshold = small_cell_threshold()
    figures = shown.shown_figures(throughput(period), threshold)
    poli_names = {p.code: p.name for p in list_polis(active_only=False)}
    result = sections.sections(figures, poli_names, shown_by_gemeente(period)["gemeenten"])
    audit.record("print", user=user, object_type="report", detail=f"html: throughput {period.label()}")
    return result, figures, threshold


def record_experience(actor, data: dict):
    """Store one anonymous experience score (no link to the family, the recorder or the time)."""
    if not actor.roles & REGISTERING_ROLES:
        raise Forbidden("Uw rol legt geen ervaringsvragen vast.")
    errors = {}
    poli = find_poli(str(data.get("poli") or ""))
    if poli is None:
        errors["poli"] = "Kies de poli."
    try:
        score = int(data.get("score"))
        if not 1 <= score <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["score"] = "Kies een score van 1 tot en met 5."
        score = None
    respondent = str(data.get("respondent") or "gezin")
    if respondent not in RESPONDENTS:
        errors["respondent"] = "Kies wie antwoordt: het gezin of uzelf als professional."
    try:
        comment = as_text(data.get("comment"), "comment", 1000)
    except ValidationError as exc:
        errors.update(exc.errors)
        comment = None
    if errors:
        raise ValidationError(errors)
    row = ExperienceResponse(poli_id=poli.id, recorded_on=clock.today(), score=score, comment=comment,
                             respondent=respondent)
    db.session.add(row)
    db.session.flush()
    audit.record("create", user=actor, object_type="experience")  # no id: the answer stays unlinkable
    return row



# ------------------------------------------------------------------ informal support (monitoring, §7.2)

def informal_support_started(start: date, end: date, poli_id: int | None = None) -> dict[str, int]:
    """Informal support records started from ``start`` to ``end`` (inclusive), per kind (every kind
    present): a pure count, no family, no organisation. Not suppressed here (see shown_figures)."""
    stmt = (select(InformalSupport.kind, func.count()).join(Family, Family.id == InformalSupport.family_id)
            .where(InformalSupport.starts_on >= start, InformalSupport.starts_on <= end,
                   Family.poli_id == poli_id if poli_id else literal(True))
            .group_by(InformalSupport.kind))
    counts = dict.fromkeys(support_rules.KINDS, 0)
    counts.update(dict(db.session.execute(stmt).all()))
    return counts


def informal_support_figures(period: Period) -> dict:
    by_kind = informal_support_started(period.start, period.end, period.poli.id if period.poli else None)
    return {"started": sum(by_kind.values()), "by_kind": by_kind}


# ------------------------------------------------------------------ onward referrals from every source (§7.2)

def _destination_counts(rows) -> dict[str, int]:
    """(destination code, count) rows per destination shown."""
    counts = dict.fromkeys(shown.DESTINATIONS, 0)
    for code, n in rows:
        key = code if code in shown.DESTINATIONS else "anders"
        counts[key] += n
    return counts


def referrals_by_destination(period: Period) -> dict:
    """Onward referrals in the period per destination and source: MDO outcomes 'doorverwijzing' (the
    meeting's date), intakes with outcome 'doorverwezen' (the exit date, to the exit target) and the
    gezinsplan's referrals (requested in the period), with the plan's referrals by status."""
    in_plan = and_(PlanReferralFact.requested_on >= period.start, PlanReferralFact.requested_on <= period.end,
                   _poli(Family.poli_id, period))
    plan_base = (select(PlanReferralFact).join(FamilyPlan, FamilyPlan.id == PlanReferralFact.plan_id)
                 .join(Family, Family.id == FamilyPlan.family_id).where(in_plan).subquery())
    plan = select(plan_base.c.referral_type, func.count()).group_by(plan_base.c.referral_type)
    statuses = dict.fromkeys(plan_rules.REFERRAL_STATUSES, 0)
    statuses.update(dict(db.session.execute(select(plan_base.c.status, func.count())
                                            .group_by(plan_base.c.status)).all()))
    intake = [(target, count) for reason, target, _gemeente, _days, count in _exit_groups(period)
              if reason == "doorverwezen"]
    by_source = {"mdo": _destination_counts(_mdo_referral_rows(period)), "intake": _destination_counts(intake),
                 "plan": _destination_counts(db.session.execute(plan))}
    return {"by_source": by_source, "plan_by_status": statuses}


# ------------------------------------------------------------------ outcomes the system holds (§7.2)

def birth_outcome_figures(period: Period) -> dict:
    """Index children born in the months of the period (the first of the month of birth within the
    period's months), per class of gestational age, birth weight and admission."""
    first_month = period.start.replace(day=1)
    rows = db.session.execute(
        select(BirthOutcome.gestation_class, BirthOutcome.weight_class, BirthOutcome.admission, func.count())
        .where(BirthOutcome.born_month >= first_month, BirthOutcome.born_month <= period.end,
               _poli(BirthOutcome.poli_id, period))
        .group_by(BirthOutcome.gestation_class, BirthOutcome.weight_class, BirthOutcome.admission)).all()
    result = {"births": 0, "by_gestation": dict.fromkeys(family_rules.GESTATION_CLASSES, 0),
              "by_weight": dict.fromkeys(family_rules.WEIGHT_CLASSES, 0),
              "by_admission": dict.fromkeys(family_rules.ADMISSION_CLASSES, 0)}
    for gestation, weight, admission, n in rows:
        result["births"] += n
        result["by_gestation"][gestation] += n
        result["by_weight"][weight] += n
        result["by_admission"][admission] += n
    return result


# ------------------------------------------------------------------ figures per gemeente (the mandaatgemeente)

GEMEENTE_MEASURES = {"referrals": "Aanmeldingen", "exits": "Uitgestroomd", "active": "Actief (nu)"}


def _by_gemeente(rows) -> dict[str, int]:
    """(gemeente code, count) rows summed per gemeente (none: "onbekend")."""
    counts: dict[str, int] = {}
    for code, n in rows:
        counts[code or rules.UNKNOWN_AREA] = counts.get(code or rules.UNKNOWN_AREA, 0) + int(n)
    return counts


def gemeente_counts(period: Period) -> dict[str, dict[str, int]]:
    """Raw counts per gemeente code (families without one: "onbekend"): aanmeldingen and exits in the
    period, families active now. Never shown as such: see shown_by_gemeente."""
    groups, _days = _referral_rows(period)
    return {"referrals": _by_gemeente((row[4], row[5]) for row in groups),
            "exits": _by_gemeente((gemeente, count) for _reason, _target, gemeente, _days, count in _exit_groups(period)),
            "active": _by_gemeente((gemeente, count) for gemeente, _coordinator, count in _active_groups(period))}


def shown_by_gemeente(period: Period, gemeente: str | None = None) -> dict:
    """The figures per gemeente as the outputs show them (small cells suppressed, with secondary
    suppression over the gemeenten of each measure); ``gemeente``: only that column (and the total)."""
    names, _ = area_labels()
    counts = gemeente_counts(period)
    for per in counts.values():   # every gemeente of the list is a column, also with nothing to count
        per.update({code: per.get(code, 0) for code in (*names, rules.UNKNOWN_AREA)})
    shown_counts = rules.shown_by_area(counts, small_cell_threshold())
    names = {**names, rules.UNKNOWN_AREA: "Onbekend", rules.TOTAL_AREA: "Totaal"}
    columns = sorted({a for per in shown_counts.values() for a in per},
                     key=lambda a: (a == rules.TOTAL_AREA, a == rules.UNKNOWN_AREA, names.get(a, a)))
    if gemeente is not None:
        if gemeente not in names:
            raise ValidationError({"gemeente": f"Onbekende gemeente '{gemeente}'."})
        columns = [c for c in columns if c in (gemeente, rules.TOTAL_AREA)] or [rules.TOTAL_AREA]
    return {"period": {"from": period.start.isoformat(), "to": period.end.isoformat(),
                       "poli": period.poli.code if period.poli else None},
            "gemeenten": [{"code": c, "name": names.get(c, c),
                           **{m: shown_counts[m].get(c, 0) for m in GEMEENTE_MEASURES}} for c in columns]}
