"""Named consent presets offered by the consent form.

A preset with several domains becomes one ConsentGrant per domain.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .policy import DEFAULT_NEED_TO_KNOW, require_aware, role_categories
from .vocabulary import CATEGORIES, DOMAIN_ROLES, DOMAINS, PURPOSES, PolicyError, check_codes


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months; the day is clamped (31 jan + 1 -> 28/29 feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Preset:
    code: str
    label: str
    domains: tuple[str, ...]
    categories: tuple[str, ...]
    purpose: str
    valid_months: int = 12

    def __post_init__(self) -> None:
        domains = check_codes(self.domains, DOMAINS, "domein")
        categories = check_codes(self.categories, CATEGORIES, "categorie")
        if not domains or not categories:
            raise PolicyError(f"Preset {self.code!r} moet ten minste één domein en één categorie hebben.")
        if self.purpose not in PURPOSES:
            raise PolicyError(f"Onbekend doel: {self.purpose!r}.")
        if self.valid_months < 1:
            raise PolicyError(f"Preset {self.code!r} moet ten minste één maand geldig zijn.")
        # Canonical order, so the form always lists the same way.
        object.__setattr__(self, "domains", tuple(d for d in DOMAINS if d in domains))
        object.__setattr__(self, "categories", tuple(c for c in CATEGORIES if c in categories))

    def valid_until_from(self, given_at: datetime) -> datetime:
        """The default 'geldig tot' for a consent given at ``given_at``."""
        return add_months(require_aware(given_at, "given_at"), self.valid_months)


PRESETS: tuple[Preset, ...] = (
    Preset(
        code="kernteam",
        label="Kernteam IGP: zorg + JGZ + sociaal",
        domains=("zorg", "jgz", "sociaal"),
        categories=(
            "naw",
            "medische_voorgeschiedenis",
            "ontwikkeling_risicos",
            "consultverslagen",
            "verwijzingen",
            "mdo_notulen",
            "zorgplan",
        ),
        purpose="zorg_en_ondersteuning",
    ),
    Preset(
        code="mdo",
        label="Bespreking in het MDO",
        domains=("zorg", "jgz", "sociaal"),
        categories=("naw", "ontwikkeling_risicos", "verwijzingen", "mdo_notulen", "zorgplan"),
        purpose="mdo_bespreking",
    ),
    Preset(
        code="warme_overdracht",
        label="Warme overdracht naar de JGZ",
        domains=("jgz",),
        categories=(
            "naw",
            "medische_voorgeschiedenis",
            "ontwikkeling_risicos",
            "consultverslagen",
            "verwijzingen",
            "zorgplan",
        ),
        purpose="warme_overdracht",
        valid_months=3,
    ),
    Preset(
        code="informele_steun",
        label="Informele steun: alleen NAW",
        domains=("informeel",),
        categories=("naw",),
        purpose="zorg_en_ondersteuning",
    ),
)

def domain_categories(domain: str, table: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW) -> frozenset[str]:
    """The categories that at least one role working in ``domain`` may see (need-to-know)."""
    if domain not in DOMAINS:
        raise PolicyError(f"Onbekend domein: {domain!r}.")
    return role_categories(DOMAIN_ROLES[domain], table)


def preset_categories(
    preset: Preset,
    table: Mapping[str, frozenset[str]] = DEFAULT_NEED_TO_KNOW,
    *,
    categories: Iterable[str] | None = None,
    domains: Iterable[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """What the preset asks per domain: its categories (or the narrower ``categories`` chosen)
    that a role of that domain may see, in canonical order. A domain left with nothing to ask is
    left out: consent is never asked for data its recipients would not be shown."""
    asked = check_codes(preset.categories if categories is None else categories, CATEGORIES, "categorie")
    chosen = check_codes(preset.domains if domains is None else domains, DOMAINS, "domein")
    result: dict[str, tuple[str, ...]] = {}
    for domain in (d for d in DOMAINS if d in chosen):
        visible = asked & domain_categories(domain, table)
        if visible:
            result[domain] = tuple(c for c in CATEGORIES if c in visible)
    return result


PRESETS_BY_CODE = {preset.code: preset for preset in PRESETS}


def get_preset(code: str) -> Preset:
    """The preset with this code; PolicyError if there is none."""
    try:
        return PRESETS_BY_CODE[code]
    except KeyError:
        raise PolicyError(f"Onbekende voorinstelling: {code!r}.") from None
