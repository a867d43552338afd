"""Meldingen: in-app notifications of the signed-in user."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from igp.auth import access
from igp.notifications import services
from igp.sharing import inbox

bp = Blueprint("notifications", __name__)


@bp.route("/meldingen")
@access.signed_in
def index():
    return render_template("notifications/index.html", items=inbox.for_user(current_user),
                           kinds=services.KINDS, form=FlaskForm())


@bp.route("/meldingen/gelezen", methods=["POST"])
@access.signed_in
def read_all():
    services.mark_all_read(current_user.id)
    return redirect(url_for("notifications.index"))
