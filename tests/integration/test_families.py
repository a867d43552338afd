"""Aanmelding and intake through the API: target group, validation, duplicates, encryption."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select, text

from igp.families.models import Family, Referral
from tests.conftest import family_data

CANARIES = ["Canary Moedernaam", "111222333", "Canarystraat 12", "Canarystad", "06-12345678",
            "Geldzorgen en eerdere depressie", "Verloskundige Vos"]


def test_register_family_through_the_api(network, api):
    response = api(network.jvk).post("/api/v1/families", json=family_data())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["pseudonym"].startswith("GZ-") and len(body["pseudonym"]) == 8
    assert body["status"] == "aangemeld"
    assert body["target_group"]["eligible"] is True
    assert body["target_group"]["reasons"][0] == "Valt binnen de doelgroep van de IGP."
    # referral Mon 23-11-2026 10:00 -> 5 working days -> Mon 30-11-2026; today (fixed clock) is Tue 24-11
    assert body["handover"] == {"status": "aangemeld", "deadline": "2026-11-30", "workdays_left": 4,
                                "signal": "op_schema"}
    assert body["coordinator"]["name"] == network.jvk.name  # the registering jeugdverpleegkundige


def test_get_list_and_search(network, api, register):
    family = register(network.jvk)
    a = api(network.jvk)
    detail = a.get(f"/api/v1/families/{family.id}").get_json()
    assert detail["parents"][0]["name"] == "Canary Moedernaam"
    assert detail["parents"][0]["bsn"] == "111222333"
    assert detail["withheld"] == []
    listing = a.get("/api/v1/families?poli=pop&status=aangemeld").get_json()
    assert [f["pseudonym"] for f in listing["items"]] == [family.pseudonym]
    assert a.get("/api/v1/families?status=actief").get_json()["items"] == []
    bad = a.get("/api/v1/families?status=gek")
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "status"
    by_bsn = a.post("/api/v1/families/search", json={"bsn": "111 222 333"}).get_json()["items"]
    assert [f["id"] for f in by_bsn] == [family.id]
    by_name = a.post("/api/v1/families/search", json={"name": "canary  moedernaam",
                                                      "birth_date": "1995-03-14"}).get_json()["items"]
    assert [f["id"] for f in by_name] == [family.id]
    by_pseudonym = a.get(f"/api/v1/families/search?pseudonym={family.pseudonym.lower()}").get_json()["items"]
    assert [f["id"] for f in by_pseudonym] == [family.id]
    assert a.post("/api/v1/families/search", json={"pseudonym": family.pseudonym}).get_json()["items"][0]["id"] \
        == family.id
    bad = a.post("/api/v1/families/search", json={"bsn": "123456789"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "bsn"
    # identifying values never travel in a URL: the GET names the POST (a contract change, see README)
    for query in ("bsn=111222333", "name=canary&birth_date=1995-03-14", "birth_date=1995-03-14"):
        refused = a.get(f"/api/v1/families/search?{query}")
        assert refused.status_code == 400, query
        assert refused.get_json()["error"]["code"] == "use_post"
        assert "POST /api/v1/families/search" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize("change,field,message", [
    ({"parents": [{"name": "X", "bsn": "123456789"}]}, "parents[0].bsn", "elfproef"),
    ({"parents": [{"name": "X", "birth_date": "2030-01-01"}]}, "parents[0].birth_date", "toekomst"),
    ({"referred_at": "2026-11-26T10:00:00+01:00"}, "referred_at", "toekomst"),
    ({"expected_due_date": "2027-11-01"}, "expected_due_date", "10 maanden"),
    ({"expected_due_date": None}, "expected_due_date", "uitgerekende datum"),
    ({"phase": "postnatal", "children": [{"name": "K", "birth_date": "2024-10-01"}]}, "children[0].birth_date",
     "leeftijdsgrens"),
    ({"phase": "postnatal", "children": [{"name": "K", "birth_date": "2026-12-01"}]}, "children[0].birth_date",
     "toekomst"),
    ({"phase": "postnatal", "children": []}, "children", "kind"),
    ({"poli": "onbekend"}, "poli", "Onbekende poli"),
    ({"phase": "zwanger"}, "phase", "onbekende waarde"),
    ({"referrer": {"type": "buurvrouw"}}, "referrer.type", "onbekende waarde"),
    ({"vulnerabilities": ["geld"]}, "vulnerabilities", "onbekende code 'geld'"),
    ({"medical_reasons": ["griep"]}, "medical_reasons", "onbekende code 'griep'"),
    ({"screening": {"instrument": "xyz"}}, "screening.instrument", "onbekende waarde"),
    ({"parents": []}, "parents", "ten minste één ouder"),
    ({"parents": [{"name": ""}]}, "parents[0].name", "verplicht"),
    ({"parents": [{"name": "X", "postcode": "12AB"}]}, "parents[0].postcode", "Postcode"),
    ({"high_risk": "misschien"}, "high_risk", "ja of nee"),
])
def test_bad_input_is_refused_with_the_field_named(network, api, db_session, change, field, message):
    before = db_session.scalar(select(func.count()).select_from(Family))
    response = api(network.jvk).post("/api/v1/families", json=family_data(**change))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error.get("fields", {error.get("field"): error["message"]})
    assert message.lower() in error.get("fields", {}).get(field, error["message"]).lower()
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Family)) == before  # nothing stored half


def test_several_errors_are_reported_together(network, api):
    response = api(network.jvk).post("/api/v1/families", json=family_data(poli="x", phase="y",
                                                                           parents=[{"name": "A", "bsn": "1"}]))
    fields = response.get_json()["error"]["fields"]
    assert {"poli", "phase", "parents[0].bsn"} <= set(fields)


def test_not_in_target_group_starts_no_handover(network, api):
    body = api(network.jvk).post("/api/v1/families", json=family_data(vulnerabilities=[])).get_json()
    assert body["status"] == "niet_in_doelgroep"
    assert body["target_group"]["eligible"] is False
    assert body["handover"] is None


def test_professional_override_is_recorded(network, api, db_session):
    body = api(network.jvk).post("/api/v1/families", json=family_data(
        vulnerabilities=[], target_group_override={"reason": "Moeder vertelde later over grote schulden."})).get_json()
    assert body["status"] == "aangemeld" and body["target_group"]["eligible"] is False
    assert body["target_group"]["override"] is True
    family = db_session.get(Family, body["id"])
    assert family.target_override_reason == "Moeder vertelde later over grote schulden."
    assert family.target_override_by_id == network.jvk.id
    assert body["handover"]["status"] == "aangemeld"


def test_duplicate_by_bsn_is_linked_not_duplicated(network, api, register, db_session):
    family = register(network.jvk)
    a = api(network.jvk)
    again = a.post("/api/v1/families", json=family_data(parents=[{"name": "Andere Spelling", "bsn": "111222333"}]))
    assert again.status_code == 409
    duplicates = again.get_json()["error"]["duplicates"]
    assert duplicates == [{"id": family.id, "pseudonym": family.pseudonym, "match": "bsn", "visible": True,
                           "organisation": network.jgz.name}]
    refused = a.post("/api/v1/families", json=family_data(parents=[{"name": "X", "bsn": "111222333"}],
                                                          confirm_new=True))
    assert refused.status_code == 422  # the same BSN is never a second family
    linked = a.post("/api/v1/families", json=family_data(parents=[{"name": "X", "bsn": "111222333"}],
                                                         link_to_family_id=family.id))
    assert linked.status_code == 200 and linked.get_json()["linked"] is True
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Family)) == 1
    assert db_session.scalar(select(func.count()).select_from(Referral).where(Referral.family_id == family.id)) == 2


def test_duplicate_by_name_and_birth_date_may_be_confirmed_as_new(network, api, register, db_session):
    register(network.jvk, parents=[{"name": "Anna de Vries", "birth_date": "1990-01-01"}])
    a = api(network.jvk)
    data = family_data(parents=[{"name": "anna  DE vries", "birth_date": "1990-01-01"}])
    response = a.post("/api/v1/families", json=data)
    assert response.status_code == 409 and response.get_json()["error"]["duplicates"][0]["match"] == \
        "naam_geboortedatum"
    data["confirm_new"] = True
    assert a.post("/api/v1/families", json=data).status_code == 201
    cannot_link_elsewhere = a.post("/api/v1/families", json=family_data(link_to_family_id=999999))
    assert cannot_link_elsewhere.status_code == 422


def test_intake_plan_and_record(network, api, register):
    family = register(network.jvk)
    a = api(network.jvk)
    planned = a.post(f"/api/v1/families/{family.id}/intake", json={
        "type": "gezamenlijk", "location": "consultatiebureau", "planned_at": "2026-11-26T10:00",
        "participants": [network.jvk.id, network.gyn.id]})
    assert planned.status_code == 201, planned.get_json()
    assert planned.get_json()["family_status"] == "in_intake"
    assert planned.get_json()["planned_at"] == "2026-11-26T09:00:00Z"  # 10:00 Amsterdam
    bad = a.post(f"/api/v1/families/{family.id}/intake", json={"held_at": "2026-11-25T10:00"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "held_at"  # in the future
    held = a.post(f"/api/v1/families/{family.id}/intake", json={
        "held_at": "2026-11-24T09:30", "report": "Kennismaking", "outcome": "actief", "plan": "Wekelijks contact"})
    assert held.status_code == 201 and held.get_json()["family_status"] == "actief"
    detail = a.get(f"/api/v1/families/{family.id}").get_json()
    assert detail["intakes"][0]["report"] == "Kennismaking"
    assert detail["handover"]["status"] == "intake_gehouden" and detail["handover"]["term_met"] is True
    assert a.post(f"/api/v1/families/{family.id}/intake", json={"type": "x"}).status_code == 422


def _fresh_database(database_url: str, tmp_path):
    """A separate, really committed database of the same kind as the test database."""
    from sqlalchemy import create_engine

    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'dump-test.db'}", None
    base = database_url.rsplit("/", 1)[0]
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS igp_dump_test"))
        conn.execute(text("CREATE DATABASE igp_dump_test"))
    return f"{base}/igp_dump_test", admin


def _raw_dump(url: str) -> bytes:
    if url.startswith("sqlite"):
        from pathlib import Path

        path = Path(url.removeprefix("sqlite:///"))
        data = path.read_bytes()
        for suffix in ("-wal", "-journal"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                data += extra.read_bytes()
        return data
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed for the PostgreSQL dump test (Debian package postgresql-client)")
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(["pg_dump", "--data-only", plain], capture_output=True, check=True).stdout


def test_database_dump_contains_no_personal_data(database_url, tmp_path, clock):
    """Register a family (with intake report, consent and note) in a real, committed database and
    search the raw file (SQLite) or `pg_dump` output (PostgreSQL) for every value entered."""
    import flask_migrate

    from config import Testing
    from igp import create_app
    from igp.admin.services import create_poli
    from igp.auth.services import create_organisation, create_user
    from igp.extensions import db
    from igp.families.services import aanmelden, add_note, plan_or_record_intake

    url, admin = _fresh_database(database_url, tmp_path)
    try:
        other = create_app(Testing(SQLALCHEMY_DATABASE_URI=url), clock=clock)
        with other.app_context():
            flask_migrate.upgrade()
            org = create_organisation("JGZ Dump", "jgz")
            create_poli("pop", "POP-poli")
            user = create_user(username="jvkdump", name="JVK", organisation=org, roles=["jeugdverpleegkundige"],
                               password="correct horse battery staple")
            data = family_data(support_question="Canary hulpvraag post",
                               consent={"preset": "kernteam", "method": "schriftelijk"})
            family = aanmelden(user, data).family
            plan_or_record_intake(user, family.id, {"held_at": "2026-11-24T09:00", "report": "Canary intakeverslag"})
            add_note(user, family.id, "medicatie", "Canary medicatie sertraline")
            db.session.commit()
            family_id = family.id
            db.session.remove()
            db.engine.dispose()
        raw = _raw_dump(url)
        assert len(raw) > 1000
        for canary in CANARIES + ["Canary hulpvraag post", "Canary intakeverslag", "sertraline", "1995-03-14"]:
            assert canary.encode() not in raw, f"{canary!r} found in plaintext in the dump"
        with other.app_context():  # while the app reads everything back
            assert db.session.get(Family, family_id).parents[0].name == "Canary Moedernaam"
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS igp_dump_test WITH (FORCE)"))
            admin.dispose()


def test_key_rotation_keeps_data_readable_and_removes_old_ciphertexts(network, register, app, db_session, clock):
    from igp.crypto import Keyring
    from igp.extensions import db

    family = register(network.jvk)
    old_key = app.config["ENCRYPTION_KEYS"][0]
    new_key = Fernet.generate_key().decode()
    # deploy with [new, old]: everything still readable, new writes use the new key
    app.extensions["igp_crypto"] = Keyring([new_key, old_key], app.config["BLIND_INDEX_KEY"])
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "values re-encrypted" in result.output
    # no stored token can be decrypted with the old key any more
    old = Fernet(old_key.encode())
    tokens = [row[0] for row in db.session.execute(text("SELECT name FROM parent UNION ALL SELECT reason FROM referral"))]
    assert tokens
    for token in tokens:
        with pytest.raises(InvalidToken):
            old.decrypt(token.encode())
    # drop the old key: data still readable
    app.extensions["igp_crypto"] = Keyring([new_key], app.config["BLIND_INDEX_KEY"])
    db_session.expire_all()
    assert db_session.get(Family, family.id).parents[0].name == "Canary Moedernaam"


def test_roles_that_may_not_register(network, api):
    for user in (network.vrijwilliger, network.po):
        response = api(user).post("/api/v1/families", json=family_data())
        assert response.status_code == 403, user.username
