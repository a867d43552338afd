"""Mijn gezinnen, caseload, absences with substitutes, knelpunten."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from igp.auth import access
from igp.auth import services as auth_services
from igp.coordination import returns, services
from igp.errors import ValidationError
from igp.families.views import LABELS
from igp.forms_util import flash_refusal, refusal_errors
from igp.pagination import page_number
from igp.validation import form_data

bp = Blueprint("coordination", __name__)

CASE_ROLES = ("jeugdverpleegkundige", "sociaal_werker", "mmw", "gynaecoloog", "verloskundige", "kinderarts",
              "jeugdarts", "planner", "informele_steun", "mdo_voorzitter")



@bp.route("/mijn-gezinnen")
@access.roles(*CASE_ROLES)
def my_families():
    summaries, substituting, where = services.my_families(current_user, page_number(request.args.get("pagina")))
    return render_template("coordination/my_families.html", families=summaries, labels=LABELS, where=where,
                           substituting=substituting, away=returns.return_summary(current_user),
                           supports_only=services.supports_only(current_user))


@bp.route("/caseload", methods=["GET", "POST"])
@access.roles("planner", "projectleider", "jeugdverpleegkundige", "beheerder")
def caseload():
    refused = False
    if request.method == "POST":
        try:
            changed = services.bulk_reassign(current_user, form_data(request.form, lists=("family_ids",)))
        except ValidationError as exc:
            flash_refusal(exc)
            refused = True
        else:
            flash(f"{len(changed)} gezin(nen) overgedragen.", "success")
            return redirect(url_for("coordination.caseload", coordinator=request.form.get("from_user_id")))
    rows = services.caseload()
    families = []
    selected = request.args.get("coordinator", type=int)
    if selected:
        families = services.caseload_families(current_user, selected)
    return render_template("coordination/caseload.html", rows=rows, families=families, selected=selected,
                           labels=LABELS, no_contact=services.no_contact_count(),
                           holders=[r.user for r in rows], form=FlaskForm()), 422 if refused else 200


def _absence_saved(absence, verb: str) -> None:
    flash(f"Afwezigheid {verb} van {absence.starts_on.strftime('%d-%m-%Y')} tot en met "
          f"{absence.ends_on.strftime('%d-%m-%Y')}"
          + (f"; {absence.substitute.name} vervangt." if absence.substitute else
             "; let op: zonder vervanger hebben de gezinnen geen aanspreekpunt."),
          "success" if absence.substitute else "warning")
    for warning in services.absence_warnings(absence):
        flash(warning, "warning")


def _absence_post(values: dict) -> None:
    if values.get("cancel"):
        services.cancel_absence(current_user, request.form.get("cancel", type=int) or 0)
        flash("De afwezigheid is ingetrokken.", "success")
    elif values.get("absence_id"):
        changes = {k: values.get(k) for k in ("from", "to", "reason", "substitute_id")}
        _absence_saved(services.change_absence(current_user, values["absence_id"], changes), "gewijzigd")
    else:
        _absence_saved(services.record_absence(current_user, values), "vastgelegd")


@bp.route("/afwezigheid", methods=["GET", "POST"])
@access.roles(*CASE_ROLES, "beheerder")
def absences():
    """Record, change (a form per absence, for who may record it) and withdraw absences (PRG)."""
    values, errors = {}, {}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            _absence_post(values)
            return redirect(url_for("coordination.absences"))
        except ValidationError as exc:
            errors = refusal_errors(exc)
    mine_only = not current_user.has_role("planner", "beheerder")
    users = auth_services.active_users()
    rows = services.absences(user_id=current_user.id if mine_only else None)
    return render_template("coordination/absences.html", absences=rows,
                           editable={a.id for a in rows if services.may_change_absence(current_user, a)},
                           users=users, caseholders=[u for u in users if services.can_hold_cases(u)],
                           reasons=services.ABSENCE_REASONS, errors=errors, values=values, form=FlaskForm()), \
        (422 if errors else 200)


@bp.route("/knelpunten", methods=["GET", "POST"])
@access.roles(*CASE_ROLES, "projectleider")
def knelpunten():
    errors, values = {}, {}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            if values.get("knelpunt_id"):
                services.update_knelpunt(current_user, request.form.get("knelpunt_id", type=int) or 0, values)
                flash("Het knelpunt is bijgewerkt.", "success")
            else:
                values.pop("family_id", None)
                services.raise_knelpunt(current_user, values)
                flash("Het knelpunt is gemeld bij de projectleider.", "success")
            return redirect(url_for("coordination.knelpunten"))
        except ValidationError as exc:
            errors = refusal_errors(exc)
    users = auth_services.active_users()
    return render_template("coordination/knelpunten.html", rows=services.knelpunten(current_user),
                           kinds=services.KNELPUNT_KINDS, statuses=services.KNELPUNT_STATUSES, errors=errors,
                           values=values, users=users, form=FlaskForm()), (422 if errors else 200)
