"""A discussion of the family in the MDO: an nl-core-Encounter of type SNOMED 384682003
(multidisciplinary team meeting), its outcomes as the activities of a CarePlan (the precedent of the
Dutch birth-care profiles) and each onward referral among them as a ServiceRequest. Category
mdo_notulen; an anonymous discussion (without consent for the MDO) is never exported by name.

    discussion(family_id, item, *, patient) -> [Encounter, CarePlan, ServiceRequest...]
        item: igp.sharing.related.DiscussionView (texts already gated by the reader's decision)"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import SNOMED, compact, meta, reference, when
from igp.fhir.encounter import AMBULATORY
from igp.fhir.service_request import mdo_referral

MDO = {"system": SNOMED, "code": "384682003", "display": "multidisciplinair overleg"}
STATUS = {"gepland": "planned", "besproken": "finished", "niet_besproken": "cancelled"}


def encounter_id(meeting_id: int, family_id: int) -> str:
    return f"mdo-{meeting_id}-{family_id}"


def discussion(family_id: int, item, *, patient: dict) -> list[dict]:
    base = encounter_id(item.meeting_id, family_id)
    encounter = {
        "resourceType": "Encounter", "id": base, **meta("nl-core-Encounter"),
        "status": STATUS.get(item.status, "unknown"), "class": dict(AMBULATORY),
        "type": [{"coding": [dict(MDO)], "text": "MDO"}], "serviceType": {"text": item.poli_name},
        "subject": patient, "period": {"start": when(item.starts_at)},
    }
    resources = [encounter]
    activities = []
    for n, outcome in enumerate(item.outcomes, start=1):
        if outcome.kind == "doorverwijzing":
            request = mdo_referral(f"{base}-{n}", outcome.referral_type, patient=patient,
                                   encounter=reference("Encounter", base), text=outcome.text)
            resources.append(request)
            activities.append({"reference": reference("ServiceRequest", request["id"])})
            continue
        activities.append({"detail": compact({
            "kind": None, "code": codes.concept("mdo-uitkomst", outcome.kind), "status": "unknown",
            "statusReason": None if outcome.quorum_met else {"text": "Genomen zonder quorum"},
            "description": outcome.text})})
    if activities:
        resources.insert(1, {
            "resourceType": "CarePlan", "id": f"{base}-plan", "status": "active", "intent": "plan",
            "title": "Uitkomsten van het MDO", "subject": patient, "encounter": reference("Encounter", base),
            "created": when(item.starts_at), "activity": activities})
    return resources
