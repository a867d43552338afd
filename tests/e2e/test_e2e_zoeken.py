"""Forgiving search in the browser (issue 19): the nurse types "Jansen" in the one search field of
Gezinnen and finds the Jansen families she may see, by name, and none of the Jansen families of
the demo that she may not see; "jans" (the start of the name, any case) finds the same."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

def _jansen_families() -> dict:
    """A nurse of the demo with Jansen families, and the pseudonyms of the demo's families with a
    parent or child called Jansen: those she may see with their NAW (a match by name is shown only
    then), and the others."""
    from sqlalchemy import select

    from igp.auth.models import User, UserRole
    from igp.extensions import db
    from igp.sharing import gateway

    nurses = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "jeugdverpleegkundige").order_by(User.username))
    for nurse in nurses:
        found = _for(nurse, db, gateway)
        if found["seen"]:
            return {"nurse": nurse.username, **found}
    return {"nurse": None, "seen": [], "not_seen": []}


def _for(nurse, db, gateway) -> dict:
    from sqlalchemy import select

    from igp.families.models import Child, Family, Parent

    named = {p.family_id for p in db.session.scalars(select(Parent)) if "jansen" in p.name.lower().split()}
    named |= {c.family_id for c in db.session.scalars(select(Child)) if c.name and "jansen" in c.name.lower().split()}
    families = list(db.session.scalars(select(Family).where(Family.id.in_(named))))
    visible = set(db.session.scalars(select(Family.id).where(gateway.visibility_clause(nurse), Family.id.in_(named))))
    decisions = gateway.decisions_for(nurse, [f for f in families if f.id in visible])
    seen = sorted(f.pseudonym for f in families if f.id in visible and decisions[f.id].may("naw"))
    return {"seen": seen, "not_seen": sorted(f.pseudonym for f in families if f.pseudonym not in seen)}


def _search(nurse, query: str) -> list[str]:
    page = nurse.page
    nurse.goto("/gezinnen/")
    form = page.get_by_role("form", name="Zoeken")
    form.get_by_label("Zoeken op naam, pseudoniem of BSN").fill(query)
    nurse.submit(form.get_by_role("button", name="Zoeken", exact=True), expect_status=200)
    assert "zoekopdracht=" in page.url and query.lower() not in page.url.lower()   # the term is in no URL
    return page.locator("table.data tbody tr td:first-child a").all_inner_texts()


def test_jansen_finds_her_jansen_families_and_nothing_she_may_not_see(as_user, lookup):
    expected = lookup(_jansen_families)
    assert expected["seen"], "the demo gives no nurse a Jansen family"
    assert expected["not_seen"], "the demo has no Jansen family the nurse may not see: the check would be empty"
    nurse = as_user(expected["nurse"])
    found = sorted(set(_search(nurse, "Jansen")))
    assert found == expected["seen"][:25], (found, expected)
    assert not set(found) & set(expected["not_seen"])
    assert "Zoekresultaat" in nurse.page.get_by_role("main").inner_text()
    assert sorted(set(_search(nurse, "jans"))) == found   # the start of the name, any case
    nurse.screenshot("zoeken-jansen")
