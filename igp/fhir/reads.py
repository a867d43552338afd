"""Reading one FHIR resource: `read(user, type, id)`.

Every resource of a family is built from the family's view through the consent gateway
(igp.sharing.gateway.read_family: involvement, consent per category, the access-log entry) and
only from the categories the view holds. A resource that does not exist, or that the reader may
not see, is the same NotFound (no oracle), and the refusal is logged by the gateway."""
from __future__ import annotations

from typing import Callable

from igp.errors import NotFound

NOT_FOUND = "Dit gegeven bestaat niet of u hebt er geen toegang toe."

# type -> reader(user, id) -> resource dict; a reader raises NotFound for what the user may not see
READERS: dict[str, Callable[[object, str], dict]] = {}


def read(user, resource_type: str, resource_id: str) -> dict:
    reader = READERS.get(resource_type)
    if reader is None:
        raise NotFound(NOT_FOUND)
    return reader(user, resource_id)
