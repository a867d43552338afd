"""Privacy officer: the break-the-glass review queue."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from igp.auth import access
from igp.errors import ValidationError
from igp.forms_util import flash_refusal
from igp.sharing import services

bp = Blueprint("sharing", __name__, url_prefix="/privacy")


@bp.route("/noodtoegang", methods=["GET", "POST"])
@access.roles("privacy_officer")
def break_glass_queue():
    if request.method == "POST":
        try:
            services.review_break_glass(current_user, request.form.get("access_id", type=int) or 0,
                                        request.form.get("note", ""))
        except ValidationError as exc:
            flash_refusal(exc)
        else:
            flash("De beoordeling is vastgelegd.", "success")
            return redirect(url_for("sharing.break_glass_queue"))
    show_all = request.args.get("alle") == "1"
    return render_template("sharing/break_glass.html", rows=services.break_glass_queue(include_reviewed=show_all),
                           show_all=show_all, form=FlaskForm())
