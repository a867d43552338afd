"""Intake and contact moments as nl-core-Encounter.

    intake_encounter(intake, *, patient, organisation_id) -> dict      (intake: the view's intake dict)
    contact_encounter(contact, *, patient) -> dict                     (contact: contacts.ContactView)

No free text: the intake's report (consultverslagen) and plan stay in the app; the Encounter says
what kind of intake, where, when, and who took part."""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, meta, reference, when

PROFILE = "nl-core-Encounter"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
AMBULATORY = {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}


def intake_id(intake_row_id: int) -> str:
    return f"intake-{intake_row_id}"


def contact_id(contact_row_id: int) -> str:
    return f"contact-{contact_row_id}"


def _intake_status(intake: dict) -> str:
    if intake.get("held_at"):
        return "finished"
    return "planned" if intake.get("planned_at") else "unknown"


def intake_encounter(intake: dict, *, patient: dict, organisation_id: int) -> dict:
    types = [codes.concept("intake-soort", intake["type"]) if intake.get("type") else None,
             codes.concept("intake-locatie", intake["location"]) if intake.get("location") else None]
    start = intake.get("held_at") or intake.get("planned_at")
    return compact({
        "resourceType": "Encounter", "id": intake_id(intake["id"]), **meta(PROFILE),
        "status": _intake_status(intake), "class": dict(AMBULATORY),
        "type": [t for t in types if t] or [{"text": "Intake"}],
        "subject": patient,
        "participant": [{"individual": reference("PractitionerRole", p["id"], p["name"])}
                        for p in intake.get("participants") or []],
        "period": {"start": when(start)} if start else None,
        "serviceProvider": reference("Organization", organisation_id),
    })


def contact_encounter(contact, *, patient: dict) -> dict:
    return compact({
        "resourceType": "Encounter", "id": contact_id(contact.id), **meta(PROFILE), "status": "finished",
        "class": dict(AMBULATORY), "type": [codes.concept("contact-soort", contact.kind)],
        "serviceType": codes.concept("discipline", contact.discipline), "subject": patient,
        "participant": [{"individual": {"display": contact.recorded_by}}],
        "period": {"start": when(contact.contact_on), "end": when(contact.contact_on)},
    })
