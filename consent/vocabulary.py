"""Fixed codes of the consent policy, with their Dutch labels.

The codes are a contract with the database, the forms and the audit log:
never rename one. Labels are UI text and may be reworded freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class PolicyError(ValueError):
    """An unknown code or an inconsistent policy input (message in Dutch)."""


def _frozen(mapping: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(mapping)


# -- data categories -------------------------------------------------------

CATEGORY_LABELS: Mapping[str, str] = _frozen(
    {
        "naw": "NAW-gegevens (naam, adres, woonplaats)",
        "medische_voorgeschiedenis": "Medische voorgeschiedenis",
        "ontwikkeling_risicos": "Ontwikkeling en risico's",
        "consultverslagen": "Consultverslagen",
        "verwijzingen": "Verwijzingen",
        "overleg_derden": "Overleg met derden",
        "diagnostiek": "Diagnostiek",
        "medicatie": "Medicatie",
        "mdo_notulen": "MDO-verslagen",
        "zorgplan": "Gezinsplan",
    }
)
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)

# -- roles -------------------------------------------------------------------

ROLE_LABELS: Mapping[str, str] = _frozen(
    {
        "gynaecoloog": "Gynaecoloog",
        "verloskundige": "Verloskundige",
        "kinderarts": "Kinderarts",
        "mmw": "Medisch maatschappelijk werker",
        "jeugdarts": "Jeugdarts",
        "jeugdverpleegkundige": "Jeugdverpleegkundige",
        "sociaal_werker": "Sociaal werker",
        "planner": "Planner",
        "informele_steun": "Informele steun (vrijwilliger/ervaringsdeskundige)",
        "mdo_voorzitter": "MDO-voorzitter",
        "projectleider": "Projectleider",
        "privacy_officer": "Privacy officer",
        "beheerder": "Beheerder",
    }
)
ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

# -- domains -------------------------------------------------------------------

DOMAIN_LABELS: Mapping[str, str] = _frozen(
    {
        "zorg": "Zorg (ziekenhuis en verloskunde)",
        "jgz": "Jeugdgezondheidszorg (JGZ)",
        "sociaal": "Sociaal domein",
        "informeel": "Informele steun",
    }
)
DOMAINS: tuple[str, ...] = tuple(DOMAIN_LABELS)

#: The roles that work in each domain's organisations (igp/demo.py, the kernteam of the guide §4.1):
#: a consent addressed to a domain reaches these roles, so a preset asks per domain only what
#: one of them may see (consent.presets.preset_categories). The planner and the MDO chair work
#: in any professional domain; informal support has its volunteers only.
DOMAIN_ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "zorg": frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "planner", "mdo_voorzitter"}),
        "jgz": frozenset({"jeugdarts", "jeugdverpleegkundige", "planner", "mdo_voorzitter"}),
        "sociaal": frozenset({"sociaal_werker", "planner", "mdo_voorzitter"}),
        "informeel": frozenset({"informele_steun"}),
    }
)

#: A domain as the recipient in a sentence read to the parents (always people, plural).
DOMAIN_RECIPIENTS: Mapping[str, str] = _frozen(
    {
        "zorg": "de zorgverleners van het ziekenhuis en de verloskundigen",
        "jgz": "de medewerkers van de jeugdgezondheidszorg (het consultatiebureau)",
        "sociaal": "de professionals van het sociaal domein (zoals het wijkteam)",
        "informeel": "de vrijwilligers en ervaringsdeskundigen van de informele steun",
    }
)

# -- purposes ------------------------------------------------------------------

PURPOSE_LABELS: Mapping[str, str] = _frozen(
    {
        "zorg_en_ondersteuning": "Zorg en ondersteuning",
        "mdo_bespreking": "Bespreking in het MDO",
        "warme_overdracht": "Warme overdracht",
    }
)
PURPOSES: tuple[str, ...] = tuple(PURPOSE_LABELS)

#: The purpose as it ends the sentence "... mag inzien voor <doel>".
PURPOSE_PHRASES: Mapping[str, str] = _frozen(
    {
        "zorg_en_ondersteuning": "de zorg en ondersteuning van uw gezin",
        "mdo_bespreking": "de bespreking van uw gezin in het multidisciplinair overleg (MDO)",
        "warme_overdracht": "de warme overdracht van uw gezin naar een volgende hulpverlener",
    }
)

#: A consent given for this purpose fits every reading context; any other
#: purpose fits only a read in that same context.
GENERAL_PURPOSE = "zorg_en_ondersteuning"

# -- how consent was recorded --------------------------------------------------

CONSENT_METHOD_LABELS: Mapping[str, str] = _frozen(
    {
        "schriftelijk": "Schriftelijk (ondertekend formulier)",
        "mondeling_vastgelegd": "Mondeling gegeven en vastgelegd",
        "digitaal": "Digitaal gegeven",
    }
)
CONSENT_METHODS: tuple[str, ...] = tuple(CONSENT_METHOD_LABELS)

# -- why a category is not shown ---------------------------------------------------

NO_CONSENT = "geen_toestemming"
CONSENT_WITHDRAWN = "toestemming_ingetrokken"
CONSENT_EXPIRED = "toestemming_verlopen"
NOT_NEEDED_FOR_ROLE = "niet_nodig_voor_rol"
NOT_INVOLVED = "geen_betrokkenheid"

REASON_LABELS: Mapping[str, str] = _frozen(
    {
        NO_CONSENT: "De ouders hebben (nog) geen toestemming gegeven om dit met u te delen",
        CONSENT_WITHDRAWN: "De ouders hebben hun toestemming ingetrokken",
        CONSENT_EXPIRED: "De toestemming van de ouders is verlopen",
        NOT_NEEDED_FOR_ROLE: "Deze gegevens zijn niet nodig voor uw rol",
        NOT_INVOLVED: "U bent niet betrokken bij dit gezin",
    }
)
WITHHOLD_REASONS: tuple[str, ...] = tuple(REASON_LABELS)

#: The reasons that only a consent (or break-the-glass) can lift.
CONSENT_REASONS: frozenset[str] = frozenset({NO_CONSENT, CONSENT_WITHDRAWN, CONSENT_EXPIRED})

# -- on what ground a category is shown --------------------------------------------

OWN_ORGANISATION = "eigen_organisatie"
BY_CONSENT = "toestemming"
BY_BREAK_GLASS = "noodtoegang"

GROUND_LABELS: Mapping[str, str] = _frozen(
    {
        OWN_ORGANISATION: "Het gezin is aangemeld bij uw eigen organisatie",
        BY_CONSENT: "De ouders hebben toestemming gegeven",
        BY_BREAK_GLASS: "Noodtoegang (break-the-glass); deze inzage wordt extra gecontroleerd",
    }
)
GROUNDS: tuple[str, ...] = tuple(GROUND_LABELS)

# -- the state of one consent at a given moment (for consent overviews) -------------

STATUS_ACTIVE = "actief"
STATUS_WITHDRAWN = "ingetrokken"
STATUS_EXPIRED = "verlopen"
STATUS_NOT_YET_VALID = "nog_niet_geldig"

GRANT_STATUS_LABELS: Mapping[str, str] = _frozen(
    {
        STATUS_ACTIVE: "Actief",
        STATUS_WITHDRAWN: "Ingetrokken",
        STATUS_EXPIRED: "Verlopen",
        STATUS_NOT_YET_VALID: "Nog niet geldig",
    }
)
GRANT_STATUSES: tuple[str, ...] = tuple(GRANT_STATUS_LABELS)

# -- how a viewer is involved with a family (computed by the app) ------------------

INVOLVEMENT_LABELS: Mapping[str, str] = _frozen(
    {
        "registering_organisation": "Aanmeldende organisatie",
        "coordinator": "Coördinator",
        "core_team": "Kernteam",
        "substitute": "Vervanger",
        "mdo_attendee": "Deelnemer MDO",
        "team_planner": "Planner van het kernteam",
        "mdo_minute_taker": "Notulist MDO",
    }
)
INVOLVEMENT_KINDS: tuple[str, ...] = tuple(INVOLVEMENT_LABELS)

#: A direct care relationship (behandelrelatie) with the family. Only these open the way to
#: break-the-glass; MDO attendance and the planner's team-wide role do not.
DIRECT_CARE_KINDS: frozenset[str] = frozenset({"registering_organisation", "coordinator", "core_team", "substitute"})


def check_codes(values: object, known: tuple[str, ...], what: str) -> frozenset[str]:
    """Return ``values`` as a frozenset, or raise PolicyError naming unknown codes.

    A single string counts as one code (not as a sequence of characters).
    """
    codes = frozenset((values,) if isinstance(values, str) else values)  # type: ignore[arg-type]
    unknown = sorted(repr(code) for code in codes if code not in known)
    if unknown:
        names = ", ".join(unknown)
        raise PolicyError(f"Onbekende {what}: {names}.")
    return codes
