"""Retention per data category and erasure on request.

* A family that has left the IGP (status `uitgestroomd` or `niet_in_doelgroep`) is kept for the
  retention period of its data categories after its last activity. Notes of a category whose
  period has passed are removed; when every category has passed, the whole family is removed.
* Erasure on request removes a family at once (a privacy officer, with a reason).
* The audit log is kept: it only names the family by its pseudonym, which no longer leads to
  anybody once the family is gone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from consent import CATEGORIES
from igp import clock
from igp.admin.services import get_setting
from igp.audit import services as audit
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families.models import Family, FamilyNote, Referral
from igp.families.rules import add_months
from igp.sharing.schemas import ReasonIn
from igp.validation import parse

# WGBO art. 7:454 BW: medical records 20 years after the last change; the JGZ dossier (Wpg) and
# youth care (Jeugdwet) also 20 years. A region may shorten the social categories (documented).
DEFAULT_RETENTION_YEARS = {category: 20 for category in CATEGORIES}
CLOSED_STATUSES = ("uitgestroomd", "niet_in_doelgroep")


def retention_years() -> dict[str, int]:
    table = dict(DEFAULT_RETENTION_YEARS)
    table.update(get_setting("retention_years") or {})
    return table


def _last_activity_query():
    latest_referral = (select(Referral.family_id, func.max(Referral.received_at).label("r"))
                       .group_by(Referral.family_id).subquery())
    latest_note = (select(FamilyNote.family_id, func.max(FamilyNote.created_at).label("n"))
                   .group_by(FamilyNote.family_id).subquery())
    return (select(Family, latest_referral.c.r, latest_note.c.n)
            .outerjoin(latest_referral, latest_referral.c.family_id == Family.id)
            .outerjoin(latest_note, latest_note.c.family_id == Family.id)
            .where(Family.status.in_(CLOSED_STATUSES)))


@dataclass
class Expiry:
    family: Family
    last_activity: datetime
    expired_categories: list[str]
    whole_family: bool


def expired(now: datetime | None = None) -> list[Expiry]:
    """Closed families with at least one category past its retention period."""
    now = now or clock.now()
    years = retention_years()
    result = []
    for family, last_referral, last_note in db.session.execute(_last_activity_query()):
        moments = [m for m in (family.updated_at, family.exited_at, last_referral, last_note) if m is not None]
        last = clock.as_utc(max(clock.as_utc(m) for m in moments))
        passed = [c for c in CATEGORIES if add_months(last.date(), 12 * years[c]) <= now.date()]
        if passed:
            result.append(Expiry(family, last, passed, whole_family=len(passed) == len(CATEGORIES)))
    return sorted(result, key=lambda e: e.last_activity)


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Apply the retention periods. Returns (families removed, notes removed)."""
    families = notes = 0
    for item in expired(now):
        pseudonym = item.family.pseudonym
        if item.whole_family:
            db.session.delete(item.family)
            families += 1
            audit.record("delete", object_type="family", family_pseudonym=pseudonym,
                         detail="retention period passed: family removed")
        else:
            count = db.session.execute(delete(FamilyNote).where(
                FamilyNote.family_id == item.family.id,
                FamilyNote.category.in_(item.expired_categories))).rowcount or 0
            if count:
                notes += count
                audit.record("delete", object_type="family_note", family_pseudonym=pseudonym,
                             detail=f"retention period passed: {count} note(s) of "
                                    f"{', '.join(item.expired_categories)} removed")
    db.session.flush()
    return families, notes


def erase(actor, family_id: int, reason: str) -> str:
    """Erasure on request of the parents (AVG art. 17, art. 7:455 BW). Returns the pseudonym."""
    if actor is not None and not actor.has_role("privacy_officer"):
        raise Forbidden("Alleen de privacy officer vernietigt een dossier op verzoek.")
    reason = (parse(ReasonIn, {"reason": reason}).reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Leg vast op wiens verzoek en waarom het dossier wordt vernietigd "
                                         "(minstens 10 tekens)."})
    family = db.session.get(Family, family_id)
    if family is None:
        raise NotFound("Dit gezin bestaat niet.")
    pseudonym = family.pseudonym
    db.session.delete(family)
    db.session.flush()
    audit.record("delete", user=actor, object_type="family", family_pseudonym=pseudonym,
                 detail="erased on request (AVG art. 17 / art. 7:455 BW)")
    return pseudonym
