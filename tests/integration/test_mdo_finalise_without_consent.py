"""Found by the browser journey (tests/e2e/test_e2e_mdo.py): the chair, who runs the meeting,
must be able to mark an agenda item 'niet besproken' even when the family's consent hides its MDO
minutes from them, or the MDO could never be finalised. Recording minutes and outcomes still
needs the consent, and so does 'niet besproken' for other attendees (test_review_findings.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from igp.errors import NotFound
from igp.extensions import db
from igp.mdo import services as mdo
from tests.conftest import csrf_token


def test_chair_marks_a_family_without_consent_not_discussed_and_finalises(network, register, login, client,
                                                                           clock):
    without = register(network.jvk, parents=[{"name": "Geheime Ouder"}])  # JGZ, no consent for the hospital
    # a quarter of an hour from now (the clock stands at 10:00 in Amsterdam)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T10:15"})
    # the planner puts it on the agenda; without consent for the MDO it is discussed anonymously
    item = mdo.add_item(network.planner, meeting.id, {"family_id": without.id, "anonymous": True})
    db.session.commit()
    with pytest.raises(NotFound):  # the family does not exist for the chair: attendance gives no access
        mdo.save_minutes(network.chair, item.id, "Besproken zonder toestemming")
    db.session.rollback()

    login(network.chair)
    token = csrf_token(client, f"/mdo/{meeting.id}")
    response = client.post(f"/mdo/punt/{item.id}/niet-besproken", data={"csrf_token": token})
    assert response.status_code == 302
    early = client.post(f"/mdo/{meeting.id}/vaststellen", data={"csrf_token": token, "confirm": "1"})
    assert early.status_code == 409 and "begonnen" in early.get_data(as_text=True)
    clock.set(mdo.get_meeting(meeting.id).starts_at - timedelta(minutes=1))
    assert "Verslag vaststellen</button>" not in client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    clock.advance(minutes=1)   # the meeting starts
    assert "Verslag vaststellen</button>" in client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    asked = client.post(f"/mdo/{meeting.id}/vaststellen", data={"csrf_token": token})
    assert asked.status_code == 200 and "Definitief maken" in asked.get_data(as_text=True)
    response = client.post(f"/mdo/{meeting.id}/vaststellen", data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert mdo.get_item(item.id).status == "niet_besproken"
    assert mdo.get_meeting(meeting.id).status == "afgerond"
