"""Onward referrals as nl-core-Procedure-request (ServiceRequest): from the gezinsplan (category
zorgplan) and from an MDO outcome (category mdo_notulen). The aanmelding itself is
igp.fhir.referral.service_request (the import side's module).

    plan_referral(family_id, referral, *, patient, based_on) -> dict   (referral: the plan's dict)
    mdo_referral(resource_id, referral_type, *, patient, encounter, text) -> dict"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, meta, when

PROFILE = "nl-core-Procedure-request"
STATUS = {"aangevraagd": "active", "wachtlijst": "on-hold", "gestart": "active", "afgerond": "completed",
          "afgewezen": "revoked"}


def plan_referral_id(family_id: int, referral_id) -> str:
    return f"gezinsplan-{family_id}-verwijzing-{referral_id}"


def plan_referral(family_id: int, referral: dict, *, patient: dict, based_on: dict) -> dict:
    status = referral.get("status") or "aangevraagd"
    kind = referral.get("referral_type")
    return compact({
        "resourceType": "ServiceRequest", "id": plan_referral_id(family_id, referral["id"]), **meta(PROFILE),
        "status": STATUS.get(status, "active"), "intent": "plan",
        "code": codes.concept("verwijzing-soort", kind) if kind else {"text": "Verwijzing"},
        "subject": patient, "basedOn": [based_on], "authoredOn": when(referral.get("requested_on")),
        "performer": [{"display": referral["to"]}] if referral.get("to") else None,
        "note": [{"text": f"Status: {codes.SYSTEMS['verwijzing-status'][1].get(status, status)}"}],
    })


def mdo_referral(resource_id: str, referral_type: str | None, *, patient: dict, encounter: dict,
                 text: str | None) -> dict:
    return compact({
        "resourceType": "ServiceRequest", "id": resource_id, **meta(PROFILE), "status": "active", "intent": "plan",
        "code": codes.concept("verwijzing-soort", referral_type) if referral_type else {"text": "Doorverwijzing"},
        "subject": patient, "encounter": encounter, "note": [{"text": text}] if text else None,
    })
