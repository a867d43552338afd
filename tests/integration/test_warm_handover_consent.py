"""The warm handover under its own consent (issue 17): a verloskundige registers a family with the
preset "Warme overdracht naar de JGZ"; the JGZ nurse becomes its coordinator and reads exactly the
consented categories while the inward handover runs; nobody else reads through that consent; a
side exit, a withdrawal or the end of the consent's term ends it. And the README's table
"doel x leescontext" through the app's gateway, every cell."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from igp import clock
from igp.coordination import services as coordination
from igp.errors import ValidationError
from igp.extensions import db
from igp.families.models import Family
from igp.handover.models import Handover
from igp.sharing import gateway
from igp.sharing import services as sharing
from igp.sharing.models import ConsentRecord
from tests.unit.test_consent_purpose_binding import COLUMNS, TABLE

WARM = {"preset": "warme_overdracht", "method": "schriftelijk"}
WARM_CATEGORIES = {"naw", "medische_voorgeschiedenis", "ontwikkeling_risicos", "consultverslagen", "verwijzingen",
                   "zorgplan"}
NOT_CONSENTED = {"medicatie", "diagnostiek", "overleg_derden", "mdo_notulen"}


@pytest.fixture
def midwife(network, make_user):
    return make_user("verloskundige", org=network.hospital, username="vk", name="Verloskundige Vos")


def _family(family_id):
    db.session.expire_all()
    return db.session.get(Family, family_id)


def _allowed(user, family_id):
    return set(gateway.read_family(user, family_id).decision.allowed)


def test_the_jgz_nurse_coordinates_and_reads_exactly_what_the_handover_consent_names(network, register, midwife,
                                                                                    api):
    family = register(midwife, consent=WARM)
    grants = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id)).all()
    assert [(g.recipient_domain, g.purpose) for g in grants] == [("jgz", "warme_overdracht")]
    assert grants[0].valid_until == clock.now().replace(month=2, year=2027)   # 3 months

    nurse = _family(family.id).coordinator
    assert nurse is not None and nurse.has_role("jeugdverpleegkundige")    # the default proposal at aanmelding
    assert _allowed(nurse, family.id) == WARM_CATEGORIES
    body = api(nurse).get(f"/api/v1/families/{family.id}").get_json()
    assert set(body["allowed"]) == WARM_CATEGORIES
    assert NOT_CONSENTED <= {w["category"] for w in body["withheld"]}
    assert body["parents"][0]["name"] == "Canary Moedernaam"

    # the other JGZ nurse in the family's core team reads nothing through that consent
    other = network.jvk2 if nurse.id == network.jvk.id else network.jvk
    coordination.add_core_member(nurse, family.id, {"user_id": other.id, "case_role": "jeugdverpleegkundige"})
    coordination.add_core_member(nurse, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    assert _allowed(other, family.id) == set()
    assert _allowed(network.sw, family.id) == set()
    assert api(network.sw).get(f"/api/v1/families/{family.id}").get_json()["allowed"] == []


def test_a_side_exit_of_the_handover_ends_the_nurse_s_reading(network, register, midwife, api):
    family = register(midwife, consent=WARM)
    nurse = _family(family.id).coordinator
    response = api(nurse).post(f"/api/v1/families/{family.id}/handover/events",
                               json={"type": "gezin_ziet_af", "reason": "wil geen hulp"})
    assert response.status_code == 201, response.get_json()
    db.session.commit()
    assert _allowed(nurse, family.id) == set()
    assert not coordination.coordinator_allowed(_family(family.id), nurse)
    # and the family still exists for her (she coordinates it): the reason is the consent
    assert gateway.read_family(nurse, family.id).decision.reason("naw") == "geen_toestemming"


def test_a_handover_completed_by_the_intake_keeps_the_reading_until_the_consent_ends(network, register, midwife,
                                                                                   clock):
    family = register(midwife, consent=WARM)
    nurse = _family(family.id).coordinator
    handover = db.session.scalars(select(Handover).where(Handover.family_id == family.id)).one()
    handover.status, handover.closed_at = "intake_gehouden", clock.now()
    db.session.commit()
    assert _allowed(nurse, family.id) == WARM_CATEGORIES
    clock.set(clock.now() + timedelta(days=92))        # past the 3 months of the consent
    assert _allowed(nurse, family.id) == set()
    assert gateway.read_family(nurse, family.id).decision.reason("naw") == "toestemming_verlopen"


def test_withdrawal_ends_the_nurse_s_reading(network, register, midwife):
    family = register(midwife, consent=WARM)
    nurse = _family(family.id).coordinator
    grant = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id)).one()
    sharing.withdraw(midwife, grant.id, "Op verzoek van de moeder")
    db.session.commit()
    assert gateway.read_family(nurse, family.id).decision.reason("naw") == "toestemming_ingetrokken"


def test_the_planner_assigns_the_nurse_under_the_handover_consent(network, register, midwife):
    family = register(midwife, consent=WARM)
    first = _family(family.id).coordinator
    other = network.jvk2 if first.id == network.jvk.id else network.jvk
    coordination.assign_coordinator(network.planner, family.id, {"user_id": other.id})
    db.session.commit()
    assert _family(family.id).coordinator_id == other.id
    assert _allowed(other, family.id) == WARM_CATEGORIES
    assert not gateway.is_visible(first, family.id)   # no longer the coordinator: not involved at all


def test_the_substitute_reads_during_the_coordinator_s_absence(network, register, midwife):
    family = register(midwife, consent=WARM)
    nurse = _family(family.id).coordinator
    other = network.jvk2 if nurse.id == network.jvk.id else network.jvk
    assert not gateway.is_visible(other, family.id)     # not involved before the absence
    coordination.record_absence(nurse, {"from": "2026-11-24", "to": "2026-11-27", "reason": "ziekte",
                                        "substitute_id": other.id})
    db.session.commit()
    assert _allowed(other, family.id) == WARM_CATEGORIES


def test_a_social_worker_cannot_be_made_coordinator_through_a_jgz_handover_consent(network, register, midwife):
    family = register(midwife, consent=WARM)
    with pytest.raises(ValidationError) as refused:
        coordination.assign_coordinator(network.planner, family.id, {"user_id": network.sw.id,
                                                                     "reason": "complexe_sociale_problematiek"})
    assert "De toestemming van het gezin dekt Wijkteam Test niet" in refused.value.errors["user_id"]


def test_lists_decide_the_handover_context_in_one_query(network, register, midwife):
    families = [register(midwife, consent=WARM) for _ in range(3)]
    nurse = _family(families[0].id).coordinator
    rows = list(db.session.scalars(select(Family).where(Family.id.in_([f.id for f in families]))))
    decisions = gateway.decisions_for(nurse, rows)
    for f in rows:
        expected = WARM_CATEGORIES if f.coordinator_id == nurse.id else set()
        assert set(decisions[f.id].allowed) == expected


# ------------------------------------------------------------------ the table through the app

CELLS = [(purpose, column, TABLE[purpose][column]) for purpose in TABLE for column in COLUMNS]


@pytest.mark.parametrize(("purpose", "column", "opens"), CELLS, ids=[f"{p}-{c}" for p, c, _ in CELLS])
def test_purpose_by_reading_context_through_the_gateway(network, register, purpose, column, opens):
    family = register(network.gyn)   # a hospital referral with a running inward handover, no consent yet
    sharing.record_consent(network.gyn, family.id, {
        "recipient": {"domain": "jgz"}, "categories": ["naw", "zorgplan"], "purpose": purpose,
        "method": "schriftelijk", "valid_until": (clock.now() + timedelta(days=90)).isoformat()})
    db.session.commit()
    family = _family(family.id)
    nurse = network.jvk
    if column == "toewijzing":
        assert coordination.coordinator_allowed(family, nurse) is opens
        return
    kinds, context = {"dossier": ({"core_team"}, "zorg_en_ondersteuning"),
                      "mdo": ({"coordinator", "mdo_attendee"}, "mdo_bespreking"),
                      "warme_overdracht": ({"coordinator"}, "zorg_en_ondersteuning")}[column]
    decision = gateway.decide_for(nurse, family, kinds=frozenset(kinds), context=context)
    assert (set(decision.allowed) == {"naw", "zorgplan"}) is opens
    assert decision.allowed <= {"naw", "zorgplan"}
