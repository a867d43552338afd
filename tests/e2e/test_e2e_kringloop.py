"""Journey (issue 18, "from intake to exit"): a gynaecoloog registers a family; the coordinating
nurse records the intake and writes the gezinsplan (a wrong evaluation date first); the MDO chair
discusses the family and records an outcome; the nurse feeds the outcome back to the referrer, who
sees it under 'Mijn aanmeldingen'; the family leaves with a warm handover outward that is
completed, and the exit is fed back too. Every page is checked with axe."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from e2e_support import KERNTEAM, details, register_family

pytestmark = pytest.mark.e2e

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HULPVRAAG = "We willen rust in ons hoofd over het geld, zodat we er voor de baby kunnen zijn."
GOAL = "De schulden staan op een rij en er is een regeling"
OUTCOME = "Doorverwijzen naar schuldhulpverlening van de gemeente."


def _coordinator_username(family_id: int) -> str:
    from igp.extensions import db
    from igp.families.models import Family

    return db.session.get(Family, family_id).coordinator.username


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _feedback(session, about: str, method: str, note: str | None = None, outcome: str | None = None) -> None:
    page = session.page
    form = details(page.locator("#terugkoppeling"), "Terugkoppeling vastleggen")
    form.get_by_label("Waarover").select_option(label=about)
    if outcome:
        form.get_by_label("Uitkomst van het MDO").select_option(label=outcome)
    form.get_by_label("Aan wie").select_option(label="Verwijzer")
    form.get_by_label("Hoe").select_option(label=method)
    if note:
        form.get_by_label("Toelichting").fill(note)
    session.submit(form.get_by_role("button", name="Terugkoppeling opslaan"), expect_status=200)
    assert "De terugkoppeling is vastgelegd." in session.flash(), session.flash()


def _plan_form(page):
    return page.locator("form").filter(has=page.get_by_role("button", name="Opslaan als nieuwe revisie"))


def test_from_intake_to_exit(as_user, lookup):
    now = datetime.now(AMSTERDAM).replace(second=0, microsecond=0, tzinfo=None)   # the forms take local time
    referred_at = now - timedelta(days=1)

    # 1. the gynaecoloog registers the family
    gyn = as_user("gyn.dekker")
    family_id = register_family(gyn, parent="Sanne Kringloop", consent=KERNTEAM, referred_at=referred_at)
    pseudonym = gyn.page.get_by_role("heading", level=1).inner_text().split()[1]

    # 2. the coordinating nurse records the intake and feeds it back to the referrer
    nurse = as_user(lookup(_coordinator_username, family_id))
    page = nurse.page
    nurse.goto(f"/gezinnen/{family_id}")
    held = max(now - timedelta(hours=3), referred_at + timedelta(hours=1))
    form = details(page, "Intake plannen of vastleggen")
    form.get_by_label("Soort intake").select_option(label="Gezamenlijk (zorg en sociaal in één gesprek)")
    form.get_by_label("Locatie").select_option(label="Thuis")
    form.get_by_label("Gepland op").fill(_local(held))
    form.get_by_label("Gehouden op").fill(_local(held))
    form.get_by_label("Verslag").fill("Kennismaking thuis; geldzorgen en weinig steun besproken.")
    form.get_by_label("Uitkomst").select_option(label="Actief, met een plan")
    nurse.submit(form.get_by_role("button", name="Intake opslaan"), expect_status=200)
    assert "De intake is bijgewerkt." in nurse.flash()
    _feedback(nurse, "Intake", "Telefonisch", note="Intake gehouden; gezin doet mee.")
    assert "verwijzer: Telefonisch" in page.locator("#overdracht").inner_text()   # the handover's feedback too

    # 3. the gezinsplan: first an evaluation date before the start date, then corrected
    nurse.follow(page.locator("#gezinsplan").get_by_role("link", name="Gezinsplan opstellen"))
    assert page.get_by_role("heading", level=1).inner_text() == "Gezinsplan"
    today = now.date()
    form = _plan_form(page)
    form.get_by_label("Hulpvraag in de woorden van de ouders").fill(HULPVRAAG)
    form.get_by_label("Startdatum").fill(today.isoformat())
    form.get_by_label("Evaluatiedatum").fill((today - timedelta(days=1)).isoformat())
    goal = form.get_by_role("group", name="Doel 1")
    goal.get_by_label("Wat willen we bereiken").fill(GOAL)
    goal.get_by_label("Wie", exact=True).fill("Moeder, met de maatschappelijk werker")
    goal.get_by_label("Wanneer", exact=True).fill((today + timedelta(days=60)).isoformat())
    referral = form.get_by_role("group", name="Doorverwijzing 1")
    referral.get_by_label("Naar (organisatie of hulp)").fill("Schuldhulpverlening gemeente")
    referral.get_by_label("Status", exact=True).select_option(label="Aangevraagd")
    nurse.submit(form.get_by_role("button", name="Opslaan als nieuwe revisie"), expect_status=422)
    summary = page.locator(".error-summary")
    message = "De evaluatiedatum ligt vóór de startdatum van het plan."
    link = summary.get_by_role("link", name=message)
    assert link.get_attribute("href") == "#p-evaluation-date", summary.inner_html()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")   # read out first
    link.click()                                                                        # and leads to the field
    assert page.evaluate("document.activeElement.id") == "p-evaluation-date"
    form = _plan_form(page)
    evaluation = form.get_by_label("Evaluatiedatum")
    assert evaluation.get_attribute("aria-invalid") == "true"
    assert message in form.locator(".field.has-error").inner_text()
    assert form.get_by_label("Hulpvraag in de woorden van de ouders").input_value() == HULPVRAAG   # nothing lost
    goal = form.get_by_role("group", name="Doel 1")
    assert goal.get_by_label("Wat willen we bereiken").input_value() == GOAL
    assert goal.get_by_label("Wie", exact=True).input_value() == "Moeder, met de maatschappelijk werker"
    assert form.get_by_role("group", name="Doorverwijzing 1").get_by_label("Naar (organisatie of hulp)") \
        .input_value() == "Schuldhulpverlening gemeente"
    evaluation.fill((today + timedelta(days=90)).isoformat())
    nurse.submit(form.get_by_role("button", name="Opslaan als nieuwe revisie"), expect_status=200)
    assert "Het gezinsplan is opgeslagen (revisie 1)." in nurse.flash()
    shown = page.locator("main").inner_text()
    assert HULPVRAAG in shown and GOAL in shown and "Aangevraagd" in shown

    # the referral starts and the goal is reached: a second revision
    form = _plan_form(page)
    form.get_by_role("group", name="Doorverwijzing 1").get_by_label("Status", exact=True).select_option(label="Gestart")
    nurse.submit(form.get_by_role("button", name="Opslaan als nieuwe revisie"), expect_status=200)
    assert "Het gezinsplan is opgeslagen (revisie 2)." in nurse.flash()
    referrals = page.get_by_role("table").filter(has_text="Schuldhulpverlening gemeente").inner_text()
    assert "Gestart" in referrals and "Aangevraagd op" in referrals
    form = _plan_form(page)
    form.get_by_role("group", name="Doel 1").get_by_label("Stand van het doel").select_option(label="Bereikt")
    nurse.submit(form.get_by_role("button", name="Opslaan als nieuwe revisie"), expect_status=200)
    assert "Het gezinsplan is opgeslagen (revisie 3)." in nurse.flash()
    goals = page.get_by_role("table").filter(has_text=GOAL).inner_text()
    assert "Bereikt" in goals
    nurse.screenshot("journey-kringloop-gezinsplan")
    nurse.follow(page.get_by_role("link", name="Versie voor de ouders (afdrukken)"))
    printed = page.locator("main").inner_text()
    assert HULPVRAAG in printed and "De hulp is begonnen." in printed and "Dit doel is bereikt." in printed
    nurse.goto(f"/gezinnen/{family_id}")
    assert "Revisie 3" in page.locator("#gezinsplan").inner_text()

    # who else sees the plan: the planner not (not needed for her role), a social worker outside the
    # family's core team not at all; the referrer reads it but cannot change it
    planner = as_user("planner.kok")
    planner.goto(f"/gezinnen/{family_id}/plan")
    assert "Het gezinsplan is afgeschermd: niet nodig voor uw rol." in planner.page.locator("main").inner_text()
    assert not planner.page.get_by_role("button", name="Opslaan als nieuwe revisie").count()
    as_user("sw.mulder").goto(f"/gezinnen/{family_id}/plan", expect_status=404)
    gyn.goto(f"/gezinnen/{family_id}/plan")
    assert HULPVRAAG in gyn.page.locator("main").inner_text()
    assert not gyn.page.get_by_role("button", name="Opslaan als nieuwe revisie").count()

    # 4. the nurse asks the MDO; the chair holds it (earlier today) and records an outcome
    ask = details(page.locator("#mdo"), "Bespreken in het MDO")
    ask.get_by_label("Vraag aan het MDO").fill("Wie helpt het gezin met de schulden?")
    nurse.submit(ask.get_by_role("button", name="Aanvragen"), expect_status=200)
    chair = as_user("mdo.dejong")
    page = chair.page
    chair.goto("/mdo/nieuw")
    starts = max(now - timedelta(hours=2), held + timedelta(minutes=30))
    page.get_by_label("Poli").select_option(label="MamaPlusPoli")
    page.get_by_label("Begint om").fill(_local(starts))
    page.get_by_label("Plaats").fill("Ziekenhuis, kamer 3")
    for domain in ("Zorg (ziekenhuis en verloskunde)", "Jeugdgezondheidszorg (JGZ)", "Sociaal domein"):
        page.get_by_label(domain, exact=True).check()
    chair.submit(page.get_by_role("button", name="Plannen"), expect_status=200)
    head = page.locator(".page-head").inner_text()   # nobody marked present yet: no quorum, said in words
    assert "Geen quorum: ontbreekt domein Zorg (ziekenhuis en verloskunde), Jeugdgezondheidszorg (JGZ), " \
           "Sociaal domein." in head, head
    add = details(page, "Gezin toevoegen")
    add.get_by_label("Pseudoniem van het gezin").fill(pseudonym)
    add.get_by_label("Vraag aan het MDO").fill("Wie helpt het gezin met de schulden?")
    chair.submit(add.get_by_role("button", name="Toevoegen"), expect_status=200)
    assert "Het gezin staat op de agenda." in chair.flash(), chair.flash()
    item = page.locator("article.agenda-item").filter(has_text=pseudonym)
    outcome = details(item, "Uitkomst vastleggen")
    outcome.get_by_label("Soort").select_option(label="Doorverwijzing")
    outcome.get_by_label("Omschrijving").fill(OUTCOME)
    outcome.get_by_label("Doorverwijzing naar (bij doorverwijzing)").select_option(label="Welzijn")
    chair.submit(outcome.get_by_role("button", name="Uitkomst opslaan"), expect_status=200)
    assert "De uitkomst is vastgelegd." in chair.flash(), chair.flash()
    assert OUTCOME in page.locator("article.agenda-item").filter(has_text=pseudonym).inner_text()
    # the minutes are finalised (so this meeting is no longer the chair's 'next MDO')
    chair.submit(page.get_by_role("button", name="Verslag vaststellen"), expect_status=200)
    confirmation = page.get_by_role("region", name="Verslag definitief maken?")
    assert "Alle agendapunten hebben een uitkomst." in confirmation.inner_text()
    chair.submit(confirmation.get_by_role("button", name="Definitief maken"), expect_status=200)
    assert "Het verslag is vastgesteld" in chair.flash(), chair.flash()

    # 5. the nurse feeds the MDO outcome back to the referrer; dated before the MDO first (a typing error)
    page = nurse.page
    nurse.goto(f"/gezinnen/{family_id}")
    assert OUTCOME in page.locator("#mdo").inner_text()
    mdo_outcome = f"MDO van {starts.strftime('%d-%m-%Y')}: Doorverwijzing"
    form = details(page.locator("#terugkoppeling"), "Terugkoppeling vastleggen")
    form.get_by_label("Waarover").select_option(label="Uitkomst van het MDO")
    form.get_by_label("Uitkomst van het MDO").select_option(label=mdo_outcome)
    form.get_by_label("Aan wie").select_option(label="Verwijzer")
    form.get_by_label("Hoe").select_option(label="Beveiligde e-mail")
    form.get_by_label("Moment").fill(_local(starts - timedelta(days=1)))
    form.get_by_label("Toelichting").fill("Het MDO verwijst door naar schuldhulp.")
    nurse.submit(form.get_by_role("button", name="Terugkoppeling opslaan"), expect_status=422)
    section = page.locator("#terugkoppeling")
    summary = section.locator(".error-summary")
    assert summary.get_by_role("link").first.get_attribute("href") == "#ff-at", summary.inner_html()
    moment = section.get_by_label("Moment")
    assert moment.get_attribute("aria-invalid") == "true"
    assert "vóór het MDO" in section.locator(".field.has-error").inner_text()
    assert section.get_by_label("Toelichting").input_value() == "Het MDO verwijst door naar schuldhulp."
    assert section.get_by_label("Hoe").input_value() == "beveiligde_mail"
    moment.fill("")
    nurse.submit(section.get_by_role("button", name="Terugkoppeling opslaan"), expect_status=200)
    assert "De terugkoppeling is vastgelegd." in nurse.flash(), nurse.flash()
    timeline = page.locator("#terugkoppeling").inner_text()
    assert f"(MDO van {starts.strftime('%d-%m-%Y')})" in timeline and "aan verwijzer" in timeline

    # 6. the referrer sees the family's course and the feedback under 'Mijn aanmeldingen'
    page = gyn.page
    gyn.follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn aanmeldingen"))
    row = page.locator("tbody tr").filter(has_text=pseudonym)
    assert row.count() == 1, page.locator("main").inner_text()
    text = row.inner_text()
    assert "Sanne Kringloop" in text and "MamaPlusPoli" in text
    assert "Intake" in text and "Uitkomst van het MDO" in text
    gyn.screenshot("journey-kringloop-mijn-aanmeldingen")
    gyn.follow(row.get_by_role("link", name=pseudonym))
    assert page.url.endswith(f"/gezinnen/{family_id}#terugkoppeling")

    # 7. the family leaves with a warm handover outward; the exit is fed back as well. The planner,
    # who may not let a family leave, is not offered the form.
    planner.goto(f"/gezinnen/{family_id}")
    assert not planner.page.locator("#uitstroom summary", has_text="Gezin laten uitstromen").count()
    page = nurse.page
    nurse.goto(f"/gezinnen/{family_id}")
    form = details(page.locator("#uitstroom"), "Gezin laten uitstromen")
    form.get_by_label("Reden").select_option(label="Doelen bereikt")
    form.get_by_label("Naam ontvangende organisatie").fill("JGZ Centrum")   # the target itself forgotten
    nurse.submit(form.get_by_role("button", name="Uitstroom vastleggen"), expect_status=422)
    section = page.locator("#uitstroom")
    target = section.get_by_label("Warme overdracht naar")
    assert target.get_attribute("aria-invalid") == "true"
    assert "Kies naar wie het gezin warm wordt overgedragen." in section.locator(".field.has-error").inner_text()
    assert section.locator(".error-summary a").first.get_attribute("href") == "#exit-target"
    assert section.get_by_label("Reden").input_value() == "doelen_bereikt"                 # nothing chosen is lost
    assert section.get_by_label("Naam ontvangende organisatie").input_value() == "JGZ Centrum"
    target.select_option(label="Reguliere JGZ")
    nurse.submit(section.get_by_role("button", name="Uitstroom vastleggen"), expect_status=200)
    assert "Het gezin is uitgestroomd." in nurse.flash(), nurse.flash()
    assert not page.locator("#mdo summary", has_text="Bespreken in het MDO").count()   # no MDO after leaving
    for step in ("Overdracht aangeboden", "Overdracht afgerond"):
        form = details(page.locator("#overdracht"), "Stap van de overdracht bij uitstroom vastleggen")
        form.get_by_label("Stap", exact=True).select_option(label=step)
        nurse.submit(form.get_by_role("button", name="Stap opslaan"), expect_status=200)
        assert "De warme overdracht is bijgewerkt." in nurse.flash(), nurse.flash()
    assert "Overdracht afgerond" in page.locator("#overdracht").inner_text()
    _feedback(nurse, "Uitstroom", "Brief", note="Gezin uitgestroomd; JGZ Centrum neemt het over.")
    nurse.goto("/overdrachten")
    card = page.get_by_role("region", name="Overdracht afgerond").locator("li").filter(has_text=pseudonym)
    assert "terugkoppeling verwijzer ontbreekt" not in card.inner_text()   # the exit's feedback counts
    nurse.screenshot("journey-kringloop-uitgestroomd")

    page = gyn.page
    gyn.goto("/mijn-aanmeldingen")
    text = page.locator("tbody tr").filter(has_text=pseudonym).inner_text()
    assert "Uitgestroomd" in text and "Uitstroom" in text
    for session in (gyn, nurse, chair, planner):
        session.verify_clean()
