"""Lists page at a sensible size with their true totals (issue 21): a page reads, decides and logs only
the families it shows, one audit entry per family shown; the links say "Vorige", "Volgende",
"Pagina 1 van 2" and how many there are in all."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from igp.audit.models import AuditEntry
from igp.coordination.services import MY_FAMILIES_PER_PAGE
from igp.extensions import db
from igp.families.models import Family
from igp.families.services import LIST_PAGE_SIZE

CONSENT = {"preset": "kernteam", "method": "schriftelijk"}
N = 53   # more than one page of both lists


def _families(network, register, n: int = N) -> list[int]:
    ids = []
    for i in range(n):
        family = register(network.gyn, consent=CONSENT, parents=[
            {"name": f"Lijst {i}", "birth_date": f"1985-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"}])
        db.session.get(Family, family.id).coordinator_id = network.jvk.id
        ids.append(family.id)
    db.session.commit()
    return ids


def _logged(detail: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.detail == detail))


def _rows(page: str) -> list[str]:
    return re.findall(r'<td><a href="/gezinnen/(\d+)">', page)


def test_my_families_pages_with_the_true_total_and_logs_only_what_it_shows(network, register, login):
    ids = _families(network, register)
    client = login(network.jvk)
    before = _logged("web: list mijn gezinnen")
    first = client.get("/mijn-gezinnen").get_data(as_text=True)
    assert len(_rows(first)) == MY_FAMILIES_PER_PAGE
    assert f"{N} gezinnen" in first and "Pagina 1 van 2" in first
    assert 'href="/mijn-gezinnen?pagina=2" rel="next">Volgende</a>' in first and "Vorige" not in first
    assert _logged("web: list mijn gezinnen") - before == MY_FAMILIES_PER_PAGE   # one entry per family shown
    second = client.get("/mijn-gezinnen?pagina=2").get_data(as_text=True)
    assert len(_rows(second)) == N - MY_FAMILIES_PER_PAGE and "Pagina 2 van 2" in second
    assert 'href="/mijn-gezinnen?pagina=1" rel="prev">Vorige</a>' in second and "Volgende" not in second
    assert _logged("web: list mijn gezinnen") - before == N
    # newest first, every family once over the two pages
    assert [int(i) for i in _rows(first) + _rows(second)] == sorted(ids, reverse=True)
    # a page past the end (or not a number) shows the last (or the first) page, not an empty one
    assert _rows(client.get("/mijn-gezinnen?pagina=99").get_data(as_text=True)) == _rows(second)
    assert _rows(client.get("/mijn-gezinnen?pagina=x").get_data(as_text=True)) == _rows(first)


def test_the_family_list_keeps_its_filters_in_the_page_links_and_counts_all(network, register, login):
    _families(network, register)
    client = login(network.jvk)
    before = _logged("web: list")
    page = client.get("/gezinnen/?coordinator=mij&sorteer=pseudoniem").get_data(as_text=True)
    assert len(_rows(page)) == LIST_PAGE_SIZE and f"{N} gezinnen" in page and "Pagina 1 van 2" in page
    link = re.search(r'href="([^"]+)" rel="next">Volgende</a>', page).group(1).replace("&amp;", "&")
    assert sorted(link.split("?")[1].split("&")) == ["coordinator=mij", "pagina=2", "sorteer=pseudoniem"]
    assert _logged("web: list") - before == LIST_PAGE_SIZE
    rest = client.get(link).get_data(as_text=True)
    assert len(_rows(rest)) == N - LIST_PAGE_SIZE and "Pagina 2 van 2" in rest
