"""Review of issue 15 (trust, part 1) after 28218a3..9780030: what an insider could still do.

Each test is written as the secure behaviour; each failed on 9780030 and so demonstrated a
finding (actor writes, then reads). Numbers match the review report (R1, R2, ...). Where the fix
refuses an earlier step of the attack, the test asserts that refusal and that the read stays
closed.
"""
from __future__ import annotations

import pytest

from consent import CATEGORIES
from igp.coordination.services import add_core_member
from igp.extensions import db
from igp.mdo import services as mdo
from igp.sharing.services import consents_of
from tests.conftest import family_data

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
REASON = "Acute zorgen om de veiligheid van de baby, Meldcode stap 2."
VICTIM_NAME = "Canary Moedernaam"          # the parent of family_data()
UNKNOWN_BSN = "123456782"                  # passes the elfproef, not in the IGP


# ------------------------------------------------------------------ R1 merge makes the registrant involved

def test_r1_merging_a_fabricated_duplicate_gives_its_registrant_the_victims_family(network, register, api,
                                                                                  make_user):
    """A social worker of the wijkteam registers a 'new' family with the name and birth date of a
    hospital family she may not see, with a broad consent on her own registration. The registration
    succeeds (no oracle), is queued, and the wijkteam's planner (who sees only two pseudonyms and
    'zelfde naam en geboortedatum') merges. The registrant is then a core-team member of the victim
    family (a direct care relationship: break-the-glass is open to her) and the consent she recorded
    on her fake family now stands on the victim family."""
    victim = register(network.gyn)   # hospital, no consent for anyone else
    sw = api(network.sw)
    assert sw.get(f"/api/v1/families/{victim.id}").status_code == 404
    fake = family_data(parents=[{"name": VICTIM_NAME, "birth_date": "1995-03-14"}], reason="Nepaanmelding",
                       consent=CONSENT)
    created = sw.post("/api/v1/families", json=fake)
    assert created.status_code == 201
    from igp.families.duplicates import scan

    assert scan() == (2, 1)   # cron finds the match afterwards
    db.session.commit()
    planner_w = make_user("planner", org=network.wijkteam, username="planner_wijkteam")
    queue = api(planner_w).get("/api/v1/duplicates").get_json()["items"]
    assert [q["existing_family_id"] for q in queue] == [victim.id]
    # the registering side's planner may not merge into a family of another organisation
    assert api(planner_w).post(f"/api/v1/duplicates/{queue[0]['id']}/resolve",
                               json={"resolution": "samenvoegen"}).status_code == 403
    # the privacy officer may; the registrant gains no care relationship by it
    assert api(network.po).post(f"/api/v1/duplicates/{queue[0]['id']}/resolve",
                                json={"resolution": "samenvoegen"}).status_code == 200
    after = sw.get(f"/api/v1/families/{victim.id}")
    body = after.get_json() or {}
    # the hospital (data holder) never granted the wijkteam anything
    assert after.status_code == 404 or not body.get("parents"), \
        f"registrant now reads the victim family: {body.get('parents')} {body.get('referrals')}"


def test_r1b_merge_moves_consents_recorded_on_the_fabricated_family_onto_the_victim(network, register, api,
                                                                                   make_user, db_session):
    victim = register(network.gyn)
    fake = family_data(parents=[{"name": VICTIM_NAME, "birth_date": "1995-03-14"}], reason="Nepaanmelding",
                       consent=CONSENT)
    assert api(network.sw).post("/api/v1/families", json=fake).status_code == 201
    from igp.families.duplicates import scan

    scan()
    db.session.commit()
    candidate = api(network.po).get("/api/v1/duplicates").get_json()["items"][0]["id"]
    assert api(network.po).post(f"/api/v1/duplicates/{candidate}/resolve",
                                json={"resolution": "samenvoegen"}).status_code == 200
    db_session.expire_all()
    recorded_by = {c.recorded_by.organisation_id for c in consents_of(victim.id)}
    # only the data holder (the hospital) records consent for its family
    assert recorded_by <= {network.hospital.id}, "consents of another organisation now stand on the victim family"


# ------------------------------------------------------------------ R2 planner + care role = team-wide full read

@pytest.mark.parametrize("path", ["second_role", "need_to_know_table"])
def test_r2_a_team_wide_planner_reads_every_family_beyond_naw(network, register, api, make_user, path):
    """Team-wide involvement (team_planner) is granted for the planner role, but the categories are
    those of ALL the user's roles, and of whatever the beheerder puts in the need-to-know table."""
    family = register(network.gyn, consent=CONSENT)   # consent to zorg, jgz, sociaal; JGZ is not involved
    assert api(network.jvk2).get(f"/api/v1/families/{family.id}").status_code == 404
    if path == "second_role":
        reader = make_user("planner", "jeugdverpleegkundige", org=network.jgz, username="planner_jvk")
    else:
        from igp.errors import ValidationError
        from igp.sharing.services import set_need_to_know

        with pytest.raises(ValidationError, match="alleen NAW"):   # refused; and the policy caps it anyway
            set_need_to_know(network.admin, {"planner": list(CATEGORIES)})
        db.session.rollback()
        reader = network.planner
    body = api(reader).get(f"/api/v1/families/{family.id}").get_json()
    # team-wide involvement is the planner's: NAW only (README: "the planner (team-wide, NAW only)")
    assert set(body.get("allowed", [])) <= {"naw"}, f"team-wide planner reads {sorted(body['allowed'])}"


# ------------------------------------------------------------------ R3 anyone made substitute by a planner/beheerder

@pytest.mark.parametrize("recorder", ["admin", "planner_other_org"])
def test_r3_a_substitute_named_by_a_third_party_gets_break_glass_on_all_the_coordinators_families(
        network, register, api, make_user, recorder):
    family = register(network.gyn)   # the hospital's family
    g = api(network.gyn)
    assert g.post(f"/api/v1/families/{family.id}/consents", json={
        "recipient": {"domain": "jgz"}, "categories": list(CATEGORIES), "purpose": "zorg_en_ondersteuning",
        "method": "schriftelijk"}).status_code == 201
    assert g.put(f"/api/v1/families/{family.id}/coordinator", json={"user_id": network.jvk.id}).status_code == 200
    sw = api(network.sw)   # wijkteam: no consent covers the social domain
    assert sw.get(f"/api/v1/families/{family.id}").status_code == 404
    actor = network.admin if recorder == "admin" else make_user("planner", org=network.homestart, username="p_hs")
    absence = api(actor).post("/api/v1/absences", json={"user_id": network.jvk.id, "from": "2026-11-24",
                                                        "to": "2027-11-23", "reason": "verlof",
                                                        "substitute_id": network.sw.id})
    assert absence.status_code == 403   # only the coordinator or a planner of her own organisation
    # and even her own planner may not name someone of another organisation as substitute
    refused = api(network.planner).post("/api/v1/absences", json={
        "user_id": network.jvk.id, "from": "2026-11-24", "to": "2027-11-23", "reason": "verlof",
        "substitute_id": network.sw.id})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "substitute_id"
    glass = sw.post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON})
    body = sw.get(f"/api/v1/families/{family.id}").get_json() or {}
    team = sw.post(f"/api/v1/families/{family.id}/core-team", json={"user_id": network.outsider.id,
                                                                     "case_role": "gynaecoloog"})
    assert glass.status_code != 201 and not body.get("parents") and team.status_code != 201, (
        f"{recorder} made the social worker substitute: break-glass {glass.status_code}, "
        f"parents {body.get('parents')}, core team {team.status_code}")


# ------------------------------------------------------------------ R4 BSN oracle for the team-wide planner

def test_r4_a_planner_learns_whether_a_bsn_is_known_though_naw_is_withheld(network, register, api):
    family = register(network.gyn)   # no consent: NAW withheld from the JGZ planner
    p = api(network.planner)
    page = p.get(f"/api/v1/families/{family.id}").get_json()
    assert "naw" in {w["category"] for w in page["withheld"]}
    known = p.post("/api/v1/families/search", json={"bsn": "111222333"})
    unknown = p.post("/api/v1/families/search", json={"bsn": UNKNOWN_BSN})
    assert known.status_code == unknown.status_code == 422   # a planner does not search by BSN at all
    assert known.get_json() == unknown.get_json()
    by_name = p.post("/api/v1/families/search", json={"name": VICTIM_NAME, "birth_date": "1995-03-14"}
                     ).get_json()["items"]
    assert by_name == [], f"name search answers {by_name}"


def test_r4b_a_planner_registering_learns_the_pseudonym_and_organisation_of_a_bsn(network, register, api):
    register(network.gyn)   # no consent
    response = api(network.planner).post("/api/v1/families", json=family_data(reason="Test"))
    unknown = api(network.planner).post("/api/v1/families", json=family_data(
        parents=[{"name": "Niemand Bekend", "birth_date": "1991-01-01", "bsn": UNKNOWN_BSN}]))
    assert response.status_code == unknown.status_code, response.get_json()


def test_r4c_a_social_worker_links_a_bsn_to_a_family_by_searching(network, register, api):
    """BSN: 'never shown to social-domain or informal roles'; searching by it links it all the same."""
    family = register(network.gyn, consent=CONSENT)
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    sw = api(network.sw)
    assert sw.get(f"/api/v1/families/{family.id}").get_json()["parents"][0]["bsn"] is None
    found = sw.post("/api/v1/families/search", json={"bsn": "111222333"})
    assert found.status_code in (403, 422) or found.get_json()["items"] == [], found.get_json()


# ------------------------------------------------------------------ R5 writes that check no category

def _btg_core_member(network, register, api):
    family = register(network.gyn)   # no consent
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    sw = api(network.sw)
    assert sw.post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON}).status_code == 201
    return family, sw


WRITES = {
    "handover_event_note": ("/handover/events", {"type": "contact_gelegd", "contact_mode": "coordinator_met_gezin",
                                                 "note": "Moeder gebeld, zij vertelt over geweld thuis."}),
    "handover_feedback_note": ("/handover/feedback", {"recipient": "verwijzer", "method": "telefoon",
                                                      "note": "Verwijzer verteld over de situatie thuis."}),
    "exit": ("/exit", {"reason": "gezin_stopt"}),
    "mdo_question": ("/mdo-request", {"question": "Bespreken: vermoeden van huiselijk geweld."}),
    "intake_missed_text": ("/intake", {"planned_at": "2026-11-25T10:00", "missed_text": "Vrije tekst"}),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_r5_break_glass_allows_writes_other_than_the_emergency_note(network, register, api, write):
    family, sw = _btg_core_member(network, register, api)
    path, body = WRITES[write]
    response = sw.post(f"/api/v1/families/{family.id}{path}", json=body)
    assert response.status_code == 403, f"{write} under break-the-glass: {response.status_code}"


def test_r5b_a_planner_of_any_organisation_withdraws_consent_and_exits_any_family(network, register, api,
                                                                                  make_user):
    family = register(network.gyn, consent=CONSENT)
    planner_hs = make_user("planner", org=network.homestart, username="planner_homestart")
    p = api(planner_hs)
    consent_id = consents_of(family.id)[0].id
    withdrawn = p.post(f"/api/v1/consents/{consent_id}/withdraw", json={"reason": "Op verzoek (niet echt)"})
    exited = p.post(f"/api/v1/families/{family.id}/exit", json={"reason": "gezin_stopt"})
    assert withdrawn.status_code in (403, 404) and exited.status_code in (403, 404), (
        f"withdraw {withdrawn.status_code}, exit {exited.status_code}")


# ------------------------------------------------------------------ R6 attendance for one item opens all items

def test_r6_attendance_for_one_item_opens_every_family_on_the_agenda(network, register, api):
    a = register(network.gyn, consent=CONSENT)
    b = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started: presence confirmed
    item_a = mdo.add_item(network.chair, meeting.id, {"family_id": a.id})
    mdo.add_item(network.chair, meeting.id, {"family_id": b.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.sw.id, "status": "aanwezig", "item_ids": [item_a.id]}]})
    db.session.commit()
    j = api(network.sw)   # (not jvk2: she may be a family's default coordinator)
    assert j.get(f"/api/v1/families/{a.id}").status_code == 200
    assert j.get(f"/api/v1/families/{b.id}").status_code == 404, "present for item A only, reads family B"


# ------------------------------------------------------------------ R7 hostile input: 500s

@pytest.fixture
def hostile(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    item = mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    other = register(network.gyn, consent=CONSENT)
    db.session.commit()
    return {"family": family.id, "other": other.id, "meeting": meeting.id, "item": item.id, "jvk2": network.jvk2.id,
            "chair": api(network.chair), "gyn": api(network.gyn), "planner": api(network.planner)}


HOSTILE = {
    "reassign_reason_list": ("planner", "/api/v1/caseload/reassign",
                             lambda s: {"family_ids": [s["family"]], "to_user_id": 1, "reason": []}),
    "coordinator_reason_dict": ("gyn", "/api/v1/families/{family}/coordinator",
                                lambda s: {"user_id": s["jvk2"], "reason": {"a": 1}}),
    "item_position_superscript": ("chair", "/api/v1/mdo/meetings/{meeting}/items",
                                  lambda s: {"family_id": s["other"], "position": "\u00b2"}),
    "item_reasons_nested": ("chair", "/api/v1/mdo/meetings/{meeting}/items",
                            lambda s: {"family_id": s["other"], "reasons": [[1]]}),
    "item_minutes_infinity": ("chair", "/api/v1/mdo/meetings/{meeting}/items",
                              '{"family_id": %(other)d, "minutes_planned": Infinity}'),
    "attendance_status_list": ("chair", "/api/v1/mdo/meetings/{meeting}/attendance",
                               lambda s: {"attendees": [{"user_id": 1, "status": []}]}),
    "attendance_item_ids_nested": ("chair", "/api/v1/mdo/meetings/{meeting}/attendance",
                                   lambda s: {"attendees": [{"user_id": 1, "status": "aanwezig", "item_ids": [[1]]}]}),
    "meeting_duration_infinity": ("chair", "/api/v1/mdo/meetings",
                                  '{"poli": "pop", "starts_at": "2026-11-25T13:00", "duration_minutes": Infinity}'),
    "outcome_workdays_infinity": ("chair", "/api/v1/mdo/items/{item}/outcomes",
                                  '{"kind": "actie", "text": "x", "owner_id": 1, "due_workdays": Infinity}'),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_r7_new_endpoints_answer_hostile_input_without_a_500(client, hostile, case):
    who, path, body = HOSTILE[case]
    path = path.format(**hostile)
    headers = hostile[who].headers
    method = "PUT" if path.endswith("/coordinator") else "POST"
    if isinstance(body, str):
        response = client.open(path, method=method, data=body % hostile if "%(" in body else body,
                               content_type="application/json", headers=headers)
    else:
        response = client.open(path, method=method, json=body(hostile), headers=headers)
    assert response.status_code < 500, f"{case}: {response.status_code} {response.get_data(as_text=True)[:200]}"


def test_r7b_duplicate_resolution_as_a_list_is_a_500(network, register, api):
    register(network.gyn)
    assert api(network.outsider).post("/api/v1/families", json=family_data()).status_code == 201
    from igp.families.duplicates import scan

    scan()
    db.session.commit()
    candidate = api(network.po).get("/api/v1/duplicates").get_json()["items"][0]["id"]
    response = api(network.po).post(f"/api/v1/duplicates/{candidate}/resolve", json={"resolution": ["samenvoegen"]})
    assert response.status_code == 422, response.status_code


# ------------------------------------------------------------------ R8 id oracles by message

@pytest.mark.parametrize("target", ["consent_withdraw", "handover_recalculate"])
def test_r8_unknown_and_invisible_ids_answer_differently(network, register, api, target):
    family = register(network.gyn, consent=CONSENT)
    if target == "consent_withdraw":
        real = consents_of(family.id)[0].id
        path, body, who = "/api/v1/consents/{}/withdraw", {"reason": "x"}, network.outsider
    else:
        from igp.handover.services import current_handover

        real = current_handover(family.id).id
        path, body, who = "/api/v1/handovers/{}/recalculate", {"reason": "Nieuwe termijn vastgesteld"}, network.jvk2
    a = api(who)
    invisible = a.post(path.format(real), json=body)
    unknown = a.post(path.format(987654), json=body)
    assert invisible.status_code == unknown.status_code == 404
    assert invisible.get_json() == unknown.get_json(), (invisible.get_json(), unknown.get_json())


# ------------------------------------------------------------------ R9 a page that hands ORM rows to its template

def test_r9_the_break_glass_review_page_renders_table_rows(network, register, api, login, client, app):
    family = register(network.gyn)
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    assert api(network.sw).post(f"/api/v1/families/{family.id}/break-glass", json={"reason": REASON}
                                ).status_code == 201
    login(network.po)
    violations = app.extensions.get("igp_guard_violations")
    try:
        response = client.get("/privacy/noodtoegang")
        found = list(violations or [])
    finally:
        if violations is not None:
            violations.clear()   # report as a failing assertion, not as a fixture error
    assert response.status_code == 200 and not found, found


# ------------------------------------------------------------------ R10 actions of families the owner cannot see

def test_r10_an_action_owner_sees_and_changes_actions_of_a_family_she_may_not_see(network, register, api, clock):
    from igp.errors import ValidationError

    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    item = mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.chair.id, "status": "aanwezig"}, {"user_id": network.sw.id, "status": "aanwezig"}]})
    db.session.commit()
    with pytest.raises(ValidationError, match="niet betrokken"):   # an owner who cannot open the family
        mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Huisbezoek plannen",
                                                 "owner_id": network.outsider.id, "due_workdays": 5})
    db.session.rollback()
    outcome = mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Huisbezoek plannen",
                                                       "owner_id": network.sw.id, "due_workdays": 5})
    db.session.commit()
    assert [a["id"] for a in api(network.sw).get("/api/v1/actions?owner=me").get_json()["items"]] == [
        outcome.action.id]
    clock.advance(days=31)   # past the MDO's read window: the owner no longer sees the family
    o = api(network.sw)
    assert o.get(f"/api/v1/families/{family.id}").status_code == 404
    listed = o.get("/api/v1/actions?owner=me").get_json()["items"]
    changed = o.post(f"/api/v1/actions/{outcome.action.id}", json={"status": "vervallen"})
    assert listed == [] and changed.status_code == 404, (listed, changed.status_code)


# ------------------------------------------------------------------ R11 the migration on existing data

def test_r11_the_migration_seeds_the_kernteam_with_whom_add_poli_team_member_would_refuse(tmp_path):
    """Upgrade a database that already has MDO series: the kernteam is seeded from every series
    (also inactive ones) and every member id (also deactivated accounts and aggregate-only roles),
    none of which the planner could add through add_poli_team_member."""
    import flask_migrate
    from sqlalchemy import text

    from config import Testing
    from igp import create_app
    from igp.admin.services import create_poli
    from igp.auth.services import create_organisation, create_user

    app = create_app(Testing(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}", GUARD_TEMPLATES=False))
    with app.app_context():
        flask_migrate.upgrade()
        org = create_organisation("JGZ M", "jgz")
        poli = create_poli("pop", "POP-poli")
        db.session.flush()
        mk = lambda name, *roles, active=True: create_user(  # noqa: E731
            username=name, name=name, organisation=org, roles=list(roles), password="correct horse battery staple")
        chair = mk("chair", "mdo_voorzitter")
        left = mk("left", "jeugdverpleegkundige")
        lead = mk("lead", "projectleider")
        old = mk("old", "jeugdverpleegkundige")
        db.session.flush()
        left.active = False
        series = mdo.MdoSeries(poli_id=poli.id, name="MDO", rhythm="wekelijks", start_time="13:00",
                               duration_minutes=60, chair_id=chair.id, member_ids=[left.id, lead.id],
                               quorum_domains=[], quorum_roles=[], active=True)
        stopped = mdo.MdoSeries(poli_id=poli.id, name="Oud", rhythm="wekelijks", start_time="13:00",
                                duration_minutes=60, chair_id=chair.id, member_ids=[old.id],
                                quorum_domains=[], quorum_roles=[], active=False)
        db.session.add_all([series, stopped])
        db.session.commit()
        chair_id = chair.id
        db.session.remove()
        flask_migrate.downgrade(revision="8c2f4e6a1d37")
        flask_migrate.upgrade()
        seeded = {row[0] for row in db.session.execute(text("SELECT user_id FROM poli_team_member"))}
        db.session.remove()
        db.engine.dispose()
    assert seeded <= {chair_id}, f"seeded into the kernteam: {sorted(seeded)} (inactive, projectleider, old series)"


# ------------------------------------------------------------------ R13 the agenda tells a guest about invisible families

def test_r13_a_guest_at_the_mdo_sees_process_codes_of_families_she_may_not_see(network, register, api, make_user):
    family = register(network.gyn, consent=CONSENT)
    mdo.request_discussion(network.gyn, family.id, "Graag bespreken: zorgen om de thuissituatie.")
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.accept_proposal(network.chair, meeting.id)
    guest = make_user("jeugdverpleegkundige", org=network.jgz, username="gast")   # not in the kernteam
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": guest.id, "status": "uitgenodigd"}]})
    db.session.commit()
    g = api(guest)
    assert g.get(f"/api/v1/families/{family.id}").status_code == 404
    item = g.get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()["items"][0]
    assert item["visible"] is False
    assert not item["reasons"], f"why the invisible family is on the agenda: {item['reasons']}"


@pytest.mark.parametrize("path,field", [("/afwezigheid", "cancel"), ("/knelpunten", "knelpunt_id")])
def test_r7c_web_forms_with_a_non_numeric_id_are_a_500(network, login, client, path, field):
    from tests.conftest import csrf_token

    login(network.jvk)
    response = client.post(path, data={"csrf_token": csrf_token(client, path), field: "x", "status": "open"})
    assert response.status_code < 500, (path, response.status_code)
