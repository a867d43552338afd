"""The mother's pregnancy as nl-core-Pregnancy (Observation) with the estimated date of delivery as
its member (nl-core-Pregnancy.EstimatedDateOfDelivery). Category medische_voorgeschiedenis.

    pregnancy(pregnancy_id, expected_due_date, outcome, recorded_at, *, mother) -> [Observation, Observation]"""
from __future__ import annotations

from igp.fhir.common import SNOMED, compact, meta, reference, when

PROFILE = "nl-core-Pregnancy"
EDD_PROFILE = "nl-core-Pregnancy.EstimatedDateOfDelivery"
PREGNANCY = {"system": SNOMED, "code": "118185001", "display": "bevinding betreffende zwangerschap"}
EDD = {"system": SNOMED, "code": "161714006", "display": "geschatte datum van bevalling"}


def resource_ids(pregnancy_id: int) -> tuple[str, str]:
    return f"zwangerschap-{pregnancy_id}", f"zwangerschap-{pregnancy_id}-aterme"


def pregnancy(pregnancy_id: int, expected_due_date, outcome: str, recorded_at, *, mother: dict) -> list[dict]:
    main_id, edd_id = resource_ids(pregnancy_id)
    observation = compact({
        "resourceType": "Observation", "id": main_id, **meta(PROFILE), "status": "final",
        "code": {"coding": [dict(PREGNANCY)]}, "subject": mother, "effectiveDateTime": when(recorded_at),
        "note": [{"text": "Bevallen."}] if outcome == "geboren" else None,
        "hasMember": [reference("Observation", edd_id, "aterme datum")] if expected_due_date else None,
    })
    if not expected_due_date:
        return [observation]
    due = {"resourceType": "Observation", "id": edd_id, **meta(EDD_PROFILE), "status": "final",
           "code": {"coding": [dict(EDD)]}, "subject": mother, "effectiveDateTime": when(recorded_at),
           "valueDateTime": when(expected_due_date)}
    return [observation, compact(due)]
