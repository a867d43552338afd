"""Throughput figures on a seeded data set, computed by hand (see the comments), including
medians, the small-cell suppression at its boundary and its secondary suppression (the same in
the dashboard, the CSV export and the report), a DST change and a year boundary."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from igp.audit.models import AuditEntry
from igp.coordination.rules import EXIT_REASONS
from igp.coordination.services import exit_family, raise_knelpunt, update_knelpunt
from igp.extensions import db
from igp.families.rules import REFERRER_TYPES
from igp.families.services import aanmelden, plan_or_record_intake
from igp.mdo import services as mdo
from igp.mdo.rules import REFERRAL_TYPES
from igp.reporting import services as reporting
from tests.conftest import family_data

UTC = timezone.utc
SHARE = re.compile(r" \(\d+%\)$")   # a funnel label's share of the first step


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def seeded(network, clock):
    """Eight aanmeldingen along a timeline (the clock moves with it):

    R1 pop huisarts       local Tue 20-10 00:30 (UTC 19-10!)  intake Thu 22-10: 2 wd, within
    R2 pop huisarts       local Sun 25-10 01:30 (DST change)  intake Mon 02-11: 6 wd, missed (capaciteit)
    R3 pop verloskundige  Mon 02-11                           intake Thu 05-11: 3 wd, within
    R7 mamaplus huisarts  Tue 10-11                           intake same day: 0 wd, within; exit 01-12
    R8 pop ziekenhuis     Mon 16-11                           no intake (open, late)
    R4 pop verloskundige  Mon 21-12                           intake Mon 04-01: 8 wd (Christmas, New Year), missed
    R5 pop jgz            local Fri 01-01-2027 00:30 (UTC 31-12!)  not in the target group
    R6 pop huisarts       local Mon 11-01-2027 00:30          outside the period 20-10-2026 .. 10-01-2027
    """
    jvk = network.jvk
    fam = {}
    clock.set(at("2026-10-19T22:00"))  # the story starts here; the clock only moves forward

    def register(key, when, referrer, poli="pop", **extra):
        clock.set(at(when) if at(when) > clock.now() else clock.now())
        data = family_data(poli=poli, referred_at=when + "+00:00", referrer={"type": referrer},
                           parents=[{"name": f"Ouder {key}", "birth_date": "1990-01-01"}],
                           consent={"preset": "kernteam", "method": "schriftelijk"}, **extra)
        fam[key] = aanmelden(jvk, data).family
        db.session.commit()

    def intake(key, held, **extra):
        clock.set(max(clock.now(), at(held)))
        plan_or_record_intake(jvk, fam[key].id, {"held_at": held + "+00:00", "outcome": "actief", **extra})
        db.session.commit()

    register("R1", "2026-10-19T22:30", "huisarts")
    intake("R1", "2026-10-22T09:00")
    register("R2", "2026-10-24T23:30", "huisarts")
    register("R3", "2026-11-02T09:00", "verloskundige")
    intake("R2", "2026-11-02T10:00", missed_reason="capaciteit", missed_text="Geen plek")
    intake("R3", "2026-11-05T09:00")
    register("R7", "2026-11-10T10:00", "huisarts", poli="mamaplus")
    intake("R7", "2026-11-10T11:00")
    register("R8", "2026-11-16T10:00", "ziekenhuis")
    # MDO on Tue 17-11-2026 (pop): only zorg and jgz present, so no quorum (sociaal required)
    clock.set(at("2026-11-17T11:00"))
    meeting = mdo.create_meeting(network.chair, {"poli": "pop", "starts_at": "2026-11-17T13:00"})
    items = {key: mdo.add_item(network.planner, meeting.id, {"family_id": fam[key].id}) for key in ("R1", "R3", "R2")}
    clock.set(at("2026-11-17T12:00"))  # the meeting starts: presence is confirmed
    mdo.record_attendance(network.chair, meeting.id, {"attendees": [
        {"user_id": network.gyn.id, "status": "aanwezig"}, {"user_id": jvk.id, "status": "aanwezig"}]})
    mdo.add_outcome(network.chair, items["R1"].id, {"kind": "doorverwijzing", "text": "GGZ", "referral_type": "ggz"})
    mdo.add_outcome(network.chair, items["R3"].id, {"kind": "doorverwijzing", "text": "JZ",
                                                    "referral_type": "jeugdzorg"})
    action = mdo.add_outcome(network.chair, items["R3"].id, {"kind": "actie", "text": "Bellen", "owner_id": jvk.id,
                                                             "due_date": "2026-11-24"}).action
    mdo.mark_not_discussed(network.chair, items["R2"].id)
    mdo.finalise(network.chair, meeting.id, {"confirm": True})
    db.session.commit()
    clock.set(at("2026-11-20T10:00"))
    mdo.set_action_status(jvk, action.id, "gedaan")
    raise_knelpunt(jvk, {"kind": "capaciteit", "description": "Wachtlijst"})
    closed = raise_knelpunt(jvk, {"kind": "samenwerking", "description": "Overdracht ziekenhuis"})
    update_knelpunt(network.pl, closed.id, {"status": "gesloten", "resolution": "Afspraken gemaakt"})
    for score in (5, 4, 4):
        reporting.record_experience(jvk, {"poli": "pop", "score": score})
    db.session.commit()
    clock.set(at("2026-12-01T10:00"))
    exit_family(jvk, fam["R7"].id, {"reason": "doelen_bereikt", "target": "reguliere_jgz"})   # 21 days in the IGP
    clock.set(at("2026-12-15T10:00"))
    exit_family(jvk, fam["R1"].id, {"reason": "verhuisd"})  # 56.5 days -> 56
    db.session.commit()
    register("R4", "2026-12-21T09:00", "verloskundige")
    register("R5", "2026-12-31T23:30", "jgz", vulnerabilities=[])
    intake("R4", "2027-01-04T09:00", missed_reason="gezin_wil_later", missed_text="Na de feestdagen")
    register("R6", "2027-01-10T23:30", "huisarts")
    clock.set(at("2027-01-15T10:00"))  # Friday
    return fam


def period(start, end, poli=None):
    return reporting.parse_period(start, end, poli)


def test_throughput_figures(seeded):
    f = reporting.throughput(period("2026-10-20", "2027-01-10"))
    assert (f["referrals"], f["eligible"], f["not_eligible"]) == (7, 6, 1)
    assert f["by_referrer_type"] == {"huisarts": 3, "verloskundige": 2, "jgz": 1, "ziekenhuis": 1}
    assert f["by_poli"] == {"pop": 6, "mamaplus": 1}
    assert f["funnel"] == {"aangemeld": 6, "contact": 5, "intake_gepland": 5, "intake_gehouden": 5}
    assert (f["intakes_held"], f["intake_within_term"], f["intake_within_term_pct"]) == (5, 3, 60.0)
    # working days to intake: 0, 2, 3, 6, 8 -> nearest rank: median = 3rd value, p90 = 5th value
    assert (f["median_workdays_to_intake"], f["p90_workdays_to_intake"]) == (3, 8)
    assert f["missed_term_reasons"] == {"capaciteit": 1, "gezin_wil_later": 1}
    # right now (Fri 15-01-2027): R8 late, R7's outward handover late, R6 (deadline Mon 18-01) at risk
    assert f["open_handovers"] == {"op_schema": 0, "risico": 1, "te_laat": 2}
    assert f["mdo"] == {"meetings_held": 1, "families_discussed": 2, "items_not_discussed": 1,
                        "outcomes_with_quorum": 0, "outcomes_without_quorum": 3, "actions": 1, "actions_open": 0,
                        "actions_overdue": 0, "actions_done": 1, "actions_done_on_time": 1, "actions_dropped": 0}
    assert {k: v for k, v in f["onward_referrals"].items() if v} == {"ggz": 1, "jeugdzorg": 1}
    assert f["exits"] == {"exits": 2, "by_reason": {"doelen_bereikt": 1, "verhuisd": 1},
                          "median_days_in_igp": 21, "p90_days_in_igp": 56}
    assert f["knelpunten"] == {"raised": 2, "open": 1, "closed": 1, "by_kind": {"capaciteit": 1, "samenwerking": 1}}
    assert f["experience"] == {"responses": 3, "by_score": {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}, "mean": 4.33}


def test_poli_filter(seeded):
    f = reporting.throughput(period("2026-10-20", "2027-01-10", "pop"))
    assert f["referrals"] == 6 and f["by_poli"] == {"pop": 6}
    # pop intakes: 2, 3, 6, 8 -> median = 2nd value (3), p90 = 4th value (8)
    assert (f["intakes_held"], f["intake_within_term"], f["median_workdays_to_intake"],
            f["p90_workdays_to_intake"]) == (4, 2, 3, 8)
    assert f["open_handovers"] == {"op_schema": 0, "risico": 1, "te_laat": 1}


@pytest.mark.parametrize("start,end,expected", [
    ("2026-10-20", "2026-10-24", 1),   # R1 counts (local 20-10, UTC 19-10); R2 does not (local 25-10, UTC 24-10)
    ("2026-10-25", "2026-10-25", 1),   # the night of the DST change: R2
    ("2026-12-01", "2026-12-31", 1),   # R4 only: R5 is 31-12 in UTC but New Year's Day in Amsterdam
    ("2027-01-01", "2027-01-10", 1),   # R5
    ("2027-01-11", "2027-01-31", 1),   # R6
])
def test_local_dates_across_dst_and_new_year(seeded, start, end, expected):
    assert reporting.throughput(period(start, end))["referrals"] == expected


def test_weekly_buckets_cross_the_year(seeded):
    p = period("2026-10-20", "2027-01-10")
    f = reporting.throughput(p)
    unit, series = reporting.buckets({date.fromisoformat(d): n for d, n in f["per_day"].items()}, p)
    assert unit == "week"
    counts = dict(series)
    assert list(counts) == [f"wk {w}" for w in range(43, 54)] + ["wk 1"]
    assert {k: v for k, v in counts.items() if v} == {"wk 43": 2, "wk 45": 1, "wk 46": 1, "wk 47": 1, "wk 52": 1,
                                                      "wk 53": 1}


def test_small_cells_are_suppressed_at_the_threshold(seeded, db_session):
    f = reporting.throughput(period("2026-10-20", "2027-01-10"))
    rows = {code: value for _, _, value, code in reporting.export_rows(f, 5)}
    assert rows["referrals"] == 7
    assert rows["not_eligible"] == "<5"        # 1
    assert rows["eligible"] == "x"         # 6: else 7 - 6 gives the 1 (secondary)
    assert (rows["by_poli.pop"], rows["by_poli.mamaplus"]) == ("x", "<5")
    assert rows["by_referrer_type.huisarts"] == "<5"  # 3
    assert rows["by_referrer_type.vsv"] == 0           # zero stays zero
    # started 6, contact 5: 6 - 5 would give the 1 without contact; 6 = "x" + "<5" still would (x >= 5),
    # so the 6 goes too, and through planned 5 and held 5 the whole chain
    assert [rows[f"funnel.{step}"] for step in ("aangemeld", "contact", "intake_gepland",
                                                          "intake_gehouden")] == ["x"] * 4
    assert rows["intake_within_term"] == "<5"  # 3
    assert rows["median_workdays_to_intake"] == 3  # over 5 intakes: at the threshold, shown
    lower = {code: v for _, _, v, code in reporting.export_rows(f, 3)}
    assert lower["by_referrer_type.huisarts"] == 3         # at the threshold: shown
    assert lower["by_referrer_type.verloskundige"] == "<3"  # threshold - 1: hidden
    assert lower["by_poli.mamaplus"] == "<3" and lower["by_poli.pop"] == "x"
    higher = {code: v for _, _, v, code in reporting.export_rows(f, 6)}
    assert higher["median_workdays_to_intake"] == "x"  # 5 intakes, below 6


def _csv_rows(client, query):
    text = client.get(f"/dashboard/export.csv?{query}").get_data(as_text=True).lstrip("\ufeff")
    return [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=";")][1:]


def _report_rows(client, query):
    """The printed report's tables as the CSV's lines (onderdeel, maat, waarde)."""
    page = client.get(f"/dashboard/rapport?{query}").get_data(as_text=True)
    rows = []
    for title, head, body in re.findall(r'<h2 id="s-[^"]*">(.*?)</h2>.*?<thead><tr>(.*?)</tr></thead>\s*'
                                        r'<tbody>(.*?)</tbody>', page, re.S):
        columns = [html.unescape(c) for c in re.findall(r'<th scope="col">(.*?)</th>', head)][1:]
        for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body):
            for column, value in zip(columns, re.findall(r"<td>(.*?)</td>", cells)):
                if len(columns) == 1:
                    rows.append((html.unescape(title), html.unescape(label), "" if value == "-" else html.unescape(value)))
                elif value:
                    rows.append((html.unescape(title), f"{html.unescape(label)}, {column.lower()}", html.unescape(value)))
    return rows


def _dashboard(client, query):
    """The dashboard's KPIs (label -> value) and charts (title -> [(label, value)]), as shown."""
    page = client.get(f"/dashboard?{query}").get_data(as_text=True)
    kpis = {html.unescape(label): html.unescape(value) for value, label in re.findall(
        r'<span class="kpi-value">(.*?)</span><span class="kpi-label">(.*?)</span>', page)}
    charts = {}
    for title, desc, body in re.findall(r"<title>([^<]*)</title><desc>([^<]*)</desc>(.*?)</svg>", page):
        items = [tuple(item.rsplit(": ", 1)) for item in html.unescape(desc).split("; ") if item]
        charts[html.unescape(title)] = {"items": items, "bars": body.count("<rect")}
    return page, kpis, charts


@pytest.mark.parametrize("query", ["van=2026-10-20&tot=2027-01-10",     # 7 = 6 inside + 1 outside the target group
                                   "van=2026-10-20&tot=2027-01-10&poli=pop"])  # 6 = 5 + 1: the total goes too
def test_dashboard_csv_and_report_show_the_same_suppressed_values(seeded, network, login, client, query, api):
    login(network.pl)
    csv_rows = _csv_rows(client, query)
    assert _report_rows(client, query) == [row[:3] for row in csv_rows]
    rows = {code: value for _, _, value, code in csv_rows}
    page, kpis, charts = _dashboard(client, query)
    total, inside, outside = (rows[code] for code in ("referrals", "eligible", "not_eligible"))
    if "poli=pop" in query:
        assert (total, inside, outside) == ("x", "5", "<5")  # 6 = 5 + "<5": a reader would know the 1
    else:
        assert (total, inside, outside) == ("7", "x", "<5")  # the issue: the 6 is hidden as well
    assert kpis["aanmeldingen"] == total and kpis["binnen de doelgroep"] == inside  # no percentage of a hidden count
    # the API is a fourth output of the same figures: never the raw counts behind a mark
    api_query = query.replace("van=", "from=").replace("tot=", "to=")
    body = api(network.pl).get(f"/api/v1/reports/throughput?{api_query}").get_json()
    assert [str(body[k]) for k in ("referrals", "eligible", "not_eligible")] == [total, inside, outside]
    assert f"Buiten de doelgroep: {html.escape(outside)} " in page
    poli_names = {"POP-poli": "pop", "MamaPlusPoli": "mamaplus"}
    expected = {
        "Aanmeldingen per poli": ("by_poli", poli_names),
        "Aanmeldingen per verwijzer": ("by_referrer_type", {v: k for k, v in REFERRER_TYPES.items()}),
        "Warme overdracht": ("funnel", {"Aangemeld": "aangemeld", "Contact gelegd": "contact",
                                        "Intake gepland": "intake_gepland", "Intake gehouden": "intake_gehouden"}),
        "Doorverwijzingen vanuit het MDO": ("referrals_by_destination",
                                            {v: f"{k}.mdo" for k, v in REFERRAL_TYPES.items()}),
        "Uitstroom per reden": ("exits.by_reason", {v: k for k, v in EXIT_REASONS.items()}),
        "Ervaring van gezinnen": ("experience", {f"Score {k}": f"score_{k}" for k in range(1, 6)}),
    }
    for title, (prefix, codes) in expected.items():
        items = charts[title]["items"]
        assert items and all(value == rows[prefix + "." + codes[SHARE.sub("", label)]]
                             for label, value in items), (title, items)
        # a bar only for a shown number: no bar height (and no axis) tells a hidden count
        assert charts[title]["bars"] == sum(value.isdigit() for _, value in items), title
    weeks = charts["Aanmeldingen per week"]["items"]
    assert {value for _, value in weeks} <= {"0", "<5", "x"} and ("wk 43", "<5") in weeks


def test_csv_export_is_aggregated_and_logged(seeded, network, login, client, db_session):
    login(network.pl)
    response = client.get("/dashboard/export.csv?van=2026-10-20&tot=2027-01-10")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "Aanmeldingen;Totaal;7;referrals" in text
    assert "Aanmeldingen per verwijzer;Huisarts;<5;by_referrer_type.huisarts" in text
    for family in seeded.values():
        assert family.pseudonym not in text
    assert "Ouder" not in text and "Wachtlijst" not in text  # no names, no free text
    db_session.expire_all()
    assert db_session.scalars(select(AuditEntry).where(AuditEntry.action == "export",
                                                       AuditEntry.object_type == "report")).first()


def test_dashboard_page_and_api(seeded, network, login, client, api):
    login(network.pl)
    html_page = client.get("/dashboard?van=2026-10-20&tot=2027-01-10").get_data(as_text=True)
    assert "In-, door- en uitstroom 20-10-2026 t/m 10-01-2027" in html_page and "<svg" in html_page
    # 3 of 5 intakes within the term: 3 is hidden, so is its 60%
    assert "60,0%" not in html_page and "intakes binnen de termijn (&lt;5 van x)" in html_page
    assert 'Aantallen kleiner dan 5 staan als "&lt;5". "x" is verborgen' in html_page
    body = api(network.pl).get("/api/v1/reports/throughput?from=2026-10-20&to=2027-01-10&poli=pop").get_json()
    for key in ("referrals", "eligible", "intakes_held", "intake_within_term", "intake_within_term_pct",
                "median_workdays_to_intake", "p90_workdays_to_intake", "open_handovers", "by_poli",
                "by_referrer_type", "onward_referrals"):
        assert key in body
    assert set(body["open_handovers"]) == {"op_schema", "risico", "te_laat"}


@pytest.mark.parametrize("query,field", [
    ("from=2027-01-10&to=2026-10-20", "from"),
    ("from=2020-01-01&to=2026-01-02", "to"),
    ("from=2026-10-20&to=2027-01-10&poli=onbekend", "poli"),
    ("from=20-10-2026", "from"),
])
def test_bad_periods(network, api, query, field):
    response = api(network.pl).get(f"/api/v1/reports/throughput?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in (error.get("fields") or {error["field"]: 1})


def test_only_projectleider_and_beheerder(network, api):
    assert api(network.jvk).get("/api/v1/reports/throughput").status_code == 403
    assert api(network.admin).get("/api/v1/reports/throughput").status_code == 200


def test_experience_is_stored_without_link(network, api, login, client, db_session):
    from igp.reporting.models import ExperienceResponse

    login(network.jvk)
    from tests.conftest import csrf_token

    token = csrf_token(client, "/ervaring")
    assert client.post("/ervaring", data={"csrf_token": token, "poli": "pop", "score": "9"}).status_code == 422
    assert client.post("/ervaring", data={"csrf_token": token, "poli": "pop", "score": "4",
                                          "comment": "Fijn"}).status_code == 302
    row = db_session.scalars(select(ExperienceResponse)).one()
    assert row.score == 4 and not hasattr(row, "family_id")
