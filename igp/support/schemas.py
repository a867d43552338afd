"""The input of the informal-support commands (web form and API)."""
from typing import ClassVar

from pydantic import Field

from igp.support.rules import KINDS, NOTE_LIMIT, STATUSES
from igp.validation import Code, Date, Id, Input, Text


class InformalSupportIn(Input):
    """POST /api/v1/families/{id}/informal-support and the form on the family page."""

    required = ("organisation_id", "kind", "starts_on")
    required_messages: ClassVar[dict[str, str]] = {"organisation_id": "Kies de organisatie van de informele steun."}

    organisation_id: Id = Field(None, title="Organisatie")
    kind: Code(KINDS) = Field(None, title="Soort steun")
    starts_on: Date = Field(None, title="Startdatum")
    ends_on: Date = Field(None, title="Einddatum")
    status: Code(STATUSES) = Field(None, title="Stand")


class SupportNoteIn(Input):
    """POST /api/v1/families/{id}/informal-support/{support_id}/notes: a volunteer's short note."""

    required = ("text",)

    text: Text(NOTE_LIMIT) = Field(None, title="Notitie")


class LocalAreaIn(Input):
    """The family's gemeente and wijk: codes of the IGP's list of local teams (beheer)."""

    gemeente: Text(40) = Field(None, title="Gemeente")
    wijk: Text(40) = Field(None, title="Wijk")


class SupportUpdateIn(Input):
    """POST /api/v1/families/{id}/informal-support/{support_id}: the stand and the end of the support."""

    required = ("status",)

    status: Code(STATUSES) = Field(None, title="Stand")
    ends_on: Date = Field(None, title="Einddatum")
