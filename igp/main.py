"""Home page, navigation by role, health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from igp.auth import access
from igp.extensions import db
from igp.families import rules as family_rules
from igp.handover import rules as handover_rules
from igp.mdo import rules as mdo_rules
from igp.mdo.services import MDO_ROLES
from igp.notifications.services import unread_count
from igp.today import ACTIONS_AHEAD_DAYS, HEADLINE_DAYS, NEW_DAYS, today_for

bp = Blueprint("main", __name__)

# (endpoint, label, roles that see it; empty = every signed-in user)
_CASE = ("jeugdverpleegkundige", "sociaal_werker", "mmw", "gynaecoloog", "verloskundige", "kinderarts",
         "jeugdarts", "planner", "informele_steun", "mdo_voorzitter")
_BOARD = ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
          "sociaal_werker", "planner", "mdo_voorzitter")
NAV = [
    ("main.home", "Start", ()),
    ("coordination.my_families", "Mijn gezinnen", _CASE),
    ("handover.my_signals", "Mijn signalen", _BOARD),
    ("mdo.my_actions", "Mijn acties", tuple(sorted(MDO_ROLES))),   # the route's own guard
    ("handover.my_referrals", "Mijn aanmeldingen", ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                                    "jeugdverpleegkundige", "sociaal_werker", "planner")),
    ("families.index", "Gezinnen", _CASE),
    ("handover.board", "Overdrachten", _BOARD),
    ("mdo.index", "MDO", _CASE),
    ("mdo.poli_teams", "Kernteams", ("planner", "beheerder")),
    ("families.duplicate_queue", "Dubbele gezinnen", ("planner", "privacy_officer")),
    ("coordination.caseload", "Caseload", ("planner", "projectleider", "jeugdverpleegkundige", "beheerder")),
    ("coordination.absences", "Afwezigheid", _CASE + ("beheerder",)),
    ("coordination.knelpunten", "Knelpunten", _CASE + ("projectleider",)),
    ("reporting.dashboard", "Dashboard", ("projectleider", "beheerder")),
    ("reporting.experience", "Ervaring", ("gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                                          "jeugdverpleegkundige", "sociaal_werker", "planner")),
    ("notifications.index", "Meldingen", ()),
    ("sharing.break_glass_queue", "Noodtoegang", ("privacy_officer",)),
    ("audit.index", "Auditlog", ("privacy_officer",)),
    ("admin.index", "Beheer", ("beheerder",)),
]


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    user = current_user._get_current_object()   # once, not per item
    held = user.roles
    items = []
    for endpoint, label, roles in NAV:
        if roles and not held.intersection(roles):
            continue
        href = url_for(endpoint)
        label_text = label
        if endpoint == "notifications.index":
            unread = unread_count(user.id)
            label_text = f"{label} ({unread})" if unread else label
        items.append({"href": href, "label": label_text, "current": request.endpoint == endpoint})
    return items


# the labels the start page needs (codes are never shown)
HOME_LABELS = {"statuses": family_rules.STATUSES, "phases": family_rules.PHASES,
               "handover_statuses": handover_rules.STATUSES, "feedback_about": handover_rules.FEEDBACK_ABOUT,
               "feedback_methods": handover_rules.FEEDBACK_METHODS, "meeting_statuses": mdo_rules.MEETING_STATUSES,
               "contact_causes": {"geen_coordinator": "Geen coördinator",
                                  "coordinator_afwezig": "Coördinator afwezig, geen vervanger"}}


@bp.route("/")
@access.signed_in
def home():
    """The start page ("Vandaag"): the blocks of the user's roles (igp.today)."""
    return render_template("main/home.html", today=today_for(current_user), labels=HOME_LABELS,
                           new_days=NEW_DAYS, actions_days=ACTIONS_AHEAD_DAYS, headline_days=HEADLINE_DAYS)


@bp.route("/favicon.ico")
@access.public
def favicon():
    """Browsers and tools that ask for /favicon.ico get the app's icon (no 404 in the console)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/health")
@access.public
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
