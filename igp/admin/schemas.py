"""The input of the beheer commands kept by a planner or beheerder."""
from typing import ClassVar

from pydantic import Field

from igp.validation import Bool, Code, Id, Input, Integer, Text

RESOLUTIONS = {"samenvoegen": "Samenvoegen met het bestaande gezin", "verschillend": "Verschillende gezinnen"}


class PoliTeamIn(Input):
    """POST /api/v1/polis/{code}/team and the kernteam page."""

    required = ("user_id",)
    required_messages: ClassVar[dict[str, str]] = {"user_id": "Kies een actieve gebruiker."}

    user_id: Id = Field(None, title="Professional")


class DuplicateResolveIn(Input):
    """POST /api/v1/duplicates/{id}/resolve and the queue page."""

    required = ("resolution",)
    required_messages: ClassVar[dict[str, str]] = {"resolution": "Kies samenvoegen of verschillend."}

    resolution: Code(RESOLUTIONS) = Field(None, title="Besluit")
    note: Text(2000) = Field(None, title="Toelichting")


class PoliUpdateIn(Input):
    """The beheerder's poli page: the handover term and the second-line flag."""

    handover_term_workdays: Integer(1, 60) = Field(None, title="Termijn warme overdracht (werkdagen)")
    second_line: Bool = Field(False, title="Tweedelijns zorg")


class LocalTeamIn(Input):
    """A local team on the beheer page: gemeente, the wijken it serves, its own name, one contact."""

    required = ("gemeente_name", "name")

    gemeente_name: Text(120) = Field(None, title="Gemeente")
    name: Text(200) = Field(None, title="Naam van het lokale team")
    wijken: Text(1000) = Field(None, title="Wijken (gescheiden door komma's; leeg: de hele gemeente)")
    contact_name: Text(200) = Field(None, title="Vaste contactpersoon")
    contact_phone: Text(40) = Field(None, title="Telefoon contactpersoon")
    contact_email: Text(200) = Field(None, title="E-mail contactpersoon")
    contact_user_id: Id = Field(None, title="Contactpersoon als gebruiker")
