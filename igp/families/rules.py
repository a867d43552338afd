"""Pure rules of aanmelding: codes, the BSN eleven-check, the target-group check.

No Flask, no database: plain values in, plain values out, tested on their own.
The target-group criteria are data (`Criteria`), because the guide's definition is revised
periodically (handreiking IGP, §2) and partnerships may widen the age limit.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
    "werk_inkomen": "Werk en inkomen",
    "veiligheid": "Veiligheid (huiselijk geweld)",
    "taal": "Taal, nieuwkomer of laaggeletterdheid",
    "stapeling": "Stapeling van problemen op meerdere levensdomeinen",
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
    "zwangerschapscomplicaties": "Zwangerschapscomplicaties",
    "ontwikkelingsachterstand": "Ontwikkelingsachterstand",
    "anders": "Anders",
}

# Beschermende factoren: recorded and shown, never a reason for or against the target group.
PROTECTIVE_FACTORS = {
    "steunend_netwerk": "Steunend netwerk (familie, vrienden)",
    "betrokken_partner": "Betrokken partner",
    "open_voor_hulp": "Staat open voor hulp",
    "stabiel_inkomen": "Stabiel werk of inkomen",
    "stabiele_woonsituatie": "Stabiele woonsituatie",
    "anders": "Anders",
}

# The code lists a beheerder keeps per IGP (add, rename, retire): the lists above are the defaults.
CODE_LISTS = {"vulnerabilities": VULNERABILITIES, "medical_reasons": MEDICAL_REASONS,
              "protective_factors": PROTECTIVE_FACTORS}
CODE_LIST_LABELS = {"vulnerabilities": "Kwetsbare sociale omstandigheden",
                    "medical_reasons": "Redenen voor zorg uit de tweede of derde lijn",
                    "protective_factors": "Beschermende factoren"}
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

PARENT_RELATIONSHIPS = {
    "moeder": "Moeder",
    "vader": "Vader",
    "partner": "Partner van de moeder",
    "pleegouder": "Pleegouder",
    "voogd": "Voogd",
    "anders": "Anders",
}
# ouderlijk gezag: who may consent for the child
GEZAG = {"ja": "Heeft gezag", "nee": "Heeft geen gezag", "onbekend": "Gezag onbekend"}

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

# the roles that register families and write on the family page (intake, notes, handover steps)
REGISTERING_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                               "jeugdverpleegkundige", "sociaal_werker", "planner"})
# the data categories a note can be written in (the note form and POST .../notes)
NOTE_CATEGORIES = ("consultverslagen", "overleg_derden", "diagnostiek", "medicatie", "medische_voorgeschiedenis",
                   "ontwikkeling_risicos", "zorgplan", "verwijzingen")


def note_categories(roles, may_write) -> list[str]:
    """The categories this reader may write a note in: a registering role, and the category shown
    to them on a ground other than break-the-glass (``may_write``) - the rule of add_note."""
    if not set(roles) & REGISTERING_ROLES:
        return []
    return [category for category in NOTE_CATEGORIES if may_write(category)]


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

# ------------------------------------------------------------------ the family's course (state machine)
# Family.status changes only through `transition`: intake (families), warm handover and exit
# (coordination) call it. An event not listed for the current status leaves the status as it is,
# except uitstroom, which is refused for a family that has already left.
FAMILY_EVENTS = {
    "intake_gepland": "Intake gepland of gehouden",
    "intake_uitkomst": "Uitkomst van de intake",
    "heraanmelding": "Nieuwe aanmelding van een eerder gezin",
    "doelgroep_afwijking": "Afwijking van de doelgroep vastgelegd",
    "uitstroom": "Uitstroom",
    "samenvoeging": "Twee dossiers van één gezin samengevoegd",
    "herbeoordeling_buiten": "Herbeoordeling doelgroep: valt buiten de doelgroep",
    "herbeoordeling_binnen": "Herbeoordeling doelgroep: valt binnen de doelgroep",
}
IN_CARE = ("aangemeld", "in_intake", "actief")
TRANSITIONS: dict[str, dict[str, str]] = {
    "intake_gepland": {"aangemeld": "in_intake"},
    "heraanmelding": {"uitgestroomd": "aangemeld", "niet_in_doelgroep": "aangemeld"},
    "doelgroep_afwijking": {"niet_in_doelgroep": "aangemeld"},
    # a re-assessment moves only a family not yet in intake; in intake or active the coordinator decides
    "herbeoordeling_buiten": {"aangemeld": "niet_in_doelgroep"},
    "herbeoordeling_binnen": {"niet_in_doelgroep": "aangemeld"},
    "uitstroom": {"aangemeld": "uitgestroomd", "in_intake": "uitgestroomd", "actief": "uitgestroomd",
                  "niet_in_doelgroep": "uitgestroomd"},
}
REFUSED_UNLESS_LISTED = frozenset({"uitstroom"})
# an intake belongs to a referral: a family that has left comes back through a new aanmelding
INTAKE_EVENTS = frozenset({"intake_gepland", "intake_uitkomst"})
EXITED_INTAKE = "Dit gezin is uitgestroomd. Meld het gezin opnieuw aan voor een nieuwe intake."


class TransitionRefused(ValueError):
    """The event is not possible from the family's current status."""


def transition(current: str, event: str, *, outcome: str | None = None) -> str:
    """The family's status after `event`. `intake_uitkomst` takes the intake's outcome,
    `samenvoeging` the status of the other record (the one still in care wins)."""
    if event == "samenvoeging":   # `outcome`: the status of the record merged into this one
        return outcome if current not in IN_CARE and outcome in IN_CARE else current
    if event in INTAKE_EVENTS and current == "uitgestroomd":
        raise TransitionRefused(EXITED_INTAKE)
    if event == "intake_uitkomst":
        if outcome not in OUTCOME_STATUS:
            raise TransitionRefused(f"Onbekende uitkomst van de intake: {outcome!r}.")
        return OUTCOME_STATUS[outcome]
    if event not in TRANSITIONS:
        raise TransitionRefused(f"Onbekende gebeurtenis {event!r}.")
    allowed = TRANSITIONS[event]
    if current in allowed:
        return allowed[current]
    if event in REFUSED_UNLESS_LISTED:
        raise TransitionRefused("Dit gezin is al uitgestroomd." if current == "uitgestroomd"
                                else f"{FAMILY_EVENTS[event]} kan niet bij status {STATUSES.get(current, current)}.")
    return current


def status_at_aanmelding(eligible: bool, overridden: bool) -> str:
    """Where a new family starts: in the target group (or overridden with a reason), or not."""
    return "aangemeld" if eligible or overridden else "niet_in_doelgroep"


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

def consenting_parent_ids(parents) -> frozenset[int]:
    """Whose consent counts where the IGP asks both parents, and who gave it when the form names no
    one: the parents with gezag; while no one's gezag is recorded as 'ja', every parent not recorded
    without gezag (as before gezag was recorded)."""
    with_gezag = frozenset(p.id for p in parents if p.gezag == "ja")
    return with_gezag or frozenset(p.id for p in parents if p.gezag != "nee") or frozenset(p.id for p in parents)


def gezag_problems(parents, given_by: list[int]) -> dict[str, str]:
    """The parents named as having given consent (for the family, and so for the child): a parent
    recorded without gezag cannot give it, and 'both parents' needs each one's gezag recorded."""
    named = [p for p in parents if p.id in set(given_by)]
    for parent in named:
        if parent.gezag == "nee":
            return {"given_by": f"{parent.name} heeft geen gezag en kan geen toestemming geven voor het kind. "
                                "Kies de ouder(s) met gezag."}
    if len(named) > 1:
        for parent in named:
            if parent.gezag not in ("ja", "nee"):
                return {"given_by": f"Toestemming van beide ouders: leg eerst vast of {parent.name} gezag heeft "
                                    "(bij de gegevens van het gezin)."}
    return {}


def index_birth_dates(children) -> tuple[date, ...]:
    """The birth dates of the IGP episode's index children: the age limit and the first-1000-days
    window apply to them, never to a sibling (broer of zus) of any age."""
    return tuple(c.birth_date for c in children if c.birth_date is not None and not c.sibling)


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
    second_line_care: bool = False       # seen at a poli marked as second-line care (tweedelijns zorg)
    protective_factors: frozenset[str] = frozenset()


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


def _care_reason(case: TargetGroupCase, medical: frozenset[str]) -> tuple[bool, str, str]:
    """The second condition of §2: care from the 2nd/3rd line (a medical reason, a high risk of it, or
    being seen at a poli of the hospital that is second-line care itself: the MamaPlusPoli's population
    is target group 1 without a medical code). (met, Dutch reason, code)."""
    if medical:
        return True, "Er is een reden voor zorg uit de tweede of derde lijn.", "medische_reden"
    if case.high_risk:
        return True, "Er is een hoog risico op zorg uit de tweede of derde lijn.", "hoog_risico"
    if case.second_line_care:
        return True, ("Het gezin wordt gezien op een poli van het ziekenhuis: dat is zelf zorg uit de tweede "
                      "lijn."), "tweedelijns_poli"
    return False, "Geen reden of hoog risico voor zorg uit de tweede of derde lijn.", "geen_medische_reden"


def _non_primary_reasons(flags: tuple[str, ...], social: bool) -> tuple[list[str], list[str]]:
    reasons, codes = [], []
    if "fertiliteit" in flags:
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
    return reasons, codes


def check_target_group(case: TargetGroupCase, criteria: Criteria = Criteria()) -> TargetGroupResult:
    """Eligible when there is at least one social vulnerability AND care from the 2nd/3rd line (a
    medical reason, a high risk of one, or a second-line poli) AND the family is within the first
    1000 days.

    The situations the guide calls non-primary are flagged; 'fertility phase only' is not
    eligible at all, the others only without a social need (which the first rule already
    requires). Protective factors are noted and change nothing. The professional may override
    the outcome with a written reason.
    """
    social = case.vulnerabilities & criteria.social_vulnerabilities
    if social:
        reasons, codes = ["Er is sprake van kwetsbare sociale omstandigheden."], ["sociaal_kwetsbaar"]
    else:
        reasons, codes = ["Geen kwetsbare sociale omstandigheden aangegeven."], ["geen_sociale_kwetsbaarheid"]
    care, care_reason, care_code = _care_reason(case, case.medical_reasons & criteria.medical_reasons)
    window, window_reason, window_code = in_first_1000_days(case, criteria)
    reasons += [care_reason, window_reason]
    codes += [care_code, window_code]
    flags = tuple(code for code in NON_PRIMARY if code in case.non_primary)
    eligible = bool(social) and care and window and "fertiliteit" not in flags
    more_reasons, more_codes = _non_primary_reasons(flags, bool(social))
    reasons += more_reasons
    codes += more_codes
    if case.protective_factors:
        reasons.append("Er zijn beschermende factoren vastgelegd; die veranderen de doelgroep niet.")
        codes.append("beschermende_factoren")
    reasons.insert(0, "Valt binnen de doelgroep van de IGP." if eligible else "Valt buiten de doelgroep van de IGP.")
    return TargetGroupResult(eligible, tuple(reasons), flags, tuple(codes))


# ------------------------------------------------------------------ re-assessment (herbeoordeling doelgroep)

ASSESSMENT_TRIGGERS = {
    "herbeoordeling": "Herbeoordeling",
    "correctie": "Correctie van de criteria",
    "geboorte": "Geboorte vastgelegd",
}
REASSESSING_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                               "jeugdverpleegkundige", "sociaal_werker"})
REASSESSING_INVOLVEMENT = frozenset({"coordinator", "substitute", "registering_organisation"})


def may_reassess(roles, involvement) -> bool:
    """The coordinator, the acting substitute, or a care role of the registering organisation
    (not the planner, not a kernteam member alone, not MDO attendance)."""
    return bool(frozenset(roles) & REASSESSING_ROLES) and bool(frozenset(involvement) & REASSESSING_INVOLVEMENT)


def reassessment_event(status: str, eligible: bool, overridden: bool) -> str | None:
    """The state-machine event a re-assessment sends: a family still waiting for its intake
    (aangemeld) leaves when it is no longer eligible (unless a professional override stands); a
    family judged outside comes back when it is eligible now. In intake or active: no event (the
    result is recorded and shown; the coordinator decides)."""
    if status == "aangemeld" and not eligible and not overridden:
        return "herbeoordeling_buiten"
    if status == "niet_in_doelgroep" and eligible:
        return "herbeoordeling_binnen"
    return None


def code_list_problems(field_name: str, label: str, values, active: dict[str, str], known: dict[str, str],
                       kept=()) -> dict[str, str]:
    """Codes given for one list: each must be an active code of this IGP's list; a retired code is
    refused unless the family already had it (`kept`: a correction keeps what was recorded)."""
    for value in values or ():
        if value in active or value in kept:
            continue
        if value in known:
            return {field_name: f"{label}: de code '{value}' ({known[value]}) is vervallen en kan niet meer worden "
                                "gekozen."}
        return {field_name: f"{label}: onbekende code '{value}'. Kies uit: {', '.join(active)}."}
    return {}


# ------------------------------------------------------------------ aanmelding rules relative to today

def parent_problems(parents, today: date, *, at_aanmelding: bool = True) -> dict[str, str]:
    """The rules for parents that need today (birth dates) or look at both (one BSN each)."""
    problems: dict[str, str] = {}
    if at_aanmelding and not parents:
        problems["parents"] = "Vul ten minste één ouder of verzorger in."
    elif len(parents) > 2:
        problems["parents"] = "Hoogstens twee ouders of verzorgers."
    for i, parent in enumerate(parents or []):
        birth = parent.birth_date
        if birth and birth > today:
            problems[f"parents[{i}].birth_date"] = "De geboortedatum van een ouder kan niet in de toekomst liggen."
        elif birth and birth < date(today.year - 80, 1, 1):
            problems[f"parents[{i}].birth_date"] = ("Controleer de geboortedatum van de ouder "
                                                    "(meer dan 80 jaar geleden).")
    bsns = [p.bsn for p in parents or [] if p.bsn]
    if len(bsns) != len(set(bsns)):
        problems.setdefault("parents[1].bsn", "De twee ouders hebben hetzelfde BSN.")
    return problems


def child_problems(children, today: date, age_limit_months: int, *, existing: int = 0,
                   sent: list | None = None) -> dict[str, str]:
    """A birth date in the future, or an index child at or above the age limit. A sibling (broer of
    zus) may be of any age; a correction checks the age only of a child added or re-dated (`existing`
    children were there, `sent` the keys given per child), so a known family's children stay editable."""
    problems: dict[str, str] = {}
    if len(children or []) > 10:
        return {"children": "Hoogstens tien kinderen per gezin."}
    for i, child in enumerate(children or []):
        birth = child.birth_date
        redated = i >= existing or sent is None or (i < len(sent) and "birth_date" in (sent[i] or {}))
        if birth and birth > today:
            problems[f"children[{i}].birth_date"] = "De geboortedatum van een kind kan niet in de toekomst liggen."
        elif birth and redated and not child.sibling and add_months(birth, age_limit_months) <= today:
            problems[f"children[{i}].birth_date"] = (f"Dit kind is {age_limit_months} maanden of ouder: boven de "
                                                     "leeftijdsgrens van de IGP. Is het een broer of zus? Vink dan "
                                                     "'broer of zus' aan.")
    return problems


def due_date_problems(phase: str | None, due: date | None, today: date, *, required: bool = True) -> dict[str, str]:
    if due:
        if due > add_months(today, 10):
            return {"expected_due_date": "De uitgerekende datum ligt meer dan 10 maanden in de toekomst."}
        if required and phase == "prenatal" and (today - due).days > 21:
            return {"expected_due_date": "De uitgerekende datum is al meer dan drie weken voorbij; kies de fase "
                                         "'na de geboorte'."}
    elif required and phase == "prenatal":
        return {"expected_due_date": "Vul de uitgerekende datum in (fase: zwangerschap)."}
    return {}


def referred_at_problem(referred_at, now) -> dict[str, str]:
    if referred_at is None:
        return {}
    if referred_at > now + timedelta(days=1):
        return {"referred_at": "Aangemeld op mag niet meer dan een dag in de toekomst liggen."}
    if referred_at < now - timedelta(days=366):
        return {"referred_at": "Aangemeld op ligt meer dan een jaar in het verleden."}
    return {}


def aanmelding_problems(a, *, now, today: date, age_limit_months: int) -> dict[str, str]:
    """Everything about an aanmelding (the parsed AanmeldingIn) that depends on today, the
    settings or more than one field. Plain values in, Dutch messages per field out."""
    problems: dict[str, str] = {}
    if a.phase is None:
        problems["phase"] = "Fase is verplicht."
    problems.update(referred_at_problem(a.referred_at, now))
    if a.referrer is None or a.referrer.type is None:
        problems["referrer.type"] = "Soort verwijzer is verplicht."
    if a.screening is not None and a.screening.result and not a.screening.instrument:
        problems["screening.instrument"] = "Kies het instrument bij de screeningsuitslag."
    problems.update(parent_problems(a.parents or [], today))
    problems.update(due_date_problems(a.phase, a.expected_due_date, today))
    problems.update(child_problems(a.children or [], today, age_limit_months))
    if a.phase == "postnatal" and not any(not c.sibling for c in a.children or []) and "children" not in problems:
        problems["children"] = ("Vul ten minste één kind met geboortedatum in (fase: na de geboorte); een broer of "
                                "zus telt daarvoor niet.")
    override = a.target_group_override
    if override is not None and override.reason is not None and len(override.reason) < 10:
        problems["target_group_override.reason"] = "Licht de afwijking van de doelgroep toe (minstens 10 tekens)."
    if a.consent is not None:
        if a.consent.preset is None:
            problems["consent.preset"] = "Toestemming (voorkeuze) is verplicht."
        if a.consent.method is None:
            problems["consent.method"] = "Hoe de toestemming is gegeven is verplicht."
    return problems


# ------------------------------------------------------------------ intake

def intake_problems(*, planned_at: datetime | None, held_at: datetime | None, outcome: str | None,
                    anything_given: bool, now: datetime, first_referral: datetime,
                    held_intake_waiting: bool, status: str) -> dict[str, str]:
    """What is wrong with planning or recording an intake at `now` for a family (`status`) referred
    first at `first_referral` (`held_intake_waiting`: a held intake still waits for its outcome)."""
    if status == "uitgestroomd":
        return {"_": EXITED_INTAKE}
    problems: dict[str, str] = {}
    if planned_at and planned_at > now + timedelta(days=366):
        problems["planned_at"] = "Gepland op ligt meer dan een jaar in de toekomst."
    if planned_at and planned_at < first_referral - timedelta(minutes=1):
        problems["planned_at"] = "Gepland op ligt vóór de aanmelding."
    if held_at and held_at > now + timedelta(minutes=5):
        problems["held_at"] = "Gehouden op kan niet in de toekomst liggen."
    if held_at and held_at < first_referral - timedelta(minutes=1):
        problems["held_at"] = "Gehouden op ligt vóór de aanmelding."
    if outcome and not held_at and not held_intake_waiting:
        problems["outcome"] = "Leg de uitkomst vast bij een gehouden intake (vul 'gehouden op' in)."
    if not anything_given:
        problems["_"] = "Vul ten minste één gegeven van de intake in."
    return problems


def missed_term_problems(*, held_day: date, deadline: date | None, missed_reason: str | None,
                         missed_text: str | None) -> dict[str, str]:
    """An intake held after the warme-overdracht term needs a reason and an explanation."""
    if deadline is None or held_day <= deadline:
        return {}
    problems = {}
    if not missed_reason:
        problems["missed_reason"] = "De termijn van de warme overdracht is niet gehaald: kies een reden."
    if not missed_text:
        problems["missed_text"] = "De termijn is niet gehaald: licht de reden toe."
    return problems


# ------------------------------------------------------------------ correcting a family's record

def update_problems(u, *, sent: dict, parents_now: int, children_now: int, today: date,
                    age_limit_months: int) -> dict[str, str]:
    """A correction (the parsed FamilyUpdateIn; `sent`: the keys as sent, since only those change)
    of a family with `parents_now` parents and `children_now` children."""
    problems: dict[str, str] = {}
    if u.parents is not None:
        problems.update(parent_problems(u.parents, today))
        if len(u.parents) < parents_now:
            problems["parents"] = "Een ouder kan niet worden verwijderd; pas de gegevens aan."
        for i, (parent, given) in enumerate(zip(u.parents, sent.get("parents") or [])):
            if not parent.name and (i >= parents_now or "name" in given):
                problems[f"parents[{i}].name"] = ("Naam ouder is verplicht voor een nieuwe ouder." if i >= parents_now
                                                  else "Naam ouder is verplicht.")
    if u.children is not None:
        problems.update(child_problems(u.children, today, age_limit_months, existing=children_now,
                                       sent=[c if isinstance(c, dict) else {} for c in sent.get("children") or []]))
        if len(u.children) < children_now:
            problems["children"] = "Een kind kan niet worden verwijderd; pas de gegevens aan."
        for i, (child, given) in enumerate(zip(u.children, sent.get("children") or [])):
            if child.birth_date is None and (i >= children_now or "birth_date" in given):
                problems[f"children[{i}].birth_date"] = "Geboortedatum kind is verplicht."
    if "expected_due_date" in sent:
        problems.update(due_date_problems(u.phase, u.expected_due_date, today, required=False))
    return problems


# ------------------------------------------------------------------ the family's course: birth, next pregnancy

BIRTH_GESTATION_WEEKS = (22, 44)
BIRTH_WEIGHT_GRAMS = (300, 6000)
PRETERM_WEEKS = 37                 # born before 37 weeks: corrected age (gecorrigeerde leeftijd)
CORRECTED_AGE_MONTHS = 24          # ... shown until the second (calendar) birthday
BIRTH_OVERDUE_DAYS = 14            # the due date this long past without a recorded birth: a signal
TERM_DAYS = 280                    # 40 weeks
EARLIEST_BIRTH_BEFORE_DUE = timedelta(days=TERM_DAYS - BIRTH_GESTATION_WEEKS[0] * 7)
TWIN_SPREAD_DAYS = 2
POLI_MOVE_REASONS = {"geboorte": "Geboorte", "anders": "Andere reden"}
PREGNANCY_OUTCOMES = {"lopend": "Lopende zwangerschap", "geboren": "Kind(eren) geboren"}


# ------------------------------------------------------------------ forgiving search (blind indexes)

SEARCH_PREFIX_MIN, SEARCH_PREFIX_MAX = 3, 12
SEARCH_LIMIT = 25
PSEUDONYM_QUERY = re.compile(r"^(GZ-?)?([" + PSEUDONYM_ALPHABET + r"]{3,5})$")


def normalise_name(text: str) -> str:
    """Lower case, accents removed: 'José' -> 'jose' (as igp.crypto.normalise_text does)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_words(text: str | None) -> list[str]:
    """The words of a name as the index and the query see them: lower case, accents gone, split at
    spaces, hyphens and apostrophes ("Jansen-de Vries" -> jansen, de, vries)."""
    return [w for w in re.split(r"[\s\-'’.,]+", normalise_name(text or "")) if w]


def index_terms(names) -> set[str]:
    """What the index holds for these names: each word ("w:") and its prefixes ("p:")."""
    terms = set()
    for name in names:
        for word in search_words(name):
            terms.add("w:" + word)
            for n in range(SEARCH_PREFIX_MIN, min(len(word), SEARCH_PREFIX_MAX) + 1):
                terms.add("p:" + word[:n])
    return terms


def query_words(q: str) -> list[str]:
    """The words of a query that can be looked up (at least SEARCH_PREFIX_MIN characters)."""
    return [w for w in search_words(q) if len(w) >= SEARCH_PREFIX_MIN]


def pseudonym_prefix(q: str) -> str | None:
    """"cevpr", "GZ-CEV", "gzcev" -> "GZ-CEV..." as a prefix of pseudonyms; None for other text."""
    match = PSEUDONYM_QUERY.match(q.strip().upper().replace(" ", ""))
    return "GZ-" + match.group(2) if match else None


def rank_matches(hits: dict[int, set[str]], words: list[str]) -> list[int]:
    """Families whose names hold every query word (as a word or a prefix), the most whole-word
    matches first, then the newest; `hits`: family id -> the terms that matched."""
    wanted = [("w:" + w, "p:" + w[:SEARCH_PREFIX_MAX]) for w in words]
    scored = []
    for family_id, terms in hits.items():
        if all(whole in terms or prefix in terms for whole, prefix in wanted):
            scored.append((-sum(whole in terms for whole, _ in wanted), -family_id))
    return [-family for _, family in sorted(scored)]


# what monitoring counts of a birth (§7.2 "uitkomsten"): classes, never the values themselves
ADMISSIONS = {"geen": "Geen opname", "neonatologie": "Opname neonatologie (high care, couveuse)",
              "nicu": "Opname NICU (intensive care)"}
GESTATION_CLASSES = {"zeer_vroeg": "Zeer vroeg geboren (< 32 weken)", "vroeg": "Vroeg geboren (32 t/m 36 weken)",
                     "op_tijd": "Op tijd geboren (37 weken of meer)", "onbekend": "Zwangerschapsduur onbekend"}
WEIGHT_CLASSES = {"zeer_laag": "Zeer laag geboortegewicht (< 1500 g)", "laag": "Laag geboortegewicht (1500-2499 g)",
                  "normaal": "Geboortegewicht 2500 g of meer", "onbekend": "Geboortegewicht onbekend"}
ADMISSION_CLASSES = {**ADMISSIONS, "onbekend": "Opname niet vastgelegd"}
VERY_PRETERM_WEEKS = 32
LOW_WEIGHT_GRAMS, VERY_LOW_WEIGHT_GRAMS = 2500, 1500


def birth_outcome_classes(weeks: int | None, grams: int | None, admission: str | None) -> tuple[str, str, str]:
    """(gestation class, weight class, admission class) of one birth."""
    if weeks is None:
        gestation = "onbekend"
    else:
        gestation = "zeer_vroeg" if weeks < VERY_PRETERM_WEEKS else "vroeg" if weeks < PRETERM_WEEKS else "op_tijd"
    if grams is None:
        weight = "onbekend"
    else:
        weight = "zeer_laag" if grams < VERY_LOW_WEIGHT_GRAMS else "laag" if grams < LOW_WEIGHT_GRAMS else "normaal"
    return gestation, weight, admission if admission in ADMISSIONS else "onbekend"


def birth_problems(children, *, today: date, due: date | None, prenatal_since: date | None) -> dict[str, str]:
    """A birth as recorded (`children`: the parsed BirthChildIn list) of a family whose open pregnancy
    has due date `due` and that was registered during that pregnancy on `prenatal_since`."""
    if not children:
        return {"children": "Vul ten minste één geboren kind in."}
    problems: dict[str, str] = {}
    for i, child in enumerate(children):
        birth = child.birth_date
        if birth is None:
            continue
        if birth > today:
            problems[f"children[{i}].birth_date"] = "De geboortedatum kan niet in de toekomst liggen."
        elif due is not None and birth < due - EARLIEST_BIRTH_BEFORE_DUE:
            problems[f"children[{i}].birth_date"] = (
                f"De geboortedatum ligt meer dan {TERM_DAYS // 7 - BIRTH_GESTATION_WEEKS[0]} weken vóór de "
                f"uitgerekende datum ({due.strftime('%d-%m-%Y')}): zo vroeg kan deze zwangerschap niet geëindigd zijn.")
        elif prenatal_since is not None and birth < prenatal_since:
            problems[f"children[{i}].birth_date"] = (
                f"De geboortedatum ligt vóór de aanmelding tijdens de zwangerschap ({prenatal_since.strftime('%d-%m-%Y')}).")
    births = [c.birth_date for c in children if c.birth_date is not None]
    if births and (max(births) - min(births)).days > TWIN_SPREAD_DAYS and "children[1].birth_date" not in problems:
        problems["children[1].birth_date"] = "Kinderen van één bevalling zijn binnen twee dagen na elkaar geboren."
    return problems


def pregnancy_problems(due: date | None, *, today: date, open_due: date | None, youngest_birth: date | None) -> dict:
    """A next pregnancy: one open pregnancy at a time, a due date within ten months, and after the
    last birth."""
    if due is None:
        return {"expected_due_date": "Vul de uitgerekende datum in."}
    if open_due is not None:
        return {"expected_due_date": (f"Er loopt al een zwangerschap (uitgerekend {open_due.strftime('%d-%m-%Y')}); "
                                      "leg eerst de geboorte vast of corrigeer de uitgerekende datum.")}
    if due > add_months(today, 10):
        return {"expected_due_date": "De uitgerekende datum ligt meer dan 10 maanden in de toekomst."}
    if due < today - timedelta(days=BIRTH_OVERDUE_DAYS):
        return {"expected_due_date": "De uitgerekende datum is al voorbij; leg dan de geboorte vast."}
    if youngest_birth is not None and due < youngest_birth + timedelta(days=BIRTH_GESTATION_WEEKS[0] * 7):
        return {"expected_due_date": "De uitgerekende datum ligt te kort na de laatste geboorte."}
    return {}


def birth_overdue(due: date | None, today: date) -> bool:
    """The signal geboorte_niet_vastgelegd: the due date more than two weeks past, no birth recorded."""
    return due is not None and (today - due).days > BIRTH_OVERDUE_DAYS


def age_text(born: date, today: date) -> str:
    """An age in the words of the consultatiebureau: days, weeks, months, then years."""
    days = (today - born).days
    if days < 0:
        return "nog niet geboren"
    if days < 14:
        return f"{days} dag{'en' if days != 1 else ''}"
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 2:
        return f"{days // 7} weken"
    if months < 24:
        return f"{months} maanden"
    return f"{months // 12} jaar"


def corrected_age(born: date | None, weeks: int | None, days: int | None, today: date) -> str | None:
    """The corrected age (gecorrigeerde leeftijd) of a child born before 37 weeks, until its second
    birthday: the age counted from the due date (40 weeks). None when it does not apply."""
    if born is None or weeks is None or weeks >= PRETERM_WEEKS or today >= add_months(born, CORRECTED_AGE_MONTHS):
        return None
    term = born + timedelta(days=TERM_DAYS - (weeks * 7 + (days or 0)))
    if today < term:
        return f"nog {-(-(term - today).days // 7)} weken tot de uitgerekende datum"
    return age_text(term, today)
