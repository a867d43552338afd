"""Small helpers the mapping modules share: profiles, references, ids, dates."""
from __future__ import annotations

from datetime import date, datetime

from igp.clock import iso
from igp.fhir.referral import codes as shared
from igp.fhir.referral import reference

NICTIZ = "http://nictiz.nl/fhir/StructureDefinition/"
SNOMED = "http://snomed.info/sct"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
FAMILY_IDENTIFIER = f"{shared.BASE}/NamingSystem/gezin"
ORGANISATION_IDENTIFIER = f"{shared.BASE}/NamingSystem/organisatie"

__all__ = ["reference", "meta", "when", "NICTIZ", "SNOMED", "BSN_SYSTEM", "FAMILY_IDENTIFIER"]


def meta(profile: str | None) -> dict:
    if profile is None:
        return {}
    return {"meta": {"profile": [profile if "/" in profile else NICTIZ + profile]}}


def when(value: date | datetime | None) -> str | None:
    """A FHIR date or dateTime (dateTimes in UTC with their offset, as the API's iso())."""
    return iso(value) if value is not None else None


def compact(resource: dict) -> dict:
    """The resource without empty elements (FHIR forbids empty strings, lists and objects)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def family_identifier(pseudonym: str) -> dict:
    return {"system": FAMILY_IDENTIFIER, "value": pseudonym}
