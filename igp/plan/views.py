"""Pages of the gezinsplan: /gezinnen/<id>/plan (read, and the form for who may write) and the
printable version for the parents in plain language (B1), /gezinnen/<id>/plan/afdruk."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from igp import clock
from igp.auth import access
from igp.errors import Conflict, ValidationError
from igp.extensions import db
from igp.families.views import FAMILY_ROLES, WRITE_ROLES
from igp.mdo.rules import REFERRAL_TYPES
from igp.plan import rules, services

bp = Blueprint("plan", __name__, url_prefix="/gezinnen")

LABELS = {"referral_statuses": rules.REFERRAL_STATUSES, "referral_types": REFERRAL_TYPES,
          "referral_statuses_b1": rules.REFERRAL_STATUSES_B1, "goal_statuses": rules.GOAL_STATUSES,
          "goal_statuses_b1": rules.GOAL_STATUSES_B1}
ROW = re.compile(r"^(goals|actions|referrals)\[(\d{1,2})\]\.([a-z_]+)$")
BLANK_ROWS = {"goals": 2, "actions": 2, "referrals": 1}


def form_to_data(form) -> dict:
    """The submitted form in the API's shape; rows left wholly empty are dropped."""
    data: dict = {key: form.get(key, "") for key in ("version", "hulpvraag", "start_date", "evaluation_date")}
    rows: dict[str, dict[int, dict]] = {"goals": {}, "actions": {}, "referrals": {}}
    for key in form.keys():
        match = ROW.match(key)
        if match:
            rows[match.group(1)].setdefault(int(match.group(2)), {})[match.group(3)] = form.get(key, "")
    for kind, found in rows.items():
        data[kind] = [found[i] for i in sorted(found)
                      if any(v.strip() for k, v in found[i].items() if k not in ("id", "status"))
                      or found[i].get("id")]
    return data


def _form_values(page: services.PlanPage) -> dict:
    content = page.content or {}
    values = {"version": page.revision, "hulpvraag": content.get("hulpvraag") or "",
              "start_date": content.get("start_date") or clock.today().isoformat(),
              "evaluation_date": content.get("evaluation_date") or ""}
    for kind in BLANK_ROWS:
        values[kind] = [dict(row) for row in content.get(kind, [])]
    return values


def _render(page: services.PlanPage, values: dict, errors: dict, status: int = 200):
    rows = {kind: values.get(kind, []) + [{}] * BLANK_ROWS[kind] for kind in BLANK_ROWS}
    mdo_options = [(a.id, f"MDO-actie {a.id}: {a.text or 'inhoud afgeschermd'} ({a.owner})") for a in page.mdo_actions]
    return render_template("plan/plan.html", page=page, view=page.view, plan=services.dated(page.content),
                           values=values, rows=rows, errors=errors, labels=LABELS, mdo_options=mdo_options), status


@bp.route("/<int:family_id>/plan", methods=["GET"])
@access.roles(*FAMILY_ROLES)
def show(family_id: int):
    page = services.read_plan(current_user, family_id)
    return _render(page, _form_values(page), {})


@bp.route("/<int:family_id>/plan", methods=["POST"])
@access.roles(*WRITE_ROLES)
def save(family_id: int):
    data = form_to_data(request.form)
    try:
        plan = services.save_plan(current_user, family_id, data)
    except (ValidationError, Conflict) as exc:
        db.session.rollback()
        errors = exc.errors if isinstance(exc, ValidationError) else {"version": exc.message}
        page = services.read_plan(current_user, family_id)
        return _render(page, data, errors, 409 if isinstance(exc, Conflict) else 422)
    flash(f"Het gezinsplan is opgeslagen (revisie {plan.revision}).", "success")
    return redirect(url_for("plan.show", family_id=family_id))


@bp.route("/<int:family_id>/plan/afdruk")
@access.roles(*FAMILY_ROLES)
def printable(family_id: int):
    page = services.read_plan(current_user, family_id, action="print")
    return render_template("plan/print.html", page=page, view=page.view, plan=services.dated(page.content),
                           labels=LABELS, printed_at=clock.now())
