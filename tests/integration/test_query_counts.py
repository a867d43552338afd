"""The number of SQL statements of each key page is exact: the same at two data sizes of the synthetic
generator, and the family page the same for a family with notes, MDO history and actions as for one
without (issue 21; the timed figures are in bench/)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from igp.demo import DEMO_PASSWORD
from igp.extensions import db
from igp.families.models import Family
from igp.mdo.models import AgendaItem, MdoAction, MdoMeeting, MdoOutcome
from igp.synth import synth
from tests.conftest import csrf_token

pytestmark = [pytest.mark.slow,
              pytest.mark.parametrize("settings_overrides", [{"REQUIRE_TOTP": False, "QUERY_COUNT_HEADER": True,
                                                                        "SETTINGS_CACHE_SECONDS": 60}])]


def _sign_in(app, username):
    client = app.test_client()
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def _queries(client, path, method="GET", ok=(200, 201), **kwargs):
    response = client.open(path, method=method, **kwargs)
    assert response.status_code in ok, (path, response.status_code, response.get_data(as_text=True)[:300])
    return int(response.headers["X-IGP-Queries"])


def _measure(app, n, meeting_id=None):
    """The same shape at every size: the nurse also has a fresh aanmelding (an open handover), one
    received three weeks ago (a late handover) and a child a month from the age limit (both shown
    on the signals page)."""
    from datetime import timedelta

    from igp import clock
    from igp.auth.models import User
    from igp.families.services import aanmelden
    from tests.conftest import family_data

    user = db.session.scalars(select(User).where(User.username == "jvk.smit")).one()
    consent = {"preset": "kernteam", "method": "schriftelijk"}
    aanmelden(user, family_data(parents=[{"name": f"Meting {n}", "birth_date": "1991-02-03"}], consent=consent))
    aanmelden(user, family_data(parents=[{"name": f"Laat {n}", "birth_date": "1990-04-05"}], consent=consent,
                                referred_at=(clock.now() - timedelta(days=21)).isoformat()))
    aanmelden(user, family_data(parents=[{"name": f"Grens {n}", "birth_date": "1989-06-07"}], consent=consent,
                                phase="postnatal", expected_due_date=None,
                                children=[{"name": f"Kind {n}",
                                           "birth_date": (clock.today() - timedelta(days=700)).isoformat()}]))
    db.session.commit()
    alone = _nurse_with_one_late_handover(user, n)
    nurse = _sign_in(app, "jvk.smit")
    lead = _sign_in(app, "pl.hendriks")
    family = db.session.scalars(select(Family).where(Family.coordinator.has(username="jvk.smit"),
                                                     Family.status == "actief").order_by(Family.id)).first()
    rich, bare = _rich_family(user), _bare_family()
    narrow = _narrow_consent_family(user, n)
    meeting = db.session.get(MdoMeeting, meeting_id) if meeting_id else db.session.scalars(
        select(MdoMeeting).where(MdoMeeting.status == "afgerond").order_by(MdoMeeting.starts_at.desc())).first()
    chair = _sign_in(app, meeting.chair.username)
    other = _meeting_with_most_actions(meeting)
    detail = nurse.get(f"/gezinnen/{family.id}").get_data(as_text=True)
    bsn = re.search(r"<dt>BSN</dt><dd>(\d+)</dd>", detail).group(1)
    return meeting.id, {
        "mijn gezinnen": _queries(nurse, "/mijn-gezinnen"),
        "gezinspagina": _queries(nurse, f"/gezinnen/{family.id}"),
        "gezinspagina (notities, MDO, acties)": _queries(nurse, f"/gezinnen/{rich}"),
        "gezinspagina (nog niets)": _queries(nurse, f"/gezinnen/{bare}"),
        # a consent without zorgplan and ontwikkeling_risicos: the sections it withholds run their
        # statements too, for no row (FamilyView.read_key), so the count does not tell the consent
        "gezinspagina (smalle toestemming)": _queries(nurse, f"/gezinnen/{narrow}"),
        "overdrachten": _queries(nurse, "/overdrachten"),
        "signalen": _queries(nurse, "/signalen"),
        # another shape: one late handover and nothing else (no overdue action, age limit, birth or plan)
        "signalen (alleen een late overdracht)": _queries(_sign_in(app, alone), "/signalen"),
        "gezinnen (lijst)": _queries(nurse, "/gezinnen/"),
        # searched by POST (no BSN in a URL), then shown after the redirect
        "zoeken op BSN": _queries(nurse, "/gezinnen/zoeken", method="POST", ok=(302,), data={
            "bsn": bsn, "csrf_token": csrf_token(nurse, "/gezinnen/")}),
        # the forgiving search (issue 19) costs the same whichever kind of match it found: a name, the
        # start of a pseudonym, both (a pseudonym's letters can start a name too), or nothing
        **{f"zoeken ({kind})": _queries(nurse, "/gezinnen/zoeken", method="POST", ok=(302,), data={
            "q": q, "csrf_token": csrf_token(nurse, "/gezinnen/")})
           for kind, q in (("naam", "meting"), ("pseudoniem", family.pseudonym[3:8]), ("niets", "qqqzzz"))},
        "mdo": _queries(chair, f"/mdo/{meeting.id}"),
        # another finished meeting of the same chair with the most actions: an outcome's action is
        # not read one statement per outcome
        "mdo (de meeste acties)": _queries(chair, f"/mdo/{other}"),
        "dashboard": _queries(lead, "/dashboard?van=2025-11-24&tot=2026-11-24"),
        "start (verpleegkundige)": _queries(nurse, "/"),
        "start (voorzitter)": _queries(chair, "/"),
        "start (projectleider)": _queries(lead, "/"),
    }


def _nurse_with_one_late_handover(colleague, n) -> str:
    """A second nurse of the same organisation who coordinates one family, received three weeks
    ago (a late handover): her signals page has every other section empty."""
    from datetime import timedelta

    from igp import clock
    from igp.auth.services import create_user
    from igp.coordination.services import assign_coordinator
    from igp.families.services import aanmelden
    from tests.conftest import family_data

    nurse = create_user(username=f"jvk.alleen{n}", name=f"Alleen {n}", organisation=colleague.organisation,
                        roles=["jeugdverpleegkundige"], password=DEMO_PASSWORD)
    family = aanmelden(colleague, family_data(
        parents=[{"name": f"Enkel {n}", "birth_date": "1992-08-09"}], consent={"preset": "kernteam", "method": "schriftelijk"},
        referred_at=(clock.now() - timedelta(days=21)).isoformat())).family
    assign_coordinator(colleague, family.id, {"user_id": nurse.id})
    db.session.commit()
    return nurse.username


def _meeting_with_most_actions(meeting) -> int:
    stmt = (select(MdoMeeting.id).join(AgendaItem, AgendaItem.meeting_id == MdoMeeting.id)
            .join(MdoOutcome, MdoOutcome.item_id == AgendaItem.id).join(MdoAction, MdoAction.outcome_id == MdoOutcome.id)
            .where(MdoMeeting.status == "afgerond", MdoMeeting.chair_id == meeting.chair_id, MdoMeeting.id != meeting.id)
            .group_by(MdoMeeting.id).order_by(func.count(MdoAction.id).desc(), MdoMeeting.id).limit(1))
    other = db.session.scalar(stmt)
    assert other is not None, "the generator made no other finished meeting with actions"
    return other


def _rich_family(user) -> int:
    """A family of the nurse with notes, an MDO discussion (minutes, outcomes) and actions: the
    synthetic generator makes them; one more note is added so there is at least one."""
    from igp.families.services import add_note

    stmt = (select(Family.id).join(AgendaItem, AgendaItem.family_id == Family.id)
            .join(MdoAction, MdoAction.family_id == Family.id)
            .where(Family.coordinator_id == user.id, Family.status == "actief").order_by(Family.id).limit(1))
    family_id = db.session.scalar(stmt)
    assert family_id is not None, "the generator gave the nurse no family with MDO history and actions"
    add_note(user, family_id, "consultverslagen", "Huisbezoek, het gaat goed.")
    db.session.commit()
    return family_id


def _narrow_consent_family(user, n) -> int:
    """A family that the hospital registered with a consent of only NAW and verwijzingen, coordinated by
    the nurse: she is shown neither its plan nor its re-assessments (zorgplan, ontwikkeling_risicos)."""
    from igp.auth.models import User
    from igp.coordination.services import assign_coordinator
    from igp.families.services import aanmelden
    from igp.sharing import gateway
    from igp.sharing.services import record_preset
    from tests.conftest import family_data

    gyn = db.session.scalars(select(User).where(User.username == "gyn.dekker")).one()
    family = aanmelden(gyn, family_data(parents=[{"name": f"Smal {n}", "birth_date": "1993-03-04"}])).family
    record_preset(gyn, family.id, "kernteam", method="schriftelijk", categories=["naw", "verwijzingen"])
    if family.coordinator_id != user.id:
        assign_coordinator(gyn, family.id, {"user_id": user.id})
    db.session.commit()
    decision = gateway.decide_for(user, family)
    assert decision.may("naw") and not decision.may("zorgplan") and not decision.may("ontwikkeling_risicos")
    return family.id


def _bare_family() -> int:
    """The nurse's newest aanmelding: no notes, no MDO history, no actions, no plan."""
    family_id = db.session.scalar(select(Family.id).where(Family.pseudonym.is_not(None))
                                  .order_by(Family.id.desc()).limit(1))
    assert not db.session.scalar(select(AgendaItem.id).where(AgendaItem.family_id == family_id).limit(1))
    return family_id


# The exact statements of each page (the same at both sizes; see the docstring of each page's service
# for what they are). A change here is a change of a page's plan: say why in the commit.
# (The test database adds a SAVEPOINT and its RELEASE per request: 2 more than bench/run.py counts. As in
# production, the settings and the reference data of igp.process_cache come from the process's copy; its
# refreshes are counted apart.)
EXPECTED = {
    "mijn gezinnen": 18, "gezinspagina": 36, "gezinspagina (notities, MDO, acties)": 36, "gezinspagina (nog niets)": 36,
    "gezinspagina (smalle toestemming)": 36,
    "overdrachten": 17, "signalen": 26, "signalen (alleen een late overdracht)": 26, "gezinnen (lijst)": 15,
    "zoeken op BSN": 13, "zoeken (naam)": 15, "zoeken (pseudoniem)": 15, "zoeken (niets)": 15,
    "mdo": 24, "mdo (de meeste acties)": 24, "dashboard": 33,
    "start (verpleegkundige)": 52, "start (voorzitter)": 13, "start (projectleider)": 35,
}
# pages that write audit entries: on PostgreSQL their commit reads and locks the audit chain's head in one
# statement (SELECT ... FOR UPDATE, igp/audit), so the counts are the same on SQLite and PostgreSQL


def test_query_count_is_independent_of_the_number_of_families(app, settings_overrides, capsys):
    synth(150, seed=1, batch=150)
    db.session.commit()
    meeting_id, small = _measure(app, 1)
    synth(450, seed=2, batch=450)
    db.session.commit()
    _, large = _measure(app, 2, meeting_id)  # the same meeting and family pages, now among more data
    with capsys.disabled():
        print("\nSQL statements per page (150 -> 600 families):",
              ", ".join(f"{page} {small[page]}->{large[page]}" for page in small))
    assert small == large
    assert small["gezinspagina"] == small["gezinspagina (notities, MDO, acties)"] == small["gezinspagina (nog niets)"] \
        == small["gezinspagina (smalle toestemming)"]
    assert small["mdo"] == small["mdo (de meeste acties)"]
    assert small["zoeken (naam)"] == small["zoeken (pseudoniem)"] == small["zoeken (niets)"]
    assert small["signalen"] == small["signalen (alleen een late overdracht)"]
    assert small == EXPECTED
