"""One way to page a list (families, audit log): a page of rows and whether there is a next one."""
from __future__ import annotations

from igp.extensions import db

MAX_PAGE = 10_000


def one_page(stmt, page: int, per_page: int, *, max_page: int = MAX_PAGE) -> tuple[list, bool]:
    """The rows of page `page` (from 1, clamped to 1..max_page) of the ordered `stmt`, and whether
    a next page exists (one row more is read instead of counting them all)."""
    page = min(max(1, page), max_page)
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page
