"""The MDO planning forms as a chair uses them: the IGP's quorum rule is pre-ticked, and a refused
form gives back every typed value, chosen person and ticked box."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from igp.extensions import db
from igp.mdo.models import MdoMeeting
from tests.conftest import csrf_token


def _checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="([^"]+)" checked', html))


def _selected(html: str, select_id: str) -> str | None:
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)" selected', block)
    return chosen.group(1) if chosen else None


def test_meeting_form_prefills_the_quorum_rule_and_keeps_everything_on_error(network, login, client, clock):
    login(network.chair)
    page = client.get("/mdo/nieuw").get_data(as_text=True)
    assert _checked(page, "quorum_domains") == {"zorg", "jgz", "sociaal"}   # the IGP's default rule
    assert _checked(page, "quorum_roles") == set()
    before = db.session.scalar(select(func.count()).select_from(MdoMeeting))
    refused = client.post("/mdo/nieuw", data={
        "csrf_token": csrf_token(client, "/mdo/nieuw"), "poli": "pop", "starts_at": "2026-12-08T13:00",
        "duration_minutes": "90", "location": "Zaal 4", "video_link": "http://niet-veilig.example",
        "chair_id": str(network.chair.id), "minute_taker_id": str(network.planner.id),
        "quorum_domains": ["zorg", "sociaal"], "quorum_roles": ["jeugdverpleegkundige"]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "De videolink moet een https-adres zijn." in html
    assert db.session.scalar(select(func.count()).select_from(MdoMeeting)) == before   # nothing stored
    assert 'value="Zaal 4"' in html and 'value="90"' in html and 'value="http://niet-veilig.example"' in html
    assert _selected(html, "m-chair") == str(network.chair.id)
    assert _selected(html, "m-taker") == str(network.planner.id)
    assert _checked(html, "quorum_domains") == {"zorg", "sociaal"}
    assert _checked(html, "quorum_roles") == {"jeugdverpleegkundige"}


def test_series_form_keeps_members_and_quorum_on_error(network, login, client):
    login(network.chair)
    refused = client.post("/mdo/reeks/nieuw", data={
        "csrf_token": csrf_token(client, "/mdo/reeks/nieuw"), "poli": "pop", "name": "POP dinsdag",
        "rhythm": "wekelijks", "first_date": "2026-12-08", "start_time": "25:00", "location": "x" * 201,
        "member_ids": [str(network.jvk.id), str(network.sw.id)], "quorum_domains": ["jgz"],
        "quorum_roles": ["sociaal_werker"]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Gebruik een tijd als 13:30." in html and "Locatie" in html   # both fields named, not only the first
    assert _checked(html, "member_ids") == {str(network.jvk.id), str(network.sw.id)}
    assert _checked(html, "quorum_domains") == {"jgz"} and _checked(html, "quorum_roles") == {"sociaal_werker"}
    assert 'value="POP dinsdag"' in html
