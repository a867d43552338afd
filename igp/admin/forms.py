"""Forms of the beheer pages."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consent import DOMAIN_LABELS, DOMAINS, ROLE_LABELS, ROLES
from igp.forms_util import MultiCheckboxField, options


class OrganisationForm(FlaskForm):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    domain = SelectField("Domein", choices=options([(d, DOMAIN_LABELS[d]) for d in DOMAINS]))


class PoliForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Vul een code in."), Length(max=30)],
                       description="Kleine letters, bijvoorbeeld 'pop' of 'mamaplus'.")
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    handover_term_workdays = IntegerField(
        "Termijn warme overdracht (werkdagen)", validators=[Optional(), NumberRange(1, 60, "Tussen 1 en 60.")],
        description="Leeg: de termijn van de IGP.")
    second_line = BooleanField(
        "Tweedelijns zorg (poli van het ziekenhuis)",
        description="Een gezin dat op deze poli wordt gezien, voldoet aan de voorwaarde 'zorg uit de tweede of "
                    "derde lijn' van de doelgroep (handreiking §2).")


class PoliEditForm(FlaskForm):
    handover_term_workdays = IntegerField(
        "Termijn warme overdracht (werkdagen)", validators=[Optional(), NumberRange(1, 60, "Tussen 1 en 60.")],
        description="Leeg: de termijn van de IGP.")
    second_line = BooleanField(
        "Tweedelijns zorg (poli van het ziekenhuis)",
        description="Een gezin dat op deze poli wordt gezien, voldoet aan de voorwaarde 'zorg uit de tweede of "
                    "derde lijn' van de doelgroep (handreiking §2). Aangemelde gezinnen houden hun uitkomst tot "
                    "een herbeoordeling.")


class UserForm(FlaskForm):
    username = StringField("Gebruikersnaam", validators=[DataRequired("Vul een gebruikersnaam in."), Length(max=80)])
    name = StringField("Volledige naam", validators=[DataRequired("Vul de naam in."), Length(max=200)])
    email = EmailField("E-mail (werk)", validators=[Optional(), Length(max=200)])
    phone = StringField("Telefoon (werk)", validators=[Optional(), Length(max=40)])
    organisation = SelectField("Organisatie", coerce=str)
    roles = MultiCheckboxField("Rollen", choices=options([(r, ROLE_LABELS[r]) for r in ROLES]))
    skj_registered = BooleanField("SKJ-geregistreerd")
    password = PasswordField("Startwachtwoord (minstens 12 tekens)",
                             validators=[DataRequired("Vul een startwachtwoord in.")],
                             render_kw={"autocomplete": "new-password"})
