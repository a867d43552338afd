"""The kernteam and caseload forms, now through their schemas, as the people who use them (and one
who may not): the form's strings are the command, the result shows, a refusal names the reason."""
from __future__ import annotations

from sqlalchemy import select

from igp.coordination.models import CoordinatorAssignment, CoreTeamMember
from igp.coordination.services import add_core_member
from igp.extensions import db
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def test_the_registering_gynaecologist_adds_a_social_worker_through_the_form(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Professional toevoegen" in page
    response = client.post(f"/gezinnen/{family.id}/kernteam", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "user_id": str(network.sw.id),
        "case_role": "sociaal_werker"})
    assert response.status_code == 302
    rows = db.session.scalars(select(CoreTeamMember).where(CoreTeamMember.family_id == family.id)).all()
    assert [(r.user_id, r.case_role) for r in rows] == [(network.sw.id, "sociaal_werker")]
    again = client.post(f"/gezinnen/{family.id}/kernteam", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "user_id": str(network.sw.id),
        "case_role": ""}, follow_redirects=True)
    assert "Kies de rol van deze professional bij dit gezin." in again.get_data(as_text=True)


def test_the_social_worker_sees_no_add_button_and_cannot_post_it(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    db.session.commit()
    login(network.sw)
    page = client.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200 and "Professional toevoegen" not in page.get_data(as_text=True)
    refused = client.post(f"/gezinnen/{family.id}/kernteam", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "user_id": str(network.mmw.id),
        "case_role": "mmw"})
    assert refused.status_code == 403   # not a keeper of this family's core team
    assert db.session.scalars(select(CoreTeamMember).where(CoreTeamMember.user_id == network.mmw.id)).all() == []


def test_the_planner_reassigns_the_caseload_through_the_form(network, register, login, client):
    family = register(network.jvk, consent=CONSENT)
    login(network.planner)
    page = client.get(f"/caseload?van={network.jvk.id}")
    assert page.status_code == 200
    nothing = client.post("/caseload", data={"csrf_token": csrf_token(client, "/caseload"),
                                             "to_user_id": str(network.jvk2.id), "reason": "herverdeling"},
                          follow_redirects=True)
    assert "Kies ten minste één gezin." in nothing.get_data(as_text=True)
    done = client.post("/caseload", data={"csrf_token": csrf_token(client, "/caseload"),
                                          "family_ids": [str(family.id)], "to_user_id": str(network.jvk2.id),
                                          "reason": "herverdeling", "reason_text": ""})
    assert done.status_code == 302
    latest = db.session.scalars(select(CoordinatorAssignment).where(CoordinatorAssignment.family_id == family.id)
                                .order_by(CoordinatorAssignment.id.desc())).first()
    assert latest.to_user_id == network.jvk2.id and latest.reason == "herverdeling"
