"""Uploads (consent scans) limited in size and type; the sign-in limit per address in Redis."""
from __future__ import annotations

import io
import os
import uuid

import pytest
import redis

from igp.extensions import db
from igp.sharing.models import ConsentRecord
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, family_id, data, filename, mimetype):
    token = csrf_token(client, f"/gezinnen/{family_id}")
    return client.post(f"/gezinnen/{family_id}/toestemming", content_type="multipart/form-data", data={
        "csrf_token": token, "domain": "sociaal", "categories": ["naw"], "purpose": "zorg_en_ondersteuning",
        "method": "schriftelijk", "scan": (io.BytesIO(data), filename, mimetype)})


def test_consent_scan_type_and_size(network, register, login, client, db_session, monkeypatch):
    from igp.sharing import services as sharing

    monkeypatch.setattr(sharing, "SCAN_MAX_BYTES", 4096)  # the real limit is 2 MB; the rule is the same
    family = register(network.gyn)
    login(network.gyn)
    exe = _upload(client, family.id, b"MZ\x90\x00binary", "formulier.pdf", "application/pdf")
    assert exe.status_code == 422 and "past niet bij het bestandstype" in exe.get_data(as_text=True)
    wrong_type = _upload(client, family.id, b"<html></html>", "formulier.html", "text/html")
    assert wrong_type.status_code == 422 and "Alleen een PDF" in wrong_type.get_data(as_text=True)
    big = _upload(client, family.id, PDF + b"0" * 5000, "groot.pdf", "application/pdf")
    assert big.status_code == 422 and "te groot" in big.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.query(ConsentRecord).filter_by(family_id=family.id).count() == 0
    ok = _upload(client, family.id, PDF, "formulier.pdf", "application/pdf")
    assert ok.status_code == 302
    record = db_session.query(ConsentRecord).filter_by(family_id=family.id).one()
    download = client.get(f"/gezinnen/{family.id}/toestemming/{record.id}/scan")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    # stored encrypted
    raw = db.session.execute(db.text("SELECT scan FROM consent_record WHERE id = :i"), {"i": record.id}).scalar()
    assert b"%PDF" not in bytes(raw)


def test_request_bodies_over_the_limit_are_refused(network, register, login, client, app):
    family = register(network.gyn)
    login(network.gyn)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _upload(client, family.id, PDF + b"0" * 8192, "formulier.pdf", "application/pdf")
    assert response.status_code == 413


def _redis_url():
    return os.environ.get("IGP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(_redis_url(), socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis not reachable at IGP_TEST_REDIS_URL (CI has one)")
@pytest.mark.parametrize("settings_overrides", [{"RATELIMIT_STORAGE_URI": _redis_url(),
                                                 "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_sign_in_limit_per_address_is_shared_through_redis(app, settings_overrides):
    """Two 'workers' (two clients) share the counter: the 4th attempt from the address is refused."""
    from igp.extensions import limiter

    limiter.reset()
    address = f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first, second = app.test_client(), app.test_client()
    for n, client in enumerate((first, second, first)):
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"username": f"x{n}", "password": "y" * 12, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 401
    token = csrf_token(second, "/login")
    blocked = second.post("/login", data={"username": "x9", "password": "y" * 12, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": address})
    assert blocked.status_code == 429
    limiter.reset()
