"""The throughput dashboard and its exports (projectleider, beheerder)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from igp.admin.services import list_polis
from igp.auth import access
from igp.coordination.services import EXIT_REASONS, KNELPUNT_KINDS
from igp.errors import ValidationError
from igp.families.rules import REFERRER_TYPES
from igp.forms_util import refusal_errors
from igp.handover.rules import MISSED_REASONS, SIGNALS
from igp.mdo.rules import REFERRAL_TYPES
from igp.reporting import charts, sections, services
from igp.reporting.rules import HIDDEN_MARK
from igp.validation import form_data

bp = Blueprint("reporting", __name__)

# the dashboard's part on the guide's monitoring (§7.2), drawn from the report's sections
MONITORING_SECTIONS = ("doorverwijzingen", "doorverwijzingen_plan", "informele_steun", "contactmomenten",
                       "contact_soort", "geboorte", "experience_professionals")
RECORD_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                "sociaal_werker", "planner")


def _period():
    return services.parse_period(request.args.get("van") or request.args.get("from"),
                                 request.args.get("tot") or request.args.get("to"), request.args.get("poli"))


def _charts(f: dict, poli_names: dict[str, str]) -> dict:
    """The dashboard's charts, drawn from the shown (suppressed) figures only."""
    steps = (("Aangemeld", "aangemeld"), ("Contact gelegd", "contact"), ("Intake gepland", "intake_gepland"),
             ("Intake gehouden", "intake_gehouden"))
    return {
        "series": charts.columns(f["series"], f"Aanmeldingen per {f['series_unit']}"),
        "by_poli": charts.hbar([(poli_names.get(c, c), n) for c, n in sorted(f["by_poli"].items())],
                               "Aanmeldingen per poli"),
        "by_referrer": charts.hbar([(label, f["by_referrer_type"][code]) for code, label in REFERRER_TYPES.items()
                                    if f["by_referrer_type"][code]], "Aanmeldingen per verwijzer"),
        "funnel": charts.funnel([(label, f["funnel"][key], f["funnel_pct"][key]) for label, key in steps],
                                "Warme overdracht"),
        "signals": charts.hbar([(SIGNALS[k], v) for k, v in f["open_handovers"].items()],
                               "Open overdrachten nu", colour=None),
        "missed": charts.hbar([(MISSED_REASONS[k], v) for k, v in f["missed_term_reasons"].items() if v],
                              "Reden termijn gemist"),
        "caseload": charts.hbar(f["caseload"]["per_coordinator"], "Actieve gezinnen per coördinator"),
        "onward": charts.hbar([(REFERRAL_TYPES[k], v) for k, v in f["onward_referrals"].items()],
                              "Doorverwijzingen vanuit het MDO"),
        "exits": charts.hbar([(EXIT_REASONS[k], v) for k, v in f["exits"]["by_reason"].items() if v],
                             "Uitstroom per reden"),
        "experience": charts.hbar([(f"Score {k}", v) for k, v in f["experience"]["by_score"].items()],
                                  "Ervaring van gezinnen"),
    }


def section_charts(report_sections) -> dict:
    """A bar chart per section that has one: the first column of its breakdown rows (not the totals),
    rows with 0 left out as on the dashboard; none when nothing is left."""
    result = {}
    for section in report_sections:
        items = [(label, values[0]) for label, values, code in section.rows if section.chart
                 and code.startswith(section.chart) and not code.endswith(".all") and values[0] not in (0, "", None)]
        if items:
            result[section.key] = charts.hbar(items, section.title)
    return result


@bp.route("/dashboard")
@access.roles(*services.REPORT_ROLES)
def dashboard():
    errors = {}
    try:
        period = _period()
    except ValidationError as exc:
        errors = exc.errors
        period = services.parse_period(None, None, None)
    figures = services.shown_throughput(period)
    services.log_view(current_user, period, "web")
    polis = list_polis(active_only=False)
    poli_names = {p.code: p.name for p in polis}
    by_gemeente = services.shown_by_gemeente(period)["gemeenten"]
    monitoring = [s for s in sections.sections(figures, poli_names, by_gemeente) if s.key in MONITORING_SECTIONS]
    return render_template("reporting/dashboard.html", f=figures, charts=_charts(figures, poli_names), period=period,
                           errors=errors, polis=polis, poli_names=poli_names, knelpunt_kinds=KNELPUNT_KINDS,
                           unit=figures["series_unit"], series=figures["series"], threshold=figures["threshold"],
                           hidden_mark=HIDDEN_MARK, args=request.args, by_gemeente=by_gemeente,
                           monitoring=monitoring, monitoring_charts=section_charts(monitoring)), (422 if errors else 200)


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
    report_sections, figures, threshold = services.report(current_user, period)
    return render_template("reporting/report.html", sections=report_sections, charts=section_charts(report_sections),
                           period=period, threshold=threshold, hidden_mark=HIDDEN_MARK)


@bp.route("/ervaring", methods=["GET", "POST"])
@access.roles(*RECORD_ROLES)
def experience():
    errors, values = {}, {}
    if request.method == "POST":
        values = form_data(request.form)
        try:
            services.record_experience(current_user, values)
        except ValidationError as exc:
            errors = refusal_errors(exc)
        else:
            flash("Dank u. De score is anoniem opgeslagen.", "success")
            return redirect(url_for("reporting.experience"))
    return render_template("reporting/experience.html", polis=list_polis(), errors=errors, values=values,
                           respondents=services.RESPONDENTS), \
        (422 if errors else 200)
