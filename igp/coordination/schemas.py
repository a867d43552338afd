"""The input of the coordination commands (coordinator, proposals, core team, absence, bulk
reassignment, exit, knelpunten), one model each, shared by the forms and the API."""
from typing import ClassVar

from pydantic import Field

from consent import ROLES
from igp.coordination import rules
from igp.handover.rules import OUTWARD_TARGETS
from igp.validation import Bool, Code, Date, Id, Ids, Input, Text


class CoordinatorIn(Input):
    """PUT /api/v1/families/{id}/coordinator; also a proposal to change it."""

    required = ("user_id",)
    required_messages: ClassVar[dict[str, str]] = {"user_id": "Kies een coördinator."}

    user_id: Id = Field(None, title="Coördinator")
    reason: Code(rules.ASSIGN_REASONS) = Field(None, title="Reden")
    reason_text: Text(2000) = Field(None, title="Toelichting")


class CoreTeamIn(Input):
    """POST /api/v1/families/{id}/core-team and the kernteam form."""

    required = ("user_id", "case_role")
    required_messages: ClassVar[dict[str, str]] = {
        "user_id": "Kies een professional.", "case_role": "Kies de rol van deze professional bij dit gezin."}

    user_id: Id = Field(None, title="Professional")
    case_role: Code(ROLES) = Field(None, title="Rol bij dit gezin")


class AbsenceIn(Input):
    """POST /api/v1/absences and the absence form."""

    required = ("from_", "to", "reason")

    user_id: Id = Field(None, title="Wie is afwezig")
    from_: Date = Field(None, alias="from", title="Van")
    to: Date = Field(None, title="Tot en met")
    reason: Code(rules.ABSENCE_REASONS) = Field(None, title="Reden")
    substitute_id: Id = Field(None, title="Vervanger")


class AbsenceChangeIn(Input):
    """PATCH /api/v1/absences/{id} and the form per absence: what is sent replaces (an empty or
    null substitute_id: no substitute), what is left out stays."""

    from_: Date = Field(None, alias="from", title="Van")
    to: Date = Field(None, title="Tot en met")
    reason: Code(rules.ABSENCE_REASONS) = Field(None, title="Reden")
    substitute_id: Id = Field(None, title="Vervanger")


class ReassignIn(Input):
    """POST /api/v1/caseload/reassign and the caseload page: all or nothing."""

    required = ("family_ids", "reason")
    required_messages: ClassVar[dict[str, str]] = {
        "family_ids": "Kies ten minste één gezin.",
        "reason": "Kies een reden uit: " + ", ".join(rules.ASSIGN_REASONS) + "."}

    family_ids: Ids = Field(default_factory=list, title="Gezinnen")
    to_user_id: Id = Field(None, title="Nieuwe coördinator")
    reason: Code(rules.ASSIGN_REASONS) = Field(None, title="Reden")
    reason_text: Text(2000) = Field(None, title="Toelichting")


class ActionDecisionIn(Input):
    """One open MDO action at exit: afsluiten, overdragen aan owner_id, or openhouden with a reason."""

    id: Id = Field(None, title="Actie")
    decision: Code(rules.ACTION_DECISIONS) = Field(None, title="Besluit over de actie")
    owner_id: Id = Field(None, title="Nieuwe eigenaar")
    reason: Text(2000) = Field(None, title="Reden om open te houden")


class ExitIn(Input):
    """POST /api/v1/families/{id}/exit and the exit form. `actions`: a decision per open MDO action
    (replaces confirm_open_actions, which is still accepted: undecided actions then stay open)."""

    required = ("reason",)
    required_messages: ClassVar[dict[str, str]] = {"reason": "Kies de reden van de uitstroom."}

    reason: Code(rules.EXIT_REASONS) = Field(None, title="Reden uitstroom")
    target: Code(OUTWARD_TARGETS) = Field(None, title="Overdracht naar")
    target_name: Text(200) = Field(None, title="Naam ontvanger")
    note: Text(4000) = Field(None, title="Toelichting")
    confirm_open_actions: Bool = Field(False, title="Ook met open acties")
    actions: list[ActionDecisionIn] = Field(default_factory=list, title="Open MDO-acties")


class KnelpuntIn(Input):
    required = ("kind", "description")
    kind: Code(rules.KNELPUNT_KINDS) = Field(None, title="Soort knelpunt")
    description: Text(4000) = Field(None, title="Beschrijving")
    family_id: Id = Field(None, title="Gezin")


class KnelpuntUpdateIn(Input):
    required = ("status",)
    status: Code(rules.KNELPUNT_STATUSES) = Field(None, title="Status")
    assigned_to_id: Id = Field(None, title="Behandelaar")
    resolution: Text(4000) = Field(None, title="Oplossing")
