"""The input of the beheer commands kept by a planner or beheerder."""
from pydantic import Field

from igp.validation import Code, Id, Input, Text

RESOLUTIONS = {"samenvoegen": "Samenvoegen met het bestaande gezin", "verschillend": "Verschillende gezinnen"}


class PoliTeamIn(Input):
    user_id: Id = Field(None, title="Professional")


class DuplicateResolveIn(Input):
    resolution: Code(RESOLUTIONS) = Field(None, title="Besluit")
    note: Text(2000) = Field(None, title="Toelichting")
