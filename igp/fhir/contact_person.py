"""A parent as nl-core-ContactPerson (RelatedPerson) of the family's patient.

    contact_person(naw_parent, *, patient, postnatal) -> dict

The relationship from the nl-core RelatieCodelijst (v3 RoleCode: MTH, FTH; a partner of the
pregnant mother DOMPART; foster parents, guardians and others v3 NullFlavor OTH), with the IGP's
own code beside it, and the RolCodelijst role "eerste/tweede relatie" by position. No BSN: the
ContactPerson profile has none, and the parent's BSN is on her Patient where she is one."""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, meta, when
from igp.fhir.patient import contact_details

PROFILE = "nl-core-ContactPerson"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
ROL_CODELIJST = "urn:oid:2.16.840.1.113883.2.4.3.11.22.472"
ROLE_POSITIONS = {1: ("01", "Eerste relatie/contactpersoon"), 2: ("02", "Tweede relatie/contactpersoon")}

# (relationship_type, postnatal) -> v3 RoleCode; None: NullFlavor OTH
RELATION = {("moeder", True): "MTH", ("vader", True): "FTH", ("vader", False): "DOMPART",
            ("partner", False): "DOMPART", ("moeder", False): "DOMPART"}
ROLE_DISPLAY = {"MTH": "Mother", "FTH": "Father", "DOMPART": "Domestic partner"}


def relationship(relationship_type: str | None, postnatal: bool) -> list[dict]:
    code = RELATION.get((relationship_type or "moeder", postnatal))
    coded = ({"system": ROLE_CODE, "code": code, "display": ROLE_DISPLAY[code]} if code else
             {"system": NULL_FLAVOR, "code": "OTH", "display": "other"})
    concept = {"coding": [coded]}
    if relationship_type:
        concept["coding"].append(codes.coding("ouder-relatie", relationship_type))
    return [concept]


def resource_id(parent_id: int) -> str:
    return f"ouder-{parent_id}"


def contact_person(naw_parent: dict, *, patient: dict, postnatal: bool) -> dict:
    position = ROLE_POSITIONS.get(naw_parent.get("position"))
    relations = relationship(naw_parent.get("relationship_type"), postnatal)
    if position:
        relations.append({"coding": [{"system": ROL_CODELIJST, "code": position[0], "display": position[1]}]})
    return compact({
        "resourceType": "RelatedPerson", "id": resource_id(naw_parent["id"]), **meta(PROFILE),
        "patient": patient, "relationship": relations,
        "name": [{"use": "official", "text": naw_parent["name"]}] if naw_parent.get("name") else None,
        **contact_details(naw_parent), "birthDate": when(naw_parent.get("birth_date")),
    })
