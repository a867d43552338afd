"""API: aggregated throughput (projectleider, beheerder)."""
from flask import jsonify
from flask_login import current_user

from igp.api.blueprint import bp
from igp.auth import access
from igp.reporting import services


@bp.route("/reports/throughput", methods=["GET"])
@access.roles(*services.REPORT_ROLES)
def throughput():
    from flask import request

    period = services.parse_period(request.args.get("from"), request.args.get("to"), request.args.get("poli"))
    figures = services.throughput(period)
    services.log_view(current_user, period, "api")
    return jsonify(figures)
