"""Phone and desktop (issue 19): at 390 px the main menu sits behind a button and tables become
stacked cards; no page of the nurse's day scrolls sideways; axe checks every page at both widths
(390 px and 1280 px), and screenshots of both are kept."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _nurse_pages():
    from sqlalchemy import select

    from igp.auth.models import User
    from igp.extensions import db
    from igp.families.models import Family
    from igp.mdo.models import MdoMeeting

    nurse = db.session.scalars(select(User).where(User.username == "jvk.smit")).one()
    family = db.session.scalars(select(Family.id).where(Family.coordinator_id == nurse.id)
                                .order_by(Family.id)).first()
    meeting = db.session.scalars(select(MdoMeeting.id).order_by(MdoMeeting.starts_at)).first()
    return ["/", "/mijn-gezinnen", f"/gezinnen/{family}", "/signalen", "/overdrachten", "/mdo/", f"/mdo/{meeting}",
            "/mdo/acties"]


def _no_sideways_scroll(session) -> None:
    width, inner = session.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{session.page.url} is {width} px wide at {inner} px"


def test_the_nurses_pages_fit_a_phone_and_a_desktop(as_user, lookup):
    paths = lookup(_nurse_pages)
    nurse = as_user("jvk.smit")
    page = nurse.page
    try:
        page.set_viewport_size(PHONE)
        for path in paths:
            nurse.goto(path)
            _no_sideways_scroll(nurse)
        nurse.goto(paths[1])
        toggle = page.get_by_role("button", name="Menu")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn gezinnen").is_visible()
        toggle.click()
        assert page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn gezinnen").is_visible()
        # a table row as a card: every cell names its column
        first = page.locator("table.data tbody tr").first
        assert first.locator("td[data-label='Gezin']").count() == 1
        for name, path in (("start", paths[0]), ("gezin", paths[2]), ("mdo", paths[6])):
            nurse.goto(path)
            nurse.screenshot(f"telefoon-390-{name}")
        page.set_viewport_size(DESKTOP)
        for name, path in (("start", paths[0]), ("gezin", paths[2]), ("mdo", paths[6])):
            nurse.goto(path)
            _no_sideways_scroll(nurse)
            nurse.screenshot(f"desktop-1280-{name}")
        assert not page.get_by_role("button", name="Menu").is_visible()   # the whole menu on a desktop
    finally:
        page.set_viewport_size(DESKTOP)
