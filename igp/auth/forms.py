"""Sign-in forms (labels in Dutch)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Gebruikersnaam", validators=[DataRequired("Vul uw gebruikersnaam in."), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in."), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class TotpForm(FlaskForm):
    code = StringField("Code uit uw authenticator-app", validators=[
        DataRequired("Vul de zescijferige code in."), Length(min=6, max=7, message="De code heeft 6 cijfers.")],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in.")],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("Nieuw wachtwoord (minstens 12 tekens)", validators=[
        DataRequired("Vul een nieuw wachtwoord in."), Length(min=12, max=128, message="Minstens 12 en hoogstens 128 tekens.")],
        render_kw={"autocomplete": "new-password"})
