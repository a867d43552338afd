"""The child and the (pregnant) mother as nl-core-Patient.

    child_patient(child_id, naw_child, *, pseudonym, organisation_id) -> dict
    mother_patient(parent_id, naw_parent, *, pseudonym, organisation_id) -> dict

`naw_child` / `naw_parent` are the dicts of the gateway's view (FamilyView.naw), or None when the
reader (or recipient) may not see the NAW: then the Patient carries only its id and the family's
pseudonym, so references resolve and nothing identifying travels. The BSN is in the view's dict only
where the reader may see it (gateway.shows_bsn). A geheim address or phone (contact_secret) never
leaves through FHIR."""
from __future__ import annotations

from igp.fhir.common import BSN_SYSTEM, compact, family_identifier, meta, reference, when
from igp.fhir.referral import codes as shared

PROFILE = "nl-core-Patient"


def _base(resource_id: str, pseudonym: str, organisation_id: int) -> dict:
    return {"resourceType": "Patient", "id": resource_id, **meta(PROFILE),
            "identifier": [family_identifier(pseudonym)],
            "managingOrganization": reference("Organization", organisation_id)}


def child_patient(child_id: int, naw_child: dict | None, *, pseudonym: str, organisation_id: int) -> dict:
    resource = _base(shared.child_patient_id(_Id(child_id)), pseudonym, organisation_id)
    if naw_child is not None:
        resource.update(compact({"name": _name(naw_child.get("name")), "birthDate": when(naw_child.get("birth_date"))}))
    return _ordered(resource)


def mother_patient(parent_id: int, naw_parent: dict | None, *, pseudonym: str, organisation_id: int) -> dict:
    resource = _base(shared.parent_patient_id(_Id(parent_id)), pseudonym, organisation_id)
    if naw_parent is not None:
        if naw_parent.get("bsn"):
            resource["identifier"].insert(0, {"system": BSN_SYSTEM, "value": naw_parent["bsn"]})
        resource.update(compact({
            "name": _name(naw_parent.get("name")), "birthDate": when(naw_parent.get("birth_date")),
            "gender": "female", **contact_details(naw_parent)}))
    return _ordered(resource)


def contact_details(naw_person: dict) -> dict:
    """Phone and address of a parent (not when they are geheim)."""
    if naw_person.get("contact_secret"):
        return {}
    telecom = [{"system": "phone", "value": naw_person["phone"], "use": "home"}] if naw_person.get("phone") else []
    address = compact({"use": "home", "line": [naw_person["address"]] if naw_person.get("address") else None,
                       "postalCode": naw_person.get("postcode"), "city": naw_person.get("city")})
    return compact({"telecom": telecom, "address": [address] if len(address) > 1 else None})


def _name(text: str | None) -> list[dict] | None:
    return [{"use": "official", "text": text}] if text else None


ORDER = ("resourceType", "id", "meta", "identifier", "name", "telecom", "gender", "birthDate", "address",
         "managingOrganization")


def _ordered(resource: dict) -> dict:
    return {k: resource[k] for k in ORDER if k in resource}


class _Id:
    """The shared id functions take a row; the mappings hold only its id."""

    def __init__(self, row_id: int):
        self.id = row_id
