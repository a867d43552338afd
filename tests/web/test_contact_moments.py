"""The family page's section "Contactmomenten" (issue 18): the counts per discipline and the last
contacts for whoever reads the NAW; the compact form only for who may record (not a volunteer, not
the planner); PRG with a flash; on bad input 422 with the message at the field and the values kept."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from igp.contacts.models import ContactMoment
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.models import Family
from igp.sharing import services as sharing
from tests.conftest import csrf_token

FORM = "Contactmoment vastleggen"


@pytest.fixture
def family(network, register):
    registered = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    sharing.record_preset(network.gyn, registered.id, "informele_steun", method="schriftelijk")
    coordination.add_core_member(network.gyn, registered.id, {"user_id": network.vrijwilliger.id,
                                                              "case_role": "informele_steun"})
    db.session.commit()
    return db.session.get(Family, registered.id)


def test_the_gynaecologist_records_a_contact_in_a_few_clicks(network, family, login, client):
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "<h2 id=\"h-contacts\">Contactmomenten</h2>" in page and FORM in page
    assert 'name="contact_on" value="2026-11-24"' in page                 # today, prefilled
    assert "Discipline: Gynaecologie (volgt uit uw rol)" in page
    assert "dossier van uw eigen organisatie" in page                    # no content here
    token = csrf_token(client, f"/gezinnen/{family.id}")
    future = client.post(f"/gezinnen/{family.id}/contactmoment",
                         data={"csrf_token": token, "kind": "huisbezoek", "contact_on": "2026-12-01"})
    text = future.get_data(as_text=True)
    assert future.status_code == 422
    assert "De datum van het contact ligt in de toekomst." in text and 'href="#contact-on"' in text
    assert 'value="2026-12-01"' in text and '<option value="huisbezoek" selected>' in text   # kept
    assert db.session.scalars(select(ContactMoment)).all() == []
    done = client.post(f"/gezinnen/{family.id}/contactmoment",
                       data={"csrf_token": token, "kind": "huisbezoek", "contact_on": "2026-11-23"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/gezinnen/{family.id}")
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Het contactmoment is vastgelegd." in page
    assert "23-11-2026: Huisbezoek, Gynaecologie · Dr. Gyn (Ziekenhuis Test)" in page
    assert "<dt>Gynaecologie</dt><dd>1</dd>" in page and "huisbezoek," not in page   # labels, no codes


def test_the_volunteer_sees_no_contact_moments_the_planner_sees_them_without_the_form(network, family, login, client, app, api):
    assert api(network.gyn).post(f"/api/v1/families/{family.id}/contacts", json={"kind": "consult"}).status_code == 201
    login(network.vrijwilliger)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "24-11-2026: Consult op de poli" not in page and "Gynaecologie" not in page and FORM not in page
    token = csrf_token(client, f"/gezinnen/{family.id}")
    refused = client.post(f"/gezinnen/{family.id}/contactmoment", data={"csrf_token": token, "kind": "consult"})
    assert refused.status_code == 403
    planner = app.test_client()
    login(network.planner, test_client=planner)
    text = planner.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Contactmomenten" in text and FORM not in text
    assert len(db.session.scalars(select(ContactMoment)).all()) == 1


def test_a_professional_with_two_disciplines_picks_one(network, family, login, client, make_user):
    both = make_user("gynaecoloog", "verloskundige", org=network.hospital)
    login(both)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert '<select id="contact-discipline" name="discipline">' in page
    token = csrf_token(client, f"/gezinnen/{family.id}")
    done = client.post(f"/gezinnen/{family.id}/contactmoment", data={
        "csrf_token": token, "kind": "telefonisch", "contact_on": "2026-11-24", "discipline": "gynaecologie"})
    assert done.status_code == 302
    assert db.session.scalars(select(ContactMoment)).one().discipline == "gynaecologie"
