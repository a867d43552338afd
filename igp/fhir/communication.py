"""Terugkoppeling (feedback to the referrer or the family) as a Communication. There is no nl-core
profile for it. Category verwijzingen (the note only travels with it, as on the page).

    communication(line, *, patient, about) -> dict   (line: igp.handover.feedback.FeedbackLine)"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, when

MEDIUM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
METHODS = {"telefoon": ("PHONE", "telephone"), "brief": ("MAILWRIT", "mail"), "beveiligde_mail": ("EMAILWRIT", "email")}


def communication_id(line) -> str:
    return f"terugkoppeling-{line.source}-{line.id}"


def communication(line, *, patient: dict, about: list[dict]) -> dict:
    medium = METHODS.get(line.method)
    return compact({
        "resourceType": "Communication", "id": communication_id(line), "status": "completed",
        "category": [{"text": "Terugkoppeling"}], "subject": patient, "about": about,
        "medium": [{"coding": ([{"system": MEDIUM, "code": medium[0], "display": medium[1]}] if medium else [])
                    + [codes.coding("terugkoppeling-wijze", line.method)]}] if line.method else None,
        "sent": when(line.at),
        "recipient": [{"display": "Verwijzer" if line.recipient == "verwijzer" else "Gezin"}],
        "reasonCode": [codes.concept("terugkoppeling-ontvanger", line.recipient)]
        if line.recipient in ("verwijzer", "gezin") else None,
        "sender": {"display": line.by} if line.by else None,
        "payload": [{"contentString": line.note}] if line.note else None,
        "note": [{"text": f"Over: {line.about}"}] if line.about else None,
    })
