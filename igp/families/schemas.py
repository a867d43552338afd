"""The input of the family commands (aanmelding, corrections, intake, notes, search), one model
each, shared by the forms and the API (igp.validation). What depends on today, a setting or the
database is checked afterwards by the rules and the services."""
import re
from typing import Any, ClassVar

from pydantic import Field, field_validator

from consent import CATEGORIES, CONSENT_METHODS, PRESETS
from igp.crypto import normalise_bsn
from igp.families import rules
from igp.handover.rules import MISSED_REASONS, OUTWARD_TARGETS
from igp.validation import Bool, Code, Codes, CodeShapes, Date, DateTime, Id, Ids, Input, Integer, Text

PHONE_RE = re.compile(r"^[0-9+()\-\s]{6,20}$")
POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}\s?[A-Za-z]{2}$")
MAX_TEXT = 4000


class ParentPatchIn(Input):
    """A parent as corrected: only the fields sent change."""

    name: Text(200) = Field(None, title="Naam ouder")
    birth_date: Date = Field(None, title="Geboortedatum ouder")
    bsn: Text(20) = Field(None, title="BSN")
    phone: Text(30) = Field(None, title="Telefoon")
    address: Text(300) = Field(None, title="Adres")
    postcode: Text(10) = Field(None, title="Postcode")
    city: Text(100) = Field(None, title="Woonplaats")
    preferred_language: Text(60) = Field(None, title="Voorkeurstaal")
    interpreter_needed: Bool = Field(False, title="Tolk nodig")
    relationship_type: Code(rules.PARENT_RELATIONSHIPS) = Field(None, title="Relatie tot het kind")
    gezag: Code(rules.GEZAG) = Field(None, title="Gezag")
    contact_secret: Bool = Field(False, title="Geheim adres")

    @field_validator("bsn")
    @classmethod
    def _bsn(cls, value):
        if value is None:
            return None
        if not rules.bsn_is_valid(value):
            raise ValueError("Dit BSN is ongeldig: het voldoet niet aan de elfproef. Controleer de cijfers.")
        return normalise_bsn(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value):
        if value is not None and not PHONE_RE.match(value):
            raise ValueError("Telefoon: alleen cijfers, spaties, +, - en haakjes (6 tot 20 tekens).")
        return value

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value):
        if value is None:
            return None
        if not POSTCODE_RE.match(value):
            raise ValueError("Postcode: vier cijfers en twee letters, bijvoorbeeld 1234 AB.")
        compact = value.replace(" ", "").upper()
        return f"{compact[:4]} {compact[4:]}"


class ParentIn(ParentPatchIn):
    """A parent at the aanmelding: the name is required."""

    name: Text(200) = Field(None, title="Naam ouder", validate_default=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if value is None:
            raise ValueError("Naam ouder is verplicht.")
        return value


class ChildIn(Input):
    name: Text(200) = Field(None, title="Naam kind")
    birth_date: Date = Field(None, title="Geboortedatum kind", validate_default=True)
    gestational_age_weeks: Integer(20, 44) = Field(None, title="Zwangerschapsduur (weken)")
    gestational_age_days: Integer(0, 6) = Field(None, title="Zwangerschapsduur (dagen)")
    birth_weight_grams: Integer(300, 6500) = Field(None, title="Geboortegewicht (gram)")
    admission: Code(rules.ADMISSIONS) = Field(None, title="Opname na de geboorte")
    sibling: Bool = Field(False, title="Broer of zus")

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value):
        if value is None:
            raise ValueError("Geboortedatum kind is verplicht.")
        return value


class ChildPatchIn(ChildIn):
    birth_date: Date = Field(None, title="Geboortedatum kind")

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value):
        return value


class ReferrerIn(Input):
    type: Code(rules.REFERRER_TYPES) = Field(None, title="Soort verwijzer")
    name: Text(200) = Field(None, title="Naam verwijzer")
    organisation: Text(200) = Field(None, title="Organisatie verwijzer")
    contact: Text(200) = Field(None, title="Contactgegevens verwijzer")


class ScreeningIn(Input):
    instrument: Code(rules.SCREENING_INSTRUMENTS) = Field(None, title="Signaleringsinstrument")
    result: Text(MAX_TEXT) = Field(None, title="Screeningsuitslag")


class OverrideIn(Input):
    reason: Text(2000) = Field(None, title="Reden afwijking doelgroep")


class ConsentChoiceIn(Input):
    preset: Code([p.code for p in PRESETS]) = Field(None, title="Toestemming (voorkeuze)")
    method: Code(CONSENT_METHODS) = Field(None, title="Hoe de toestemming is gegeven")
    given_at: DateTime = Field(None, title="Gegeven op")
    form_version: Text(40) = Field(None, title="Versie formulier")


def _object(value: Any, label: str) -> Any:
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{label}: geef een object.")
    return value


class AanmeldingIn(Input):
    """POST /api/v1/families and the aanmelding form."""

    poli: Text(30) = Field(None, title="Poli")
    phase: Code(rules.PHASES) = Field(None, title="Fase")
    referred_at: DateTime = Field(None, title="Aangemeld op")
    referrer: ReferrerIn | None = Field(None, title="Verwijzer")
    reason: Text(MAX_TEXT) = Field(None, title="Reden van aanmelding")
    # the code lists are kept per IGP (igp.families.codes): the service checks the codes against them
    vulnerabilities: CodeShapes() = Field(default_factory=list, title="Kwetsbaarheden")
    vulnerability_note: Text(MAX_TEXT) = Field(None, title="Toelichting")
    medical_reasons: CodeShapes() = Field(default_factory=list, title="Medische redenen")
    protective_factors: CodeShapes() = Field(default_factory=list, title="Beschermende factoren")
    high_risk: Bool = Field(False, title="Hoog risico")
    non_primary: Codes(rules.NON_PRIMARY) = Field(default_factory=list, title="Niet-primaire situatie")
    screening: ScreeningIn | None = Field(None, title="Screening")
    parents: list[ParentIn] | None = Field(None, title="Ouders")
    expected_due_date: Date = Field(None, title="Uitgerekende datum")
    children: list[ChildIn] | None = Field(None, title="Kinderen")
    support_question: Text(1000) = Field(None, title="Hulpvraag voor informele steun")
    # the local team (igp.admin LocalTeam): codes of this IGP's list, checked by the service
    gemeente: Text(40) = Field(None, title="Gemeente")
    wijk: Text(40) = Field(None, title="Wijk")
    target_group_override: OverrideIn | None = Field(None, title="Afwijking doelgroep")
    link_to_family_id: Id = Field(None, title="Koppelen")
    confirm_new: Bool = Field(False, title="Toch een nieuw gezin")
    consent: ConsentChoiceIn | None = Field(None, title="Toestemming")

    @field_validator("referrer", mode="before")
    @classmethod
    def _referrer(cls, value):
        return _object(value, "Verwijzer") or {}

    @field_validator("screening", mode="before")
    @classmethod
    def _screening(cls, value):
        return _object(value, "Screening")

    @field_validator("consent", mode="before")
    @classmethod
    def _consent(cls, value):
        return _object(value, "Toestemming")

    @field_validator("target_group_override", mode="before")
    @classmethod
    def _override(cls, value):
        if isinstance(value, str):   # a form sends the reason itself
            return {"reason": value} if value.strip() else None
        return _object(value, "Reden afwijking doelgroep")

    @field_validator("parents", "children", mode="before")
    @classmethod
    def _lists(cls, value, info):
        if value in (None, ""):
            return None
        if not isinstance(value, list):
            raise ValueError("Geef een lijst." if info.field_name == "parents" else "Kinderen: geef een lijst.")
        return value


class FamilyUpdateIn(Input):
    """PATCH /api/v1/families/{id}: only the fields sent change."""

    required = ("version",)
    required_messages: ClassVar[dict[str, str]] = {"version": "Geef de versie mee die u zag (version)."}

    version: Id = Field(None, title="Versie")
    parents: list[ParentPatchIn] | None = Field(None, title="Ouders")
    children: list[ChildPatchIn] | None = Field(None, title="Kinderen")
    phase: Code(rules.PHASES) = Field(None, title="Fase")
    expected_due_date: Date = Field(None, title="Uitgerekende datum")
    support_question: Text(1000) = Field(None, title="Hulpvraag voor informele steun")



class IntakeIn(Input):
    """POST /api/v1/families/{id}/intake and the intake form."""

    type: Code(rules.INTAKE_TYPES) = Field(None, title="Soort intake")
    location: Code(rules.INTAKE_LOCATIONS) = Field(None, title="Locatie")
    planned_at: DateTime = Field(None, title="Gepland op")
    held_at: DateTime = Field(None, title="Gehouden op")
    participants: Ids = Field(default_factory=list, title="Deelnemers")
    report: Text(20000) = Field(None, title="Verslag")
    outcome: Code(rules.INTAKE_OUTCOMES) = Field(None, title="Uitkomst")
    plan: Text(20000) = Field(None, title="Plan")
    missed_reason: Code(MISSED_REASONS) = Field(None, title="Reden termijn niet gehaald")
    missed_text: Text(2000) = Field(None, title="Toelichting termijn")
    # outcome doorverwezen (and, when there is one, geen hulp gewenst / niet in doelgroep): to whom
    exit_target: Code(OUTWARD_TARGETS) = Field(None, title="Doorverwezen naar")
    exit_target_name: Text(200) = Field(None, title="Naam ontvanger")


UNNOTED_CATEGORIES = ("naw", "mdo_notulen")   # held in their own fields, never as a note


class NoteIn(Input):
    """POST /api/v1/families/{id}/notes and the note form: a note in one data category."""

    required = ("category", "text")
    required_messages: ClassVar[dict[str, str]] = {"category": "Kies een geldige categorie voor de aantekening.",
                                                   "text": "Schrijf de aantekening."}

    category: Text(40) = Field(None, title="Categorie")
    text: Text(10000) = Field(None, title="Aantekening")
    emergency: Bool = Field(False, title="Noodnotitie")

    @field_validator("category")
    @classmethod
    def _category(cls, value):
        if value is not None and (value not in CATEGORIES or value in UNNOTED_CATEGORIES):
            raise ValueError("Kies een geldige categorie voor de aantekening.")
        return value


class SearchIn(Input):
    """POST /api/v1/families/search: {"q"} (forgiving: name, start of a name, child's name, start of
    a pseudonym, BSN), {"bsn"}, {"name", "birth_date"} or {"pseudonym"}."""

    q: Text(200) = Field(None, title="Zoekterm")
    pseudonym: Text(20) = Field(None, title="Pseudoniem")
    bsn: Text(20) = Field(None, title="BSN")
    name: Text(200) = Field(None, title="Naam")
    birth_date: Date = Field(None, title="Geboortedatum")


class OverrideReasonIn(Input):
    reason: Text(2000) = Field(None, title="Reden")


class BirthChildIn(Input):
    """One child born (an index child of the IGP episode)."""

    name: Text(200) = Field(None, title="Naam kind")
    birth_date: Date = Field(None, title="Geboortedatum kind", validate_default=True)
    gestational_age_weeks: Integer(*rules.BIRTH_GESTATION_WEEKS) = Field(None, title="Zwangerschapsduur (weken)",
                                                                          validate_default=True)
    gestational_age_days: Integer(0, 6) = Field(None, title="Zwangerschapsduur (dagen)")
    birth_weight_grams: Integer(*rules.BIRTH_WEIGHT_GRAMS) = Field(None, title="Geboortegewicht (gram)")
    admission: Code(rules.ADMISSIONS) = Field(None, title="Opname na de geboorte")

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value):
        if value is None:
            raise ValueError("Geboortedatum kind is verplicht.")
        return value

    @field_validator("gestational_age_weeks")
    @classmethod
    def _weeks(cls, value):
        if value is None:
            raise ValueError("Zwangerschapsduur (weken) is verplicht: nodig voor de gecorrigeerde leeftijd.")
        return value


class BirthIn(Input):
    """POST /api/v1/families/{id}/births and the form "Geboorte vastleggen": the children born, and
    optionally the poli the family moves to (from the POP-poli to a postnatal poli)."""

    required = ("version", "children")
    required_messages: ClassVar[dict[str, str]] = {"version": "Geef de versie mee die u zag (version).",
                                                   "children": "Vul ten minste één geboren kind in."}

    version: Id = Field(None, title="Versie")
    children: list[BirthChildIn] | None = Field(None, title="Kinderen")
    poli: Text(30) = Field(None, title="Poli na de geboorte")

    @field_validator("children", mode="before")
    @classmethod
    def _children(cls, value):
        if value in (None, "", []):
            return None
        if not isinstance(value, list):
            raise ValueError("Kinderen: geef een lijst.")
        if len(value) > 4:
            raise ValueError("Hoogstens vier kinderen per bevalling.")
        return value


class PregnancyIn(Input):
    """POST /api/v1/families/{id}/pregnancies: a next pregnancy with its own due date."""

    required = ("version", "expected_due_date")
    required_messages: ClassVar[dict[str, str]] = {"version": "Geef de versie mee die u zag (version).",
                                                   "expected_due_date": "Vul de uitgerekende datum in."}

    version: Id = Field(None, title="Versie")
    expected_due_date: Date = Field(None, title="Uitgerekende datum")
class TargetAssessmentIn(Input):
    """POST /api/v1/families/{id}/target-group/assessments and the page "Doelgroep herbeoordelen": why,
    and optionally the corrected criteria (only the fields sent change; the codes are checked against
    this IGP's lists by the service)."""

    required = ("reason",)
    required_messages: ClassVar[dict[str, str]] = {
        "reason": "Geef de reden van de herbeoordeling (minstens 10 tekens)."}

    reason: Text(2000) = Field(None, title="Reden van de herbeoordeling")
    trigger: Code({k: v for k, v in rules.ASSESSMENT_TRIGGERS.items() if k != "geboorte"}) = Field(
        None, title="Aanleiding")
    vulnerabilities: CodeShapes() = Field(None, title="Kwetsbaarheden")
    medical_reasons: CodeShapes() = Field(None, title="Medische redenen")
    protective_factors: CodeShapes() = Field(None, title="Beschermende factoren")
    high_risk: Bool = Field(None, title="Hoog risico")
    non_primary: Codes(rules.NON_PRIMARY) = Field(None, title="Niet-primaire situatie")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value):
        if value is not None and len(value) < 10:
            raise ValueError("Geef de reden van de herbeoordeling (minstens 10 tekens).")
        return value


class CodeLabelIn(Input):
    """A code of a target-group list and its Dutch label (the beheerder's code-list page)."""

    required = ("label",)
    required_messages: ClassVar[dict[str, str]] = {"label": "Vul de omschrijving (label) in."}

    code: Text(40) = Field(None, title="Code")
    label: Text(200) = Field(None, title="Omschrijving")
