"""Values computed once per request (issue 21): the viewer's substitutions, involvement rows, the
settings. A page asks the same question many times (the family page decides, then shows, then
checks what the reader may do); the answer cannot change while the request does not write.

The cache lives on ``flask.g`` (so it dies with the request) and is emptied whenever the request
writes: every ORM flush, every ORM INSERT/UPDATE/DELETE statement and every rollback (the session
hooks below, installed by create_app). Outside a request nothing is cached. Cached values must be
immutable (tuples, frozensets): callers get the same object every time."""
from __future__ import annotations

from typing import Callable, Hashable, TypeVar

from flask import g, has_request_context

T = TypeVar("T")
KEY = "igp_request_cache"


def cached(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per request (and per write) for (kind, key)."""
    if not has_request_context():
        return compute()
    store = g.get(KEY)
    if store is None:
        store = {}
        setattr(g, KEY, store)
    slot = (kind, key)
    if slot in store:
        return store[slot]
    value = store[slot] = compute()
    return value


PINNED = "igp_request_pinned"


def pin(obj):
    """Keep an ORM instance referenced until the request ends, so that a later
    ``session.get()`` of it finds it in the identity map (which holds instances weakly) instead of
    reading it again. Unlike the cache, pins survive writes: the instance is the session's own and
    expires and refreshes as usual. Outside a request: nothing."""
    if has_request_context() and obj is not None:
        pinned = g.get(PINNED)
        if pinned is None:
            pinned = []
            setattr(g, PINNED, pinned)
        pinned.append(obj)
    return obj


def forget(kind: str, key: Hashable) -> None:
    """Drop one cached value of this request."""
    if has_request_context():
        store = g.get(KEY)
        if store is not None:
            store.pop((kind, key), None)


def clear(*_args, **_kwargs) -> None:
    if has_request_context():
        g.pop(KEY, None)


def _on_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        clear()


# installed on the Session by igp.app.install_session_hooks (create_app), never at import
SESSION_HOOKS = (("after_flush", clear), ("after_soft_rollback", clear), ("do_orm_execute", _on_orm_execute))
