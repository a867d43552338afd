"""Beheer of IGP settings: terms, working-day calendar, the need-to-know table."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

import consent
from igp import clock
from igp.admin import services
from igp.admin.views import bp
from igp.auth import access
from igp.auth import services as auth_services
from igp.errors import ValidationError
from igp.families import codes
from igp.families import rules as family_rules
from igp.forms_util import flash_refusal, refusal_errors
from igp.sharing import gateway
from igp.sharing import services as sharing
from igp.validation import form_data
from igp.workdays import HOLIDAY_CODES, HOLIDAY_LABELS, WorkCalendar


@bp.route("/instellingen", methods=["GET", "POST"])
@access.roles("beheerder")
def settings():
    errors = {}
    if request.method == "POST":
        try:
            values = form_data(request.form)
            for key in services.BOOLEAN_SETTINGS:
                values[key] = "1" if key in request.form else "0"
            for key in services.CHOICE_SETTINGS:
                values[key] = request.form.getlist(key)
            changed = services.update_settings(values)
        except ValidationError as exc:
            errors = refusal_errors(exc)
        else:
            flash("De instellingen zijn opgeslagen." if changed else "Er is niets gewijzigd.", "success")
            if "handover_term_workdays" in changed:
                flash("Lopende warme overdrachten houden hun termijn; herbereken die zo nodig per overdracht.",
                      "warning")
            return redirect(url_for("admin.settings"))
    current = {key: services.get_setting(key) for key in services.ALL_SETTINGS}
    if errors:   # show what was typed, not what is stored
        current.update({k: request.form.getlist(k) for k in services.CHOICE_SETTINGS})
        current.update({k: request.form.get(k, "") for k in services.EDITABLE_SETTINGS})
    return render_template("admin/settings.html", editable=services.EDITABLE_SETTINGS,
                           booleans=services.BOOLEAN_SETTINGS, choices=services.CHOICE_SETTINGS,
                           current=current, errors=errors,
                           form=FlaskForm()), (422 if errors else 200)


@bp.route("/kalender", methods=["GET", "POST"])
@access.roles("beheerder")
def calendar():
    year = request.args.get("jaar", type=int) or clock.today().year
    if request.method == "POST":
        try:
            action = request.form.get("action")
            if action == "holidays":
                services.set_calendar(disabled_holidays=[c for c in HOLIDAY_CODES if c not in request.form.getlist("on")])
            elif action == "add":
                services.set_calendar(add_closing=[request.form.get("day", "")])
            elif action == "remove":
                services.set_calendar(remove_closing=[request.form.get("day", "")])
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash("De kalender is bijgewerkt. Lopende termijnen veranderen pas na herberekening.", "success")
            return redirect(url_for("admin.calendar", jaar=year))
    cal = services.work_calendar()
    holidays = sorted(cal.holidays_in(year).items())
    every = sorted(WorkCalendar().holidays_in(year).items())
    return render_template("admin/calendar.html", year=year, every=every, active=dict(holidays),
                           disabled=cal.disabled_holidays, closing=sorted(cal.closing_days), labels=HOLIDAY_LABELS,
                           form=FlaskForm())


@bp.route("/need-to-know", methods=["GET", "POST"])
@access.roles("beheerder")
def need_to_know():
    if request.method == "POST":
        try:
            table = {role: request.form.getlist(f"role_{role}") for role in consent.ROLES}
            sharing.set_need_to_know(current_user, table)
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash("De need-to-know-tabel is opgeslagen en geldt vanaf de volgende inzage.", "success")
            return redirect(url_for("admin.need_to_know"))
    return render_template("admin/need_to_know.html", table=gateway.need_to_know_table(),
                           defaults=consent.DEFAULT_NEED_TO_KNOW, form=FlaskForm())


def _change_code(form) -> str:
    kind, code, action = form.get("kind", ""), form.get("code", ""), form.get("action")
    if action == "add":
        entry = codes.add_code(current_user, kind, {"code": code, "label": form.get("label")})
        return f"De code '{entry.label}' is toegevoegd."
    if action == "rename":
        entry = codes.rename_code(current_user, kind, code, {"label": form.get("label")})
        return f"De omschrijving is gewijzigd in '{entry.label}'; de code blijft '{entry.code}'."
    if action in ("retire", "restore"):
        entry = codes.retire_code(current_user, kind, code, retired=action == "retire")
        return (f"'{entry.label}' is vervallen: niet meer te kiezen, wel leesbaar bij gezinnen die de code hebben."
                if action == "retire" else f"'{entry.label}' is weer in gebruik.")
    raise ValidationError({"action": "Kies toevoegen, hernoemen, laten vervallen of weer in gebruik nemen."})


@bp.route("/doelgroepcodes", methods=["GET", "POST"])
@access.roles("beheerder")
def target_codes():
    """The target-group code lists of this IGP (guide §2): add, rename, retire a code."""
    errors = {}
    if request.method == "POST":
        try:
            message = _change_code(request.form)
        except ValidationError as exc:
            flash_refusal(exc)
            errors = dict(exc.errors)
        else:
            flash(message, "success")
            return redirect(url_for("admin.target_codes"))
    lists = {kind: codes.entries(kind) for kind in family_rules.CODE_LISTS}
    return render_template("admin/target_codes.html", lists=lists, titles=family_rules.CODE_LIST_LABELS,
                           errors=errors, form=FlaskForm()), (422 if errors else 200)


# ------------------------------------------------------------------ local teams (guide §9.2)

@bp.route("/lokale-teams", methods=["GET", "POST"])
@access.roles("beheerder")
def local_teams():
    """The local teams of this IGP per gemeente: their own name, wijken and one fixed contact person."""
    errors, typed = {}, {}
    if request.method == "POST":
        team_id = request.form.get("team_id", type=int)
        try:
            if request.form.get("action") in ("retire", "restore"):
                services.retire_local_team(current_user, team_id, retired=request.form.get("action") == "retire")
                message = "Het lokale team is bijgewerkt."
            else:
                team = services.save_local_team(current_user, form_data(request.form), team_id)
                message = f"Het lokale team '{team.name}' is opgeslagen."
        except ValidationError as exc:
            flash_refusal(exc)
            errors, typed = dict(exc.errors), request.form.to_dict()
        else:
            flash(message, "success")
            return redirect(url_for("admin.local_teams"))
    contacts = [u for u in auth_services.active_users() if u.organisation.domain == "sociaal"]
    return render_template("admin/local_teams.html", teams=services.list_local_teams(), contacts=contacts,
                           errors=errors, typed=typed, form=FlaskForm()), (422 if errors else 200)
