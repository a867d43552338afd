"""Rules that a hand mutation check changed without any test noticing (issue 16), each pinned
down as the behaviour a user relies on. bench/mutations.py applies those mutations one at a time
and names the tests here that must fail.

* a planner never sees a parent's BSN (API, family page) nor finds a family by it;
* a successful sign-in resets the failure counter of the sign-in back-off;
* MDO attendance opens a family from 14 days before the meeting until 30 days after it, no longer;
* the monitoring export never shows a count from 1 up to the small-cell threshold.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from igp.admin.services import get_setting
from igp.auth import services as auth
from igp.coordination.rules import EXIT_REASONS, KNELPUNT_KINDS
from igp.extensions import db
from igp.families.rules import REFERRER_TYPES
from igp.handover.rules import MISSED_REASONS
from igp.mdo import services as mdo
from igp.reporting import services as reporting
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
BSN = "111222333"                      # the first parent's BSN in tests.conftest.family_data
BSN_SPELLINGS = (BSN, "111 222 333", "111.222.333", "1112 22 333")


# ------------------------------------------------------------------ the BSN is not for planners

def _no_bsn(text: str) -> bool:
    return not any(spelling in text for spelling in BSN_SPELLINGS)


@pytest.mark.parametrize("registered_by", ["jvk", "gyn"])   # the planner's own organisation (JGZ), or another
def test_a_planner_never_sees_the_bsn_in_the_api(network, register, api, registered_by):
    family = register(getattr(network, registered_by), consent=CONSENT)
    # the care provider who registered the family sees the BSN: it is there to be withheld
    own = api(getattr(network, registered_by)).get(f"/api/v1/families/{family.id}").get_json()
    assert own["parents"][0]["bsn"] == BSN
    response = api(network.planner).get(f"/api/v1/families/{family.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["parents"][0]["name"] == "Canary Moedernaam"   # NAW: the planner makes the appointments
    assert body["parents"][0]["bsn"] is None
    assert _no_bsn(response.get_data(as_text=True))


def test_a_planner_never_sees_the_bsn_on_the_family_pages(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.planner)
    page = client.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Canary Moedernaam" in html and _no_bsn(html) and "<dt>BSN</dt>" not in html
    # the parents' own overview (AVG art. 15) shows the BSN: it is the privacy officer's alone
    overview = client.get(f"/gezinnen/{family.id}/inzage-ouders")
    assert overview.status_code == 404 and _no_bsn(overview.get_data(as_text=True))


def test_a_planner_cannot_find_a_family_by_bsn(network, register, api):
    register(network.gyn, consent=CONSENT)
    assert [f["pseudonym"] for f in api(network.gyn).post("/api/v1/families/search", json={"bsn": BSN})
            .get_json()["items"]]
    response = api(network.planner).post("/api/v1/families/search", json={"bsn": BSN})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "bsn": "Uw rol mag niet op BSN zoeken; zoek op naam en geboortedatum of op pseudoniem."}


# ------------------------------------------------------------------ the sign-in back-off

def _post_login(client, username, password):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_a_successful_sign_in_resets_the_failure_count(app, network, login):
    """N-1 failures, a full sign-in, N-1 failures again: still not locked out."""
    user = network.jvk2
    for _ in range(2):
        attempts = app.test_client()
        for _ in range(auth.FREE_ATTEMPTS - 1):
            response = _post_login(attempts, user.username, "wrong password!!")
            assert response.status_code == 401
            assert auth.GENERIC_LOGIN_ERROR in response.get_data(as_text=True)
        login(user, test_client=app.test_client())   # password and second factor
    assert auth.blocked_for(user.username) is None


# ------------------------------------------------------------------ the MDO attendee's read window

def _attendee_meeting(network, family, starts_at: str, status: str):
    """A POP-poli MDO with the family on the agenda by name and the social worker (a kernteam
    member with no other relation to the family) as attendee."""
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": starts_at})
    mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [{"user_id": network.sw.id, "status": status}]})
    db.session.commit()
    return meeting


def _reads(api, network, family) -> int:
    return api(network.sw).get(f"/api/v1/families/{family.id}").status_code


def test_an_attendee_reads_from_14_days_before_the_meeting_not_earlier(network, register, api, clock):
    family = register(network.gyn, consent=CONSENT)
    assert _reads(api, network, family) == 404
    # now is 24-11-2026 10:00 (Amsterdam); the meeting is 15 days ahead
    _attendee_meeting(network, family, "2026-12-09T10:00", "uitgenodigd")
    assert _reads(api, network, family) == 404
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))  # 13 days ahead
    assert _reads(api, network, family) == 200


def test_an_attendee_reads_until_30_days_after_the_meeting_not_later(network, register, api, clock):
    family = register(network.gyn, consent=CONSENT)
    _attendee_meeting(network, family, "2026-11-24T09:30", "aanwezig")   # 08:30 UTC today: started
    starts = datetime(2026, 11, 24, 8, 30, tzinfo=timezone.utc)
    assert _reads(api, network, family) == 200
    clock.set(starts + timedelta(days=29))
    assert _reads(api, network, family) == 200
    clock.set(starts + timedelta(days=31))
    assert _reads(api, network, family) == 404


# ------------------------------------------------------------------ small cells in the monitoring export

# statistics (not counts), and totals the outputs add up themselves (the sum of planted counts)
NOT_COUNTS = {"median_workdays_to_intake", "p90_workdays_to_intake", "exits.median_days_in_igp",
              "exits.p90_days_in_igp", "experience.mean", "experience_professionals.mean"}
DERIVED = re.compile(r"^referrals_by_destination\.(all\..*|[a-z_]+\.totaal)$")


def _every_count(figures, value):
    """The figures of throughput() with every count (every int) set to `value`."""
    if isinstance(figures, dict):
        return {k: _every_count(v, value) for k, v in figures.items()}
    if isinstance(figures, int) and not isinstance(figures, bool):
        return value
    return figures


@pytest.fixture
def export(network, login, client, monkeypatch):
    """export(value) -> the count rows of the CSV export (section, measure, value) when every
    count in the figures is `value` and every coded breakdown is complete (each code a row of its
    own, none left at 0), as the projectleider downloads it."""
    original = reporting.throughput
    planted = {}

    def every_count(period):
        value = planted["value"]
        figures = _every_count(original(period), value)
        figures["by_poli"] = {"pop": value, "mamaplus": value}
        figures["by_referrer_type"] = dict.fromkeys(REFERRER_TYPES, value)
        figures["missed_term_reasons"] = dict.fromkeys(MISSED_REASONS, value)
        figures["exits"]["by_reason"] = dict.fromkeys(EXIT_REASONS, value)
        figures["knelpunten"]["by_kind"] = dict.fromkeys(KNELPUNT_KINDS, value)
        figures["median_workdays_to_intake"] = figures["p90_workdays_to_intake"] = None
        return figures

    monkeypatch.setattr(reporting, "throughput", every_count)
    login(network.pl)

    def download(value: int) -> list[tuple[str, str, str]]:
        planted["value"] = value
        response = client.get("/dashboard/export.csv?van=2026-11-01&tot=2026-11-30")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
        assert rows[0] == ["onderdeel", "maat", "waarde", "code"]
        # not planted: the period, the weeks (from the referrals per day) and the gemeenten (own query)
        counts = [tuple(row) for row in rows[1:] if not row[3].startswith(("period.", "series.", "gemeente."))
                  and row[3] not in NOT_COUNTS and not DERIVED.match(row[3])]
        prefixes = {code.split(".")[0] for *_, code in counts}
        assert {"referrals", "by_poli", "by_referrer_type", "funnel", "missed_term_reasons",
                "referrals_by_destination", "exits", "mdo", "knelpunten", "experience", "experience_professionals",
                "informal_support", "contacts", "birth_outcomes"} <= prefixes
        return counts

    return download


def test_no_count_below_the_threshold_is_exported(export):
    threshold = int(get_setting("report_small_cell"))
    for value in range(1, threshold):
        shown = [row for row in export(value) if row[2] != f"<{threshold}"]
        assert shown == [], f"counts of {value} exported as they are (threshold {threshold}): {shown}"


def test_counts_at_the_threshold_and_zero_are_exported_as_they_are(export):
    threshold = int(get_setting("report_small_cell"))
    assert {row[2] for row in export(threshold)} == {str(threshold)}
    assert {row[2] for row in export(0)} == {"0"}


def test_an_account_that_is_planner_and_nurse_sees_no_bsn_of_a_family_it_does_not_care_for(
        network, register, api, make_user):
    """Team-wide involvement (the planner's) gives NAW without the BSN, whatever other roles the
    account has; the same account sees the BSN of a family it coordinates."""
    both = make_user("planner", "jeugdverpleegkundige", org=network.jvk.organisation)
    family = register(network.gyn, consent=CONSENT)   # the hospital's family: no care relationship
    body = api(both).get(f"/api/v1/families/{family.id}").get_json()
    assert body["parents"][0]["name"] == "Canary Moedernaam" and body["parents"][0]["bsn"] is None
    found = api(both).post("/api/v1/families/search", json={"bsn": BSN})
    assert found.status_code == 422 and found.get_json()["error"]["field"] == "bsn"   # no BSN search team-wide


def test_an_account_that_is_planner_and_nurse_sees_the_bsn_of_its_own_family(network, register, api, make_user):
    both = make_user("planner", "jeugdverpleegkundige", org=network.jvk.organisation)
    coordinated = register(both, consent=CONSENT)   # registered by its organisation, coordinated by it
    assert api(both).get(f"/api/v1/families/{coordinated.id}").get_json()["parents"][0]["bsn"] == BSN


def test_a_family_that_has_left_gets_no_intake_until_it_is_referred_again(network, register, api):
    family = register(network.jvk, consent=CONSENT)
    a = api(network.jvk)
    assert a.post(f"/api/v1/families/{family.id}/exit", json={"reason": "verhuisd"}).status_code == 200
    refused = a.post(f"/api/v1/families/{family.id}/intake", json={"held_at": "2026-11-24T08:30",
                                                                   "outcome": "actief"})
    assert refused.status_code == 422 and "opnieuw aan" in refused.get_json()["error"]["message"]
    assert a.get(f"/api/v1/families/{family.id}").get_json()["status"] == "uitgestroomd"
