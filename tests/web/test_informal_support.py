"""Informal support (issue 18): who records it, the volunteer's short notes within what she may see
(NAW and the support agreed), and what the others see afterwards; the count for monitoring."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from igp.audit.models import AuditEntry
from igp.auth.services import create_organisation
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.models import Family
from igp.reporting.services import informal_support_started
from igp.sharing import services as sharing
from igp.support import rules
from igp.support.models import InformalSupport, InformalSupportNote
from tests.conftest import csrf_token

REASON = "Geldzorgen en eerdere depressie"          # the referral reason: never shown to the volunteer
QUESTION = "Samen de post doornemen"


@pytest.fixture
def supported(network, register):
    """A hospital family with the kernteam consent and the informele_steun consent (NAW only); the
    nurse coordinates, the Home-Start volunteer sits in the core team."""
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"},
                      support_question=QUESTION)
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    fam = db.session.get(Family, family.id)
    if fam.coordinator_id is None:
        coordination.assign_coordinator(network.gyn, family.id, {"user_id": network.jvk.id})
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                          "case_role": "informele_steun"})
    db.session.commit()
    return db.session.get(Family, family.id)


def _body(org, **extra):
    return {"organisation_id": org.id, "kind": "post_financien", "starts_on": "2026-11-20", **extra}


def test_the_coordinator_records_support_and_the_volunteer_notes_on_it(network, supported, api):
    coordinator = supported.coordinator
    answer = api(coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                   json=_body(network.homestart, ends_on="2027-02-20"))
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["status"] == "gestart" and created["organisation"]["name"] == "Home-Start Test"
    volunteer = api(network.vrijwilliger)
    note = volunteer.post(f"/api/v1/families/{supported.id}/informal-support/{created['id']}/notes",
                          json={"text": "Brieven van de gemeente samen gelezen."})
    assert note.status_code == 201, note.get_json()
    mine = volunteer.get(f"/api/v1/families/{supported.id}/informal-support").get_json()
    assert [i["kind"] for i in mine["items"]] == ["post_financien"]
    assert mine["items"][0]["notes"][0]["text"] == "Brieven van de gemeente samen gelezen."
    assert mine["items"][0]["may_note"] is True
    # the coordinator reads the note; the social worker in the core team sees the record, not the note
    seen = api(coordinator).get(f"/api/v1/families/{supported.id}/informal-support").get_json()
    assert seen["items"][0]["notes"][0]["author"] == "Vrijwilliger"
    coordination.add_core_member(network.gyn, supported.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    social = api(network.sw).get(f"/api/v1/families/{supported.id}/informal-support").get_json()
    assert social["items"][0]["kind"] == "post_financien" and "notes" not in social["items"][0]
    stored = db.session.scalars(select(InformalSupportNote)).one()
    raw = db.session.execute(text("select text from informal_support_note")).scalar_one()
    assert stored.text.startswith("Brieven") and "Brieven" not in raw          # encrypted at rest
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "informal_support_note")).one()


def test_an_end_before_the_start_is_422_naming_ends_on_and_nothing_is_stored(network, supported, api):
    answer = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                             json=_body(network.homestart, ends_on="2026-11-19"))
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["field"] == "ends_on" and "vóór de startdatum" in error["fields"]["ends_on"]
    ended = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                            json=_body(network.homestart, status="afgerond"))
    assert ended.status_code == 422 and ended.get_json()["error"]["field"] == "ends_on"
    unknown = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                              json=_body(network.homestart, kind="boodschappen"))
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "kind"
    not_informal = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                                   json=_body(network.wijkteam))
    assert not_informal.status_code == 422 and not_informal.get_json()["error"]["field"] == "organisation_id"
    too_long = api(network.vrijwilliger).post(f"/api/v1/families/{supported.id}/informal-support/1/notes",
                                              json={"text": "x" * 501})
    assert too_long.status_code == 422 and too_long.get_json()["error"]["field"] == "text"
    assert db.session.scalars(select(InformalSupport)).all() == []


def test_who_may_record_and_note(network, supported, api, make_user):
    """The volunteer records her own organisation's support, not another's; the social worker and the
    planner record none and write no notes; a volunteer of another organisation gets 404."""
    other_org = create_organisation("Humanitas Test", "informeel")
    db.session.commit()
    volunteer = api(network.vrijwilliger)
    own = volunteer.post(f"/api/v1/families/{supported.id}/informal-support",
                         json=_body(network.homestart, kind="luisterend_oor"))
    assert own.status_code == 201, own.get_json()
    assert volunteer.post(f"/api/v1/families/{supported.id}/informal-support",
                          json=_body(other_org)).status_code == 403
    theirs = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                             json=_body(other_org)).get_json()
    coordination.add_core_member(network.gyn, supported.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    for who in (network.sw, network.planner):
        assert api(who).post(f"/api/v1/families/{supported.id}/informal-support",
                             json=_body(network.homestart)).status_code == 403
        assert api(who).post(f"/api/v1/families/{supported.id}/informal-support/{own.get_json()['id']}/notes",
                             json={"text": "Mag niet"}).status_code == 403
    # the Home-Start volunteer does not see Humanitas's record, and cannot note on it (404, as for none)
    listed = volunteer.get(f"/api/v1/families/{supported.id}/informal-support").get_json()
    assert [i["organisation"]["name"] for i in listed["items"]] == ["Home-Start Test"]
    assert volunteer.post(f"/api/v1/families/{supported.id}/informal-support/{theirs['id']}/notes",
                          json={"text": "Niet van ons"}).status_code == 404
    assert volunteer.post(f"/api/v1/families/{supported.id}/informal-support/999999/notes",
                          json={"text": "Bestaat niet"}).status_code == 404
    # a volunteer of that other organisation, not involved with the family: 404 everywhere
    stranger = make_user("informele_steun", org=other_org)
    assert api(stranger).get(f"/api/v1/families/{supported.id}/informal-support").status_code == 404
    assert api(stranger).post(f"/api/v1/families/{supported.id}/informal-support/{theirs['id']}/notes",
                              json={"text": "Hallo"}).status_code == 404
    assert db.session.scalars(select(InformalSupportNote)).all() == []


def test_the_volunteers_page_shows_naw_and_the_support_only(network, supported, api, login, client, app):
    api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                    json=_body(network.homestart))
    other = create_organisation("Humanitas Pagina", "informeel")
    db.session.commit()
    api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support",
                                    json=_body(other, kind="meegaan_loket"))
    login(network.vrijwilliger)
    page = client.get(f"/gezinnen/{supported.id}").get_data(as_text=True)
    assert "Canary Moedernaam" in page and QUESTION in page                     # NAW and the support agreed
    assert "Hulp bij post en financiën: Home-Start Test" in page and "Notitie schrijven" in page
    assert "Humanitas Pagina" not in page and "<h3>Meegaan naar een loket" not in page   # not her organisation's
    assert REASON not in page and "111222333" not in page and "2027-02-10" not in page and "10-02-2027" not in page
    # she writes a short note on the page; too long keeps what she typed, next to the field
    support = db.session.scalars(select(InformalSupport).where(InformalSupport.organisation_id == network.homestart.id)).one()
    token = csrf_token(client, f"/gezinnen/{supported.id}")
    long = client.post(f"/gezinnen/{supported.id}/informele-steun/{support.id}/notitie",
                       data={"csrf_token": token, "text": "Lang verhaal " * 50})
    assert long.status_code == 422 and "Lang verhaal Lang verhaal" in long.get_data(as_text=True)
    ok = client.post(f"/gezinnen/{supported.id}/informele-steun/{support.id}/notitie",
                     data={"csrf_token": token, "text": "Belastingbrief besproken"})
    assert ok.status_code == 302
    assert "Belastingbrief besproken" in client.get(f"/gezinnen/{supported.id}").get_data(as_text=True)
    # the social worker's page shows the records, not the note, and no form to record or note
    coordination.add_core_member(network.gyn, supported.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    social = app.test_client()
    login(network.sw, test_client=social)
    text = social.get(f"/gezinnen/{supported.id}").get_data(as_text=True)
    assert "Home-Start Test" in text and "Belastingbrief besproken" not in text
    assert "Informele steun vastleggen" not in text and "Notitie schrijven" not in text


def test_the_coordinator_records_support_on_the_family_page(network, supported, login, client):
    login(supported.coordinator)
    page = client.get(f"/gezinnen/{supported.id}").get_data(as_text=True)
    assert "Informele steun vastleggen" in page
    token = csrf_token(client, f"/gezinnen/{supported.id}")
    bad = client.post(f"/gezinnen/{supported.id}/informele-steun", data={
        "csrf_token": token, "organisation_id": str(network.homestart.id), "kind": "meegaan_loket",
        "starts_on": "2026-11-20", "ends_on": "2026-11-01", "status": ""})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "De einddatum ligt vóór de startdatum." in text and 'value="2026-11-01"' in text
    ok = client.post(f"/gezinnen/{supported.id}/informele-steun", data={
        "csrf_token": token, "organisation_id": str(network.homestart.id), "kind": "meegaan_loket",
        "starts_on": "2026-11-20", "ends_on": "", "status": ""})
    assert ok.status_code == 302
    assert "Meegaan naar een loket of afspraak: Home-Start Test" in client.get(f"/gezinnen/{supported.id}").get_data(as_text=True)


def test_the_monitoring_count_by_kind_in_a_period(network, supported, api):
    for kind, starts in (("luisterend_oor", "2026-10-01"), ("luisterend_oor", "2026-11-02"),
                         ("post_financien", "2026-11-03"), ("anders", "2026-12-01")):
        assert api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support", json=_body(
            network.homestart, kind=kind, starts_on=starts, status="afgesproken")).status_code == 201
    counts = informal_support_started(date(2026, 11, 1), date(2026, 11, 30))
    assert counts == {"luisterend_oor": 1, "post_financien": 1, "meegaan_loket": 0, "praktische_hulp": 0,
                      "anders": 0}


def test_rules_by_hand():
    assert rules.period_problems(date(2026, 1, 2), date(2026, 1, 1), "gestart") == {
        "ends_on": "De einddatum ligt vóór de startdatum."}
    assert rules.period_problems(date(2026, 1, 2), date(2026, 1, 2), "afgerond") == {}
    assert rules.may_record({"jeugdverpleegkundige"}, {"coordinator"}, 1, 2, "informeel")
    assert not rules.may_record({"jeugdverpleegkundige"}, {"coordinator"}, 1, 2, "sociaal")
    assert not rules.may_record({"sociaal_werker"}, {"core_team"}, 1, 2, "informeel")
    assert rules.may_record({"informele_steun"}, {"core_team"}, 2, 2, "informeel")
    assert not rules.may_record({"informele_steun"}, frozenset(), 2, 2, "informeel")   # not involved
    assert not rules.may_note({"jeugdverpleegkundige"}, {"coordinator"}, 2, 2)


def test_the_volunteer_records_that_the_agreed_support_started_and_ended(network, supported, api, login, client):
    agreed = api(supported.coordinator).post(f"/api/v1/families/{supported.id}/informal-support", json=_body(
        network.homestart, starts_on="2026-12-10")).get_json()
    assert agreed["status"] == "afgesproken"                     # starts after today (24-11-2026)
    volunteer = api(network.vrijwilliger)
    path = f"/api/v1/families/{supported.id}/informal-support/{agreed['id']}"
    assert volunteer.post(path, json={"status": "gestart"}).get_json()["status"] == "gestart"
    early = volunteer.post(path, json={"status": "afgerond", "ends_on": "2026-12-01"})
    assert early.status_code == 422 and early.get_json()["error"]["field"] == "ends_on"
    assert api(network.planner).post(path, json={"status": "gestopt", "ends_on": "2027-01-01"}).status_code == 403
    login(network.vrijwilliger)
    token = csrf_token(client, f"/gezinnen/{supported.id}")
    missing = client.post(f"/gezinnen/{supported.id}/informele-steun/{agreed['id']}",
                          data={"csrf_token": token, "status": "afgerond", "ends_on": ""})
    assert missing.status_code == 422 and "Vul de einddatum in" in missing.get_data(as_text=True)
    done = client.post(f"/gezinnen/{supported.id}/informele-steun/{agreed['id']}",
                       data={"csrf_token": token, "status": "afgerond", "ends_on": "2027-01-15"})
    assert done.status_code == 302
    page = client.get(f"/gezinnen/{supported.id}").get_data(as_text=True)
    assert "Afgerond · vanaf 10-12-2026 tot en met 15-01-2027" in page
