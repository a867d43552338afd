"""No 500 on any input, and every error on /api/ in the JSON error shape.

The cases the independent battery found: dates at the ends of the calendar (year 1 overflowed
converting to UTC), a lone surrogate in a note (UnicodeEncodeError while encrypting), 405 without
Allow, and too long URLs and bodies answered as HTML.
"""
from __future__ import annotations

import pytest

from igp.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def family(network, register):
    return register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})


def _error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert error["field"] == field, error
    return error


# ------------------------------------------------------------------ dates outside 1900-2100

@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_consent_given_at_out_of_range(network, family, api, value):
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/consents", json={
        "recipient": {"domain": "jgz"}, "categories": ["naw"], "purpose": "zorg_en_ondersteuning",
        "method": "schriftelijk", "given_at": value})
    _error(response, 422, "given_at")


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01T00:00+14:00"])
def test_intake_planned_at_out_of_range(network, family, api, value):
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/intake", json={
        "type": "gezamenlijk", "location": "ziekenhuis", "planned_at": value})
    error = _error(response, 422, "planned_at")
    assert "tussen 1900 en 2100" in error["message"]


def test_handover_event_at_out_of_range(network, family, api):
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/handover/events", json={
        "type": "contactpoging", "at": "0001-01-01T00:00", "contact_mode": "telefoon"})
    error = _error(response, 422, "at")
    assert error["message"] == "Moment: de datum moet tussen 1900 en 2100 liggen."


def test_birth_date_out_of_range_on_the_aanmelding(network, api):
    from tests.conftest import family_data

    data = family_data(parents=[{"name": "Ouder Een", "birth_date": "0001-01-01"}])
    error = _error(api(network.gyn).post("/api/v1/families", json=data), 422, "parents[0].birth_date")
    assert "tussen 1900 en 2100" in error["message"]


@pytest.mark.parametrize("query,field", [("from=0001-01-01", "from"), ("to=9999-12-31", "to"),
                                         ("from=1899-12-31&to=1900-01-02", "from")])
def test_throughput_report_period_out_of_range(network, api, query, field):
    _error(api(network.pl).get(f"/api/v1/reports/throughput?{query}"), 422, field)


@pytest.mark.parametrize("query", ["van=0001-01-01", "tot=9999-12-31"])
def test_dashboard_period_out_of_range_is_a_page_not_a_500(network, client, login, query):
    login(network.pl)
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 422
    assert "tussen 1900 en 2100" in response.get_data(as_text=True)


def test_audit_search_dates_out_of_range(network, client, login):
    login(network.po)
    response = client.get("/audit/?van=0001-01-01&tot=9999-12-31")
    assert response.status_code == 200
    assert "Gebruik een geldige datum (tussen 1900 en 2100)." in response.get_data(as_text=True)


def test_the_edges_of_the_range_are_accepted(network, client, login):
    from datetime import date

    from igp.bounds import check_date, date_problem

    assert check_date(date(1900, 1, 1)) and check_date(date(2100, 12, 31))
    assert date_problem(date(1899, 12, 31), "Datum") == "Datum: de datum moet tussen 1900 en 2100 liggen."
    login(network.po)
    page = client.get("/audit/?van=1900-01-01&tot=2100-12-31").get_data(as_text=True)
    assert "Gebruik een geldige datum" not in page


def test_the_clock_never_overflows():
    from datetime import date

    from igp import clock
    from igp.bounds import OutOfRange

    with pytest.raises(OutOfRange):
        clock.from_local(date(1, 1, 1))
    with pytest.raises(OutOfRange):
        clock.parse_local_datetime("0001-01-01T00:00")
    with pytest.raises(ValueError):  # OutOfRange is a ValueError: old callers keep working
        clock.parse_local_datetime("9999-12-31T23:59")
    assert clock.from_local(date(9999, 12, 31)).year == 9999


# ------------------------------------------------------------------ characters no database stores

def test_lone_surrogate_in_a_note_is_a_422_naming_the_field(network, family, api):
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/notes",
                                     data='{"category": "consultverslagen", "text": "ab\\ud800cd"}',
                                     content_type="application/json")
    error = _error(response, 422, "text")
    assert error["message"] == ("Het veld 'text' bevat een ongeldig teken (losse surrogaat); verwijder het en "
                                "probeer het opnieuw.")


def test_lone_surrogate_deep_in_the_body_and_in_a_key(network, api):
    a = api(network.gyn)
    nested = a.post("/api/v1/families", data='{"parents": [{"name": "x\\udfff"}]}', content_type="application/json")
    _error(nested, 422, "parents[0].name")
    key = a.post("/api/v1/families", data='{"pa\\ud800": 1}', content_type="application/json")
    error = _error(key, 422)
    assert "field" not in error and "De invoer bevat een ongeldig teken (losse surrogaat)" in error["message"]


def test_nul_keeps_its_own_message(network, family, api):
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/notes",
                                     json={"category": "consultverslagen", "text": "a\x00b"})
    assert "(NUL)" in _error(response, 422, "text")["message"]


def test_encryption_never_raises_unicode_encode_error(app):
    from igp.crypto import EncryptedJSON, EncryptedText, UnstorableText, blind_index

    for call in (lambda: EncryptedText().process_bind_param("a\ud800", None),
                 lambda: EncryptedJSON().process_bind_param({"t": "a\ud800"}, None),
                 lambda: blind_index("naam", "a\ud800")):
        with pytest.raises(UnstorableText):
            call()


def test_without_the_request_check_the_crypto_layer_still_answers_422(app, network, family, api):
    """Defence in depth: were the request check gone, the column type refuses the text and the
    answer is still a 422, with nothing stored."""
    from sqlalchemy import func, select

    from igp.families.models import FamilyNote
    from igp.web import _reject_nul_characters

    a = api(network.gyn)
    app.before_request_funcs[None].remove(_reject_nul_characters)
    before = db.session.scalar(select(func.count()).select_from(FamilyNote))
    response = a.post(f"/api/v1/families/{family.id}/notes",
                      data='{"category": "consultverslagen", "text": "ab\\ud800cd"}', content_type="application/json")
    _error(response, 422)
    assert db.session.scalar(select(func.count()).select_from(FamilyNote)) == before


# ------------------------------------------------------------------ HTTP errors as JSON on the API

def test_405_on_the_api_is_json_with_allow(network, api):
    response = api(network.gyn).delete("/api/v1/me")
    error = _error(response, 405)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert error["code"] == "method_not_allowed" and "Toegestaan: GET, HEAD, OPTIONS." in error["message"]


def test_405_on_a_page_carries_allow_too(client):
    response = client.put("/login")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "text/html" in response.content_type


def test_413_on_the_api_is_json(network, family, api, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/notes",
                                     json={"category": "consultverslagen", "text": "x" * 5000})
    assert _error(response, 413)["code"] == "request_entity_too_large"


def test_414_on_the_api_is_json(network, api):
    response = api(network.gyn).get("/api/v1/families?poli=" + "x" * 8000)
    error = _error(response, 414)
    assert error == {"code": "uri_too_long", "message": "Het adres (URL) is te lang."}


def test_429_carries_retry_after(app, client, network):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    token = csrf_token(client, "/login")
    answers = [client.post("/login", data={"username": "gyn", "password": "wrong password 1",
                                           "csrf_token": token}) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    retry = int(answers[-1].headers["Retry-After"])
    assert 1 <= retry <= 61  # the window's end, rounded up
    assert "Te veel verzoeken" in answers[-1].get_data(as_text=True)


def test_429_on_the_api_token_is_json_with_retry_after(app, client, network):
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    body = {"username": "gyn", "password": "wrong password 1", "otp": "000000"}
    first, second = (client.post("/api/v1/auth/token", json=body) for _ in range(2))
    assert first.status_code == 401
    assert _error(second, 429)["code"] == "too_many_requests" and int(second.headers["Retry-After"]) >= 1


# ------------------------------------------------------------------ the refusal path's commit

@pytest.fixture
def failing_commits():
    """Make the next n commits fail as SQLite does under contention ("database is locked")."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    state = {"left": 0, "failed": 0}

    def fail(session):
        if state["left"] > 0:
            state["left"] -= 1
            state["failed"] += 1
            raise OperationalError("COMMIT", {}, Exception("database is locked"))

    event.listen(Session, "before_commit", fail)
    yield state
    event.remove(Session, "before_commit", fail)


def _refusals(route: str) -> int:
    from sqlalchemy import func, select

    from igp.audit.models import AuditEntry

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "refused", AuditEntry.object_id == route))


def test_a_busy_database_in_the_refusal_path_is_retried_and_the_refusal_logged(network, api, failing_commits):
    nurse = api(network.jvk)
    failing_commits["left"] = 1
    response = nurse.get("/api/v1/reports/throughput")
    assert failing_commits["failed"] == 1
    _error(response, 403)
    assert _refusals("api.throughput") == 1


def test_a_database_gone_in_the_refusal_path_is_a_503_not_a_500(network, api, failing_commits):
    nurse = api(network.jvk)
    failing_commits["left"] = 2
    response = nurse.get("/api/v1/reports/throughput")
    error = _error(response, 503)
    assert error["code"] == "commit_failed"
    assert _refusals("api.throughput") == 0
    assert nurse.get("/api/v1/reports/throughput").status_code == 403  # the next request is logged again
    assert _refusals("api.throughput") == 1


def test_a_refused_page_with_a_busy_database_is_a_dutch_page(network, client, login, failing_commits):
    login(network.jvk)
    failing_commits["left"] = 2
    response = client.get("/audit/")
    assert response.status_code == 503 and "text/html" in response.content_type
    assert "De inzage kon niet worden vastgelegd" in response.get_data(as_text=True)


# ------------------------------------------------------------------ numbers beyond 64 bits

HUGE = "-349654263951449174946349056"  # what the fuzz run found: SQLite cannot bind it


def test_a_huge_coordinator_filter_on_the_api_is_a_422_naming_it(network, api):
    _error(api(network.jvk).get(f"/api/v1/handovers?coordinator={HUGE}"), 422, "coordinator")
    assert api(network.jvk).get("/api/v1/handovers?coordinator=abc").status_code == 422
    assert api(network.jvk).get(f"/api/v1/handovers?coordinator={network.jvk.id}").status_code == 200


def test_a_huge_coordinator_filter_on_the_board_is_no_filter(network, client, login):
    login(network.jvk)
    assert client.get(f"/overdrachten?coordinator={HUGE}").status_code == 200


def test_any_other_huge_number_reaching_the_database_is_a_422(network, family, client, login):
    """A query parameter parsed with type=int and passed to a query as it is (the caseload's
    coordinator): the driver cannot bind it (SQLite raises OverflowError as it is, PostgreSQL a
    DataError); either way bad input, a Dutch 422 page, not a 500."""
    login(network.planner)
    response = client.get(f"/caseload?coordinator={HUGE.lstrip('-')}")
    assert response.status_code == 422, response.status_code
    assert "Een ingevulde waarde is ongeldig of te groot" in response.get_data(as_text=True)
