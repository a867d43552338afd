"""Signing in: password + TOTP, throttling, CSRF, logout, idle timeout, enrolment."""
from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.auth import services as auth
from tests.conftest import PASSWORD, csrf_token, totp_code


def _audit_actions(db_session, username):
    db_session.expire_all()
    return [e.action for e in db_session.scalars(
        select(AuditEntry).where(AuditEntry.username == username).order_by(AuditEntry.seq))]


def _post_login(client, username, password):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_sign_in_with_password_and_totp(client, make_user, login, db_session):
    user = make_user("jeugdverpleegkundige")
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert f"Welkom, {user.name}" in page
    assert _audit_actions(db_session, user.username) == ["sign_in"]


def test_password_alone_does_not_sign_in_when_totp_enrolled(client, make_user):
    user = make_user("gynaecoloog")
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    # half-way: no access to pages yet
    assert client.get("/").status_code == 302


def test_wrong_totp_is_refused_and_logged(client, make_user, db_session):
    user = make_user("kinderarts")
    _post_login(client, user.username, PASSWORD)
    token = csrf_token(client, "/login/code")
    response = client.post("/login/code", data={"code": "000000", "csrf_token": token})
    assert response.status_code == 401
    assert "De code klopt niet" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _audit_actions(db_session, user.username) == ["sign_in_failed"]


def test_totp_code_cannot_be_used_twice(client, make_user, clock, app):
    user = make_user("jeugdarts")
    code = totp_code(user, clock)
    c1 = app.test_client()
    _post_login(c1, user.username, PASSWORD)
    assert c1.post("/login/code", data={"code": code, "csrf_token": csrf_token(c1, "/login/code")}).status_code == 302
    c2 = app.test_client()
    _post_login(c2, user.username, PASSWORD)
    response = c2.post("/login/code", data={"code": code, "csrf_token": csrf_token(c2, "/login/code")})
    assert response.status_code == 401  # same time step: replay refused


def test_totp_accepts_previous_step_but_not_older(app, make_user, clock):
    user = make_user("jeugdarts")
    totp = pyotp.TOTP(user.totp_secret)
    from datetime import timedelta

    assert auth.verify_totp(user, totp.at(clock.now() - timedelta(seconds=30)))
    assert not auth.verify_totp(user, totp.at(clock.now() - timedelta(seconds=90)))


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user("mmw")
    wrong = _post_login(client, user.username, "wrong password here")
    unknown = _post_login(client, "nobody.here", "wrong password here")
    assert wrong.status_code == unknown.status_code == 401
    message = "Onjuiste gebruikersnaam of wachtwoord."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_backoff_after_repeated_failures_and_recovery(client, make_user, clock, db_session):
    user = make_user("sociaal_werker")
    for _ in range(auth.FREE_ATTEMPTS):
        assert "Onjuiste" in _post_login(client, user.username, "wrong password!!").get_data(as_text=True)
    # now even the right password is refused, with a back-off message
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 401
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    # the same happens for a name that does not exist (no enumeration through the lockout)
    for _ in range(auth.FREE_ATTEMPTS):
        _post_login(client, "ghost.user", "wrong password!!")
    assert "Te veel mislukte pogingen" in _post_login(client, "ghost.user", "x" * 12).get_data(as_text=True)
    # after the back-off period the account works again: no permanent lockout
    clock.advance(seconds=31)
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 302


def test_backoff_grows_but_is_capped(app, make_user, clock):
    user = make_user("sociaal_werker")
    delays = []
    for _ in range(15):
        auth.register_failure(user.username)
        delays.append(auth.blocked_for(user.username))
    assert delays[auth.FREE_ATTEMPTS - 2] is None
    assert delays[auth.FREE_ATTEMPTS - 1].total_seconds() == 30
    assert delays[auth.FREE_ATTEMPTS].total_seconds() == 60
    assert max(d.total_seconds() for d in delays if d) == auth.BACKOFF_MAX.total_seconds()


def test_login_post_without_csrf_token_is_rejected(client, make_user, db_session):
    user = make_user("jeugdverpleegkundige")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_ends_the_session_even_with_a_copied_cookie(app, make_user, login):
    user = make_user("jeugdverpleegkundige")
    browser = app.test_client()
    login(user, test_client=browser)
    stolen = browser.get_cookie("igp_session").value
    token = csrf_token(browser, "/")
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("igp_session", stolen)
    assert attacker.get("/").status_code == 302  # the old cookie no longer signs anyone in


def test_idle_timeout(client, make_user, login, clock, db_session):
    user = make_user("jeugdverpleegkundige")
    login(user)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200  # activity resets the timer
    clock.advance(minutes=31)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302
    assert "session_expired" in _audit_actions(db_session, user.username)


def test_session_id_is_renewed_at_sign_in(client, make_user, login):
    user = make_user("jeugdverpleegkundige")
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by attacker"
    login(user)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_enrolment_of_second_factor_at_first_sign_in(client, make_user, clock, db_session):
    user = make_user("jeugdverpleegkundige", totp=False)
    response = _post_login(client, user.username, PASSWORD)
    assert response.headers["Location"].endswith("/login/tweede-factor-instellen")
    page = client.get("/login/tweede-factor-instellen").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    token = csrf_token(client, "/login/tweede-factor-instellen")
    bad = client.post("/login/tweede-factor-instellen", data={"code": "123456", "csrf_token": token})
    assert bad.status_code == 401
    code = pyotp.TOTP(secret).at(clock.now())
    ok = client.post("/login/tweede-factor-instellen", data={"code": code, "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    db_session.expire_all()
    assert db_session.get(type(user), user.id).totp_enrolled
    assert "totp_enrolled" in _audit_actions(db_session, user.username)


@pytest.mark.parametrize("settings_overrides", [{"REQUIRE_TOTP": False}])
def test_development_may_relax_totp_for_unenrolled_accounts(client, make_user, settings_overrides):
    user = make_user("jeugdverpleegkundige", totp=False)
    assert _post_login(client, user.username, PASSWORD).headers["Location"].endswith("/")
    assert client.get("/").status_code == 200


def test_projectleider_without_second_factor_may_sign_in(client, make_user):
    # a projectleider sees aggregates only, never personal data of families
    user = make_user("projectleider", totp=False)
    assert _post_login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_deactivated_user_cannot_sign_in(client, make_user, db_session):
    user = make_user("planner")
    user.active = False
    db_session.commit()
    assert _post_login(client, user.username, PASSWORD).status_code == 401


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_pages_have_no_inline_scripts_or_external_origins(client, make_user, login):
    login(make_user("privacy_officer"))
    for path in ("/login", "/", "/audit/", "/account"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "onclick=" not in html and "style=\"" not in html
        assert not re.search(r'(src|href)="(https?:)?//', html)


def test_open_redirect_is_refused(client, make_user, clock):
    user = make_user("jeugdverpleegkundige")
    token = csrf_token(client, "/login")
    client.post("/login?next=//evil.example/x", data={"username": user.username, "password": PASSWORD,
                                                     "csrf_token": token})
    token = csrf_token(client, "/login/code")
    response = client.post("/login/code", data={"code": totp_code(user, clock), "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_address_rate_limit_on_login(client, app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = csrf_token(client, "/login")
    for i in range(3):
        data = {"username": f"x{i}", "password": "y" * 12, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 401
    response = client.post("/login", data={"username": "x9", "password": "y" * 12, "csrf_token": token})
    assert response.status_code == 429
    assert "Te veel verzoeken" in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, make_user, login, db_session):
    user = make_user("jeugdverpleegkundige")
    first, second = app.test_client(), app.test_client()
    login(user, test_client=first)
    login(user, test_client=second)
    token = csrf_token(first, "/account")
    response = first.post("/account", data={"current": PASSWORD, "new": "a brand new passphrase",
                                            "csrf_token": token})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
