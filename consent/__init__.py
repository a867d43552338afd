"""Consent and need-to-know policy of the IGP (pure Python, standard library only).

decide() answers, per data category, whether a viewer may see a family's data now:
 1. No involvement with the family, or roles that need no family data at all
    -> nothing is shown (geen_betrokkenheid); the app answers 404.
 2. A category outside the union of the viewer's roles is never shown (niet_nodig_voor_rol);
    a viewer involved only as the team-wide planner gets the planner's NAW at most.
 3. The registering (own) organisation sees its needed categories without consent.
 4. Another organisation needs a consent in force: addressed to its organisation or domain,
    covering the category, given_at <= at < valid_until, not withdrawn, a purpose that fits
    the reading context (PURPOSE_CONTEXTS: the general purpose fits every context, the others
    only their own; a general read of the coordinator or acting substitute while the family's
    inward handover is open or was completed by the intake is also in the handover context,
    reading_contexts), and (if required) given by every parent. Otherwise the reason is
    toestemming_ingetrokken, else toestemming_verlopen, else geen_toestemming.
 5. An active break-the-glass of this user for this family lifts only those consent reasons,
    and only for a direct care relationship (registering organisation, coordinator, acting
    substitute, core team); categories shown that way may be read, not written
    (Decision.may_write).
"""

from .policy import (
    DEFAULT_NEED_TO_KNOW,
    HANDOVER_CONTEXT,
    HANDOVER_KINDS,
    MDO_CONTEXT,
    PURPOSE_CONTEXTS,
    TEAM_PLANNER_CATEGORIES,
    BreakGlass,
    ConsentGrant,
    Decision,
    FamilyContext,
    Viewer,
    active_break_glass,
    covers_context,
    decide,
    grant_status,
    has_direct_care,
    in_handover_context,
    may_coordinate,
    merge_need_to_know,
    reading_contexts,
    require_aware,
    role_categories,
)
from .presets import PRESETS, Preset, add_months, domain_categories, get_preset, preset_categories
from .recipient import Recipient, decide_for_recipient, domain_need
from .texts import describe_preset, explain, format_date, summarise_consent
from .validation import validate_consent
from .vocabulary import (
    CATEGORIES,
    CATEGORY_LABELS,
    CONSENT_METHOD_LABELS,
    CONSENT_METHODS,
    CONSENT_REASONS,
    DIRECT_CARE_KINDS,
    DOMAIN_LABELS,
    DOMAIN_ROLES,
    DOMAINS,
    GRANT_STATUS_LABELS,
    GRANT_STATUSES,
    GROUND_LABELS,
    GROUNDS,
    INVOLVEMENT_KINDS,
    INVOLVEMENT_LABELS,
    PURPOSE_LABELS,
    PURPOSES,
    REASON_LABELS,
    ROLE_LABELS,
    ROLES,
    WITHHOLD_REASONS,
    PolicyError,
)

__all__ = [
    "BreakGlass",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CONSENT_METHODS",
    "CONSENT_METHOD_LABELS",
    "CONSENT_REASONS",
    "ConsentGrant",
    "DIRECT_CARE_KINDS",
    "DEFAULT_NEED_TO_KNOW",
    "DOMAINS",
    "DOMAIN_LABELS",
    "DOMAIN_ROLES",
    "Decision",
    "FamilyContext",
    "GRANT_STATUSES",
    "GRANT_STATUS_LABELS",
    "GROUNDS",
    "GROUND_LABELS",
    "HANDOVER_CONTEXT",
    "HANDOVER_KINDS",
    "INVOLVEMENT_KINDS",
    "INVOLVEMENT_LABELS",
    "MDO_CONTEXT",
    "PRESETS",
    "PURPOSE_CONTEXTS",
    "PURPOSES",
    "PURPOSE_LABELS",
    "PolicyError",
    "Preset",
    "REASON_LABELS",
    "ROLES",
    "ROLE_LABELS",
    "Recipient",
    "TEAM_PLANNER_CATEGORIES",
    "Viewer",
    "WITHHOLD_REASONS",
    "active_break_glass",
    "add_months",
    "covers_context",
    "decide",
    "decide_for_recipient",
    "describe_preset",
    "domain_categories",
    "domain_need",
    "explain",
    "format_date",
    "get_preset",
    "grant_status",
    "has_direct_care",
    "in_handover_context",
    "may_coordinate",
    "merge_need_to_know",
    "preset_categories",
    "reading_contexts",
    "require_aware",
    "role_categories",
    "summarise_consent",
    "validate_consent",
]
