"""The gezinsplan as its users rely on it: the coordinator writes a plan with goals (API and page),
each save a revision kept; a referral aangevraagd -> gestart with its dates; a status going back
needs a reason; an evaluation date before the start is refused; the evaluation signal when the
date has passed; who may write (and who gets no form), who reads, and what the others see."""
from __future__ import annotations

from sqlalchemy import select

from igp.coordination.services import add_core_member, digest_lines
from igp.extensions import db
from igp.families.models import Family
from igp.mdo import services as mdo
from igp.plan.models import FamilyPlan, PlanRevision
from igp.retention.services import erase
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
GOALS = [{"what": "Vaste slaaptijden voor de baby", "who": "Moeder, met de jeugdverpleegkundige",
          "by_when": "2027-01-15"},
         {"what": "Schulden in beeld bij de schuldhulp", "who": "Sociaal werker", "by_when": "2027-02-01"}]


def _plan(version=0, **overrides) -> dict:
    body = {"version": version, "hulpvraag": "We willen rust in huis en hulp met de rekeningen.",
            "start_date": "2026-11-24", "evaluation_date": "2027-02-24", "goals": GOALS}
    body.update(overrides)
    return body


def _coordinator(family):
    return db.session.get(Family, family.id).coordinator


def _revisions() -> int:
    return len(db.session.scalars(select(PlanRevision)).all())


def test_the_coordinator_writes_a_plan_with_goals_and_reads_it_back(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    coordinator = api(_coordinator(family))
    saved = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan())
    assert saved.status_code == 200, saved.get_json()
    body = coordinator.get(f"/api/v1/families/{family.id}/plan").get_json()
    assert body["version"] == 1 and body["withheld"] == [] and body["may_write"] is True
    assert body["plan"]["hulpvraag"] == "We willen rust in huis en hulp met de rekeningen."
    assert [g["what"] for g in body["plan"]["goals"]] == ["Vaste slaaptijden voor de baby",
                                                           "Schulden in beeld bij de schuldhulp"]
    assert body["plan"]["goals"][0] == {"what": "Vaste slaaptijden voor de baby",
                                        "who": "Moeder, met de jeugdverpleegkundige", "by_when": "2027-01-15",
                                        "status": "loopt"}   # a goal sent without a status is still worked on
    assert body["plan"]["evaluation_date"] == "2027-02-24" and body["evaluation_overdue"] is False
    # the whole plan replaces the previous one; the first revision is kept
    second = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(1, goals=GOALS[:1]))
    assert second.status_code == 200 and second.get_json()["version"] == 2
    assert len(second.get_json()["plan"]["goals"]) == 1
    assert [r["number"] for r in second.get_json()["revisions"]] == [2, 1]
    assert _revisions() == 2
    # stale: the version seen is 1, the plan is at 2
    stale = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(1))
    assert stale.status_code == 409 and stale.get_json()["error"]["field"] == "version"
    assert _revisions() == 2


def test_an_evaluation_date_before_the_start_is_422_and_nothing_is_stored(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    answer = api(_coordinator(family)).put(f"/api/v1/families/{family.id}/plan",
                                           json=_plan(evaluation_date="2026-11-01"))
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["field"] == "evaluation_date" and "vóór de startdatum" in error["message"]
    assert db.session.scalars(select(FamilyPlan)).all() == [] and _revisions() == 0
    missing = api(_coordinator(family)).put(f"/api/v1/families/{family.id}/plan", json=_plan(hulpvraag=""))
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "hulpvraag"


def test_a_referral_goes_from_aangevraagd_to_gestart_with_its_dates(network, register, api, clock):
    family = register(network.gyn, consent=CONSENT)
    coordinator = api(_coordinator(family))
    referral = {"to": "Schuldhulpverlening Gemeente", "referral_type": "welzijn", "status": "aangevraagd"}
    first = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(referrals=[referral]))
    assert first.status_code == 200, first.get_json()
    saved = first.get_json()["plan"]["referrals"][0]
    assert saved["id"] == "r1" and saved["status"] == "aangevraagd" and saved["requested_on"] == "2026-11-24"
    clock.advance(days=6)
    coordinator = api(_coordinator(family))   # a new token: the first one expired
    started = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(1, referrals=[
        {**referral, "id": "r1", "status": "gestart"}]))
    assert started.status_code == 200, started.get_json()
    now = started.get_json()["plan"]["referrals"][0]
    assert now["status"] == "gestart" and now["requested_on"] == "2026-11-24"
    assert now["history"] == [{"status": "aangevraagd", "on": "2026-11-24", "reason": None},
                              {"status": "gestart", "on": "2026-11-30", "reason": None}]
    # back to the waiting list without a reason: 422 naming the field, nothing stored
    back = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(2, referrals=[
        {**referral, "id": "r1", "status": "wachtlijst"}]))
    assert back.status_code == 422
    assert back.get_json()["error"]["field"] == "referrals[0].reason"
    assert _revisions() == 2
    with_reason = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(2, referrals=[
        {**referral, "id": "r1", "status": "wachtlijst", "reason": "Hulpverlener ziek, opnieuw wachten"}]))
    assert with_reason.status_code == 200
    assert with_reason.get_json()["plan"]["referrals"][0]["history"][-1]["reason"] == \
        "Hulpverlener ziek, opnieuw wachten"
    unknown = coordinator.put(f"/api/v1/families/{family.id}/plan", json=_plan(3, referrals=[
        {**referral, "id": "r9", "status": "gestart"}]))
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "referrals[0].id"


def test_an_overdue_evaluation_raises_a_signal_for_the_coordinator(network, register, api, login, client, clock):
    family = register(network.gyn, consent=CONSENT)
    coordinator = _coordinator(family)
    assert api(coordinator).put(f"/api/v1/families/{family.id}/plan", json=_plan(
        evaluation_date="2026-12-01")).status_code == 200
    db.session.commit()
    assert [line for line in digest_lines(coordinator) if "gezinsplan" in line] == []   # not yet
    clock.advance(days=7)    # 2026-12-01: the day itself is not late
    assert not [line for line in digest_lines(coordinator) if "gezinsplan" in line]
    clock.advance(days=1)    # 2026-12-02
    assert f"- {family.pseudonym}: evaluatiedatum gezinsplan verlopen (01-12-2026)" in digest_lines(coordinator)
    assert not [line for line in digest_lines(network.gyn) if "gezinsplan" in line]   # not the coordinator
    login(coordinator)
    signals = client.get("/signalen").get_data(as_text=True)
    assert "Evaluatie gezinsplan verlopen" in signals and "evaluatiedatum 01-12-2026 is voorbij" in signals
    page = client.get(f"/gezinnen/{family.id}/plan").get_data(as_text=True)
    assert "De evaluatiedatum (01-12-2026) is voorbij" in page
    assert "evaluatie verlopen" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)


def test_who_may_write_and_what_the_others_see(network, register, api, login, client, app):
    family = register(network.gyn, consent=CONSENT)
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id, "case_role": "informele_steun"})
    db.session.commit()
    path = f"/api/v1/families/{family.id}/plan"
    # the registering gynaecologist (not in the core team) and the team-wide planner may not write
    assert api(network.gyn).put(path, json=_plan()).status_code == 403
    assert api(network.planner).put(path, json=_plan()).status_code == 403
    assert api(network.outsider).put(path, json=_plan()).status_code == 404
    assert api(network.outsider).get(path).status_code == 404
    assert db.session.scalars(select(FamilyPlan)).all() == []
    # the social worker of the core team may
    assert api(network.sw).put(path, json=_plan()).status_code == 200
    gyn = api(network.gyn).get(path).get_json()
    assert gyn["plan"]["hulpvraag"].startswith("We willen rust") and gyn["may_write"] is False
    volunteer = api(network.vrijwilliger).get(path).get_json()
    assert volunteer["plan"] is None and volunteer["revisions"] == []
    assert volunteer["withheld"] == [{"category": "zorgplan", "reason": "niet_nodig_voor_rol"}]
    # the page: the gynaecologist reads the plan without a form; the volunteer sees the reason
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}/plan").get_data(as_text=True)
    assert "We willen rust in huis" in page and "Opslaan als nieuwe revisie" not in page
    other = login(network.vrijwilliger, test_client=app.test_client())
    page = other.get(f"/gezinnen/{family.id}/plan").get_data(as_text=True)
    assert "We willen rust in huis" not in page and "niet nodig voor uw rol" in page


def test_the_page_keeps_what_was_typed_and_saves_a_revision(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(_coordinator(family))
    url = f"/gezinnen/{family.id}/plan"
    form = client.get(url).get_data(as_text=True)
    assert "Plan opstellen" in form
    data = {"csrf_token": csrf_token(client, url), "version": "0",
            "hulpvraag": "Ik wil weten of mijn baby genoeg drinkt.", "start_date": "2026-11-24",
            "evaluation_date": "2026-11-20", "goals[0].what": "Baby groeit goed", "goals[0].who": "Ouders",
            "goals[0].by_when": "2027-01-10", "goals[1].what": "", "referrals[0].to": "",
            "referrals[0].status": "aangevraagd"}
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "De evaluatiedatum ligt vóór de startdatum van het plan." in text
    # the error summary links to the field, which carries the same id
    assert '<a href="#p-evaluation-date">De evaluatiedatum ligt vóór de startdatum van het plan.</a>' in text
    assert 'id="p-evaluation-date"' in text
    assert "Ik wil weten of mijn baby genoeg drinkt." in text and 'value="Baby groeit goed"' in text
    assert db.session.scalars(select(FamilyPlan)).all() == []
    done = client.post(url, data={**data, "evaluation_date": "2027-02-24"}, follow_redirects=True)
    assert done.status_code == 200
    shown = done.get_data(as_text=True)
    assert "Het gezinsplan is opgeslagen (revisie 1)." in shown and "Baby groeit goed" in shown
    assert "Revisie 1:" in shown
    content = db.session.scalars(select(PlanRevision)).one().content
    assert content["goals"] == [{"what": "Baby groeit goed", "who": "Ouders", "by_when": "2027-01-10",
                                 "status": "loopt"}]
    assert content["referrals"] == []   # the empty row is left out
    printed = client.get(f"/gezinnen/{family.id}/plan/afdruk").get_data(as_text=True)
    assert "Ons plan voor uw gezin" in printed and "U zei: “Ik wil weten of mijn baby genoeg drinkt.”" in printed
    assert "Wanneer kijken we samen terug?" in printed and "woensdag 24 februari 2027" in printed
    assert "zorgplan" not in printed and "aangevraagd" not in printed   # no codes for the parents
    assert "Gezinsplan bekijken" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)


def test_the_mdo_actions_of_the_family_are_linked(network, register, api, login, client):
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    item = mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    action = mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Bel de verloskundige",
                                                      "owner_id": network.chair.id, "due_workdays": 5}).action
    db.session.commit()
    coordinator = api(_coordinator(family))
    path = f"/api/v1/families/{family.id}/plan"
    shown = coordinator.get(path).get_json()["mdo_actions"]
    assert [(a["id"], a["text"], a["status"]) for a in shown] == [(action.id, "Bel de verloskundige", "open")]
    linked = coordinator.put(path, json=_plan(actions=[{"what": "Bel de verloskundige", "who": "Voorzitter",
                                                        "mdo_action_id": action.id}]))
    assert linked.status_code == 200 and linked.get_json()["plan"]["actions"][0]["mdo_action_id"] == action.id
    login(_coordinator(family))
    page = client.get(f"/gezinnen/{family.id}/plan").get_data(as_text=True)
    assert f"MDO-actie {action.id}</a> (open, uiterlijk " in page and "Bel de verloskundige" in page
    other = register(network.gyn, consent=CONSENT)
    wrong = api(_coordinator(other)).put(f"/api/v1/families/{other.id}/plan", json=_plan(
        actions=[{"what": "Iets", "mdo_action_id": action.id}]))
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "actions[0].mdo_action_id"


def test_erasure_on_request_removes_the_plan_and_its_revisions(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    assert api(_coordinator(family)).put(f"/api/v1/families/{family.id}/plan", json=_plan()).status_code == 200
    erase(network.po, family.id, "Verzoek van de ouders tot vernietiging")
    db.session.commit()
    assert db.session.scalars(select(FamilyPlan)).all() == [] and _revisions() == 0


def test_a_goal_is_marked_reached_and_shown_so_on_the_page_and_the_print(network, register, api, login, client):
    family = register(network.gyn, consent=CONSENT)
    coordinator = _coordinator(family)
    url = f"/api/v1/families/{family.id}/plan"
    wrong = api(coordinator).put(url, json=_plan(goals=[{**GOALS[0], "status": "klaar"}]))
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "goals[0].status"
    assert _revisions() == 0
    saved = api(coordinator).put(url, json=_plan(goals=[{**GOALS[0], "status": "bereikt"}, GOALS[1]]))
    assert saved.status_code == 200, saved.get_json()
    assert [g["status"] for g in saved.get_json()["plan"]["goals"]] == ["bereikt", "loopt"]
    login(coordinator)
    page = client.get(f"/gezinnen/{family.id}/plan").get_data(as_text=True)
    assert "<th scope=\"col\">Stand</th>" in page and "<td>Bereikt</td>" in page and "<td>Loopt nog</td>" in page
    assert "bereikt</td>" not in page   # the label, not the code
    printed = client.get(f"/gezinnen/{family.id}/plan/afdruk").get_data(as_text=True)
    assert "Dit doel is bereikt." in printed and "Hieraan werken we nog." in printed


def test_a_revision_saved_before_goals_had_a_status_reads_as_still_worked_on(network, register, api):
    family = register(network.gyn, consent=CONSENT)
    coordinator = _coordinator(family)
    assert api(coordinator).put(f"/api/v1/families/{family.id}/plan", json=_plan()).status_code == 200
    revision = db.session.scalars(select(PlanRevision)).one()
    revision.content = {**revision.content, "goals": [{k: v for k, v in g.items() if k != "status"}
                                                      for g in revision.content["goals"]]}
    db.session.commit()
    body = api(coordinator).get(f"/api/v1/families/{family.id}/plan").get_json()
    assert [g["status"] for g in body["plan"]["goals"]] == ["loopt", "loopt"]
