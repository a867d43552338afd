"""Retention, erasure on request, and failures: no half-written state, a clear 503, recovery."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from config import Testing
from igp import create_app
from igp.audit.models import AuditEntry
from igp.coordination.services import exit_family
from igp.extensions import db
from igp.families.models import Family, FamilyNote, Parent
from igp.families.services import add_note
from tests.conftest import family_data


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def closed_family(network, register, clock):
    family = register(network.jvk)
    add_note(network.jvk, family.id, "medicatie", "Canary medicatie")
    exit_family(network.jvk, family.id, {"reason": "verhuisd"})
    db.session.commit()
    return family


def test_retention_removes_closed_families_after_the_period(closed_family, app, clock, db_session):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["retention", "list"])
    assert listed.output.strip().endswith("0 families with expired data.")
    clock.set(datetime(2046, 11, 25, 9, tzinfo=timezone.utc))  # 20 years later
    listed = runner.invoke(args=["retention", "list"])
    assert closed_family.pseudonym in listed.output and "whole family" in listed.output
    refused = runner.invoke(args=["retention", "purge"])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert _count(Family, Family.id == closed_family.id) == 1
    done = runner.invoke(args=["retention", "purge", "--yes"])
    assert done.exit_code == 0 and "1 families" in done.output
    assert _count(Family, Family.id == closed_family.id) == 0
    assert _count(Parent, Parent.family_id == closed_family.id) == 0
    # the audit trail stays, with only the pseudonym
    assert _count(AuditEntry, AuditEntry.family_pseudonym == closed_family.pseudonym) > 3
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_shorter_period_for_one_category_removes_only_those_notes(closed_family, app, clock):
    from igp.admin.services import set_setting

    set_setting("retention_years", {"medicatie": 1})
    db.session.commit()
    clock.set(datetime(2027, 12, 1, 9, tzinfo=timezone.utc))
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--yes"])
    assert result.output.strip() == "0 families and 1 notes deleted."
    assert _count(FamilyNote, FamilyNote.family_id == closed_family.id) == 0
    assert _count(Family, Family.id == closed_family.id) == 1


def test_active_families_never_expire(network, register, clock):
    from igp.retention.services import expired

    register(network.jvk)
    clock.set(datetime(2060, 1, 1, tzinfo=timezone.utc))
    assert expired() == []


def test_erasure_on_request(closed_family, network, api, app):
    pseudonym, family_id = closed_family.pseudonym, closed_family.id
    refused = api(network.jvk).delete(f"/api/v1/families/{closed_family.id}", json={"reason": "verzoek ouders"})
    assert refused.status_code == 403
    no_reason = api(network.po).delete(f"/api/v1/families/{closed_family.id}", json={"reason": ""})
    assert no_reason.status_code == 422
    done = api(network.po).delete(f"/api/v1/families/{closed_family.id}",
                                  json={"reason": "Schriftelijk verzoek van beide ouders d.d. 20-11-2026"})
    assert done.status_code == 200 and done.get_json() == {"erased": pseudonym}
    assert _count(Family, Family.id == family_id) == 0
    erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).all()
    assert [e.family_pseudonym for e in erased] == [pseudonym]
    cli = app.test_cli_runner().invoke(args=["retention", "erase", "GZ-NOPE", "--reason", "verzoek", "--yes"])
    assert cli.exit_code == 1


def test_database_unreachable_gives_a_clear_503(tmp_path):
    app = create_app(Testing(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none"))
    page = app.test_client().get("/login")
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "De database is tijdelijk niet bereikbaar" in body and "Traceback" not in body
    api = app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer x"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "database_unavailable"


def test_database_going_away_mid_request_leaves_nothing_half_written(network, api, app, monkeypatch):
    """The commit fails after the aanmelding was flushed: 503, no family, no audit entry; the
    next request works again."""
    a = api(network.jvk)
    families_before = _count(Family)
    audit_before = _count(AuditEntry, AuditEntry.action == "create", AuditEntry.object_type == "family")
    original = db.session.commit
    calls = {"n": 0}

    def failing_commit():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
        return original()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = a.post("/api/v1/families", json=family_data())
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "commit_failed"
    monkeypatch.setattr(db.session, "commit", original)
    assert _count(Family) == families_before
    assert _count(AuditEntry, AuditEntry.action == "create", AuditEntry.object_type == "family") == audit_before
    again = a.post("/api/v1/families", json=family_data())
    assert again.status_code == 201


def test_data_is_never_written_without_its_audit_entry(network, api, monkeypatch):
    from igp.audit import services as audit

    def broken(session):
        raise OperationalError("INSERT INTO audit_entry", {}, Exception("disk full"))

    client = api(network.jvk)  # sign in first: signing in writes audit entries too
    monkeypatch.setattr(audit, "_flush_pending", broken)
    before = _count(Family)
    response = client.post("/api/v1/families", json=family_data())
    assert response.status_code == 503
    monkeypatch.undo()
    assert _count(Family) == before


@pytest.mark.skipif(not os.environ.get("IGP_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="the entries are written with COPY on PostgreSQL only")
def test_a_failing_copy_of_the_audit_entries_withholds_the_family(network, api, register, monkeypatch):
    """The read entries of a request are written with one COPY: when the database refuses it, the
    family's data is not sent (503), nothing of the read is logged half, and the next read works."""
    from igp.audit import services as audit

    family = register(network.jvk)
    db.session.commit()
    client = api(network.jvk)
    reads = _count(AuditEntry, AuditEntry.action == "read", AuditEntry.object_id == str(family.id))
    monkeypatch.setattr(audit, "_copy_statement", lambda: "COPY audit_entry (no_such_column) FROM STDIN")
    response = client.get(f"/api/v1/families/{family.id}")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "commit_failed"
    assert family.pseudonym not in response.get_data(as_text=True)
    monkeypatch.undo()
    assert _count(AuditEntry, AuditEntry.action == "read", AuditEntry.object_id == str(family.id)) == reads
    again = client.get(f"/api/v1/families/{family.id}")
    assert again.status_code == 200
    assert _count(AuditEntry, AuditEntry.action == "read", AuditEntry.object_id == str(family.id)) == reads + 1
    assert audit.verify_chain().ok


def test_oversized_body_is_refused(network, api, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api(network.jvk).post("/api/v1/families", json=family_data(reason="x" * 5000))
    assert response.status_code == 413 and response.is_json
