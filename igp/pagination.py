"""One way to page a list (families, audit log): a page of rows and whether there is a next one,
or (`counted_page`) a page with the true total, for the lists that say "Pagina 2 van 8"."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from igp.extensions import db

MAX_PAGE = 10_000


def one_page(stmt, page: int, per_page: int, *, max_page: int = MAX_PAGE) -> tuple[list, bool]:
    """The rows of page `page` (from 1, clamped to 1..max_page) of the ordered `stmt`, and whether
    a next page exists (one row more is read instead of counting them all)."""
    page = min(max(1, page), max_page)
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page


@dataclass(frozen=True)
class Page:
    """Where a page lies in its list: number (from 1), how many pages, how many rows in all."""

    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def page_number(raw) -> int:
    """A page number from a query parameter: anything that is not a number from 1 is page 1."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


def count_of(stmt) -> int:
    """How many rows `stmt` returns, counted by the database (no row is read)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _scalars(stmt) -> list:
    return list(db.session.scalars(stmt))


def counted_page(stmt, page: int, per_page: int, *, clamp: bool = True, load=_scalars) -> tuple[list, Page]:
    """The rows of page `page` of the ordered `stmt` with the true total (two statements, whatever
    the page, and those ``load`` adds). A page past the end shows the last page, not an empty one
    (``clamp`` False: an empty page, as an API pages). ``load``: how the page's statement is read (by
    default its ORM entities; igp.sharing.listed.load_rows for a list of families as plain rows)."""
    total = count_of(stmt)
    last = Page(1, per_page, total).pages
    where = Page(min(max(1, page), last if clamp else MAX_PAGE), per_page, total)
    return load(stmt.offset(where.offset).limit(per_page)), where
