"""A consent of the parents as a FHIR Consent in the style of IHE PCF ("consentIntermediate"): one
permit provision per data category x recipient x purpose, inside a deny base (what is not permitted is
not shared). Withdrawn or expired: status inactive, the provisions' period ends at that moment.

    consent_resource(record, *, patient, custodian_id) -> dict   (record: igp.sharing.related.ConsentView)"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, reference, when

SCOPE = {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy",
         "display": "Privacy Consent"}
CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
OPT_IN = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"}
RECIPIENT = {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP",
             "display": "information recipient"}
PURPOSE_OF_USE = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
# the IGP's purposes in v3 PurposeOfUse: care (TREAT); the MDO and the warm handover coordinate care (COC)
PURPOSES = {"zorg_en_ondersteuning": ("TREAT", "treatment"), "mdo_bespreking": ("COC", "coordination of care"),
            "warme_overdracht": ("COC", "coordination of care")}
ACTIVE = "actief"


def consent_id(record_id: int) -> str:
    return f"toestemming-{record_id}"


def recipient_reference(record) -> dict:
    if record.recipient_organisation_id:
        return reference("Organization", record.recipient_organisation_id, record.recipient_name or None)
    return {"identifier": {"system": codes.url("domein"), "value": record.recipient_domain},
            "display": record.recipient_name or record.recipient_domain}


def _purpose(purpose: str) -> list[dict]:
    code, display = PURPOSES[purpose]
    return [{"system": PURPOSE_OF_USE, "code": code, "display": display}, codes.coding("doel", purpose)]


def _period(record) -> dict:
    ends = [t for t in (record.valid_until, record.withdrawn_at) if t is not None]
    return compact({"start": when(record.given_at), "end": when(min(ends)) if ends else None})


def consent_resource(record, *, patient: dict, custodian_id: int) -> dict:
    period = _period(record)
    actor = [{"role": {"coding": [dict(RECIPIENT)]}, "reference": recipient_reference(record)}]
    provisions = [{"type": "permit", "period": period, "actor": actor, "purpose": _purpose(record.purpose),
                   "class": [codes.coding("categorie", category)]} for category in record.categories]
    return {
        "resourceType": "Consent", "id": consent_id(record.id),
        "status": "active" if record.status == ACTIVE else "inactive",
        "scope": {"coding": [dict(SCOPE)]}, "category": [{"coding": [dict(CATEGORY)]}],
        "patient": patient, "dateTime": when(record.given_at),
        "organization": [reference("Organization", custodian_id)],
        "policyRule": {"coding": [dict(OPT_IN)]},
        "provision": {"type": "deny", "period": period, "provision": provisions},
    }
