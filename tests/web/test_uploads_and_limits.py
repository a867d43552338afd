"""Uploads (consent scans) limited in size and type; the sign-in limit per address in Redis."""
from __future__ import annotations

import io

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
