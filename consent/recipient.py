"""What the family's consent lets a recipient ORGANISATION see: the categories of a FHIR export
(GET /api/v1/families/{id}/fhir?recipient=...), decided without a user of that organisation.

A category goes to the recipient when all hold:
 1. the exporter may see it now on a ground other than break-the-glass (emergency access reads, it
    never hands data on);
 2. the recipient's domain needs it: the union of the need-to-know of the roles of that domain
    (DOMAIN_ROLES), as a consent preset asks it;
 3. a consent in force covers it, addressed to the recipient organisation or its domain, with a purpose
    fitting the hand-over of the case (the general purpose or the warm handover; a consent for the MDO
    discussion only does not), given by every parent where both must consent.
Otherwise the category is withheld with the reason of the first rule that fails (the exporter's own
reason, niet_nodig_voor_rol, or toestemming_ingetrokken / toestemming_verlopen / geen_toestemming).
The registering organisation itself needs no consent for its own family (rule 3 of consent.decide)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .policy import (
    DEFAULT_NEED_TO_KNOW,
    HANDOVER_CONTEXT,
    ConsentGrant,
    Decision,
    _fits_context,
    _in_force,
    _missing_reason,
    require_aware,
    role_categories,
)
from .vocabulary import (
    BY_BREAK_GLASS,
    BY_CONSENT,
    CATEGORIES,
    DOMAIN_ROLES,
    DOMAINS,
    GENERAL_PURPOSE,
    NO_CONSENT,
    NOT_NEEDED_FOR_ROLE,
    OWN_ORGANISATION,
    PolicyError,
)

EXPORT_CONTEXTS = frozenset({GENERAL_PURPOSE, HANDOVER_CONTEXT})


@dataclass(frozen=True)
class Recipient:
    organisation_id: int
    domain: str

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise PolicyError(f"Onbekend domein: {self.domain!r}.")


def domain_need(domain: str, need_to_know: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW) -> frozenset[str]:
    """The categories some role of this domain needs to know."""
    return role_categories(DOMAIN_ROLES[domain], need_to_know)


def _addressed(grant: ConsentGrant, recipient: Recipient) -> bool:
    return grant.recipient_organisation_id == recipient.organisation_id or grant.recipient_domain == recipient.domain


def decide_for_recipient(
    exporter: Decision,
    recipient: Recipient,
    consents: Iterable[ConsentGrant],
    at: datetime,
    *,
    need_to_know: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW,
    parent_ids: frozenset[int] = frozenset(),
    registering_organisation_id: int | None = None,
) -> Decision:
    """The decision for the recipient (see the module docstring). ``parent_ids``: the parents who must
    all have given the consent (empty when one parent's consent suffices)."""
    require_aware(at, "at")
    needed = domain_need(recipient.domain, need_to_know)
    grants = [g for g in consents if _addressed(g, recipient) and _fits_context(g, EXPORT_CONTEXTS)
              and frozenset(parent_ids) <= g.given_by]
    own = recipient.organisation_id == registering_organisation_id
    allowed: set[str] = set()
    withheld: dict[str, str] = {}
    used: set[int] = set()
    for category in CATEGORIES:
        if not exporter.may(category) or exporter.grounds.get(category) == BY_BREAK_GLASS:
            withheld[category] = exporter.reason(category) or NO_CONSENT
            continue
        if category not in needed:
            withheld[category] = NOT_NEEDED_FOR_ROLE
            continue
        if own:
            allowed.add(category)
            continue
        candidates = [g for g in grants if category in g.categories]
        covering = [g.id for g in candidates if _in_force(g, at)]
        if covering:
            allowed.add(category)
            used.update(covering)
        else:
            withheld[category] = _missing_reason(candidates, at)
    return Decision(involved=True, allowed=frozenset(allowed), withheld=withheld, consent_ids=frozenset(used),
                    own_organisation=own, grounds={c: OWN_ORGANISATION if own else BY_CONSENT for c in allowed})
