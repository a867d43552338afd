"""Journey 6: the planner records an absence with a substitute; the substitute finds the absent
coordinator's families in 'Mijn gezinnen', marked as handled on their behalf."""
from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.e2e


def _today_and_families_of(username: str):
    from sqlalchemy import func, select

    from igp import clock
    from igp.auth.models import User
    from igp.coordination.services import ACTIVE_STATUSES
    from igp.extensions import db
    from igp.families.models import Family

    user = db.session.scalars(select(User).where(User.username == username)).one()
    count = db.session.scalar(select(func.count()).select_from(Family).where(
        Family.coordinator_id == user.id, Family.status.in_(ACTIVE_STATUSES)))
    return clock.today(), count


def test_planner_records_an_absence_and_the_substitute_takes_over(as_user, lookup):
    today, families = lookup(_today_and_families_of, "jvk.elamrani")
    assert families > 0, "the demo gives Yasmina El Amrani families to coordinate"

    planner = as_user("planner.kok")
    page = planner.page
    planner.follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Afwezigheid"))
    new = page.get_by_role("form", name="Nieuwe afwezigheid")   # the demo's absences have their own forms
    new.get_by_label("Wie is afwezig").select_option(label="Yasmina El Amrani")
    new.get_by_label("Van", exact=True).fill(today.isoformat())
    new.get_by_label("Tot en met").fill((today + timedelta(days=7)).isoformat())
    new.get_by_label("Reden", exact=True).select_option(label="Ziekte")
    # a substitute of another organisation is refused: the families' consent covers JGZ, not the hospital
    new.get_by_label("Vervanger").select_option(label="Sanne Jansen")
    planner.submit(page.get_by_role("button", name="Afwezigheid vastleggen"), expect_status=422)
    assert "werkt bij een andere organisatie" in page.get_by_role("main").inner_text()
    new = page.get_by_role("form", name="Nieuwe afwezigheid")
    new.get_by_label("Wie is afwezig").select_option(label="Yasmina El Amrani")
    new.get_by_label("Van", exact=True).fill(today.isoformat())
    new.get_by_label("Tot en met").fill((today + timedelta(days=7)).isoformat())
    new.get_by_label("Reden", exact=True).select_option(label="Ziekte")
    new.get_by_label("Vervanger").select_option(label="Lotte Smit")   # a JGZ colleague
    planner.submit(page.get_by_role("button", name="Afwezigheid vastleggen"), expect_status=200)
    assert "Lotte Smit vervangt" in planner.flash()
    row = page.locator("tbody tr").filter(has_text="Yasmina El Amrani")
    assert row.count() == 1 and "Lotte Smit" in row.inner_text()
    planner.screenshot("journey6-afwezigheid")

    substitute = as_user("jvk.smit")
    page = substitute.page
    substitute.follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn gezinnen"))
    banner = page.get_by_role("main").inner_text()
    assert "U vervangt vandaag" in banner and "Yasmina El Amrani" in banner
    rows = page.locator("tbody tr").filter(has_text="namens Yasmina El Amrani")
    assert rows.count() == families, page.locator("table").inner_text()
    substitute.screenshot("journey6-mijn-gezinnen-vervanger")
