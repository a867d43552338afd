"""Forms of the family pages. Validation happens in the services (one set of rules for the
form and the API); the forms render fields, keep entered values and carry the CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField
from wtforms.validators import Optional

from consent import CATEGORY_LABELS, CONSENT_METHOD_LABELS, PRESETS
from igp import forms_util
from igp.families import rules
from igp.forms_util import DateTimeLocalField, SelectField, StringField, TextAreaField, options
from igp.handover.rules import OUTWARD_TARGETS

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


class MultiCheckboxField(forms_util.MultiCheckboxField):
    def pre_validate(self, form):  # the service checks the codes and names the field
        pass


def _date(label, **kw):
    return DateField(label, format=DATE_FORMATS, validators=[Optional()], **kw)


class AanmeldingForm(FlaskForm):
    poli = SelectField("Poli")
    phase = RadioField("Fase", choices=options(list(rules.PHASES.items())), default="prenatal")
    referred_at = DateTimeLocalField("Aangemeld op", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[Optional()], description="Datum en tijd van de aanmelding.")
    referrer_type = SelectField("Soort verwijzer", choices=options([("", "Kies...")] + list(rules.REFERRER_TYPES.items())))
    referrer_name = StringField("Naam verwijzer")
    referrer_organisation = StringField("Organisatie verwijzer")
    referrer_contact = StringField("Telefoon of e-mail verwijzer (voor de terugkoppeling)")
    reason = TextAreaField("Reden van aanmelding")

    vulnerabilities = MultiCheckboxField("Kwetsbare sociale omstandigheden", choices=options(list(rules.VULNERABILITIES.items())))
    vulnerability_note = TextAreaField("Toelichting omstandigheden")
    medical_reasons = MultiCheckboxField("Reden voor zorg uit de 2e/3e lijn", choices=options(list(rules.MEDICAL_REASONS.items())))
    protective_factors = MultiCheckboxField("Beschermende factoren",
                                            choices=options(list(rules.PROTECTIVE_FACTORS.items())),
                                            description="Worden vastgelegd en getoond; ze veranderen de doelgroep niet.")
    high_risk = BooleanField("Hoog risico op zorg uit de 2e/3e lijn")
    non_primary = MultiCheckboxField("Situaties die de handreiking niet-primair noemt",
                                     choices=options(list(rules.NON_PRIMARY.items())))
    screening_instrument = SelectField("Signaleringsinstrument",
                                       choices=options([("", "Geen")] + list(rules.SCREENING_INSTRUMENTS.items())))
    screening_result = TextAreaField("Uitslag of samenvatting")

    parent1_name = StringField("Naam")
    parent1_birth_date = _date("Geboortedatum")
    parent1_bsn = StringField("BSN", description="Optioneel. Wordt gecontroleerd met de elfproef.")
    parent1_phone = StringField("Telefoon")
    parent1_address = StringField("Straat en huisnummer")
    parent1_postcode = StringField("Postcode")
    parent1_city = StringField("Woonplaats")
    parent1_language = StringField("Voorkeurstaal")
    parent1_interpreter = BooleanField("Tolk nodig")
    parent1_relationship = SelectField("Relatie tot het kind", choices=options(
        [("", "Niet vastgelegd")] + list(rules.PARENT_RELATIONSHIPS.items())), default="moeder", validate_choice=False)
    parent1_gezag = SelectField("Gezag", choices=options([("", "Niet vastgelegd")] + list(rules.GEZAG.items())),
                                default="", validate_choice=False)
    parent1_secret = BooleanField("Geheim adres", description="Adres en telefoon worden nooit getoond aan de andere "
                                                            "ouder; elke pagina met het adres laat dit zien.")
    parent2_name = StringField("Naam")
    parent2_birth_date = _date("Geboortedatum")
    parent2_bsn = StringField("BSN")
    parent2_phone = StringField("Telefoon")
    parent2_address = StringField("Straat en huisnummer")
    parent2_postcode = StringField("Postcode")
    parent2_city = StringField("Woonplaats")
    parent2_language = StringField("Voorkeurstaal")
    parent2_interpreter = BooleanField("Tolk nodig")
    parent2_relationship = SelectField("Relatie tot het kind", choices=options(
        [("", "Niet vastgelegd")] + list(rules.PARENT_RELATIONSHIPS.items())), default="", validate_choice=False)
    parent2_gezag = SelectField("Gezag", choices=options([("", "Niet vastgelegd")] + list(rules.GEZAG.items())),
                                default="", validate_choice=False)
    parent2_secret = BooleanField("Geheim adres", description="Adres en telefoon worden nooit getoond aan de andere "
                                                            "ouder; elke pagina met het adres laat dit zien.")

    expected_due_date = _date("Uitgerekende datum")
    child1_name = StringField("Naam")
    child1_birth_date = _date("Geboortedatum")
    child1_ga_weeks = IntegerField("Zwangerschapsduur bij geboorte (weken)", validators=[Optional()])
    child1_ga_days = IntegerField("en dagen", validators=[Optional()])
    child1_weight = IntegerField("Geboortegewicht (gram)", validators=[Optional()])
    child2_name = StringField("Naam")
    child2_birth_date = _date("Geboortedatum")
    child2_ga_weeks = IntegerField("Zwangerschapsduur bij geboorte (weken)", validators=[Optional()])
    child2_ga_days = IntegerField("en dagen", validators=[Optional()])
    child2_weight = IntegerField("Geboortegewicht (gram)", validators=[Optional()])
    child2_sibling = BooleanField("Dit is een broer of zus (geen leeftijdsgrens)",
                                  description="Bijvoorbeeld een ouder broertje of zusje; de leeftijdsgrens van de IGP "
                                              "geldt alleen voor de kinderen om wie het gezin wordt aangemeld.")

    support_question = TextAreaField("Hulpvraag voor informele steun",
                                     description="Alleen wat de vrijwilliger nodig heeft, bijvoorbeeld 'hulp bij post'.")
    gemeente = SelectField("Gemeente", choices=options([("", "Onbekend")]), validate_choice=False)
    wijk = SelectField("Wijk", choices=options([("", "Onbekend")]), validate_choice=False,
                       description="Met de gemeente en wijk toont het dossier het lokale team en de vaste contactpersoon.")
    override_reason = TextAreaField("Toch aanmelden: reden (als het gezin buiten de doelgroep valt)",
                                    description="De professional beslist; leg vast waarom.")

    consent_preset = SelectField("Toestemming van de ouders", choices=options(
        [("", "Nu geen toestemming vastleggen")] + [(p.code, p.label) for p in PRESETS]))
    consent_method = SelectField("Hoe gegeven", choices=options(list(CONSENT_METHOD_LABELS.items())),
                                 default="mondeling_vastgelegd")
    consent_form_version = StringField("Versie toestemmingsformulier", default="IGP-2026-1")

    link_to_family_id = HiddenField()
    confirm_new = BooleanField("Dit is een ander gezin: toch een nieuw gezin registreren")

    PARENT_FIELDS = {"name": "name", "birth_date": "birth_date", "bsn": "bsn", "phone": "phone",
                     "address": "address", "postcode": "postcode", "city": "city",
                     "preferred_language": "language", "interpreter_needed": "interpreter",
                     "relationship_type": "relationship", "gezag": "gezag", "contact_secret": "secret"}
    CHILD_FIELDS = {"name": "name", "birth_date": "birth_date", "gestational_age_weeks": "ga_weeks",
                    "gestational_age_days": "ga_days", "birth_weight_grams": "weight"}

    def to_data(self) -> dict:
        """The form as the API's JSON shape."""

        def iso(value):
            return value.isoformat() if value else None

        parents = []
        for n in (1, 2):
            values = {key: getattr(self, f"parent{n}_{suffix}").data for key, suffix in self.PARENT_FIELDS.items()}
            values["birth_date"] = iso(values["birth_date"])
            values.update(relationship_type=values["relationship_type"] or None, gezag=values["gezag"] or None)
            if n == 1 or any(v for k, v in values.items()
                             if k not in ("interpreter_needed", "contact_secret", "relationship_type")):
                parents.append(values)
        children = []
        for n in (1, 2):
            values = {key: getattr(self, f"child{n}_{suffix}").data for key, suffix in self.CHILD_FIELDS.items()}
            values["birth_date"] = iso(values["birth_date"])
            if any(v not in (None, "") for v in values.values()):
                children.append(dict(values, sibling=n == 2 and bool(self.child2_sibling.data)))
        return {
            "poli": self.poli.data, "phase": self.phase.data,
            "referred_at": self.referred_at.data.isoformat() if self.referred_at.data else None,
            "referrer": {"type": self.referrer_type.data, "name": self.referrer_name.data,
                         "organisation": self.referrer_organisation.data, "contact": self.referrer_contact.data},
            "reason": self.reason.data, "vulnerabilities": self.vulnerabilities.data or [],
            "vulnerability_note": self.vulnerability_note.data, "medical_reasons": self.medical_reasons.data or [],
            "high_risk": bool(self.high_risk.data), "non_primary": self.non_primary.data or [],
            "protective_factors": self.protective_factors.data or [],
            "screening": {"instrument": self.screening_instrument.data, "result": self.screening_result.data},
            "parents": parents, "expected_due_date": iso(self.expected_due_date.data), "children": children,
            "support_question": self.support_question.data,
            "gemeente": self.gemeente.data or None, "wijk": self.wijk.data or None,
            "target_group_override": {"reason": self.override_reason.data} if self.override_reason.data else None,
            "link_to_family_id": self.link_to_family_id.data or None, "confirm_new": bool(self.confirm_new.data),
        }

    def field_for(self, path: str):
        """The form field that shows a service error named by its API path."""
        import re

        match = re.match(r"parents\[(\d)\]\.?(\w+)?", path)
        if match:
            n, key = int(match.group(1)) + 1, match.group(2) or "name"
            return getattr(self, f"parent{n}_{self.PARENT_FIELDS.get(key, 'name')}", None)
        match = re.match(r"children\[(\d)\]\.?(\w+)?", path)
        if match:
            n, key = int(match.group(1)) + 1, match.group(2) or "birth_date"
            return getattr(self, f"child{n}_{self.CHILD_FIELDS.get(key, 'birth_date')}", None)
        if path == "parents":
            return self.parent1_name
        if path == "children":
            return self.child1_birth_date
        simple = {"referrer.type": "referrer_type", "referrer.name": "referrer_name",
                  "referrer.organisation": "referrer_organisation", "referrer.contact": "referrer_contact",
                  "screening.instrument": "screening_instrument", "screening.result": "screening_result",
                  "target_group_override.reason": "override_reason", "target_group_override": "override_reason"}
        return getattr(self, simple.get(path, path), None)


class TargetAssessmentForm(FlaskForm):
    """Doelgroep herbeoordelen: the criteria as they are now, to correct, and the reason."""

    reason = TextAreaField("Reden van de herbeoordeling", description="Minstens 10 tekens: wat is er veranderd?")
    vulnerabilities = MultiCheckboxField("Kwetsbare sociale omstandigheden")
    protective_factors = MultiCheckboxField("Beschermende factoren",
                                            description="Worden vastgelegd en getoond; ze veranderen de doelgroep niet.")
    non_primary = MultiCheckboxField("Situaties die de handreiking niet-primair noemt",
                                     choices=options(list(rules.NON_PRIMARY.items())))
    medical_reasons = MultiCheckboxField("Reden voor zorg uit de 2e/3e lijn")
    high_risk = BooleanField("Hoog risico op zorg uit de 2e/3e lijn")

    def fill(self, values: dict) -> None:
        for name, value in values.items():
            getattr(self, name).data = value

    def to_data(self, shown: dict) -> dict:
        """The criteria on the page (only those the user may see were shown, so only those are sent)."""
        data = {"reason": self.reason.data}
        for name in shown:
            value = getattr(self, name).data
            data[name] = bool(value) if name == "high_risk" else list(value or [])
        return data


class IntakeForm(FlaskForm):
    # the codes are checked by the service (IntakeIn), which names a wrong one in Dutch
    type = SelectField("Soort intake", choices=options([("", "Kies...")] + list(rules.INTAKE_TYPES.items())),
                       validate_choice=False)
    location = SelectField("Locatie", choices=options([("", "Kies...")] + list(rules.INTAKE_LOCATIONS.items())),
                           validate_choice=False)
    planned_at = DateTimeLocalField("Gepland op", format=["%Y-%m-%dT%H:%M"], validators=[Optional()])
    held_at = DateTimeLocalField("Gehouden op", format=["%Y-%m-%dT%H:%M"], validators=[Optional()])
    participants = MultiCheckboxField("Deelnemers", coerce=int)
    report = TextAreaField("Verslag")
    outcome = SelectField("Uitkomst", choices=options([("", "Nog niet bekend")] + list(rules.INTAKE_OUTCOMES.items())),
                          validate_choice=False)
    plan = TextAreaField("Plan bij de intake (het gezinsplan staat op een eigen pagina)")
    missed_reason = SelectField("Reden termijn niet gehaald", choices=options([("", "n.v.t.")]), validate_choice=False)
    missed_text = TextAreaField("Toelichting termijn")
    # outcome doorverwezen is an exit with a warm handover: to whom
    exit_target = SelectField("Doorverwezen naar",
                              choices=options([("", "n.v.t.")] + list(OUTWARD_TARGETS.items())), validate_choice=False)
    exit_target_name = StringField("Naam ontvanger (bij anders)")

    def to_data(self) -> dict:
        return {
            "type": self.type.data or None, "location": self.location.data or None,
            "planned_at": self.planned_at.data.isoformat() if self.planned_at.data else None,
            "held_at": self.held_at.data.isoformat() if self.held_at.data else None,
            "participants": self.participants.data or [], "report": self.report.data or None,
            "outcome": self.outcome.data or None, "plan": self.plan.data or None,
            "missed_reason": self.missed_reason.data or None, "missed_text": self.missed_text.data or None,
            "exit_target": self.exit_target.data or None, "exit_target_name": self.exit_target_name.data or None,
        }


class NoteForm(FlaskForm):
    category = SelectField("Categorie", choices=options([(c, CATEGORY_LABELS[c]) for c in
                                                 ("consultverslagen", "overleg_derden", "diagnostiek", "medicatie",
                                                  "medische_voorgeschiedenis", "ontwikkeling_risicos", "zorgplan",
                                                  "verwijzingen")]))
    text = TextAreaField("Aantekening")


class SearchForm(FlaskForm):
    """Searched by POST (with CSRF): a BSN, name or birth date never travels in a URL."""

    q = StringField("Zoeken op naam, pseudoniem of BSN")
    pseudoniem = StringField("Pseudoniem")
    bsn = StringField("BSN")
    naam = StringField("Naam ouder of kind")
    geboortedatum = DateField("Geboortedatum", format=DATE_FORMATS, validators=[Optional()])


class TextForm(FlaskForm):
    """A single text field (reason, question) for small actions on the family page."""

    text = TextAreaField("Toelichting")
