"""The input of recording a contact moment (web form and API)."""
from pydantic import Field

from igp.contacts.rules import DISCIPLINES, KINDS
from igp.validation import Code, Date, Input


class ContactMomentIn(Input):
    """POST /api/v1/families/{id}/contacts and the form on the family page."""

    required = ("kind",)

    contact_on: Date = Field(None, title="Datum", description="YYYY-MM-DD; empty: today (Europe/Amsterdam)")
    kind: Code(KINDS) = Field(None, title="Soort contact")
    discipline: Code(DISCIPLINES) = Field(None, title="Discipline",
                                          description="Empty: the discipline of the recorder's role; "
                                                      "else one of her roles' disciplines")
