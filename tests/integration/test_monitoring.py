"""Monitoring per the guide §7.2 on a fixture computed by hand: onward referrals by destination
from every source (MDO, intake, gezinsplan), informal support, contact moments, birth outcomes and
the experience of professionals; the dashboard, the CSV export, the printed report and the API
show the same suppressed value for every figure (threshold 3: counts 1 and 2 are "<3").

The fixture (POP-poli, November 2026; the clock stands at Tue 24-11-2026):
* births (index children): F1 30 wk 1400 g NICU; F2 twins 35 wk 2300 g and 2200 g neonatologie;
  F3 39 wk 3400 g no admission (+ a sibling, not counted); F4 40 wk 3600 g admission not recorded;
  F5 38 wk weight not recorded, no admission.
* MDO 24-11 doorverwijzing: GGZ for F1, F2 and F3, Jeugdzorg for F4.
* intake of F6 with outcome doorverwezen to the huisarts (an exit, reason "doorverwezen").
* gezinsplan F1: GGZ aangevraagd, Welzijn gestart; F2: GGZ op de wachtlijst.
* informal support: luisterend oor for F1 and F2, hulp bij post en financiën for F3.
* contact moments on 23-11: JGZ consult and huisbezoek for F1, JGZ consult for F2, gynaecologie
  consult for F3.
* professionals' experience: 4, 4, 4, 5.
"""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import func, select

from igp.admin.services import set_setting
from igp.auth.models import User
from igp.contacts import services as contacts
from igp.extensions import db
from igp.families.models import BirthOutcome
from igp.families.services import plan_or_record_intake
from igp.mdo import services as mdo
from igp.plan import services as plan_services
from igp.reporting import services as reporting
from igp.sharing import services as sharing
from igp.support import services as support
from tests.conftest import csrf_token

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
QUERY = "van=2026-11-01&tot=2026-11-30&poli=pop"


def _child(day, weeks, grams=None, admission=None, **extra):
    child = {"name": f"Kind {day}", "birth_date": f"2026-11-{day:02d}", "gestational_age_weeks": weeks, **extra}
    if grams:
        child["birth_weight_grams"] = grams
    if admission:
        child["admission"] = admission
    return child


@pytest.fixture
def monitored(network, register, clock):
    set_setting("report_small_cell", 3)
    gyn, jvk = network.gyn, network.jvk
    postnatal = {"phase": "postnatal", "expected_due_date": None, "consent": CONSENT}
    fam = {
        "F1": register(gyn, **postnatal, children=[_child(2, 30, 1400, "nicu")]),
        "F2": register(gyn, **postnatal, children=[_child(5, 35, 2300, "neonatologie"),
                                                   _child(5, 35, 2200, "neonatologie")]),
        "F3": register(gyn, **postnatal, children=[_child(9, 39, 3400, "geen"),
                                                   {"name": "Broer", "birth_date": "2024-05-01", "sibling": True}]),
        "F4": register(gyn, **postnatal, children=[_child(12, 40, 3600)]),
        "F5": register(gyn, **postnatal, children=[_child(16, 38, None, "geen")]),
        "F6": register(gyn, consent=CONSENT),
    }
    def nurse(key):   # the default coordinator (the nurse with the smallest caseload)
        return db.session.get(User, fam[key].coordinator_id)

    plan_or_record_intake(nurse("F6"), fam["F6"].id, {"held_at": "2026-11-24T08:00:00+00:00", "outcome": "doorverwezen",
                                              "exit_target": "huisarts"})
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-24T13:00"})
    items = {key: mdo.add_item(network.planner, meeting.id, {"family_id": fam[key].id})
             for key in ("F1", "F2", "F3", "F4")}
    for key, kind in (("F1", "ggz"), ("F2", "ggz"), ("F3", "ggz"), ("F4", "jeugdzorg")):
        mdo.add_outcome(network.chair, items[key].id, {"kind": "doorverwijzing", "text": "Verwezen",
                                                       "referral_type": kind})
    for key, referrals in (("F1", [{"to": "GGZ Rijnstad", "referral_type": "ggz", "status": "aangevraagd"},
                                   {"to": "Buurtcentrum", "referral_type": "welzijn", "status": "gestart"}]),
                           ("F2", [{"to": "GGZ Rijnstad", "referral_type": "ggz", "status": "wachtlijst"}])):
        plan_services.save_plan(nurse(key), fam[key].id, {"version": 0, "hulpvraag": "Rust in huis",
                                                   "start_date": "2026-11-20", "evaluation_date": "2027-02-20",
                                                   "referrals": referrals})
    for key, kind in (("F1", "luisterend_oor"), ("F2", "luisterend_oor"), ("F3", "post_financien")):
        sharing.record_preset(gyn, fam[key].id, "informele_steun", method="schriftelijk")
        support.record_support(nurse(key), fam[key].id, {"organisation_id": network.homestart.id, "kind": kind,
                                                  "starts_on": "2026-11-20"})
    for actor, key, kind in ((nurse("F1"), "F1", "consult"), (nurse("F1"), "F1", "huisbezoek"),
                             (nurse("F2"), "F2", "consult"), (gyn, "F3", "consult")):
        contacts.record_contact(actor, fam[key].id, {"kind": kind, "contact_on": "2026-11-23"})
    for score in (4, 4, 4, 5):
        reporting.record_experience(jvk, {"poli": "pop", "score": score, "respondent": "professional"})
    db.session.commit()
    return fam


def _csv(client) -> dict[str, str]:
    text = client.get(f"/dashboard/export.csv?{QUERY}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["onderdeel", "maat", "waarde", "code"]
    return {code: value for _, _, value, code in rows[1:]}


def _tables(page: str) -> dict[tuple[str, str], list[str]]:
    """(section title, row label) -> the row's values, of every table of a page."""
    found = {}
    for title, body in re.findall(r'<h[23] id="s-[^"]*">(.*?)</h[23]>.*?<tbody>(.*?)</tbody>', page, re.S):
        for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body):
            found[(html.unescape(title), html.unescape(label))] = [html.unescape(v) for v in
                                                                   re.findall(r"<td>(.*?)</td>", cells)]
    return found


# what a reader sees, computed by hand (threshold 3); the reasoning per figure in the comments
EXPECTED = {
    # births 6 = zeer vroeg 1 + vroeg 2 + op tijd 3: two hidden cells summing to 3 ((1,2) or (2,1)): safe
    "birth_outcomes.births": "6", "birth_outcomes.by_gestation.zeer_vroeg": "<3",
    "birth_outcomes.by_gestation.vroeg": "<3", "birth_outcomes.by_gestation.op_tijd": "3",
    "birth_outcomes.by_gestation.onbekend": "0",
    # 6 = 1 + 2 + 2 + 1 and 6 = 2 + 2 + 1 + 1: four hidden cells, each 1 or 2: safe
    "birth_outcomes.by_weight.zeer_laag": "<3", "birth_outcomes.by_weight.laag": "<3",
    "birth_outcomes.by_weight.normaal": "<3", "birth_outcomes.by_weight.onbekend": "<3",
    "birth_outcomes.by_admission.geen": "<3", "birth_outcomes.by_admission.neonatologie": "<3",
    "birth_outcomes.by_admission.nicu": "<3", "birth_outcomes.by_admission.onbekend": "<3",
    # the plan's 3 referrals = 1 + 1 + 1 by status: three cells of 1..2 summing to 3 can only be
    # 1, 1, 1: the plan's total goes ("x", at least 3), then the GGZ row (5 = MDO 3 + plan 2) loses
    # its MDO count, then the MDO column (4 = GGZ x + Jeugdzorg 1) its total
    "referrals_by_destination.plan_by_status.aangevraagd": "<3",
    "referrals_by_destination.plan_by_status.wachtlijst": "<3",
    "referrals_by_destination.plan_by_status.gestart": "<3",
    "referrals_by_destination.plan_by_status.afgerond": "0",
    "referrals_by_destination.all.plan": "x", "referrals_by_destination.all.mdo": "x",
    "referrals_by_destination.all.intake": "<3",
    "referrals_by_destination.ggz.totaal": "5", "referrals_by_destination.ggz.mdo": "x",
    "referrals_by_destination.ggz.plan": "<3", "referrals_by_destination.ggz.intake": "0",
    "referrals_by_destination.jeugdzorg.totaal": "<3", "referrals_by_destination.jeugdzorg.mdo": "<3",
    "referrals_by_destination.welzijn.plan": "<3", "referrals_by_destination.huisarts.intake": "<3",
    "referrals_by_destination.kraamzorg.totaal": "0",
    # the intake's way out is an exit like any other
    "exits.by_reason.doorverwezen": "<3",
    # 3 = 2 + 1: (2,1) or (1,2): safe
    "informal_support.started": "3", "informal_support.by_kind.luisterend_oor": "<3",
    "informal_support.by_kind.post_financien": "<3", "informal_support.by_kind.anders": "0",
    # 4 contacts = JGZ 3 + gynaecologie 1 = consult 3 + huisbezoek 1: as the professionals' scores below
    "contacts.contacts": "x", "contacts.families": "3", "contacts.by_discipline.jgz": "3",
    "contacts.by_discipline.gynaecologie": "<3", "contacts.by_discipline.mmw": "0", "contacts.by_kind.consult": "3",
    "contacts.by_kind.huisbezoek": "<3", "contacts.by_kind.telefonisch": "0",
    # 4 answers = score 4 (3) + score 5 (1): the 1 would follow, so the total goes; with the total
    # hidden (at least 3) the 3 may stay: 3 + "<3" leaves the total 4 or 5
    "experience_professionals.responses": "x", "experience_professionals.score_4": "3",
    "experience_professionals.score_5": "<3", "experience_professionals.mean": "x",
}


def test_monitoring_figures_are_the_same_suppressed_values_everywhere(monitored, network, login, client, api):
    login(network.pl)
    values = _csv(client)
    assert {code: values[code] for code in EXPECTED} == EXPECTED
    # the report prints the same values under the same Dutch labels
    report = _tables(client.get(f"/dashboard/rapport?{QUERY}").get_data(as_text=True))
    assert report[("Uitkomsten bij de geboorte (kinderen geboren in de maanden van de periode)",
                   "Vroeg geboren (32 t/m 36 weken)")] == ["<3"]
    assert report[("Doorverwijzingen per bestemming", "GGZ")] == ["5", "x", "0", "<3"]
    assert report[("Doorverwijzingen per bestemming", "Alle bestemmingen")] == ["", "x", "<3", "x"]
    assert report[("Informele steun (gestart in de periode)", "Luisterend oor")] == ["<3"]
    assert report[("Ervaring van professionals (anoniem)", "Score 4")] == ["3"]
    # the dashboard's monitoring part: the same tables
    dashboard = client.get(f"/dashboard?{QUERY}").get_data(as_text=True)
    shown = _tables(dashboard)
    for key, row in report.items():
        if key in shown:
            assert shown[key] == row, key
    assert ("Doorverwijzingen per bestemming", "GGZ") in shown
    # the API: the same marks, never the raw counts behind them
    body = api(network.pl).get("/api/v1/reports/throughput?from=2026-11-01&to=2026-11-30&poli=pop").get_json()
    r = body["referrals_by_destination"]
    assert (r["by_destination"]["ggz"], r["per_source"]) == (
        {"totaal": 5, "mdo": "x", "intake": 0, "plan": "<3"}, {"mdo": "x", "intake": "<3", "plan": "x"})
    assert "by_source" not in r    # the unsuppressed counts stay inside
    assert body["onward_referrals"]["ggz"] == "x"   # the MDO's referrals per type: the same cells
    assert body["birth_outcomes"]["by_gestation"]["op_tijd"] == 3
    assert body["experience_professionals"]["responses"] == "x"


def test_the_raw_figures_are_what_happened(monitored):
    """Without suppression: what the fixture put in (the counts behind the marks above)."""
    f = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "pop"))
    assert f["birth_outcomes"] == {
        "births": 6, "by_gestation": {"zeer_vroeg": 1, "vroeg": 2, "op_tijd": 3, "onbekend": 0},
        "by_weight": {"zeer_laag": 1, "laag": 2, "normaal": 2, "onbekend": 1},
        "by_admission": {"geen": 2, "neonatologie": 2, "nicu": 1, "onbekend": 1}}
    sources = f["referrals_by_destination"]["by_source"]
    assert {k: v for k, v in sources["mdo"].items() if v} == {"ggz": 3, "jeugdzorg": 1}
    assert {k: v for k, v in sources["intake"].items() if v} == {"huisarts": 1}
    assert {k: v for k, v in sources["plan"].items() if v} == {"ggz": 2, "welzijn": 1}
    assert f["referrals_by_destination"]["plan_by_status"] == {"aangevraagd": 1, "wachtlijst": 1, "gestart": 1,
                                                               "afgerond": 0, "afgewezen": 0}
    assert f["exits"]["by_reason"]["doorverwezen"] == 1
    assert f["informal_support"] == {"started": 3, "by_kind": {"luisterend_oor": 2, "post_financien": 1,
                                                               "meegaan_loket": 0, "praktische_hulp": 0, "anders": 0}}
    assert f["experience_professionals"]["by_score"] == {1: 0, 2: 0, 3: 0, 4: 3, 5: 1}
    assert f["experience"]["responses"] == 0     # the professionals' answers are not the families'
    assert (f["contacts"]["contacts"], f["contacts"]["families"], f["contacts"]["by_discipline"]["jgz"]) == (4, 3, 3)
    # another poli, another month: none of it
    other = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "mamaplus"))
    assert other["birth_outcomes"]["births"] == 0 and other["informal_support"]["started"] == 0
    december = reporting.throughput(reporting.parse_period("2026-12-01", "2026-12-31", None))
    assert december["birth_outcomes"]["births"] == 0
    # the sibling of F3 (born 05-2024) is no birth of the IGP; the rows name no child nor family
    may_2024 = reporting.throughput(reporting.parse_period("2024-05-01", "2024-05-31", None))
    assert may_2024["birth_outcomes"]["births"] == 0
    assert db.session.scalar(select(func.count()).select_from(BirthOutcome)) == 6
    assert not {"family_id", "child_id"} & set(BirthOutcome.__table__.columns.keys())


def test_a_corrected_birth_weight_moves_the_child_to_another_class_and_a_sibling_is_never_counted(
        monitored, network, api):
    family = monitored["F4"]
    answer = api(network.gyn).patch(f"/api/v1/families/{family.id}", json={
        "version": family.version, "children": [{"birth_weight_grams": 2400}]})
    assert answer.status_code == 200, answer.get_json()
    f = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "pop"))
    assert f["birth_outcomes"]["births"] == 6
    assert f["birth_outcomes"]["by_weight"] == {"zeer_laag": 1, "laag": 3, "normaal": 1, "onbekend": 1}


def test_families_without_a_point_of_contact_follow_the_poli_filter(network, register):
    register(network.gyn, consent=CONSENT, vulnerabilities=["financien"])   # POP-poli, coordinated by default
    pop = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "pop"))
    mamaplus = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "mamaplus"))
    everywhere = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", None))
    assert mamaplus["caseload"]["without_contact"] == 0
    assert pop["caseload"]["without_contact"] + mamaplus["caseload"]["without_contact"] == \
        everywhere["caseload"]["without_contact"]


def test_a_professional_records_her_own_experience_and_a_bad_respondent_is_refused(network, login, client):
    login(network.jvk)
    page = client.get("/ervaring").get_data(as_text=True)
    assert "Ikzelf, als professional" in page
    token = csrf_token(client, "/ervaring")
    refused = client.post("/ervaring", data={"poli": "pop", "score": "4", "respondent": "baas", "csrf_token": token})
    assert refused.status_code == 422 and "Kies wie antwoordt" in refused.get_data(as_text=True)
    assert reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", None))[
        "experience_professionals"]["responses"] == 0
    saved = client.post("/ervaring", data={"poli": "pop", "score": "4", "respondent": "professional",
                                           "csrf_token": token})
    assert saved.status_code == 302
    f = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", None))
    assert (f["experience_professionals"]["responses"], f["experience"]["responses"]) == (1, 0)


def test_the_birth_form_records_the_admission_and_monitoring_counts_it(network, register, login, client):
    family = register(network.gyn, consent=CONSENT)
    login(network.gyn)
    page = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "Opname na de geboorte" in page and "Opname NICU (intensive care)" in page
    answer = client.post(f"/gezinnen/{family.id}/geboorte", data={
        "csrf_token": csrf_token(client, f"/gezinnen/{family.id}"), "version": family.version, "poli": "pop",
        "c0_birth_date": "2026-11-24", "c0_gestational_age_weeks": "31", "c0_birth_weight_grams": "1450",
        "c0_admission": "nicu"})
    assert answer.status_code == 302, re.findall(r"<p class=\"error\"[^>]*>(.*?)</p>|role=\"alert\".*?</div>", answer.get_data(as_text=True))
    shown = client.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    assert "opname nicu (intensive care)" in shown
    f = reporting.throughput(reporting.parse_period("2026-11-01", "2026-11-30", "pop"))["birth_outcomes"]
    assert (f["births"], f["by_admission"]["nicu"], f["by_gestation"]["zeer_vroeg"], f["by_weight"]["zeer_laag"]) == \
        (1, 1, 1, 1)


def test_a_period_that_ends_before_it_starts_is_refused_in_dutch(network, login, client, api):
    login(network.pl)
    page = client.get("/dashboard?van=2026-11-30&tot=2026-11-01")
    assert page.status_code == 422
    assert "De begindatum (van) ligt na de einddatum (tot en met)." in page.get_data(as_text=True)
    answer = api(network.pl).get("/api/v1/reports/throughput?from=2026-11-30&to=2026-11-01")
    assert answer.status_code == 422 and "from" in str(answer.get_json())
    bad = client.get("/dashboard?van=30-11-2026").get_data(as_text=True)
    assert "De begindatum (van) is geen geldige datum" in bad
