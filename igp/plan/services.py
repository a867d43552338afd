"""The gezinsplan of a family: read it (through the gateway, category zorgplan), save it whole as a
new revision (parse -> authorise -> pure rules -> apply -> audit), its evaluation signal.

Who writes: the coordinator, the acting substitute and the core team's care professionals whose
decision allows writing `zorgplan` (rules.may_write_plan). Who reads: whoever's decision allows
`zorgplan`; others see the withheld reason. The family's MDO actions are shown beside the plan as
the reader may see them (igp.sharing.related.actions: the text only with mdo_notulen).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from igp import clock
from igp.audit import services as audit
from igp.errors import Conflict, Forbidden, ValidationError
from igp.extensions import db
from igp.families.models import Family
from igp.mdo.models import MdoAction
from igp.plan import rules
from igp.plan.models import FamilyPlan, PlanReferralFact, PlanRevision
from igp.plan.schemas import PlanIn
from igp.sharing import gateway, related
from igp.sharing.involvement import acting_substitute_for, coordinated_family_clause
from igp.validation import parse

CATEGORY = "zorgplan"
ACTIVE_STATUSES = ("aangemeld", "in_intake", "actief")
REFUSED = ("Alleen de coördinator (of diens vervanger) en de zorgprofessionals van het kernteam van het gezin "
           "schrijven het gezinsplan.")


@dataclass
class RevisionLine:
    number: int
    author: str
    on_behalf_of: str | None
    created_at: object


@dataclass
class PlanPage:
    """The plan as one reader may see it: `content` None when there is no plan or it is withheld."""

    view: gateway.FamilyView
    revision: int
    content: dict | None
    withheld_reason: str | None
    may_write: bool
    overdue: bool
    mdo_actions: list = field(default_factory=list)
    revisions: list[RevisionLine] = field(default_factory=list)


def load_plan(family_id: int) -> FamilyPlan | None:
    return db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family_id)
                             .options(selectinload(FamilyPlan.revisions)))


def current_content(plan: FamilyPlan | None) -> dict | None:
    """The current revision's plan; a goal saved before goals had a status is still worked on."""
    if plan is None or not plan.revisions:
        return None
    content = plan.revisions[-1].content
    return {**content, "goals": [{**g, "status": g.get("status") or rules.GOAL_DEFAULT}
                                 for g in content.get("goals", [])]}


def may_write(user, family: Family, decision) -> bool:
    """The rule that guards the save also decides whether the form is shown."""
    return rules.may_write_plan(user.roles, gateway.involvement(user, family)) and decision.may_write(CATEGORY)


def read_plan(user, family_id: int, *, access: str = "web", action: str = "read") -> PlanPage:
    """The plan page and GET .../plan: the family through the gateway (logged), the plan only with
    zorgplan; NotFound (as for an unknown id) when the user is not involved."""
    view = gateway.read_family(user, family_id, access=access, action=action)
    plan = load_plan(family_id)
    family = gateway.load_family(family_id)
    allowed = view.may(CATEGORY)
    content = current_content(plan) if allowed else None
    return PlanPage(
        view=view, revision=plan.revision if plan else 0, content=content,
        withheld_reason=None if allowed else view.decision.reason(CATEGORY),
        may_write=may_write(user, family, view.decision),
        overdue=bool(content) and rules.evaluation_overdue(plan.evaluation_date, clock.today()),
        mdo_actions=[a for a in related.actions(view) if a.status == "open"] if allowed else [],
        revisions=[RevisionLine(r.number, r.author.name, r.on_behalf_of.name if r.on_behalf_of else None,
                                r.created_at) for r in reversed(plan.revisions)] if plan and allowed else [])


def _require_may_write(user, family: Family, decision) -> None:
    if not may_write(user, family, decision):
        raise Forbidden(REFUSED, audit={
            "action": "update", "user": user, "object_type": "family", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied", "detail": "gezinsplan write refused"})


def _referral_problems(command: PlanIn, previous: dict | None) -> dict[str, str]:
    known = {r["id"]: r for r in (previous or {}).get("referrals", [])}
    problems: dict[str, str] = {}
    for index, referral in enumerate(command.referrals):
        if referral.id is not None and referral.id not in known:
            problems[f"referrals[{index}].id"] = "Deze doorverwijzing staat niet in het plan dat u zag; laad opnieuw."
            continue
        old = known[referral.id]["status"] if referral.id is not None else None
        message = rules.referral_change_problem(old, referral.status, referral.reason)
        if message:
            problems[f"referrals[{index}].reason" if old else f"referrals[{index}].status"] = message
    return problems


def _problems(command: PlanIn, previous: dict | None, family_id: int) -> dict[str, str]:
    problems: dict[str, str] = {}
    message = rules.evaluation_problem(command.start_date, command.evaluation_date)
    if message:
        problems["evaluation_date"] = message
    problems.update(_referral_problems(command, previous))
    linked = {a.mdo_action_id for a in command.actions if a.mdo_action_id}
    if linked:
        own = set(db.session.scalars(select(MdoAction.id).where(MdoAction.family_id == family_id,
                                                                 MdoAction.id.in_(linked))))
        for index, action in enumerate(command.actions):
            if action.mdo_action_id and action.mdo_action_id not in own:
                problems[f"actions[{index}].mdo_action_id"] = "Dit is geen MDO-actie van dit gezin."
    return problems


def _referrals(command: PlanIn, previous: dict | None, today: date) -> list[dict]:
    known = {r["id"]: r for r in (previous or {}).get("referrals", [])}
    used = [int(i[1:]) for i in known if i[1:].isdigit()]
    next_number = max(used, default=0) + 1
    result = []
    for referral in command.referrals:
        old = known.get(referral.id)
        if old is None:
            referral_id, next_number = f"r{next_number}", next_number + 1
        else:
            referral_id = referral.id
        requested = referral.requested_on.isoformat() if referral.requested_on else None
        result.append({
            "id": referral_id, "to": referral.to, "referral_type": referral.referral_type, "status": referral.status,
            "requested_on": requested or (old or {}).get("requested_on") or today.isoformat(),
            "history": rules.status_dates(old["history"] if old else [], referral.status, today, referral.reason)})
    return result


def _content(command: PlanIn, previous: dict | None, today: date) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {
        "hulpvraag": command.hulpvraag, "start_date": day(command.start_date),
        "evaluation_date": day(command.evaluation_date),
        "goals": [{"what": g.what, "who": g.who, "by_when": day(g.by_when), "status": g.status or rules.GOAL_DEFAULT}
                  for g in command.goals],
        "actions": [{"what": a.what, "who": a.who, "by_when": day(a.by_when), "mdo_action_id": a.mdo_action_id}
                    for a in command.actions],
        "referrals": _referrals(command, previous, today),
    }


def save_plan(user, family_id: int, data: dict, *, access: str = "web") -> FamilyPlan:
    """PUT .../plan and the form: the whole plan replaces the previous one, kept as a new revision."""
    family, decision = gateway.load_for_write(user, family_id, needs=(CATEGORY,), access=access)
    _require_may_write(user, family, decision)
    command = parse(PlanIn, data)
    plan = load_plan(family.id)
    seen = plan.revision if plan else 0
    if command.version != seen:
        raise Conflict(f"Iemand anders heeft het gezinsplan intussen opgeslagen (nu revisie {seen}); "
                       "laad het plan opnieuw.", field="version")
    previous = current_content(plan)
    problems = _problems(command, previous, family.id)
    if problems:
        raise ValidationError(problems)
    today = clock.today()
    if plan is None:
        plan = FamilyPlan(family_id=family.id, revision=0)
        db.session.add(plan)
    plan.revision = seen + 1
    plan.start_date, plan.evaluation_date, plan.updated_at = command.start_date, command.evaluation_date, clock.now()
    on_behalf = acting_substitute_for(user, family)
    content = _content(command, previous, today)
    plan.revisions.append(PlanRevision(number=plan.revision, content=content,
                                       author_id=user.id, on_behalf_of_id=on_behalf, created_at=clock.now()))
    db.session.flush()
    _write_referral_facts(plan, content["referrals"])
    audit.record("create" if seen == 0 else "update", user=user, object_type="family_plan", object_id=plan.id,
                 family_pseudonym=family.pseudonym, shown=[CATEGORY], consent_ids=decision.consent_ids,
                 on_behalf_of_id=on_behalf, detail=f"{access}: gezinsplan revision {plan.revision}")
    return plan


def _write_referral_facts(plan: FamilyPlan, referrals: list[dict]) -> None:
    """The plan's onward referrals as monitoring counts them (kind, status, request date)."""
    db.session.execute(delete(PlanReferralFact).where(PlanReferralFact.plan_id == plan.id))
    db.session.add_all(PlanReferralFact(plan_id=plan.id, key=r["id"], referral_type=r["referral_type"],
                                        status=r["status"], requested_on=date.fromisoformat(r["requested_on"]))
                       for r in referrals)
    db.session.flush()


def rebuild_referral_facts() -> int:
    """Every plan's referral facts again from its current revision (`flask --app igp reports
    rebuild-facts`, after an import or a restore); returns the number of plans."""
    plans = db.session.scalars(select(FamilyPlan).options(selectinload(FamilyPlan.revisions))).all()
    for plan in plans:
        content = current_content(plan)
        _write_referral_facts(plan, content["referrals"] if content else [])
    return len(plans)


def plan_evaluation_due(user, day: date | None = None) -> gateway.DatedList:
    """Signal evaluatie_verlopen: the families I coordinate (or stand in for today) whose plan's
    evaluation date has passed; shown only where I may see the plan (each read logged)."""
    day = day or clock.today()
    due = dict(db.session.execute(
        select(FamilyPlan.family_id, FamilyPlan.evaluation_date).join(Family, Family.id == FamilyPlan.family_id)
        .where(FamilyPlan.evaluation_date < day, coordinated_family_clause(user, day),
               Family.status.in_(ACTIVE_STATUSES))).all())
    return gateway.DatedList(due, CATEGORY, "plan evaluation signal")


def plan_evaluation_signals(user, day: date | None = None, *, offset: int = 0,
                            limit: int | None = None) -> tuple[list[tuple[gateway.FamilySummary, date]], int]:
    """The page (``offset``, ``limit``; None: all) of plan_evaluation_due() by date, and the true total."""
    return gateway.read_dated(user, plan_evaluation_due(user, day), offset=offset, limit=limit)


def family_section(user, view: gateway.FamilyView) -> dict | None:
    """The short "Gezinsplan" section of the family page: None without zorgplan."""
    plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == view.read_key(CATEGORY)))
    if not view.may(CATEGORY):
        return None
    if plan is None:
        return {"revision": 0, "evaluation_date": None, "overdue": False}
    return {"revision": plan.revision, "evaluation_date": plan.evaluation_date,
            "overdue": rules.evaluation_overdue(plan.evaluation_date, clock.today())}


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def dated(content: dict | None) -> dict | None:
    """The stored plan with its dates as dates (for showing them as dd-mm-jjjj)."""
    if content is None:
        return None
    return {
        **content, "start_date": _day(content.get("start_date")), "evaluation_date": _day(content.get("evaluation_date")),
        "goals": [{**g, "by_when": _day(g.get("by_when")), "status": g.get("status") or rules.GOAL_DEFAULT}
                  for g in content.get("goals", [])],
        "actions": [{**a, "by_when": _day(a.get("by_when"))} for a in content.get("actions", [])],
        "referrals": [{**r, "requested_on": _day(r.get("requested_on")),
                       "history": [{**h, "on": _day(h.get("on"))} for h in r.get("history", [])]}
                      for r in content.get("referrals", [])],
    }
