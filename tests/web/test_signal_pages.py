"""Mijn signalen a page at a time (issue 21): every section of /signalen shows at most 25 rows with
its true total and its own page links, and the page reads and logs only the families it shows;
the start page reads only the signals that fit on it."""
from __future__ import annotations

from sqlalchemy import func, select

from igp.audit.models import AuditEntry
from igp.extensions import db
from igp.handover.views import SECTION_PER_PAGE
from igp.today import SHOWN

FAMILIES = SECTION_PER_PAGE + 2


def _near_the_age_limit(network, register) -> list:
    """FAMILIES families of the nurse whose only child turns two on 15-12-2026 (the signal shows
    from six weeks before; the tests' today is 24-11-2026)."""
    return [register(network.jvk, phase="postnatal", expected_due_date=None,
                     parents=[{"name": f"Ouder {n}", "birth_date": "1990-01-01"}],
                     children=[{"name": f"Kind {n}", "birth_date": "2024-12-15"}]) for n in range(FAMILIES)]


def _logged(detail: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.detail == detail))


def _section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"')[1].split("</section>")[0]


def test_each_signal_section_pages_with_its_true_total_and_logs_only_what_it_shows(network, register, login,
                                                                                  client):
    families = _near_the_age_limit(network, register)
    login(network.jvk)
    before = _logged("age limit signal")
    first = _section(client.get("/signalen").get_data(as_text=True), "s-age")
    assert _logged("age limit signal") - before == SECTION_PER_PAGE   # 25 shown, 25 reads logged, not 27
    assert f"{FAMILIES} gezinnen" in first and "Pagina 1 van 2" in first
    assert 'href="/signalen?leeftijd=2#s-age"' in first
    pseudonyms = {f.pseudonym for f in families}
    shown_first = {p for p in pseudonyms if p in first}
    assert len(shown_first) == SECTION_PER_PAGE

    second = _section(client.get("/signalen?leeftijd=2").get_data(as_text=True), "s-age")
    shown_second = {p for p in pseudonyms if p in second}
    assert shown_first | shown_second == pseudonyms and not shown_first & shown_second
    assert "Pagina 2 van 2" in second and 'href="/signalen?leeftijd=1#s-age"' in second

    # past the end: the last page; nonsense: the first; another section's page number is kept
    assert "Pagina 2 van 2" in _section(client.get("/signalen?leeftijd=99").get_data(as_text=True), "s-age")
    assert "Pagina 1 van 2" in _section(client.get("/signalen?leeftijd=x").get_data(as_text=True), "s-age")
    kept = _section(client.get("/signalen?acties=3&leeftijd=2").get_data(as_text=True), "s-age")
    assert "acties=3" in kept and "leeftijd=1" in kept


def test_the_start_page_reads_only_the_signals_it_shows(network, register, login, client):
    _near_the_age_limit(network, register)
    login(network.jvk)
    before = _logged("age limit signal")
    page = client.get("/").get_data(as_text=True)
    assert _logged("age limit signal") - before == SHOWN
    assert page.count("Leeftijdsgrens in zicht") >= SHOWN - 1
