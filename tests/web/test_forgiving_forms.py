"""Forms that forgive, on the family page (issue 19): the intake form prefilled from the planned
intake; a refused form shows a summary at the top of the page linking to its fields, opens the
form and keeps what was typed (422); a role that may not use a form does not see it, and a forced
POST keeps the text with a Dutch reason instead of the bare "Geen toegang" page; a success redirects."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from igp.coordination import services as coordination
from igp.extensions import db
from igp.families import page_forms
from igp.families import rules as family_rules
from igp.families.models import Family, FamilyNote
from igp.sharing import services as sharing
from tests.conftest import csrf_token

SUMMARY = re.compile(r'<div class="error-summary" role="alert" tabindex="-1" id="foutmelding">(.*?)</div>', re.S)


@pytest.fixture
def family(network, register):
    """A hospital family with the kernteam consent; the nurse coordinates, the volunteer is in the team."""
    family = register(network.gyn, consent={"preset": "kernteam", "method": "schriftelijk"})
    sharing.record_preset(network.gyn, family.id, "informele_steun", method="schriftelijk")
    if db.session.get(Family, family.id).coordinator_id is None:
        coordination.assign_coordinator(network.gyn, family.id, {"user_id": network.jvk.id})
    coordination.add_core_member(network.gyn, family.id, {"user_id": network.vrijwilliger.id,
                                                          "case_role": "informele_steun"})
    db.session.commit()
    return db.session.get(Family, family.id)


def _summary(text: str) -> str:
    """The error summary at the top: before the first section of the page."""
    match = SUMMARY.search(text)
    assert match, "no error summary at the top of the page"
    assert match.start() < text.index('<section id="aanspreekpunt"'), "the summary is not at the top"
    return match.group(1)


BROWSER_INTAKE = {"intake-outcome": "", "intake-missed_reason": "", "intake-exit_target": ""}   # empty selects


def _post(client, path, family, data):
    token = csrf_token(client, f"/gezinnen/{family.id}")
    if path == "intake":
        data = dict(BROWSER_INTAKE, **data)
    return client.post(f"/gezinnen/{family.id}/{path}", data=dict(data, csrf_token=token))


def _assert_forgiving(response, family, *, field_ids, kept, anchor, opened_summary):
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text[:500]
    summary = _summary(text)
    for fid in field_ids:
        assert f'href="#{fid}"' in summary, (fid, summary)
        assert f'id="{fid}"' in text, f"the summary links to #{fid}, which is not on the page"
    for value in kept:
        assert html.escape(value, quote=True) in text or value in text, f"typed value {value!r} was lost"
    # the browser's address becomes the family page at the form (app.js), a refresh re-sends nothing
    assert f'<link rel="canonical" href="/gezinnen/{family.id}#{anchor}" data-replace-url>' in text
    # the refused form is open
    position = text.index(f"<summary>{opened_summary}", text.index(f'id="{anchor}"'))
    assert text[text.rindex("<details", 0, position):position].startswith("<details open"), opened_summary
    return text


def test_the_intake_form_is_prefilled_from_the_planned_intake(network, family, login, client):
    login(network.jvk)
    planned = _post(client, "intake", family, {
        "intake-type": "gezamenlijk", "intake-location": "thuis", "intake-planned_at": "2026-11-23T14:30",
        "intake-participants": [str(network.jvk.id), str(network.sw.id)]})
    assert planned.status_code == 302, re.findall(r"<li><a href=\"#[^<]*<", planned.get_data(as_text=True))
    text = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    form = text[text.index('action="/gezinnen/%d/intake"' % family.id):]
    form = form[:form.index("</form>")]
    assert re.search(r'<option selected value="gezamenlijk">|<option value="gezamenlijk" selected>', form), form
    assert re.search(r'<option selected value="thuis">|<option value="thuis" selected>', form)
    assert 'value="2026-11-23T14:30"' in form
    for user in (network.jvk, network.sw):
        assert re.search(rf'<input checked[^>]*value="{user.id}"|value="{user.id}"[^>]*checked', form), user.name
    # recording it as held needs only the outcome and the report (type, location, participants kept)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    fields = dict(re.findall(r'<input[^>]*name="(intake-(?:planned_at))"[^>]*value="([^"]*)"', form))
    held = client.post(f"/gezinnen/{family.id}/intake", data={
        "csrf_token": token, **BROWSER_INTAKE, "intake-type": "gezamenlijk", "intake-location": "thuis",
        "intake-participants": [str(network.jvk.id), str(network.sw.id)], **fields,
        "intake-held_at": "2026-11-23T14:30", "intake-outcome": "actief", "intake-report": "Goed gesprek."})
    assert held.status_code == 302, re.findall(r"<li><a href=\"#[^<]*<", held.get_data(as_text=True))
    db.session.expire_all()
    intake = db.session.get(Family, family.id).intakes[-1]
    assert intake.intake_type == "gezamenlijk" and intake.location == "thuis" and intake.held_at is not None
    assert {p.user_id for p in intake.participants} == {network.jvk.id, network.sw.id}


def test_an_intake_without_the_empty_selects_is_not_refused_in_english(network, family, login, client):
    """A select not sent is "no choice", named by the service in Dutch if it matters, never WTForms' English."""
    login(network.jvk)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    response = client.post(f"/gezinnen/{family.id}/intake", data={
        "csrf_token": token, "intake-type": "gezamenlijk", "intake-planned_at": "2026-11-23T14:30"})
    assert response.status_code == 302, re.findall(r'<li><a href="#[^<]*<', response.get_data(as_text=True))
    wrong = _post(client, "intake", family, {"intake-outcome": "verzonnen", "intake-held_at": "2026-11-23T15:00"})
    assert wrong.status_code == 422 and "Not a valid choice" not in wrong.get_data(as_text=True)
    assert 'href="#intake-outcome"' in _summary(wrong.get_data(as_text=True))


def test_a_bad_intake_shows_the_summary_at_the_top_and_keeps_every_value(network, family, login, client):
    login(network.jvk)
    response = _post(client, "intake", family, {
        "intake-type": "gefaseerd", "intake-location": "thuis", "intake-held_at": "2026-11-23T15:00",
        "intake-participants": [str(network.sw.id)], "intake-report": "Verslag dat niet verloren mag gaan",
        "intake-outcome": "doorverwezen", "intake-plan": "Plan met de ouders"})
    text = _assert_forgiving(response, family, field_ids=["intake-exit_target"], anchor="intake",
                             kept=["Verslag dat niet verloren mag gaan", "Plan met de ouders", 'value="2026-11-23T15:00"'],
                             opened_summary="Intake plannen of vastleggen")
    assert re.search(r'<option selected value="doorverwezen">|<option value="doorverwezen" selected>', text)
    assert re.search(r'<option selected value="gefaseerd">|<option value="gefaseerd" selected>', text)
    assert 'class="error"' in text[text.index('<section id="intake"'):]   # and next to the field


# form path, posted data, ids the summary links to, values kept, anchor, the form's summary text
FORMS = [
    ("aantekening", {"note-category": "consultverslagen", "note-text": "   "}, ["note-text"], [],
     "aantekeningen", "Aantekening toevoegen"),
    ("gegevens", {"version": "{version}", "p1_name": "Nieuwe Naam Typed", "p1_birth_date": "2030-01-01",
                  "p1_city": "Getypte Stad"}, ["e-p1-birth"], ["Nieuwe Naam Typed", "Getypte Stad"],
     "gegevens", "Gegevens wijzigen"),
    ("coordinator", {"user_id": "{mmw}", "reason": "", "reason_text": "Mijn toelichting blijft"},
     ["assign-reason"], ["Mijn toelichting blijft"], "aanspreekpunt", "Coördinator wijzigen"),
    ("overdracht/stap", {"type": "schriftelijk_volstaat", "note": "", "contact_mode": "{mode}"},
     ["step-note"], ['<option value="{mode}" selected>'], "overdracht", "Stap vastleggen"),
    ("terugkoppeling", {"about": "aanmelding", "recipient": "verwijzer", "method": "telefoon",
                        "at": "2020-01-01T10:00", "note": "Getypte terugkoppeling"},
     ["ff-at"], ["Getypte terugkoppeling", 'value="2020-01-01T10:00"'], "terugkoppeling", "Terugkoppeling vastleggen"),
    ("toestemming", {"preset": "onbekend", "method": "schriftelijk", "form_version": "Versie getypt"},
     ["preset"], ['value="Versie getypt"'], "toestemming", "Toestemming vastleggen (voorkeuze)"),
    ("kernteam", {"user_id": "999999", "case_role": "mmw"}, ["team-user"], ['<option value="mmw" selected>'],
     "kernteam", "Professional toevoegen"),
    ("geboorte", {"version": "{version}", "c0_name": "Baby Getypt", "c0_birth_date": "niet-een-datum"},
     ["b0-birth_date"], ['value="Baby Getypt"', 'value="niet-een-datum"'], "geboorte", None),
    ("contactmoment", {"kind": "huisbezoek", "contact_on": "2030-01-01", "discipline": "jgz"},
     ["contact-on"], ['value="2030-01-01"'], "contactmomenten", None),
    ("uitstroom", {"reason": "doelen_bereikt", "target": "anders", "target_name": "", "note": "Uitstroom getypt"},
     ["exit-name"], ["Uitstroom getypt"], "uitstroom", "Gezin laten uitstromen"),
    ("mdo-bespreken", {"question": ""}, ["mdo-question"], [], "mdo", "Bespreken in het MDO"),
    ("knelpunt", {"kind": "onbekend", "description": "Knelpunt getypt"}, ["kp-kind"], ["Knelpunt getypt"],
     "uitstroom", "Knelpunt melden"),
]


@pytest.mark.parametrize(("path", "data", "field_ids", "kept", "anchor", "opened"), FORMS,
                         ids=[f[0] for f in FORMS])
def test_every_form_of_the_page_forgives(network, family, login, client, path, data, field_ids, kept, anchor,
                                         opened):
    user = network.jvk if path not in ("gegevens", "geboorte", "toestemming") else network.gyn
    login(user)
    fill = {"version": str(family.version), "mmw": str(network.mmw.id), "mode": "coordinator_met_gezin"}
    data = {k: v.format(**fill) if isinstance(v, str) else v for k, v in data.items()}
    kept = [v.format(**fill) for v in kept]
    response = _post(client, path, family, data)
    if response.status_code == 403:
        pytest.fail(f"{path}: refused for {user.username}: {response.get_data(as_text=True)[:300]}")
    if opened is None:   # a form that is open anyway on this page: the summary and the values suffice
        text = response.get_data(as_text=True)
        assert response.status_code == 422, text[:300]
        summary = _summary(text)
        for fid in field_ids:
            assert f'href="#{fid}"' in summary and f'id="{fid}"' in text
        for value in kept:
            assert value in text
        assert f'<link rel="canonical" href="/gezinnen/{family.id}#{anchor}" data-replace-url>' in text
    else:
        _assert_forgiving(response, family, field_ids=field_ids, kept=kept, anchor=anchor, opened_summary=opened)


def test_the_volunteer_sees_no_note_form_and_a_forced_note_keeps_her_text(network, family, login, client):
    login(network.vrijwilliger)
    page = client.get(f"/gezinnen/{family.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Aantekening toevoegen" not in text and f'action="/gezinnen/{family.id}/aantekening"' not in text
    assert "Intake plannen of vastleggen" not in text and "Knelpunt melden" not in text
    before = db.session.scalar(select(func.count()).select_from(FamilyNote))
    token = csrf_token(client, f"/gezinnen/{family.id}")
    forced = client.post(f"/gezinnen/{family.id}/aantekening", data={
        "csrf_token": token, "note-category": "consultverslagen", "note-text": "Mijn zorgvuldig getypte tekst"})
    body = forced.get_data(as_text=True)
    assert forced.status_code == 403
    assert "U hebt geen toegang tot deze pagina" not in body
    assert "Mijn zorgvuldig getypte tekst" in body
    assert "aantekeningen" in _summary(body).lower()   # a Dutch reason at the top of the page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FamilyNote)) == before


def test_a_role_refused_by_the_route_keeps_the_text_too(network, family, login, client):
    """The knelpunt form is not shown to the volunteer; posted anyway, the route refuses her role
    and the page comes back with her text instead of the bare page."""
    login(network.vrijwilliger)
    token = csrf_token(client, f"/gezinnen/{family.id}")
    forced = client.post(f"/gezinnen/{family.id}/knelpunt", data={
        "csrf_token": token, "kind": "overig", "description": "Knelpunt van de vrijwilliger"})
    body = forced.get_data(as_text=True)
    assert forced.status_code == 403
    assert "Knelpunt van de vrijwilliger" in body and "Uw rol mag dit formulier niet gebruiken" in _summary(body)


def test_the_note_form_offers_only_the_categories_the_reader_may_write():
    """The rule that decides the form is add_note's: a registering role, and the category writable."""
    writable = {"consultverslagen", "zorgplan"}.__contains__
    assert family_rules.note_categories({"jeugdverpleegkundige"}, writable) == ["consultverslagen", "zorgplan"]
    assert family_rules.note_categories({"informele_steun"}, lambda category: True) == []
    assert family_rules.note_categories({"mdo_voorzitter"}, lambda category: True) == []


def test_a_good_form_redirects_to_the_family_page(network, family, login, client):
    login(network.jvk)
    response = _post(client, "aantekening", family, {"note-category": "consultverslagen",
                                                     "note-text": "Een goede aantekening"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gezinnen/{family.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De aantekening is opgeslagen." in page and "Een goede aantekening" in page
    assert 'id="foutmelding"' not in page and 'rel="canonical"' not in page


def test_every_error_path_points_to_a_field_of_its_form():
    """The summary's links: nested paths (parents, children, exit actions), rows and WTForms prefixes."""
    assert page_forms.field_id("naw", "parents[1].birth_date") == "e-p2-birth"
    assert page_forms.field_id("birth", "children[1].birth_weight_grams") == "b1-birth_weight_grams"
    assert page_forms.field_id("sibling", "children[3].name") == "s-name"
    assert page_forms.field_id("exit", "actions[0].owner_id") == "exit-a0-owner_id"
    assert page_forms.field_id("withdraw12", "reason") == "withdraw-12"
    assert page_forms.field_id("intake", "report", prefix="intake-") == "intake-report"
    assert page_forms.field_id("intake", "participants", prefix="intake-") == "intake-participants-0"
    assert page_forms.field_id("team", "_") == "kernteam"   # a refusal naming no field: the form


def test_a_refused_consent_keeps_every_tick_and_names_the_field_next_to_it(network, family, login, client):
    """The messages stand next to their fields (tied by aria-describedby), every ticked category
    stays ticked and typed text comes back escaped (page_forms.Echo)."""
    login(network.gyn)
    response = _post(client, "toestemming", family, {
        "organisation_id": "", "domain": "", "categories": ["naw", "zorgplan"], "purpose": "mdo_bespreking",
        "given_at": "2026-11-30", "method": "schriftelijk", "form_version": 'Versie <b>"8"</b>'})
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text[:300]
    form = text[text.index('action="/gezinnen/%d/toestemming"' % family.id, text.index('id="c-org"') - 3000):]
    form = form[:form.index("</form>")]
    message = re.search(r'<p class="error" id="c-org-err">([^<]+)</p>', form)
    assert message and "ontvanger" in message.group(1).lower(), form[:1500]
    assert '<select id="c-org" name="organisation_id" aria-invalid="true" aria-describedby="c-org-err">' in form
    assert '<select id="c-purpose" name="purpose">' in form            # a field without an error: no marks
    ticked = set(re.findall(r'id="c-cat-(\w+)" name="categories" value="\w+" checked', form))
    assert ticked == {"naw", "zorgplan"}, ticked
    assert 'value="Versie &lt;b&gt;&#34;8&#34;&lt;/b&gt;"' in form
    assert '<option value="mdo_bespreking" selected>' in form
