"""Pure rules of aanmelding: codes, the BSN eleven-check, the target-group check.

No Flask, no database: plain values in, plain values out, tested on their own.
The target-group criteria are data (`Criteria`), because the guide's definition is revised
periodically (handreiking IGP, §2) and partnerships may widen the age limit.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

# ------------------------------------------------------------------ codes (a contract: never rename)

PHASES = {"prenatal": "Zwangerschap (prenataal)", "postnatal": "Na de geboorte (postnataal)"}

STATUSES = {
    "aangemeld": "Aangemeld",
    "in_intake": "In intake",
    "actief": "Actief",
    "uitgestroomd": "Uitgestroomd",
    "niet_in_doelgroep": "Niet in doelgroep",
}

REFERRER_TYPES = {
    "huisarts": "Huisarts",
    "verloskundige": "Verloskundige (eerstelijns)",
    "kraamzorg": "Kraamzorg",
    "jgz": "JGZ (consultatiebureau, prenataal huisbezoek)",
    "wijkteam": "Wijkteam",
    "ziekenhuis": "Ziekenhuis (afdeling)",
    "vsv": "VSV (verloskundig samenwerkingsverband)",
    "ggz": "GGZ",
    "zelf": "Gezin zelf",
    "anders": "Anders",
}

VULNERABILITIES = {
    "financien": "Financiën (geldzorgen, schulden)",
    "huisvesting": "Huisvesting",
    "relatie": "Relatie",
    "opvoeding": "Opvoeden en opgroeien",
    "lvb": "Licht verstandelijke beperking (LVB)",
    "trauma": "Trauma (bijv. door vroeggeboorte)",
    "psychisch": "Psychische problemen",
    "verslaving": "Verslaving",
    "netwerk": "Klein of ontbrekend netwerk",
    "anders": "Anders",
}

MEDICAL_REASONS = {
    "prematuriteit": "Prematuriteit",
    "dysmaturiteit": "Dysmaturiteit",
    "asfyxie": "Asfyxie",
    "voeding": "Voedingsproblemen",
    "slaap": "Slaapproblemen",
    "huid": "Huidproblemen",
    "psychiatrie": "Psychiatrische problematiek",
    "huilen": "Excessief huilen",
    "anders": "Anders",
}

SCREENING_INSTRUMENTS = {
    "alpha_nl": "ALPHA-NL",
    "r4u": "R4U",
    "mind2care": "Mind2Care",
    "spark": "SPARK",
    "giz": "GIZ-methodiek",
}

# Situations the guide names as not primarily the IGP's target group (§2, fn 11 and 12).
NON_PRIMARY = {
    "fertiliteit": "Alleen fertiliteitsfase, nog geen zwangerschap",
    "aangeboren_afwijking": "Aangeboren afwijking",
    "psychiatrische_medicatie": "Alleen psychiatrische medicatie tijdens de zwangerschap",
    "neonatologie_alleen_medisch": "Neonatologie zonder hulpvraag naast de medische zorg",
}

INTAKE_TYPES = {"gezamenlijk": "Gezamenlijk (zorg en sociaal in één gesprek)", "gefaseerd": "Gefaseerd"}
INTAKE_LOCATIONS = {
    "ziekenhuis": "Ziekenhuis",
    "consultatiebureau": "Consultatiebureau",
    "wijklocatie": "Wijklocatie",
    "thuis": "Thuis",
    "video": "Video",
}
INTAKE_OUTCOMES = {
    "actief": "Actief, met een plan",
    "niet_in_doelgroep": "Niet in doelgroep",
    "doorverwezen": "Doorverwezen",
    "geen_hulp_gewenst": "Geen hulp gewenst",
}
# intake outcome -> family status
OUTCOME_STATUS = {
    "actief": "actief",
    "niet_in_doelgroep": "niet_in_doelgroep",
    "doorverwezen": "uitgestroomd",
    "geen_hulp_gewenst": "uitgestroomd",
}

PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read aloud


def new_pseudonym(length: int = 5) -> str:
    return "GZ-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(length))


# ------------------------------------------------------------------ BSN

def bsn_is_valid(value: str) -> bool:
    """The eleven-check (elfproef) of a Dutch citizen service number.

    9 digits d1..d9: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 must be divisible by 11 (and not 0).
    An 8-digit number is read with a leading zero, as the BSN allows.
    """
    digits = "".join(c for c in str(value) if not c.isspace() and c != ".")
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0 and total != 0


# ------------------------------------------------------------------ dates

def add_months(d: date, months: int) -> date:
    """Calendar months later; the 31st becomes the last day of a shorter month."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")


# ------------------------------------------------------------------ target group

@dataclass(frozen=True)
class Criteria:
    """The IGP's target-group definition as data (guide §2); adjustable per IGP."""

    social_vulnerabilities: frozenset[str] = frozenset(VULNERABILITIES)
    medical_reasons: frozenset[str] = frozenset(MEDICAL_REASONS)
    age_limit_months: int = 24           # first 1000 days: up to the second birthday
    max_due_months_ahead: int = 10


@dataclass(frozen=True)
class TargetGroupCase:
    phase: str
    vulnerabilities: frozenset[str]
    medical_reasons: frozenset[str]
    high_risk: bool
    reference_date: date
    expected_due_date: date | None = None
    child_birth_dates: tuple[date, ...] = ()
    non_primary: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TargetGroupResult:
    eligible: bool
    reasons: tuple[str, ...]            # Dutch sentences, shown to the professional
    flags: tuple[str, ...] = ()          # NON_PRIMARY codes that apply
    codes: tuple[str, ...] = field(default=())  # machine-readable reason codes

    def as_dict(self) -> dict:
        return {"eligible": self.eligible, "reasons": list(self.reasons), "flags": list(self.flags),
                "codes": list(self.codes)}


def in_first_1000_days(case: TargetGroupCase, criteria: Criteria) -> tuple[bool, str, str]:
    """(within the window, Dutch reason, code)."""
    if case.phase == "prenatal":
        if case.expected_due_date is None:
            return False, "Geen uitgerekende datum bekend.", "geen_termijn"
        return True, "Zwangerschap: binnen de eerste 1000 dagen.", "zwanger"
    births = [d for d in case.child_birth_dates if d is not None]
    if not births:
        return False, "Geen geboortedatum van een kind bekend.", "geen_kind"
    youngest = max(births)
    limit = add_months(youngest, criteria.age_limit_months)
    if case.reference_date < limit:
        return True, f"Jongste kind is jonger dan {criteria.age_limit_months} maanden.", "binnen_leeftijd"
    return False, f"Jongste kind is {criteria.age_limit_months} maanden of ouder (leeftijdsgrens).", "boven_leeftijd"


def check_target_group(case: TargetGroupCase, criteria: Criteria = Criteria()) -> TargetGroupResult:
    """Eligible when there is at least one social vulnerability AND a 2nd/3rd-line medical
    reason or a high risk of one AND the family is within the first 1000 days.

    The situations the guide calls non-primary are flagged; 'fertility phase only' is not
    eligible at all, the others only without a social need (which the first rule already
    requires). The professional may override the outcome with a written reason.
    """
    reasons: list[str] = []
    codes: list[str] = []
    social = case.vulnerabilities & criteria.social_vulnerabilities
    medical = case.medical_reasons & criteria.medical_reasons
    if social:
        reasons.append("Er is sprake van kwetsbare sociale omstandigheden.")
        codes.append("sociaal_kwetsbaar")
    else:
        reasons.append("Geen kwetsbare sociale omstandigheden aangegeven.")
        codes.append("geen_sociale_kwetsbaarheid")
    if medical:
        reasons.append("Er is een reden voor zorg uit de tweede of derde lijn.")
        codes.append("medische_reden")
    elif case.high_risk:
        reasons.append("Er is een hoog risico op zorg uit de tweede of derde lijn.")
        codes.append("hoog_risico")
    else:
        reasons.append("Geen reden of hoog risico voor zorg uit de tweede of derde lijn.")
        codes.append("geen_medische_reden")
    window, window_reason, window_code = in_first_1000_days(case, criteria)
    reasons.append(window_reason)
    codes.append(window_code)

    flags = tuple(code for code in NON_PRIMARY if code in case.non_primary)
    eligible = bool(social) and (bool(medical) or case.high_risk) and window
    if "fertiliteit" in flags:
        eligible = False
        reasons.append("De fase vóór de zwangerschap (fertiliteit) is geen primaire doelgroep van de IGP.")
        codes.append("niet_primair_fertiliteit")
    for code in ("aangeboren_afwijking", "psychiatrische_medicatie", "neonatologie_alleen_medisch"):
        if code in flags:
            if social:
                reasons.append(f"Let op: {NON_PRIMARY[code].lower()} is op zich geen primaire doelgroep; "
                               "er is wel een sociale hulpvraag.")
            else:
                reasons.append(f"{NON_PRIMARY[code]} zonder sociale hulpvraag is geen primaire doelgroep.")
            codes.append(f"niet_primair_{code}")
    reasons.insert(0, "Valt binnen de doelgroep van de IGP." if eligible else "Valt buiten de doelgroep van de IGP.")
    return TargetGroupResult(eligible, tuple(reasons), flags, tuple(codes))
