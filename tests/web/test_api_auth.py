"""API authentication: tokens, JSON errors."""
from __future__ import annotations

from sqlalchemy import select

from igp.audit.models import AuditEntry
from tests.conftest import PASSWORD, totp_code


def test_token_issue_and_use(client, make_user, clock):
    user = make_user("jeugdverpleegkundige")
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD,
                                                        "otp": totp_code(user, clock)})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert body["expires_at"] == "2026-11-24T17:00:00Z"  # 8 hours from the fixed clock
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["username"] == user.username


def test_wrong_credentials_give_401_json(client, make_user, clock, db_session):
    user = make_user("jeugdverpleegkundige")
    for body in ({"username": user.username, "password": "wrong wrong wrong", "otp": totp_code(user, clock)},
                 {"username": "nobody", "password": PASSWORD, "otp": "123456"},
                 {"username": user.username, "password": PASSWORD, "otp": "000000"},
                 {"username": user.username, "password": PASSWORD}):
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 401, body
        assert response.is_json and response.get_json()["error"]["code"] == "invalid_credentials"
        assert "Traceback" not in response.get_data(as_text=True)
    db_session.expire_all()
    failures = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).all()
    assert len(failures) == 4


def test_token_body_validation_names_the_field(client):
    response = client.post("/api/v1/auth/token", json={"username": "a"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "password"
    response = client.post("/api/v1/auth/token", data="not json", content_type="text/plain")
    assert response.status_code == 422 and response.is_json


def test_expired_token_is_refused_and_logged(client, make_user, clock, api_token, db_session):
    user = make_user("jeugdverpleegkundige")
    token = api_token(user)
    clock.advance(hours=8, seconds=1)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "unauthorized",
                                             "message": "Niet aangemeld of token ongeldig of verlopen."}}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    db_session.expire_all()
    refused = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "token_refused")).all()
    assert refused and refused[-1].detail.endswith("expired")


def test_revoked_token_is_refused(client, make_user, api_token):
    user = make_user("jeugdverpleegkundige")
    token = api_token(user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_api_ignores_session_cookie(client, make_user, login):
    user = make_user("jeugdverpleegkundige")
    login(user)
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.is_json


def test_api_errors_are_json(client, make_user, api):
    user = make_user("jeugdverpleegkundige")
    a = api(user)
    response = a.get("/api/v1/does-not-exist")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = a.put("/api/v1/me", json={})
    assert response.status_code == 405 and response.is_json
    assert client.get("/api/v1/me").get_json()["error"]["code"] == "unauthorized"


def test_account_without_enrolled_totp_cannot_get_a_token(client, make_user):
    user = make_user("jeugdverpleegkundige", totp=False)
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["error"]["field"] == "otp"


def test_deactivating_a_user_revokes_tokens(client, make_user, api_token, db_session):
    user = make_user("jeugdverpleegkundige")
    token = api_token(user)
    user.active = False
    user.session_version += 1
    db_session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
