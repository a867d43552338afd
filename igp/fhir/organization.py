"""An organisation of the IGP network as nl-core-HealthcareProvider-Organization.

    organization(organisation_id, name, domain) -> dict"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import ORGANISATION_IDENTIFIER, meta

PROFILE = "nl-core-HealthcareProvider-Organization"


def organization(organisation_id: int, name: str, domain: str) -> dict:
    return {"resourceType": "Organization", "id": str(organisation_id), **meta(PROFILE),
            "identifier": [{"system": ORGANISATION_IDENTIFIER, "value": str(organisation_id)}],
            "active": True, "type": [codes.concept("domein", domain)], "name": name}
