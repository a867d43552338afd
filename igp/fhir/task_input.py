"""PUT /fhir/Task/{id} read as a step of the warm handover: plain values in, plain values out.

`step_of(current, body, direction, codes)` compares the Task a client sends with the Task as the IGP
writes it now (`current`, from igp.fhir.referral.task) and answers the step in the shape of
POST /api/v1/families/{id}/handover/events ({"type", "at", "note", "reason", "contact_mode",
"planned_at"}) together with the FHIR element each field came from. Refusals raise
`TaskProblems` {expression: Dutch message}. No Flask, no database.

What may change: `businessStatus` (the step, code system .../CodeSystem/overdracht-stap) and/or
`status` (requested -> accepted -> in-progress -> completed; the step it stands for when no
businessStatus is sent), `lastModified` (the moment of the step), `note[0].text` (the
explanation), `statusReason` (a missed-term reason code or a short reason), `input` of type
`contactwijze` (valueCode) and `intake_gepland_op` (valueDateTime). The elements the IGP decides
(focus, for, owner, restriction, basedOn, intent, code) must be left as they are.
"""
from __future__ import annotations

from dataclasses import dataclass


class TaskProblems(Exception):
    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class TaskCodes:
    steps: str                 # the handover steps' code system (businessStatus)
    inputs: str                # the code system of Task.input types
    task_status: dict          # step -> Task.status
    step_for_status: dict      # direction -> {Task.status: step}


FIXED = ("focus", "for", "owner", "basedOn", "intent", "code", "restriction")
TASK_STATUSES = ("draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress",
                 "on-hold", "failed", "completed", "entered-in-error")


def _refs(value):
    """What a client must leave alone, compared by reference (a display may differ)."""
    if isinstance(value, dict) and "reference" in value:
        return value.get("reference")
    if isinstance(value, list):
        return [_refs(v) for v in value]
    if isinstance(value, dict) and "period" in value:
        period = value.get("period")
        return period.get("end") if isinstance(period, dict) else period
    return value


def fixed_problems(current: dict, body: dict) -> dict[str, str]:
    problems: dict[str, str] = {}
    if body.get("resourceType") != "Task":
        problems["Task.resourceType"] = "Stuur een Task-resource (resourceType 'Task')."
    if "id" in body and str(body["id"]) != current["id"]:
        problems["Task.id"] = f"Task.id '{str(body['id'])[:64]}' hoort niet bij deze overdracht (Task/{current['id']})."
    for key in FIXED:
        if key in body and _refs(body[key]) != _refs(current.get(key)):
            problems[f"Task.{key}"] = (f"Task.{key} bepaalt de IGP (de aanmelding, het gezin, de coördinator en de "
                                       "termijn); het kan hier niet worden gewijzigd.")
    return problems


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _current_step(current: dict) -> str | None:
    return next(iter(c.get("code") for c in current["businessStatus"]["coding"]), None)


def _step(current: dict, body: dict, direction: str, codes: TaskCodes, problems: dict[str, str]) -> str | None:
    """The step sent in businessStatus; a businessStatus left as it was with a new status: the step
    that status stands for."""
    status = body.get("status")
    if status is None:
        problems["Task.status"] = "Task.status is verplicht."
    elif not isinstance(status, str) or status not in TASK_STATUSES:
        problems["Task.status"] = f"Onbekende Task.status '{status}'."
        status = None
    sent = body.get("businessStatus")
    codings = [c for c in _list(_dict(sent).get("coding")) if isinstance(c, dict) and c.get("system") == codes.steps
               and isinstance(c.get("code"), str)]
    if sent is not None and not codings:
        problems["Task.businessStatus"] = f"Geef de stap als code uit {codes.steps} (Task.businessStatus.coding)."
        return None
    step = codings[0]["code"] if codings else None
    if step in (None, _current_step(current)) and status in TASK_STATUSES and status != current["status"]:
        step = codes.step_for_status.get(direction, {}).get(status)
        if step is None:
            problems["Task.status"] = f"Task.status '{status}' is geen stap van deze overdracht."
    if step in codes.task_status and status in TASK_STATUSES and codes.task_status[step] != status:
        problems["Task.status"] = (f"Task.status '{status}' past niet bij de stap '{step}' "
                                   f"(verwacht '{codes.task_status[step]}').")
    return step


def _inputs(body: dict, codes: TaskCodes, event: dict, where: dict, problems: dict[str, str]) -> None:
    for i, item in enumerate(_list(body.get("input"))):
        item = _dict(item)
        kinds = [c.get("code") for c in _list(_dict(item.get("type")).get("coding"))
                 if isinstance(c, dict) and c.get("system") == codes.inputs]
        if "contactwijze" in kinds:
            event["contact_mode"] = item.get("valueCode") or _dict(item.get("valueCoding")).get("code")
            where["contact_mode"] = f"Task.input[{i}].valueCode"
        elif "intake_gepland_op" in kinds:
            event["planned_at"] = item.get("valueDateTime")
            where["planned_at"] = f"Task.input[{i}].valueDateTime"
        else:
            problems[f"Task.input[{i}].type"] = (f"Onbekende invoer: gebruik 'contactwijze' of 'intake_gepland_op' "
                                                 f"uit {codes.inputs}.")


def step_of(current: dict, body, direction: str, codes: TaskCodes) -> tuple[dict, dict[str, str]]:
    """The step a PUT asks for, and where each of its fields came from (raise TaskProblems)."""
    if not isinstance(body, dict):
        raise TaskProblems({"Task": "Stuur een Task-resource als JSON-object."})
    problems = fixed_problems(current, body)
    step = _step(current, body, direction, codes, problems)
    event: dict = {"type": step}
    where = {"type": "Task.businessStatus", "at": "Task.lastModified", "note": "Task.note[0].text",
             "reason": "Task.statusReason", "contact_mode": "Task.input", "planned_at": "Task.input"}
    if body.get("lastModified") is not None and body.get("lastModified") != current.get("lastModified"):
        event["at"] = body["lastModified"]
    notes = [n["text"] for n in _list(body.get("note")) if isinstance(n, dict) and isinstance(n.get("text"), str)
             and n["text"]]
    if notes:
        event["note"] = "\n".join(notes)
    reason = body.get("statusReason")
    if isinstance(reason, dict):
        codings = [c for c in _list(reason.get("coding")) if isinstance(c, dict) and c.get("code")]
        event["reason"] = codings[0]["code"] if codings else reason.get("text")
    elif reason is not None:
        problems["Task.statusReason"] = "Task.statusReason is een CodeableConcept (coding of text)."
    _inputs(body, codes, event, where, problems)
    if step is not None and step == _current_step(current) and body.get("status") == current["status"] \
            and not set(event) - {"type", "at"}:
        problems["Task.businessStatus"] = "Geen nieuwe stap: geef de volgende stap in Task.businessStatus."
    if step is None and not problems:
        problems["Task.businessStatus"] = "Geef de stap in Task.businessStatus."
    if problems:
        raise TaskProblems(problems)
    return {k: v for k, v in event.items() if v is not None}, where
