"""The need-to-know table, the policy inputs and the per-category decision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from .vocabulary import (
    BY_BREAK_GLASS,
    BY_CONSENT,
    CATEGORIES,
    CONSENT_EXPIRED,
    CONSENT_WITHDRAWN,
    DIRECT_CARE_KINDS,
    DOMAINS,
    GENERAL_PURPOSE,
    GROUNDS,
    INVOLVEMENT_KINDS,
    NO_CONSENT,
    NOT_INVOLVED,
    NOT_NEEDED_FOR_ROLE,
    OWN_ORGANISATION,
    PURPOSES,
    ROLES,
    STATUS_ACTIVE,
    STATUS_EXPIRED,
    STATUS_NOT_YET_VALID,
    STATUS_WITHDRAWN,
    WITHHOLD_REASONS,
    PolicyError,
    check_codes,
)

# -- need to know ------------------------------------------------------------------

_ALL = frozenset(CATEGORIES)
_NOTHING: frozenset[str] = frozenset()

DEFAULT_NEED_TO_KNOW: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "gynaecoloog": _ALL,
        "verloskundige": _ALL,
        "kinderarts": _ALL,
        "mmw": _ALL - {"diagnostiek", "medicatie"},
        "jeugdarts": _ALL,
        "jeugdverpleegkundige": _ALL,
        "sociaal_werker": _ALL - {"medicatie", "diagnostiek", "medische_voorgeschiedenis"},
        # Appointments are case administration, not a data category.
        "planner": frozenset({"naw"}),
        # The agreed support question is shown together with the NAW data.
        "informele_steun": frozenset({"naw"}),
        "mdo_voorzitter": frozenset(
            {
                "naw",
                "ontwikkeling_risicos",
                "consultverslagen",
                "verwijzingen",
                "overleg_derden",
                "mdo_notulen",
                "zorgplan",
            }
        ),
        # Projectleiders see aggregates only; these roles see no family data.
        "projectleider": _NOTHING,
        "privacy_officer": _NOTHING,
        "beheerder": _NOTHING,
    }
)


def merge_need_to_know(overrides: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """The default table with the roles in ``overrides`` replaced (a beheerder's adjustment).

    Raises PolicyError, with a Dutch message, for an unknown role or category.
    """
    table = dict(DEFAULT_NEED_TO_KNOW)
    for role, categories in overrides.items():
        if role not in ROLES:
            raise PolicyError(f"Onbekende rol in de need-to-know-tabel: {role!r}.")
        table[role] = check_codes(categories, CATEGORIES, f"categorie voor rol {role!r}")
    return table


def role_categories(
    roles: Iterable[str], table: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW
) -> frozenset[str]:
    """The union of the categories that the given roles need to know."""
    known = check_codes(roles, ROLES, "rol")
    union: frozenset[str] = _NOTHING.union(*(table.get(role, _NOTHING) for role in known))
    return union & _ALL


# -- inputs ------------------------------------------------------------------------


def require_aware(value: object, name: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime; raise otherwise."""
    if not isinstance(value, datetime):
        raise TypeError(f"'{name}' moet een datetime zijn, niet {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyError(f"'{name}' moet een tijdzone hebben (UTC); naïeve datetimes zijn niet toegestaan.")
    return value


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)


@dataclass(frozen=True)
class Viewer:
    """The user who wants to read: one organisation, one domain, one or more roles."""

    user_id: int
    organisation_id: int
    domain: str
    roles: frozenset[str]

    def __post_init__(self) -> None:
        if self.domain not in DOMAINS:
            raise PolicyError(f"Onbekend domein: {self.domain!r}.")
        _set(self, "roles", check_codes(self.roles, ROLES, "rol"))


@dataclass(frozen=True)
class FamilyContext:
    """The family being read, and how this viewer is involved with it (computed by the app)."""

    family_id: int
    registering_organisation_id: int
    involvement: frozenset[str]
    parent_ids: frozenset[int] = frozenset()
    #: The family's latest inward handover is open or was completed by the intake (not ended by
    #: a side exit): its coordinator and acting substitute read in the handover context.
    handover: bool = False

    def __post_init__(self) -> None:
        _set(self, "involvement", check_codes(self.involvement, INVOLVEMENT_KINDS, "betrokkenheid"))
        _set(self, "parent_ids", frozenset(self.parent_ids))
        _set(self, "handover", bool(self.handover))


@dataclass(frozen=True)
class ConsentGrant:
    """Consent of the parents to share categories with an organisation or a whole domain."""

    id: int
    recipient_organisation_id: int | None
    recipient_domain: str | None
    categories: frozenset[str]
    purpose: str
    given_at: datetime
    valid_until: datetime | None
    withdrawn_at: datetime | None = None
    given_by: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.recipient_domain is not None and self.recipient_domain not in DOMAINS:
            raise PolicyError(f"Onbekend domein: {self.recipient_domain!r}.")
        if self.purpose not in PURPOSES:
            raise PolicyError(f"Onbekend doel: {self.purpose!r}.")
        _set(self, "categories", check_codes(self.categories, CATEGORIES, "categorie"))
        _set(self, "given_by", frozenset(self.given_by))
        require_aware(self.given_at, "given_at")
        for name in ("valid_until", "withdrawn_at"):
            if getattr(self, name) is not None:
                require_aware(getattr(self, name), name)


@dataclass(frozen=True)
class BreakGlass:
    """A logged emergency access of one user to one family, open until ``expires_at``."""

    id: int
    user_id: int
    family_id: int
    opened_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.opened_at, "opened_at")
        require_aware(self.expires_at, "expires_at")


# -- the decision ----------------------------------------------------------------------


def _by_category(mapping: Mapping[str, str], known: tuple[str, ...], what: str) -> Mapping[str, str]:
    check_codes(mapping.keys(), CATEGORIES, "categorie")
    check_codes(mapping.values(), known, what)
    return MappingProxyType({category: mapping[category] for category in CATEGORIES if category in mapping})


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise PolicyError(f"Onbekende categorie: {category!r}.")


@dataclass(frozen=True)
class Decision:
    """What one viewer may see of one family at one moment, and why.

    ``withheld`` maps category -> reason code, ``grounds`` maps each allowed
    category -> why it is shown (eigen_organisatie, toestemming, noodtoegang).
    Both are read-only mappings in CATEGORIES order.
    """

    involved: bool
    allowed: frozenset[str]
    withheld: Mapping[str, str]
    consent_ids: frozenset[int] = frozenset()
    break_glass_id: int | None = None
    own_organisation: bool = False
    grounds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        _set(self, "allowed", check_codes(self.allowed, CATEGORIES, "categorie"))
        _set(self, "withheld", _by_category(self.withheld, WITHHOLD_REASONS, "reden"))
        _set(self, "consent_ids", frozenset(self.consent_ids))
        _set(self, "grounds", _by_category(self.grounds, GROUNDS, "grondslag"))

    def __hash__(self) -> int:
        return hash(
            (
                self.involved,
                self.allowed,
                tuple(self.withheld.items()),
                self.consent_ids,
                self.break_glass_id,
                self.own_organisation,
                tuple(self.grounds.items()),
            )
        )

    def may(self, category: str) -> bool:
        """True if the category may be shown. Unknown codes raise PolicyError."""
        _check_category(category)
        return category in self.allowed

    def reason(self, category: str) -> str | None:
        """The withhold reason code of the category, or None if it may be shown."""
        _check_category(category)
        return self.withheld.get(category)

    def withheld_list(self) -> list[tuple[str, str]]:
        """(category, reason) pairs in CATEGORIES order."""
        return list(self.withheld.items())

    def may_write(self, category: str) -> bool:
        """True if the category may be changed or added to: shown on a ground other than
        break-the-glass. Emergency access opens reading only (an emergency note is the one
        write it allows, and the app asks for that explicitly)."""
        return self.may(category) and self.grounds.get(category) != BY_BREAK_GLASS

    @property
    def by_break_glass(self) -> frozenset[str]:
        """The categories shown only because of break-the-glass."""
        return frozenset(c for c, ground in self.grounds.items() if ground == BY_BREAK_GLASS)


def _addressed_to(grant: ConsentGrant, viewer: Viewer) -> bool:
    return grant.recipient_organisation_id == viewer.organisation_id or grant.recipient_domain == viewer.domain


# -- purpose binding: doel x leescontext (the README's table) ---------------------------

MDO_CONTEXT = "mdo_bespreking"
HANDOVER_CONTEXT = "warme_overdracht"

#: The reading contexts that a consent of each purpose serves. The general purpose serves every
#: context; the others only their own.
PURPOSE_CONTEXTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        GENERAL_PURPOSE: frozenset(PURPOSES),
        MDO_CONTEXT: frozenset({MDO_CONTEXT}),
        HANDOVER_CONTEXT: frozenset({HANDOVER_CONTEXT}),
    }
)

#: Who reads in the handover context: the family's coordinator and the acting substitute. Core
#: team, MDO attendees, the team-wide planner and the registering organisation's others never do.
HANDOVER_KINDS: frozenset[str] = frozenset({"coordinator", "substitute"})


def in_handover_context(family: FamilyContext) -> bool:
    """The handover context holds for the coordinator or acting substitute while the family's
    inward handover is open or was completed by the intake (``family.handover``)."""
    return family.handover and bool(family.involvement & HANDOVER_KINDS)


def reading_contexts(context: str, family: FamilyContext) -> frozenset[str]:
    """The contexts a read is in: the one asked for, where a general read (the family's record,
    lists) of the coordinator or acting substitute during the handover is also in the handover
    context, and the handover context is never entered by asking for it alone."""
    contexts = {context} - {HANDOVER_CONTEXT}
    if context in (GENERAL_PURPOSE, HANDOVER_CONTEXT) and in_handover_context(family):
        contexts.add(HANDOVER_CONTEXT)
    return frozenset(contexts)


def _fits_context(grant: ConsentGrant, contexts: frozenset[str]) -> bool:
    return bool(PURPOSE_CONTEXTS[grant.purpose] & contexts)


def _in_force(grant: ConsentGrant, at: datetime) -> bool:
    return (
        grant.given_at <= at
        and (grant.valid_until is None or at < grant.valid_until)
        and (grant.withdrawn_at is None or at < grant.withdrawn_at)
    )


def _missing_reason(candidates: list[ConsentGrant], at: datetime) -> str:
    """Why none of the otherwise matching consents is in force at ``at``."""
    if any(g.withdrawn_at is not None and at >= g.withdrawn_at for g in candidates):
        return CONSENT_WITHDRAWN
    if any(g.valid_until is not None and at >= g.valid_until for g in candidates):
        return CONSENT_EXPIRED
    return NO_CONSENT


def grant_status(grant: ConsentGrant, at: datetime) -> str:
    """The state of one consent at ``at``: actief, ingetrokken, verlopen or nog_niet_geldig."""
    require_aware(at, "at")
    if grant.withdrawn_at is not None and at >= grant.withdrawn_at:
        return STATUS_WITHDRAWN
    if grant.valid_until is not None and at >= grant.valid_until:
        return STATUS_EXPIRED
    if at < grant.given_at:
        return STATUS_NOT_YET_VALID
    return STATUS_ACTIVE


#: The planner's team-wide involvement (appointments, MDO logistics for every family) reaches NAW
#: at most, whatever the need-to-know table says or other roles the user has.
TEAM_PLANNER = "team_planner"
TEAM_PLANNER_CATEGORIES: frozenset[str] = frozenset({"naw"})


#: The designated minute taker (notulist) of an MDO with the family on its agenda by name: in the
#: MDO context they need the family's MDO minutes to write them, whatever their role (a planner's
#: need-to-know is NAW only), if her roles see any family data at all. Consent still decides (rule
#: 4): the family's consent must cover it for her organisation or domain.
MINUTE_TAKER = "mdo_minute_taker"
MINUTE_TAKER_CATEGORIES: frozenset[str] = frozenset({"mdo_notulen"})


def _needed(viewer: Viewer, family: FamilyContext, need_to_know: Mapping[str, frozenset[str]],
            context: str) -> frozenset[str]:
    """Rule 2: the categories this viewer needs to know of this family in this context."""
    own_need = needed = role_categories(viewer.roles, need_to_know)
    if family.involvement <= {TEAM_PLANNER, MINUTE_TAKER}:
        # Rule 2a: involved only as the team-wide planner: the planner's own need (NAW at most),
        # never what the viewer's other roles would need with a care relationship
        needed = role_categories({"planner"} & viewer.roles, need_to_know) & TEAM_PLANNER_CATEGORIES
    if MINUTE_TAKER in family.involvement and context == MDO_CONTEXT and own_need:
        # (a role that sees no family data at all, e.g. the projectleider, gains none by taking minutes)
        needed = needed | MINUTE_TAKER_CATEGORIES
    return frozenset(needed)


def has_direct_care(involvement: Iterable[str]) -> bool:
    """A direct care relationship (behandelrelatie): registering organisation, coordinator,
    acting substitute or a named core-team member. MDO attendance or a team-wide role is not."""
    return bool(frozenset(involvement) & DIRECT_CARE_KINDS)


def covers_context(consents: Iterable[ConsentGrant], context: str, at: datetime) -> bool:
    """True if any consent in force at ``at`` has a purpose that fits the reading context
    (e.g. a family may be put on an MDO agenda by name only when this holds for 'mdo_bespreking')."""
    require_aware(at, "at")
    if context not in PURPOSES:
        raise PolicyError(f"Onbekende leescontext: {context!r}.")
    return any(context in PURPOSE_CONTEXTS[grant.purpose] and _in_force(grant, at) for grant in consents)


def active_break_glass(
    viewer: Viewer, family: FamilyContext, break_glass: Iterable[BreakGlass], at: datetime
) -> BreakGlass | None:
    """The active break-the-glass of this viewer for this family (latest expiry wins), if any."""
    active = [
        bg
        for bg in break_glass
        if bg.user_id == viewer.user_id and bg.family_id == family.family_id and bg.opened_at <= at < bg.expires_at
    ]
    return max(active, key=lambda bg: (bg.expires_at, bg.id), default=None)


def decide(
    viewer: Viewer,
    family: FamilyContext,
    consents: Iterable[ConsentGrant],
    at: datetime,
    *,
    need_to_know: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW,
    break_glass: Iterable[BreakGlass] = (),
    context: str = GENERAL_PURPOSE,
    both_parents_required: bool = False,
) -> Decision:
    """Decide per category what ``viewer`` may see of ``family`` at ``at`` (see the package docstring)."""
    require_aware(at, "at")
    if context not in PURPOSES:
        raise PolicyError(f"Onbekende leescontext: {context!r}.")
    own = viewer.organisation_id == family.registering_organisation_id
    needed = _needed(viewer, family, need_to_know, context)

    # Rule 1: no involvement, or nothing to know at all -> the family does not exist for this viewer.
    if not family.involvement or not needed:
        return Decision(
            involved=False,
            allowed=frozenset(),
            withheld={category: NOT_INVOLVED for category in CATEGORIES},
            own_organisation=own,
        )

    grants = tuple(consents)
    contexts = reading_contexts(context, family)
    parents = family.parent_ids if both_parents_required else frozenset()
    # Rule 5 applies only to a direct care relationship: MDO attendance or a team-wide role
    # never opens emergency access, even if a row exists.
    glass = active_break_glass(viewer, family, break_glass, at) if has_direct_care(family.involvement) else None
    grounds: dict[str, str] = {}
    withheld: dict[str, str] = {}
    consent_ids: set[int] = set()

    for category in CATEGORIES:
        if category not in needed:  # Rule 2
            withheld[category] = NOT_NEEDED_FOR_ROLE
            continue
        if own:  # Rule 3
            grounds[category] = OWN_ORGANISATION
            continue
        # Rule 4: consents that match everything except the moment.
        candidates = [
            grant
            for grant in grants
            if category in grant.categories
            and _addressed_to(grant, viewer)
            and _fits_context(grant, contexts)
            and parents <= grant.given_by
        ]
        covering = [grant.id for grant in candidates if _in_force(grant, at)]
        if covering:
            grounds[category] = BY_CONSENT
            consent_ids.update(covering)
        elif glass is not None:  # Rule 5
            grounds[category] = BY_BREAK_GLASS
        else:
            withheld[category] = _missing_reason(candidates, at)

    glass_id = glass.id if glass is not None and BY_BREAK_GLASS in grounds.values() else None
    return Decision(
        involved=True,
        allowed=frozenset(grounds),
        withheld=withheld,
        consent_ids=frozenset(consent_ids),
        break_glass_id=glass_id,
        own_organisation=own,
        grounds=grounds,
    )


def may_coordinate(
    viewer: Viewer,
    family: FamilyContext,
    consents: Iterable[ConsentGrant],
    at: datetime,
    *,
    need_to_know: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW,
    both_parents_required: bool = False,
) -> bool:
    """Whether the family's consent lets ``viewer`` be its coordinator: as coordinator they would
    see the NAW (to reach the family), in the handover context too while ``family.handover``
    holds. Break-the-glass never counts: emergency access is no ground for a role."""
    as_coordinator = FamilyContext(
        family.family_id, family.registering_organisation_id, frozenset({"coordinator"}),
        family.parent_ids, family.handover,
    )
    decision = decide(viewer, as_coordinator, consents, at, need_to_know=need_to_know,
                      both_parents_required=both_parents_required)
    return decision.may("naw")
