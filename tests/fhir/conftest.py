"""Fixtures of the FHIR tests: a family with something in every category (the canaries below), built
through the services; the counting of checked resources is in counting.py."""
from __future__ import annotations

import pytest

from igp.contacts import services as contacts
from igp.coordination.services import add_core_member
from igp.extensions import db
from igp.families import course
from igp.families.services import add_note, plan_or_record_intake
from igp.handover import feedback as family_feedback
from igp.mdo import services as mdo
from igp.plan import services as plan_services
from tests.conftest import family_data
from tests.fhir.counting import check_resource

MOTHER, FATHER, CHILD = "Canary Moedernaam", "Canary Vadernaam", "Canary Kindnaam"
BSN = "111222333"
# a string per category that only that category's resources carry (raw-bytes checks)
CANARIES = {
    "naw": (MOTHER, FATHER, CHILD, "Canarystraat 12", "06-12345678"),
    "medische_voorgeschiedenis": ("118185001", "psychiatrie"),       # the pregnancy; the medical reason code
    "ontwikkeling_risicos": ("financien",),                            # the vulnerability code
    "verwijzingen": ("Geldzorgen en eerdere depressie", "Verloskundige Vos", "Canary terugkoppeling"),
    "consultverslagen": ("intake-",),
    "mdo_notulen": ("Canary MDO uitkomst", "384682003"),
    "zorgplan": ("Canary hulpvraag", "Canary doel", "kernteam-"),
    # no FHIR mapping: notes of these categories never travel
    "overleg_derden": ("Canary overleg",), "diagnostiek": ("Canary diagnostiek",), "medicatie": ("Canary medicatie",),
}


@pytest.fixture
def checked():
    return check_resource


def build_family(network, register, clock):
    """A postnatal family of the hospital (registered by the gynaecologist, MMW in the core team)
    with an intake, a contact moment, a gezinsplan, an MDO referral, feedback and notes. Its only
    consent is for the MDO discussion (so the MDO may name it): no recipient gets anything from it."""
    gyn, mmw, chair = network.gyn, network.mmw, network.chair
    family = register(gyn, consent={"preset": "mdo", "method": "schriftelijk"}, parents=[
        {"name": MOTHER, "birth_date": "1995-03-14", "bsn": BSN, "phone": "06-12345678",
         "address": "Canarystraat 12", "postcode": "1234 AB", "city": "Canarystad", "relationship_type": "moeder",
         "gezag": "ja"},
        {"name": FATHER, "birth_date": "1993-05-01", "relationship_type": "vader", "gezag": "ja"}])
    fid = family.id
    course.record_birth(gyn, fid, {"version": family.version, "children": [
        {"name": CHILD, "birth_date": "2026-11-24", "gestational_age_weeks": 38, "birth_weight_grams": 3100}]})
    add_core_member(gyn, fid, {"user_id": mmw.id, "case_role": "mmw"})
    plan_or_record_intake(gyn, fid, {"type": "gezamenlijk", "location": "ziekenhuis", "planned_at": "2026-11-26T10:00"})
    contacts.record_contact(gyn, fid, {"kind": "consult"})
    plan_services.save_plan(mmw, fid, {
        "version": 0, "hulpvraag": "Canary hulpvraag: rust in huis", "start_date": "2026-11-24",
        "evaluation_date": "2027-02-24", "goals": [{"what": "Canary doel: vaste slaaptijden", "who": "Moeder",
                                                    "by_when": "2027-01-15"}],
        "actions": [{"what": "Bel de schuldhulp", "who": "Sociaal werker"}],
        "referrals": [{"to": "Schuldhulp", "referral_type": "welzijn", "status": "aangevraagd"}]})
    meeting = mdo.create_meeting(chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    item = mdo.add_item(chair, meeting.id, {"family_id": fid})
    mdo.add_outcome(chair, item.id, {"kind": "doorverwijzing", "referral_type": "ggz", "text": "Canary MDO uitkomst"})
    mdo.add_outcome(chair, item.id, {"kind": "besluit", "text": "Canary MDO uitkomst: besluit"})
    family_feedback.record_feedback(gyn, fid, {"about": "aanmelding", "recipient": "verwijzer", "method": "telefoon",
                                               "note": "Canary terugkoppeling"})
    for category in ("overleg_derden", "diagnostiek", "medicatie"):
        add_note(gyn, fid, category, CANARIES[category][0])
    db.session.commit()
    clock.advance(minutes=5)
    return db.session.get(type(family), fid)


@pytest.fixture
def rich_family(network, register, clock):
    return build_family(network, register, clock)


@pytest.fixture
def recipient_consent(network):
    """recipient_consent(family, organisation, categories, purpose=...) -> the consent row (committed)."""
    from igp.sharing import services as sharing

    def give(family, organisation, categories, purpose="zorg_en_ondersteuning"):
        row = sharing.record_consent(network.gyn, family.id, {
            "recipient": {"organisation_id": organisation.id}, "categories": list(categories), "purpose": purpose,
            "method": "schriftelijk"})
        db.session.commit()
        return row

    return give


__all__ = ["family_data"]
