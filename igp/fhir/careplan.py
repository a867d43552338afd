"""The gezinsplan as a CarePlan (there is no nl-core profile for it; nl-core-HelpFromOthers is the
CarePlan for informal help, not a family plan). Category zorgplan.

    care_plan(family_id, content, revision, *, patient, goals, care_team, referrals, aanmelding, active) -> dict

`content`: the plan's current revision (igp.plan.services.current_content); `goals`, `referrals`:
references to the Goal and ServiceRequest resources; `aanmelding`: the ServiceRequest the plan answers
(supportingInfo)."""
from __future__ import annotations

from igp.fhir.common import compact, when

ACTION_STATUS = "not-started"


def care_plan_id(family_id: int) -> str:
    return f"gezinsplan-{family_id}"


def _activity(action: dict) -> dict:
    return {"detail": compact({
        "status": ACTION_STATUS, "description": action.get("what") or "Actie",
        "scheduledPeriod": {"end": when(action["by_when"])} if action.get("by_when") else None,
        "performer": [{"display": action["who"]}] if action.get("who") else None,
    })}


def care_plan(family_id: int, content: dict, revision: int, *, patient: dict, goals: list[dict],
              care_team: dict | None, referrals: list[dict], aanmelding: dict | None, active: bool) -> dict:
    evaluation = content.get("evaluation_date")
    return compact({
        "resourceType": "CarePlan", "id": care_plan_id(family_id), "meta": {"versionId": str(revision)},
        "status": "active" if active else "completed", "intent": "plan", "title": "Gezinsplan",
        "description": content.get("hulpvraag"), "subject": patient,
        "period": compact({"start": when(content.get("start_date"))}) or None,
        "careTeam": [care_team] if care_team else None, "goal": goals,
        "supportingInfo": [aanmelding] if aanmelding else None,
        "activity": [_activity(a) for a in content.get("actions") or []] + [{"reference": r} for r in referrals],
        "note": [{"text": f"Evaluatie gepland op {evaluation}."}] if evaluation else None,
    })
