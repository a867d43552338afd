"""The handover board, 'Mijn signalen' and the team's signals."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from igp.admin.services import list_polis
from igp.auth import access
from igp.coordination import services as coordination
from igp.errors import ValidationError
from igp.families.views import LABELS
from igp.handover import rules, services

bp = Blueprint("handover", __name__)

BOARD_ROLES = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
               "sociaal_werker", "planner", "mdo_voorzitter")


@bp.route("/overdrachten")
@access.roles(*BOARD_ROLES)
def board():
    poli = request.args.get("poli") or None
    coordinator = request.args.get("coordinator", type=int)
    signal = request.args.get("signaal") or None
    error = None
    try:
        rows = services.board(current_user, poli=poli, coordinator_id=coordinator, signal=signal)
    except ValidationError as exc:
        rows, error = [], exc.message
    columns = {status: [r for r in rows if r.handover.status == status] for status in rules.STEPS}
    closed = [r for r in rows if r.handover.status in rules.SIDE_EXITS]
    holders = coordination.coordinator_choices()
    return render_template("handover/board.html", columns=columns, closed=closed, labels=LABELS, polis=list_polis(),
                           holders=holders, args=request.args, error=error)


@bp.route("/signalen")
@access.roles(*BOARD_ROLES)
def my_signals():
    rows = services.board(current_user, mine=True, urgent=True)
    from igp.mdo.services import overdue_actions

    team = None
    if current_user.has_role("planner"):
        no_contact, no_contact_total = coordination.families_without_contact_list()
        team = {
            "handovers": services.board(current_user, urgent=True),
            "no_contact": no_contact, "no_contact_total": no_contact_total,
        }
    return render_template("handover/signals.html", rows=rows, labels=LABELS,
                           age_limit=coordination.age_limit_signals(current_user),
                           actions=overdue_actions(current_user), team=team,
                           substituting=coordination.substituted_user_ids(current_user))
