"""A value that passes validation but not the database: a clear 422, never a 500 (this test adds
routes, so it has an app of its own and a module of its own)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from igp.extensions import db


@pytest.mark.parametrize("settings_overrides", [{"OWN_APP": True}])  # it adds routes: an app of its own
def test_value_the_database_refuses_is_a_clear_422_not_a_500(app, client, settings_overrides):
    """A value that passes validation but not the database (out of range, a refused character)
    is the user's input: a JSON 422 for the API, a Dutch page for the UI, nothing stored."""
    from sqlalchemy.exc import DataError

    from igp.auth import access
    from igp.auth.models import Organisation

    def refuse():
        db.session.add(Organisation(name="Half opgeslagen", domain="zorg"))  # written, then refused
        db.session.flush()
        raise DataError("INSERT ...", {}, ValueError("integer out of range"))

    app.add_url_rule("/api/v1/_test_refused", "test_refused_api", access.public(refuse))
    app.add_url_rule("/_test_refused", "test_refused_ui", access.public(refuse))
    response = client.get("/api/v1/_test_refused")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_value"
    response = client.get("/_test_refused")
    assert response.status_code == 422 and "ongeldig of te groot" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.name == "Half opgeslagen")) == 0  # rolled back: nothing stored half
