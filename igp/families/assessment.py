"""Herbeoordeling doelgroep: the target group re-assessed from the family's current data (guide §2),
with a reason and a history, and its effect on the family's status and its warm handover.

`reassess(actor, family, ...)` is the one place that recomputes and applies; it is called by the
page and the API (`assess`: parse -> authorise -> reassess) and by the birth recording
(trigger "geboorte"). The rules are pure (igp.families.rules: check_target_group,
reassessment_event, may_reassess); the status changes only through the state machine.

Consent category: the criteria are risk factors and circumstances (`ontwikkeling_risicos`: the social
vulnerabilities, protective factors, non-primary situations and the outcome, as the family page
shows them) and medical history (`medische_voorgeschiedenis`: medical reasons, high risk). A
re-assessment needs `ontwikkeling_risicos`, and `medische_voorgeschiedenis` too when it changes a
medical criterion; the history shows each change only to a reader who may see its category.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from igp import clock
from igp.admin.services import get_setting
from igp.audit import services as audit
from igp.auth.models import name_of
from igp.coordination.services import assign_default
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.families import codes, rules
from igp.families.models import Family, Referral, TargetAssessment
from igp.families.schemas import TargetAssessmentIn
from igp.handover import services as handover_services
from igp.sharing import gateway
from igp.sharing.involvement import acting_substitute_for
from igp.validation import parse

LIST_FIELDS = ("vulnerabilities", "medical_reasons", "protective_factors", "non_primary")
CRITERIA_FIELDS = (*LIST_FIELDS, "high_risk")
CATEGORY_OF = {"vulnerabilities": "ontwikkeling_risicos", "protective_factors": "ontwikkeling_risicos",
               "non_primary": "ontwikkeling_risicos", "medical_reasons": "medische_voorgeschiedenis",
               "high_risk": "medische_voorgeschiedenis"}
HANDOVER_EFFECTS = {"gesloten": "Warme overdracht beëindigd", "gestart": "Nieuwe warme overdracht gestart"}
CLOSED_NOTE = "Herbeoordeling doelgroep: het gezin valt buiten de doelgroep."
STARTED_NOTE = "Herbeoordeling doelgroep: het gezin valt (weer) binnen de doelgroep."


def current_criteria(referral: Referral | None) -> dict:
    """The criteria as the latest aanmelding holds them (the family's current criteria)."""
    values = {name: list(getattr(referral, name) or []) if referral else [] for name in LIST_FIELDS}
    values["high_risk"] = bool(referral.high_risk) if referral else False
    return values


def case_for(family: Family, values: dict) -> rules.TargetGroupCase:
    """The family as the pure check sees it today: its phase and due date, the index children's birth
    dates (a sibling never counts), whether its poli is second-line care, and the criteria."""
    return rules.TargetGroupCase(
        phase=family.phase, vulnerabilities=frozenset(values["vulnerabilities"]),
        medical_reasons=frozenset(values["medical_reasons"]), high_risk=values["high_risk"],
        reference_date=clock.today(), expected_due_date=family.expected_due_date,
        child_birth_dates=rules.index_birth_dates(family.children), non_primary=frozenset(values["non_primary"]),
        second_line_care=bool(family.poli.second_line), protective_factors=frozenset(values["protective_factors"]))


def _problems(reason, trigger: str, changes: dict, before: dict) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not isinstance(reason, str) or len(reason.strip()) < 10:
        problems["reason"] = "Geef de reden van de herbeoordeling (minstens 10 tekens)."
    if trigger not in rules.ASSESSMENT_TRIGGERS:
        problems["trigger"] = f"Onbekende aanleiding '{trigger}'. Kies uit: {', '.join(rules.ASSESSMENT_TRIGGERS)}."
    unknown = sorted(set(changes) - set(CRITERIA_FIELDS))
    if unknown:
        problems[unknown[0]] = f"Dit gegeven kan een herbeoordeling niet wijzigen: {unknown[0]}."
    for kind in rules.CODE_LISTS:
        if kind in changes:
            problems.update(codes.problems(kind, kind, changes[kind], kept=before[kind]))
    if "non_primary" in changes and set(changes["non_primary"] or ()) - set(rules.NON_PRIMARY):
        problems["non_primary"] = f"Niet-primaire situatie: kies uit {', '.join(rules.NON_PRIMARY)}."
    return problems


def _apply_changes(referral: Referral | None, before: dict, changes: dict) -> dict:
    """The corrected criteria on the latest aanmelding; returns {field: {"before", "after"}}."""
    changed = {}
    for name, value in changes.items():
        value = bool(value) if name == "high_risk" else list(dict.fromkeys(value or []))
        if value != before[name]:
            changed[name] = {"before": before[name], "after": value}
            if referral is not None:
                setattr(referral, name, value)
    return changed


def _handover_effect(actor, family: Family, event: str | None, on_behalf_of_id: int | None) -> str | None:
    """Leaving the target group ends the open inward handover (side exit 'geannuleerd'); coming back
    starts a new one with its own term from today (and the default coordinator if there is none)."""
    if event == "herbeoordeling_buiten":
        handover = handover_services.open_inward(family.id)
        if handover is None:
            return None
        at = max(clock.now(), handover.started_at)
        handover_services.apply_event(actor, handover, handover_services.EventInput(
            "geannuleerd", at, CLOSED_NOTE, None, None), on_behalf_of_id=on_behalf_of_id)
        return "gesloten"
    if event == "herbeoordeling_binnen":
        if handover_services.open_inward(family.id) is None:
            latest = family.referrals[-1] if family.referrals else None
            handover_services.start_inward(actor, family, latest.id if latest else None, clock.now(), STARTED_NOTE,
                                           on_behalf_of_id=on_behalf_of_id)
        if family.coordinator_id is None:
            assign_default(actor, family)
        return "gestart"
    return None


def reassess(actor, family: Family, *, reason: str, trigger: str, changes: dict | None = None) -> TargetAssessment:
    """Recompute the target group from the family's current data (its latest aanmelding's criteria,
    corrected by `changes`), store the history row, update the family's outcome and apply the effect
    on its status (state machine) and its inward handover. The caller has authorised `actor`."""
    changes = dict(changes or {})
    referral = family.referrals[-1] if family.referrals else None
    before = current_criteria(referral)
    problems = _problems(reason, trigger, changes, before)
    if problems:
        raise ValidationError(problems)
    changed = _apply_changes(referral, before, changes)
    after = {**before, **{name: change["after"] for name, change in changed.items()}}
    result = rules.check_target_group(case_for(family, after),
                                      codes.criteria(int(get_setting("age_limit_months") or 24)))
    row = TargetAssessment(
        family_id=family.id, referral_id=referral.id if referral else None, trigger=trigger, reason=reason.strip(),
        assessed_by_id=getattr(actor, "id", None), on_behalf_of_id=acting_substitute_for(actor, family),
        assessed_at=clock.now(), eligible_before=bool(family.target_eligible), eligible_after=result.eligible,
        status_before=family.status, result_before=family.target_result, result_after=result.as_dict(),
        changes=changed or None)
    family.target_eligible, family.target_result = result.eligible, result.as_dict()
    event = rules.reassessment_event(family.status, result.eligible, bool(family.target_override))
    if event:
        family.status = rules.transition(family.status, event)
    row.status_after = family.status
    row.handover_effect = _handover_effect(actor, family, event, row.on_behalf_of_id)
    db.session.add(row)
    db.session.flush()
    audit.record("update", user=actor, object_type="target_assessment", object_id=row.id,
                 family_pseudonym=family.pseudonym, on_behalf_of_id=row.on_behalf_of_id,
                 shown=sorted({"ontwikkeling_risicos", *(CATEGORY_OF[k] for k in changed)}),
                 detail=f"target group re-assessed ({trigger}): {row.status_before} -> {row.status_after}, "
                        f"eligible {row.eligible_before} -> {row.eligible_after}"
                        + (f", changed {', '.join(sorted(changed))}" if changed else ""))
    return row


# ------------------------------------------------------------------ the page and the API

def may_reassess(user, family: Family) -> bool:
    return rules.may_reassess(user.roles, gateway.involvement(user, family))


def _require_may_reassess(user, family: Family) -> None:
    if not may_reassess(user, family):
        raise Forbidden("Alleen de coördinator (of diens vervanger) of een zorgprofessional van de aanmeldende "
                        "organisatie beoordeelt de doelgroep opnieuw.", audit={
                            "action": "update", "user": user, "object_type": "family", "object_id": family.id,
                            "family_pseudonym": family.pseudonym, "outcome": "denied",
                            "detail": "target group re-assessment refused"})


def sent_changes(command: TargetAssessmentIn, data: dict) -> dict:
    """Only the criteria sent (and not null) change."""
    return {name: getattr(command, name) for name in CRITERIA_FIELDS
            if isinstance(data, dict) and data.get(name) is not None}


def assess(user, family_id: int, data: dict, *, access: str = "web") -> TargetAssessment:
    """POST .../target-group/assessments and the page: authorise -> parse -> reassess."""
    family, _ = gateway.load_for_write(user, family_id, access=access)   # not involved: 404
    _require_may_reassess(user, family)
    command = parse(TargetAssessmentIn, data)
    changes = sent_changes(command, data)
    needs = sorted({"ontwikkeling_risicos", *(CATEGORY_OF[name] for name in changes)})
    family, _ = gateway.load_for_write(user, family_id, needs=needs, access=access)
    trigger = command.trigger or ("correctie" if changes else "herbeoordeling")
    return reassess(user, family, reason=command.reason, trigger=trigger, changes=changes)


def form_for(user, family_id: int) -> tuple[gateway.FamilyView, dict]:
    """The page "Doelgroep herbeoordelen": the family as the user may see it (logged) and the current
    criteria; only for who may re-assess (403 otherwise), and with the category of the criteria."""
    family, _ = gateway.load_for_write(user, family_id, needs=("ontwikkeling_risicos",))
    _require_may_reassess(user, family)
    view = gateway.read_family(user, family_id)
    values = current_criteria(family.referrals[-1] if family.referrals else None)
    if not view.may("medische_voorgeschiedenis"):
        values = {k: v for k, v in values.items() if CATEGORY_OF[k] != "medische_voorgeschiedenis"}
    return view, values


def history(view: gateway.FamilyView) -> list[dict] | None:
    """The family's re-assessments for a reader (its view from the gateway): None without
    `ontwikkeling_risicos`; a changed medical criterion only with `medische_voorgeschiedenis`."""
    rows = db.session.execute(_history_statement(), {"family_id": view.read_key("ontwikkeling_risicos")}).all()
    if not view.may("ontwikkeling_risicos"):
        return None
    return [assessment_dict(row, view, by=by) for row, by in rows]


@cache
def _history_statement():
    """Built once per process (issue 21); the family is a bound parameter."""
    return (select(TargetAssessment, name_of(TargetAssessment.assessed_by_id))
            .where(TargetAssessment.family_id == bindparam("family_id"))
            .options(lazyload(TargetAssessment.assessed_by))
            .order_by(TargetAssessment.assessed_at.desc(), TargetAssessment.id.desc()))


_FROM_ROW = object()


def assessment_dict(row: TargetAssessment, view: gateway.FamilyView | None = None, *, by=_FROM_ROW) -> dict:
    """``by``: the assessor's name when the caller read it with the row, else from the row's relation."""
    changes = {name: change for name, change in (row.changes or {}).items()
               if view is None or view.may(CATEGORY_OF.get(name, "ontwikkeling_risicos"))}
    return {
        "id": row.id, "trigger": row.trigger, "reason": row.reason, "assessed_at": row.assessed_at,
        "by": (row.assessed_by.name if row.assessed_by else None) if by is _FROM_ROW else by, "on_behalf_of_id": row.on_behalf_of_id,
        "eligible_before": row.eligible_before, "eligible": row.eligible_after,
        "status_before": row.status_before, "status": row.status_after,
        "reasons": list((row.result_after or {}).get("reasons", [])),
        "reasons_before": list((row.result_before or {}).get("reasons", [])),
        "changes": changes, "handover_effect": row.handover_effect,
    }


def history_for(user, family_id: int, *, access: str = "api") -> tuple[list[dict] | None, gateway.FamilyView]:
    """GET .../target-group/assessments: the history through the gateway (the read is logged)."""
    view = gateway.read_family(user, family_id, access=access)
    return history(view), view
