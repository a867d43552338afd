"""MDO: the proposed agenda, quorum per item, minutes and revisions, finalising, actions, iCalendar."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from icalendar import Calendar

from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.services import plan_or_record_intake
from igp.mdo import services as mdo

UTC = timezone.utc
CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _active(user, family, held):
    plan_or_record_intake(user, family.id, {"held_at": held, "outcome": "actief"})
    db.session.commit()


@pytest.fixture
def seeded(network, register, clock):
    """A caseload with one family for every proposal reason, and a previous MDO."""
    jvk, chair = network.jvk, network.chair
    fam = {}
    clock.set(at("2026-09-01T12:00"))
    fam["F"] = register(jvk, referred_at="2026-09-01T09:00:00+02:00", consent=CONSENT)
    _active(jvk, fam["F"], "2026-09-01T10:00")
    clock.set(at("2026-11-02T12:00"))
    for key in ("A", "B", "D", "H"):
        fam[key] = register(jvk, referred_at="2026-11-02T09:00:00+01:00", consent=CONSENT)
    for key in ("A", "B", "H"):
        _active(jvk, fam[key], "2026-11-02T09:30")
    clock.set(at("2026-11-03T12:00"))
    fam["E"] = register(jvk, referred_at="2026-11-03T09:00:00+01:00", consent=CONSENT)
    _active(jvk, fam["E"], "2026-11-03T09:30")
    # the previous POP MDO, Tue 17-11-2026 13:00
    clock.set(at("2026-11-17T11:00"))
    previous = mdo.create_meeting(chair, {"poli": "pop", "starts_at": "2026-11-17T13:00"})
    for key in ("A", "B", "H"):  # the planner prepares the agenda (the chair has no care relationship)
        mdo.add_item(network.planner, previous.id, {"family_id": fam[key].id})
    clock.set(at("2026-11-17T12:00"))  # the meeting starts: presence is confirmed
    mdo.record_attendance(chair, previous.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.gyn, jvk, network.sw)]})
    items = {i.family_id: i for i in previous.items}
    mdo.add_outcome(chair, items[fam["A"].id].id, {"kind": "actie", "text": "Schuldhulp aanvragen",
                                                    "owner_id": jvk.id, "due_date": "2026-11-20"})
    mdo.mark_not_discussed(chair, items[fam["B"].id].id)
    mdo.add_outcome(chair, items[fam["H"].id].id, {"kind": "besluit", "text": "Loopt goed"})
    mdo.finalise(chair, previous.id, {"confirm": True})
    db.session.commit()
    clock.set(at("2026-11-20T10:00"))
    mdo.request_discussion(jvk, fam["E"].id, "Moeten we Veilig Thuis consulteren?")
    db.session.commit()
    clock.set(at("2026-11-23T10:00"))
    fam["C"] = register(jvk, referred_at="2026-11-23T10:00:00+01:00", consent=CONSENT)
    fam["G"] = register(jvk, poli="mamaplus", referred_at="2026-11-23T10:00:00+01:00", consent=CONSENT)
    clock.set(at("2026-11-24T09:00"))
    meeting = mdo.create_meeting(chair, {"poli": "pop", "starts_at": "2026-11-24T13:00"})
    db.session.commit()
    return fam, meeting, previous


def test_proposed_agenda_has_exactly_the_expected_families_and_reasons(seeded, network, api):
    fam, meeting, _ = seeded
    response = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose")
    assert response.status_code == 200
    proposal = {i["family_id"]: i["reasons"] for i in response.get_json()["items"]}
    expected = {
        fam["C"].id: ["nieuwe_aanmelding"],
        fam["D"].id: ["overdracht_te_laat"],
        fam["A"].id: ["actie_verlopen"],
        fam["E"].id: ["bespreken_gevraagd"],
        fam["F"].id: ["lang_niet_besproken"],
        fam["B"].id: ["niet_besproken_vorige"],
    }
    assert proposal == expected
    assert fam["G"].id not in proposal and fam["H"].id not in proposal


def test_routine_reviews_are_capped_longest_waiting_first_urgent_reasons_never(
        seeded, network, register, clock, api):
    fam, meeting, _ = seeded
    from igp.admin.services import set_setting
    # a second family not discussed for long, registered later than F: F waits longest
    clock.set(at("2026-09-08T12:00"))
    later = register(network.jvk, referred_at="2026-09-08T09:00:00+02:00", consent=CONSENT)
    _active(network.jvk, later, "2026-09-08T10:00")
    clock.set(at("2026-11-24T09:00"))
    a = api(network.planner)
    routine = [i["family_id"] for i in a.post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose")
               .get_json()["items"] if i["reasons"] == ["lang_niet_besproken"]]
    assert sorted(routine) == sorted([fam["F"].id, later.id])
    set_setting("mdo_not_discussed_max", 1)
    db.session.commit()
    proposal = {i["family_id"]: i["reasons"] for i in a.post(
        f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose").get_json()["items"]}
    assert [fid for fid, r in proposal.items() if r == ["lang_niet_besproken"]] == [fam["F"].id]
    assert {fam["C"].id, fam["D"].id, fam["A"].id, fam["E"].id, fam["B"].id} <= set(proposal)
    set_setting("mdo_not_discussed_max", 0)
    db.session.commit()
    proposal = a.post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose").get_json()["items"]
    assert "lang_niet_besproken" not in {r for i in proposal for r in i["reasons"]}
    assert len(proposal) == 5


def test_accepting_the_proposal_and_the_open_action_on_the_agenda(seeded, network, api):
    fam, meeting, _ = seeded
    a = api(network.planner)
    for family_id in (fam["A"].id, fam["C"].id):
        assert a.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": family_id}).status_code == 201
    body = a.get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()
    assert [i["family_id"] for i in body["items"]] == [fam["A"].id, fam["C"].id]
    again = a.post(f"/api/v1/mdo/meetings/{meeting.id}/agenda/propose").get_json()["items"]
    assert {i["family_id"] for i in again} == {fam["B"].id, fam["D"].id, fam["E"].id, fam["F"].id}
    # A's open action from the previous MDO is listed with its item
    from igp.mdo.readmodels import meeting_page

    meeting_obj, views = meeting_page(network.chair, meeting.id)
    a_view = next(v for v in views if v.family_id == fam["A"].id)
    assert [(x.owner_id, x.due_date.isoformat()) for x in a_view.open_actions] == [(network.jvk.id, "2026-11-20")]
    dup = a.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["A"].id})
    assert dup.status_code == 422
    other_poli = a.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["G"].id})
    assert other_poli.status_code == 422 and "andere poli" in other_poli.get_json()["error"]["message"]


def test_quorum_per_item(seeded, network, api, clock):
    fam, meeting, _ = seeded
    a, planner = api(network.chair), api(network.planner)
    i1 = planner.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["A"].id}).get_json()["id"]
    i2 = planner.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["C"].id}).get_json()["id"]
    clock.set(meeting.starts_at)  # presence is confirmed at the start
    response = a.post(f"/api/v1/mdo/meetings/{meeting.id}/attendance", json={"attendees": [
        {"user_id": network.gyn.id, "status": "aanwezig"}, {"user_id": network.jvk.id, "status": "aanwezig"},
        {"user_id": network.sw.id, "status": "te_laat", "item_ids": [i1]}]})
    assert response.status_code == 200, response.get_json()
    with_quorum = a.post(f"/api/v1/mdo/items/{i1}/outcomes", json={"kind": "besluit", "text": "Doorgaan"})
    without = a.post(f"/api/v1/mdo/items/{i2}/outcomes", json={"kind": "besluit", "text": "Wachten"})
    assert with_quorum.get_json()["quorum_met"] is True
    assert without.get_json()["quorum_met"] is False
    body = a.get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()
    assert [i["quorum_met"] for i in body["items"]] == [True, False]
    bad = a.post(f"/api/v1/mdo/meetings/{meeting.id}/attendance", json={"attendees": [
        {"user_id": network.sw.id, "status": "aanwezig", "item_ids": [999]}]})
    assert bad.status_code == 422


@pytest.mark.parametrize("body,field", [
    ({"kind": "actie", "text": "Bellen", "due_date": "2026-12-01"}, "owner_id"),
    ({"kind": "actie", "text": "Bellen", "owner_id": "me"}, "due_date"),
    ({"kind": "actie", "text": "Bellen", "owner_id": "me", "due_date": "2026-11-23"}, "due_date"),
    ({"kind": "doorverwijzing", "text": "GGZ"}, "referral_type"),
    ({"kind": "besluit"}, "text"),
    ({"kind": "stemming", "text": "x"}, "kind"),
    ({"kind": "besluit", "text": "x", "meeting_id": "other"}, "meeting_id"),
])
def test_outcome_refusals(seeded, network, api, body, field):
    fam, meeting, previous = seeded
    a = api(network.chair)
    item = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/items",
                                     json={"family_id": fam["C"].id}).get_json()["id"]
    data = dict(body)
    if data.get("owner_id") == "me":
        data["owner_id"] = network.jvk.id
    if data.get("meeting_id") == "other":
        data["meeting_id"] = previous.id
    response = a.post(f"/api/v1/mdo/items/{item}/outcomes", json=data)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in (error.get("fields") or {error["field"]: 1})


def test_action_with_due_date_in_working_days_and_mijn_acties(seeded, network, api, clock):
    fam, meeting, _ = seeded
    a = api(network.chair)
    item = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/items",
                                     json={"family_id": fam["C"].id}).get_json()["id"]
    # an owner must be able to open the family: not yet the social worker, who has no relation to it
    refused = a.post(f"/api/v1/mdo/items/{item}/outcomes", json={"kind": "actie", "text": "Huisbezoek plannen",
                                                                 "owner_id": network.sw.id, "due_workdays": 5})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "owner_id"
    clock.set(meeting.starts_at)
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id,
                                                                     "status": "aanwezig"}]})
    db.session.commit()   # present at the MDO, in the poli's kernteam: now involved
    created = a.post(f"/api/v1/mdo/items/{item}/outcomes", json={"kind": "actie", "text": "Huisbezoek plannen",
                                                                 "owner_id": network.sw.id, "due_workdays": 5})
    assert created.status_code == 201
    assert created.get_json()["action"]["due_date"] == "2026-12-01"  # Tue 24-11 + 5 working days
    mine = api(network.sw).get("/api/v1/actions?owner=me&status=open").get_json()["items"]
    assert [(i["family_id"], i["due_date"]) for i in mine] == [(fam["C"].id, "2026-12-01")]
    done = api(network.sw).post(f"/api/v1/actions/{mine[0]['id']}", json={"status": "gedaan"})
    assert done.status_code == 200 and done.get_json()["status"] == "gedaan"
    assert api(network.sw).get("/api/v1/actions?owner=me&status=open").get_json()["items"] == []
    stranger = api(network.gyn).post(f"/api/v1/actions/{mine[0]['id']}", json={"status": "open"})
    assert stranger.status_code == 404  # not involved with the family: the action does not exist for them


def test_minutes_revisions_and_finalised_minutes_are_read_only(seeded, network, api, db_session, clock):
    fam, meeting, _ = seeded
    a, planner = api(network.chair), api(network.planner)
    i1 = planner.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["C"].id}).get_json()["id"]
    i2 = planner.post(f"/api/v1/mdo/meetings/{meeting.id}/items", json={"family_id": fam["D"].id}).get_json()["id"]
    first = a.post(f"/api/v1/mdo/items/{i1}/minutes", json={"text": "Eerste versie"}).get_json()["revision"]
    second = a.post(f"/api/v1/mdo/items/{i1}/minutes", json={"text": "Tweede versie", "expected_revision": first})
    assert second.status_code == 201
    stale = a.post(f"/api/v1/mdo/items/{i1}/minutes", json={"text": "Oude basis", "expected_revision": first})
    assert stale.status_code == 409  # a concurrent edit is never silently overwritten
    item = mdo.get_item(i1)
    assert [r.text for r in item.revisions] == ["Eerste versie", "Tweede versie"]
    a.post(f"/api/v1/mdo/items/{i1}/outcomes", json={"kind": "advies", "text": "Maatschappelijk werk inschakelen"})
    early = a.post(f"/api/v1/mdo/meetings/{meeting.id}/finalise", json={"confirm": True})
    assert early.status_code == 409 and "begonnen" in early.get_json()["error"]["message"]
    clock.set(meeting.starts_at)
    refused = a.post(f"/api/v1/mdo/meetings/{meeting.id}/finalise")
    assert refused.status_code == 422 and "confirm" in refused.get_json()["error"]["fields"]
    assert api(network.jvk).post(f"/api/v1/mdo/meetings/{meeting.id}/finalise",
                                 json={"confirm": True}).status_code in (403, 404)
    done = a.post(f"/api/v1/mdo/meetings/{meeting.id}/finalise", json={"confirm": True})
    assert done.status_code == 200 and done.get_json()["status"] == "afgerond"
    # the item without outcome is named in the answer and recorded as not discussed
    assert done.get_json()["without_outcome"] == [{"item_id": i2, "pseudonym": fam["D"].pseudonym}]
    assert mdo.get_item(i2).status == "niet_besproken"
    assert a.post(f"/api/v1/mdo/items/{i1}/minutes", json={"text": "Achteraf"}).status_code == 409
    assert a.post(f"/api/v1/mdo/items/{i1}/outcomes", json={"kind": "besluit", "text": "x"}).status_code == 409
    db_session.expire_all()
    assert [r.text for r in mdo.get_item(i1).revisions] == ["Eerste versie", "Tweede versie"]
    # the family record shows the discussion and its outcome
    detail = api(network.jvk).get(f"/api/v1/families/{fam['C'].id}").get_json()
    assert detail["mdo"][0]["outcomes"][0]["text"] == "Maatschappelijk werk inschakelen"


def test_not_discussed_families_come_back_next_time(seeded, network, clock):
    fam, meeting, _ = seeded
    chair = network.chair
    item = mdo.add_item(network.planner, meeting.id, {"family_id": fam["C"].id})
    mdo.mark_not_discussed(chair, item.id)
    clock.set(meeting.starts_at)
    mdo.finalise(chair, meeting.id, {"confirm": True})
    db.session.commit()
    next_one = mdo.create_meeting(chair, {"poli": "pop", "starts_at": "2026-12-01T13:00"})
    reasons = {p.family_id: p.reasons for p in mdo.proposal_for(next_one, network.planner)}
    assert "niet_besproken_vorige" in reasons[fam["C"].id]


def test_ics_feed_parses_with_amsterdam_times_across_dst(network, app, clock):
    clock.set(at("2027-03-20T09:00"))
    series = mdo.create_series(network.chair, {
        "poli": "pop", "rhythm": "wekelijks", "first_date": "2027-03-23", "start_time": "13:30",
        "duration_minutes": 60, "member_ids": [network.jvk.id], "quorum_domains": ["zorg"]})
    db.session.commit()
    assert series.weekday == 1
    token = mdo.new_feed_token(network.jvk)
    db.session.commit()
    response = app.test_client().get(f"/mdo/agenda/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    starts = [e.decoded("dtstart") for e in events]
    assert len(starts) >= 2
    assert [s.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for s in starts[:2]] == ["2027-03-23 12:30",
                                                                                  "2027-03-30 11:30"]
    assert all(s.strftime("%H:%M") == "13:30" for s in starts)  # local wall-clock time stays 13:30
    assert str(events[0]["dtstart"].params["TZID"]) == "Europe/Amsterdam"
    assert calendar.walk("VTIMEZONE")
    assert app.test_client().get("/mdo/agenda/wrong-token.ics").status_code == 404


def test_agenda_items_hide_data_without_consent(network, register, api, login, client):
    with_consent = register(network.gyn, consent=CONSENT)
    without = register(network.gyn, parents=[{"name": "Geheime Ouder"}])
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-25T13:00"})
    mdo.add_item(network.chair, meeting.id, {"family_id": with_consent.id})
    # without consent for the MDO the family goes on the agenda anonymously (pseudonym and question)
    mdo.add_item(network.chair, meeting.id, {"family_id": without.id, "anonymous": True,
                                             "question": "Hoe ondersteunen we dit gezin bij schulden?"})
    # invited (the meeting is tomorrow): reads the agenda's families within the window
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id,
                                                                     "status": "uitgenodigd"}]})
    db.session.commit()
    body = api(network.sw).get(f"/api/v1/mdo/meetings/{meeting.id}").get_json()
    names = {i["pseudonym"]: i["name"] for i in body["items"]}
    assert names == {with_consent.pseudonym: "Canary Moedernaam", without.pseudonym: None}
    anonymous = next(i for i in body["items"] if i["pseudonym"] == without.pseudonym)
    assert anonymous["anonymous"] and not anonymous["visible"]
    assert anonymous["question"] == "Hoe ondersteunen we dit gezin bij schulden?"
    login(network.sw)
    html = client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    assert without.pseudonym in html and "Geheime Ouder" not in html
    assert "Canary Moedernaam" in html
    printed = client.get(f"/mdo/{meeting.id}/afdruk").get_data(as_text=True)
    assert "Geheime Ouder" not in printed and without.pseudonym in printed


def test_non_attendee_cannot_open_the_meeting(seeded, network, api):
    _, meeting, _ = seeded
    assert api(network.outsider).get(f"/api/v1/mdo/meetings/{meeting.id}").status_code == 404


def test_series_generates_meetings_idempotently(network, clock, app):
    series = mdo.create_series(network.chair, {"poli": "pop", "rhythm": "tweewekelijks", "first_date": "2026-11-26",
                                               "start_time": "09:00", "quorum_domains": ["zorg", "jgz"]})
    db.session.commit()
    first = len(db.session.scalars(db.select(mdo.MdoMeeting).where(mdo.MdoMeeting.series_id == series.id)).all())
    assert first == 4  # 26-11, 10-12, 24-12, 07-01 within 8 weeks
    result = app.test_cli_runner().invoke(args=["mdo", "generate", "--weeks", "8"])
    assert result.exit_code == 0 and result.output.startswith("0 meeting(s) created")
    dates = mdo.rules.series_dates("datumlijst", None, None, [datetime(2026, 12, 3).date()],
                                   datetime(2026, 11, 24).date(), datetime(2026, 12, 31).date())
    assert [d.isoformat() for d in dates] == ["2026-12-03"]


def _overdue(user):
    """(the actions, the total) as Signalen shows them; the total counted alongside the rows is the
    one counted apart, and the list without its total is the same list."""
    page, total = mdo.overdue_actions_page(user)
    assert total == mdo.overdue_actions_total(user) and mdo.overdue_actions(user) == page
    return [(a.family_id, a.owner_id, a.due_date.isoformat()) for a in page], total


def test_overdue_actions_are_the_owners_and_the_coordinators_and_the_substitutes(seeded, network, api, clock):
    """The signal 'MDO-actie over de datum' (Signalen, the daily digest): open actions past their date
    that the user owns, or of the families she coordinates or stands in for today, on families she
    may still see; not anyone else's, not a done one, not one still in time."""
    fam, meeting, _ = seeded
    jvk, sw = network.jvk, network.sw
    a_action = (fam["A"].id, jvk.id, "2026-11-20")          # seeded: jvk owns it and coordinates A
    assert _overdue(jvk) == ([a_action], 1)
    for other in (network.gyn, sw, network.jvk2, network.chair):   # neither owner nor coordinator of A
        assert _overdue(other) == ([], 0)
    item = api(network.planner).post(f"/api/v1/mdo/meetings/{meeting.id}/items",
                                     json={"family_id": fam["C"].id}).get_json()["id"]
    clock.set(meeting.starts_at)
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": sw.id, "status": "aanwezig"}]})
    db.session.commit()
    created = api(network.chair).post(f"/api/v1/mdo/items/{item}/outcomes", json={
        "kind": "actie", "text": "Huisbezoek plannen", "owner_id": sw.id, "due_workdays": 5})
    assert created.status_code == 201
    c_action = (fam["C"].id, sw.id, "2026-12-01")
    clock.set(at("2026-12-01T10:00"))                       # due today: not yet over the date
    assert _overdue(sw) == ([], 0) and _overdue(jvk) == ([a_action], 1)
    clock.set(at("2026-12-02T10:00"))
    assert _overdue(sw) == ([c_action], 1)                  # the owner, not the coordinator of C
    assert _overdue(jvk) == ([a_action, c_action], 2)       # the coordinator of A and C, earliest first
    assert mdo.overdue_actions(jvk, offset=1, limit=1)[0].family_id == fam["C"].id
    second, total = mdo.overdue_actions_page(jvk, offset=1, limit=1)
    assert [a.family_id for a in second] == [fam["C"].id] and total == 2   # the total of all pages
    assert mdo.overdue_actions_page(jvk, offset=5, limit=1) == ([], 2)    # a page past the end still counts
    coordination.record_absence(jvk, {"from": "2026-12-02", "to": "2026-12-04", "reason": "verlof",
                                      "substitute_id": network.jvk2.id})
    db.session.commit()
    assert _overdue(network.jvk2) == ([a_action, c_action], 2)   # stands in for jvk today
    clock.set(at("2026-12-07T10:00"))
    assert _overdue(network.jvk2) == ([], 0)                # the absence is over
    done = api(sw).post(f"/api/v1/actions/{created.get_json()['action']['id']}", json={"status": "gedaan"})
    assert done.status_code == 200
    assert _overdue(sw) == ([], 0) and _overdue(jvk) == ([a_action], 1)
