"""The throughput dashboard and its exports (projectleider, beheerder)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from igp.admin.services import get_setting, list_polis
from igp.auth import access
from igp.coordination.services import EXIT_REASONS, KNELPUNT_KINDS
from igp.errors import ValidationError
from igp.extensions import db
from igp.families.rules import REFERRER_TYPES
from igp.handover.rules import MISSED_REASONS, SIGNALS
from igp.mdo.rules import REFERRAL_TYPES
from igp.reporting import charts, services

bp = Blueprint("reporting", __name__)

RECORD_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                "sociaal_werker", "planner")


def _period():
    return services.parse_period(request.args.get("van") or request.args.get("from"),
                                 request.args.get("tot") or request.args.get("to"), request.args.get("poli"))


@bp.route("/dashboard")
@access.roles(*services.REPORT_ROLES)
def dashboard():
    errors = {}
    try:
        period = _period()
    except ValidationError as exc:
        errors = exc.errors
        period = services.parse_period(None, None, None)
    figures = services.throughput(period)
    services.log_view(current_user, period, "web")
    unit, series = services.buckets({date.fromisoformat(d): n
                                     for d, n in figures["per_day"].items()}, period)
    poli_names = {p.code: p.name for p in list_polis(active_only=False)}
    built = {
        "series": charts.columns(series, f"Aanmeldingen per {unit}"),
        "by_poli": charts.hbar([(poli_names.get(c, c), n) for c, n in sorted(figures["by_poli"].items())],
                               "Aanmeldingen per poli"),
        "by_referrer": charts.hbar([(label, figures["by_referrer_type"].get(code, 0))
                                    for code, label in REFERRER_TYPES.items()
                                    if figures["by_referrer_type"].get(code)], "Aanmeldingen per verwijzer"),
        "funnel": charts.funnel([("Aangemeld", figures["funnel"]["aangemeld"]),
                                 ("Contact gelegd", figures["funnel"]["contact"]),
                                 ("Intake gepland", figures["funnel"]["intake_gepland"]),
                                 ("Intake gehouden", figures["funnel"]["intake_gehouden"])], "Warme overdracht"),
        "signals": charts.hbar([(SIGNALS[k], v) for k, v in figures["open_handovers"].items()],
                               "Open overdrachten nu", colour=None),
        "missed": charts.hbar([(MISSED_REASONS[k], v) for k, v in figures["missed_term_reasons"].items() if k],
                              "Reden termijn gemist"),
        "caseload": charts.hbar(figures["caseload"]["per_coordinator"], "Actieve gezinnen per coördinator"),
        "onward": charts.hbar([(REFERRAL_TYPES[k], v) for k, v in figures["onward_referrals"].items()],
                              "Doorverwijzingen vanuit het MDO"),
        "exits": charts.hbar([(EXIT_REASONS.get(k, k), v) for k, v in figures["exits"]["by_reason"].items()],
                             "Uitstroom per reden"),
        "experience": charts.hbar([(f"Score {k}", v) for k, v in figures["experience"]["by_score"].items()],
                                  "Ervaring van gezinnen"),
    }
    return render_template("reporting/dashboard.html", f=figures, charts=built, period=period, errors=errors,
                           polis=list_polis(active_only=False), poli_names=poli_names, signals=SIGNALS,
                           missed_labels=MISSED_REASONS, referral_labels=REFERRAL_TYPES, exit_labels=EXIT_REASONS,
                           referrer_labels=REFERRER_TYPES, knelpunt_kinds=KNELPUNT_KINDS, unit=unit, series=series,
                           args=request.args), (422 if errors else 200)


@bp.route("/dashboard/export.csv")
@access.roles(*services.REPORT_ROLES)
def export_csv():
    period = _period()
    body = services.export_csv(current_user, period)
    name = f"igp-doorstroom-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/dashboard/rapport")
@access.roles(*services.REPORT_ROLES)
def report():
    """An accessible, printable HTML report of the export (browser 'print to PDF')."""
    period = _period()
    threshold = int(get_setting("report_small_cell"))
    rows = services.export_rows(services.throughput(period), threshold)
    from igp.audit import services as audit

    audit.record("print", user=current_user, object_type="report", detail=f"html: throughput {period.label()}")
    return render_template("reporting/report.html", rows=rows, period=period, threshold=threshold)


@bp.route("/ervaring", methods=["GET", "POST"])
@access.roles(*RECORD_ROLES)
def experience():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            services.record_experience(current_user, values)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash("Dank u. De score is anoniem opgeslagen.", "success")
            return redirect(url_for("reporting.experience"))
    return render_template("reporting/experience.html", polis=list_polis(), errors=errors, values=values), \
        (422 if errors else 200)
