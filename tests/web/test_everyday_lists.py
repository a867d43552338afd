"""Everyday work (issue 19): the volunteer's "Mijn gezinnen" lists the families she supports, and an
open MDO action is marked done from the family page by whoever may set its status."""
from __future__ import annotations

import re

from igp.coordination import services as coordination
from igp.extensions import db
from igp.mdo import services as mdo
from igp.mdo.models import MdoAction
from igp.sharing import services as sharing
from igp.support import services as support
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}


def _supported(network, register):
    """A family with Home-Start's volunteer in its core team (informal support consented), and one without."""
    family = register(network.gyn, consent=CONSENT)
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                           "case_role": "informele_steun"})
    support.record_support(network.vrijwilliger, family.id, {"organisation_id": network.homestart.id,
                                                             "kind": "luisterend_oor", "starts_on": "2026-11-20"})
    other = register(network.gyn, consent=CONSENT)
    db.session.commit()
    return family, other


def test_the_volunteers_mijn_gezinnen_lists_the_families_she_supports(network, register, app, login):
    family, other = _supported(network, register)
    client = login(network.vrijwilliger, test_client=app.test_client())
    page = client.get("/mijn-gezinnen").get_data(as_text=True)
    assert "Gezinnen die u ondersteunt" in page and "waarvan u het aanspreekpunt bent" not in page
    assert family.pseudonym in page and other.pseudonym not in page
    assert "namens" not in page.split("<tbody>", 1)[1].lower()   # she stands in for nobody
    coordination.remove_core_member(network.gyn, family.id, _member_id(family.id, network.vrijwilliger.id))
    db.session.commit()
    assert family.pseudonym not in client.get("/mijn-gezinnen").get_data(as_text=True)


def _member_id(family_id: int, user_id: int) -> int:
    from sqlalchemy import select

    from igp.coordination.models import CoreTeamMember
    return db.session.scalar(select(CoreTeamMember.id).where(CoreTeamMember.family_id == family_id,
                                                            CoreTeamMember.user_id == user_id))


def test_the_nurses_mijn_gezinnen_still_lists_the_families_she_coordinates(network, register, app, login):
    family, _ = _supported(network, register)
    assert family.coordinator_id == network.jvk.id
    page = login(network.jvk, test_client=app.test_client()).get("/mijn-gezinnen").get_data(as_text=True)
    assert "waarvan u het aanspreekpunt (coördinator) bent" in page and family.pseudonym in page


def _action(network, family):
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})
    item = mdo.add_item(network.chair, meeting.id, {"family_id": family.id})
    outcome = mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Bel de verloskundige",
                                                       "owner_id": network.sw.id, "due_workdays": 5})
    db.session.commit()
    return outcome.action


def test_the_coordinator_marks_an_action_done_from_the_family_page(network, register, app, login):
    family = register(network.gyn, consent=CONSENT)
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    action = _action(network, family)
    nurse = login(network.jvk, test_client=app.test_client())   # the coordinator, not the owner
    path = f"/gezinnen/{family.id}"
    page = nurse.get(path).get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/mdo/acties".*?</form>', page, re.S)
    assert len(forms) == 2 and f'value="{action.id}"' in forms[0]   # Gedaan and Vervallen
    answer = nurse.post("/mdo/acties", data={"action_id": action.id, "status": "gedaan", "next": f"{path}#mdo",
                                             "csrf_token": csrf_token(nurse, path)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{path}#mdo")   # back to the family
    db.session.expire_all()
    assert db.session.get(MdoAction, action.id).status == "gedaan"
    assert 'action="/mdo/acties"' not in nurse.get(path).get_data(as_text=True)   # done: no buttons any more


def test_who_may_not_set_the_status_sees_no_buttons_and_next_never_leaves_the_site(network, register, app, login):
    family = register(network.gyn, consent=CONSENT)
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    action = _action(network, family)
    gyn = login(network.gyn, test_client=app.test_client())   # registering organisation: reads, does not follow up
    assert 'action="/mdo/acties"' not in gyn.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    owner = login(network.sw, test_client=app.test_client())
    answer = owner.post("/mdo/acties", data={"action_id": action.id, "status": "gedaan",
                                             "next": "//evil.example/", "csrf_token": csrf_token(owner, "/mdo/acties")})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/mdo/acties")
