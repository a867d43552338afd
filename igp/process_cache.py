"""Reference data kept per process for a few seconds (issue 21): the organisations, the polis and the
IGP's target-group code changes are named on nearly every page and change a few times a year.

Like the settings (igp.admin.services), a value is read once per request and kept per process for
SETTINGS_CACHE_SECONDS (a few seconds; 0 in most tests: no process copy at all). The other workers
see a change within that time; the process that makes it sees it at once: every flush or ORM
statement that writes a watched table empties the kinds read from it, and so does the commit or
rollback that ends the transaction (a request of this process may have read the uncommitted state
in between). While a transaction has changed a watched table, its kinds are read fresh and not kept.

Values must be immutable and hold no ORM instances (they outlive the session): tuples of Core rows.
A refresh is marked (execution option igp_cache_refresh), so a page's statement count
(X-IGP-Queries) is the same on every request and the refreshes are counted apart."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from flask import current_app, has_app_context

from igp import request_cache
from igp.extensions import db

T = TypeVar("T")
PROCESS_KEY = "igp_process_cache"
CHANGED_KEY = "igp_process_cache_changed"   # session.info: the watched tables this transaction changed
_WATCHED: dict[str, set[str]] = {}          # table name -> the kinds read from it


def cached(kind: str, tables: tuple[str, ...], compute: Callable[[bool], T]) -> T:
    """``compute(refresh)`` once per request, and at most once per SETTINGS_CACHE_SECONDS per process,
    for a value read from ``tables``; ``refresh`` is True when the result is kept for the process."""
    for table in tables:
        _WATCHED.setdefault(table, set()).add(kind)
    return request_cache.cached("process:" + kind, None, lambda: _process_value(kind, tables, compute))


def _process_value(kind: str, tables: tuple[str, ...], compute: Callable[[bool], T]) -> T:
    if not has_app_context():
        return compute(False)
    ttl = float(current_app.config.get("SETTINGS_CACHE_SECONDS", 0) or 0)
    if ttl <= 0 or _changed_here(tables):
        return compute(False)
    store = current_app.extensions.setdefault(PROCESS_KEY, {})
    now = time.monotonic()
    kept = store.get(kind)
    if kept is not None and now - kept[0] < ttl:
        return kept[1]
    value = compute(True)
    if not _changed_here(tables):   # the read's autoflush may have written the table: then keep nothing
        store[kind] = (now, value)
    return value


def _changed_here(tables: tuple[str, ...]) -> bool:
    changed = db.session().info.get(CHANGED_KEY)
    return bool(changed) and any(table in changed for table in tables)


def forget(*tables: str) -> None:
    """Empty this process's copy, and this request's, of every kind read from these tables (a service
    calls it for a change it has not flushed yet; a flush, commit or rollback calls it by itself)."""
    if not has_app_context():
        return
    store = current_app.extensions.get(PROCESS_KEY) or {}
    for table in tables:
        for kind in _WATCHED.get(table, ()):
            store.pop(kind, None)
            request_cache.forget("process:" + kind, None)


def _changed(session, tables) -> None:
    watched = [t for t in tables if t in _WATCHED]
    if watched:
        session.info.setdefault(CHANGED_KEY, set()).update(watched)
        forget(*watched)


def _after_flush(session, _context) -> None:
    _changed(session, {getattr(obj, "__tablename__", None)
                       for obj in (*session.new, *session.dirty, *session.deleted)})


def _on_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _changed(state.session, {getattr(table, "name", None)})


def _transaction_ended(session, *_args) -> None:
    changed = session.info.pop(CHANGED_KEY, None)
    if changed:
        forget(*changed)


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("after_flush", _after_flush), ("do_orm_execute", _on_orm_execute),
                 ("after_commit", _transaction_ended), ("after_soft_rollback", _transaction_ended))
