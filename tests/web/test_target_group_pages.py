"""The target-group pages as their users see them: "Doelgroep herbeoordelen" on the family page (who gets
the button, who gets 403), the history, the labels of the IGP's code lists (renamed, retired), the
beheerder's code-list page and the poli's "tweedelijns zorg" flag."""
from __future__ import annotations

import re

from sqlalchemy import select

from igp.admin.services import find_poli
from igp.extensions import db
from igp.families import codes
from igp.families.models import Family, TargetAssessment
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def test_the_registering_gynaecologist_reassesses_through_the_page(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Doelgroep herbeoordelen" in page
    form = client.get(f"/gezinnen/{family.id}/doelgroep/herbeoordelen")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    checked = set(re.findall(r'<input checked[^>]*name="vulnerabilities"[^>]*value="([a-z_]+)"', text))
    assert checked == {"financien", "psychisch"}        # the current criteria, to correct
    short = client.post(f"/gezinnen/{family.id}/doelgroep/herbeoordelen", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}/doelgroep/herbeoordelen"), "reason": "kort",
        "vulnerabilities": ["financien"]})
    assert short.status_code == 422
    assert "minstens 10 tekens" in short.get_data(as_text=True)
    assert db.session.scalars(select(TargetAssessment)).all() == []
    done = client.post(f"/gezinnen/{family.id}/doelgroep/herbeoordelen", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}/doelgroep/herbeoordelen"),
        "reason": "Geen sociale problemen meer na gesprek", "medical_reasons": ["psychiatrie"]},
        follow_redirects=True)
    assert done.status_code == 200
    shown = done.get_data(as_text=True)
    assert "het gezin valt buiten de doelgroep" in shown
    assert "Herbeoordelingen van de doelgroep" in shown and "Geen sociale problemen meer na gesprek" in shown
    assert "Aangemeld → Niet in doelgroep" in shown and "Warme overdracht beëindigd" in shown
    db.session.expire_all()
    assert db.session.get(Family, family.id).status == "niet_in_doelgroep"


def test_the_planner_gets_no_button_and_403(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.planner)
    page = client.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200 and "Doelgroep herbeoordelen" not in page.get_data(as_text=True)
    assert client.get(f"/gezinnen/{family.id}/doelgroep/herbeoordelen").status_code == 403
    refused = client.post(f"/gezinnen/{family.id}/doelgroep/herbeoordelen", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "reason": "Een goede reden hier"})
    assert refused.status_code == 403
    assert db.session.scalars(select(TargetAssessment)).all() == []


def test_the_coordinator_sees_the_button(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    coordinator = db.session.get(Family, family.id).coordinator
    login(coordinator)
    assert "Doelgroep herbeoordelen" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)


def test_renamed_and_retired_labels_on_the_family_page(network, register, login, client):
    family = register(network.gyn, consent=CONSENT, vulnerabilities=["netwerk", "financien"],
                      protective_factors=["betrokken_partner"])
    codes.retire_code(network.admin, "vulnerabilities", "netwerk")
    codes.rename_code(network.admin, "vulnerabilities", "financien", {"label": "Geldzorgen en schulden"})
    db.session.commit()
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Klein of ontbrekend netwerk" in page          # retired: still readable
    assert "Geldzorgen en schulden" in page               # renamed: the new label
    assert "Betrokken partner" in page                    # protective factors shown
    form = client.get("/gezinnen/aanmelden").get_data(as_text=True)
    assert 'value="netwerk"' not in form and "Geldzorgen en schulden" in form   # not offered any more


def test_the_beheerder_keeps_the_code_lists_on_the_page(network, login, client):
    login(network.admin)
    assert client.get("/beheer/doelgroepcodes").status_code == 200
    token = csrf_token(client, "/beheer/doelgroepcodes")
    added = client.post("/beheer/doelgroepcodes", data={"csrf_token": token, "kind": "protective_factors",
                                                        "action": "add", "code": "goede_zorg_eerder",
                                                        "label": "Eerder goede ervaring met hulp"},
                        follow_redirects=True)
    assert "is toegevoegd" in added.get_data(as_text=True)
    bad = client.post("/beheer/doelgroepcodes", data={"csrf_token": token, "kind": "protective_factors",
                                                      "action": "add", "code": "Fout Code", "label": "Iets"})
    assert bad.status_code == 422
    retired = client.post("/beheer/doelgroepcodes", data={"csrf_token": token, "kind": "medical_reasons",
                                                          "action": "retire", "code": "huid"}, follow_redirects=True)
    assert "is vervallen" in retired.get_data(as_text=True)
    assert "huid" not in codes.active("medical_reasons")


def test_others_get_403_on_the_code_list_page(network, login, client):
    login(network.gyn)
    assert client.get("/beheer/doelgroepcodes").status_code == 403
    assert client.post("/beheer/doelgroepcodes", data={"kind": "vulnerabilities", "action": "retire",
                                                       "code": "netwerk"}).status_code in (400, 403)
    assert "netwerk" in codes.active("vulnerabilities")


def test_the_beheerder_marks_a_poli_as_second_line(network, login, client):
    login(network.admin)
    index = client.get("/beheer/").get_data(as_text=True)
    assert "Tweedelijns zorg" in index
    response = client.post("/beheer/polis/mamaplus/wijzigen", data={
        "csrf_token": csrf_token(client, "/beheer/polis/mamaplus/wijzigen"), "second_line": "y",
        "handover_term_workdays": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert find_poli("mamaplus").second_line is True
