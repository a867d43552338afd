"""Journey 5: the projectleider reads the throughput dashboard, changes the period, downloads the
CSV, and cannot open an individual family."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

pytestmark = pytest.mark.e2e


def _today_and_a_family():
    from sqlalchemy import select

    from igp import clock
    from igp.extensions import db
    from igp.families.models import Family

    return clock.today(), db.session.scalars(select(Family.id).order_by(Family.id).limit(1)).one()


def test_projectleider_uses_the_dashboard_but_sees_no_family(as_user, lookup):
    today, family_id = lookup(_today_and_a_family)
    pl = as_user("pl.hendriks")
    page = pl.page
    pl.goto("/dashboard", expect_status=200)

    start = today - timedelta(days=30)
    filters = page.get_by_role("form", name="Periode en poli")
    filters.get_by_label("Van", exact=True).fill(start.isoformat())
    filters.get_by_label("Tot en met").fill(today.isoformat())
    filters.get_by_label("Poli").select_option(label="POP-poli")
    pl.submit(filters.get_by_role("button", name="Toon"), expect_status=200)
    label = f"{start.strftime('%d-%m-%Y')} t/m {today.strftime('%d-%m-%Y')}, POP-poli"
    assert label in page.get_by_role("heading", level=1).inner_text()
    assert "Individuele gezinnen zijn hier niet te zien." in page.content()
    pl.screenshot("journey5-dashboard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporteer CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"igp-doorstroom-{start.isoformat()}-{today.isoformat()}.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    assert rows[0] == ["onderdeel", "maat", "waarde", "code"]
    assert len(rows) > 5

    # the printable report: the same figures in labelled sections with their charts (axe-checked by goto)
    report = page.get_by_role("link", name="Rapport (afdrukken/PDF)").get_attribute("href")
    pl.goto(report, expect_status=200)
    assert page.get_by_role("heading", name="Monitoring Integrale Gezinspoli").is_visible()
    for title in ("Doorverwijzingen per bestemming", "Contactmomenten per discipline", "Ervaring van professionals"):
        assert title in page.content(), title
    assert "by_referrer_type" not in page.content()   # labels, no codes
    pl.screenshot("journey5-rapport")

    refused = pl.goto(f"/gezinnen/{family_id}", expect_status=None)
    assert refused.status in (403, 404), refused.status
    assert "U hebt geen toegang tot deze pagina." in page.content() or refused.status == 404
    pl.screenshot("journey5-gezin-geweigerd")
