"""A guard that no template receives a table row that can reach family data.

The gateway hands out views that hold only the categories a reader may see. A template that
got an ORM row of a family table instead (a Family, an agenda item, a handover ...) could show
any column of it, and of every row reachable through its relationships, withheld or not: an
`{% if %}` in Jinja would be the only thing between the data and the page. This guard makes
that mistake visible: with GUARD_TEMPLATES on (the test settings), every render is checked

* before rendering: the context (at any depth of dicts, lists, tuples, sets and dataclasses,
  and through the loaded relationships of any row passed) holds no row of a class that holds
  family data or can reach one, nor a listed family's plain row (igp.sharing.listed);
* while rendering: no such row is loaded from the database (a lazy load from the template).

A violation is recorded in ``app.extensions["igp_guard_violations"]`` and raised.
"""
from __future__ import annotations

import contextvars
import dataclasses

from flask import before_render_template, template_rendered
from sqlalchemy import event, inspect

from igp.sharing import listed

#: Tables whose rows hold family data (encrypted columns about a family) or are the family.
ROOT_TABLES = frozenset({
    "family", "parent", "child", "referral", "intake", "family_note", "mdo_agenda_item", "mdo_minutes_revision",
    "mdo_outcome", "handover", "handover_event", "handover_feedback", "consent_record", "break_glass_access",
    "coordinator_assignment", "coordinator_proposal", "duplicate_candidate",
})

# (template name, violations list, unsafe classes) while a guarded template renders
_rendering: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("igp_rendering", default=None)
_listening = False


def unsafe_classes(registry) -> frozenset[type]:
    """The mapped classes that hold family data, and every class with a relationship path to one."""
    mappers = list(registry.mappers)
    unsafe = {m.class_ for m in mappers if m.local_table is not None and m.local_table.name in ROOT_TABLES}
    changed = True
    while changed:
        changed = False
        for mapper in mappers:
            if mapper.class_ in unsafe:
                continue
            if any(rel.mapper.class_ in unsafe for rel in mapper.relationships):
                unsafe.add(mapper.class_)
                changed = True
    return frozenset(unsafe)


def find_unsafe(value, unsafe: frozenset[type], path: str = "context", seen: set | None = None) -> str | None:
    """The path of the first unsafe row in ``value``, or None."""
    seen = set() if seen is None else seen
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if item is None or isinstance(item, (str, bytes, int, float, bool)) or id(item) in seen:
            continue
        seen.add(id(item))
        cls = type(item)
        if cls in unsafe:
            return f"{where} ({cls.__name__})"
        if isinstance(item, dict):
            stack.extend((v, f"{where}[{k!r}]") for k, v in item.items())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend((getattr(item, f.name), f"{where}.{f.name}") for f in dataclasses.fields(item))
        elif hasattr(item, "__mapper__"):
            state = inspect(item)
            for rel in state.mapper.relationships:
                if rel.key not in state.unloaded:
                    stack.append((state.dict.get(rel.key), f"{where}.{rel.key}"))
    return None


def _on_load(target, _context) -> None:
    current = _rendering.get()
    if current is not None and type(target) in current[2]:
        message = f"template {current[0]} loaded a family-data row while rendering: {type(target).__name__}"
        current[1].append(message)
        raise AssertionError(message)


def install(app, db) -> None:
    """Check every template render of this app (see the module docstring)."""
    global _listening
    violations = app.extensions.setdefault("igp_guard_violations", [])
    with app.app_context():
        # the plain rows of a listed family hold family data as well (decrypted names on request)
        unsafe = unsafe_classes(db.Model.registry) | listed.LISTED_CLASSES
    if not _listening:  # one listener for the process; it checks only while a guarded render runs
        event.listen(db.Model, "load", _on_load, propagate=True)
        _listening = True

    def before(sender, template, context, **extra):
        if _rendering.get() is None:
            _rendering.set((template.name, violations, unsafe))
        found = find_unsafe({k: v for k, v in context.items() if k not in ("g", "request", "session", "config")},
                            unsafe)
        if found:
            message = f"template {template.name} received a family-data row: {found}"
            violations.append(message)
            raise AssertionError(message)

    def after(sender, template, context, **extra):
        current = _rendering.get()
        if current is not None and current[0] == template.name:
            _rendering.set(None)

    before_render_template.connect(before, app, weak=False)
    template_rendered.connect(after, app, weak=False)

    @app.teardown_request
    def _reset(_exc=None):
        _rendering.set(None)
