"""Reading FHIR resources: `read(user, type, id)` and the Patient search.

A family's resource is found by its id's pattern (RESOLVERS: which row, hence which family), then the
family is read through the consent gateway for this reader (gateway.read_family: involvement, consent
per category, the access-log entry) and the resource is built from that view only
(igp.fhir.assemble): a resource the view does not allow is not built. Not existing and not visible
answer the same NotFound (no oracle), and the gateway logs the refusal. The access log
(AuditEvent) is read through sharing.access_log (the coordinator, the acting substitute and the
privacy officer); organisations, professionals and the IGP's code systems are network data."""
from __future__ import annotations

import re
from typing import Callable

from sqlalchemy import select

import consent
from igp.audit.models import AuditEntry
from igp.auth.models import Organisation, User
from igp.contacts.models import ContactMoment
from igp.errors import NotFound, ServiceError, UsePost
from igp.extensions import db
from igp.families import services as families
from igp.families.models import Child, Family, Intake, Parent, Pregnancy, Referral
from igp.fhir import assemble, audit_event, codes, organization, practitioner_role
from igp.fhir.common import BSN_SYSTEM, FAMILY_IDENTIFIER
from igp.handover.models import FamilyFeedback, Handover, HandoverFeedback
from igp.sharing import gateway, related
from igp.sharing import services as sharing
from igp.sharing.models import ConsentRecord

NOT_FOUND = "Dit gegeven bestaat niet of u hebt er geen toegang toe."
ACCESS = "fhir"


def _column(model, column_name: str = "family_id") -> Callable[[int], int | None]:
    return lambda row_id: db.session.scalar(select(getattr(model, column_name)).where(model.id == row_id))


def _handover_feedback_family(row_id: int) -> int | None:
    return db.session.scalar(select(Handover.family_id).join(HandoverFeedback, HandoverFeedback.handover_id == Handover.id)
                             .where(HandoverFeedback.id == row_id))


def _itself(row_id: int) -> int:
    return row_id


# type -> [(id pattern, which group holds the row id, family id of that row)]
RESOLVERS: dict[str, list[tuple[str, Callable[[int], int | None]]]] = {
    "Patient": [(r"kind-(\d{1,12})", _column(Child)), (r"ouder-(\d{1,12})", _column(Parent))],
    "RelatedPerson": [(r"ouder-(\d{1,12})", _column(Parent))],
    "Observation": [(r"zwangerschap-(\d{1,12})(?:-aterme)?", _column(Pregnancy))],
    "Encounter": [(r"intake-(\d{1,12})", _column(Intake)), (r"contact-(\d{1,12})", _column(ContactMoment)),
                  (r"mdo-\d{1,12}-(\d{1,12})", _itself)],
    "CarePlan": [(r"gezinsplan-(\d{1,12})", _itself), (r"mdo-\d{1,12}-(\d{1,12})-plan", _itself)],
    "Goal": [(r"gezinsplan-(\d{1,12})-doel-\d{1,4}", _itself)],
    "CareTeam": [(r"kernteam-(\d{1,12})", _itself)],
    "ServiceRequest": [(r"(\d{1,12})", _column(Referral)), (r"gezinsplan-(\d{1,12})-verwijzing-[A-Za-z0-9.-]{1,40}", _itself),
                       (r"mdo-\d{1,12}-(\d{1,12})-\d{1,4}", _itself)],
    "Task": [(r"(\d{1,12})", _column(Handover))],
    "Communication": [(r"terugkoppeling-gezin-(\d{1,12})", _column(FamilyFeedback)),
                      (r"terugkoppeling-overdracht-(\d{1,12})", _handover_feedback_family)],
    "Consent": [(r"toestemming-(\d{1,12})", _column(ConsentRecord))],
}


def family_of(resource_type: str, resource_id: str) -> int | None:
    for pattern, resolve in RESOLVERS.get(resource_type, []):
        match = re.fullmatch(pattern, resource_id)
        if match:
            return resolve(int(match.group(1)))
    return None


def family_resource(user, resource_type: str, resource_id: str) -> dict:
    family_id = family_of(resource_type, resource_id)
    if family_id is None:
        raise gateway.refusal(user, None, f"{ACCESS}: {resource_type} not found")
    view = gateway.read_family(user, family_id, access=ACCESS)
    family = gateway.load_family(family_id)
    found = next((r for r in assemble.family_resources(user, view, family, consents_shown=_consents(view))
                  if r["resourceType"] == resource_type and r["id"] == resource_id), None)
    if found is None:  # withheld by the view, or no such resource of this family: the same answer
        raise NotFound(NOT_FOUND)
    return found


def _consents(view) -> list:
    return related.consents(view, {o.id: o.name for o in sharing.organisations()})


def audit_event_resource(user, resource_id: str) -> dict:
    match = re.fullmatch(r"log-(\d{1,15})", resource_id)
    entry = db.session.get(AuditEntry, int(match.group(1))) if match else None
    family = (db.session.scalar(select(Family).where(Family.pseudonym == entry.family_pseudonym))
              if entry is not None and entry.family_pseudonym else None)
    if family is None:
        raise NotFound(NOT_FOUND)
    _ref, entries = sharing.access_log(user, family.id)   # authorises (coordinator, substitute, privacy officer), logs
    if entry.id not in {e.id for e in entries}:
        raise NotFound(NOT_FOUND)
    view = gateway.read_family(user, family.id, access=ACCESS, audit_read=False) if not user.has_role(
        "privacy_officer") else None
    subject = assemble.subject_of(family, view) if view is not None else None
    return audit_event.audit_event(entry, patient=subject if subject and "reference" in subject else None)


def organization_resource(_user, resource_id: str) -> dict:
    row = db.session.get(Organisation, int(resource_id)) if resource_id.isdigit() and len(resource_id) < 13 else None
    if row is None:
        raise NotFound(NOT_FOUND)
    return organization.organization(row.id, row.name, row.domain)


def practitioner_role_resource(_user, resource_id: str) -> dict:
    row = db.session.get(User, int(resource_id)) if resource_id.isdigit() and len(resource_id) < 13 else None
    if row is None or not row.active:
        raise NotFound(NOT_FOUND)
    return practitioner_role.practitioner_role(row.id, row.name, row.organisation_id, row.roles)


def code_system_resource(_user, resource_id: str) -> dict:
    key = resource_id.removeprefix("igp-")
    if not resource_id.startswith("igp-") or key not in codes.SYSTEMS:
        raise NotFound(NOT_FOUND)
    return codes.code_system(key)


READERS: dict[str, Callable[[object, str], dict]] = {
    "AuditEvent": audit_event_resource, "Organization": organization_resource,
    "PractitionerRole": practitioner_role_resource, "CodeSystem": code_system_resource,
}


def read(user, resource_type: str, resource_id: str) -> dict:
    reader = READERS.get(resource_type)
    if reader is not None:
        return reader(user, resource_id)
    if resource_type not in RESOLVERS:
        raise NotFound(NOT_FOUND)
    return family_resource(user, resource_type, resource_id)


# ------------------------------------------------------------------ Patient search

class BadSearch(ServiceError):
    status = 400
    code = "invalid_search"


SEARCH_PARAMETERS = ("identifier", "_format")


def parse_identifier(params: dict[str, str], *, in_url: bool) -> tuple[str, str]:
    """(system, value) of `identifier=<system>|<value>`: the BSN system or the IGP's family pseudonym.
    A BSN in a URL is refused (use POST /fhir/Patient/_search): identifying values never travel in one."""
    unknown = sorted(k for k in params if k not in SEARCH_PARAMETERS)
    if unknown:
        raise BadSearch(f"Zoekparameter {unknown[0]} wordt niet ondersteund; zoek op identifier.", field=unknown[0])
    raw = (params.get("identifier") or "").strip()
    system, _, value = raw.partition("|")
    if not value or system not in (BSN_SYSTEM, FAMILY_IDENTIFIER):
        raise BadSearch(f"Zoek op identifier={BSN_SYSTEM}|<bsn> of identifier={FAMILY_IDENTIFIER}|<pseudoniem>.",
                        field="identifier")
    if system == BSN_SYSTEM and in_url:
        raise UsePost("Zoek op BSN met POST /fhir/Patient/_search en identifier in de body "
                      "(application/x-www-form-urlencoded); een BSN hoort niet in een adres.", field="identifier")
    return system, value.strip()


def search_patients(user, params: dict[str, str], *, in_url: bool) -> list[dict]:
    """The Patients of the families the search finds (families.search_families: who may search by
    BSN, the eleven-check, one 'search' log entry per family shown); a family is built from its view
    with the NAW only (what the search logged)."""
    system, value = parse_identifier(params, in_url=in_url)
    if system == BSN_SYSTEM:
        found = families.search_families(user, bsn=value, access=ACCESS)
    else:
        found = families.search_families(user, pseudonym=value, access=ACCESS)
    matches = []
    for summary in found:
        family = gateway.load_family(summary.id)
        view = gateway.build_view(user, family, naw_only(gateway.decide_for(user, family)))
        mother = assemble.mother_of(family)
        scope = assemble.Scope(user=user, view=view, family=family, subject={},
                               mother_id=mother.id if mother else None, consents=[])
        matches += assemble.patients(scope)
    return matches


def naw_only(decision: consent.Decision) -> consent.Decision:
    """The decision narrowed to the NAW: what a search result shows (and logged as shown)."""
    dropped = {c: "niet_nodig_voor_rol" for c in decision.allowed - {"naw"}}
    return consent.Decision(involved=decision.involved, allowed=decision.allowed & {"naw"},
                            withheld={**decision.withheld, **dropped}, consent_ids=decision.consent_ids,
                            break_glass_id=decision.break_glass_id, own_organisation=decision.own_organisation,
                            grounds={c: g for c, g in decision.grounds.items() if c == "naw"})
