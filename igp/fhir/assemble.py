"""The resources of one family as one reader (or one recipient) may see them.

`family_resources(user, view, family, consents=...)` builds every resource from the gateway's view
and the records related to it, each section only when the view allows its category (SECTIONS, the
README's mapping table): a withheld category is never read, so it cannot travel. The view is either
the reader's own (reads) or the recipient's narrowed one (the export). Ids only come from the raw
family rows (which parent is the mother, which children exist); their content comes from the view."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from igp.auth.models import Organisation, User
from igp.contacts import rules as contact_rules
from igp.contacts import services as contacts
from igp.extensions import db
from igp.families import course
from igp.fhir import (
    careplan,
    careteam,
    communication,
    contact_person,
    encounter,
    goal,
    mdo,
    organization,
    patient,
    practitioner_role,
    pregnancy,
    referral,
    service_request,
)
from igp.fhir import consent as consent_map
from igp.fhir.common import reference
from igp.handover import feedback as family_feedback
from igp.handover.models import Handover
from igp.plan import services as plan_services
from igp.sharing import gateway, related

ACTIVE_STATUSES = ("aangemeld", "in_intake", "actief")
# the referral's reason codes by the category each belongs to (igp.fhir.referral.codes)
REASON_CATEGORIES = {referral.codes.VULNERABILITIES: "ontwikkeling_risicos",
                     referral.codes.TARGET_GROUP: "ontwikkeling_risicos",
                     referral.codes.MEDICAL_REASONS: "medische_voorgeschiedenis"}


@dataclass
class Scope:
    user: object
    view: gateway.FamilyView
    family: object           # the raw Family row: ids and the poli only
    subject: dict            # the reference to the family's patient
    mother_id: int | None
    consents: list           # related.ConsentView rows to include
    no_contacts: bool = False   # the recipient is informal support: no contact moments (as for its readers)


def mother_of(family):
    """The pregnant mother (igp.fhir.referral.patient_reference's choice)."""
    return next((p for p in family.parents if p.relationship_type in (None, "moeder")), None)


def subject_of(family, view) -> dict:
    """The family's patient: the mother before the birth, else the first index child this view covers."""
    uncovered = set(view.extra.get("children_without_consent") or ())
    children = [c for c in family.children if c.id not in uncovered]
    child = next((c for c in children if not c.sibling), None) or next(iter(children), None)
    mother = mother_of(family)
    if family.phase != "prenatal" and child is not None:
        return reference("Patient", referral.codes.child_patient_id(child))
    if mother is not None:
        return reference("Patient", referral.codes.parent_patient_id(mother))
    return {"display": f"Gezin {family.pseudonym}"}


def _naw_of(view, key: str, row_id: int) -> dict | None:
    if view.naw is None:
        return None
    return next((item for item in view.naw[key] if item["id"] == row_id), None)


def patients(scope: Scope) -> list[dict]:
    """Always present (without NAW they carry the family's pseudonym only), so references resolve."""
    view, family = scope.view, scope.family
    org = family.registering_organisation_id
    found = []
    if scope.mother_id is not None:
        found.append(patient.mother_patient(scope.mother_id, _naw_of(view, "parents", scope.mother_id),
                                            pseudonym=view.pseudonym, organisation_id=org))
    uncovered = set(view.extra.get("children_without_consent") or ())
    for child in family.children:
        if child.id not in uncovered:
            found.append(patient.child_patient(child.id, _naw_of(view, "children", child.id),
                                               pseudonym=view.pseudonym, organisation_id=org))
    return found


def contact_persons(scope: Scope) -> list[dict]:
    postnatal = scope.family.phase != "prenatal"
    return [contact_person.contact_person(p, patient=scope.subject, postnatal=postnatal)
            for p in scope.view.naw["parents"] if postnatal or p["id"] != scope.mother_id]


def pregnancies(scope: Scope) -> list[dict]:
    if scope.mother_id is None:
        return []
    mother = reference("Patient", f"ouder-{scope.mother_id}")
    rows, _moves = course.course_of(scope.view.id)
    return [r for p in rows for r in pregnancy.pregnancy(p.id, p.expected_due_date, p.outcome, p.recorded_at,
                                                         mother=mother)]


def _handovers(family_id: int) -> list:
    return list(db.session.scalars(select(Handover).where(Handover.family_id == family_id)
                                   .options(selectinload(Handover.events)).order_by(Handover.started_at, Handover.id)))


def referrals(scope: Scope) -> list[dict]:
    """The aanmelding(en) (ServiceRequest) and the warm handovers (Task), by the import side's mappings;
    reason codes only of the categories the view allows."""
    handovers = _handovers(scope.view.id)
    found = []
    for row in scope.family.referrals:
        handover = next((h for h in handovers if h.referral_id == row.id and h.direction == "in"), None)
        request = referral.service_request(row, scope.family, handover)
        kept = [r for r in request.get("reasonCode", [])
                if scope.view.may(REASON_CATEGORIES.get(r["coding"][0]["system"], "verwijzingen"))]
        request.pop("reasonCode", None)
        if kept:
            request["reasonCode"] = kept
        found.append(request)
    return found + [referral.task(h) for h in handovers]


def intakes(scope: Scope) -> list[dict]:
    return [encounter.intake_encounter(i, patient=scope.subject, organisation_id=scope.family.registering_organisation_id)
            for i in scope.view.intakes]


def contact_moments(scope: Scope) -> list[dict]:
    if scope.no_contacts or not contact_rules.may_read(scope.user.roles):
        return []
    kinds = gateway.involvement(scope.user, scope.family)
    section = contacts.section_for(scope.user, scope.view, kinds, limit=None)
    return [encounter.contact_encounter(c, patient=scope.subject) for c in section.items]


def discussions(scope: Scope) -> list[dict]:
    return [r for item in related.mdo_history(scope.view) if not item.anonymous
            for r in mdo.discussion(scope.view.id, item, patient=scope.subject)]


def _aanmelding(scope: Scope) -> dict | None:
    latest = scope.family.referrals[-1] if scope.family.referrals else None
    return reference("ServiceRequest", latest.id) if latest else None


def family_plan(scope: Scope) -> list[dict]:
    """The gezinsplan (CarePlan) with its goals, its referrals and the kernteam (CareTeam)."""
    fid, subject = scope.view.id, scope.subject
    team = careteam.care_team(fid, related.core_team(scope.view), patient=subject, coordinator=scope.family.coordinator)
    plan = plan_services.load_plan(fid)
    content = plan_services.current_content(plan)
    if content is None:
        return [team]
    aanmelding = _aanmelding(scope) or subject
    goals = [goal.goal(fid, i, g, patient=subject, addresses=aanmelding) for i, g in enumerate(content["goals"])]
    requests = [service_request.plan_referral(fid, r, patient=subject, based_on=reference("CarePlan",
                                                                                     careplan.care_plan_id(fid)))
                for r in content.get("referrals") or []]
    plan_resource = careplan.care_plan(
        fid, content, plan.revision, patient=subject, goals=[reference("Goal", g["id"]) for g in goals],
        care_team=reference("CareTeam", team["id"]), referrals=[reference("ServiceRequest", r["id"]) for r in requests],
        aanmelding=_aanmelding(scope), active=scope.family.status in ACTIVE_STATUSES)
    return [plan_resource, *goals, *requests, team]


def feedback(scope: Scope) -> list[dict]:
    about = _aanmelding(scope)
    return [communication.communication(line, patient=scope.subject, about=[about] if about else [])
            for line in family_feedback.feedback_of(scope.view)]


def consents(scope: Scope) -> list[dict]:
    return [consent_map.consent_resource(c, patient=scope.subject, custodian_id=scope.family.registering_organisation_id)
            for c in scope.consents]


# category -> the sections it opens, in the Bundle's order (the README's mapping table)
SECTIONS = (
    ("naw", contact_persons),
    ("medische_voorgeschiedenis", pregnancies),
    ("verwijzingen", referrals),
    ("consultverslagen", intakes),
    ("naw", contact_moments),
    ("mdo_notulen", discussions),
    ("zorgplan", family_plan),
    ("verwijzingen", feedback),
)


def family_resources(user, view: gateway.FamilyView, family, *, consents_shown: list | None = None,
                     no_contacts: bool = False) -> list[dict]:
    """Every resource of the family this view allows, then the organisations and professionals they
    reference (network data, no family data)."""
    mother = mother_of(family)
    scope = Scope(user=user, view=view, family=family, subject=subject_of(family, view),
                  mother_id=mother.id if mother else None, consents=consents_shown or [], no_contacts=no_contacts)
    resources = patients(scope)
    for category, section in SECTIONS:
        if view.may(category):
            resources += section(scope)
    resources += consents(scope)
    return resources + network(resources)


def _referenced(resources: list[dict], resource_type: str) -> list[int]:
    found: list[int] = []

    def walk(value):
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str) and ref.startswith(resource_type + "/") and ref.split("/", 1)[1].isdigit():
                found.append(int(ref.split("/", 1)[1]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(resources)
    return list(dict.fromkeys(found))


def network(resources: list[dict]) -> list[dict]:
    """The Organization and PractitionerRole resources the family's resources reference."""
    users = list(db.session.scalars(select(User).where(User.id.in_(_referenced(resources, "PractitionerRole") or [0]))
                                    .order_by(User.id)))
    roles = [practitioner_role.practitioner_role(u.id, u.name, u.organisation_id, u.roles) for u in users]
    org_ids = set(_referenced(resources + roles, "Organization"))
    orgs = db.session.scalars(select(Organisation).where(Organisation.id.in_(sorted(org_ids) or [0]))
                              .order_by(Organisation.id))
    return [*(organization.organization(o.id, o.name, o.domain) for o in orgs), *roles]
