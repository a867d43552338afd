"""Sign-in pages: password, second factor (TOTP), enrolment, sign-out, own account."""
from __future__ import annotations

from datetime import timedelta

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from markupsafe import Markup

from igp import clock
from igp.audit import services as audit
from igp.auth import access
from igp.auth import services as auth
from igp.auth.forms import LoginForm, PasswordChangeForm, TotpForm
from igp.auth.models import User
from igp.errors import ValidationError
from igp.extensions import db, limiter
from igp.forms_util import safe_next
from igp.web import sign_in_session

bp = Blueprint("auth", __name__)

PENDING_MAX_AGE = timedelta(minutes=5)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("main.home"))


def _pending_user() -> User | None:
    pending = session.get("pending_login")
    if not pending:
        return None
    if clock.now().timestamp() - pending["at"] > PENDING_MAX_AGE.total_seconds():
        session.pop("pending_login", None)
        return None
    user = auth.get_user(pending["uid"])
    if user is None or not user.is_active or user.session_version != pending["ver"]:
        session.pop("pending_login", None)
        return None
    return user


def _render_with_status(template: str, error: str | None, **context):
    """Re-show a sign-in form. A failed attempt answers 401, but its audit entry and throttle
    count must stay: commit them explicitly (4xx responses are otherwise rolled back)."""
    if error is None:
        return render_template(template, error=None, **context)
    db.session.commit()
    return render_template(template, error=error, **context), 401


def _finish(user: User):
    auth.complete_sign_in(user)
    target = _safe_next(session.get("pending_login", {}).get("next"))
    sign_in_session(user)
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = auth.check_credentials(form.username.data, form.password.data)
        if result.user is None:
            error = result.error
        else:
            user = result.user
            session.clear()  # no fixation: nothing from before the password check survives
            if not auth.requires_totp(user):
                session["pending_login"] = {"uid": user.id, "ver": user.session_version,
                                            "at": clock.now().timestamp(), "next": request.args.get("next")}
                return _finish(user)
            session["pending_login"] = {"uid": user.id, "ver": user.session_version,
                                        "at": clock.now().timestamp(), "next": request.args.get("next")}
            if user.totp_enrolled:
                return redirect(url_for("auth.second_factor"))
            return redirect(url_for("auth.enrol"))
    return _render_with_status("auth/login.html", error, form=form,
                               totp_required=current_app.config.get("REQUIRE_TOTP", True))


@bp.route("/login/code", methods=["GET", "POST"])
@access.pending_second_factor
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    user = _pending_user()
    if user is None or not user.totp_enrolled:
        flash("Meld u opnieuw aan.", "warning")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        if auth.blocked_for(user.username):
            error = auth.BLOCKED_ERROR
        elif auth.verify_totp(user, form.code.data):
            return _finish(user)
        else:
            auth.second_factor_failed(user)
            error = "De code klopt niet of is al gebruikt. Wacht op de volgende code."
    return _render_with_status("auth/totp.html", error, form=form)


@bp.route("/login/tweede-factor-instellen", methods=["GET", "POST"])
@access.pending_second_factor
@limiter.limit(_login_limit, methods=["POST"])
def enrol():
    user = _pending_user()
    if user is None:
        flash("Meld u opnieuw aan.", "warning")
        return redirect(url_for("auth.login"))
    if user.totp_enrolled:
        return redirect(url_for("auth.second_factor"))
    if not user.totp_secret:
        user.totp_secret = auth.new_totp_secret()  # candidate; enrolled only after a good code
    form = TotpForm()
    error = None
    if form.validate_on_submit():
        if auth.enrol_totp(user, user.totp_secret, form.code.data):
            flash("De tweede factor is ingesteld.", "success")
            return _finish(user)
        auth.second_factor_failed(user)
        error = "De code klopt niet. Controleer de tijd op uw telefoon en probeer de volgende code."
    uri = auth.totp_uri(user, user.totp_secret)
    qr_svg = Markup(segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff",  # segno escapes the URI
                                                           title="QR-code voor uw authenticator-app"))
    secret_groups = " ".join(user.totp_secret[i:i + 4] for i in range(0, len(user.totp_secret), 4))
    return _render_with_status("auth/enrol.html", error, form=form, qr_svg=qr_svg, secret_groups=secret_groups)


@bp.route("/logout", methods=["POST"])
@access.signed_in
def logout():
    user = current_user._get_current_object()
    auth.sign_out(user)
    logout_user()
    session.clear()
    flash("U bent afgemeld.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@access.signed_in
def account():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not auth.check_password(user, form.current.data):
            form.current.errors.append("Het huidige wachtwoord klopt niet.")
        else:
            try:
                auth.set_password(user, form.new.data)
            except ValidationError as exc:
                form.new.errors.append(exc.errors["password"])
            else:
                audit.record("update", object_type="user", object_id=user.id, detail="password changed")
                db.session.flush()
                sign_in_session(user)  # other sessions end: the version changed
                flash("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd.", "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, user=user)
