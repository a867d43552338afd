"""A walk through every menu item for each kind of user, so axe-core checks the pages the
journeys do not reach (the journeys are in the other test_e2e_* modules)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

USERS = ["jvk.smit", "planner.kok", "po.vandenberg", "beheer.admin", "pl.hendriks", "vrijw.dijkstra"]


@pytest.mark.parametrize("username", USERS)
def test_every_menu_page_passes_axe(as_user, username):
    session = as_user(username)
    page = session.page
    session.goto("/")
    menu = page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link")
    targets = [(link.inner_text(), link.get_attribute("href")) for link in menu.all()]
    assert targets, f"{username} has no menu"
    for label, href in targets:
        response = session.goto(href, expect_status=None)
        assert response.status == 200, f"{username}: menu item {label} ({href}) gives HTTP {response.status}"
    session.goto("/account")


def _follow_each(session, links) -> None:
    hrefs = list(dict.fromkeys(link.get_attribute("href") for link in links.all()))
    for href in hrefs:
        response = session.goto(href, expect_status=None)
        assert response.status == 200, f"{href} gives HTTP {response.status}"


def test_deeper_pages_pass_axe(as_user):
    beheer = as_user("beheer.admin")
    beheer.goto("/beheer/")
    _follow_each(beheer, beheer.page.get_by_role("main").locator('a[href^="/beheer/"]'))

    planner = as_user("planner.kok")
    planner.goto("/mdo/")
    main = planner.page.get_by_role("main")
    _follow_each(planner, main.get_by_role("link", name="MDO plannen").or_(main.get_by_role("link", name="Nieuwe reeks")))
    planner.goto("/mdo/kernteams")       # the kernteam per poli (whose MDO attendance counts)
    planner.goto("/gezinnen/dubbelen")   # possible duplicates the registering user could not see
    planner.goto("/caseload")
    _follow_each(planner, planner.page.get_by_role("main").locator('a[href*="coordinator="]').first)

    jvk = as_user("jvk.smit")
    jvk.goto("/mijn-gezinnen")
    jvk.follow(jvk.page.get_by_role("main").locator('a[href^="/gezinnen/"]').first)
    main = jvk.page.get_by_role("main")
    _follow_each(jvk, main.get_by_role("link", name="Wie zag wat").or_(
        main.get_by_role("link", name="Inzage voor de ouders (AVG art. 15)")))
    jvk.goto("/mdo/")
    jvk.follow(jvk.page.get_by_role("main").locator('a[href^="/mdo/"]').filter(has_text="-").first)
    jvk.follow(jvk.page.get_by_role("link", name="Afdrukversie"))
    # a search is a POST (no name in the URL): the form with its error, then a search that redirects
    jvk.goto("/gezinnen/")
    search = jvk.page.get_by_role("form", name="Zoeken")
    search.get_by_label("Zoeken op naam, pseudoniem of BSN").fill("Sm")
    jvk.submit(search.get_by_role("button", name="Zoeken", exact=True), expect_status=422)
    assert "Typ ten minste 3 letters" in jvk.page.content()
    search = jvk.page.get_by_role("form", name="Zoeken")
    search.get_by_label("Zoeken op naam, pseudoniem of BSN").fill("Smit")
    jvk.submit(search.get_by_role("button", name="Zoeken", exact=True), expect_status=200)
    assert "Smit" not in jvk.page.url and "gezocht op naam, pseudoniem of BSN" in jvk.page.content()
    jvk.goto("/gezinnen/?naam=Smit", expect_status=400)  # identifying values in a URL are refused
    jvk.goto("/overdrachten?status=intake_gepland")  # one column of the board, paged
    jvk.goto("/overdrachten?signaal=te_laat")


def test_the_accessibility_check_catches_violations(as_user):
    """The harness itself: a button without a name, folded away in a <details>, must fail the check."""
    session = as_user("jvk.smit")
    session.goto("/")
    session.page.evaluate("""() => {
        const box = document.createElement('details');
        box.innerHTML = '<summary>Meer</summary><button type="button"></button>';
        document.querySelector('main').append(box);
    }""")
    with pytest.raises(AssertionError, match="critical button-name"):
        session.check_accessibility(record=False)
    assert session.page.locator("main details").last.get_attribute("open") is None  # folded back
