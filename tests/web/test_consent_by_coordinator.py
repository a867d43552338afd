"""Consent recorded by the family's coordinator and by the acting substitute ("namens"), through the
API and the family page's form, with the same presets and logging as the registering organisation;
the form is shown to them and to nobody else (issue 17). And presets store per domain only what that
domain's roles may see."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.models import Family
from igp.sharing import gateway
from igp.sharing.models import ConsentRecord
from tests.conftest import csrf_token

WARM = {"preset": "warme_overdracht", "method": "schriftelijk"}
SOCIAL = {"recipient": {"domain": "sociaal"}, "categories": ["naw", "ontwikkeling_risicos", "zorgplan"],
          "purpose": "zorg_en_ondersteuning", "method": "mondeling_vastgelegd"}
FORM_SUMMARY = "Toestemming vastleggen (voorkeuze)"
REFUSAL = ("Alleen de organisatie die het gezin aanmeldde of de coördinator van het gezin (of diens vervanger) "
           "legt de toestemming van de ouders vast.")
SELF_GRANT = ("Als coördinator (of vervanger) legt u geen toestemming vast voor uw eigen organisatie of domein; dat "
              "doet de organisatie die het gezin aanmeldde.")


def _family(family_id):
    db.session.expire_all()
    return db.session.get(Family, family_id)


def _consents(family_id, domain):
    return db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family_id,
                                                          ConsentRecord.recipient_domain == domain)).all()


def _entries(**where):
    stmt = select(AuditEntry)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return db.session.scalars(stmt.order_by(AuditEntry.id)).all()


@pytest.fixture
def handed_over(network, register):
    """A hospital family handed over to the JGZ under the handover consent; the nurse coordinates,
    the social worker sits in the core team (and sees nothing yet)."""
    family = register(network.gyn, consent=WARM)
    nurse = _family(family.id).coordinator
    assert nurse is not None and nurse.has_role("jeugdverpleegkundige")
    coordination.add_core_member(nurse, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    assert gateway.read_family(network.sw, family.id).decision.allowed == frozenset()
    return family, nurse


def test_the_coordinator_records_consent_for_the_social_domain_through_the_api(network, handed_over, api):
    family, nurse = handed_over
    response = api(nurse).post(f"/api/v1/families/{family.id}/consents", json=SOCIAL)
    assert response.status_code == 201, response.get_json()
    db.session.commit()
    [record] = _consents(family.id, "sociaal")
    assert record.recorded_by_id == nurse.id
    assert gateway.read_family(network.sw, family.id).decision.allowed == {"naw", "ontwikkeling_risicos", "zorgplan"}
    [entry] = _entries(object_type="consent", object_id=str(record.id), action="create")
    assert entry.user_id == nurse.id and entry.outcome == "allowed" and entry.on_behalf_of_id is None


def test_the_coordinator_records_a_preset_through_the_family_page(network, handed_over, login, client):
    family, nurse = handed_over
    login(nurse)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert FORM_SUMMARY in page
    # the form reads per domain what is asked: the social domain is not asked for medical history
    assert ("De professionals van het sociaal domein (zoals het wijkteam) mogen inzien: NAW-gegevens (naam, adres, "
            "woonplaats), ontwikkeling en risico&#39;s, consultverslagen, verwijzingen, MDO-verslagen en gezinsplan.") in page
    response = client.post(f"/gezinnen/{family.id}/toestemming", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "preset": "informele_steun",
        "method": "schriftelijk", "form_version": "IGP-2026-1"})
    assert response.status_code == 302
    custom = client.post(f"/gezinnen/{family.id}/toestemming", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "domain": "sociaal",
        "categories": ["naw", "zorgplan"], "purpose": "zorg_en_ondersteuning", "method": "schriftelijk"})
    assert custom.status_code == 302
    db.session.commit()
    [informal] = _consents(family.id, "informeel")
    assert informal.preset == "informele_steun" and informal.recorded_by_id == nurse.id and informal.categories == ["naw"]
    [social] = _consents(family.id, "sociaal")
    assert social.recorded_by_id == nurse.id
    assert gateway.read_family(network.sw, family.id).decision.allowed == {"naw", "zorgplan"}
    assert len(_entries(object_type="consent", action="create", user_id=nurse.id)) == 2


def test_the_coordinator_s_kernteam_preset_for_the_social_domain_holds_no_medical_history(network, handed_over, api):
    family, nurse = handed_over
    response = api(nurse).post(f"/api/v1/families/{family.id}/consents", json={
        "preset": "kernteam", "method": "schriftelijk", "domains": ["sociaal"]})
    assert response.status_code == 201, response.get_json()
    db.session.commit()
    [social] = _consents(family.id, "sociaal")
    assert social.preset == "kernteam" and "medische_voorgeschiedenis" not in social.categories
    assert gateway.read_family(network.sw, family.id).decision.allowed == set(social.categories)


def test_the_coordinator_never_grants_her_own_organisation_or_domain(network, handed_over, api):
    family, nurse = handed_over
    own_org = api(nurse).post(f"/api/v1/families/{family.id}/consents", json={
        "recipient": {"organisation_id": network.jgz.id}, "categories": ["medicatie"], "method": "digitaal"})
    assert own_org.status_code == 403
    assert own_org.get_json()["error"]["message"] == SELF_GRANT
    # a preset that includes her own domain (jgz) is refused as a whole: nothing is stored
    preset = api(nurse).post(f"/api/v1/families/{family.id}/consents", json={"preset": "kernteam",
                                                                              "method": "schriftelijk"})
    assert preset.status_code == 403 and preset.get_json()["error"]["message"] == SELF_GRANT
    db.session.expire_all()
    assert [r.purpose for r in db.session.scalars(select(ConsentRecord).where(
        ConsentRecord.family_id == family.id))] == ["warme_overdracht"]
    assert len(_entries(object_type="consent", outcome="denied", user_id=nurse.id)) == 2


def test_the_substitute_records_consent_on_behalf_of_the_absent_coordinator(network, handed_over, api, login,
                                                                           client):
    family, nurse = handed_over
    substitute = network.jvk2 if nurse.id == network.jvk.id else network.jvk
    coordination.record_absence(nurse, {"from": "2026-11-24", "to": "2026-11-27", "reason": "ziekte",
                                        "substitute_id": substitute.id})
    db.session.commit()
    login(substitute)
    assert FORM_SUMMARY in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    response = api(substitute).post(f"/api/v1/families/{family.id}/consents", json=SOCIAL)
    assert response.status_code == 201, response.get_json()
    db.session.commit()
    [record] = _consents(family.id, "sociaal")
    [entry] = _entries(object_type="consent", object_id=str(record.id), action="create")
    assert entry.user_id == substitute.id and entry.on_behalf_of_id == nurse.id     # "namens"
    # and withdrawing it is logged on behalf of the coordinator too
    withdrawn = api(substitute).post(f"/api/v1/consents/{record.id}/withdraw", json={"reason": "Op verzoek van vader"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    [update] = _entries(object_type="consent", object_id=str(record.id), action="update")
    assert update.on_behalf_of_id == nurse.id


@pytest.mark.parametrize("who", ["sw", "vrijwilliger", "planner"])
def test_others_get_403_and_no_form(network, handed_over, api, login, client, who):
    family, nurse = handed_over
    user = getattr(network, who)
    if who == "vrijwilliger":
        coordination.add_core_member(nurse, family.id, {"user_id": user.id, "case_role": "informele_steun"})
        db.session.commit()
    before = len(_entries(outcome="denied"))
    response = api(user).post(f"/api/v1/families/{family.id}/consents", json=SOCIAL)
    assert response.status_code == 403, response.get_json()
    preset = api(user).post(f"/api/v1/families/{family.id}/consents", json={"preset": "kernteam",
                                                                             "method": "schriftelijk"})
    assert preset.status_code == 403
    if who == "sw":
        assert response.get_json()["error"]["message"] == REFUSAL
    assert _consents(family.id, "sociaal") == []
    assert len(_entries(outcome="denied")) >= before + 2      # both refusals logged
    login(user)
    page = client.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200 and FORM_SUMMARY not in page.get_data(as_text=True)
    assert "Toestemming op maat" not in page.get_data(as_text=True)


def test_the_withdraw_button_follows_the_same_rule(network, handed_over, login, client, app):
    family, nurse = handed_over
    login(network.sw)
    assert "Toestemming intrekken" not in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    other = app.test_client()
    login(nurse, test_client=other)
    assert "Toestemming intrekken" in other.get(f"/gezinnen/{family.id}").get_data(as_text=True)


def test_the_kernteam_preset_stores_no_medical_history_for_the_social_domain(network, register):
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    by_domain = {r.recipient_domain: set(r.categories) for r in db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.family_id == family.id))}
    assert set(by_domain) == {"zorg", "jgz", "sociaal"}
    assert "medische_voorgeschiedenis" not in by_domain["sociaal"]
    assert "medische_voorgeschiedenis" in by_domain["jgz"] and "medische_voorgeschiedenis" in by_domain["zorg"]


def test_a_preset_narrowed_to_nothing_its_recipients_may_see_is_refused(network, register, api):
    family = register(network.gyn)
    response = api(network.gyn).post(f"/api/v1/families/{family.id}/consents", json={
        "preset": "kernteam", "method": "schriftelijk", "categories": ["medicatie"], "domains": ["sociaal"]})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "categories"
    assert _consents(family.id, "sociaal") == []
