"""Journey (issue 19): a gynaecoloog registers a family; the nurse who becomes its coordinator
finds it on her start page ("Vandaag") under "Nieuwe gezinnen voor u" and finds it again with the
forgiving search on the surname alone; a family she may not see is not among the results. Every
page is checked with axe."""
from __future__ import annotations

import pytest
from e2e_support import KERNTEAM, register_family

pytestmark = pytest.mark.e2e


def _coordinator_and_visibility(family_ids):
    from igp.extensions import db
    from igp.families.models import Family
    from igp.sharing import gateway

    families = [db.session.get(Family, i) for i in family_ids]
    nurse = families[0].coordinator
    return nurse.username, {f.pseudonym: gateway.is_visible(nurse, f.id) for f in families}


def test_the_nurse_finds_her_new_family_on_her_start_page_and_by_surname(as_user, lookup):
    gyn = as_user("gyn.dekker")
    seen = register_family(gyn, parent="Eva Vandaagsma", consent=KERNTEAM)
    # the same surname, registered without consent: only the hospital's own people may see it
    hidden = register_family(gyn, parent="Roos Vandaagsma")
    username, visible = lookup(_coordinator_and_visibility, [seen, hidden])
    pseudonyms = list(visible)
    assert list(visible.values()) == [True, False], visible   # the test needs one of each
    nurse = as_user(username)
    page = nurse.page

    nurse.goto("/")
    new = page.get_by_role("region", name="Nieuwe gezinnen voor u")
    assert pseudonyms[0] in new.inner_text()
    nurse.screenshot("vandaag-nieuw-gezin")

    nurse.goto("/gezinnen/")
    search = page.get_by_role("form", name="Zoeken")
    search.get_by_label("Zoeken op naam, pseudoniem of BSN").fill("vandaagsma")
    nurse.submit(search.get_by_role("button", name="Zoeken", exact=True), expect_status=200)
    results = page.get_by_role("main").locator("table.data tbody").inner_text()
    for pseudonym, may_see in visible.items():
        assert (pseudonym in results) == may_see, (pseudonym, may_see)
    assert "vandaagsma" not in page.url.lower()
    nurse.screenshot("zoeken-achternaam")
