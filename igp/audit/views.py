"""The audit log for privacy officers: search, read, verify. Nobody can edit it here."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm

from consent import CATEGORY_LABELS
from igp import bounds
from igp.audit import services as audit
from igp.auth import access


def categories_text(value: str | None) -> str:
    """A log cell of categories ("naw,zorgplan" or "naw:toestemming_ingetrokken") in words; an
    unknown code (an old entry) is shown as it is."""
    words = []
    for item in (value or "").split(","):
        if not item:
            continue
        category, _, reason = item.partition(":")
        label = CATEGORY_LABELS.get(category, category).split(" (")[0]   # "NAW-gegevens", short for a cell
        words.append(f"{label} ({reason.replace('_', ' ')})" if reason else label)
    return ", ".join(words)


bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date_arg(name: str) -> tuple[date | None, str | None]:
    value = request.args.get(name, "").strip()
    if not value:
        return None, None
    try:
        return bounds.check_date(date.fromisoformat(value)), None
    except ValueError:
        return None, f"Gebruik een geldige datum ({bounds.RANGE_TEXT})."


@bp.route("/")
@access.roles("privacy_officer")
def index():
    errors = {}
    date_from, err = _date_arg("van")
    if err:
        errors["van"] = err
    date_to, err = _date_arg("tot")
    if err:
        errors["tot"] = err
    action = request.args.get("actie") or None
    if action and action not in audit.ACTIONS:
        errors["actie"] = "Onbekende actie."
        action = None
    outcome = request.args.get("uitkomst") or None
    if outcome not in (None, "allowed", "denied", "failed"):
        errors["uitkomst"] = "Onbekende uitkomst."
        outcome = None
    try:
        page = max(1, int(request.args.get("pagina", "1")))
    except ValueError:
        page = 1
    rows, has_next = audit.search(username=request.args.get("gebruiker") or None,
                                  pseudonym=request.args.get("gezin") or None, action=action,
                                  outcome=outcome, date_from=date_from, date_to=date_to, page=page)
    audit.record("read", object_type="audit_log", detail=f"search page {page}")
    return render_template("audit/index.html", categories_text=categories_text, rows=rows, has_next=has_next,
                           page=page, errors=errors,
                           actions=audit.ACTIONS, action_labels=audit.ACTION_LABELS, args=request.args,
                           verify_form=FlaskForm())


@bp.route("/controle", methods=["POST"])
@access.roles("privacy_officer")
def verify():
    result = audit.verify_chain()
    audit.record("read", object_type="audit_log", detail="chain verified" if result.ok else "chain broken")
    return render_template("audit/verify.html", result=result)
