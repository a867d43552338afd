"""Warme overdracht: the 5-werkdagen term, the steps and their refusals, signals, digests."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.extensions import db
from igp.handover.models import Handover

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def _handover(family_id):
    db.session.expire_all()
    return db.session.scalars(select(Handover).where(Handover.family_id == family_id)).one()


@pytest.fixture
def family(network, register):
    # Monday 23-11-2026 10:00 Amsterdam -> term of 5 working days -> Monday 30-11-2026
    return register(network.jvk, referred_at="2026-11-23T10:00:00+01:00")


def test_deadline_and_the_first_step(family):
    handover = _handover(family.id)
    assert (handover.status, handover.started_on.isoformat(), handover.deadline.isoformat(),
            handover.term_workdays) == ("aangemeld", "2026-11-23", "2026-11-30", 5)


@pytest.mark.parametrize("referred_at,deadline", [
    ("2026-04-30T09:00:00+02:00", "2026-05-08"),   # 5 mei is a holiday
    ("2026-04-24T09:00:00+02:00", "2026-05-04"),   # Koningsdag Mon 27-04
    ("2026-06-22T23:30:00+00:00", "2026-06-30"),   # 23:30 UTC on a summer Monday is a Tuesday referral
    ("2026-05-09T12:00:00+02:00", "2026-05-18"),   # Saturday referral counts from Monday; Hemelvaart 14-05
])
def test_deadline_uses_local_dates_and_dutch_holidays(network, register, referred_at, deadline):
    family = register(network.jvk, referred_at=referred_at)
    assert _handover(family.id).deadline.isoformat() == deadline


def test_the_steps_in_order_via_the_api(family, network, api):
    a = api(network.jvk)
    url = f"/api/v1/families/{family.id}/handover/events"
    response = a.post(url, json={"type": "contact_gelegd", "contact_mode": "jvk_op_afdeling",
                                 "at": "2026-11-23T15:00"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["handover"]["status"] == "contact_gelegd"
    response = a.post(url, json={"type": "intake_gepland", "planned_at": "2026-11-26T10:00"})
    assert response.get_json()["handover"]["status"] == "intake_gepland"
    response = a.post(url, json={"type": "intake_gehouden", "at": "2026-11-24T09:00"})
    body = response.get_json()["handover"]
    assert body["status"] == "intake_gehouden" and body["term_met"] is True and body["workdays_to_intake"] == 1
    detail = a.get(f"/api/v1/families/{family.id}").get_json()
    assert detail["intakes"][0]["held_at"] == "2026-11-24T08:00:00Z"


@pytest.mark.parametrize("steps,refused,field,message", [
    ([], {"type": "intake_gehouden"}, "type", "alleen worden vastgelegd met het moment"),
    ([], {"type": "vergeten"}, "type", "onbekende waarde"),
    ([], {"type": "contact_gelegd", "contact_mode": "anders", "at": "2026-11-22T10:00"}, "at", "vóór de aanmelding"),
    ([], {"type": "contact_gelegd", "contact_mode": "anders", "at": "2026-11-25T10:00"}, "at", "toekomst"),
    ([], {"type": "schriftelijk_volstaat"}, "note", "waarom een schriftelijke overdracht volstaat"),
    ([], {"type": "contact_gelegd"}, "contact_mode", "wie met wie"),
    ([{"type": "intake_gehouden", "at": "2026-11-24T08:00"}], {"type": "contact_gelegd", "contact_mode": "anders"},
     "type", "afgesloten"),
    ([{"type": "intake_gepland"}], {"type": "contact_gelegd", "contact_mode": "anders"}, "type", "volgt niet op"),
])
def test_refused_steps_leave_the_state_unchanged(family, network, api, steps, refused, field, message):
    a = api(network.jvk)
    url = f"/api/v1/families/{family.id}/handover/events"
    for step in steps:
        assert a.post(url, json=step).status_code == 201
    before = _handover(family.id).status
    events_before = len(_handover(family.id).events)
    response = a.post(url, json=refused)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    fields = error.get("fields") or {error.get("field"): error["message"]}
    assert field in fields and message.lower() in fields[field].lower()
    handover = _handover(family.id)
    assert handover.status == before and len(handover.events) == events_before


def test_written_referral_suffices_with_a_reason(family, network, api):
    response = api(network.jvk).post(f"/api/v1/families/{family.id}/handover/events", json={
        "type": "schriftelijk_volstaat", "note": "Gezin heeft al een vaste jeugdverpleegkundige via het CB."})
    assert response.status_code == 201
    handover = _handover(family.id)
    assert handover.status == "schriftelijk_volstaat" and handover.closed_at is not None and handover.term_met is None


def test_missed_term_needs_a_reason(family, network, api, clock):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))
    a = api(network.jvk)
    url = f"/api/v1/families/{family.id}/handover/events"
    refused = a.post(url, json={"type": "intake_gehouden", "at": "2026-12-01T10:00"})
    assert refused.status_code == 422
    assert "termijn van de warme overdracht is niet gehaald" in refused.get_json()["error"]["fields"]["reason"]
    ok = a.post(url, json={"type": "intake_gehouden", "at": "2026-12-01T10:00", "reason": "capaciteit",
                           "note": "Geen intakeplek vrij in week 48."})
    assert ok.status_code == 201, ok.get_json()
    body = ok.get_json()["handover"]
    assert body["term_met"] is False and body["missed_reason"] == "capaciteit" and body["workdays_to_intake"] == 6


@pytest.mark.parametrize("now,signal,left", [
    (datetime(2026, 11, 24, 9, tzinfo=timezone.utc), "op_schema", 4),
    (datetime(2026, 11, 26, 9, tzinfo=timezone.utc), "op_schema", 2),
    (datetime(2026, 11, 27, 9, tzinfo=timezone.utc), "risico", 1),
    (datetime(2026, 11, 28, 12, tzinfo=timezone.utc), "risico", 1),   # Saturday
    (datetime(2026, 11, 30, 9, tzinfo=timezone.utc), "risico", 0),
    (datetime(2026, 12, 1, 9, tzinfo=timezone.utc), "te_laat", -1),
])
def test_signals_with_a_fixed_clock(family, network, api, clock, now, signal, left):
    clock.set(now)
    token_user = api(network.jvk)  # tokens live 8 hours: get one at the new time
    items = token_user.get("/api/v1/handovers").get_json()["items"]
    assert [(i["signal"], i["workdays_left"]) for i in items] == [(signal, left)]
    for other in ("op_schema", "risico", "te_laat"):
        filtered = token_user.get(f"/api/v1/handovers?signal={other}").get_json()["items"]
        assert len(filtered) == (1 if other == signal else 0), other
    assert token_user.get("/api/v1/handovers?signal=rood").status_code == 422


def test_deadline_does_not_move_when_the_term_changes(family, network, api, db_session):
    from igp.admin.services import set_setting

    set_setting("handover_term_workdays", 10)
    db_session.commit()
    assert _handover(family.id).deadline.isoformat() == "2026-11-30"
    handover = _handover(family.id)
    refused = api(network.jvk).post(f"/api/v1/handovers/{handover.id}/recalculate", json={"reason": "kort"})
    assert refused.status_code == 422
    response = api(network.jvk).post(f"/api/v1/handovers/{handover.id}/recalculate",
                                     json={"reason": "Termijn IGP is per 1 december 10 werkdagen."})
    assert response.status_code == 200 and response.get_json()["deadline"] == "2026-12-07"
    db_session.expire_all()
    log = db_session.scalars(select(AuditEntry).where(AuditEntry.object_type == "handover",
                                                      AuditEntry.detail.like("deadline recalculated%"))).one()
    assert "2026-11-30 -> 2026-12-07" in log.detail


def test_poli_term_and_switched_off_holiday_apply_to_new_handovers(network, register, db_session):
    from igp.admin.services import set_calendar

    network.mamaplus.handover_term_workdays = 3
    set_calendar(disabled_holidays=["bevrijdingsdag"])
    db_session.commit()
    family = register(network.jvk, poli="mamaplus", referred_at="2026-04-30T09:00:00+02:00")
    handover = _handover(family.id)
    # Fri 01-05, Mon 04-05, Tue 05-05 (5 mei switched off: a working day)
    assert handover.term_workdays == 3 and handover.deadline.isoformat() == "2026-05-05"


def test_feedback_completes_the_handover(family, network, api):
    a = api(network.jvk)
    a.post(f"/api/v1/families/{family.id}/handover/events", json={"type": "intake_gehouden",
                                                                   "at": "2026-11-24T08:00"})
    assert _handover(family.id).completed_at is None  # closed, but the referrer was not told yet
    refused = a.post(f"/api/v1/families/{family.id}/handover/feedback", json={"recipient": "verwijzer",
                                                                              "method": "nvt"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "note"
    assert a.post(f"/api/v1/families/{family.id}/handover/feedback",
                  json={"recipient": "gezin", "method": "telefoon"}).status_code == 201
    assert _handover(family.id).completed_at is None
    ok = a.post(f"/api/v1/families/{family.id}/handover/feedback", json={"recipient": "verwijzer",
                                                                         "method": "beveiligde_mail"})
    assert ok.status_code == 201
    assert ok.get_json()["handover"]["completed_at"] is not None
    bad = a.post(f"/api/v1/families/{family.id}/handover/feedback", json={"recipient": "buurman", "method": "brief"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "recipient"


def test_digest_is_sent_once_per_day(family, network, app, clock, db_session):
    from igp.coordination.digest import send_digests

    network.jvk.email = "jvk@example.test"
    db_session.commit()
    clock.set(datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc))  # Friday: 1 working day left -> risico
    runner = app.test_cli_runner()
    first = runner.invoke(args=["signals", "send"])
    assert first.exit_code == 0 and first.output.startswith("1 digest(s) sent")
    second = runner.invoke(args=["signals", "send"])
    assert second.output.startswith("0 digest(s) sent, 1 already sent today")
    outbox = app.extensions.get("igp_outbox", [])
    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == "jvk@example.test"
    body = message.get_content()
    assert family.pseudonym in body and "uiterlijk 30-11-2026" in body
    assert "Canary" not in body  # no names in e-mail
    clock.set(datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc))
    assert send_digests() == (1, 0)
    db_session.commit()
    assert len(app.extensions["igp_outbox"]) == 2 and "TE LAAT" in app.extensions["igp_outbox"][1].get_content()


def test_rolled_back_work_mails_nobody(family, network, app, clock, db_session):
    from igp.coordination.digest import send_digests

    network.jvk.email = "jvk@example.test"
    db_session.commit()
    clock.set(datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc))
    send_digests()
    db_session.rollback()
    assert app.extensions.get("igp_outbox", []) == []


def test_board_and_signals_pages(family, network, login, client, clock):
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))
    login(network.jvk)
    board = client.get("/overdrachten").get_data(as_text=True)
    assert family.pseudonym in board and "uiterlijk ma 30-11-2026" in board and "nog 1 werkdag" in board
    signals = client.get("/signalen").get_data(as_text=True)
    assert family.pseudonym in signals and "Risico" in signals and "nog 1 werkdag<" in signals


def test_signals_page_reads_only_the_urgent_families_and_my_families_logs_each_once(
        family, network, register, login, client, clock, db_session):
    """NEN 7513: a list logs a read of each family it shows, and only those."""
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc))
    on_schedule = register(network.jvk, referred_at="2026-11-26T10:00:00+01:00")  # deadline Thu 03-12
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))  # family: 1 working day left -> risico
    login(network.jvk)

    def listed(detail):
        return sorted(e.family_pseudonym for e in db_session.scalars(select(AuditEntry).where(
            AuditEntry.user_id == network.jvk.id, AuditEntry.detail.like(f"%{detail}%"))))

    signals = client.get("/signalen").get_data(as_text=True)
    assert family.pseudonym in signals and on_schedule.pseudonym not in signals
    assert listed("handover board") == [family.pseudonym]
    mine = client.get("/mijn-gezinnen").get_data(as_text=True)
    assert family.pseudonym in mine and on_schedule.pseudonym in mine
    assert "Risico" in mine and "Op schema" in mine
    assert listed("mijn gezinnen") == sorted([family.pseudonym, on_schedule.pseudonym])
    assert listed("handover board") == [family.pseudonym]  # Mijn gezinnen does not read the board again


def test_board_shows_the_most_urgent_cards_per_column_with_true_totals_and_pages_through_the_rest(
        network, register, login, client, clock, db_session, api, monkeypatch):
    """A busy column does not crowd out the others: each column shows its most urgent cards with
    the real total ("2 van 5") and a link to page through all of them; filters reach the totals;
    only shown families are read and logged (NEN 7513)."""
    from sqlalchemy import func

    from igp.handover import views

    monkeypatch.setattr(views, "CARDS_PER_COLUMN", 2)
    monkeypatch.setattr(views, "CARDS_PER_PAGE", 2)
    days = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    families = [register(network.jvk, referred_at=f"{d}T10:00:00+01:00") for d in days]  # earliest = most urgent
    contacted = register(network.jvk, referred_at="2026-11-23T10:00:00+01:00")  # the newest: sorts last overall
    declined = register(network.jvk, referred_at="2026-11-23T11:00:00+01:00")
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    a = api(network.jvk)
    for family, event in ((contacted, {"type": "contact_gelegd", "contact_mode": "jvk_op_afdeling"}),
                          (declined, {"type": "gezin_ziet_af", "reason": "wil geen hulp"})):
        response = a.post(f"/api/v1/families/{family.id}/handover/events", json=event)
        assert response.status_code == 201, response.get_json()
    login(network.jvk)
    before = db_session.scalar(select(func.max(AuditEntry.id)))  # only this page's reads below

    board = client.get("/overdrachten").get_data(as_text=True)
    assert "(2 van 5)" in board and "Alle 5 tonen" in board
    assert [f.pseudonym in board for f in families] == [True, True, False, False, False]
    assert contacted.pseudonym in board  # its column is not crowded out by the five older ones
    assert declined.pseudonym in board and "Afgesloten zonder intake" in board
    logged = sorted(e.family_pseudonym for e in db_session.scalars(
        select(AuditEntry).where(AuditEntry.id > before, AuditEntry.detail.like("%handover board%"))))
    assert logged == sorted(f.pseudonym for f in families[:2] + [contacted, declined])

    late = client.get("/overdrachten?signaal=te_laat").get_data(as_text=True)  # only 16-11's deadline (23-11) passed
    assert families[0].pseudonym in late and families[1].pseudonym not in late and contacted.pseudonym not in late
    assert "van 5" not in late and "Alle 5 tonen" not in late  # the filter reaches the totals

    pages = [client.get(f"/overdrachten?status=aangemeld&pagina={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert "Pagina 2 van 3" in pages[1] and "Volgende" in pages[1] and "Vorige" in pages[1]
    for page, expected in zip(pages, (families[0:2], families[2:4], families[4:5])):
        assert all(f.pseudonym in page for f in expected)
    assert sum(f.pseudonym in page for page in pages for f in families) == 5  # each exactly once
    assert contacted.pseudonym not in pages[0]
    beyond = client.get("/overdrachten?status=aangemeld&pagina=999999").get_data(as_text=True)
    assert "Pagina 3 van 3" in beyond and families[4].pseudonym in beyond  # the last page, not an empty one

    side = client.get("/overdrachten?status=gezin_ziet_af").get_data(as_text=True)
    assert declined.pseudonym in side and families[0].pseudonym not in side
    assert "Geen." in client.get("/overdrachten?status=geannuleerd").get_data(as_text=True)

    refused = client.get("/overdrachten?status=bestaat_niet")
    assert refused.status_code == 200 and "Onbekende status" in refused.get_data(as_text=True)


def test_the_board_orders_open_by_deadline_then_the_most_recently_closed_first(
        network, register, clock, api):
    """The board's order (issue 21 sorts it in Python after one check of the families): open
    handovers first, the earliest deadline first (not the order of registration), then the closed
    ones, the most recently closed first."""
    from igp.handover import services as handover

    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc))
    later_deadline = register(network.jvk, referred_at="2026-11-06T10:00:00+01:00")
    earlier_deadline = register(network.jvk, referred_at="2026-11-02T10:00:00+01:00")  # registered second
    closed = [register(network.jvk, referred_at="2026-11-03T10:00:00+01:00") for _ in range(3)]
    a = api(network.jvk)
    for hour, family in zip((9, 11, 10), closed):
        clock.set(datetime(2026, 11, 9, hour, 0, tzinfo=timezone.utc))
        response = a.post(f"/api/v1/families/{family.id}/handover/events",
                          json={"type": "gezin_ziet_af", "reason": "wil geen hulp"})
        assert response.status_code == 201, response.get_json()
    clock.set(datetime(2026, 11, 9, 12, 0, tzinfo=timezone.utc))
    order = [row.summary.id for row in handover.board(network.jvk)]
    assert order == [earlier_deadline.id, later_deadline.id, closed[1].id, closed[2].id, closed[0].id]
    assert [row.summary.id for row in handover.board(network.jvk, per_status=1)] == [earlier_deadline.id,
                                                                                    closed[1].id]
    assert handover.board_counts(network.jvk) == {"aangemeld": 2, "gezin_ziet_af": 3}


def test_planner_team_signals_show_the_most_urgent_first_with_the_total(
        network, register, login, client, clock, monkeypatch):
    from igp.handover import views

    monkeypatch.setattr(views, "TEAM_SIGNALS_SHOWN", 2)
    late = [register(network.jvk, referred_at=f"2026-11-{d}T10:00:00+01:00") for d in ("04", "02", "03")]
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    login(network.planner)
    page = client.get("/signalen").get_data(as_text=True)
    team = page[page.index('id="s-team"'):]
    assert "De 2 meest urgente van 3" in team
    assert late[1].pseudonym in team and late[2].pseudonym in team and late[0].pseudonym not in team
    assert team.index(late[1].pseudonym) < team.index(late[2].pseudonym)  # earliest deadline first
    assert 'href="/overdrachten?signaal=te_laat"' in team


def test_handovers_api_pages_most_urgent_first_with_the_total(network, register, api, clock, monkeypatch):
    from igp.api import work

    monkeypatch.setattr(work, "HANDOVERS_PER_PAGE", 2)
    families = [register(network.jvk, referred_at=f"2026-11-{d}T10:00:00+01:00") for d in ("18", "16", "17")]
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    client = api(network.jvk)
    first = client.get("/api/v1/handovers").get_json()
    assert (first["total"], first["page"], first["has_next"]) == (3, 1, True)
    assert [i["family_id"] for i in first["items"]] == [families[1].id, families[2].id]
    second = client.get("/api/v1/handovers?page=2").get_json()
    assert (second["has_next"], [i["family_id"] for i in second["items"]]) == (False, [families[0].id])
    assert client.get("/api/v1/handovers?status=contact_gelegd").get_json()["total"] == 0
    for bad in ("0", "x", "-1", "²", "9" * 5000):
        refused = client.get(f"/api/v1/handovers?page={bad}")
        assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "page", bad
    for path in ("/api/v1/families?page=x", "/api/v1/families?page=0"):  # the same rule for every list
        refused = client.get(path)
        assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "page", path
    assert client.get("/api/v1/families?page=2").status_code == 200
    refused = client.get("/api/v1/handovers?status=klaar")
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "status"


def test_the_board_filters_on_a_coordinator_chosen_from_its_list(network, register, login, client):
    """The coordinator filter lists who can hold cases (not a gynaecoloog), keeps the one chosen, and
    the board then shows only that coordinator's families (issue 21: the list from plain rows)."""
    from igp.coordination.services import assign_coordinator

    hers, other = register(network.jvk, consent=CONSENT), register(network.jvk, consent=CONSENT)
    assign_coordinator(network.jvk, other.id, {"user_id": network.jvk2.id})
    db.session.commit()
    login(network.planner)
    board = client.get("/overdrachten").get_data(as_text=True)
    listed = re.search(r'<select id="b-coord"[^>]*>(.*?)</select>', board, re.S).group(1)
    assert f'<option value="{network.jvk2.id}">{network.jvk2.name}</option>' in listed
    assert f'value="{network.gyn.id}"' not in listed
    filtered = client.get(f"/overdrachten?coordinator={network.jvk2.id}").get_data(as_text=True)
    listed = re.search(r'<select id="b-coord"[^>]*>(.*?)</select>', filtered, re.S).group(1)
    assert f'<option value="{network.jvk2.id}" selected>' in listed
    assert other.pseudonym in filtered and hers.pseudonym not in filtered


def test_a_handover_note_is_neither_shown_to_nor_read_for_a_reader_without_verwijzingen(family, network, api, login,
                                                                                        client, app):
    """The family page's handover statements are built once per process for each kind of reader (with and
    without verwijzingen): whoever comes first, the other gets their own."""
    note = "Moeder belt liever na zessen."
    assert api(network.jvk).post(f"/api/v1/families/{family.id}/handover/events", json={
        "type": "schriftelijk_volstaat", "note": note}).status_code == 201
    planner = app.test_client()
    login(network.planner, test_client=planner)
    login(network.jvk)
    seen: list[str] = []

    def listener(_conn, _cursor, sql, *_args):
        seen.append(sql)

    for _ in range(2):
        seen.clear()
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = planner.get(f"/gezinnen/{family.id}")
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert page.status_code == 200 and "Warme overdracht" in page.get_data(as_text=True)
        assert note not in page.get_data(as_text=True)
        assert not [s for s in seen if "handover_event.note" in s], "the note was read for a reader who may not see it"
        assert note in client.get(f"/gezinnen/{family.id}").get_data(as_text=True), "the coordinator sees the note"
