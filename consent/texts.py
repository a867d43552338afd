"""Plain-language Dutch texts: why something is (not) shown, and what a consent means."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from .policy import ConsentGrant, Decision
from .presets import Preset
from .vocabulary import (
    BY_BREAK_GLASS,
    BY_CONSENT,
    CATEGORIES,
    CATEGORY_LABELS,
    DOMAIN_RECIPIENTS,
    OWN_ORGANISATION,
    PURPOSE_PHRASES,
    REASON_LABELS,
    PolicyError,
)

#: Dates read to the parents are shown in Dutch local time.
DISPLAY_TIMEZONE = "Europe/Amsterdam"


def _inline(label: str) -> str:
    """A label as it reads inside a sentence: 'Gezinsplan' -> 'gezinsplan', 'MDO-verslagen' stays."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def _join(items: list[str]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " en " + items[-1]


def format_date(moment: datetime, tz: tzinfo | None = None) -> str:
    """dd-mm-yyyy in ``tz`` (default Europe/Amsterdam)."""
    return moment.astimezone(tz or ZoneInfo(DISPLAY_TIMEZONE)).strftime("%d-%m-%Y")


def _labels(decision: Decision, ground: str) -> list[str]:
    return [_inline(CATEGORY_LABELS[c]) for c, g in decision.grounds.items() if g == ground]


def explain(decision: Decision) -> list[str]:
    """Dutch sentences for the UI: on what ground data is shown, and why the rest is not."""
    if not decision.involved:
        return ["U bent niet betrokken bij dit gezin; daarom worden er geen gegevens getoond."]
    lines: list[str] = []
    own = _labels(decision, OWN_ORGANISATION)
    if own:
        lines.append(f"Getoond omdat het gezin is aangemeld bij uw eigen organisatie: {_join(own)}.")
    by_consent = _labels(decision, BY_CONSENT)
    if by_consent:
        numbers = _join([str(i) for i in sorted(decision.consent_ids)])
        lines.append(f"Getoond op grond van toestemming van de ouders (nr. {numbers}): {_join(by_consent)}.")
    by_glass = _labels(decision, BY_BREAK_GLASS)
    if by_glass:
        lines.append(
            f"Getoond via noodtoegang (break-the-glass, nr. {decision.break_glass_id}); "
            f"deze inzage wordt extra gecontroleerd: {_join(by_glass)}."
        )
    for category, reason in decision.withheld_list():
        lines.append(f"Niet getoond: {CATEGORY_LABELS[category]}. {REASON_LABELS[reason]}.")
    return lines


def summarise_consent(
    grant: ConsentGrant, organisation_names: Mapping[int, str], *, tz: tzinfo | None = None
) -> str:
    """The consent in plain Dutch, to read to the parents before they agree.

    Dates are dd-mm-yyyy in ``tz`` (default Europe/Amsterdam).
    """
    recipients: list[str] = []
    if grant.recipient_organisation_id is not None:
        org_id = grant.recipient_organisation_id
        recipients.append(organisation_names.get(org_id, f"de organisatie met nummer {org_id}"))
    if grant.recipient_domain is not None:
        recipients.append(DOMAIN_RECIPIENTS[grant.recipient_domain])
    if not recipients:
        raise PolicyError("Deze toestemming heeft geen ontvanger.")
    categories = [_inline(CATEGORY_LABELS[c]) for c in CATEGORIES if c in grant.categories]
    if not categories:
        raise PolicyError("Deze toestemming noemt geen gegevens.")
    # One organisation "mag"; domain recipients are groups of people ("mogen").
    verb = "mag" if grant.recipient_domain is None else "mogen"
    until = "zonder einddatum" if grant.valid_until is None else f"tot {format_date(grant.valid_until, tz)}"
    return (
        f"U geeft toestemming dat {_join(recipients)} de volgende gegevens {verb} inzien: "
        f"{_join(categories)} voor {PURPOSE_PHRASES[grant.purpose]}, {until}. "
        "U kunt deze toestemming altijd intrekken."
    )


def describe_preset(preset: Preset, per_domain: Mapping[str, tuple[str, ...]]) -> list[str]:
    """What a preset asks, per domain, in plain Dutch to read to the parents before they agree:
    one sentence per recipient domain with only the data that domain's roles may see
    (``per_domain`` from consent.preset_categories), then the purpose, the term and the right to
    withdraw."""
    if not per_domain:
        raise PolicyError(f"Voorkeuze {preset.code!r} vraagt niemand iets.")
    lines = []
    for domain, categories in per_domain.items():
        recipient = DOMAIN_RECIPIENTS[domain]
        labels = [_inline(CATEGORY_LABELS[c]) for c in CATEGORIES if c in categories]
        lines.append(f"{recipient[0].upper()}{recipient[1:]} mogen inzien: {_join(labels)}.")
    months = "1 maand" if preset.valid_months == 1 else f"{preset.valid_months} maanden"
    lines.append(f"Dit is voor {PURPOSE_PHRASES[preset.purpose]} en geldt {months}. "
                 "U kunt deze toestemming altijd intrekken.")
    return lines
