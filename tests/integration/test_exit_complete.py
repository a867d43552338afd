"""The complete uitstroom (issue 18): every way out is an exit with reason, date and target; the
outward warm handover has its own steps, advanced on the family page and shown on the board; open
MDO actions are decided per action at exit, and at consent withdrawal their owners are told."""
from __future__ import annotations

from sqlalchemy import func, select

from igp import clock as igp_clock
from igp.extensions import db
from igp.families.models import Family, Intake
from igp.handover.models import Handover
from igp.mdo import services as mdo
from igp.mdo.models import MdoAction
from igp.notifications.models import Notification
from igp.reporting.services import Period, exit_figures
from igp.sharing.models import ConsentRecord
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk", "given_at": "2026-11-23T10:00"}


def _family(family_id):
    db.session.expire_all()
    return db.session.get(Family, family_id)


def _outward(family_id):
    return db.session.scalars(select(Handover).where(Handover.family_id == family_id,
                                                     Handover.direction == "uit")).one_or_none()


def _figures(day):
    return exit_figures(Period(day, day, None))


def test_intake_outcome_doorverwezen_is_an_exit_with_target_and_counts_in_the_figures(network, register, api, clock):
    family = register(network.jvk)
    a = api(network.jvk)
    url = f"/api/v1/families/{family.id}/intake"
    refused = a.post(url, json={"held_at": "2026-11-24T08:00", "outcome": "doorverwezen"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "exit_target"
    assert "doorverwezen" in refused.get_json()["error"]["message"]
    # nothing stored half: no intake, no exit, the inward handover still runs
    assert _family(family.id).status == "aangemeld" and _family(family.id).exited_on is None
    assert db.session.scalar(select(func.count()).select_from(Intake).where(Intake.family_id == family.id)) == 0
    assert a.post(url, json={"held_at": "2026-11-24T08:00", "outcome": "doorverwezen",
                             "exit_target": "anders"}).get_json()["error"]["field"] == "exit_target_name"
    ok = a.post(url, json={"held_at": "2026-11-24T08:00", "outcome": "doorverwezen", "exit_target": "huisarts"})
    assert ok.status_code == 201, ok.get_json()
    left = _family(family.id)
    assert (left.status, left.exit_reason, left.exit_target, left.exited_on) == (
        "uitgestroomd", "doorverwezen", "huisarts", igp_clock.today())
    outward = _outward(family.id)
    assert (outward.status, outward.target) == ("overdracht_gestart", "huisarts")
    assert _figures(igp_clock.today())["by_reason"] == {"doorverwezen": 1}


def test_intake_outcomes_geen_hulp_and_niet_in_doelgroep_are_exits_without_a_handover(network, register, api, clock):
    no_help, not_in_group = register(network.jvk), register(network.jvk)
    a = api(network.jvk)
    for family, outcome in ((no_help, "geen_hulp_gewenst"), (not_in_group, "niet_in_doelgroep")):
        response = a.post(f"/api/v1/families/{family.id}/intake",
                          json={"held_at": "2026-11-24T08:00", "outcome": outcome})
        assert response.status_code == 201, response.get_json()
        assert (_family(family.id).exit_reason, _family(family.id).exited_on) == (outcome, igp_clock.today())
        assert _outward(family.id) is None
    assert _family(not_in_group.id).status == "niet_in_doelgroep"
    assert _figures(igp_clock.today())["by_reason"] == {"geen_hulp_gewenst": 1, "niet_in_doelgroep": 1}


def test_new_exit_reasons_and_targets(network, register, api):
    family = register(network.jvk)
    a = api(network.jvk)
    bad = a.post(f"/api/v1/families/{family.id}/exit", json={"target": "kraamzorg"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "reason"
    assert _family(family.id).status == "aangemeld" and _outward(family.id) is None
    ok = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "zwangerschap_beeindigd",
                                                            "target": "eerstelijnsverloskundige"})
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert (body["exit_reason"], body["exit_target"]) == ("zwangerschap_beeindigd", "eerstelijnsverloskundige")
    assert body["outward_handover"]["status"] == "overdracht_gestart"


def test_outward_handover_is_advanced_on_the_family_page_and_shown_on_the_board(network, register, api, login,
                                                                                client, clock):
    family = register(network.jvk)
    a = api(network.jvk)
    a.post(f"/api/v1/families/{family.id}/intake", json={"held_at": "2026-11-24T08:00", "outcome": "actief"})
    assert a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "verhuisd", "target": "jgz_elders",
                                                              "target_name": "JGZ Zuid"}).status_code == 200
    login(network.jvk)
    detail = f"/gezinnen/{family.id}"
    page = client.get(detail).get_data(as_text=True)
    assert "Warme overdracht bij uitstroom" in page and "JGZ elders (verhuizing)" in page
    # the inward handover (closed by the intake) is still shown above it: both directions at once
    inward = page.split('id="h-handover"')[1].split('id="overdracht-uit"')[0]
    assert "Er loopt geen warme overdracht" not in inward and "Termijn gehaald" in inward
    outward_select = page.split('id="out-type"')[1].split("</select>")[0]
    assert "Overdrachtsgesprek gepland" in outward_select and "Intake" not in outward_select
    # still in the coordinator's list, and on the board under its own step
    assert family.pseudonym in client.get("/mijn-gezinnen").get_data(as_text=True)
    board = client.get("/overdrachten").get_data(as_text=True)
    column = board.split('id="col-overdracht_gestart"')[1].split("</section>")[0]
    assert family.pseudonym in column
    token = csrf_token(client, detail)
    step = f"/gezinnen/{family.id}/overdracht/stap"
    wrong = client.post(step, data={"csrf_token": token, "type": "intake_gehouden"})
    assert wrong.status_code == 422 and "geen stap van de overdracht bij uitstroom" in wrong.get_data(as_text=True)
    for data in ({"type": "overdracht_aangeboden", "note": "Gebeld met JGZ Zuid"},
                 {"type": "overdrachtsgesprek_gepland", "planned_at": "2026-11-26T10:00"},
                 {"type": "overdracht_afgerond"}):
        response = client.post(step, data={"csrf_token": token, **data})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    outward = _outward(family.id)
    assert (outward.status, outward.term_met) == ("overdracht_afgerond", True) and outward.closed_at is not None
    assert [e.event_type for e in outward.events] == ["overdracht_gestart", "overdracht_aangeboden",
                                                      "overdrachtsgesprek_gepland", "overdracht_afgerond"]
    page = client.get(detail).get_data(as_text=True)
    assert "Overdracht afgerond" in page and "Stap van de overdracht bij uitstroom vastleggen" not in page
    board = client.get("/overdrachten").get_data(as_text=True)
    assert family.pseudonym in board.split('id="col-overdracht_afgerond"')[1].split("</section>")[0]


def _family_with_actions(network, register, owners):
    family = register(network.jvk, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})  # started half an hour ago: presence confirmed
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, network.jvk, network.sw)]})
    for n, owner in enumerate(owners):
        mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": f"Actie {n}", "owner_id": owner.id,
                                                  "due_date": "2026-12-15"})
    db.session.commit()
    ids = list(db.session.scalars(select(MdoAction.id).where(MdoAction.family_id == family.id)
                                  .order_by(MdoAction.id)))
    return family, ids


def _told(user):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "mdo_actie"))


def test_exit_decides_every_open_action_and_tells_the_owners(network, register, api):
    family, (a1, a2, a3) = _family_with_actions(network, register, (network.sw, network.sw, network.jvk))
    url = f"/api/v1/families/{family.id}/exit"
    a = api(network.jvk)
    old_client = a.post(url, json={"reason": "verhuisd"})
    assert old_client.status_code == 422 and old_client.get_json()["error"]["field"] == "confirm_open_actions"
    partial = a.post(url, json={"reason": "verhuisd", "actions": [{"id": a1, "decision": "afsluiten"}]})
    assert partial.status_code == 422 and partial.get_json()["error"]["field"] == "actions"
    half = [{"id": a1, "decision": "afsluiten"}, {"id": a2, "decision": "overdragen"},
            {"id": a3, "decision": "openhouden"}]
    fields = a.post(url, json={"reason": "verhuisd", "actions": half}).get_json()["error"]["fields"]
    assert set(fields) == {"actions[1].owner_id", "actions[2].reason"}
    outsider = [*half[:1], {"id": a2, "decision": "overdragen", "owner_id": network.outsider.id},
                {"id": a3, "decision": "openhouden", "reason": "Schuldhulp loopt nog"}]
    refused = a.post(url, json={"reason": "verhuisd", "actions": outsider})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "actions[1].owner_id"
    db.session.expire_all()
    assert _family(family.id).status == "aangemeld"
    assert {db.session.get(MdoAction, i).status for i in (a1, a2, a3)} == {"open"}   # nothing stored half
    good = [*half[:1], {"id": a2, "decision": "overdragen", "owner_id": network.gyn.id}, outsider[2]]
    ok = a.post(url, json={"reason": "verhuisd", "target": "jgz_elders", "actions": good})
    assert ok.status_code == 200, ok.get_json()
    assert {x["id"]: x["owner_id"] for x in ok.get_json()["open_actions"]} == {a2: network.gyn.id, a3: network.jvk.id}
    db.session.expire_all()
    assert db.session.get(MdoAction, a1).status == "vervallen"
    assert (db.session.get(MdoAction, a2).status, db.session.get(MdoAction, a2).owner_id) == ("open", network.gyn.id)
    assert db.session.get(MdoAction, a3).keep_reason == "Schuldhulp loopt nog"
    # the old owner of each action and the new one are told; the one who records the exit is not
    assert (_told(network.sw), _told(network.gyn), _told(network.jvk)) == (2, 1, 0)


def test_exit_form_lists_the_open_actions_with_a_choice_each(network, register, login, client):
    family, (action_id,) = _family_with_actions(network, register, (network.sw,))
    login(network.jvk)
    detail = f"/gezinnen/{family.id}"
    page = client.get(detail).get_data(as_text=True)
    assert 'name="actions[0].decision"' in page and "Openhouden met reden" in page
    token = csrf_token(client, detail)
    url = f"/gezinnen/{family.id}/uitstroom"
    missing = client.post(url, data={"csrf_token": token, "reason": "verhuisd", "actions[0].id": action_id})
    assert missing.status_code == 422 and "afsluiten, overdragen of openhouden" in missing.get_data(as_text=True)
    shown = missing.get_data(as_text=True)   # the form again: the message at the action, the reason kept
    assert '<a href="#exit-a0-decision">' in shown and 'id="exit-a0-decision-err"' in shown
    assert 'aria-invalid="true" aria-describedby="exit-a0-decision-err"' in shown
    assert '<option value="verhuisd" selected>' in shown
    done = client.post(url, data={"csrf_token": token, "reason": "verhuisd", "actions[0].id": action_id,
                                  "actions[0].decision": "afsluiten"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(MdoAction, action_id).status == "vervallen" and _told(network.sw) == 1


def test_old_confirm_flag_still_keeps_the_actions_open(network, register, api):
    family, ids = _family_with_actions(network, register, (network.sw,))
    ok = api(network.jvk).post(f"/api/v1/families/{family.id}/exit",
                               json={"reason": "verhuisd", "confirm_open_actions": True})
    assert ok.status_code == 200 and [x["id"] for x in ok.get_json()["open_actions"]] == ids
    assert _told(network.sw) == 1


def test_withdrawal_lists_the_actions_whose_owner_can_no_longer_read_them(network, register, api):
    family, (of_sw, of_gyn) = _family_with_actions(network, register, (network.sw, network.gyn))
    social = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id,
                                                            ConsentRecord.recipient_domain == "sociaal")).one()
    response = api(network.jvk).post(f"/api/v1/consents/{social.id}/withdraw",
                                     json={"reason": "Op verzoek van de ouders"})
    assert response.status_code == 200, response.get_json()
    assert [(x["id"], x["owner_id"]) for x in response.get_json()["stranded_actions"]] == [(of_sw, network.sw.id)]
    assert (_told(network.sw), _told(network.gyn)) == (1, 0)
    assert of_gyn not in [x["id"] for x in response.get_json()["stranded_actions"]]


def test_intake_form_doorverwezen_names_the_target_next_to_the_field(network, register, login, client):
    family = register(network.jvk)
    login(network.jvk)
    detail = f"/gezinnen/{family.id}"
    token = csrf_token(client, detail)
    url = f"/gezinnen/{family.id}/intake"
    data = {"csrf_token": token, "intake-type": "", "intake-location": "", "intake-missed_reason": "",
            "intake-held_at": "2026-11-24T08:00", "intake-outcome": "doorverwezen", "intake-exit_target": "",
            "intake-report": "Verwezen naar de eigen huisarts"}
    refused = client.post(url, data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Kies naar wie het gezin wordt doorverwezen." in page
    assert "Verwezen naar de eigen huisarts" in page            # the typed text is kept
    assert _family(family.id).status == "aangemeld"
    ok = client.post(url, data={**data, "intake-exit_target": "huisarts"})
    assert ok.status_code == 302
    assert (_family(family.id).exit_reason, _family(family.id).exit_target) == ("doorverwezen", "huisarts")


def test_only_who_may_write_advances_the_outward_handover_and_withdrawal_warns_on_the_page(network, register, api,
                                                                                         login, client):
    family, (of_sw,) = _family_with_actions(network, register, (network.sw,))
    a = api(network.jvk)
    assert a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "verhuisd", "target": "lokaal_team",
                                                              "confirm_open_actions": True}).status_code == 200
    outsider = api(network.outsider).post(f"/api/v1/families/{family.id}/handover/events",
                                          json={"type": "overdracht_afgerond"})
    assert outsider.status_code == 404
    assert _outward(family.id).status == "overdracht_gestart"
    social = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id,
                                                            ConsentRecord.recipient_domain == "sociaal")).one()
    login(network.jvk)
    detail = f"/gezinnen/{family.id}"
    token = csrf_token(client, detail)
    response = client.post(f"/gezinnen/{family.id}/toestemming/{social.id}/intrekken",
                           data={"csrf_token": token, "reason": "Op verzoek van de ouders"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 open MDO-actie(s) kan de eigenaar niet meer inzien" in page
    assert network.sw.name in page


def test_the_exit_form_is_offered_only_to_who_may_let_the_family_leave(network, register, login, client, app):
    """The rule that refuses the exit (igp.coordination.rules.may_exit) also hides the form: the
    coordinator gets it, the planner (who sees the family) does not, and her post is refused."""
    family = register(network.gyn, consent=CONSENT)
    detail = f"/gezinnen/{family.id}"
    login(_family(family.id).coordinator)
    assert "Gezin laten uitstromen" in client.get(detail).get_data(as_text=True)
    planner = login(network.planner, test_client=app.test_client())
    page = planner.get(detail)
    assert page.status_code == 200 and "Gezin laten uitstromen" not in page.get_data(as_text=True)
    refused = planner.post(f"{detail}/uitstroom", data={"csrf_token": csrf_token(planner, detail),
                                                        "reason": "doelen_bereikt", "target": "reguliere_jgz"})
    assert refused.status_code == 403
    assert _family(family.id).status != "uitgestroomd"


def test_a_family_that_left_is_not_put_forward_for_the_mdo(network, register, api, login, client):
    """The proposal only takes families in care: asking the MDO for a family that left is refused
    (nothing stored) and the family page no longer offers it."""
    family = register(network.gyn, consent=CONSENT)
    coordinator = _family(family.id).coordinator
    login(coordinator)
    assert "Bespreken in het MDO" in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    a = api(coordinator)
    left = a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "gezin_stopt"})
    assert left.status_code == 200, left.get_json()
    asked = a.post(f"/api/v1/families/{family.id}/mdo-request", json={"question": "Hoe verder met de zorg?"})
    assert asked.status_code == 422 and "niet (meer) in zorg" in asked.get_json()["error"]["message"]
    assert _family(family.id).mdo_requested_at is None
    assert "Bespreken in het MDO" not in client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
