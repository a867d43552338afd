"""Journey 3: the MDO chair runs the next MDO from proposal to finalised minutes (invitations in one
action, minutes for three families, an outcome refused and corrected with nothing lost, no finalising
before the start, the decision list and the minutes printed); the owner of
the action finds it under 'Mijn acties'."""
from __future__ import annotations

import re

import pytest
from e2e_support import details, workday_date

pytestmark = pytest.mark.e2e

ACTION_TEXT = "Aanvraag schuldhulpverlening samen met het gezin indienen."


def _items_and_due_date(meeting_id: int, item_ids: list[int], workdays: int):
    """The agenda item whose family shares MDO minutes with the social domain (so the social
    worker may read the action), and the due date of an action due in `workdays`."""
    from sqlalchemy import select

    from igp import clock
    from igp.admin.services import work_calendar
    from igp.extensions import db
    from igp.mdo.models import AgendaItem, MdoMeeting
    from igp.sharing.models import ConsentRecord

    meeting = db.session.get(MdoMeeting, meeting_id)
    due = work_calendar().add_workdays(clock.local_date(meeting.starts_at), workdays)
    for item_id in item_ids:
        item = db.session.get(AgendaItem, item_id)
        consents = db.session.scalars(select(ConsentRecord).where(
            ConsentRecord.family_id == item.family_id, ConsentRecord.recipient_domain == "sociaal",
            ConsentRecord.withdrawn_at.is_(None)))
        if any("mdo_notulen" in c.categories for c in consents):
            return item_id, item.family.pseudonym, due
    pytest.fail("no family on the agenda shares its MDO minutes with the social domain")


def _pseudonyms(item_ids: list[int]) -> list[str]:
    from igp.extensions import db
    from igp.mdo.models import AgendaItem

    return [db.session.get(AgendaItem, i).family.pseudonym for i in item_ids]


def _meeting_starts_now(meeting_id: int) -> None:
    """The demo's next MDO is days ahead (the server runs on the real clock): time passes until
    it begins, so that presence can be confirmed and the minutes finalised."""
    from datetime import timedelta

    from igp import clock
    from igp.extensions import db
    from igp.mdo.models import MdoMeeting

    db.session.get(MdoMeeting, meeting_id).starts_at = clock.now() - timedelta(minutes=1)
    db.session.commit()


def test_chair_runs_the_mdo_and_the_owner_sees_the_action(as_user, lookup):
    chair = as_user("mdo.dejong")
    page = chair.page
    chair.follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="MDO", exact=True))
    chair.follow(page.get_by_role("link", name="Volgend MDO openen"))
    meeting_id = int(re.search(r"/mdo/(\d+)", page.url).group(1))
    assert "MDO POP-poli" in page.get_by_role("heading", level=1).inner_text()

    proposal = page.get_by_role("region", name="Voorstel voor de agenda")
    proposed = proposal.locator("tbody tr").count()
    assert proposed > 0, "the proposal for the next MDO is empty"
    chair.submit(proposal.get_by_role("button", name="Voorstel overnemen"), expect_status=200)
    assert "Het voorstel is op de agenda gezet." in chair.flash()
    articles = page.locator("article.agenda-item")
    assert articles.count() == proposed

    # before the meeting: everyone invited in one action, no presence yet, no finalising
    attendance = page.locator("#aanwezigheid")
    chair.submit(attendance.get_by_role("button", name="Kernteam en coördinatoren uitnodigen"), expect_status=200)
    assert "uitgenodigd" in chair.flash()
    attendance = page.locator("#aanwezigheid")
    assert "Aanwezigheid bevestigt u vanaf het begin van het MDO" in attendance.inner_text()
    assert "Quorum bereikt." not in page.locator(".page-head").inner_text()
    assert not page.get_by_role("button", name="Verslag vaststellen").count()
    assert "Het verslag stelt u vast vanaf het begin van het MDO." in page.locator("main").inner_text()
    # and a finalise sent anyway (an old tab, a double click) is refused, the meeting left open
    token = page.locator("input[name=csrf_token]").first.input_value()
    early = page.request.post(chair.e2e.url(f"/mdo/{meeting_id}/vaststellen"), form={"csrf_token": token,
                                                                                     "confirm": "1"})
    assert early.status == 409 and "pas worden vastgesteld als het MDO begonnen is" in early.text()
    chair.goto(f"/mdo/{meeting_id}")
    assert "Afgerond" not in page.locator(".page-head").inner_text()

    lookup(_meeting_starts_now, meeting_id)
    chair.goto(f"/mdo/{meeting_id}")
    attendance = page.locator("#aanwezigheid")
    selects = attendance.get_by_role("combobox", name=re.compile(r"^Status "))
    for n in range(selects.count()):
        selects.nth(n).select_option(label="Aanwezig")
    chair.submit(attendance.get_by_role("button", name="Aanwezigheid opslaan"), expect_status=200)
    assert "De aanwezigheid is bijgewerkt." in chair.flash()
    assert "Quorum bereikt." in page.locator(".page-head").inner_text()

    item_ids = [int(a.get_attribute("id").removeprefix("punt-")) for a in articles.all()]
    chosen, pseudonym, due = lookup(_items_and_due_date, meeting_id, item_ids, 5)

    # minutes for three families, each item its own form: every saved text stays on the page
    assert len(item_ids) >= 3, "the demo's next MDO has fewer than three families on its agenda"
    others = [i for i in item_ids if i != chosen][:2]
    minutes = {chosen: "Moeder heeft schulden bij drie schuldeisers; wijkteam sluit aan.",
               others[0]: "Vader zoekt werk; de jeugdverpleegkundige bespreekt de kinderopvang.",
               others[1]: "Het gezin is verhuisd; de nieuwe huisarts is ingelicht."}
    for item_id, text in minutes.items():
        item = page.locator(f"#punt-{item_id}")
        item.get_by_label("Verslag").fill(text)
        chair.submit(item.get_by_role("button", name="Verslag opslaan"), expect_status=200)
        assert "Het verslag is opgeslagen." in chair.flash()
        for saved_id in list(minutes)[:list(minutes).index(item_id) + 1]:
            assert page.locator(f"#punt-{saved_id}").get_by_label("Verslag").input_value() == minutes[saved_id]

    item = page.locator(f"#punt-{chosen}")
    outcome = details(item, "Uitkomst vastleggen")
    outcome.get_by_label("Soort").select_option(label="Besluit")
    outcome.get_by_label("Omschrijving").fill("Gezin blijft in de IGP; het wijkteam sluit aan.")
    chair.submit(outcome.get_by_role("button", name="Uitkomst opslaan"), expect_status=200)
    assert "De uitkomst is vastgelegd." in chair.flash()

    item = page.locator(f"#punt-{chosen}")
    outcome = details(item, "Uitkomst vastleggen")
    outcome.get_by_label("Soort").select_option(label="Actie")
    outcome.get_by_label("Omschrijving").fill(ACTION_TEXT)
    outcome.get_by_label("of binnen ... werkdagen").fill("5")
    # no owner: refused; the form comes back open with what was typed, the summary links to the field
    chair.submit(outcome.get_by_role("button", name="Uitkomst opslaan"), expect_status=422)
    summary = page.locator(".error-summary")
    assert "Een actie heeft een eigenaar." in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == f"#owner-{chosen}"
    outcome = details(page.locator(f"#punt-{chosen}"), "Uitkomst vastleggen")
    assert outcome.get_by_label("Omschrijving").input_value() == ACTION_TEXT
    assert outcome.get_by_label("Soort").input_value() == "actie"
    assert outcome.get_by_label("of binnen ... werkdagen").input_value() == "5"
    outcome.get_by_label("Eigenaar (bij actie)").select_option(label="Daan Mulder")
    chair.submit(outcome.get_by_role("button", name="Uitkomst opslaan"), expect_status=200)
    assert "De uitkomst is vastgelegd." in chair.flash()
    item_text = page.locator(f"#punt-{chosen}").inner_text()
    assert "Besluit" in item_text and ACTION_TEXT in item_text
    assert f"eigenaar Daan Mulder, uiterlijk {due.strftime('%d-%m-%Y')}" in item_text

    for item_id in item_ids:
        if item_id == chosen or item_id in others:
            continue
        button = page.locator(f"#punt-{item_id}").get_by_role("button", name=re.compile(r"^Niet besproken"))
        chair.submit(button, expect_status=200)
        assert "Gemarkeerd als niet besproken" in chair.flash()
        assert "Niet besproken" in page.locator(f"#punt-{item_id} h3").inner_text()

    chair.submit(page.get_by_role("button", name="Verslag vaststellen"), expect_status=200)
    confirmation = page.get_by_role("region", name="Verslag definitief maken?")
    assert "Na het vaststellen kan het verslag niet meer worden gewijzigd." in confirmation.inner_text()
    listed = confirmation.get_by_role("listitem").all_inner_texts()   # the two items with minutes, no outcome
    assert len(listed) == 2 and all(any(p in line for line in listed) for p in lookup(_pseudonyms, others)), listed
    chair.submit(confirmation.get_by_role("button", name="Definitief maken"), expect_status=200)
    assert "Het verslag is vastgesteld" in chair.flash()
    assert "Afgerond" in page.locator(".page-head").inner_text()
    assert not page.get_by_role("button", name="Verslag vaststellen").count()
    chair.screenshot("journey3-mdo-vastgesteld")
    chair.follow(page.get_by_role("link", name="Besluitenlijst afdrukken"), expect_status=200)
    decisions = page.locator("article.printable").inner_text()
    assert ACTION_TEXT in decisions and "Daan Mulder" in decisions and due.strftime("%d-%m-%Y") in decisions
    assert "drie schuldeisers" not in decisions            # decisions only, not the minutes
    chair.goto(f"/mdo/{meeting_id}/notulen")
    printed = page.locator("article.printable").inner_text()
    assert all(text in printed for text in minutes.values()), printed

    owner = as_user("sw.mulder")
    owner.goto("/mdo/acties")
    row = owner.page.locator("tbody tr").filter(has_text=pseudonym)
    assert row.count() == 1, owner.page.locator("table").inner_text()
    row_text = row.inner_text()
    assert ACTION_TEXT in row_text
    assert workday_date(due) in row_text
    assert "Open" in row_text
    owner.screenshot("journey3-mijn-acties")
