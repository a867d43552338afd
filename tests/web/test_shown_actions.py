"""Only the actions a role may take are shown (issue 19): for every role that opens a page, every
form on it is submitted as the user would submit it untouched (its hidden fields, nothing typed).
The answer may be a refusal of the input (422, 409) or a success, never "you may not" (403): a
form shown to a role that cannot use it loses what she typed."""
from __future__ import annotations

import html
import re

import pytest

from igp.coordination import services as coordination
from igp.extensions import db
from igp.families.models import Family
from igp.sharing import services as sharing_services

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
HIDDEN = re.compile(r"<input\b[^>]*>", re.I)
ROLES = ("gyn", "mmw", "jvk", "sw", "planner", "vrijwilliger", "chair", "pl", "po", "admin")


def _post_forms(page: str, path: str | None = None) -> list[tuple[str, dict]]:
    """(action, hidden fields) of every POST form of a page; a form without an action posts to the
    page itself (`path`)."""
    forms = []
    for attrs, body in FORM.findall(page):
        a = dict(ATTR.findall(attrs))
        if a.get("method", "get").lower() != "post" or not (a.get("action") or path):
            continue
        a.setdefault("action", path)
        fields = {}
        for tag in HIDDEN.findall(body):
            t = dict(ATTR.findall(tag))
            if t.get("type") == "hidden" and t.get("name"):
                fields[t["name"]] = html.unescape(t.get("value", ""))
        forms.append((html.unescape(a["action"]), fields))
    return forms


@pytest.fixture
def meeting(network, family):
    """An MDO of the family's poli next week with the family on its agenda."""
    from igp.mdo import services as mdo

    planned = mdo.create_meeting(network.chair, {"poli": family.poli.code, "starts_at": "2026-12-01T13:00"})
    mdo.add_item(network.chair, planned.id, {"family_id": family.id})
    db.session.commit()
    return planned


@pytest.fixture
def family(network, register):
    """A family with the kernteam consent, the social worker and the volunteer in the core team."""
    registered = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    sharing_services.record_preset(network.gyn, registered.id, "informele_steun", method="schriftelijk")
    fam = db.session.get(Family, registered.id)
    if fam.coordinator_id is None:
        coordination.assign_coordinator(network.gyn, fam.id, {"user_id": network.jvk.id})
    for user, role in ((network.sw, "sociaal_werker"), (network.vrijwilliger, "informele_steun")):
        coordination.add_core_member(network.gyn, fam.id, {"user_id": user.id, "case_role": role})
    db.session.commit()
    return db.session.get(Family, registered.id)


def _refused_forms(client, path: str) -> tuple[int, list[str]]:
    """Submit every POST form of the page at `path` untouched; the actions that answered 403."""
    page = client.get(path)
    if page.status_code != 200:
        assert page.status_code in (302, 403, 404), (path, page.status_code)   # no page, no forms
        return 0, []
    forms = _post_forms(page.get_data(as_text=True), path)
    refused = []
    for action, fields in forms:
        if action.endswith("/noodtoegang") or action.endswith("/afmelden") or action.endswith("/logout"):
            continue   # break-the-glass opens access on purpose; signing out ends the session
        if client.post(action, data=fields).status_code == 403:
            refused.append(action)
    return len(forms), refused


@pytest.mark.parametrize("who", ROLES)
def test_every_form_a_page_shows_is_one_the_reader_may_use(network, family, meeting, who, app, login):
    user = getattr(network, who)
    client = app.test_client()
    login(user, test_client=client)
    shown, refused = 0, []
    for path in (f"/gezinnen/{family.id}", f"/gezinnen/{family.id}/plan", f"/mdo/{meeting.id}", "/mdo/acties",
                 "/afwezigheid", "/overdrachten", "/signalen", "/", "/mijn-gezinnen"):
        count, bad = _refused_forms(client, path)
        shown += count
        refused += [f"{path}: {action}" for action in bad]
    assert not refused, f"{who} is shown forms she may not use: {refused}"
    assert shown or who in ("pl", "po", "admin"), who   # the care roles do get forms


def test_the_harness_finds_a_form_a_role_may_not_use(network, family, app, login):
    """The check itself: a form whose route refuses the role is reported."""
    client = app.test_client()
    login(network.vrijwilliger, test_client=client)
    answer = client.post(f"/gezinnen/{family.id}/uitstroom", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                client.get(f"/gezinnen/{family.id}").get_data(as_text=True)).group(1)})
    assert answer.status_code == 403
