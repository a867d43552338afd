"""Hostile input through the HTML forms: random text never causes a 500, markup is escaped
everywhere it is shown, and a refused form stores nothing."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from igp.extensions import db
from igp.families.models import Family
from tests.conftest import csrf_token

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FIELDS = ["referrer_name", "referrer_organisation", "reason", "parent1_name", "parent1_bsn", "parent1_phone",
          "parent1_address", "parent1_postcode", "parent1_city", "expected_due_date", "child1_birth_date",
          "child1_weight", "override_reason", "poli", "phase", "referrer_type", "referred_at"]


def test_markup_is_escaped_on_every_page(network, register, login, client, api):
    family = register(network.jvk, parents=[{"name": XSS, "address": XSS, "city": XSS}], reason=XSS,
                      referrer={"type": "huisarts", "name": XSS, "organisation": XSS})
    login(network.jvk)
    for path in ("/gezinnen/", f"/gezinnen/{family.id}", "/mijn-gezinnen", "/overdrachten", "/signalen"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    response = api(network.jvk).get(f"/api/v1/families/{family.id}")
    # JSON is data, never rendered: served as application/json with nosniff
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(values=st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.text(max_size=300), st.just(XSS)),
                              max_size=len(FIELDS)))
def test_random_aanmelding_forms_never_fail(network, login, client, values):
    if not getattr(network, "_signed_in", False):
        login(network.jvk)
        network._signed_in = True
        network._token = csrf_token(client, "/gezinnen/aanmelden")
    before = db.session.scalar(select(func.count()).select_from(Family))
    response = client.post("/gezinnen/aanmelden", data=dict(values, csrf_token=network._token))
    assert response.status_code in (200, 302, 400, 409, 422), response.status_code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code != 302:  # re-shown with the input kept: escaped, never as markup
        assert XSS not in text
    if response.status_code != 302:
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Family)) == before  # nothing stored half


def test_nul_character_is_refused_naming_the_field(network, login, client, api):
    """PostgreSQL cannot store NUL; the user gets a clear error naming the field, never a 500,
    and nothing is stored."""
    login(network.jvk)
    token = csrf_token(client, "/gezinnen/aanmelden")
    before = db.session.scalar(select(func.count()).select_from(Family))
    response = client.post("/gezinnen/aanmelden", data={"csrf_token": token, "reason": "zorg\x00en",
                                                         "parent1_name": "Test"})
    assert response.status_code == 422
    assert "reason" in response.get_data(as_text=True) and "ongeldig teken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Family)) == before

    response = api(network.jvk).post("/api/v1/families", json={"parents": [{"name": "A\x00B"}]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "parents[0].name"
    response = api(network.jvk).get("/api/v1/families?q=x%00y")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "q"
    response = api(network.jvk).post("/api/v1/families", json={"parents": [{"na\x00me": "A"}]})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "parents[0]"
    page = client.get("/gezinnen/?q=a%00b")
    assert page.status_code == 422 and "Het veld &#39;q&#39; bevat een ongeldig teken" in page.get_data(as_text=True)
    page = client.get("/gezinnen/?a%00b=1")  # a NUL in a name is never echoed back
    assert page.status_code == 422 and "De invoer bevat een ongeldig teken" in page.get_data(as_text=True)
    assert "\x00" not in page.get_data(as_text=True)


def test_nul_character_from_a_stranger_is_refused_as_unauthenticated_first(client):
    assert client.get("/gezinnen/?q=a%00b").status_code == 302  # to the login page, not a 422
    assert client.get("/api/v1/families?q=a%00b").status_code == 401
