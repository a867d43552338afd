"""Consent-gated reads through the API and the pages, with users of every domain."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.coordination.services import add_core_member
from igp.extensions import db
from igp.families.services import add_note
from igp.notifications.models import Notification

KERNTEAM = {"naw", "medische_voorgeschiedenis", "ontwikkeling_risicos", "consultverslagen", "verwijzingen",
            "mdo_notulen", "zorgplan"}
ALL = KERNTEAM | {"overleg_derden", "diagnostiek", "medicatie"}


@pytest.fixture
def case(network, register):
    """A family registered by the hospital with the 'kernteam' consent; a medication note; the
    jeugdverpleegkundige as coordinator, the social worker and the volunteer in the core team."""
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk",
                                            "given_at": "2026-11-23T10:00"})
    add_note(network.gyn, family.id, "medicatie", "Canary sertraline 50 mg")
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id, "case_role": "informele_steun"})
    db.session.commit()
    assert family.coordinator_id == network.jvk.id  # least loaded nurse, covered by the jgz consent
    return family


def _withheld(body):
    return {w["category"]: w["reason"] for w in body["withheld"]}


def test_own_organisation_sees_everything_its_role_needs(case, network, api):
    body = api(network.gyn).get(f"/api/v1/families/{case.id}").get_json()
    assert set(body["allowed"]) == ALL
    assert body["notes"]["medicatie"][0]["text"] == "Canary sertraline 50 mg"


def test_other_organisation_sees_exactly_the_consented_categories(case, network, api):
    body = api(network.jvk).get(f"/api/v1/families/{case.id}").get_json()
    assert set(body["allowed"]) == KERNTEAM
    assert _withheld(body) == {"overleg_derden": "geen_toestemming", "diagnostiek": "geen_toestemming",
                               "medicatie": "geen_toestemming"}
    assert body["parents"][0]["name"] == "Canary Moedernaam"
    assert "medicatie" not in body["notes"]


def test_need_to_know_limits_the_social_worker(case, network, api, client):
    a = api(network.sw)
    response = a.get(f"/api/v1/families/{case.id}")
    body = response.get_json()
    assert set(body["allowed"]) == KERNTEAM - {"medische_voorgeschiedenis"}
    assert _withheld(body)["medicatie"] == "niet_nodig_voor_rol"
    assert _withheld(body)["medische_voorgeschiedenis"] == "niet_nodig_voor_rol"
    assert _withheld(body)["overleg_derden"] == "geen_toestemming"
    raw = response.get_data()
    assert b"sertraline" not in raw and b"psychiatrie" not in raw and b"2027-02-10" not in raw
    assert b"111222333" not in raw  # BSN never to the social domain


def test_informal_support_without_consent_sees_no_data(case, network, api):
    body = api(network.vrijwilliger).get(f"/api/v1/families/{case.id}").get_json()
    assert body["allowed"] == []
    assert _withheld(body)["naw"] == "geen_toestemming"
    assert "parents" not in body


def test_uninvolved_user_gets_404_and_the_refusal_is_logged(case, network, api, db_session):
    response = api(network.outsider).get(f"/api/v1/families/{case.id}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert b"Canary" not in response.get_data()
    db_session.expire_all()
    refusal = db_session.scalars(select(AuditEntry).where(AuditEntry.username == "outsider",
                                                          AuditEntry.action == "read")).all()
    assert [(e.outcome, e.family_pseudonym) for e in refusal] == [("denied", case.pseudonym)]


def test_projectleider_gets_no_individual_family(case, network, api, db_session):
    a = api(network.pl)
    assert a.get(f"/api/v1/families/{case.id}").status_code == 404
    assert a.get("/api/v1/families").get_json()["items"] == []
    db_session.expire_all()
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.username == "pl", AuditEntry.outcome == "denied")
                              ).first() is not None


def test_withdrawal_takes_effect_on_the_next_read(case, network, api, db_session):
    a = api(network.jvk)
    assert "parents" in a.get(f"/api/v1/families/{case.id}").get_json()
    consents = api(network.gyn).get(f"/api/v1/families/{case.id}/consents").get_json()["items"]
    jgz = next(c for c in consents if c["recipient"] == {"domain": "jgz"})
    response = api(network.gyn).post(f"/api/v1/consents/{jgz['id']}/withdraw", json={"reason": "Verzoek moeder"})
    assert response.status_code == 200 and response.get_json()["status"] == "ingetrokken"
    after = a.get(f"/api/v1/families/{case.id}")
    body = after.get_json()
    assert body["allowed"] == []
    assert _withheld(body)["naw"] == "toestemming_ingetrokken"
    assert b"Canary" not in after.get_data()
    # the coordinator is told (no names in the notification)
    db_session.expire_all()
    note = db_session.scalars(select(Notification).where(Notification.user_id == network.jvk.id,
                                                         Notification.kind == "toestemming_ingetrokken")).one()
    assert case.pseudonym not in note.message and "Canary" not in note.message  # stored with {gezin}
    from igp.sharing.inbox import for_user

    shown = next(n for n in for_user(network.jvk) if n.kind == "toestemming_ingetrokken")
    assert case.pseudonym in shown.message and shown.family_id == case.id  # still her family: named
    again = api(network.gyn).post(f"/api/v1/consents/{jgz['id']}/withdraw", json={"reason": "nogmaals"})
    assert again.status_code == 422 and "al ingetrokken" in again.get_json()["error"]["message"]


def test_html_page_does_not_contain_withheld_values(case, network, login, client):
    login(network.sw)
    html = client.get(f"/gezinnen/{case.id}").get_data(as_text=True)
    assert "Canary Moedernaam" in html  # consented NAW
    assert "sertraline" not in html and "111222333" not in html
    assert "Gegevens afgeschermd: Niet nodig voor uw rol" in html or "niet nodig" in html.lower()


def test_every_read_is_logged_with_categories_and_consents(case, network, api, db_session):
    api(network.jvk).get(f"/api/v1/families/{case.id}")
    db_session.expire_all()
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.username == "jvk1", AuditEntry.action == "read",
                                                        AuditEntry.object_type == "family")
                               .order_by(AuditEntry.seq.desc())).first()
    assert entry.outcome == "allowed" and entry.family_pseudonym == case.pseudonym
    assert set(entry.categories_shown.split(",")) == KERNTEAM
    assert "medicatie:geen_toestemming" in entry.categories_withheld
    assert entry.consent_ids  # the consent that allowed it


@pytest.mark.parametrize("body,field,message", [
    ({"recipient": {"domain": "jgz"}, "categories": [], "method": "schriftelijk"}, "categories", "ten minste één"),
    ({"recipient": {"domain": "jgz"}, "categories": ["naw", "geheim"], "method": "schriftelijk"}, "categories",
     "geheim"),
    ({"recipient": {"organisation_id": 99999}, "categories": ["naw"], "method": "schriftelijk"}, "recipient",
     "Onbekende organisatie"),
    ({"recipient": {"domain": "gemeente"}, "categories": ["naw"], "method": "schriftelijk"}, "recipient", ""),
    ({"recipient": {}, "categories": ["naw"], "method": "schriftelijk"}, "recipient", "ontvanger"),
    ({"recipient": {"domain": "jgz"}, "categories": ["naw"], "method": "schriftelijk",
      "given_at": "2026-11-20", "valid_until": "2026-11-19"}, "valid_until", "na 'gegeven op'"),
    ({"recipient": {"domain": "jgz"}, "categories": ["naw"], "method": "per duif"}, "method", ""),
    ({"recipient": {"domain": "jgz"}, "categories": ["naw"], "method": "schriftelijk", "purpose": "reclame"},
     "purpose", ""),
])
def test_bad_consent_is_refused_and_nothing_changes(case, network, api, body, field, message):
    a = api(network.gyn)
    before = len(a.get(f"/api/v1/families/{case.id}/consents").get_json()["items"])
    response = a.post(f"/api/v1/families/{case.id}/consents", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    fields = error.get("fields") or {error["field"]: error["message"]}
    assert field in fields and message in fields[field]
    assert len(a.get(f"/api/v1/families/{case.id}/consents").get_json()["items"]) == before


def test_consent_for_a_named_organisation(case, network, api):
    a = api(network.gyn)
    response = a.post(f"/api/v1/families/{case.id}/consents", json={
        "recipient": {"organisation_id": network.homestart.id}, "categories": ["naw"],
        "purpose": "zorg_en_ondersteuning", "given_at": "2026-11-24T08:00", "valid_until": "2027-11-24",
        "form_version": "v3", "method": "digitaal"})
    assert response.status_code == 201 and set(response.get_json()) == {"id"}
    body = api(network.vrijwilliger).get(f"/api/v1/families/{case.id}").get_json()
    assert body["allowed"] == ["naw"]
    assert body["parents"][0]["bsn"] is None  # BSN never to informal support


def test_break_the_glass(case, network, api, db_session, clock):
    a = api(network.sw)
    assert a.post(f"/api/v1/families/{case.id}/break-glass", json={"reason": "kort"}).status_code == 422
    opened = a.post(f"/api/v1/families/{case.id}/break-glass",
                    json={"reason": "Acute zorgen om de veiligheid van de baby, Meldcode stap 2."})
    assert opened.status_code == 201
    body = a.get(f"/api/v1/families/{case.id}").get_json()
    assert "overleg_derden" in body["allowed"]               # consent-withheld category opened
    assert _withheld(body)["medicatie"] == "niet_nodig_voor_rol"  # need-to-know is not lifted
    db_session.expire_all()
    glass = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "break_glass")).one()
    assert glass.username == "sw" and glass.family_pseudonym == case.pseudonym
    officers = db_session.scalars(select(Notification.user_id).where(Notification.kind == "noodtoegang")).all()
    assert set(officers) == {network.po.id, network.jvk.id}
    clock.advance(hours=24, seconds=1)
    assert "overleg_derden" not in api(network.sw).get(f"/api/v1/families/{case.id}").get_json()["allowed"]


def test_access_log_for_coordinator_and_privacy_officer_only(case, network, api):
    api(network.sw).get(f"/api/v1/families/{case.id}")
    log = api(network.jvk).get(f"/api/v1/families/{case.id}/access-log")
    assert log.status_code == 200
    users = {item["user"] for item in log.get_json()["items"]}
    assert "sw" in users
    assert api(network.po).get(f"/api/v1/families/{case.id}/access-log").status_code == 200
    assert api(network.sw).get(f"/api/v1/families/{case.id}/access-log").status_code == 404


def test_parents_overview_is_complete_and_logged_as_print(case, network, login, client, app, db_session):
    # the coordinator (another organisation, no consent for medication) may not produce it
    nurse = app.test_client()
    login(network.jvk, test_client=nurse)
    assert nurse.get(f"/gezinnen/{case.id}/inzage-ouders").status_code == 404
    login(network.po)
    html = client.get(f"/gezinnen/{case.id}/inzage-ouders").get_data(as_text=True)
    assert "Canary sertraline 50 mg" in html  # everything held, for the parents themselves
    assert "111222333" in html
    db_session.expire_all()
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.action == "print",
                                                       AuditEntry.family_pseudonym == case.pseudonym)).first()


def test_need_to_know_change_applies_to_the_next_read(case, network, api, db_session):
    from consent import DEFAULT_NEED_TO_KNOW
    from igp.sharing.services import set_need_to_know

    table = {role: sorted(cats) for role, cats in DEFAULT_NEED_TO_KNOW.items()}
    table["sociaal_werker"] = ["naw"]
    set_need_to_know(network.admin, table)
    db_session.commit()
    body = api(network.sw).get(f"/api/v1/families/{case.id}").get_json()
    assert body["allowed"] == ["naw"]
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "configure")).all()[-1]
    assert entry.object_id == "need_to_know"


def test_list_shows_names_only_where_naw_is_allowed(case, network, api, register):
    other = register(network.gyn, parents=[{"name": "Zonder Toestemming"}])  # no consent at all
    add_core_member(network.gyn, other.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    items = {i["pseudonym"]: i for i in api(network.sw).get("/api/v1/families").get_json()["items"]}
    assert items[case.pseudonym]["name"] == "Canary Moedernaam"
    assert items[other.pseudonym]["name"] is None
    assert items[other.pseudonym]["withheld"] == [{"category": "naw", "reason": "geen_toestemming"}]


def test_involvement_and_visibility_agree(case, network, app):
    """The SQL visibility filter (lists) and the per-family involvement (detail pages) give the
    same answer for every user of the network."""
    from igp.families.models import Family
    from igp.sharing import gateway

    for user in (network.gyn, network.mmw, network.jvk, network.jvk2, network.sw, network.planner,
                 network.vrijwilliger, network.chair, network.pl, network.po, network.admin, network.outsider):
        listed = gateway.is_visible(user, case.id)
        family = db.session.get(Family, case.id)
        involved = gateway.decide_for(user, family).involved
        assert listed == involved, user.username


def test_a_withdrawal_takes_effect_on_the_next_list_too(case, network, api):
    """A list decides from consent rows turned into the policy's grants, the same content giving
    the same grant (gateway.as_grant): the withdrawn consent is another row, read at once."""
    a = api(network.jvk)

    def listed():
        return next(item for item in a.get("/api/v1/families").get_json()["items"] if item["id"] == case.id)

    assert listed()["name"] == "Canary Moedernaam"
    consents = api(network.gyn).get(f"/api/v1/families/{case.id}/consents").get_json()["items"]
    jgz = next(c for c in consents if c["recipient"] == {"domain": "jgz"})
    assert api(network.gyn).post(f"/api/v1/consents/{jgz['id']}/withdraw", json={"reason": "Verzoek"}).status_code == 200
    after = listed()
    assert after["name"] is None and after["withheld"] == [{"category": "naw", "reason": "toestemming_ingetrokken"}], after


def test_a_withheld_section_is_read_with_a_key_that_matches_no_row(case, network, app):
    """FamilyView.read_key (issue 21): a page runs a section's statement also where the reader may not
    see it (a constant count), but with family id 0 then, so nothing withheld is read."""
    from igp.sharing import gateway

    with app.test_request_context("/"):
        social = gateway.read_family(network.sw, case.id)
        assert social.read_key("naw") == case.id
        assert social.read_key("medische_voorgeschiedenis") == 0      # need-to-know: not for her role
        assert social.read_key("naw", also=False) == 0
        volunteer = gateway.read_family(network.vrijwilliger, case.id)
        assert {c: volunteer.read_key(c) for c in ("naw", "zorgplan", "ontwikkeling_risicos")} == \
            {"naw": 0, "zorgplan": 0, "ontwikkeling_risicos": 0}
