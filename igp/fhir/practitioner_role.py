"""A professional of the IGP as nl-core-HealthProfessional-PractitionerRole: the person (display),
the organisation and the IGP roles. The id is the user's id, as the Task's owner (igp.fhir.referral).

    practitioner_role(user_id, name, organisation_id, roles) -> dict"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import meta, reference

PROFILE = "nl-core-HealthProfessional-PractitionerRole"


def practitioner_role(user_id: int, name: str, organisation_id: int, roles) -> dict:
    return {"resourceType": "PractitionerRole", "id": str(user_id), **meta(PROFILE), "active": True,
            "practitioner": {"display": name}, "organization": reference("Organization", organisation_id),
            "code": [codes.concept("rol", role) for role in sorted(roles)]}
