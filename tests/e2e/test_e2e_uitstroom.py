"""Journey (issue 18): the coordinating nurse lets a family leave with a warm handover outward
(verhuizing, JGZ elders) and advances that handover on the family page to 'overdracht afgerond';
the board shows it under its own step. Every page is checked with axe."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from e2e_support import KERNTEAM, details, register_family

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _step(session, label: str, **fields) -> None:
    form = details(session.page.locator("#overdracht"), "Stap van de overdracht bij uitstroom vastleggen")
    form.get_by_label("Stap", exact=True).select_option(label=label)
    for name, value in fields.items():
        form.get_by_label(name).fill(value)
    session.submit(form.get_by_role("button", name="Stap opslaan"), expect_status=200)
    assert "De warme overdracht is bijgewerkt." in session.flash(), session.flash()


def test_exit_with_outward_handover(as_user):
    jvk = as_user("jvk.smit")
    family_id = register_family(jvk, parent="Iris Verhuisd", consent=KERNTEAM)
    page = jvk.page
    pseudonym = page.get_by_role("heading", level=1).inner_text().split()[1]

    form = details(page.locator("#uitstroom"), "Gezin laten uitstromen")
    form.get_by_label("Reden").select_option(label="Verhuisd")
    form.get_by_label("Warme overdracht naar").select_option(label="JGZ elders (verhuizing)")
    form.get_by_label("Naam ontvangende organisatie").fill("JGZ Zuid")
    jvk.submit(form.get_by_role("button", name="Uitstroom vastleggen"), expect_status=200)
    assert "Het gezin is uitgestroomd." in jvk.flash()
    outward = page.locator("#overdracht").inner_text()
    assert "Warme overdracht bij uitstroom" in outward and "Uitstroom vastgelegd" in outward

    _step(jvk, "Overdracht aangeboden", Toelichting="Gebeld met JGZ Zuid; zij nemen het gezin over.")
    talk = (datetime.now(AMSTERDAM) + timedelta(days=1)).replace(second=0, microsecond=0, tzinfo=None)
    _step(jvk, "Overdrachtsgesprek gepland", **{"Overdrachtsgesprek gepland op": talk.strftime("%Y-%m-%dT%H:%M")})
    jvk.goto("/overdrachten")
    column = page.get_by_role("region", name="Overdrachtsgesprek gepland")
    assert pseudonym in column.inner_text()

    jvk.goto(f"/gezinnen/{family_id}")
    _step(jvk, "Overdracht afgerond")
    assert "Overdracht afgerond" in page.locator("#overdracht").inner_text()
    jvk.screenshot("journey-uitstroom-overdracht-afgerond")
    jvk.goto("/overdrachten")
    assert pseudonym in page.get_by_role("region", name="Overdracht afgerond").inner_text()
