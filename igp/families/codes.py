"""The target-group code lists of this IGP (guide §2: "bewust breed", revised periodically): the
defaults in rules.CODE_LISTS, changed by a beheerder (add, rename, retire, take back into use).

A code is a contract and never changes; its label may. A retired code stays readable (its label
is shown on every family that has it) and cannot be chosen on a new aanmelding or added by a
correction. Every change is logged.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import select

from igp import clock, process_cache, request_cache
from igp.audit import services as audit
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.families import rules
from igp.families.models import TargetGroupCode
from igp.families.schemas import CodeLabelIn
from igp.validation import parse

KEEPER_ROLES = frozenset({"beheerder"})


@dataclass(frozen=True)
class CodeEntry:
    code: str
    label: str
    active: bool
    default_label: str | None   # the built-in label (None: added by this IGP)


def _rows() -> Mapping[tuple[str, str], object]:
    """The IGP's changes (rows with the table's columns): once per request, and kept a few seconds per
    process (igp.process_cache; a change made here is seen at once, by the other workers within seconds)."""
    return process_cache.cached("target_group_codes", ("target_group_code",), lambda refresh: MappingProxyType({
        (r.kind, r.code): r for r in db.session.execute(
            select(TargetGroupCode.__table__).execution_options(igp_cache_refresh=refresh))}))


def _forget() -> None:
    """After a change not yet flushed: the next read in this request is fresh."""
    request_cache.clear()


def entries(kind: str) -> list[CodeEntry]:
    """Every code of a list, the defaults first (in their order), then the IGP's own."""
    rows = {code: row for (k, code), row in _rows().items() if k == kind}
    result = []
    for code, label in rules.CODE_LISTS[kind].items():
        row = rows.pop(code, None)
        result.append(CodeEntry(code, row.label if row else label, row is None or row.retired_at is None, label))
    for code, row in sorted(rows.items(), key=lambda item: item[1].id):
        result.append(CodeEntry(code, row.label, row.retired_at is None, None))
    return result


def labels(kind: str) -> dict[str, str]:
    """code -> label, retired codes included (they stay readable)."""
    return {e.code: e.label for e in entries(kind)}


def active(kind: str) -> dict[str, str]:
    return {e.code: e.label for e in entries(kind) if e.active}


def problems(field_name: str, kind: str, values, kept=()) -> dict[str, str]:
    """The codes sent for one list, checked against this IGP's active list (rules.code_list_problems)."""
    return rules.code_list_problems(field_name, rules.CODE_LIST_LABELS[kind], values, active(kind), labels(kind), kept)


def criteria(age_limit_months: int) -> rules.Criteria:
    """The IGP's definition: its own code lists (a retired code still counts where it was recorded)."""
    return rules.Criteria(social_vulnerabilities=frozenset(labels("vulnerabilities")),
                          medical_reasons=frozenset(labels("medical_reasons")), age_limit_months=age_limit_months)


class LabelsOf(Mapping):
    """A list's labels as templates look them up (labels.vulnerabilities[code]), read when used: the
    IGP's current names, retired codes included; an unknown code shows its built-in label or itself."""

    def __init__(self, kind: str):
        self.kind = kind

    def __getitem__(self, code):
        return labels(self.kind).get(code) or rules.CODE_LISTS[self.kind].get(code) or str(code)

    def __iter__(self):
        return iter(labels(self.kind))

    def __len__(self):
        return len(labels(self.kind))


# ------------------------------------------------------------------ the beheerder's changes

def _require_keeper(actor, detail: str) -> None:
    if not actor.roles & KEEPER_ROLES:
        raise Forbidden("Alleen een beheerder houdt de codelijsten van de doelgroep bij.", audit={
            "action": "configure", "user": actor, "object_type": "target_group_code", "outcome": "denied",
            "detail": detail})


def _kind(kind: str) -> str:
    if kind not in rules.CODE_LISTS:
        raise ValidationError({"kind": f"Onbekende codelijst '{kind}'. Kies uit: {', '.join(rules.CODE_LISTS)}."})
    return kind


def _row(kind: str, code: str) -> TargetGroupCode | None:
    return db.session.scalars(select(TargetGroupCode).where(TargetGroupCode.kind == kind,
                                                            TargetGroupCode.code == code)).first()


def _label_taken(kind: str, label: str, code: str | None = None) -> bool:
    return any(e.label.lower() == label.lower() and e.code != code for e in entries(kind))


def add_code(actor, kind: str, data: dict) -> CodeEntry:
    """A new code in a list: {"code", "label"}."""
    _require_keeper(actor, f"add to {kind} refused: role")
    _kind(kind)
    command = parse(CodeLabelIn, data)
    code = command.code
    errors = {}
    if code is None:
        errors["code"] = "Code is verplicht."
    elif not re.match(rules.CODE_PATTERN, code):
        errors["code"] = "Code: 2-40 tekens, kleine letters, cijfers en _, beginnend met een letter."
    elif code in labels(kind):
        errors["code"] = f"De code '{code}' bestaat al in deze lijst."
    if command.label and _label_taken(kind, command.label):
        errors["label"] = f"Er is al een code met de naam '{command.label}'."
    if errors:
        raise ValidationError(errors)
    db.session.add(TargetGroupCode(kind=kind, code=code, label=command.label, updated_by_id=actor.id))
    db.session.flush()
    _forget()
    audit.record("configure", user=actor, object_type="target_group_code", object_id=f"{kind}:{code}",
                 detail=f"code added: {command.label}")
    return next(e for e in entries(kind) if e.code == code)


def _existing(kind: str, code: str) -> CodeEntry:
    entry = next((e for e in entries(_kind(kind)) if e.code == code), None)
    if entry is None:
        raise ValidationError({"code": f"Onbekende code '{code}' in deze lijst."})
    return entry


def _keep(actor, kind: str, entry: CodeEntry, *, label: str | None = None, retired: bool | None = None) -> None:
    row = _row(kind, entry.code)
    if row is None:
        row = TargetGroupCode(kind=kind, code=entry.code, label=entry.label)
        db.session.add(row)
    if label is not None:
        row.label = label
    if retired is not None:
        row.retired_at = clock.now() if retired else None
    row.updated_by_id = actor.id
    db.session.flush()
    _forget()


def rename_code(actor, kind: str, code: str, data: dict) -> CodeEntry:
    """A new label; the stored code (on every family) stays as it is."""
    _require_keeper(actor, f"rename in {kind} refused: role")
    entry = _existing(kind, code)
    label = parse(CodeLabelIn, dict(data, code=code)).label
    if _label_taken(kind, label, code):
        raise ValidationError({"label": f"Er is al een code met de naam '{label}'."})
    _keep(actor, kind, entry, label=label)
    audit.record("configure", user=actor, object_type="target_group_code", object_id=f"{kind}:{code}",
                 detail=f"code renamed: {entry.label} -> {label}")
    return _existing(kind, code)


def retire_code(actor, kind: str, code: str, *, retired: bool = True) -> CodeEntry:
    """Retire a code (no longer chosen; stays readable), or take it back into use."""
    _require_keeper(actor, f"retire in {kind} refused: role")
    entry = _existing(kind, code)
    if entry.active is not retired:
        raise ValidationError({"code": f"De code '{code}' is al {'vervallen' if retired else 'in gebruik'}."})
    _keep(actor, kind, entry, retired=retired)
    audit.record("configure", user=actor, object_type="target_group_code", object_id=f"{kind}:{code}",
                 detail="code retired" if retired else "code back in use")
    return _existing(kind, code)
