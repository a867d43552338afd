"""Journeys 2 and 4: what a professional of another organisation sees of a family, without
consent, with consent, and after the parents withdraw it. Withheld data must not be in the
HTML at all (asserted on the page source)."""
from __future__ import annotations

import pytest
from e2e_support import KERNTEAM, details, register_family

pytestmark = pytest.mark.e2e

# What the aanmelding (register_family) fills in: none of it may reach a viewer without consent.
FAMILY_DETAILS = ("06-12345678", "Verloskundige Van Dam", "Geldzorgen en eerdere depressie", "17-05-1996")


def add_to_core_team(session, name: str, role: str) -> None:
    page = session.page
    form = details(page, "Professional toevoegen")
    option = form.get_by_label("Professional").locator("option", has_text=name).first
    form.get_by_label("Professional").select_option(value=option.get_attribute("value"))
    form.get_by_label("Rol bij dit gezin").select_option(label=role)
    session.submit(form.get_by_role("button", name="Toevoegen"), expect_status=200)
    assert "Het kernteam is bijgewerkt." in session.flash()
    assert name in page.locator("#kernteam").inner_text()


def test_without_consent_the_social_worker_sees_no_family_data(as_user):
    gyn = as_user("gyn.dekker")
    page = gyn.page
    family_id = register_family(gyn, parent="Demi Zonderzorg")  # no consent recorded
    assert "Er is nog geen toestemming vastgelegd" in page.locator("#toestemming").inner_text()

    ask = details(page, "Bespreken in het MDO")
    ask.get_by_label("Vraag aan het MDO").fill("Is inzet van het wijkteam voor de geldzorgen nodig?")
    gyn.submit(ask.get_by_role("button", name="Aanvragen"), expect_status=200)
    assert "Het gezin staat klaar om in het MDO te bespreken." in gyn.flash()
    add_to_core_team(gyn, "Daan Mulder", "Sociaal werker")
    gyn.screenshot("journey2-gezin-gynaecoloog")

    sw = as_user("sw.mulder")
    sw.goto(f"/gezinnen/{family_id}")
    html = sw.html()
    assert "Demi Zonderzorg" not in html
    for value in FAMILY_DETAILS:
        assert value not in html, f"withheld data in the page source: {value}"
    assert "afgeschermd" in html
    privacy = sw.page.locator("#privacy").inner_text()
    assert "NAW-gegevens (naam, adres, woonplaats): De ouders hebben (nog) geen toestemming gegeven" in privacy
    sw.screenshot("journey2-gezin-sociaal-werker-zonder-toestemming")


def test_consent_withdrawn_hides_the_family_from_the_social_worker(as_user):
    vk = as_user("vk.bos")
    page = vk.page
    family_id = register_family(vk, parent="Noa Metzorg", consent=KERNTEAM)
    add_to_core_team(vk, "Daan Mulder", "Sociaal werker")

    sw = as_user("sw.mulder")
    sw.goto(f"/gezinnen/{family_id}")
    html = sw.html()
    assert "Noa Metzorg" in html and "Geldzorgen en eerdere depressie" in html  # NAW and verwijzingen: consented
    privacy = sw.page.locator("#privacy").inner_text()
    assert "Overleg met derden: De ouders hebben (nog) geen toestemming gegeven" in privacy  # not in the preset
    assert "Medicatie: Deze gegevens zijn niet nodig voor uw rol" in privacy
    sw.screenshot("journey4-gezin-sociaal-werker-met-toestemming")

    # the parents withdraw their consent; the verloskundige records it
    vk.goto(f"/gezinnen/{family_id}")
    for _ in range(5):
        active = page.locator("#toestemming .consent").filter(has=page.locator("summary", has_text="Intrekken"))
        if not active.count():
            break
        withdraw = details(active.first, "Intrekken")
        withdraw.get_by_label("Reden of verzoek van").fill("Op verzoek van moeder (telefonisch)")
        vk.submit(withdraw.get_by_role("button", name="Toestemming intrekken"), expect_status=200)
        assert "De toestemming is ingetrokken." in vk.flash()
    assert page.locator("#toestemming").get_by_text("Ingetrokken", exact=True).count() == 3
    vk.screenshot("journey4-toestemming-ingetrokken")

    sw.goto(f"/gezinnen/{family_id}")
    html = sw.html()
    assert "Noa Metzorg" not in html
    for value in FAMILY_DETAILS:
        assert value not in html, f"withheld data in the page source: {value}"
    assert "afgeschermd" in html
    assert "De ouders hebben hun toestemming ingetrokken" in sw.page.locator("#privacy").inner_text()
    sw.screenshot("journey4-gezin-sociaal-werker-na-intrekken")
