"""Local teams (issue 18): the beheerder's list per gemeente (own name, wijken, one fixed contact),
the family's gemeente and wijk (aanmelding and family page), the team shown on the family page, and
the figures per gemeente with the dashboard's small-cell suppression."""
from __future__ import annotations

import pytest

from igp.admin import services as admin
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.models import Family
from igp.reporting import rules as reporting_rules
from igp.reporting.services import parse_period, shown_by_gemeente
from igp.sharing import services as sharing
from igp.support import services as support
from tests.conftest import csrf_token, family_data


@pytest.fixture
def teams(network):
    noord = admin.save_local_team(network.admin, {
        "gemeente_name": "Rijnstad", "name": "Sociaal Wijkteam Noord", "wijken": "Noord, Oud-Noord",
        "contact_name": "Karin de Wit", "contact_phone": "030-1234567"})
    zuid = admin.save_local_team(network.admin, {
        "gemeente_name": "Rijnstad", "name": "Buurtteam Zuid", "wijken": "Zuid", "contact_user_id": network.sw.id})
    dorp = admin.save_local_team(network.admin, {
        "gemeente_name": "Heuveldorp", "name": "Sociaal Team Heuveldorp", "contact_name": "Piet Bos",
        "contact_email": "team@heuveldorp.example"})
    db.session.commit()
    return noord, zuid, dorp


def test_the_list_and_the_team_for_a_wijk(network, teams):
    noord, zuid, dorp = teams
    assert noord.gemeente_code == zuid.gemeente_code == "rijnstad" and dorp.gemeente_code == "heuveldorp"
    assert [w["code"] for w in noord.wijken] == ["noord", "oud_noord"]
    assert admin.local_team_for("rijnstad", "oud_noord").id == noord.id
    assert admin.local_team_for("rijnstad", "oud_noord").contact_phone == "030-1234567"
    assert admin.local_team_for("rijnstad", "zuid").id == zuid.id
    assert admin.local_team_for("rijnstad", "zuid").contact_user.name == network.sw.name
    assert admin.local_team_for("heuveldorp", None).id == dorp.id       # a team for the whole gemeente
    assert admin.area_problems("rijnstad", "dorpskern") == {"wijk": "Kies een wijk van deze gemeente."}
    assert admin.area_problems(None, "noord") == {"wijk": "Kies eerst de gemeente."}
    assert admin.area_problems("elders", None) == {"gemeente": "Kies een gemeente uit de lijst van deze IGP."}
    admin.retire_local_team(network.admin, zuid.id)
    assert admin.local_team_for("rijnstad", "zuid") is None
    assert admin.area_problems("rijnstad", "zuid") == {"wijk": "Kies een wijk van deze gemeente."}
    assert admin.area_labels()[1][("rijnstad", "zuid")] == "Zuid"    # retired: still readable


def test_the_beheerder_keeps_the_list_on_the_page(network, login, client, app):
    login(network.admin)
    page = client.get("/beheer/lokale-teams")
    assert page.status_code == 200 and "Nog geen lokale teams" in page.get_data(as_text=True)
    token = csrf_token(client, "/beheer/lokale-teams")
    bad = client.post("/beheer/lokale-teams", data={"csrf_token": token, "action": "save", "gemeente_name": "Rijnstad",
                                                    "name": "Wijkteam West", "contact_name": "Anna"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Vul een telefoonnummer of e-mailadres" in text and 'value="Wijkteam West"' in text
    ok = client.post("/beheer/lokale-teams", data={"csrf_token": token, "action": "save", "gemeente_name": "Rijnstad",
                                                   "name": "Wijkteam West", "wijken": "West", "contact_name": "Anna",
                                                   "contact_phone": "030-7654321"})
    assert ok.status_code == 302
    [team] = admin.list_local_teams()
    retire = client.post("/beheer/lokale-teams", data={"csrf_token": token, "action": "retire", "team_id": team.id})
    assert retire.status_code == 302 and "vervallen" in client.get("/beheer/lokale-teams").get_data(as_text=True)
    other = app.test_client()
    login(network.jvk, test_client=other)
    assert other.get("/beheer/lokale-teams").status_code == 403


def test_gemeente_and_wijk_at_the_aanmelding_and_the_team_on_the_family_page(network, teams, register, login, client,
                                                                              api):
    answer = api(network.gyn).post("/api/v1/families", json=family_data(
        gemeente="rijnstad", wijk="zuid", referrer={"type": "wijkteam", "name": "Mevr. Wijk"},
        consent={"preset": "kernteam", "method": "schriftelijk"}))
    assert answer.status_code == 201, answer.get_json()
    family = db.session.get(Family, answer.get_json()["id"])
    assert (family.gemeente, family.wijk) == ("rijnstad", "zuid")
    read = api(network.gyn).get(f"/api/v1/families/{family.id}").get_json()   # within the NAW, as codes
    assert (read["gemeente"], read["wijk"]) == ("rijnstad", "zuid")
    wrong = api(network.gyn).post("/api/v1/families", json=family_data(gemeente="rijnstad", wijk="dorpskern",
                                                                      parents=[{"name": "Ander Gezin"}]))
    assert wrong.status_code == 422 and wrong.get_json()["error"]["fields"]["wijk"] == "Kies een wijk van deze gemeente."
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Buurtteam Zuid" in page and "Sociaal Werker" in page       # the team and its fixed contact (a user)
    assert "Verwijzer</dt><dd>Buurtteam Zuid" in page                   # wijkteam shown by the team's own name
    token = csrf_token(client, f"/gezinnen/{family.id}")
    bad = client.post(f"/gezinnen/{family.id}/gemeente-wijk", data={"csrf_token": token, "gemeente": "heuveldorp",
                                                                    "wijk": "noord"})
    assert bad.status_code == 422 and "Kies een wijk van deze gemeente." in bad.get_data(as_text=True)
    ok = client.post(f"/gezinnen/{family.id}/gemeente-wijk", data={"csrf_token": token, "gemeente": "rijnstad",
                                                                   "wijk": "noord"})
    assert ok.status_code == 302
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Sociaal Wijkteam Noord" in page and "Karin de Wit" in page and "030-1234567" in page


def test_no_change_without_the_role_or_the_family(network, teams, register):
    family = register(network.gyn, gemeente="heuveldorp")
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                          "case_role": "informele_steun"})
    db.session.commit()
    with pytest.raises(Exception) as refused:   # the volunteer sees the NAW, but does not keep it
        support.set_local_area(network.vrijwilliger, family.id, {"gemeente": "rijnstad"})
    assert refused.value.status == 403
    with pytest.raises(Exception) as none:      # the projectleider sees no family at all
        support.set_local_area(network.pl, family.id, {"gemeente": "rijnstad"})
    assert none.value.status == 404
    with pytest.raises(Exception) as hidden:
        support.set_local_area(network.outsider, family.id, {"gemeente": "rijnstad"})
    assert hidden.value.status == 404
    assert db.session.get(Family, family.id).gemeente == "heuveldorp"


def test_figures_per_gemeente_are_suppressed_like_the_dashboard(network, teams, register, api):
    """Hand-worked: 6 aanmeldingen in Rijnstad, 2 in Heuveldorp, 1 without a gemeente (threshold 5).
    Heuveldorp 2 and onbekend 1 are primary ("<5"); together they are 3 = 9 - 6, so no secondary
    cell is needed (the reader knows only their sum lies in 2..8)."""
    for n in range(6):
        register(network.gyn, gemeente="rijnstad", wijk="noord" if n % 2 else "zuid")
    register(network.gyn, gemeente="heuveldorp")
    register(network.gyn, gemeente="heuveldorp")
    register(network.gyn)
    period = parse_period("2026-01-01", "2026-12-31", None)
    shown = {g["code"]: g for g in shown_by_gemeente(period)["gemeenten"]}
    assert [shown[c]["referrals"] for c in ("rijnstad", "heuveldorp", "onbekend", "totaal")] == [6, "<5", "<5", 9]
    assert shown["heuveldorp"]["name"] == "Heuveldorp"
    # one small cell alone would be given away by the total: it gets company ("x")
    assert reporting_rules.shown_by_area({"referrals": {"a": 6, "b": 7, "c": 2}}, 5)["referrals"] == {
        "a": "x", "b": 7, "c": "<5", "totaal": 15}
    answer = api(network.pl).get("/api/v1/reports/gemeenten?from=2026-01-01&to=2026-12-31&gemeente=heuveldorp")
    assert answer.status_code == 200
    assert [(g["code"], g["referrals"]) for g in answer.get_json()["gemeenten"]] == [("heuveldorp", "<5"),
                                                                                     ("totaal", 9)]
    unknown = api(network.pl).get("/api/v1/reports/gemeenten?gemeente=elders")
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "gemeente"
    assert api(network.jvk).get("/api/v1/reports/gemeenten").status_code == 403


def test_the_dashboard_shows_the_same_suppressed_figures_per_gemeente(network, teams, register, login, client, api):
    for _ in range(6):
        register(network.gyn, gemeente="rijnstad", wijk="noord")
    register(network.gyn, gemeente="heuveldorp")
    login(network.pl)
    page = client.get("/dashboard?van=2026-01-01&tot=2026-12-31").get_data(as_text=True)
    table = page[page.index('id="c-gemeente"'):]
    table = table[:table.index("</table>")]
    # 6 + 1 = 7: Heuveldorp's 1 is "<5", and Rijnstad's 6 would give it away (7 - 6): "x"
    assert '<th scope="row">Rijnstad</th><td>x</td>' in table
    assert '<th scope="row">Heuveldorp</th><td>&lt;5</td>' in table
    assert '<th scope="row">Totaal</th><td>7</td>' in table
    same = api(network.pl).get("/api/v1/reports/gemeenten?from=2026-01-01&to=2026-12-31").get_json()
    assert [(g["code"], g["referrals"]) for g in same["gemeenten"]] == [
        ("heuveldorp", "<5"), ("rijnstad", "x"), ("onbekend", 0), ("totaal", 7)]


def test_the_aanmelding_form_offers_gemeente_and_wijk(network, teams, login, client):
    login(network.gyn)
    page = client.get("/gezinnen/aanmelden")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Gemeente en wijk (niet verplicht)" in text and "Oud-Noord (Rijnstad)" in text
    token = csrf_token(client, "/gezinnen/aanmelden")
    form = {"csrf_token": token, "poli": "pop", "phase": "prenatal", "referrer_type": "wijkteam",
            "vulnerabilities": ["financien"], "medical_reasons": ["psychiatrie"], "screening_instrument": "",
            "consent_preset": "", "consent_method": "mondeling_vastgelegd", "parent1_name": "Formulier Gemeente",
            "parent1_birth_date": "1993-03-03", "expected_due_date": "2027-03-01", "gemeente": "rijnstad",
            "wijk": "oud_noord"}
    response = client.post("/gezinnen/aanmelden", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    family = db.session.scalars(db.select(Family).order_by(Family.id.desc())).first()
    assert (family.gemeente, family.wijk) == ("rijnstad", "oud_noord")
