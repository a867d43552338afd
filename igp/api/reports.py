"""API: aggregated throughput (projectleider, beheerder)."""
from flask import jsonify, request
from flask_login import current_user

from igp.api.blueprint import bp
from igp.auth import access
from igp.reporting import services


@bp.route("/reports/throughput", methods=["GET"])
@access.roles(*services.REPORT_ROLES)
def throughput():
    """The figures exactly as the dashboard, the CSV export and the report show them: small
    cells suppressed, with secondary suppression (never the raw counts)."""
    period = services.parse_period(request.args.get("from"), request.args.get("to"), request.args.get("poli"))
    figures = services.shown_throughput(period)
    services.log_view(current_user, period, "api")
    return jsonify(figures)


@bp.route("/reports/gemeenten", methods=["GET"])
@access.roles(*services.REPORT_ROLES)
def by_gemeente():
    """Aanmeldingen, exits and active families per gemeente (the mandaatgemeente's figures), with
    the same small-cell suppression as the dashboard."""
    period = services.parse_period(request.args.get("from"), request.args.get("to"), request.args.get("poli"))
    figures = services.shown_by_gemeente(period, request.args.get("gemeente") or None)
    services.log_view(current_user, period, "api: per gemeente")
    return jsonify(figures)
