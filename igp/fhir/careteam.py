"""The kernteam of a family as nl-core-CareTeam: the coordinator, the core-team members
(PractitionerRole) and the family's patient. Category zorgplan (it belongs with the gezinsplan).

    care_team(family_id, members, *, patient, coordinator_id) -> dict   (members: related.MemberView)"""
from __future__ import annotations

from igp.fhir import codes
from igp.fhir.common import compact, meta, reference

PROFILE = "nl-core-CareTeam"


def care_team_id(family_id: int) -> str:
    return f"kernteam-{family_id}"


def care_team(family_id: int, members, *, patient: dict, coordinator=None) -> dict:
    participants = [{"member": patient}]
    seen = set()
    if coordinator is not None:
        participants.append({"role": [{"text": "Coördinator (casusregie)"}],
                             "member": reference("PractitionerRole", coordinator.id, coordinator.name)})
        seen.add(coordinator.id)
    for member in members:
        if member.user.id in seen:
            continue
        seen.add(member.user.id)
        participants.append({"role": [codes.concept("rol", member.case_role)] if member.case_role in
                             codes.SYSTEMS["rol"][1] else [{"text": member.case_role}],
                             "member": reference("PractitionerRole", member.user.id, member.user.name)})
    return compact({"resourceType": "CareTeam", "id": care_team_id(family_id), **meta(PROFILE), "status": "active",
                    "name": "Kernteam", "subject": patient, "participant": participants})
