"""Concurrent edits: optimistic locking on the family record and the MDO minutes; a second writer
gets a clear conflict, never a silent overwrite."""
from __future__ import annotations

from igp.extensions import db
from igp.families.models import Family
from tests.conftest import csrf_token


def _family(family_id):
    db.session.expire_all()
    return db.session.get(Family, family_id)


def test_api_update_with_version(network, register, api):
    family = register(network.jvk)
    a = api(network.jvk)
    version = a.get(f"/api/v1/families/{family.id}").get_json()["version"]
    ok = a.patch(f"/api/v1/families/{family.id}", json={"version": version, "parents": [{
        "address": "Nieuwe Straat 1", "city": "Rijnstad"}]})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["version"] == version + 1
    record = _family(family.id)
    assert record.parents[0].address == "Nieuwe Straat 1"
    assert record.parents[0].name == "Canary Moedernaam" and record.parents[0].bsn == "111222333"  # kept
    stale = a.patch(f"/api/v1/families/{family.id}", json={"version": version, "parents": [{"phone": "0612"}]})
    assert stale.status_code == 409 and "intussen gewijzigd" in stale.get_json()["error"]["message"]
    assert _family(family.id).parents[0].phone == "06-12345678"


def test_update_validates_like_the_aanmelding(network, register, api):
    family = register(network.jvk)
    a = api(network.jvk)
    version = a.get(f"/api/v1/families/{family.id}").get_json()["version"]
    bad = a.patch(f"/api/v1/families/{family.id}", json={"version": version, "parents": [{"bsn": "123456789"}]})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "parents[0].bsn"
    missing = a.patch(f"/api/v1/families/{family.id}", json={"parents": [{"city": "X"}]})
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "version"


def test_social_worker_may_not_change_the_bsn(network, register, api):
    from igp.coordination.services import add_core_member

    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    a = api(network.sw)
    version = a.get(f"/api/v1/families/{family.id}").get_json()["version"]
    refused = a.patch(f"/api/v1/families/{family.id}", json={"version": version,
                                                             "parents": [{"bsn": "999999990"}]})
    assert refused.status_code == 422
    ok = a.patch(f"/api/v1/families/{family.id}", json={"version": version, "parents": [{"phone": "06-11112222"}]})
    assert ok.status_code == 200
    assert _family(family.id).parents[0].bsn == "111222333"


def test_lost_update_with_two_browser_sessions(network, register, app, login):
    """Two professionals open the same family page; both change the address; the second gets a
    conflict message and the first change stays."""
    family = register(network.jvk)
    first, second = app.test_client(), app.test_client()
    login(network.jvk, test_client=first)
    login(network.planner, test_client=second)
    token1 = csrf_token(first, f"/gezinnen/{family.id}")
    token2 = csrf_token(second, f"/gezinnen/{family.id}")
    version = _family(family.id).version
    form = {"version": str(version), "p1_name": "Canary Moedernaam", "p1_address": "Eerste Straat 1"}
    r1 = first.post(f"/gezinnen/{family.id}/gegevens", data=dict(form, csrf_token=token1))
    assert r1.status_code == 302
    r2 = second.post(f"/gezinnen/{family.id}/gegevens", data=dict(form, p1_address="Tweede Straat 2",
                                                                  csrf_token=token2))
    assert r2.status_code == 409
    assert "Iemand anders heeft dit gezin intussen gewijzigd" in r2.get_data(as_text=True)
    assert _family(family.id).parents[0].address == "Eerste Straat 1"


def test_lost_update_on_mdo_minutes(network, register, api):
    from igp.mdo import services as mdo

    family = register(network.jvk, consent={"preset": "kernteam", "method": "schriftelijk"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T13:00"})
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    db.session.commit()
    a = api(network.chair)
    base = a.post(f"/api/v1/mdo/items/{item.id}/minutes", json={"text": "Begin"}).get_json()["revision"]
    one = a.post(f"/api/v1/mdo/items/{item.id}/minutes", json={"text": "Schrijver A", "expected_revision": base})
    two = a.post(f"/api/v1/mdo/items/{item.id}/minutes", json={"text": "Schrijver B", "expected_revision": base})
    assert (one.status_code, two.status_code) == (201, 409)
    assert mdo.get_item(item.id).revisions[-1].text == "Schrijver A"
