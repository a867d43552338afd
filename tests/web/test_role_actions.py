"""Shown = permitted, in both directions, on every page of the web interface (issue 19).

For twelve users (every role, a second nurse who is not involved and a gynaecoloog of another
hospital) every page is opened: the menu's pages, the family's pages, the MDO meeting's pages, the
admin pages. Three checks follow from one crawl:
- every link a page shows opens (never "you may not", 403);
- every POST form a page shows is one its reader may use: submitted untouched it is refused for its
  input or it succeeds, never "you may not" (403);
- every action a reader may take is reachable: a form shown to anyone but not to this reader is
  submitted by her as well (her own CSRF token, the hidden fields as the other saw them), and the
  route must refuse it (403, or 404 for a family she may not see). A route that accepts it offers
  her an action her pages do not show.
Refused submissions change nothing, so one database serves the whole crawl."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pytest

from igp.coordination import services as coordination
from igp.extensions import db
from igp.sharing import services as sharing_services
from tests.web.test_shown_actions import _post_forms
from tests.web.test_shown_actions import family as family  # noqa: F401 (fixtures)
from tests.web.test_shown_actions import meeting as meeting  # noqa: F401

pytestmark = pytest.mark.slow

READERS = ("gyn", "mmw", "jvk", "jvk2", "sw", "planner", "vrijwilliger", "chair", "pl", "po", "admin", "outsider")
LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)', re.I)
NOT_FOLLOWED = ("/afmelden", "/logout", "/static/", ".ics", "/login")
NOT_SUBMITTED = ("/noodtoegang", "/afmelden", "/logout")   # break-the-glass opens access on purpose


def pages(ids: dict) -> list[str]:
    """Every page of the web interface, with the fixture's families and meetings filled in."""
    family, meeting = ids["family"], ids["meeting"]
    per_family = [f"/gezinnen/{f}" for f in (ids["born"], ids["glass"], ids["outside"])]
    return ["/", "/account", "/afwezigheid", "/audit/", "/beheer/", "/beheer/doelgroepcodes",
            "/beheer/gebruikers/nieuw", "/beheer/instellingen", "/beheer/kalender", "/beheer/lokale-teams",
            "/beheer/need-to-know", "/beheer/organisaties/nieuw", "/beheer/polis/pop/wijzigen",
            "/beheer/polis/nieuw", "/caseload", f"/caseload?coordinator={ids['jvk']}", "/dashboard",
            "/dashboard/rapport", "/ervaring", "/gezinnen/", f"/gezinnen/{family}",
            f"/gezinnen/{family}/doelgroep/herbeoordelen", f"/gezinnen/{family}/inzage-ouders",
            f"/gezinnen/{family}/plan", f"/gezinnen/{family}/plan/afdruk", f"/gezinnen/{family}/wie-zag-wat",
            *per_family, "/gezinnen/aanmelden", "/gezinnen/dubbelen", "/knelpunten", "/mdo/",
            *[p for m in (meeting, ids["held"]) for p in (f"/mdo/{m}", f"/mdo/{m}/afdruk", f"/mdo/{m}/besluitenlijst",
                                                          f"/mdo/{m}/notulen")],
            "/mdo/acties", "/mdo/kernteams", "/mdo/nieuw", "/mdo/reeks/nieuw", "/meldingen", "/mijn-aanmeldingen",
            "/mijn-gezinnen", "/overdrachten", "/privacy/noodtoegang", "/signalen"]


@pytest.fixture
def ids(network, family, meeting, register):  # noqa: F811
    """Besides the family and next week's MDO: an MDO that has started with an action for the
    nurse, a born family (a next pregnancy may follow), a family under break-the-glass, an open
    coordinator proposal, informal support, a duplicate registration, a family outside the target
    group and an absence."""
    from igp.families.duplicates import scan
    from igp.families.services import aanmelden
    from igp.mdo import services as mdo
    from igp.support import services as support
    from tests.conftest import family_data

    held = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T09:30"})
    item = mdo.add_item(network.chair, held.id, {"family_id": family.id})
    mdo.add_outcome(network.chair, item.id, {"kind": "actie", "text": "Bel de verloskundige",
                                             "owner_id": network.jvk.id, "due_workdays": 5})
    born = register(network.gyn, phase="postnatal", expected_due_date=None,
                    children=[{"name": "Eerste Kind", "birth_date": "2026-10-01"}],
                    consent={"preset": "kernteam", "method": "schriftelijk"})
    glass = register(network.gyn)
    outside = register(network.gyn, medical_reasons=[], consent={"preset": "kernteam", "method": "schriftelijk"})
    assert not outside.target_eligible   # the form "Toch opnemen" is offered
    coordination.add_core_member(network.gyn, glass.id, {"user_id": network.sw.id, "case_role": "sociaal_werker"})
    sharing_services.break_glass(network.sw, glass.id, "Acute zorg: de moeder is opgenomen en het kind is alleen.")
    coordination.propose_coordinator_change(network.sw, family.id, {"user_id": network.jvk2.id,
                                                                    "reason": "herverdeling"})
    support.record_support(network.vrijwilliger, family.id, {"organisation_id": network.homestart.id,
                                                             "kind": "luisterend_oor", "starts_on": "2026-11-20"})
    aanmelden(network.sw, family_data(parents=[{"name": "Dubbel Moedernaam", "birth_date": "1995-03-14"}],
                                      reason="Dubbel aangemeld"))
    aanmelden(network.gyn, family_data(parents=[{"name": "Dubbel Moedernaam", "birth_date": "1995-03-14"}],
                                       reason="Nog eens aangemeld", confirm_new=True))
    scan()
    coordination.record_absence(network.jvk2, {"from": "2026-11-30", "to": "2026-12-04", "reason": "verlof",
                                               "substitute_id": network.jvk.id})
    db.session.commit()
    return {"family": family.id, "meeting": meeting.id, "held": held.id, "born": born.id, "glass": glass.id,
            "outside": outside.id, "jvk": network.jvk.id}


@dataclass
class Seen:
    """What one reader's pages show: the pages that opened, their links and their POST forms."""
    opened: set = field(default_factory=set)
    links: set = field(default_factory=set)
    forms: dict = field(default_factory=dict)   # action -> hidden fields


def _links(page: str) -> set[str]:
    found = {html.unescape(href).split("?")[0] for href in LINK.findall(page)}
    return {href for href in found if not any(part in href for part in NOT_FOLLOWED)}


def crawl(client, paths: list[str]) -> Seen:
    seen = Seen()
    for path in paths:
        answer = client.get(path)
        assert answer.status_code in (200, 302, 403, 404), (path, answer.status_code)
        if answer.status_code != 200:
            continue
        page = answer.get_data(as_text=True)
        seen.opened.add(path)
        seen.links |= _links(page)
        for action, fields in _post_forms(page, path):
            seen.forms.setdefault(action, fields)
    return seen


def _message(answer) -> str:
    """The error summary of a refused form, for the failure message."""
    found = re.search(r'class="error-summary".*?</(?:div|section)>', answer.get_data(as_text=True), re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(0))[:160] if found else ""


def _csrf(client) -> str:
    page = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def readers(network, ids, app, login):
    """Each reader signed in with her own client, and what her pages show."""
    signed_in = {}
    for who in READERS:
        client = app.test_client()
        login(getattr(network, who), test_client=client)
        signed_in[who] = client
    pageset = pages(ids)
    return {who: (client, crawl(client, pageset)) for who, client in signed_in.items()}


def test_every_link_a_page_shows_opens(readers):
    broken = []
    for who, (client, seen) in readers.items():
        for href in sorted(seen.links - seen.opened):
            status = client.get(href).status_code
            if status == 403 or status >= 500:
                broken.append(f"{who}: {href} -> {status}")
    assert not broken, broken


def test_every_form_a_page_shows_is_one_its_reader_may_use(readers):
    """Each reader submits every form her pages show, untouched (only its hidden fields): a refusal
    of the input (422, 409) or a success, never "you may not" (403) and never a fault."""
    refused = []
    for who, (client, seen) in readers.items():
        token = _csrf(client)
        for action, fields in sorted(seen.forms.items()):
            if any(part in action for part in NOT_SUBMITTED):
                continue
            status = client.post(action, data={**fields, "csrf_token": token}).status_code
            if status == 403 or status >= 500:
                refused.append(f"{who}: {action} -> {status}")
    assert not refused, refused


def test_every_action_a_reader_may_take_is_shown_to_her(readers):
    catalog = {}
    for _who, (_client, seen) in readers.items():
        for action, fields in seen.forms.items():
            catalog.setdefault(action, fields)
    assert len(catalog) >= 40, sorted(catalog)   # the crawl did reach the pages' actions
    hidden_but_allowed = []
    for who, (client, seen) in readers.items():
        token = _csrf(client)
        for action in sorted(a for a in set(catalog) - set(seen.forms) if not any(p in a for p in NOT_SUBMITTED)):
            answer = client.post(action, data={**catalog[action], "csrf_token": token})
            allowed = (403, 404, 422) if re.split(r"[?#]", action)[0] in INPUT_DECIDES else (403, 404)
            if answer.status_code not in allowed:
                hidden_but_allowed.append(f"{who}: {action} -> {answer.status_code} {_message(answer)}")
    assert not hidden_but_allowed, "actions allowed but not shown: " + "; ".join(hidden_but_allowed)


# routes whose permission depends on what the form asks for: an untouched form is refused for its input
# (422), and the rule itself is tested with real input in the test named
INPUT_DECIDES = {
    "/caseload": "who may reassign depends on the families ticked, each by its own rule "
                 "(tests/integration/test_coordination.py)",
}

# POST routes no form of the fixture offers, and why (each is covered by the test named)
NOT_IN_FIXTURE = {
    "auth.login": "signing in is the login page's own form (tests/web/test_auth.py)",
    "auth.second_factor": "the second step of signing in (tests/web/test_auth.py)",
    "auth.enrol": "enrolling a second factor, for a user without one (tests/web/test_auth.py)",
    "auth.logout": "signing out ends the session",
    "families.local_area": "needs the beheerder's list of gemeenten and wijken (tests/web/test_local_teams.py)",
}


def test_every_action_of_the_interface_is_shown_to_someone(readers, app):
    """An action no reader is shown is an action nobody can take: the shown=permitted check above
    would not notice it (it compares readers with each other)."""
    adapter = app.url_map.bind("localhost")
    shown = {adapter.match(re.split(r"[?#]", action)[0], method="POST")[0]
             for _who, (_c, seen) in readers.items() for action in seen.forms}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods
              and not rule.rule.startswith(("/api/", "/fhir", "/bench"))}
    unreached = sorted(routes - shown - set(NOT_IN_FIXTURE))
    assert not unreached, "\n".join(unreached)


def test_the_volunteer_sees_no_action_she_cannot_take_on_the_family_page(readers, family):  # noqa: F811
    """The issue's case: the volunteer's family page shows none of the actions of the coordinator."""
    _client, seen = readers["vrijwilliger"]
    assert f"/gezinnen/{family.id}" in seen.opened
    shown = " ".join(seen.forms)
    for word in ("coordinator", "intrekken", "uitstroom", "verwijderen", "toestemming"):
        assert word not in shown, (word, sorted(seen.forms))
