"""Small things of everyday work (issue 19): the menu leads to Mijn acties for whoever may open it,
the login page says what this deployment asks, the browser finds the icon."""
from __future__ import annotations

from igp.mdo.services import MDO_ROLES


def test_mijn_acties_is_in_the_menu_for_exactly_the_roles_that_may_open_it(network, login, app, make_user):
    for role in ("jeugdverpleegkundige", "sociaal_werker", "planner", "informele_steun", "projectleider",
                 "privacy_officer", "beheerder"):
        client = app.test_client()
        login(make_user(role, username=f"menu-{role}"), test_client=client)
        page = client.get("/").get_data(as_text=True)
        shown = '>Mijn acties</a>' in page
        status = client.get("/mdo/acties").status_code
        assert shown == (role in MDO_ROLES) == (status == 200), (role, shown, status)


def test_the_icon_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_the_audit_log_names_categories_and_reasons_in_words(network, login, client, db_session):
    from igp.audit import services as audit
    from igp.audit.views import categories_text

    assert categories_text("naw,zorgplan") == "NAW-gegevens, Gezinsplan"   # the guide's word; the code stays
    assert categories_text("naw:toestemming_ingetrokken") == "NAW-gegevens (toestemming ingetrokken)"
    audit.record("read", user=network.jvk, object_type="family", family_pseudonym="GZ-WOORD",
                 shown=["naw"], withheld=[("medische_voorgeschiedenis", "toestemming_ingetrokken")])
    db_session.commit()
    login(network.po)
    page = client.get("/audit/?gezin=GZ-WOORD").get_data(as_text=True)
    assert "afgeschermd: Medische voorgeschiedenis (toestemming ingetrokken)" in page
    assert "medische_voorgeschiedenis:toestemming_ingetrokken" not in page
