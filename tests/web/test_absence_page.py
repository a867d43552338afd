"""The page /afwezigheid (issue 19): a form per absence for who may change it, prefilled; an error
keeps what was typed (422, the message at the field, a summary linking to it); success redirects
with a flash, a warning on the substitute's load among them."""
from __future__ import annotations

import re

from igp.admin.services import set_setting
from igp.coordination import services as coordination
from igp.coordination.models import Absence
from igp.extensions import db
from tests.conftest import csrf_token


def _absence(network) -> Absence:
    absence = coordination.record_absence(network.jvk, {"from": "2026-11-24", "to": "2026-11-27", "reason": "verlof",
                                                        "substitute_id": network.jvk2.id})
    db.session.commit()
    return absence


def _edit(client, absence_id: int, **fields):
    data = {"absence_id": absence_id, "from": "2026-11-24", "to": "2026-11-27", "reason": "verlof",
            "substitute_id": "", **fields, "csrf_token": csrf_token(client, "/afwezigheid")}
    return client.post("/afwezigheid", data=data)


def test_the_form_per_absence_is_prefilled_for_who_may_change_it(network, login, client):
    absence = _absence(network)
    login(network.jvk)
    page = client.get("/afwezigheid").get_data(as_text=True)
    form = page.split(f'id="wijzig-{absence.id}"', 1)[1].split("</details>", 1)[0]
    assert f'id="e{absence.id}-from" name="from" value="2026-11-24"' in form
    assert f'id="e{absence.id}-to" name="to" value="2026-11-27"' in form
    assert re.search(rf'<option value="{network.jvk2.id}" selected>', form)


def test_the_substitute_sees_the_absence_but_no_form_to_change_it(network, login, client):
    absence = _absence(network)
    login(network.jvk2)
    page = client.get("/afwezigheid").get_data(as_text=True)
    assert "JVK Een" in page   # she stands in: she sees the absence
    assert f'id="wijzig-{absence.id}"' not in page and "Intrekken" not in page


def test_an_error_keeps_what_was_typed_next_to_the_field_and_in_the_summary(network, login, client):
    absence = _absence(network)
    login(network.jvk)
    response = _edit(client, absence.id, **{"from": "2026-11-29", "to": "2026-11-26", "reason": "ziekte"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<a href="#e{absence.id}-to">De afwezigheid eindigt vóór ze begint.</a>' in page   # summary links
    form = page.split(f'id="wijzig-{absence.id}" open', 1)[1].split("</details>", 1)[0]
    assert f'id="e{absence.id}-to-error">De afwezigheid eindigt vóór ze begint.' in form
    assert 'value="2026-11-29"' in form and 'value="2026-11-26"' in form
    assert '<option value="ziekte" selected>' in form
    db.session.expire_all()
    assert db.session.get(Absence, absence.id).ends_on.isoformat() == "2026-11-27"   # nothing stored


def test_a_change_redirects_with_a_flash_and_the_load_warning(network, login, client, register):
    absence = _absence(network)
    register(network.jvk)
    register(network.jvk)
    set_setting("substitute_load_warning", 1)
    db.session.commit()
    login(network.jvk)
    response = _edit(client, absence.id, to="2026-11-26", substitute_id=str(network.jvk2.id))
    assert response.status_code == 302 and response.headers["Location"].endswith("/afwezigheid")
    page = client.get("/afwezigheid").get_data(as_text=True)
    assert "Afwezigheid gewijzigd van 24-11-2026 tot en met 26-11-2026; JVK Twee vervangt." in page
    assert "Let op: JVK Twee heeft in deze periode" in page
    db.session.expire_all()
    assert db.session.get(Absence, absence.id).ends_on.isoformat() == "2026-11-26"


def test_a_new_absence_error_links_to_its_own_fields(network, login, client):
    login(network.jvk)
    response = client.post("/afwezigheid", data={"from": "2026-11-27", "to": "2026-11-26", "reason": "verlof",
                                                 "csrf_token": csrf_token(client, "/afwezigheid")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<a href="#a-to">' in page and 'id="a-to-error"' in page and 'value="2026-11-27"' in page
