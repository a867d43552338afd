"""The families of a list as plain rows (issue 21: "consent decisions for a list computed from plain
rows, Core selects, not ORM instances").

A list (Mijn gezinnen, the handover board, the signals, a search) shows per family a summary and
logs its read; the policy decides on it. Both read a few columns only: the family's own, its poli,
its coordinator's name, its parents' ids, names and gezag, its referral dates. Loading them as ORM
instances (a Family with its joined poli, coordinator and organisation, the parents and referrals
as instances, each in the session's identity map) cost about three times as much as reading the
same rows with Core selects (50 families: 4.7 against 1.5 ms of CPU, measured with the benchmark's
database). A ``ListedFamily`` has the attributes of ``Family`` that the summary and the policy read,
under the same names, so ``gateway.summarise`` and ``gateway.decisions_for`` take either.

A parent's name and the question for the MDO are read encrypted and decrypted only when asked for,
that is where the reader may see them. A listed family is not a row of the session: nothing here is
written, refreshed or lazily loaded.
It holds decrypted names, so, like an ORM row of a family table, it must never reach a template:
the template guard (igp.sharing.guard) refuses these classes as well.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import aliased

from igp.admin.models import Poli
from igp.auth.models import User
from igp.crypto import EncryptedText
from igp.extensions import db
from igp.families.models import Family, Parent, Referral
from igp.sql import dialect_name, id_in_param


@dataclass(frozen=True, slots=True)
class ListedPoli:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ListedPerson:
    name: str


@dataclass(frozen=True, slots=True)
class ListedParent:
    """A parent of a listed family. The name is read encrypted and decrypted only when it is asked
    for, i.e. when the reader may see it (a list shows the first parent's name where the NAW may
    be shown): a board of families whose NAW is withheld decrypts nothing."""

    id: int
    family_id: int
    position: int
    gezag: str | None
    name_token: str | None

    @property
    def name(self) -> str | None:
        return _ENCRYPTED.process_result_value(self.name_token, None)


@dataclass(frozen=True, slots=True)
class ListedReferral:
    id: int
    family_id: int
    received_at: datetime | None


@dataclass(frozen=True, slots=True)
class ListedFamily:
    """What a list reads of a family, under Family's attribute names (parents by position,
    referrals by date received, as Family's relationships order them)."""

    id: int
    pseudonym: str
    poli_id: int
    phase: str
    status: str
    created_at: datetime
    registering_organisation_id: int | None
    coordinator_id: int | None
    poli: ListedPoli
    coordinator: ListedPerson | None
    mdo_question_token: str | None     # read only with with_mdo_question, encrypted
    parents: tuple[ListedParent, ...]
    referrals: tuple[ListedReferral, ...]

    @property
    def mdo_question(self) -> str | None:
        """The question for the MDO, decrypted when asked for (where the reader may see mdo_notulen)."""
        return _ENCRYPTED.process_result_value(self.mdo_question_token, None)


_ENCRYPTED = EncryptedText()

#: the classes that hold family data (for the template guard)
LISTED_CLASSES = frozenset({ListedFamily, ListedParent, ListedReferral})


def family_select(*where, with_mdo_question: bool = False):
    """The Core select of a list's families (add order_by, offset and limit as the list needs), for
    ``load_rows``: the family's columns, its poli's code and name, its coordinator's name."""
    return _family_base(with_mdo_question).where(*where)


@cache
def _family_base(with_mdo_question: bool):
    """Built once per process (an aliased entity costs about a millisecond to build and adapt)."""
    # the poli and the coordinator under their own names: a condition in ``where`` with a subquery on
    # the user or poli table is then never correlated to the joined row
    poli, coordinator = aliased(Poli, name="listed_poli"), aliased(User, name="listed_coordinator")
    columns = [Family.id, Family.pseudonym, Family.poli_id, Family.phase, Family.status, Family.created_at,
               Family.registering_organisation_id, Family.coordinator_id, poli.code.label("poli_code"),
               poli.name.label("poli_name"), coordinator.name.label("coordinator_name")]
    if with_mdo_question:
        columns.append(type_coerce(Family.mdo_question, Text).label("mdo_question_token"))
    return (select(*columns).join(poli, poli.id == Family.poli_id)
            .outerjoin(coordinator, coordinator.id == Family.coordinator_id))


@cache
def _related_statements(dialect: str):
    """The parents and referrals of a list of families, built once per process and dialect."""
    return (select(Parent.id, Parent.family_id, Parent.position, Parent.gezag,
                   type_coerce(Parent.name, Text).label("name_token"))
            .where(id_in_param(Parent.family_id, "family_ids", dialect)).order_by(Parent.position, Parent.id),
            select(Referral.id, Referral.family_id, Referral.received_at)
            .where(id_in_param(Referral.family_id, "family_ids", dialect)).order_by(Referral.received_at, Referral.id))


def load_rows(stmt) -> list[ListedFamily]:
    """The families of ``stmt`` (a ``family_select``), in its order, with their parents and referrals:
    three statements whether or not a family is found (a list's count does not tell what it found)."""
    rows = db.session.execute(stmt).all()
    keys = {"family_ids": [row.id for row in rows] or [0]}
    parent_stmt, referral_stmt = _related_statements(dialect_name())
    parents: dict[int, list[ListedParent]] = {row.id: [] for row in rows}
    for p in db.session.execute(parent_stmt, keys):
        parents[p.family_id].append(ListedParent(p.id, p.family_id, p.position, p.gezag, p.name_token))
    referrals: dict[int, list[ListedReferral]] = {row.id: [] for row in rows}
    for r in db.session.execute(referral_stmt, keys):
        referrals[r.family_id].append(ListedReferral(r.id, r.family_id, r.received_at))
    return [_listed(row, parents[row.id], referrals[row.id]) for row in rows]


def _listed(row, parents: list[ListedParent], referrals: list[ListedReferral]) -> ListedFamily:
    mapping = row._mapping
    return ListedFamily(
        id=row.id, pseudonym=row.pseudonym, poli_id=row.poli_id, phase=row.phase, status=row.status,
        created_at=row.created_at, registering_organisation_id=row.registering_organisation_id,
        coordinator_id=row.coordinator_id, poli=ListedPoli(row.poli_code, row.poli_name),
        coordinator=ListedPerson(row.coordinator_name) if row.coordinator_id is not None else None,
        mdo_question_token=mapping.get("mdo_question_token"), parents=tuple(parents), referrals=tuple(referrals))

