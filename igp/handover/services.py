"""Warme overdracht: start, steps, feedback, signals, digests.

The deadline is fixed when the handover starts (term and calendar of that moment); changing
a setting never moves it silently: `recalculate_deadline` is an explicit, logged action.
All working-day arithmetic goes through igp.workdays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import defer, lazyload

from igp import clock, request_cache
from igp.admin.services import find_poli, get_setting, handover_term, work_calendar
from igp.audit import services as audit
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families.models import Family
from igp.handover import rules
from igp.handover.models import Handover, HandoverEvent, HandoverFeedback
from igp.handover.schemas import EventIn, FeedbackIn, RecalculateIn
from igp.sharing import gateway
from igp.sharing.involvement import acting_substitute_for, coordinated_family_clause
from igp.sql import id_in, id_in_select
from igp.validation import parse
from igp.workdays import workdays_between

HANDOVER_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                            "jeugdverpleegkundige", "sociaal_werker", "planner"})


def risk_workdays() -> int:
    return int(get_setting("handover_risk_workdays"))


# ------------------------------------------------------------------ start

def start_for_referral(user, family: Family, referral) -> Handover | None:
    """Every aanmelding of a family in the target group starts an inward handover."""
    if family.status == "niet_in_doelgroep":
        return None
    open_one = open_inward(family.id)
    if open_one is not None:
        return open_one  # a second aanmelding while one is running joins the running handover
    return start_inward(user, family, referral.id, referral.received_at)


def start_inward(user, family: Family, referral_id: int | None, at: datetime, note: str | None = None,
                 on_behalf_of_id: int | None = None) -> Handover:
    """A new inward handover from `at`, with its own term (an aanmelding, or a family that a
    re-assessment brought back into the target group)."""
    start_on = clock.local_date(at)
    term = handover_term(family.poli)
    handover = Handover(
        family_id=family.id, referral_id=referral_id, direction="in", poli_id=family.poli_id, status="aangemeld",
        started_at=at, started_on=start_on, term_workdays=term,
        deadline=rules.deadline_for(start_on, term, work_calendar()),
    )
    db.session.add(handover)
    db.session.flush()
    _event(handover, user, "aangemeld", at, from_status=None, to_status="aangemeld", note=note,
           on_behalf_of_id=on_behalf_of_id)
    return handover


def start_outward(user, family: Family, target: str, target_name: str | None, note: str | None,
                  on_behalf_of_id: int | None = None) -> Handover:
    """The outward warm handover at exit: its own steps (rules.OUTWARD_STEPS), the IGP's handover
    term counted from the exit as its deadline, and feedback as inward."""
    now = clock.now()
    start_on = clock.local_date(now)
    term = handover_term(family.poli)
    handover = Handover(
        family_id=family.id, direction="uit", poli_id=family.poli_id, status=rules.OUTWARD_START, started_at=now,
        started_on=start_on, term_workdays=term, deadline=rules.deadline_for(start_on, term, work_calendar()),
        target=target, target_name=target_name,
    )
    db.session.add(handover)
    db.session.flush()
    _event(handover, user, rules.OUTWARD_START, now, from_status=None, to_status=rules.OUTWARD_START, note=note,
           on_behalf_of_id=on_behalf_of_id)
    return handover


def open_inward(family_id: int) -> Handover | None:
    return db.session.scalar(select(Handover).where(
        Handover.family_id == family_id, Handover.direction == "in", Handover.closed_at.is_(None)))


def current_handover(family_id: int, direction: str | None = None) -> Handover | None:
    """The open handover of a family, else the most recent one."""
    stmt = select(Handover).where(Handover.family_id == family_id)
    if direction:
        stmt = stmt.where(Handover.direction == direction)
    stmt = stmt.order_by(Handover.closed_at.is_(None).desc(), Handover.started_at.desc(), Handover.id.desc())
    return db.session.scalars(stmt.limit(1)).first()


def _event(handover: Handover, user, event_type: str, at: datetime, *, from_status, to_status, note=None,
           reason=None, contact_mode=None, on_behalf_of_id=None) -> HandoverEvent:
    event = HandoverEvent(handover=handover, event_type=event_type, at=at, by_user_id=getattr(user, "id", None),
                          on_behalf_of_id=on_behalf_of_id, note=note, reason=reason, contact_mode=contact_mode,
                          from_status=from_status, to_status=to_status)
    db.session.add(event)
    return event


# ------------------------------------------------------------------ steps

@dataclass
class EventInput:
    type: str
    at: datetime | None
    note: str | None
    reason: str | None
    contact_mode: str | None
    planned_at: datetime | None = None
    missed_text: str | None = None

    @classmethod
    def of(cls, parsed: EventIn) -> "EventInput":
        return cls(parsed.type, parsed.at, parsed.note, parsed.reason, parsed.contact_mode, parsed.planned_at)


def parse_event(data: dict) -> EventInput:
    parsed = parse(EventIn, data)
    if parsed.type is None:
        raise ValidationError({"type": "Stap is verplicht."})
    return EventInput.of(parsed)


def apply_event(user, handover: Handover, data: EventInput, *, on_behalf_of_id: int | None = None,
                from_intake: bool = False) -> HandoverEvent:
    """Move a handover one step, with every refusal in Dutch and the state unchanged."""
    now = clock.now()
    error = rules.transition_error(handover.status, data.type, has_explicit_at=data.at is not None or from_intake,
                                   direction=handover.direction)
    if error:
        raise ValidationError({"type": error})
    at = data.at or now
    held_date = clock.local_date(at) if data.type in rules.HELD_STEPS else None
    term_met = held_date <= handover.deadline if held_date else None
    problems = rules.step_problems(event=data.type, at=at, started_at=handover.started_at, now=now, note=data.note,
                                   contact_mode=data.contact_mode, reason=data.reason, missed_text=data.missed_text,
                                   term_met=term_met)
    if problems:
        raise ValidationError(problems)
    before = handover.status
    _record_step(handover, data, at, term_met, held_date)
    event = _event(handover, user, data.type, at, from_status=before, to_status=handover.status, note=data.note,
                   reason=data.reason, contact_mode=data.contact_mode, on_behalf_of_id=on_behalf_of_id)
    db.session.flush()
    audit.record("update", user=user, object_type="handover", object_id=handover.id,
                 family_pseudonym=handover.family.pseudonym, on_behalf_of_id=on_behalf_of_id,
                 detail=f"handover {before} -> {handover.status} ({data.type})")
    return event


def _record_step(handover: Handover, data: EventInput, at: datetime, term_met: bool | None, held_date) -> None:
    handover.status = rules.new_status(handover.status, data.type)
    if data.type in ("contact_gelegd", "intake_gepland", "overdracht_aangeboden", "overdrachtsgesprek_gepland") \
            and handover.contact_at is None:
        handover.contact_at = at
    if data.type in ("intake_gepland", "overdrachtsgesprek_gepland"):   # outward: the handover talk
        handover.intake_planned_at = data.planned_at or handover.intake_planned_at
    if data.type in rules.HELD_STEPS:
        handover.intake_held_at = at
        handover.term_met = term_met
        handover.workdays_to_intake = workdays_between(handover.started_on, held_date, work_calendar())
        if not term_met:
            handover.missed_reason = data.reason
            handover.missed_text = data.missed_text or data.note
    if handover.status in rules.CLOSED_STATUSES:
        handover.closed_at = at
        _maybe_complete(handover)


def record_event(user, family_id: int, data: dict | EventInput) -> HandoverEvent:
    """A step on the family's open (or latest) handover. The inward intake steps are recorded
    through the intake (igp.families.services.record_handover_step keeps the two in step)."""
    gateway.load_for_write(user, family_id)  # not involved: the family does not exist (404)
    parsed = data if isinstance(data, EventInput) else parse_event(data)
    # a note on a step is process data of the referral (verwijzingen): written only where it may be
    family, _ = gateway.load_for_write(user, family_id, needs=("verwijzingen",) if parsed.note else ())
    _require_role(user)
    handover = current_handover(family.id)
    if handover is None:
        raise NotFound("Dit gezin heeft geen warme overdracht.")
    return apply_event(user, handover, parsed, on_behalf_of_id=acting_substitute_for(user, family))


def intake_changed(user, family: Family, intake, *, planned_now: bool, held_now: bool,
                   on_behalf_of_id: int | None = None, missed_reason: str | None = None,
                   missed_text: str | None = None) -> None:
    """Keep the inward handover in step with the intake record."""
    handover = open_inward(family.id)
    if handover is None:
        return
    if planned_now and handover.status in ("aangemeld", "contact_gelegd", "intake_gepland") and not held_now:
        # planned now, or (recorded afterwards) at the latest at the planned moment itself
        moment = max(handover.started_at, min(clock.now(), intake.planned_at))
        apply_event(user, handover, EventInput("intake_gepland", moment, None, None, None, intake.planned_at),
                    on_behalf_of_id=on_behalf_of_id, from_intake=True)
    if held_now:
        apply_event(user, handover, EventInput("intake_gehouden", intake.held_at, missed_text, missed_reason, None,
                                               missed_text=missed_text),
                    on_behalf_of_id=on_behalf_of_id, from_intake=True)


def _require_role(user) -> None:
    if not user.roles & HANDOVER_ROLES:
        raise Forbidden("Uw rol mag de warme overdracht niet bijwerken.")


# ------------------------------------------------------------------ feedback

def record_feedback(user, family_id: int, data: dict) -> HandoverFeedback:
    gateway.load_for_write(user, family_id)
    parsed = parse(FeedbackIn, data)
    missing = {k: f"{label} is verplicht." for k, label in (("recipient", "Aan wie"), ("method", "Hoe"))
               if getattr(parsed, k) is None}
    if missing:
        raise ValidationError(missing)
    family, _ = gateway.load_for_write(user, family_id, needs=("verwijzingen",) if parsed.note else ())
    _require_role(user)
    handover = current_handover(family.id)
    if handover is None:
        raise NotFound("Dit gezin heeft geen warme overdracht.")
    now = clock.now()
    at = parsed.at or now
    problems = rules.feedback_problems(method=parsed.method, note=parsed.note, at=at, started_at=handover.started_at,
                                       now=now)
    if problems:
        raise ValidationError(problems)
    feedback = HandoverFeedback(handover=handover, recipient=parsed.recipient, method=parsed.method, at=at,
                                by_user_id=user.id, note=parsed.note)
    db.session.add(feedback)
    note_feedback(handover, parsed.recipient, parsed.method)
    db.session.flush()
    audit.record("update", user=user, object_type="handover", object_id=handover.id,
                 family_pseudonym=family.pseudonym, on_behalf_of_id=acting_substitute_for(user, family),
                 detail=f"feedback to {parsed.recipient} by {parsed.method}")
    return feedback


def note_feedback(handover: Handover, recipient: str, method: str) -> None:
    """The handover's own record of the feedback given (its board column and completion)."""
    if recipient == "verwijzer":
        handover.feedback_referrer = method
    else:
        handover.feedback_family = method
    _maybe_complete(handover)


def _maybe_complete(handover: Handover) -> None:
    """Complete = closed AND feedback to the referrer recorded (or marked not applicable)."""
    if handover.closed_at is not None and handover.feedback_referrer and handover.completed_at is None:
        handover.completed_at = clock.now()


# ------------------------------------------------------------------ recalculation

def recalculate_deadline(user, handover_id: int, reason: str) -> Handover:
    handover = db.session.get(Handover, handover_id)
    if handover is None:  # the same answer as for a handover of a family the user may not see
        raise gateway.refusal(user, None, "handover recalculate: no such handover")
    gateway.load_for_write(user, handover.family_id)
    if not user.has_role("planner", "jeugdverpleegkundige", "beheerder"):
        raise Forbidden("Alleen een planner, jeugdverpleegkundige of beheerder mag de termijn herberekenen.")
    reason = parse(RecalculateIn, {"reason": reason}).reason
    if not reason or len(reason.strip()) < 10:
        raise ValidationError({"reason": "Licht toe waarom de termijn opnieuw wordt berekend (minstens 10 tekens)."})
    if handover.closed_at is not None:
        raise ValidationError({"_": "Een afgesloten overdracht wordt niet herberekend."})
    old_deadline, old_term = handover.deadline, handover.term_workdays
    poli = find_poli(handover.poli.code)
    handover.term_workdays = handover_term(poli)
    handover.deadline = rules.deadline_for(handover.started_on, handover.term_workdays, work_calendar())
    _event(handover, user, "herberekend", clock.now(), from_status=handover.status, to_status=handover.status,
           note=f"{reason.strip()} (was {old_deadline.strftime('%d-%m-%Y')}, {old_term} werkdagen)")
    audit.record("update", user=user, object_type="handover", object_id=handover.id,
                 family_pseudonym=handover.family.pseudonym,
                 detail=f"deadline recalculated {old_deadline.isoformat()} -> {handover.deadline.isoformat()}")
    return handover


# ------------------------------------------------------------------ board and signals

@dataclass
class HandoverCard:
    """What a board card shows of a handover: codes and dates, no free text."""

    id: int
    family_id: int
    poli_code: str
    poli_name: str
    direction: str
    status: str
    deadline: date
    term_met: bool | None
    feedback_referrer: str | None
    closed_at: datetime | None

    @classmethod
    def of(cls, h: Handover) -> "HandoverCard":
        return cls(h.id, h.family_id, h.poli.code, h.poli.name, h.direction, h.status, h.deadline, h.term_met,
                   h.feedback_referrer, h.closed_at)


@dataclass
class HandoverRow:
    handover: HandoverCard
    summary: gateway.FamilySummary
    signal: str | None
    workdays_left: int | None
    coordinator_name: str | None


def workdays_left(handover: Handover) -> int | None:
    """Working days left to the handover's deadline today (Dutch holidays and the IGP's calendar),
    None once it is closed: the one place the API and the pages get this number from."""
    return None if handover.closed_at else rules.workdays_left(handover.deadline, clock.today(), work_calendar())


def signal_of(handover: Handover, today: date | None = None, calendar=None) -> str | None:
    if handover.closed_at is not None:
        return None
    return rules.signal(handover.deadline, today or clock.today(), calendar or work_calendar(), risk_workdays())


def _board_filters(user, *, poli, coordinator_id, signal, mine, include_closed_days, urgent, status):
    """The board's filters as (conditions on the handover, conditions on its family)."""
    if signal and signal not in rules.SIGNALS:
        raise ValidationError({"signal": f"Onbekend signaal '{signal}'. Kies uit: {', '.join(rules.SIGNALS)}."})
    if status and status not in rules.STATUSES:
        raise ValidationError({"status": f"Onbekende status '{status}'. Kies uit: {', '.join(rules.STATUSES)}."})
    today = clock.today()
    on_handover, on_family = [], [gateway.visibility_clause(user)]
    if poli:
        poli_obj = find_poli(poli)
        if poli_obj is None:
            raise ValidationError({"poli": f"Onbekende poli '{poli}'."})
        on_handover.append(Handover.poli_id == poli_obj.id)
    if coordinator_id:
        on_family.append(Family.coordinator_id == coordinator_id)
    if mine:
        on_family.append(coordinated_family_clause(user))
    if status:
        on_handover.append(Handover.status == status)
    if signal or urgent:
        limit_date = rules.risk_limit(today, work_calendar(), risk_workdays())
        on_handover.append(Handover.closed_at.is_(None))
        on_handover.append({"te_laat": Handover.deadline < today,
                            "risico": and_(Handover.deadline >= today, Handover.deadline < limit_date),
                            "op_schema": Handover.deadline >= limit_date}.get(signal, Handover.deadline < limit_date))
    else:
        since = clock.now() - timedelta(days=include_closed_days)
        on_handover.append(or_(Handover.closed_at.is_(None), Handover.closed_at >= since))
    return on_handover, on_family


def _board_rows(user, per_status: int | None = None, **filters) -> tuple[tuple[tuple[int, str], ...], dict[str, int]]:
    """((handover id, status) in the board's order, {status: how many}) for the handovers of the
    board's filters whose family the user may see, in one statement: the handovers' own rows first
    (open ones, and those closed in the last days: a bounded set, materialised), then only their
    families checked by primary key (sql.id_in_select), instead of joining every family the user may
    see; ordered by the database (open ones by deadline, then the most recently closed).
    ``per_status``: only the first that many of each status come back (the board's columns); the
    totals still count them all (issue 21: at 100,000 families a nurse's board has over a thousand
    handovers, which were all sent here to be counted and cut). Once per request for the same filters."""
    def compute():
        on_handover, on_family = _board_filters(user, **filters)
        candidates = (select(Handover.id, Handover.family_id, Handover.status, Handover.closed_at, Handover.deadline)
                      .where(*on_handover).cte("board_candidates").prefix_with("MATERIALIZED", dialect="postgresql"))
        visible = select(Family.id).where(id_in_select(Family.id, candidates.c.family_id), *on_family)
        c = candidates.c
        ranked = (select(c.id, c.status, c.closed_at, c.deadline,
                         func.row_number().over(partition_by=c.status, order_by=_board_order(c)).label("n"),
                         func.count().over(partition_by=c.status).label("total"))
                  .where(c.family_id.in_(visible)).subquery("board_ranked"))
        stmt = select(ranked.c.id, ranked.c.status, ranked.c.total).order_by(*_board_order(ranked.c))
        if per_status:
            stmt = stmt.where(ranked.c.n <= per_status)
        rows = db.session.execute(stmt).all()
        return tuple((row.id, row.status) for row in rows), {row.status: row.total for row in rows}
    return request_cache.cached("handover.board", (user.id, per_status, tuple(sorted(filters.items()))), compute)


def _board_order(c) -> tuple:
    """The board's order: open handovers first by deadline, then the most recently closed."""
    return case((c.closed_at.is_(None), 0), else_=1), c.closed_at.desc(), c.deadline, c.id


def _board_filter_args(poli, coordinator_id, signal, mine, include_closed_days, urgent, status) -> dict:
    return {"poli": poli, "coordinator_id": coordinator_id, "signal": signal, "mine": mine,
            "include_closed_days": include_closed_days, "urgent": urgent, "status": status}


def board(user, *, poli: str | None = None, coordinator_id: int | None = None, signal: str | None = None,
          mine: bool = False, include_closed_days: int = 14, limit: int = 300, access: str = "web",
          urgent: bool = False, status: str | None = None, offset: int = 0,
          per_status: int | None = None) -> list[HandoverRow]:
    """Open handovers (and recently closed ones) of the families this user may see, most urgent
    first. urgent: only the open ones that are 'risico' or 'te_laat' (the signals pages), so that
    only what is shown is read and logged. per_status: at most this many per status (the board's
    columns), so a column of hundreds does not crowd out the others; board_counts() gives the true
    totals. status/offset: one column, a page at a time."""
    today = clock.today()
    calendar = work_calendar()
    ordered, _totals = _board_rows(user, per_status, **_board_filter_args(
        poli, coordinator_id, signal, mine, include_closed_days, urgent, status))
    ids = [handover_id for handover_id, _status in ordered[max(offset, 0):max(offset, 0) + limit]]
    # explicit loads, the same statements for an empty board (issue 21): the handovers, then their
    # families as plain rows (gateway.load_listed; h.family is never touched: lazyload would query)
    loaded = {h.id: h for h in db.session.scalars(select(Handover).where(id_in(Handover.id, ids or [0])).options(
        defer(Handover.missed_text), defer(Handover.target_name), lazyload(Handover.family)))}
    handovers = [loaded[i] for i in ids if i in loaded]
    families = gateway.load_listed(ids={h.family_id for h in handovers})
    summaries = {s.id: s for s in gateway.summarise_matches(
        user, [(families[h.family_id], "handover board", None) for h in handovers if h.family_id in families],
        access=access, constant_cost=True)}
    rows = []
    for h in handovers:
        summary = summaries.get(h.family_id)
        if summary is None:
            continue
        rows.append(HandoverRow(
            handover=HandoverCard.of(h), summary=summary, signal=signal_of(h, today, calendar),
            workdays_left=None if h.closed_at else rules.workdays_left(h.deadline, today, calendar),
            coordinator_name=_coordinator_name(families[h.family_id]),
        ))
    return rows


def _coordinator_name(family) -> str | None:
    return family.coordinator.name if family.coordinator else None


def board_counts(user, *, poli: str | None = None, coordinator_id: int | None = None, signal: str | None = None,
                 mine: bool = False, include_closed_days: int = 14, status: str | None = None,
                 urgent: bool = False, per_status: int | None = None) -> dict[str, int]:
    """How many handovers each status has under the board's filters: the true column totals,
    counted without reading (or logging) a family. ``per_status`` as the board() that follows, so
    that one statement serves both."""
    return dict(_board_rows(user, per_status, **_board_filter_args(poli, coordinator_id, signal, mine,
                                                                    include_closed_days, urgent, status))[1])


@cache
def _open_signal_statement():
    return (select(Handover.family_id, Handover.deadline)
            .where(Handover.family_id.in_(bindparam("family_ids", expanding=True)), Handover.closed_at.is_(None))
            .order_by(Handover.deadline.desc()))


def open_signals(family_ids: list[int]) -> dict[int, str]:
    """The signal of each family's open handover (the most urgent when there are two), for lists that
    have already read and logged the families themselves."""
    if not family_ids:
        return {}
    today, calendar = clock.today(), work_calendar()
    result: dict[int, str] = {}
    rows = db.session.execute(_open_signal_statement(), {"family_ids": list(family_ids)})
    for family_id, deadline in rows:
        result[family_id] = rules.signal(deadline, today, calendar, risk_workdays())
    return result


def families_with_signal(signal: str):
    """A subquery of the ids of families whose open handover has this signal now (for list filters)."""
    today = clock.today()
    limit_date = rules.risk_limit(today, work_calendar(), risk_workdays())
    clause = {"te_laat": Handover.deadline < today,
              "risico": and_(Handover.deadline >= today, Handover.deadline < limit_date),
              "op_schema": Handover.deadline >= limit_date}[signal]
    return select(Handover.family_id).where(Handover.closed_at.is_(None), clause)


def signal_counts(*, poli_id: int | None = None) -> dict[str, int]:
    """Open handovers per signal, right now, counted by the database (for dashboards)."""
    today = clock.today()
    limit_date = rules.risk_limit(today, work_calendar(), risk_workdays())
    signal_expr = case(
        (Handover.deadline < today, "te_laat"),
        (Handover.deadline < limit_date, "risico"),
        else_="op_schema",
    )
    stmt = select(signal_expr, func.count()).where(Handover.closed_at.is_(None)).group_by(signal_expr)
    if poli_id:
        stmt = stmt.where(Handover.poli_id == poli_id)
    counts = {key: 0 for key in rules.SIGNALS}
    for key, count in db.session.execute(stmt):
        counts[key] = count
    return counts
