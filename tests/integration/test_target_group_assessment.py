"""Target group per guide §2 through the API and the services: the second-line poli (the MamaPlus case),
the IGP's own code lists (add, rename, retire), and the re-assessment (herbeoordeling doelgroep) with its
history and its effect on the status and the warm handover. Cases worked by hand from the guide."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from igp.admin.services import update_poli
from igp.errors import Forbidden
from igp.extensions import db
from igp.families import codes
from igp.families.models import Family, Referral, TargetAssessment
from igp.handover.models import Handover
from tests.conftest import family_data

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
# §2 target group 1: "(Aanstaande) gezinnen met ... complexe sociale problematiek ... Dit is in principe de
# (huidige) populatie van de MamaPlusPoli's": debts and housing, no medical reason code, no high risk
MAMAPLUS = {"poli": "mamaplus", "vulnerabilities": ["financien", "huisvesting"], "medical_reasons": [],
            "high_risk": False, "reason": "Schulden en dreigende huisuitzetting"}


@pytest.fixture
def second_line_mamaplus(network):
    update_poli(network.admin, "mamaplus", {"second_line": True})
    db.session.commit()


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ the second-line poli

def test_the_mamaplus_pregnancy_with_debts_and_housing_is_in_the_target_group(network, api, second_line_mamaplus):
    body = api(network.jvk).post("/api/v1/families", json=family_data(**MAMAPLUS)).get_json()
    assert body["status"] == "aangemeld"
    assert body["target_group"]["eligible"] is True
    assert ("Het gezin wordt gezien op een poli van het ziekenhuis: dat is zelf zorg uit de tweede lijn."
            in body["target_group"]["reasons"])
    assert body["handover"]["status"] == "aangemeld"


def test_the_same_family_at_a_poli_that_is_not_second_line_is_not(network, api):
    body = api(network.jvk).post("/api/v1/families", json=family_data(**MAMAPLUS)).get_json()  # not marked
    assert body["status"] == "niet_in_doelgroep" and body["target_group"]["eligible"] is False
    assert "Geen reden of hoog risico voor zorg uit de tweede of derde lijn." in body["target_group"]["reasons"]
    assert body["handover"] is None


def test_the_beheerder_marks_a_poli_others_may_not(network):
    with pytest.raises(Forbidden):
        update_poli(network.planner, "mamaplus", {"second_line": True})
    assert update_poli(network.admin, "mamaplus", {"second_line": True}).second_line is True


def test_extended_codes_and_protective_factors_are_accepted_and_stored(network, api):
    response = api(network.jvk).post("/api/v1/families", json=family_data(
        vulnerabilities=["veiligheid", "taal", "stapeling", "werk_inkomen"], medical_reasons=["zwangerschapscomplicaties"],
        protective_factors=["steunend_netwerk", "open_voor_hulp"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["target_group"]["eligible"] is True
    assert "Er zijn beschermende factoren vastgelegd; die veranderen de doelgroep niet." in body["target_group"]["reasons"]
    referral = db.session.scalars(select(Referral).where(Referral.family_id == body["id"])).one()
    assert referral.protective_factors == ["steunend_netwerk", "open_voor_hulp"]
    assert referral.medical_reasons == ["zwangerschapscomplicaties"]


# ------------------------------------------------------------------ the IGP's code lists

def test_a_retired_code_stays_on_the_old_family_and_is_refused_on_a_new_aanmelding(network, api, register):
    old = register(network.gyn, vulnerabilities=["netwerk", "financien"])
    codes.retire_code(network.admin, "vulnerabilities", "netwerk")
    db.session.commit()
    before = _count(Family)
    response = api(network.jvk).post("/api/v1/families", json=family_data(vulnerabilities=["netwerk"]))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "vulnerabilities"
    assert "vervallen" in error["fields"]["vulnerabilities"]
    assert _count(Family) == before   # nothing stored
    assert db.session.get(Family, old.id).referrals[0].vulnerabilities == ["netwerk", "financien"]
    assert codes.labels("vulnerabilities")["netwerk"] == "Klein of ontbrekend netwerk"   # still readable
    assert "netwerk" not in codes.active("vulnerabilities")


def test_an_unknown_code_is_refused_naming_the_field(network, api):
    response = api(network.jvk).post("/api/v1/families", json=family_data(medical_reasons=["bestaat_niet"]))
    assert response.status_code == 422
    assert "onbekende code 'bestaat_niet'" in response.get_json()["error"]["fields"]["medical_reasons"]


def test_rename_changes_the_label_not_the_stored_code(network, register):
    family = register(network.gyn, vulnerabilities=["financien"])
    entry = codes.rename_code(network.admin, "vulnerabilities", "financien", {"label": "Geldzorgen en schulden"})
    db.session.commit()
    assert (entry.code, entry.label) == ("financien", "Geldzorgen en schulden")
    assert db.session.get(Family, family.id).referrals[0].vulnerabilities == ["financien"]
    assert codes.labels("vulnerabilities")["financien"] == "Geldzorgen en schulden"


def test_an_added_code_counts_as_a_social_vulnerability(network, api):
    codes.add_code(network.admin, "vulnerabilities", {"code": "mantelzorg", "label": "Zware mantelzorg"})
    db.session.commit()
    body = api(network.jvk).post("/api/v1/families", json=family_data(vulnerabilities=["mantelzorg"])).get_json()
    assert body["target_group"]["eligible"] is True


@pytest.mark.parametrize("user", ["gyn", "planner", "jvk", "po"])
def test_only_a_beheerder_keeps_the_code_lists(network, user):
    with pytest.raises(Forbidden):
        codes.add_code(getattr(network, user), "vulnerabilities", {"code": "mantelzorg", "label": "Mantelzorg"})
    with pytest.raises(Forbidden):
        codes.retire_code(getattr(network, user), "vulnerabilities", "netwerk")


# ------------------------------------------------------------------ re-assessment

def _assess(api, user, family_id, **body):
    return api(user).post(f"/api/v1/families/{family_id}/target-group/assessments", json=body)


def test_an_aangemeld_family_no_longer_eligible_leaves_and_its_handover_ends(network, api, register):
    family = register(network.gyn, consent=CONSENT)
    response = _assess(api, network.gyn, family.id, reason="Bij navraag geen sociale problemen meer",
                       vulnerabilities=[])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status_before"], body["status"]) == ("aangemeld", "niet_in_doelgroep")
    assert (body["eligible_before"], body["eligible"], body["trigger"]) == (True, False, "correctie")
    assert body["handover_effect"] == "gesloten"
    assert body["handover"]["status"] == "geannuleerd" and body["handover"]["closed_at"]
    assert body["changes"] == {"vulnerabilities": {"before": ["financien", "psychisch"], "after": []}}
    db.session.expire_all()
    assert db.session.get(Family, family.id).status == "niet_in_doelgroep"
    history = api(network.gyn).get(f"/api/v1/families/{family.id}/target-group/assessments").get_json()
    assert [i["reason"] for i in history["items"]] == ["Bij navraag geen sociale problemen meer"]


def test_a_niet_in_doelgroep_family_judged_eligible_comes_back_with_a_new_handover(network, api, register):
    family = register(network.jvk, vulnerabilities=[], consent=CONSENT)
    assert family.status == "niet_in_doelgroep" and _count(Handover) == 0
    body = _assess(api, network.jvk, family.id, reason="Moeder vertelde bij het huisbezoek over schulden",
                   vulnerabilities=["financien"]).get_json()
    assert (body["status_before"], body["status"], body["handover_effect"]) == ("niet_in_doelgroep", "aangemeld",
                                                                                  "gestart")
    # a new term from today, Tue 24-11-2026: 5 working days -> Tue 01-12-2026
    assert body["handover"]["status"] == "aangemeld" and body["handover"]["deadline"] == "2026-12-01"
    db.session.expire_all()
    assert db.session.get(Family, family.id).coordinator_id is not None


def test_in_intake_the_status_stays_and_the_result_is_recorded(network, api, register):
    family = register(network.jvk, consent=CONSENT)
    api(network.jvk).post(f"/api/v1/families/{family.id}/intake", json={"planned_at": "2026-11-26T10:00"})
    body = _assess(api, network.jvk, family.id, reason="Schulden zijn opgelost met de bewindvoerder",
                   vulnerabilities=[]).get_json()
    assert (body["status_before"], body["status"], body["eligible"]) == ("in_intake", "in_intake", False)
    assert body["handover_effect"] is None
    db.session.expire_all()
    assert db.session.get(Family, family.id).target_eligible is False


def test_a_plain_reassessment_uses_the_current_data(network, api, register, second_line_mamaplus):
    """Registered before the poli was marked: outside; re-assessed now, the poli's flag counts."""
    update_poli(network.admin, "mamaplus", {"second_line": False})
    family = register(network.jvk, consent=CONSENT, **MAMAPLUS)
    assert family.status == "niet_in_doelgroep"
    update_poli(network.admin, "mamaplus", {"second_line": True})
    db.session.commit()
    body = _assess(api, network.jvk, family.id, reason="De MamaPlusPoli is tweedelijns zorg").get_json()
    assert (body["trigger"], body["status"], body["changes"]) == ("herbeoordeling", "aangemeld", {})


@pytest.mark.parametrize("body, field", [
    ({"reason": "te kort"}, "reason"),
    ({}, "reason"),
    ({"reason": "Een goede reden hier", "vulnerabilities": ["bestaat_niet"]}, "vulnerabilities"),
    ({"reason": "Een goede reden hier", "protective_factors": ["Niet Zo"]}, "protective_factors"),
    ({"reason": "Een goede reden hier", "non_primary": ["iets"]}, "non_primary"),
    ({"reason": "Een goede reden hier", "trigger": "geboorte"}, "trigger"),
])
def test_bad_input_is_422_naming_the_field_and_stores_nothing(network, api, register, body, field):
    family = register(network.gyn, consent=CONSENT)
    response = _assess(api, network.gyn, family.id, **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _count(TargetAssessment) == 0
    assert db.session.get(Family, family.id).status == "aangemeld"


def test_a_retired_code_already_on_the_family_may_stay_but_not_be_added(network, api, register):
    family = register(network.gyn, consent=CONSENT, vulnerabilities=["netwerk"])
    other = register(network.gyn, consent=CONSENT)
    codes.retire_code(network.admin, "vulnerabilities", "netwerk")
    db.session.commit()
    kept = _assess(api, network.gyn, family.id, reason="Netwerk blijft klein, ook huisvesting",
                   vulnerabilities=["netwerk", "huisvesting"])
    assert kept.status_code == 201, kept.get_json()
    added = _assess(api, network.gyn, other.id, reason="Netwerk blijkt klein te zijn",
                    vulnerabilities=["netwerk"])
    assert added.status_code == 422 and "vervallen" in added.get_json()["error"]["fields"]["vulnerabilities"]


@pytest.mark.parametrize("user, status", [("planner", 403), ("sw", 403), ("outsider", 404)])
def test_who_may_not_reassess(network, api, register, user, status):
    family = register(network.gyn, consent=CONSENT)
    if user == "sw":   # in the core team, not the coordinator nor the registering organisation
        from igp.coordination.services import add_core_member

        add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
        db.session.commit()
    response = _assess(api, getattr(network, user), family.id, reason="Een goede reden hier")
    assert response.status_code == status
    assert _count(TargetAssessment) == 0


def test_the_coordinator_of_another_organisation_may(network, api, register):
    family = register(network.gyn, consent=CONSENT)
    coordinator = db.session.get(Family, family.id).coordinator
    assert coordinator is not None and coordinator.organisation_id != network.gyn.organisation_id
    response = _assess(api, coordinator, family.id, reason="Gezien bij het huisbezoek")
    assert response.status_code == 201, response.get_json()
