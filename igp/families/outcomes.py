"""The birth outcomes monitoring counts (guide §7.2): one anonymous row per index child born, with
coarse classes only (igp.families.models.BirthOutcome). Written whenever an index child's birth
data are written: at the aanmelding, at a correction and when the birth is recorded."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from igp.crypto import blind_index
from igp.extensions import db
from igp.families import rules
from igp.families.models import BirthOutcome, Family


def outcome_ref(child_id: int) -> str:
    """A keyed hash of the child's id: a correction finds its row, the row names no child."""
    return blind_index("geboorte_uitkomst", str(child_id))


def rebuild(batch: int = 500) -> int:
    """Every family's birth outcomes again from the children's data (`flask --app igp reports
    rebuild-facts`: after an import, a restore or `synth`); returns the number of families."""
    ids = db.session.scalars(select(Family.id).where(Family.children.any()).order_by(Family.id)).all()
    for start in range(0, len(ids), batch):
        families = db.session.scalars(select(Family).options(selectinload(Family.children))
                                      .where(Family.id.in_(ids[start:start + batch]))).all()
        for family in families:
            note_births(family)
        db.session.expunge_all()
    return len(ids)


def note_births(family: Family) -> None:
    """Bring the outcome rows of the family's children in line with their data (flushes first:
    new children need their id). A sibling (or a child without a birth date) has none."""
    db.session.flush()
    refs = {outcome_ref(child.id): child for child in family.children}
    rows = {row.ref: row for row in db.session.scalars(select(BirthOutcome).where(BirthOutcome.ref.in_(refs)))}
    for ref, child in refs.items():
        row = rows.get(ref)
        if child.sibling or child.birth_date is None:
            if row is not None:
                db.session.execute(delete(BirthOutcome).where(BirthOutcome.id == row.id))
            continue
        if row is None:
            row = BirthOutcome(ref=ref, poli_id=family.poli_id)
            db.session.add(row)
        row.born_month = child.birth_date.replace(day=1)
        row.gestation_class, row.weight_class, row.admission = rules.birth_outcome_classes(
            child.gestational_age_weeks, child.birth_weight_grams, child.admission)
    db.session.flush()
