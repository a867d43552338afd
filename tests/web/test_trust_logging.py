"""What the audit log keeps of sign-ins and prints, and the absolute session lifetime."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.extensions import db
from tests.conftest import PASSWORD, csrf_token

TYPED = "Mijn-Geheime-Wachtwoord-2026"  # a password typed into the username field


def _entries(action: str, **filters) -> list[AuditEntry]:
    db.session.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == action)
    for name, value in filters.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(stmt.order_by(AuditEntry.seq)))


def _row_text(entry: AuditEntry) -> str:
    return " ".join(str(getattr(entry, c.name)) for c in AuditEntry.__table__.columns)


def _failed_login(client, username: str, password: str = "wrong password 99"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


# ------------------------------------------------------------------ failed sign-ins

def test_unknown_username_is_stored_as_a_keyed_marker_not_as_typed(app, client):
    assert _failed_login(client, TYPED).status_code == 401
    [entry] = _entries("sign_in_failed")
    assert entry.username.startswith("onbekend:") and len(entry.username) == len("onbekend:") + 16
    assert TYPED.lower() not in _row_text(entry).lower() and entry.detail == "password (unknown user)"
    # the same name again gives the same marker (repeated attempts stay visible), another name another
    _failed_login(client, TYPED)
    _failed_login(client, "someone-else")
    markers = [e.username for e in _entries("sign_in_failed")]
    assert markers[0] == markers[1] != markers[2]


def test_a_known_username_is_stored_as_the_account(app, client, make_user):
    user = make_user("jeugdverpleegkundige", username="jvk.bekend")
    _failed_login(client, "  JVK.Bekend ")
    [entry] = _entries("sign_in_failed")
    assert entry.username == "jvk.bekend" and entry.user_id == user.id and entry.detail == "password"


def test_throttled_attempts_with_an_unknown_name_store_no_typed_text(app, client):
    for _ in range(7):
        _failed_login(client, TYPED)
    entries = _entries("sign_in_failed")
    assert any(e.detail == "throttled" for e in entries)
    assert all(TYPED.lower() not in _row_text(e).lower() for e in entries)


def test_api_token_with_an_unknown_name_stores_no_typed_text(app, client):
    response = client.post("/api/v1/auth/token", json={"username": TYPED, "password": "x" * 12, "otp": "123456"})
    assert response.status_code == 401
    [entry] = _entries("sign_in_failed")
    assert entry.username.startswith("onbekend:") and TYPED.lower() not in _row_text(entry).lower()


def test_the_marker_needs_the_index_key(app):
    """Without IGP_BLIND_INDEX_KEY (kept out of the database) a marker cannot be tested against
    guesses: it is not a plain hash of the typed text."""
    import hashlib

    from igp.auth.services import logged_username

    marker = logged_username(TYPED.lower(), None)
    assert marker.removeprefix("onbekend:") not in hashlib.sha256(TYPED.lower().encode()).hexdigest()


# ------------------------------------------------------------------ prints

@pytest.fixture
def meeting_with_family(network, register):
    from igp.mdo import services as mdo

    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    db.session.commit()
    return meeting, family


def test_the_printable_mdo_agenda_is_logged_as_print(network, meeting_with_family, client, login):
    meeting, family = meeting_with_family
    login(network.chair)
    assert client.get(f"/mdo/{meeting.id}").status_code == 200
    assert _entries("print") == []
    assert client.get(f"/mdo/{meeting.id}/afdruk").status_code == 200
    printed = _entries("print")
    assert {(e.object_type, e.family_pseudonym) for e in printed} == {("mdo_meeting", None),
                                                                      ("family", family.pseudonym)}
    assert all(e.user_id == network.chair.id for e in printed)


def test_the_printable_report_is_logged_as_print(network, client, login):
    login(network.pl)
    assert client.get("/dashboard/rapport").status_code == 200
    [entry] = _entries("print", object_type="report")
    assert entry.detail.startswith("html: throughput")


def test_the_parents_overview_is_logged_as_print(network, register, client, login):
    family = register(network.gyn)
    login(network.po)
    assert client.get(f"/gezinnen/{family.id}/inzage-ouders").status_code == 200
    [entry] = _entries("print", family_pseudonym=family.pseudonym)
    assert entry.detail == "AVG art. 15 overview for parent 1"   # one overview per parent (issue 17)


# ------------------------------------------------------------------ absolute session lifetime

def test_a_session_ends_12_hours_after_sign_in_even_when_active(app, client, login, make_user, clock):
    user = make_user("jeugdverpleegkundige")
    login(user)
    for _ in range(35):  # a request every 20 minutes (never idle) for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200
    clock.advance(minutes=25)  # 12 h 5 min after the sign-in, 25 minutes after the last request
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert "Uw sessie is verlopen: na 12 uur moet u zich opnieuw aanmelden." in page
    [entry] = _entries("session_expired", user_id=user.id)
    assert entry.detail == "absolute lifetime"
    login(user)  # signing in again starts a new lifetime
    assert client.get("/").status_code == 200


def test_a_session_without_its_sign_in_time_is_ended(app, client, login, make_user):
    user = make_user("jeugdverpleegkundige")
    login(user)
    with client.session_transaction() as session:
        session.pop("signed_in_at")
    assert client.get("/").status_code == 302
    assert _entries("session_expired", user_id=user.id)[0].detail == "absolute lifetime"


def test_idle_timeout_still_applies(app, client, login, make_user, clock):
    user = make_user("jeugdverpleegkundige")
    login(user)
    clock.advance(minutes=31)
    assert client.get("/").status_code == 302
    assert _entries("session_expired", user_id=user.id)[0].detail == "idle"


def test_password_sign_in_still_works(client, make_user, login):
    user = make_user("jeugdverpleegkundige")
    login(user, password=PASSWORD)
    assert client.get("/").status_code == 200
