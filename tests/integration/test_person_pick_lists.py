"""The pick lists of people on the family page and the MDO meeting page (issue 21: built once per
request from plain rows, auth.services.people() and web.person_options): every active user with
what tells them apart, a name escaped, and after a refused form the person typed still chosen."""
from __future__ import annotations

import re

from igp.auth.services import create_user
from igp.extensions import db
from igp.mdo import services as mdo
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def _select(page: str, select_id: str) -> str:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select {select_id}"
    return match.group(1)


def _chosen(options: str) -> list[str]:
    return re.findall(r'<option value="(\d+)" selected>', options)


def test_the_coordinator_list_names_role_and_organisation_and_keeps_the_choice_after_a_refusal(
        network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.jvk)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    options = _select(page, "assign-user")
    label = f"{network.jvk2.name} (Jeugdverpleegkundige, {network.jvk2.organisation.name})"
    assert f'<option value="{network.jvk2.id}">{label}</option>' in options
    assert f'value="{network.gyn.id}"' not in options          # a gynaecoloog holds no cases
    assert _chosen(options) == []
    refused = client.post(f"/gezinnen/{family.id}/coordinator", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "user_id": network.jvk2.id, "reason": "onzin"})
    assert refused.status_code == 422
    assert _chosen(_select(refused.get_data(as_text=True), "assign-user")) == [str(network.jvk2.id)]


def test_the_core_team_list_escapes_a_name_and_keeps_the_choice_after_a_refusal(network, register, login, client):
    odd = create_user(username="kim.odd", name="Kim <b>& Co</b>", organisation=network.sw.organisation,
                      roles=["sociaal_werker"], password="een-lang-wachtwoord-21")
    gone = create_user(username="oud.collega", name="Oud Collega", organisation=network.sw.organisation,
                       roles=["sociaal_werker"], password="een-lang-wachtwoord-21")
    gone.active = False
    family = register(network.gyn, consent=CONSENT)
    db.session.commit()
    login(network.jvk)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    options = _select(page, "team-user")
    assert f"Kim &lt;b&gt;&amp; Co&lt;/b&gt; ({network.sw.organisation.name})" in options
    assert "<b>" not in options and f'value="{gone.id}"' not in options   # an inactive account is no choice
    refused = client.post(f"/gezinnen/{family.id}/kernteam", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "user_id": odd.id, "case_role": "bestaat_niet"})
    assert refused.status_code == 422
    assert _chosen(_select(refused.get_data(as_text=True), "team-user")) == [str(odd.id)]


def test_the_meeting_keeps_the_owner_chosen_for_a_refused_outcome(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T10:15"})
    item = mdo.add_item(network.planner, meeting.id, {"family_id": family.id})
    db.session.commit()
    login(network.chair)
    page = client.get(f"/mdo/{meeting.id}").get_data(as_text=True)
    owners = _select(page, f"owner-{item.id}")
    assert f'<option value="{network.sw.id}">{network.sw.name}</option>' in owners and _chosen(owners) == []
    assert f"{network.sw.name} ({network.sw.organisation.name})" in _select(page, "att-add")
    refused = client.post(f"/mdo/punt/{item.id}/uitkomst", data={
        "csrf_token": csrf_token(client, f"/mdo/{meeting.id}"), "kind": "actie", "text": "",
        "owner_id": network.sw.id, "feedback_by_id": network.jvk.id})
    assert refused.status_code == 422, refused.status_code
    shown = refused.get_data(as_text=True)
    assert _chosen(_select(shown, f"owner-{item.id}")) == [str(network.sw.id)]
    assert _chosen(_select(shown, f"fb-{item.id}")) == [str(network.jvk.id)]
