"""The start page per role ("Vandaag", issue 19): what each role sees first, and what it does not see;
every block read through the services and the gateway, the page's statements independent of the data."""
from __future__ import annotations

import html
import itertools
import re
from datetime import timedelta

from sqlalchemy import event

from igp.extensions import db
from igp.families.models import Family
from igp.families.services import plan_or_record_intake
from igp.mdo import services as mdo
from igp.reporting.rules import primary_mark
from igp.reporting.services import small_cell_threshold
from igp.sharing import services as sharing
from igp.today import SHOWN

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
REASON = "Geldzorgen en eerdere depressie"     # the referral reason (family_data): never on the start page


def _page(app, login, user) -> str:
    client = app.test_client()
    login(user, test_client=client)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True).split('id="inhoud"', 1)[1]


def _section(page: str, heading: str) -> str:
    """The text of the section under one heading (empty when the page has no such heading)."""
    match = re.search(r"<h2[^>]*>" + re.escape(heading) + r"</h2>(.*?)</section>", page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def _registered(network, register, coordinator=None, **overrides):
    """A family registered by the gynaecoloog with the kernteam consent, coordinated by ``coordinator``
    (the default proposal spreads families over the nurses)."""
    from igp.coordination import services as coordination

    family = register(network.gyn, consent=CONSENT, **overrides)
    if coordinator is not None and db.session.get(Family, family.id).coordinator_id != coordinator.id:
        coordination.assign_coordinator(network.gyn, family.id, {"user_id": coordinator.id})
        db.session.commit()
    return family


def _late(network, register, coordinator=None, **overrides):
    """A family registered three weeks ago: its warm handover is late."""
    from igp import clock

    return _registered(network, register, coordinator, referred_at=(clock.now() - timedelta(days=21)).isoformat(),
                       **overrides)


_PARENTS = itertools.count(1)


def _parent() -> list[dict]:
    n = next(_PARENTS)
    return [{"name": f"Meting {n}", "birth_date": f"19{60 + n // 300}-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}"}]


# ------------------------------------------------------------------ coordinators

def test_a_nurse_sees_a_family_newly_assigned_to_her_and_another_nurse_does_not(network, register, login, app,
                                                                                 clock):
    family = register(network.gyn, consent=CONSENT)
    assert db.session.get(Family, family.id).coordinator_id == network.jvk.id
    mine = _section(_page(app, login, network.jvk), "Nieuwe gezinnen voor u")
    assert family.pseudonym in mine and "Canary Moedernaam" in mine and "toegewezen op 24-11-2026" in mine
    other = _page(app, login, network.jvk2)
    assert "Geen nieuwe gezinnen." in _section(other, "Nieuwe gezinnen voor u")
    assert family.pseudonym not in other and "Canary Moedernaam" not in other
    # after a week it is no longer new (it stays under Mijn gezinnen)
    clock.advance(days=8)
    later = _section(_page(app, login, network.jvk), "Nieuwe gezinnen voor u")
    assert family.pseudonym not in later and "Geen nieuwe gezinnen." in later


def test_a_family_handed_to_a_colleague_is_not_new_for_the_nurse_who_gave_it_away(network, register, login, app):
    from igp.coordination import services as coordination

    family = register(network.gyn, consent=CONSENT)
    coordination.assign_coordinator(network.jvk, family.id, {"user_id": network.jvk2.id, "reason": "herverdeling"})
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.jvk.id,
                                                          "case_role": "jeugdverpleegkundige"})
    db.session.commit()
    page = _page(app, login, network.jvk)            # she still sees the family (core team), but it is not hers
    assert family.pseudonym not in _section(page, "Nieuwe gezinnen voor u")
    assert family.pseudonym in _section(_page(app, login, network.jvk2), "Nieuwe gezinnen voor u")


def test_a_nurse_sees_her_signals_intakes_this_week_actions_due_and_the_next_mdo(network, register, login, app):
    late = _late(network, register, network.jvk)
    soon = _registered(network, register, network.jvk)
    later = _registered(network, register, network.jvk)
    plan_or_record_intake(network.jvk, soon.id, {"planned_at": "2026-11-26T10:00", "type": "gezamenlijk",
                                                 "location": "consultatiebureau"})
    plan_or_record_intake(network.jvk, later.id, {"planned_at": "2026-12-02T10:00", "type": "gefaseerd"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    for family in (soon, later):
        mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw)]})
    items = {i.family_id: i for i in meeting.items}
    mdo.add_outcome(network.chair, items[soon.id].id, {"kind": "actie", "text": "Schuldhulp aanvragen",
                                                       "owner_id": network.jvk.id, "due_date": "2026-11-27"})
    mdo.add_outcome(network.chair, items[later.id].id, {"kind": "actie", "text": "Over een maand bellen",
                                                        "owner_id": network.jvk.id, "due_date": "2026-12-24"})
    db.session.commit()
    page = _page(app, login, network.jvk)
    signals = _section(page, "Uw signalen")
    assert late.pseudonym in signals and "Warme overdracht te laat" in signals
    assert soon.pseudonym not in signals
    intakes = _section(page, "Intakes deze week")
    assert soon.pseudonym in intakes and "do 26-11-2026 10:00" in intakes and "Gezamenlijk" in intakes
    assert later.pseudonym not in intakes                    # next week
    actions = _section(page, "Uw MDO-acties")
    assert "Schuldhulp aanvragen" in actions and "27-11-2026" in actions
    assert "Over een maand bellen" not in actions            # not due within 7 days
    nxt = _section(page, "Volgend MDO met uw gezinnen")
    assert "POP-poli" in nxt and "di 24-11-2026 09:30" in nxt and "daarvan 2 van u" in nxt
    # the other nurse sees none of it
    other = _page(app, login, network.jvk2)
    assert "Schuldhulp aanvragen" not in other and late.pseudonym not in other and soon.pseudonym not in other
    assert "Geen MDO gepland met uw gezinnen op de agenda." in other


# ------------------------------------------------------------------ referrers

def test_the_referrer_sees_her_own_aanmeldingen_the_latest_first(network, register, login, app, clock):
    first = register(network.gyn, consent=CONSENT, referred_at="2026-11-20T10:00:00+01:00")
    second = register(network.gyn, consent=CONSENT, referred_at="2026-11-23T10:00:00+01:00")
    block = _section(_page(app, login, network.gyn), "Mijn aanmeldingen")
    assert block.index(second.pseudonym) < block.index(first.pseudonym)
    assert "aangemeld op 20-11-2026" in block and "coördinator JVK Een" in block and "Alle aanmeldingen" in block
    assert REASON not in block
    outsider = _page(app, login, network.outsider)
    assert "Geen aanmeldingen." in _section(outsider, "Mijn aanmeldingen")
    assert first.pseudonym not in outsider and second.pseudonym not in outsider


# ------------------------------------------------------------------ planner and chair

def test_the_planner_sees_families_without_coordinator_late_handovers_and_the_next_mdos(network, register,
                                                                                         login, app):
    orphan = register(network.gyn, consent=CONSENT)
    db.session.get(Family, orphan.id).coordinator_id = None       # set up: nobody coordinates it
    late = _late(network, register)
    mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-26T13:00"})
    db.session.commit()
    page = _page(app, login, network.planner)
    assert orphan.pseudonym in _section(page, "Gezinnen zonder aanspreekpunt")
    assert "Geen coördinator" in _section(page, "Gezinnen zonder aanspreekpunt")
    assert late.pseudonym in _section(page, "Overdrachten te laat of met risico")
    assert "POP-poli, do 26-11-2026 13:00" in _section(page, "Volgende MDO's")
    # the nurse has no planner blocks
    assert "Gezinnen zonder aanspreekpunt" not in _page(app, login, network.jvk)


def test_the_chair_sees_the_preparation_of_the_next_meeting(network, register, login, app):
    family = register(network.gyn, consent=CONSENT)
    empty = _section(_page(app, login, network.chair), "Voorbereiding volgend MDO")
    assert "Geen MDO gepland." in empty
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-26T13:00"})
    mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.gyn.id, "status": "uitgenodigd"}]})
    db.session.commit()
    block = _section(_page(app, login, network.chair), "Voorbereiding volgend MDO")
    assert "do 26-11-2026 13:00" in block
    assert "Agendapunten: 1" in block and "Agendapunten zonder uitkomst: 1" in block
    assert "Deelnemers uitgenodigd: 2" in block and "Agenda gedeeld: nee" in block
    assert "Geen quorum: ontbreekt domein" in block and "_" not in block      # labels, no codes
    assert family.pseudonym not in block                                      # counts only


# ------------------------------------------------------------------ projectleider, privacy officer, beheerder

def test_the_projectleider_sees_only_suppressed_figures_and_no_family(network, register, login, app):
    family = register(network.gyn, consent=CONSENT)
    page = _page(app, login, network.pl)
    block = _section(page, "Kerncijfers van de afgelopen 30 dagen")
    assert "aanmeldingen" in block and "intake binnen termijn" in block
    assert "open overdrachten te laat" in block and "gezinnen zonder aanspreekpunt" in block
    assert "26-10-2026 tot en met 24-11-2026" in block
    assert f"{html.escape(primary_mark(small_cell_threshold()))} aanmeldingen" in block   # one: suppressed
    assert family.pseudonym not in page and "Canary Moedernaam" not in page
    assert 'href="/dashboard"' in page


def test_the_privacy_officer_sees_the_open_break_glass_reviews(network, register, login, app):
    assert "Geen noodtoegang te beoordelen." in _section(_page(app, login, network.po), "Noodtoegang te beoordelen")
    family = register(network.gyn, consent=CONSENT)
    from igp import clock
    from igp.sharing.models import BreakGlassAccess

    db.session.add(BreakGlassAccess(family_id=family.id, user_id=network.gyn.id, reason="Acute zorg nodig",
                                    expires_at=clock.now() + timedelta(hours=24)))    # as break_glass() leaves it
    db.session.commit()
    page = _page(app, login, network.po)
    assert "Nog niet beoordeeld: 1 keer noodtoegang." in _section(page, "Noodtoegang te beoordelen")
    assert family.pseudonym not in page
    assert 'href="/beheer' not in page


def test_the_beheerder_gets_the_way_to_beheer(network, login, app):
    page = _page(app, login, network.admin)
    assert "Naar Beheer" in _section(page, "Beheer") and "Nieuwe gezinnen voor u" not in page


# ------------------------------------------------------------------ the volunteer

def test_the_volunteer_sees_the_families_she_supports_and_no_medical_data(network, register, login, app, api):
    from igp.coordination import services as coordination

    family = register(network.gyn, consent=CONSENT, support_question="Samen de post doornemen")
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                          "case_role": "informele_steun"})
    db.session.commit()
    assert api(network.jvk).post(f"/api/v1/families/{family.id}/informal-support", json={
        "organisation_id": network.homestart.id, "kind": "post_financien", "starts_on": "2026-11-20"}
    ).status_code == 201
    other = register(network.gyn, consent=CONSENT)
    page = _page(app, login, network.vrijwilliger)
    block = _section(page, "Gezinnen die u steunt")
    assert family.pseudonym in block and "Hulp bij post en financiën" in block
    assert other.pseudonym not in page
    for medical in (REASON, "111222333", "2027", "Psychiatrie", "psychiatrie", "Zwangerschap"):
        assert medical not in page, medical
    for block_heading in ("Uw MDO-acties", "Mijn aanmeldingen", "Kerncijfers"):
        assert block_heading not in page


# ------------------------------------------------------------------ every role, and the cost

def test_the_start_page_is_200_for_every_role_with_a_heading_per_block(network, login, app):
    for key in ("gyn", "mmw", "jvk", "jvk2", "sw", "planner", "vrijwilliger", "chair", "pl", "po", "admin",
                "outsider"):
        page = _page(app, login, getattr(network, key))
        assert "<h1>Vandaag</h1>" in page
        assert page.count("<section") == page.count("<h2"), key
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"<[^>]+>", " ", page)), key    # no codes
        if key == "sw":          # no family yet, no block: a short page that leads on
            assert "Er staat vandaag niets voor u klaar." in page and 'href="/mijn-gezinnen"' in page
        else:
            assert "Er staat vandaag niets voor u klaar." not in page, key


def _statements(app, login, user) -> int:
    client = app.test_client()
    login(user, test_client=client)
    count = {"n": 0}

    def counter(_conn, _cursor, _statement, _parameters, context, _many):
        # as X-IGP-Queries counts: a per-process cache's refresh (the dashboard's kept roll-up parts) apart
        if context is None or not context.execution_options.get("igp_cache_refresh"):
            count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count["n"]


def _add_families(network, register, n: int) -> None:
    """n more of everything the blocks list: new families, late handovers, intakes this week, actions
    due, agenda items, supported families, aanmeldingen."""
    from igp.coordination import services as coordination

    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw)]})
    for i in range(n):
        family = _late(network, register, network.jvk, parents=_parent())
        plan_or_record_intake(network.jvk, family.id, {"planned_at": "2026-11-26T10:00", "type": "gezamenlijk"})
        item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
        mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": f"Actie {i}", "owner_id": network.jvk.id,
                                                 "due_date": "2026-11-27"})
        sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
        coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                              "case_role": "informele_steun"})
        orphan = register(network.gyn, consent=CONSENT, parents=_parent())
        db.session.get(Family, orphan.id).coordinator_id = None
    db.session.commit()


def test_the_statements_of_the_start_page_do_not_grow_with_the_number_of_families(network, register, login, app):
    roles = ("jvk", "gyn", "planner", "chair", "pl", "po", "admin", "vrijwilliger")
    _add_families(network, register, SHOWN + 1)      # each list full (its total counted)
    small = {key: _statements(app, login, getattr(network, key)) for key in roles}
    _add_families(network, register, SHOWN + 4)
    large = {key: _statements(app, login, getattr(network, key)) for key in roles}
    assert small == large
