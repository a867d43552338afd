"""The forgiving search's index (igp.families.models.SearchToken): keyed blind indexes of the
words and prefixes of every name of a family, written whenever a name is written, and the lookup
of a query in it. The names themselves stay encrypted; what the index leaks is in the README."""
from __future__ import annotations

from functools import reduce
from operator import add

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import selectinload

from igp.crypto import blind_index
from igp.extensions import db
from igp.families import rules
from igp.families.models import Family, SearchToken

KIND = "zoekterm"


def _hash(term: str) -> str:
    return blind_index(KIND, term)


def reindex(family: Family) -> None:
    """The family's tokens again from its parents' and children's names (flushes first)."""
    db.session.flush()
    names = [p.name for p in family.parents] + [c.name for c in family.children]
    db.session.execute(delete(SearchToken).where(SearchToken.family_id == family.id))
    db.session.add_all(SearchToken(family_id=family.id, token=_hash(term)) for term in rules.index_terms(names))
    db.session.flush()


def rebuild(batch: int = 500) -> int:
    """Every family's tokens again (`flask --app igp search reindex`: after a key rotation of the
    index key, an import or `synth`); returns the number of families."""
    ids = db.session.scalars(select(Family.id).order_by(Family.id)).all()
    for start in range(0, len(ids), batch):
        families = db.session.scalars(select(Family).options(selectinload(Family.parents),
                                                             selectinload(Family.children))
                                      .where(Family.id.in_(ids[start:start + batch]))).all()
        for family in families:
            reindex(family)
        db.session.expunge_all()
    return len(ids)


def matching_families(words: list[str], candidates=None) -> dict[int, set[str]]:
    """Family id -> the terms of `words` its names hold ("w:..." or "p:..."), one indexed lookup;
    `candidates`: an optional subquery of family ids to keep to (what the user may see)."""
    terms = {}
    for word in words:
        terms[_hash("w:" + word)] = "w:" + word
        terms[_hash("p:" + word[:rules.SEARCH_PREFIX_MAX])] = "p:" + word[:rules.SEARCH_PREFIX_MAX]
    stmt = select(SearchToken.family_id, SearchToken.token).where(SearchToken.token.in_(list(terms)))
    if candidates is not None:
        stmt = stmt.where(SearchToken.family_id.in_(candidates))
    hits: dict[int, set[str]] = {}
    for family_id, token in db.session.execute(stmt):
        hits.setdefault(family_id, set()).add(terms[token])
    return hits


def ranked_families(words: list[str], visible, limit: int) -> list[int]:
    """rules.rank_matches(matching_families(words)) among the families that ``visible`` (an SQL
    condition on Family) lets the reader see, at most ``limit``, in one statement: the database keeps
    the families whose names hold every word (as a word or a prefix), scores the whole-word matches
    and returns only the first ids (issue 21: at 100,000 families a common name matched thousands,
    all sent back and forth to be checked and ranked here)."""
    per_word = [(_hash("w:" + w), _hash("p:" + w[:rules.SEARCH_PREFIX_MAX])) for w in words]

    def holds(*tokens):
        return func.max(case((SearchToken.token.in_(tokens), 1), else_=0))

    tokens = sorted({t for pair in per_word for t in pair})
    # ranked over the index alone, then checked against what the reader may see in that order, by
    # primary key, until enough are found (a join before ranking made PostgreSQL check every matched
    # family, or scan every family the reader may see: 12-23 ms at 100,000 families)
    whole = reduce(add, [holds(w) for w, _ in per_word])
    ranked = (select(SearchToken.family_id.label("family_id"), whole.label("whole"))
              .where(SearchToken.token.in_(tokens)).group_by(SearchToken.family_id)
              .having(and_(*(holds(w, p) == 1 for w, p in per_word)))).subquery()
    stmt = (select(ranked.c.family_id).join(Family, Family.id == ranked.c.family_id).where(visible)
            .order_by(ranked.c.whole.desc(), ranked.c.family_id.desc()).limit(limit))
    return list(db.session.scalars(stmt))
