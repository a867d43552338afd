"""Journey 1: a jeugdverpleegkundige registers a family, meets the handover term and closes it;
and the aanmelding form completed with the keyboard only."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from e2e_support import KERNTEAM, details, register_family, workday_date

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _referral_day_at_risk():
    """A referral day (some working days ago) whose handover term ends tomorrow or today:
    the handover is 'risico' now, so it shows in Mijn signalen until the intake is held."""
    from igp import clock
    from igp.admin.services import find_poli, handover_term, work_calendar
    from igp.handover import rules
    from igp.handover.services import risk_workdays

    calendar = work_calendar()
    today = clock.today()
    term = handover_term(find_poli("mamaplus"))
    for back in range(term - 1, 0, -1):
        day = calendar.add_workdays(today, -back)
        deadline = rules.deadline_for(day, term, calendar)
        if rules.signal(deadline, today, calendar, risk_workdays()) == "risico":
            return day, deadline
    pytest.fail("no referral day gives a 'risico' handover today")


def test_jeugdverpleegkundige_registers_and_completes_the_warm_handover(as_user, lookup):
    referral_day, deadline = lookup(_referral_day_at_risk)
    referred_at = datetime.combine(referral_day, datetime.min.time()).replace(hour=9, minute=15)

    jvk = as_user("jvk.smit")  # signs in with password and TOTP code
    page = jvk.page
    assert "Welkom, Lotte Smit" in page.content()

    family_id = register_family(jvk, parent="Romy Achterberg", consent=KERNTEAM, referred_at=referred_at)
    heading = page.get_by_role("heading", level=1).inner_text()
    pseudonym = heading.split()[1]
    assert "Romy Achterberg" in heading
    handover = page.locator("#overdracht")
    assert f"uiterlijk {workday_date(deadline)}" in handover.inner_text()
    assert "Risico" in handover.inner_text()
    assert "Actief" in page.locator("#toestemming").inner_text()  # the consent preset was recorded

    jvk.goto("/signalen")
    signals = page.get_by_role("region", name="Warme overdracht")
    assert pseudonym in signals.inner_text(), "the handover at risk is missing from Mijn signalen"

    # plan the intake ...
    jvk.goto(f"/gezinnen/{family_id}")
    now = datetime.now(AMSTERDAM).replace(second=0, microsecond=0, tzinfo=None)  # the form takes local time
    moment = max(now - timedelta(minutes=30), referred_at + timedelta(hours=1))
    form = details(page, "Intake plannen of vastleggen")
    form.get_by_label("Soort intake").select_option(label="Gezamenlijk (zorg en sociaal in één gesprek)")
    form.get_by_label("Locatie").select_option(label="Consultatiebureau")
    form.get_by_label("Gepland op").fill(moment.strftime("%Y-%m-%dT%H:%M"))
    jvk.submit(form.get_by_role("button", name="Intake opslaan"), expect_status=200)
    assert "De intake is bijgewerkt." in jvk.flash()
    assert "Intake gepland" in page.locator("#overdracht").inner_text()

    # ... and record it as held
    form = details(page, "Intake plannen of vastleggen")
    form.get_by_label("Gehouden op").fill(moment.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Verslag").fill("Kennismaking met moeder; hulpvraag rond geldzorgen besproken.")
    form.get_by_label("Uitkomst").select_option(label="Actief, met een plan")
    form.get_by_label("Plan bij de intake", exact=False).fill("Wekelijks contact; schuldhulp aanvragen.")
    jvk.submit(form.get_by_role("button", name="Intake opslaan"), expect_status=200)
    assert "De intake is bijgewerkt." in jvk.flash()
    intake = page.locator("#intake").inner_text()
    assert "Kennismaking met moeder" in intake and "Actief, met een plan" in intake
    handover_text = page.locator("#overdracht").inner_text()
    assert "Intake gehouden" in handover_text
    assert "Termijn gehaald\nja" in handover_text or "Termijn gehaald ja" in handover_text.replace("\t", " ")

    # feedback to the referrer completes the handover
    feedback = details(page, "Terugkoppeling vastleggen")
    feedback.get_by_label("Aan wie").select_option(label="Verwijzer")
    feedback.get_by_label("Hoe").select_option(label="Telefonisch")
    jvk.submit(feedback.get_by_role("button", name="Terugkoppeling opslaan"), expect_status=200)
    assert "De terugkoppeling is vastgelegd." in jvk.flash()
    assert "verwijzer: Telefonisch" in page.locator("#overdracht").inner_text()
    assert "afgerond" in page.locator("#overdracht").inner_text()
    jvk.screenshot("journey1-gezin-na-intake")

    jvk.goto("/signalen")
    assert pseudonym not in page.get_by_role("region", name="Warme overdracht").inner_text()
    jvk.screenshot("journey1-mijn-signalen")


def _focused(page) -> dict:
    return page.evaluate("""async () => {
        await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '', text: (el.innerText || '').trim(),
                visible: el.matches(':focus-within') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
    }""")


def _tab_to(page, target_id: str, limit: int = 80) -> None:
    """Press Tab until the field with this id has the focus, checking each stop shows it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = _focused(page)
        assert focus["visible"], f"no visible focus on {focus}"
        if focus["id"] == target_id:
            return
    pytest.fail(f"Tab never reached #{target_id}")


def _type_date(page, field_id: str, value: date) -> None:
    """Type a date into the focused date field. The order of its parts follows the browser's
    language (dd-mm-jjjj in Dutch; Debian's Chromium without language packs shows mm/dd/yyyy):
    try the Dutch order, and if the field did not take it, go back to the first part and type
    the other order."""
    for order in ("%d%m%Y", "%m%d%Y"):
        page.keyboard.type(value.strftime(order))
        if page.evaluate("id => document.getElementById(id).value", field_id) == value.isoformat():
            return
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
    pytest.fail(f"the date field #{field_id} did not take {value}")


def test_aanmelding_with_the_keyboard_only(as_user):
    jvk = as_user("jvk.smit")
    page = jvk.page
    jvk.goto("/gezinnen/aanmelden")
    page.keyboard.press("Tab")  # the skip link comes first
    assert _focused(page)["text"] == "Direct naar de inhoud" and _focused(page)["visible"]

    def type_into(field_id: str, text: str) -> None:
        _tab_to(page, field_id)
        page.keyboard.type(text)

    _tab_to(page, "poli")
    page.keyboard.type("Mama")                   # type-ahead in the select: MamaPlusPoli
    _tab_to(page, "phase-0")                     # 'Zwangerschap (prenataal)' is chosen by default
    page.keyboard.press("Space")
    _tab_to(page, "referrer_type")
    page.keyboard.type("Huisarts")
    type_into("referrer_name", "Huisarts Kramer")
    type_into("reason", "Zorgen om huisvesting en het netwerk van het gezin.")
    type_into("parent1_name", "Kim Toetsenbord")
    _tab_to(page, "expected_due_date")
    _type_date(page, "expected_due_date", date(2027, 5, 15))
    _tab_to(page, "vulnerabilities-1")           # Huisvesting
    page.keyboard.press("Space")
    _tab_to(page, "vulnerabilities-8")           # Klein of ontbrekend netwerk
    page.keyboard.press("Space")
    _tab_to(page, "medical_reasons-6")           # Psychiatrische problematiek
    page.keyboard.press("Space")
    _tab_to(page, "consent_preset")
    page.keyboard.type("Kernteam")

    values = page.evaluate("""() => ({poli: document.getElementById('poli').value,
        due: document.getElementById('expected_due_date').value,
        consent: document.getElementById('consent_preset').value,
        vulnerabilities: [...document.querySelectorAll('input[name=vulnerabilities]:checked')].map(e => e.value),
        medical: [...document.querySelectorAll('input[name=medical_reasons]:checked')].map(e => e.value)})""")
    assert values == {"poli": "mamaplus", "due": "2027-05-15", "consent": "kernteam",
                      "vulnerabilities": ["huisvesting", "netwerk"], "medical": ["psychiatrie"]}, values

    for _ in range(40):                          # on to the submit button
        page.keyboard.press("Tab")
        focus = _focused(page)
        assert focus["visible"], f"no visible focus on {focus}"
        if focus["tag"] == "button" and focus["text"] == "Aanmelding opslaan":
            break
    else:
        pytest.fail("Tab never reached 'Aanmelding opslaan'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    jvk.check_accessibility()
    assert "Gezin" in page.get_by_role("heading", level=1).inner_text()
    assert "Kim Toetsenbord" in page.get_by_role("heading", level=1).inner_text()
    assert "is aangemeld" in jvk.flash()
    jvk.family_id()
    jvk.screenshot("keyboard-aanmelding-gezin")
