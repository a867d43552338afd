"""The aanmelding as a FHIR R4 ServiceRequest, the warm handover as the Task that coordinates it.

Plain functions from the domain objects to dicts (JSON-ready, FHIR 4.0.1), after the VWS generic
functions for referral and handover: a ServiceRequest with SNOMED 3457005 "Patient referral" and a
Task whose `focus` is that ServiceRequest, with an `owner`, `restriction.period.end` the term's
deadline and the steps in `businessStatus`.

    service_request(referral, family, handover=None) -> dict
        referral: igp.families.models.Referral (who referred, when, why, the kept sender identifiers);
        family:   its igp.families.models.Family (subject, poli);
        handover: the inward Handover started for this referral, or None (decides `status`).
    task(handover, *, referral_id=None) -> dict
        handover: igp.handover.models.Handover (family, poli, status, deadline, version, events);
        referral_id: the ServiceRequest the Task fulfils (defaults to handover.referral_id; an outward
        handover at exit has none and carries no `focus`).

References: "Patient/<id>" (igp.fhir.referral.patient_reference), "ServiceRequest/<referral id>",
"Task/<handover id>", "PractitionerRole/<user id>" for the coordinator who owns the Task. The referrer
is not a user of the IGP: it travels as a contained PractitionerRole ("#verwijzer") with the
identifiers the sender gave (AGB, UZI, BIG) and the referrer type of the local code system.
No free text of the handover (notes, reasons) leaves through these functions; the referral's reason
is in `note` (category verwijzingen).
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from igp.families import rules as family_rules
from igp.handover import rules as handover_rules


class codes:  # noqa: N801  (the local code systems and identifier systems; shared with the colleague's export)
    BASE = "https://igp.example.nl/fhir"
    VULNERABILITIES = f"{BASE}/CodeSystem/kwetsbaarheden"
    MEDICAL_REASONS = f"{BASE}/CodeSystem/medische-redenen"
    TARGET_GROUP = f"{BASE}/CodeSystem/doelgroep"
    TARGET_GROUP_LABELS = {"hoog_risico": "Hoog risico op zorg uit de tweede of derde lijn"}
    REFERRER_TYPES = f"{BASE}/CodeSystem/verwijzer-soort"
    HANDOVER_STEPS = f"{BASE}/CodeSystem/overdracht-stap"
    TASK_INPUT = f"{BASE}/CodeSystem/overdracht-invoer"
    POLI = f"{BASE}/CodeSystem/poli"
    REFERRAL_IDENTIFIER = f"{BASE}/NamingSystem/aanmelding"
    HANDOVER_IDENTIFIER = f"{BASE}/NamingSystem/overdracht"

    @staticmethod
    def parent_patient_id(parent) -> str:
        return f"ouder-{parent.id}"

    @staticmethod
    def child_patient_id(child) -> str:
        return f"kind-{child.id}"


def iso(value) -> str | None:
    """A FHIR date or instant: times in UTC with a Z (as igp.clock.iso, without the app)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


SNOMED = "http://snomed.info/sct"
PATIENT_REFERRAL = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
PROCEDURE_REQUEST_PROFILE = "http://nictiz.nl/fhir/StructureDefinition/nl-core-Procedure-request"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
REFERRER_ID = "verwijzer"

# handover step -> Task.status (http://hl7.org/fhir/task-status): requested -> accepted -> in-progress -> completed
TASK_STATUS = {
    "aangemeld": "requested",
    "contact_gelegd": "accepted",
    "intake_gepland": "in-progress",
    "intake_gehouden": "completed",
    "schriftelijk_volstaat": "completed",
    "gezin_niet_bereikbaar": "failed",
    "gezin_ziet_af": "cancelled",
    "geannuleerd": "cancelled",
    "overdracht_gestart": "requested",
    "overdracht_aangeboden": "accepted",
    "overdrachtsgesprek_gepland": "in-progress",
    "overdracht_afgerond": "completed",
}
# the step a Task.status stands for when a client sends only the status (PUT /fhir/Task/{id})
STEP_FOR_STATUS = {
    "in": {"accepted": "contact_gelegd", "in-progress": "intake_gepland", "completed": "intake_gehouden",
           "failed": "gezin_niet_bereikbaar", "cancelled": "geannuleerd"},
    "uit": {"accepted": "overdracht_aangeboden", "in-progress": "overdrachtsgesprek_gepland",
            "completed": "overdracht_afgerond", "failed": "gezin_niet_bereikbaar", "cancelled": "geannuleerd"},
}


def reference(resource_type: str, key, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{key}"}
    if display:
        ref["display"] = display
    return ref


def patient_reference(family) -> dict | None:
    """The Patient the referral is about: the pregnant mother before the birth, else the first index
    child (a sibling is not the subject)."""
    if family.phase == "prenatal":
        mother = next((p for p in family.parents if p.relationship_type in (None, "moeder")), None)
        return reference("Patient", codes.parent_patient_id(mother)) if mother else None
    child = next((c for c in family.children if not c.sibling), None) or next(iter(family.children), None)
    return reference("Patient", codes.child_patient_id(child)) if child else None


def _coding(system: str, code: str, labels: dict) -> dict:
    coding = {"system": system, "code": code}
    if code in labels:
        coding["display"] = labels[code]
    return coding


def reason_codes(referral) -> list[dict]:
    """The target-group criteria of the aanmelding: vulnerabilities, medical reasons, high risk."""
    reasons = [{"coding": [_coding(codes.VULNERABILITIES, code, family_rules.VULNERABILITIES)]}
               for code in referral.vulnerabilities or []]
    reasons += [{"coding": [_coding(codes.MEDICAL_REASONS, code, family_rules.MEDICAL_REASONS)]}
                for code in referral.medical_reasons or []]
    if referral.high_risk:
        reasons.append({"coding": [_coding(codes.TARGET_GROUP, "hoog_risico", codes.TARGET_GROUP_LABELS)]})
    return reasons


def kept_identifiers(referral, resource: str) -> list[dict]:
    """The sender's identifiers of one of their resources (kept at the import)."""
    return [{"system": i["system"], "value": i["value"]} for i in referral.sender_identifiers or []
            if i.get("resource") == resource and i.get("system") and i.get("value")]


def referrer_role(referral) -> dict:
    """The referrer as a contained PractitionerRole: type, name, organisation, their identifiers."""
    role = {"resourceType": "PractitionerRole", "id": REFERRER_ID,
            "code": [{"coding": [_coding(codes.REFERRER_TYPES, referral.referrer_type, family_rules.REFERRER_TYPES)]}]}
    identifiers = kept_identifiers(referral, "PractitionerRole")
    if identifiers:
        role["identifier"] = identifiers
    if referral.referrer_name:
        role["practitioner"] = {"display": referral.referrer_name}
        practitioner_ids = kept_identifiers(referral, "Practitioner")
        if practitioner_ids:
            role["practitioner"]["identifier"] = practitioner_ids[0]
    if referral.referrer_organisation:
        role["organization"] = {"display": referral.referrer_organisation}
        organisation_ids = kept_identifiers(referral, "Organization")
        if organisation_ids:
            role["organization"]["identifier"] = organisation_ids[0]
    return role


def _request_status(family, handover) -> str:
    if handover is None:
        return "revoked" if family.status == "niet_in_doelgroep" else "active"
    if handover.closed_at is None:
        return "active"
    return "completed" if TASK_STATUS.get(handover.status) == "completed" else "revoked"


def service_request(referral, family, handover=None) -> dict:
    """The aanmelding as an nl-core-Procedure-request (ServiceRequest, SNOMED 3457005)."""
    resource = {
        "resourceType": "ServiceRequest", "id": str(referral.id),
        "meta": {"profile": [PROCEDURE_REQUEST_PROFILE]},
        "contained": [referrer_role(referral)],
        "identifier": [{"system": codes.REFERRAL_IDENTIFIER, "value": str(referral.id)},
                       *kept_identifiers(referral, "ServiceRequest")],
        "status": _request_status(family, handover), "intent": "order",
        "code": {"coding": [dict(PATIENT_REFERRAL)], "text": "Aanmelding bij de IGP"},
        "authoredOn": iso(referral.received_at),
        "requester": {"reference": f"#{REFERRER_ID}",
                      "display": referral.referrer_name or family_rules.REFERRER_TYPES.get(referral.referrer_type)},
        "performerType": {"coding": [{"system": codes.POLI, "code": family.poli.code, "display": family.poli.name}]},
    }
    subject = patient_reference(family)
    if subject:
        resource["subject"] = subject
    else:  # subject is required: the family itself as a group-less display
        resource["subject"] = {"display": f"Gezin {family.pseudonym}"}
    reasons = reason_codes(referral)
    if reasons:
        resource["reasonCode"] = reasons
    if referral.reason:
        resource["note"] = [{"text": referral.reason}]
    return resource


def business_status(status: str) -> dict:
    return {"coding": [_coding(codes.HANDOVER_STEPS, status, handover_rules.STATUSES)],
            "text": handover_rules.STATUSES.get(status, status)}


def _last_change(handover):
    events = list(handover.events or [])
    return max((e.recorded_at for e in events if e.recorded_at), default=handover.started_at)


def task(handover, *, referral_id: int | None = None) -> dict:
    """The warm handover as a Task: status and businessStatus from its step, the deadline in
    restriction.period.end, meta.versionId the handover's version (If-Match on PUT)."""
    family = handover.family
    referral_id = referral_id if referral_id is not None else handover.referral_id
    resource = {
        "resourceType": "Task", "id": str(handover.id),
        "meta": {"versionId": str(handover.version), "lastUpdated": iso(_last_change(handover))},
        "identifier": [{"system": codes.HANDOVER_IDENTIFIER, "value": str(handover.id)}],
        "status": TASK_STATUS[handover.status],
        "businessStatus": business_status(handover.status),
        "intent": "order",
        "code": ({"coding": [{"system": TASK_CODE_SYSTEM, "code": "fulfill"}], "text": "Warme overdracht"}
                 if handover.direction == "in" else
                 {"coding": [_coding(codes.HANDOVER_STEPS, handover_rules.OUTWARD_START, handover_rules.STATUSES)],
                  "text": "Warme overdracht bij uitstroom"}),
        "authoredOn": iso(handover.started_at),
        "lastModified": iso(_last_change(handover)),
        "restriction": {"period": {"start": iso(handover.started_on), "end": iso(handover.deadline)}},
    }
    if referral_id and handover.direction == "in":
        resource["focus"] = reference("ServiceRequest", referral_id)
        resource["basedOn"] = [reference("ServiceRequest", referral_id)]
    subject = patient_reference(family)
    if subject:
        resource["for"] = subject
    coordinator = family.coordinator
    if coordinator is not None:
        resource["owner"] = reference("PractitionerRole", coordinator.id, coordinator.name)
    if handover.contact_at or handover.closed_at:
        period = {"start": iso(handover.contact_at or handover.started_at)}
        if handover.closed_at:
            period["end"] = iso(handover.closed_at)
        resource["executionPeriod"] = period
    return resource
