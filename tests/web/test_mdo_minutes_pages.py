"""The MDO page as the minute taker uses it: the planner-notulist writes minutes; each item's
outcome form comes back open with every typed value, the message next to the field and a summary at
the top (422); the printed minutes and besluitenlijst hold only what the reader may read, and each
print is logged as a print."""
from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.extensions import db
from igp.mdo import services as mdo
from igp.mdo.models import MdoOutcome
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def meeting(network, register, clock):
    clock.set(at("2026-11-23T10:00"))
    consented = register(network.gyn, consent=CONSENT)
    secret = register(network.gyn)                    # no consent: discussed anonymously
    clock.set(at("2026-11-24T09:00"))
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T13:00",
                                                 "minute_taker_id": network.planner.id})
    mdo.add_item(network.planner, meeting.id, {"family_id": consented.id})
    mdo.add_item(network.planner, meeting.id, {"family_id": secret.id, "anonymous": True,
                                               "question": "Hoe ondersteunen we dit gezin?"})
    db.session.commit()
    clock.set(at("2026-11-24T13:10"))   # presence is confirmed once the meeting has started
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": u.id, "status": "aanwezig"} for u in (network.chair, network.sw, network.planner)]})
    db.session.commit()
    items = {i.family_id: i for i in meeting.items}
    return meeting, items[consented.id], items[secret.id]


def _page(client, meeting):
    return client.get(f"/mdo/{meeting.id}").get_data(as_text=True)


def test_the_planner_as_minute_taker_writes_the_minutes_on_the_page(meeting, network, login, client):
    meeting, item, secret = meeting
    login(network.planner)
    page = _page(client, meeting)
    assert f'id="min-{item.id}"' in page and f'id="min-{secret.id}"' not in page
    saved = client.post(f"/mdo/punt/{item.id}/verslag", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "text": "Wijkteam sluit aan.", "revision": "0"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#punt-{item.id}")
    assert "Wijkteam sluit aan." in _page(client, meeting)


def test_a_refused_outcome_keeps_every_typed_value_with_a_summary(meeting, network, login, client):
    meeting, item, _ = meeting
    login(network.planner)
    refused = client.post(f"/mdo/punt/{item.id}/uitkomst", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "kind": "actie", "text": "Schuldhulp aanvragen",
        "owner_id": "", "due_date": "2026-12-04", "referral_type": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert db.session.scalars(select(MdoOutcome).where(MdoOutcome.item_id == item.id)).first() is None
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f'href="#owner-{item.id}"' in summary and "Een actie heeft een eigenaar." in summary
    assert f'<p class="error" id="owner-{item.id}-err">Een actie heeft een eigenaar.</p>' in html
    form = re.search(rf'<details open>.*?action="/mdo/punt/{item.id}/uitkomst.*?</form>', html, re.S).group(0)
    assert '<option value="actie" selected>' in form
    assert ">Schuldhulp aanvragen</textarea>" in form and 'value="2026-12-04"' in form
    # corrected: saved, back at the item
    fixed = client.post(f"/mdo/punt/{item.id}/uitkomst", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "kind": "actie", "text": "Schuldhulp aanvragen",
        "owner_id": str(network.gyn.id), "due_date": "2026-12-04"})
    assert fixed.status_code == 302 and fixed.headers["Location"].endswith(f"#punt-{item.id}")


def test_refused_minutes_keep_the_typed_text(meeting, network, login, client):
    meeting, item, _ = meeting
    login(network.planner)
    mdo.save_minutes(network.chair, item.id, "Eerste versie")
    db.session.commit()
    stale = client.post(f"/mdo/punt/{item.id}/verslag", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "text": "Mijn lange tekst", "revision": "0"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and ">Mijn lange tekst</textarea>" in html
    assert f'href="#min-{item.id}"' in html and "De opgeslagen versie van Voorzitter: Eerste versie" in html


def test_printed_minutes_and_decisions_hold_only_what_the_reader_may_read(meeting, network, login, client, app):
    meeting, item, secret = meeting
    mdo.save_minutes(network.planner, item.id, "Wijkteam sluit aan.")
    mdo.add_outcome(network.planner, item.id, {"kind": "actie", "text": "Schuldhulp aanvragen",
                                               "owner_id": network.gyn.id, "due_date": "2026-12-04"})
    # the chair works at the registering hospital: she may write the anonymous family's minutes
    mdo.save_minutes(network.chair, secret.id, "Geheim verslag")
    mdo.add_outcome(network.chair, secret.id, {"kind": "besluit", "text": "Geheim besluit"})
    db.session.commit()
    login(network.sw)
    page = _page(client, meeting)
    assert f'href="/mdo/{meeting.id}/notulen"' in page and "Notulen afdrukken" in page
    assert f'href="/mdo/{meeting.id}/besluitenlijst"' in page and "Besluitenlijst afdrukken" in page
    minutes = htmllib.unescape(client.get(f"/mdo/{meeting.id}/notulen").get_data(as_text=True))
    decisions = htmllib.unescape(client.get(f"/mdo/{meeting.id}/besluitenlijst").get_data(as_text=True))
    assert "Wijkteam sluit aan." in minutes and "Schuldhulp aanvragen" in minutes and "04-12-2026" in minutes
    assert "Schuldhulp aanvragen" in decisions and "Dr. Gyn" in decisions and "04-12-2026" in decisions
    for printed in (minutes, decisions):
        assert "Geheim verslag" not in printed and "Geheim besluit" not in printed
        assert secret.family.pseudonym in printed and "Inhoud afgeschermd." in printed
    assert "Wijkteam sluit aan." not in decisions           # the besluitenlijst: no minutes text
    prints = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "print", AuditEntry.object_type == "mdo_meeting",
        AuditEntry.object_id == str(meeting.id), AuditEntry.user_id == network.sw.id)).all()
    assert sorted(p.detail for p in prints) == ["web: besluitenlijst", "web: notulen"]
    chair = app.test_client()
    login(network.chair, test_client=chair)
    chair_minutes = htmllib.unescape(chair.get(f"/mdo/{meeting.id}/notulen").get_data(as_text=True))
    assert "Geheim verslag" in chair_minutes and "Wijkteam sluit aan." in chair_minutes
