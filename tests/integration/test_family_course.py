"""The family's course through the first 1000 days (issue 17), as the people who live it: the
gynaecoloog registers during the pregnancy, the nurse records the birth and the family moves to a
postnatal poli, a sibling is added, a next pregnancy follows; the consent given before the birth
does not cover the child; parents with gezag give consent; a geheim address stays with its parent."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from igp.audit.models import AuditEntry
from igp.coordination.services import birth_overdue_signals, digest_lines
from igp.extensions import db
from igp.families.models import Child, Family, PoliMove, Pregnancy
from igp.handover.services import current_handover
from igp.notifications.models import Notification
from igp.sharing import services as sharing
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
BIRTH = {"name": "Baby Geboren", "birth_date": "2026-11-24", "gestational_age_weeks": 29, "gestational_age_days": 3,
         "birth_weight_grams": 1320}


def _birth(api, user, family, **overrides):
    body = {"version": family.version, "children": [dict(BIRTH)], **overrides}
    return api(user).post(f"/api/v1/families/{family.id}/births", json=body)


# ------------------------------------------------------------------ the birth

def test_a_prenatal_pop_family_whose_birth_is_recorded_moves_to_postnatal_and_the_new_poli(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    nurse = family.coordinator
    assert family.phase == "prenatal" and family.poli.code == "pop" and nurse is not None
    answer = _birth(api, network.gyn, family, poli="mamaplus")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["phase"], body["poli"], body["poli_moved"], body["children"]) == ("postnatal", "mamaplus", True, [1])
    assert body["target_eligible"] is True
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert family.phase == "postnatal" and family.expected_due_date is None
    # the open handover follows the family to the new poli (its board and signals), the move is kept
    assert current_handover(family.id, "in").poli.code == "mamaplus"
    move = db.session.scalars(select(PoliMove).where(PoliMove.family_id == family.id)).one()
    assert (move.from_poli.code, move.to_poli.code, move.reason) == ("pop", "mamaplus", "geboorte")
    pregnancy = db.session.scalars(select(Pregnancy).where(Pregnancy.family_id == family.id)).one()
    assert (pregnancy.outcome, pregnancy.expected_due_date, pregnancy.ended_on) == (
        "geboren", date(2027, 2, 10), date(2026, 11, 24))
    # the coordinator is asked to get the parents' consent for the child
    told = db.session.scalars(select(Notification).where(Notification.user_id == nurse.id,
                                                         Notification.kind == "geboorte")).one()
    assert "toestemming" in told.message and told.family_id == family.id
    # what the nurse reads: the child with the corrected age (born at 29+3 weeks)
    detail = api(network.gyn).get(f"/api/v1/families/{family.id}").get_json()
    assert detail["children"] == [{"name": "Baby Geboren", "birth_date": "2026-11-24", "sibling": False}]
    assert detail["medical"]["children"][0]["corrected_age"] == "nog 11 weken tot de uitgerekende datum"
    assert detail["pregnancies"] == [{"expected_due_date": "2027-02-10", "outcome": "geboren",
                                      "ended_on": "2026-11-24"}]
    assert detail["poli_moves"][0]["to_poli"] == "mamaplus"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.detail.like("birth recorded: 1 child(ren); poli pop -> mamaplus"))) == 1


def test_bad_birth_input_is_refused_naming_each_field_and_nothing_is_stored(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    version = family.version
    children = [
        {"birth_date": "2026-11-30", "gestational_age_weeks": 21, "birth_weight_grams": 250},    # future, < 22, < 300
        {"birth_date": None, "gestational_age_weeks": 45, "gestational_age_days": 7, "birth_weight_grams": 6001},
    ]
    answer = api(network.gyn).post(f"/api/v1/families/{family.id}/births",
                                   json={"version": version, "children": children, "poli": "nergens"})
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) >= {"children[0].gestational_age_weeks", "children[0].birth_weight_grams",
                           "children[1].birth_date", "children[1].gestational_age_weeks",
                           "children[1].gestational_age_days", "children[1].birth_weight_grams"}
    assert fields["children[0].gestational_age_weeks"] == "Zwangerschapsduur (weken) moet tussen 22 en 44 liggen."
    assert fields["children[0].birth_weight_grams"] == "Geboortegewicht (gram) moet tussen 300 en 6000 liggen."
    # the rules that need today, the due date and the aanmelding
    future = _birth(api, network.gyn, family, children=[dict(BIRTH, birth_date="2026-11-25")], poli="nergens")
    assert future.get_json()["error"]["fields"] == {
        "children[0].birth_date": "De geboortedatum kan niet in de toekomst liggen.",
        "poli": "Onbekende poli 'nergens'."}
    too_early = _birth(api, network.gyn, family, children=[dict(BIRTH, birth_date="2026-10-06")])
    assert "vóór de uitgerekende datum (10-02-2027)" in too_early.get_json()["error"]["fields"]["children[0].birth_date"]
    before_aanmelding = _birth(api, network.gyn, family, children=[dict(BIRTH, birth_date="2026-11-22")])
    assert before_aanmelding.get_json()["error"]["fields"] == {
        "children[0].birth_date": "De geboortedatum ligt vóór de aanmelding tijdens de zwangerschap (23-11-2026)."}
    twins_apart = _birth(api, network.gyn, family, children=[dict(BIRTH), dict(BIRTH, birth_date="2026-11-24"),
                                                               dict(BIRTH, birth_date="2026-11-23")])
    assert twins_apart.status_code == 201   # a birth over midnight is one birth
    db.session.expire_all()
    assert len(db.session.get(Family, family.id).children) == 3
    stale = _birth(api, network.gyn, db.session.get(Family, family.id), version=version)
    assert stale.status_code == 409


def test_nothing_is_stored_by_a_refused_birth(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    version = family.version
    refused = _birth(api, network.gyn, family, children=[dict(BIRTH, birth_date="2026-12-24")])
    assert refused.status_code == 422
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert (family.version, family.phase, family.children, family.expected_due_date) == (
        version, "prenatal", [], date(2027, 2, 10))
    assert db.session.scalar(select(func.count()).select_from(Pregnancy)) == 0


def test_only_a_care_provider_who_may_write_the_medical_history_records_a_birth(network, register, api, make_user):
    family = register(network.gyn, consent=CONSENT)
    from igp.coordination.services import add_core_member
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    social = _birth(api, network.sw, family)
    assert social.status_code == 403
    assert "zorgverlener" in social.get_json()["error"]["message"]
    assert _birth(api, network.planner, family).status_code == 403
    assert _birth(api, network.vrijwilliger, family).status_code in (403, 404)
    assert _birth(api, network.outsider, family).status_code == 404   # not involved: does not exist for her
    db.session.expire_all()
    assert db.session.get(Family, family.id).phase == "prenatal"


def test_a_birth_is_refused_for_a_family_that_has_left(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    from igp.coordination.services import exit_family
    exit_family(network.gyn, family.id, {"reason": "verhuisd", "target": "reguliere_jgz",
                                         "target_name": "JGZ elders"})
    db.session.commit()
    answer = _birth(api, network.gyn, db.session.get(Family, family.id))
    assert answer.status_code == 422 and "uitgestroomd" in answer.get_json()["error"]["message"]


# ------------------------------------------------------------------ siblings and the next pregnancy

def test_a_neonatology_family_with_a_three_year_old_sibling_is_eligible_and_the_sibling_kept(network, register, api):
    baby = {"name": "Baby Neo", "birth_date": "2026-11-10", "gestational_age_weeks": 31}
    sibling = {"name": "Grote Zus", "birth_date": "2023-06-01", "sibling": True}
    family = register(network.gyn, phase="postnatal", expected_due_date=None, children=[baby, sibling],
                      medical_reasons=["prematuriteit"], consent=CONSENT)
    assert family.target_eligible is True and family.status == "aangemeld"
    assert [(c.name, c.sibling) for c in family.children] == [("Baby Neo", False), ("Grote Zus", True)]
    # the same sister as an index child is over the age limit: named, nothing stored
    refused = api(network.gyn).post("/api/v1/families", json={
        "poli": "pop", "phase": "postnatal", "referrer": {"type": "ziekenhuis"}, "vulnerabilities": ["financien"],
        "medical_reasons": ["prematuriteit"], "parents": [{"name": "Ander Gezin", "birth_date": "1990-05-05"}],
        "children": [baby, dict(sibling, sibling=False)]})
    assert refused.status_code == 422
    assert "boven de leeftijdsgrens" in refused.get_json()["error"]["fields"]["children[1].birth_date"]
    # only a sibling is no postnatal registration
    only_sibling = api(network.gyn).post("/api/v1/families", json={
        "poli": "pop", "phase": "postnatal", "referrer": {"type": "ziekenhuis"}, "vulnerabilities": ["financien"],
        "medical_reasons": ["prematuriteit"], "parents": [{"name": "Derde Gezin", "birth_date": "1990-05-06"}],
        "children": [sibling]})
    assert "broer of zus telt daarvoor niet" in only_sibling.get_json()["error"]["fields"]["children"]


def test_a_known_family_with_an_older_child_gets_a_new_baby_and_a_sibling_without_birth_date_is_refused(
        network, register, api, clock):
    family = register(network.gyn, phase="postnatal", expected_due_date=None, consent=CONSENT,
                      children=[{"name": "Eerste", "birth_date": "2025-01-10"}])
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))    # the first child is now over 24 months
    answer = api(network.gyn).patch(f"/api/v1/families/{family.id}", json={
        "version": family.version, "children": [{"name": "Eerste Kind"}, {"name": "Tweede",
                                                                          "birth_date": "2027-02-20"}]})
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert [c.name for c in family.children] == ["Eerste Kind", "Tweede"]
    no_date = api(network.gyn).patch(f"/api/v1/families/{family.id}", json={
        "version": family.version, "children": [{}, {}, {"name": "Broer", "sibling": True}]})
    assert no_date.status_code == 422
    assert no_date.get_json()["error"]["fields"] == {"children[2].birth_date": "Geboortedatum kind is verplicht."}


def test_a_next_pregnancy_gets_its_own_due_date_and_one_pregnancy_runs_at_a_time(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    assert _birth(api, network.gyn, family).status_code == 201
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    post = api(network.gyn).post
    too_soon = post(f"/api/v1/families/{family.id}/pregnancies",
                    json={"version": family.version, "expected_due_date": "2027-02-01"})
    assert too_soon.get_json()["error"]["fields"] == {
        "expected_due_date": "De uitgerekende datum ligt te kort na de laatste geboorte."}
    answer = post(f"/api/v1/families/{family.id}/pregnancies",
                  json={"version": family.version, "expected_due_date": "2027-08-20"})
    assert answer.status_code == 201 and answer.get_json()["expected_due_date"] == "2027-08-20"
    again = post(f"/api/v1/families/{family.id}/pregnancies",
                 json={"version": answer.get_json()["version"], "expected_due_date": "2027-09-01"})
    assert "Er loopt al een zwangerschap (uitgerekend 20-08-2027)" in again.get_json()["error"]["fields"][
        "expected_due_date"]
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert family.phase == "postnatal" and family.expected_due_date == date(2027, 8, 20)
    outcomes = [p.outcome for p in db.session.scalars(select(Pregnancy).where(Pregnancy.family_id == family.id)
                                                      .order_by(Pregnancy.id))]
    assert outcomes == ["geboren", "lopend"]


# ------------------------------------------------------------------ the signal geboorte_niet_vastgelegd

def test_a_due_date_more_than_two_weeks_past_without_a_birth_signals_the_coordinator(network, register, clock, login,
                                                                                    client, api):
    family = register(network.gyn, consent=CONSENT, expected_due_date="2026-12-10")
    nurse = family.coordinator
    clock.set(datetime(2026, 12, 24, 9, 0, tzinfo=timezone.utc))     # 14 days past: not yet
    assert birth_overdue_signals(nurse) == ([], 0)
    clock.set(datetime(2026, 12, 25, 9, 0, tzinfo=timezone.utc))     # 15 days past
    [(summary, due)], total = birth_overdue_signals(nurse)
    assert total == 1
    assert (summary.id, due) == (family.id, date(2026, 12, 10))
    assert any("geboorte nog niet vastgelegd" in line for line in digest_lines(nurse))
    assert birth_overdue_signals(network.sw) == ([], 0)              # not involved: no signal
    login(nurse)
    page = client.get("/signalen").get_data(as_text=True)
    assert "Geboorte nog niet vastgelegd" in page and family.pseudonym in page
    assert "meer dan twee weken voorbij" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert api(nurse).post(f"/api/v1/families/{family.id}/births", json={
        "version": family.version, "children": [dict(BIRTH, birth_date="2026-12-20")]}).status_code == 201
    assert birth_overdue_signals(nurse) == ([], 0)


# ------------------------------------------------------------------ consent for the child

def test_the_prenatal_consent_does_not_cover_the_newborn_until_the_parents_consent_again(network, register, api,
                                                                                        clock):
    family = register(network.gyn, consent=CONSENT)          # hospital registers; consent for jgz and sociaal
    nurse = family.coordinator                               # JGZ: reads under that consent
    assert nurse.organisation.domain == "jgz"
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))
    assert _birth(api, network.gyn, family, children=[dict(BIRTH, birth_date="2026-11-26")]).status_code == 201
    seen = api(nurse).get(f"/api/v1/families/{family.id}").get_json()
    assert seen["children"] == [] and seen["children_without_consent"] == 1
    assert seen["medical"]["children"] == []
    assert "Baby Geboren" not in api(nurse).get(f"/api/v1/families/{family.id}").get_data(as_text=True)
    # the hospital itself (own organisation) sees the child
    own = api(network.gyn).get(f"/api/v1/families/{family.id}").get_json()
    assert own["children_without_consent"] == 0 and own["children"][0]["name"] == "Baby Geboren"
    # the parents consent again after the birth: now the child is shared
    sharing.record_consent(network.gyn, family.id, {"recipient": {"domain": "jgz"}, "categories": [
        "naw", "medische_voorgeschiedenis"], "purpose": "zorg_en_ondersteuning", "method": "schriftelijk"})
    db.session.commit()
    again = api(nurse).get(f"/api/v1/families/{family.id}").get_json()
    assert again["children_without_consent"] == 0 and again["children"][0]["name"] == "Baby Geboren"
    assert again["children"][0]["birth_date"] == "2026-11-26"
    assert again["medical"]["children"][0]["birth_weight_grams"] == 1320


# ------------------------------------------------------------------ parents and gezag

def _two_parents(register, network, **parent_overrides):
    mother = {"name": "Moeder Een", "birth_date": "1994-01-01", "relationship_type": "moeder", "gezag": "ja",
              "address": "Veilige Straat 1", "postcode": "1111 AA", "city": "Schuilstad", "phone": "06-11111111",
              "bsn": "111222333", "contact_secret": True}
    father = {"name": "Vader Twee", "birth_date": "1992-02-02", "relationship_type": "vader",
              "address": "Andere Laan 2", "postcode": "2222 BB", "city": "Elders", "phone": "06-22222222",
              "bsn": "123456782"}
    father.update(parent_overrides)
    return register(network.gyn, parents=[mother, father])


def test_consent_by_both_parents_needs_each_ones_gezag_recorded(network, register):
    family = _two_parents(register, network)
    mother, father = family.parents
    body = {"recipient": {"domain": "jgz"}, "categories": ["naw"], "purpose": "zorg_en_ondersteuning",
            "method": "schriftelijk", "given_by": [mother.id, father.id]}
    from igp.errors import ValidationError
    try:
        sharing.record_consent(network.gyn, family.id, body)
        raise AssertionError("consent by both parents without the father's gezag was stored")
    except ValidationError as exc:
        assert exc.errors == {"given_by": "Toestemming van beide ouders: leg eerst vast of Vader Twee gezag heeft "
                                          "(bij de gegevens van het gezin)."}
    db.session.rollback()
    father = db.session.get(type(father), father.id)
    father.gezag = "nee"
    db.session.commit()
    try:
        sharing.record_consent(network.gyn, family.id, body)
        raise AssertionError("consent by a parent without gezag was stored")
    except ValidationError as exc:
        assert "Vader Twee heeft geen gezag" in exc.errors["given_by"]
    db.session.rollback()
    # without naming who gave it: the parents with gezag
    record = sharing.record_consent(network.gyn, family.id, dict(body, given_by=None))
    assert record.given_by == [mother.id]


def test_with_both_parents_asked_the_consent_of_the_gezag_holder_counts(network, register, api):
    from igp.admin.services import set_setting
    family = _two_parents(register, network)          # the mother has gezag, the father's is not recorded
    mother = family.parents[0]
    set_setting("consent_both_parents", True)
    sharing.record_consent(network.gyn, family.id, {"recipient": {"domain": "sociaal"}, "categories": ["naw"],
                                                   "purpose": "zorg_en_ondersteuning", "method": "schriftelijk",
                                                   "given_by": [mother.id]})
    from igp.coordination.services import add_core_member
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    assert "naw" in api(network.sw).get(f"/api/v1/families/{family.id}").get_json()["allowed"]


def test_a_geheim_address_never_appears_in_the_other_parents_overview(network, register, login, client, app):
    family = _two_parents(register, network, gezag="ja")
    login(network.po)
    chooser = client.get(f"/gezinnen/{family.id}/inzage-ouders")
    assert chooser.status_code == 200 and b"Voor wie maakt u het overzicht?" in chooser.data
    assert b"Veilige Straat" not in chooser.data
    for_father = client.get(f"/gezinnen/{family.id}/inzage-ouders?ouder=2").data
    for secret in (b"Veilige Straat 1", b"1111 AA", b"Schuilstad", b"06-11111111", b"111222333", b"1994"):
        assert secret not in for_father, secret
    assert b"Andere Laan 2" in for_father and b"123456782" in for_father and b"Moeder Een" in for_father
    for_mother = client.get(f"/gezinnen/{family.id}/inzage-ouders?ouder=1").data
    assert b"Veilige Straat 1" in for_mother and b"111222333" in for_mother
    assert b"123456782" not in for_mother          # never the other parent's BSN
    assert b"Andere Laan 2" in for_mother          # his address is not geheim
    assert b"staan niet in het overzicht van de andere ouder" in for_mother
    # the family page flags it for every professional who sees the address
    page = login(network.gyn, test_client=app.test_client()).get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Geheim adres" in page and "nooit delen met de andere ouder" in page


# ------------------------------------------------------------------ in the browser's forms

def test_the_birth_form_keeps_what_was_typed_on_an_error_and_records_the_birth(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Geboorte vastleggen" in page
    token = csrf_token(client, f"/gezinnen/{family.id}")
    form = {"csrf_token": token, "version": str(family.version), "poli": "mamaplus", "c0_name": "Lotte",
            "c0_birth_date": "2026-11-24", "c0_gestational_age_weeks": "50", "c0_birth_weight_grams": "2450"}
    refused = client.post(f"/gezinnen/{family.id}/geboorte", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Zwangerschapsduur: weken moet tussen 22 en 44 liggen." in text or "moet tussen 22 en 44 liggen" in text
    assert 'value="Lotte"' in text and 'value="2450"' in text and 'value="50"' in text
    done = client.post(f"/gezinnen/{family.id}/geboorte", data=dict(form, c0_gestational_age_weeks="35"),
                       follow_redirects=True)
    assert "De geboorte is vastgelegd" in done.get_data(as_text=True)
    assert "Het gezin gaat verder bij MamaPlusPoli." in done.get_data(as_text=True)
    assert "gecorrigeerde leeftijd" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Family, family.id).phase == "postnatal"


def test_the_birth_form_is_shown_only_to_who_may_use_it(network, register, login, app):
    family = register(network.gyn, consent=CONSENT)
    from igp.coordination.services import add_core_member
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    for user in (network.sw, network.planner):
        client = login(user, test_client=app.test_client())
        page = client.get(f"/gezinnen/{family.id}")
        assert page.status_code == 200
        assert "Geboorte vastleggen" not in page.get_data(as_text=True), user.username
        refused = client.post(f"/gezinnen/{family.id}/geboorte", data={
            "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "version": str(family.version),
            "c0_birth_date": "2026-11-24", "c0_gestational_age_weeks": "39"})
        assert refused.status_code == 403, user.username
    client = login(family.coordinator, test_client=app.test_client())
    assert "Geboorte vastleggen" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)


def test_a_sibling_is_added_through_the_form_of_the_family_page(network, register, login, client):
    family = register(network.gyn, phase="postnatal", expected_due_date=None, consent=CONSENT,
                      children=[{"name": "Baby", "birth_date": "2026-11-01"}])
    login(network.gyn)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    missing = client.post(f"/gezinnen/{family.id}/broer-zus", data={
        "csrf_token": token, "version": str(family.version), "name": "Grote Broer"})
    assert missing.status_code == 422 and 'value="Grote Broer"' in missing.get_data(as_text=True)
    done = client.post(f"/gezinnen/{family.id}/broer-zus", data={
        "csrf_token": token, "version": str(family.version), "name": "Grote Broer", "birth_date": "2022-04-04"},
        follow_redirects=True)
    assert "De broer of zus is toegevoegd." in done.get_data(as_text=True)
    assert "(broer of zus)" in done.get_data(as_text=True)
    assert [(c.name, c.sibling) for c in db.session.scalars(select(Child).where(Child.family_id == family.id)
                                                            .order_by(Child.position))] == [
        ("Baby", False), ("Grote Broer", True)]



def test_the_aanmelding_form_records_gezag_a_geheim_address_and_a_sibling(network, login, client):
    login(network.gyn)
    token = csrf_token(client, "/gezinnen/aanmelden")
    form = {"csrf_token": token, "poli": "pop", "phase": "postnatal", "referrer_type": "ziekenhuis",
            "vulnerabilities": ["financien", "huisvesting"], "medical_reasons": ["prematuriteit"],
            "screening_instrument": "", "consent_preset": "", "consent_method": "mondeling_vastgelegd",
            "parent1_name": "Formulier Moeder", "parent1_birth_date": "1993-03-03", "parent1_relationship": "moeder",
            "parent1_gezag": "ja", "parent1_secret": "y", "parent1_address": "Geheimstraat 9",
            "parent2_name": "Formulier Partner", "parent2_relationship": "partner", "parent2_gezag": "nee",
            "child1_name": "Klein", "child1_birth_date": "2026-11-15", "child1_ga_weeks": "33",
            "child2_name": "Groot", "child2_birth_date": "2022-09-09", "child2_sibling": "y"}
    response = client.post("/gezinnen/aanmelden", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    family = db.session.scalars(select(Family).order_by(Family.id.desc())).first()
    mother, partner = family.parents
    assert (mother.relationship_type, mother.gezag, mother.contact_secret) == ("moeder", "ja", True)
    assert (partner.relationship_type, partner.gezag, partner.contact_secret) == ("partner", "nee", False)
    assert [(c.name, c.sibling) for c in family.children] == [("Klein", False), ("Groot", True)]
    assert family.target_eligible is True
    # without the sibling box the older child is refused, and the typed form comes back
    again = client.post("/gezinnen/aanmelden", data={k: v for k, v in form.items() if k != "child2_sibling"} | {
        "parent1_name": "Ander Gezin", "parent1_birth_date": "1991-01-01"})
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "boven de leeftijdsgrens" in text and 'value="Groot"' in text


def test_the_target_group_is_rechecked_at_the_birth_and_follows_the_new_poli(network, register, api):
    """A MamaPlusPoli pregnancy (second-line poli: the care condition) whose family moves after the
    birth to a poli that is no second-line care, with no medical reason: out of the target group,
    the handover ends; kept in the history as a re-assessment 'geboorte'."""
    from igp.admin.services import update_poli
    from igp.families.models import TargetAssessment
    update_poli(network.admin, "mamaplus", {"second_line": True})
    db.session.commit()
    family = register(network.gyn, poli="mamaplus", vulnerabilities=["financien", "huisvesting"], medical_reasons=[],
                      consent=CONSENT)
    assert family.status == "aangemeld" and family.target_eligible is True
    answer = _birth(api, network.gyn, family, poli="pop")
    assert answer.status_code == 201 and answer.get_json()["target_eligible"] is False
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert (family.status, family.poli.code, family.target_eligible) == ("niet_in_doelgroep", "pop", False)
    assert current_handover(family.id, "in").closed_at is not None
    row = db.session.scalars(select(TargetAssessment).where(TargetAssessment.family_id == family.id)).one()
    assert (row.trigger, row.eligible_before, row.eligible_after, row.status_after) == (
        "geboorte", True, False, "niet_in_doelgroep")
