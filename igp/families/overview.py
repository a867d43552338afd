"""Everything the family page and GET /api/v1/families/{id} show, assembled for one user.

Family data comes only from the gateway's view (allowed categories); related records
(handover, coordination, MDO) add their free text only when the matching category is allowed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from igp import clock
from igp.admin.services import work_calendar
from igp.clock import iso
from igp.coordination import rules as coordination_rules
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families import assessment, course
from igp.families import rules as family_rules
from igp.families.models import Family
from igp.handover import feedback as family_feedback
from igp.handover import rules as handover_rules
from igp.handover import services as handover_services
from igp.mdo import rules as mdo_rules
from igp.plan import services as plan_services
from igp.sharing import gateway, related
from igp.sharing import services as sharing

UNNOTED = frozenset({"naw", "mdo_notulen"})  # categories that take no free-text note


@dataclass
class FamilyPage:
    view: gateway.FamilyView
    contact: dict
    coordinator_history: list
    core_team: list
    handover: related.HandoverView | None
    handover_signal: str | None
    workdays_left: int | None
    outward: related.HandoverView | None
    consents: list
    mdo_items: list
    actions: list
    acting_for: int | None
    may_access_log: bool
    break_glass: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    involvement: frozenset = frozenset()
    may: dict = field(default_factory=dict)   # the actions this reader may take (same rules as the services)
    pregnancies: list | None = None            # with medische_voorgeschiedenis
    poli_moves: list = field(default_factory=list)
    birth_overdue: bool = False
    target_assessments: list | None = None      # herbeoordelingen doelgroep (ontwikkeling_risicos)
    feedback: list = field(default_factory=list)          # terugkoppeling (notes with verwijzingen)
    feedback_outcomes: list = field(default_factory=list)  # the MDO outcomes to report on
    outward_signal: str | None = None           # the outward handover's signal against its own deadline
    outward_left: int | None = None
    plan: dict | None = None                    # the gezinsplan's revision and evaluation (zorgplan)


def _may(user, family, view, kinds, glass) -> dict:
    """The actions this reader may take on the page: the same rules as the services."""
    may = {
        "change_coordinator": coordination_rules.may_change_coordinator(user.roles, kinds,
                                                                        family.coordinator_id is not None),
        "propose_coordinator": coordination_rules.may_propose_coordinator(user.roles, kinds),
        "break_glass": sharing.may_break_glass(user, kinds, view.decision),
        "emergency_note": any(g.active for g in glass) and bool(view.decision.by_break_glass - UNNOTED),
        "record_consent": sharing.may_record_consent(user, family),
        "withdraw_consent": sharing.may_withdraw_consent(user, family),
        "keep_core_team": coordination.may_keep_team(user, family),
        "record_course": course.may_record_course(user, view.decision) and family.status != "uitgestroomd",
        "reassess": assessment.may_reassess(user, family) and view.decision.may_write("ontwikkeling_risicos"),
        "record_feedback": family_feedback.may_record(user, family),
        "write_plan": plan_services.may_write(user, family, view.decision),
        "exit": coordination_rules.may_exit(user.roles, kinds) and family.status != "uitgestroomd",
        "request_mdo": mdo_rules.may_request_discussion(user.roles, family.status)
        and view.decision.may_write("mdo_notulen"),
        # the registering roles write on the page (intake, handover, notes, knelpunt): the routes' rule
        "write": bool(user.roles & family_rules.REGISTERING_ROLES),
        "note_categories": family_rules.note_categories(user.roles, view.decision.may_write),
    }
    may["intake"] = may["write"] and family.status != "uitgestroomd"
    return may


def family_page(user, family_id: int, *, access: str = "web") -> FamilyPage:
    view = gateway.read_family(user, family_id, access=access)

    family = db.session.get(Family, view.id)
    kinds = gateway.involvement(user, family)
    handover = related.current_handover(view, "in")
    outward = related.current_handover(view, "uit")
    today = clock.today()
    calendar = work_calendar()
    signal = handover_rules.signal(handover.deadline, today, calendar, handover_services.risk_workdays()) \
        if handover and handover.closed_at is None else None
    left = (handover_rules.workdays_left(handover.deadline, today, calendar)
            if handover and handover.closed_at is None else None)
    names = {o.id: o.name for o in sharing.organisations()}
    glass = related.own_break_glass(view, user)
    may = _may(user, family, view, kinds, glass)
    pregnancies, moves = course.course_of(family.id)
    medical = view.medical is not None
    history = related.mdo_history(view)
    return FamilyPage(
        pregnancies=pregnancies if medical else None, poli_moves=moves,
        birth_overdue=medical and family_rules.birth_overdue(family.expected_due_date, today)
        and family.status in coordination.ACTIVE_STATUSES,
        view=view, contact=coordination.contact_today(family), coordinator_history=related.coordinator_history(view),
        core_team=related.core_team(view), handover=handover, handover_signal=signal, workdays_left=left,
        outward=outward, consents=related.consents(view, names), mdo_items=history,
        actions=related.actions(view, user, family.coordinator_id), acting_for=coordination.acting_substitute_for(user, family),
        may_access_log=sharing.may_see_access_log(user, family), break_glass=glass,
        proposals=related.coordinator_proposals(view), involvement=kinds, may=may,
        target_assessments=assessment.history(view), feedback=family_feedback.feedback_of(view),
        feedback_outcomes=family_feedback.outcome_choices(history) if may["record_feedback"] else [],
        **_outward_signal(outward, today, calendar),
        plan=plan_services.family_section(user, view),
    )


def _outward_signal(outward, today, calendar) -> dict:
    if outward is None or outward.closed_at is not None:
        return {}
    return {"outward_signal": handover_rules.signal(outward.deadline, today, calendar, handover_services.risk_workdays()),
            "outward_left": handover_rules.workdays_left(outward.deadline, today, calendar)}


def _user_json(user) -> dict | None:
    if user is None:
        return None
    return {"user_id": user.id, "name": user.name, "organisation": user.organisation.name}


def handover_json(handover, signal=None, left=None, may_notes: bool | None = None) -> dict | None:
    """A handover for the API. Takes a related.HandoverView (notes already gated by the reader's
    decision) or a table row written by the caller itself (then ``may_notes`` gates the notes)."""
    if handover is None:
        return None
    if not isinstance(handover, related.HandoverView):
        handover = related.handover_view(handover, bool(may_notes))
    return {
        "id": handover.id, "direction": handover.direction, "status": handover.status,
        "started_on": iso(handover.started_on), "term_workdays": handover.term_workdays,
        "deadline": iso(handover.deadline), "workdays_left": left, "signal": signal,
        "term_met": handover.term_met, "workdays_to_intake": handover.workdays_to_intake,
        "missed_reason": handover.missed_reason, "closed_at": iso(handover.closed_at),
        "completed_at": iso(handover.completed_at), "feedback_referrer": handover.feedback_referrer,
        "feedback_family": handover.feedback_family, "target": handover.target,
        "events": [{"type": e.type, "at": iso(e.at), "by": e.by, "on_behalf_of_id": e.on_behalf_of_id,
                    "contact_mode": e.contact_mode, "reason": e.reason, "note": e.note} for e in handover.events],
    }


def page_json(page: FamilyPage) -> dict:
    view = page.view
    data = {
        "id": view.id, "version": view.extra["version"], "pseudonym": view.pseudonym, "poli": view.poli_code,
        "phase": view.phase,
        "status": view.status, "registering_organisation": view.registering_organisation,
        "created_at": iso(view.created_at), "referred_at": [iso(d) for d in view.referral_dates],
        "target_group": {"eligible": view.target_eligible},
        "coordinator": None,
        "withheld": [{"category": c, "reason": r} for c, r in view.withheld],
        "allowed": sorted(view.decision.allowed),
    }
    contact = page.contact
    if contact["coordinator"] is not None:
        data["coordinator"] = dict(_user_json(contact["coordinator"]),
                                   acting_substitute=_user_json(contact["acting_substitute"]))
    if view.naw is not None:
        data.update(_naw_json(view.naw))
    if view.medical is not None:
        data["medical"] = {"expected_due_date": iso(view.medical["expected_due_date"]),
                           "medical_reasons": view.medical["medical_reasons"], "high_risk": view.medical["high_risk"],
                           "children": view.medical["children"]}
        data["expected_due_date"] = iso(view.medical["expected_due_date"])
    data.update(_course_json(page))
    if view.risks is not None:
        data["vulnerabilities"] = view.risks["vulnerabilities"]
        data["target_group"] = dict(view.risks["target_group"], eligible=view.target_eligible,
                                    override=bool(view.risks["override"]))
        data["screenings"] = [{"instrument": s["instrument"], "result": s["result"]} for s in view.risks["screenings"]]
    if view.referrals is not None:
        data["referrals"] = [{"received_at": iso(r["received_at"]), "referrer": {
            "type": r["referrer_type"], "name": r["referrer_name"], "organisation": r["referrer_organisation"]},
            "reason": r["reason"]} for r in view.referrals]
    data["intakes"] = [{k: iso(v) if k in ("planned_at", "held_at") else v for k, v in i.items()}
                       for i in view.intakes]
    data["notes"] = {cat: [{"text": n["text"], "author": n["author"], "created_at": iso(n["created_at"])}
                           for n in notes] for cat, notes in view.notes.items()}
    data["handover"] = handover_json(page.handover, page.handover_signal, page.workdays_left)
    data["outward_handover"] = handover_json(page.outward)
    data["core_team"] = [dict(_user_json(m.user), case_role=m.case_role) for m in page.core_team]
    data["consents"] = [consent_json(c) for c in page.consents]
    data["mdo"] = [{"meeting_id": item.meeting_id, "starts_at": iso(item.starts_at), "status": item.status,
                    "anonymous": item.anonymous,
                    "outcomes": [{"kind": o.kind, "referral_type": o.referral_type, "text": o.text}
                                 for o in item.outcomes]}
                   for item in page.mdo_items]
    data["feedback"] = [feedback_json(line) for line in page.feedback]
    return data


def _naw_json(naw: dict) -> dict:
    return {"parents": [{k: iso(v) if k == "birth_date" else v for k, v in p.items() if k != "id"}
                        for p in naw["parents"]],
            "children": [{"name": c["name"], "birth_date": iso(c["birth_date"]), "sibling": c["sibling"]}
                         for c in naw["children"]],
            "support_question": naw["support_question"], "gemeente": naw["gemeente"], "wijk": naw["wijk"]}


def _course_json(page: FamilyPage) -> dict:
    """The pregnancies (with the medical history), the poli moves, and how many children this reader
    does not see for want of a consent given after their birth."""
    data = {"children_without_consent": len(page.view.extra["children_without_consent"]),
            "poli_moves": [{"from_poli": m.from_poli.code, "to_poli": m.to_poli.code, "reason": m.reason,
                            "moved_at": iso(m.moved_at)} for m in page.poli_moves]}
    if page.pregnancies is not None:
        data["pregnancies"] = [{"expected_due_date": iso(p.expected_due_date), "outcome": p.outcome,
                                "ended_on": iso(p.ended_on)} for p in page.pregnancies]
    return data


def consent_json(record) -> dict:
    """A consent for the API, from a related.ConsentView or a consent row."""
    status = record.status if isinstance(record, related.ConsentView) else sharing.consent_status(record)
    return {
        "id": record.id, "recipient": ({"organisation_id": record.recipient_organisation_id}
                                       if record.recipient_organisation_id else {"domain": record.recipient_domain}),
        "categories": list(record.categories), "purpose": record.purpose, "given_at": iso(record.given_at),
        "valid_until": iso(record.valid_until), "method": record.method, "form_version": record.form_version,
        "withdrawn_at": iso(record.withdrawn_at), "status": status,
    }


def feedback_json(line) -> dict:
    """A terugkoppeling (igp.handover.feedback.FeedbackLine, note already gated) for the API."""
    return {"id": line.id, "source": line.source, "about": line.about, "outcome_id": line.outcome_id,
            "event_at": iso(line.event_at), "recipient": line.recipient, "method": line.method, "at": iso(line.at),
            "by": line.by, "on_behalf_of": line.on_behalf_of, "note": line.note}
