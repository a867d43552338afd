"""An entry of the access log (NEN 7513) as an IHE BALP AuditEvent: PatientRead, PatientQuery,
PatientCreate or PatientUpdate by the kind of access (export and print are reads; other events, e.g.
a refusal or break-the-glass, are AuditEvents without a BALP profile). For the privacy officer and the
coordinator ("wie zag wat"). The categories shown and withheld and the consents that allowed the
access travel as entity details; the log's own detail text never holds personal data.

    audit_event(entry, *, patient) -> dict   (entry: igp.audit.models.AuditEntry)"""
from __future__ import annotations

from igp.fhir.common import FAMILY_IDENTIFIER, compact, reference, when

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
EVENT_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest",
              "display": "Restful Operation"}
INTERACTION = "http://hl7.org/fhir/restful-interaction"
# action -> (BALP profile, restful interaction, AuditEvent.action)
KINDS = {"read": ("PatientRead", "read", "R"), "export": ("PatientRead", "read", "R"),
         "print": ("PatientRead", "read", "R"), "search": ("PatientQuery", "search-type", "E"),
         "create": ("PatientCreate", "create", "C"), "update": ("PatientUpdate", "update", "U"),
         "delete": (None, "delete", "D")}
OUTCOMES = {"allowed": "0", "denied": "4", "failed": "8"}
USER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
        "display": "information recipient"}
SOURCE_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4",
               "display": "Application Server"}
PERSON = {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person"}
SYSTEM_OBJECT = {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2",
                 "display": "System Object"}
PATIENT_ROLE = {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient"}


def audit_event_id(entry_id: int) -> str:
    return f"log-{entry_id}"


def _agents(entry) -> list[dict]:
    user = compact({"type": {"coding": [dict(USER)]}, "requestor": True,
                    "who": reference("PractitionerRole", entry.user_id, entry.username) if entry.user_id
                    else {"display": entry.username or "onbekend"},
                    "altId": entry.username, "role": [{"text": entry.roles}] if entry.roles else None,
                    "network": {"address": entry.source_address, "type": "2"} if entry.source_address else None})
    agents = [user]
    if entry.on_behalf_of_id:
        agents.append({"type": {"text": "Verantwoordelijke (vervanging)"}, "requestor": False,
                       "who": reference("PractitionerRole", entry.on_behalf_of_id)})
    return agents


def _details(entry) -> list[dict]:
    pairs = (("getoond", entry.categories_shown), ("niet getoond", entry.categories_withheld),
             ("toestemming", entry.consent_ids))
    return [{"type": kind, "valueString": value} for kind, value in pairs if value]


def audit_event(entry, *, patient: dict | None) -> dict:
    profile, interaction, action = KINDS.get(entry.action, (None, None, "E"))
    entities = []
    if patient is not None:
        entities.append({"what": patient, "type": dict(PERSON), "role": dict(PATIENT_ROLE)})
    entities.append(compact({"what": {"identifier": {"system": FAMILY_IDENTIFIER, "value": entry.family_pseudonym}}
                             if entry.family_pseudonym else {"display": entry.object_type or "object"},
                             "type": dict(SYSTEM_OBJECT), "detail": _details(entry)}))
    subtype = [{"system": INTERACTION, "code": interaction}] if interaction else None
    return compact({
        "resourceType": "AuditEvent", "id": audit_event_id(entry.id),
        "meta": {"profile": [BALP + profile]} if profile and entry.family_pseudonym else None,
        "type": dict(EVENT_TYPE), "subtype": subtype, "action": action, "recorded": when(entry.at),
        "outcome": OUTCOMES.get(entry.outcome, "8"), "outcomeDesc": entry.detail if interaction else f"{entry.action}: {entry.detail or ''}".strip(": "),
        "agent": _agents(entry),
        "source": {"site": "IGP casusregie", "observer": {"display": "IGP casusregie"}, "type": [dict(SOURCE_TYPE)]},
        "entity": entities,
    })
