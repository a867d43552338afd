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
