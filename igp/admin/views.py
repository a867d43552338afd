"""Beheer: organisations, users and poli's of this IGP."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from igp.admin import services
from igp.admin.forms import OrganisationForm, PoliEditForm, PoliForm, UserForm
from igp.audit import services as audit
from igp.auth import access
from igp.auth import services as auth
from igp.auth.models import User
from igp.errors import NotFound, ValidationError
from igp.forms_util import options

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _apply_errors(form, exc: ValidationError) -> None:
    for field, message in exc.errors.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "error")


def _organisations():
    return auth.organisations()


@bp.route("/")
@access.roles("beheerder")
def index():
    users = auth.all_users()
    return render_template("admin/index.html", organisations=_organisations(), users=users,
                           polis=services.list_polis(active_only=False), action_form=FlaskForm())


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
@access.roles("beheerder")
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = auth.create_organisation(form.name.data, form.domain.data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            flash(f"Organisatie '{org.name}' is aangemaakt.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="Nieuwe organisatie")


@bp.route("/polis/nieuw", methods=["GET", "POST"])
@access.roles("beheerder")
def new_poli():
    form = PoliForm()
    if form.validate_on_submit():
        try:
            poli = services.create_poli(form.code.data, form.name.data, form.handover_term_workdays.data,
                                        second_line=form.second_line.data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            flash(f"Poli '{poli.name}' is aangemaakt.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="Nieuwe poli")


@bp.route("/polis/<code>/wijzigen", methods=["GET", "POST"])
@access.roles("beheerder")
def edit_poli(code: str):
    poli = services.find_poli(code)
    if poli is None:
        raise NotFound("Deze poli bestaat niet.")
    form = PoliEditForm(obj=poli)
    if form.validate_on_submit():
        try:
            services.update_poli(current_user, code, {"handover_term_workdays": form.handover_term_workdays.data,
                                                      "second_line": form.second_line.data})
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            flash(f"Poli '{poli.name}' is bijgewerkt.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title=f"Poli wijzigen: {poli.name}")


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@access.roles("beheerder")
def new_user():
    form = UserForm()
    form.organisation.choices = options([(str(o.id), f"{o.name} ({o.domain})") for o in _organisations()])
    if form.validate_on_submit():
        try:
            user = auth.create_user(username=form.username.data, name=form.name.data,
                                    organisation=form.organisation.data, roles=form.roles.data,
                                    password=form.password.data, email=form.email.data or None,
                                    phone=form.phone.data or None, skj_registered=form.skj_registered.data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            flash(f"Gebruiker '{user.username}' is aangemaakt. Bij de eerste aanmelding stelt deze een tweede factor in.",
                  "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/form.html", form=form, title="Nieuwe gebruiker")


def _user(user_id: int) -> User:
    user = auth.get_user(user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    return user


@bp.route("/gebruikers/<int:user_id>/blokkeren", methods=["POST"])
@access.roles("beheerder")
def toggle_user(user_id: int):
    user = _user(user_id)
    user.active = not user.active
    user.session_version += 1
    audit.record("update", object_type="user", object_id=user.id,
                 detail="activated" if user.active else "deactivated")
    flash(f"Gebruiker '{user.username}' is {'geactiveerd' if user.active else 'geblokkeerd'}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/gebruikers/<int:user_id>/tweede-factor-resetten", methods=["POST"])
@access.roles("beheerder")
def reset_totp(user_id: int):
    user = _user(user_id)
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    user.session_version += 1
    audit.record("update", object_type="user", object_id=user.id, detail="second factor reset")
    flash(f"De tweede factor van '{user.username}' is gewist; bij de volgende aanmelding stelt deze een nieuwe in.",
          "success")
    return redirect(url_for("admin.index"))
