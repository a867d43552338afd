"""A goal of the gezinsplan as nl-core-TreatmentObjective (Goal). Category zorgplan.

    goal(family_id, index, goal, *, patient, addresses) -> dict

`addresses`: the need the goal answers. The issue asks for it; in nl-core 0.12.1-beta.1 Goal.addresses
is 0..1 (zib: max 1), so the mapping always fills exactly one: the aanmelding (ServiceRequest) the plan
answers (checked by igp-goal-1)."""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, meta, when

PROFILE = "nl-core-TreatmentObjective"
ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
LIFECYCLE = {"loopt": "active", "bereikt": "completed", "niet_bereikt": "cancelled"}
ACHIEVED = {"loopt": "in-progress", "bereikt": "achieved", "niet_bereikt": "not-achieved"}


def goal_id(family_id: int, index: int) -> str:
    return f"gezinsplan-{family_id}-doel-{index + 1}"


def goal(family_id: int, index: int, item: dict, *, patient: dict, addresses: dict) -> dict:
    status = item.get("status") or "loopt"
    return compact({
        "resourceType": "Goal", "id": goal_id(family_id, index), **meta(PROFILE),
        "lifecycleStatus": LIFECYCLE.get(status, "active"),
        "achievementStatus": {"coding": [{"system": ACHIEVEMENT, "code": ACHIEVED.get(status, "in-progress")},
                                         codes.coding("doel-status", status)]},
        "description": {"text": item.get("what") or "Doel"}, "subject": patient,
        "target": [{"dueDate": when(item["by_when"])}] if item.get("by_when") else None,
        "addresses": [addresses],
        "note": [{"text": f"Wie: {item['who']}"}] if item.get("who") else None,
    })
