"""Review R12 (issue 15): the duplicate check must not be a timing oracle. It needs an app with
the SQL statement count in a header, so it has an app (and a module) of its own."""
from __future__ import annotations

import pytest

from igp.extensions import db
from igp.families.services import aanmelden
from tests.conftest import family_data

UNKNOWN_BSN = "123456782"


@pytest.mark.parametrize("settings_overrides", [{"QUERY_COUNT_HEADER": True}])
def test_r12_registering_a_known_bsn_costs_the_same_work_as_an_unknown_one(make_org, make_user, api,
                                                                           settings_overrides):
    """The answer is the same 201, and a BSN known to the IGP (in a family the user may not see)
    makes the request do no more than an unknown one: the SQL statement count stands in for the
    response time an attacker would measure."""
    from igp.admin.services import create_poli

    create_poli("pop", "POP-poli")
    gyn = make_user("gynaecoloog", org=make_org("Ziekenhuis R12", "zorg"))
    outsider = make_user("gynaecoloog", org=make_org("Ander R12", "zorg"))
    aanmelden(gyn, family_data())
    db.session.commit()
    o = api(outsider)
    known = o.post("/api/v1/families", json=family_data(
        parents=[{"name": "Ander Iemand", "birth_date": "1992-02-02", "bsn": "111222333"}]))
    unknown = o.post("/api/v1/families", json=family_data(
        parents=[{"name": "Ander Iemand", "birth_date": "1992-02-03", "bsn": UNKNOWN_BSN}]))
    assert known.status_code == unknown.status_code == 201
    assert known.headers["X-IGP-Queries"] == unknown.headers["X-IGP-Queries"], (
        known.headers["X-IGP-Queries"], unknown.headers["X-IGP-Queries"])


@pytest.mark.parametrize("settings_overrides", [{"QUERY_COUNT_HEADER": True}])
def test_a_search_that_finds_a_family_whose_naw_is_withheld_costs_what_finding_nothing_costs(
        make_org, make_user, register, api, settings_overrides):
    """Issue 21 (explicit loading, gateway.load_listed): a nurse in the core team of a family without
    consent may see the family but not its NAW. Searching its parent's name (forgiving, or exactly
    with the birth date) answers nothing, and in as many SQL statements as a name nobody has: the
    family's parents and referrals are loaded by explicit IN loads that run for no family too,
    where a selectin load would run only for a match."""
    from igp.admin.services import create_poli
    from igp.coordination.services import add_core_member

    create_poli("pop", "POP-poli")
    gyn = make_user("gynaecoloog", org=make_org("Ziekenhuis T21", "zorg"))
    nurse = make_user("jeugdverpleegkundige", org=make_org("JGZ T21", "jgz"))
    family = register(gyn)   # no consent: NAW withheld from the nurse
    add_core_member(gyn, family.id, {"user_id": nurse.id, "case_role": "jeugdverpleegkundige"})
    db.session.commit()
    n = api(nurse)
    assert "naw" in {w["category"] for w in n.get(f"/api/v1/families/{family.id}").get_json()["withheld"]}
    for known, unknown in (({"q": "Moedernaam"}, {"q": "Vadernaam"}),
                           ({"name": "Canary Moedernaam", "birth_date": "1995-03-14"},
                            {"name": "Canary Moedernaam", "birth_date": "1995-03-15"})):
        hit, miss = n.post("/api/v1/families/search", json=known), n.post("/api/v1/families/search", json=unknown)
        assert hit.status_code == miss.status_code == 200, hit.get_json()
        assert hit.get_json()["items"] == miss.get_json()["items"] == [], hit.get_json()
        assert hit.headers["X-IGP-Queries"] == miss.headers["X-IGP-Queries"], (
            known, hit.headers["X-IGP-Queries"], miss.headers["X-IGP-Queries"])
