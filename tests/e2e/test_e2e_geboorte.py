"""Journey (issue 17): aanmelding during the pregnancy at the POP-poli -> the birth recorded by the
coordinating nurse, the family moves to the MamaPlusPoli -> the postnatal MDO of that poli proposes
it. Every page is checked with axe (serious or critical violations fail the test)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from e2e_support import KERNTEAM, details, register_family

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _coordinator_username(family_id: int) -> str:
    from igp.extensions import db
    from igp.families.models import Family

    return db.session.get(Family, family_id).coordinator.username


def test_pregnancy_birth_and_the_postnatal_mdo(as_user, lookup):
    gyn = as_user("gyn.dekker")
    due = datetime.now(AMSTERDAM).date() + timedelta(weeks=8)       # born at 32 weeks, today
    family_id = register_family(gyn, parent="Noor Geboortebaan", poli="POP-poli", consent=KERNTEAM,
                                due_date=due.isoformat())
    page = gyn.page
    assert "Zwangerschap (prenataal)" in page.locator(".page-head").inner_text()
    pseudonym = page.get_by_role("heading", level=1).inner_text().split()[1]

    nurse = as_user(lookup(_coordinator_username, family_id))
    nurse.goto(f"/gezinnen/{family_id}")
    page = nurse.page
    today = datetime.now(AMSTERDAM).date()
    form = details(page.locator("#geboorte"), "Geboorte vastleggen")
    child = form.get_by_role("group", name="Kind", exact=True)
    child.get_by_label("Naam (als bekend)").fill("Sem")
    child.get_by_label("Geboortedatum").fill(today.isoformat())
    child.get_by_label("Zwangerschapsduur: weken").fill("50")          # a typing error
    child.get_by_label("Geboortegewicht (gram)").fill("1650")
    form.get_by_label("Poli na de geboorte").select_option(label="MamaPlusPoli")
    nurse.submit(form.get_by_role("button", name="Geboorte opslaan"), expect_status=422)
    # the summary at the top links to the field; the browser shows the family page, not the POST address
    summary = page.locator("#foutmelding")
    assert summary.is_visible() and summary.get_by_role("link").first.get_attribute("href") == "#b0-gestational_age_weeks"
    assert page.url.endswith(f"/gezinnen/{family_id}#geboorte"), page.url
    section = page.locator("#geboorte")
    assert "Zwangerschapsduur: weken moet tussen 22 en 44 liggen." in section.inner_text() or \
           "moet tussen 22 en 44 liggen" in section.inner_text()
    child = section.get_by_role("group", name="Kind", exact=True)
    assert child.get_by_label("Naam (als bekend)").input_value() == "Sem"          # nothing typed is lost
    assert child.get_by_label("Geboortegewicht (gram)").input_value() == "1650"
    assert section.get_by_label("Poli na de geboorte").input_value() == "mamaplus"
    child.get_by_label("Zwangerschapsduur: weken").fill("32")
    nurse.submit(section.get_by_role("button", name="Geboorte opslaan"), expect_status=200)
    assert "De geboorte is vastgelegd" in nurse.flash() and "MamaPlusPoli" in nurse.flash()
    head = page.locator(".page-head").inner_text()
    assert "Na de geboorte (postnataal)" in head and "MamaPlusPoli" in head
    facts = page.locator("#gegevens").inner_text()
    assert "Sem" in facts and "gecorrigeerde leeftijd" in facts
    assert "van POP-poli naar MamaPlusPoli" in page.locator("#geboorte").inner_text()

    # the nurse asks the postnatal MDO to discuss the family
    ask = details(page.locator("#mdo"), "Bespreken in het MDO")
    ask.get_by_label("Vraag aan het MDO").fill("Hoe organiseren we de nazorg na de vroeggeboorte?")
    nurse.submit(ask.get_by_role("button", name="Aanvragen"), expect_status=200)
    assert "Het gezin staat klaar om in het MDO te bespreken." in nurse.flash()

    # the chair plans the MamaPlusPoli MDO: the family is proposed there, not at the POP-poli
    chair = as_user("mdo.dejong")
    chair.goto("/mdo/nieuw")
    page = chair.page
    # after the first POP-poli meeting of the weekly series (within 7 days), so "Volgend MDO" stays that one
    starts = (datetime.now(AMSTERDAM) + timedelta(days=9)).replace(hour=13, minute=30, second=0, microsecond=0)
    page.get_by_label("Poli").select_option(label="MamaPlusPoli")
    page.get_by_label("Begint om").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Plaats").fill("Consultatiebureau Noord")
    for domain in ("Zorg (ziekenhuis en verloskunde)", "Jeugdgezondheidszorg (JGZ)", "Sociaal domein"):
        page.get_by_label(domain, exact=True).check()
    chair.submit(page.get_by_role("button", name="Plannen"), expect_status=200)
    proposal = page.get_by_role("region", name="Voorstel voor de agenda")
    assert pseudonym in proposal.inner_text(), "the family is missing from the proposal of its new poli's MDO"
    chair.submit(proposal.get_by_role("button", name="Voorstel overnemen"), expect_status=200)
    assert pseudonym in page.locator("article.agenda-item").all_inner_texts().__str__()
    for session in (gyn, nurse, chair):
        session.verify_clean()
