"""The queue of possible duplicates that the registering user could not see.

A registration whose BSN or name + birth date matches a family the user may not see goes
ahead (the user learns nothing, not even from the time it takes: no oracle). `scan()`, run from
cron (`flask --app igp duplicates scan`), finds such matches afterwards and queues them.

Who decides: marking the two as distinct families, the planner of either organisation or a
privacy officer. Merging moves the new registration into the existing family, so it changes what
the existing family's data holder shares: only the privacy officer or a planner of the
existing family's registering organisation merges (a planner of the registering side could
otherwise merge a fabricated registration into a family it may not see). Consents recorded by
another organisation are not carried over, and nobody gains a care relationship by the merge:
the data holder decides that (the coordinator and registering organisation are told).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from igp import clock
from igp.admin.schemas import RESOLUTIONS, DuplicateResolveIn
from igp.admin.services import get_setting, set_setting
from igp.audit import services as audit
from igp.auth.models import User, UserRole
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families import rules as family_rules
from igp.families.models import Child, DuplicateCandidate, Family, Parent
from igp.mdo.models import AgendaItem
from igp.notifications.services import notify
from igp.sharing import gateway
from igp.sharing.models import ConsentRecord
from igp.validation import parse

ACTIVE = family_rules.IN_CARE
# tables whose rows move with a merge are found from the schema; these are handled by hand
_SPECIAL = {"family", "parent", "child", "duplicate_candidate", "mdo_agenda_item"}


def _keys(family: Family) -> tuple[list[str], list[str]]:
    bsn = [p.bsn_index for p in family.parents if p.bsn_index]
    names = [p.name_birth_index for p in family.parents if p.name_birth_index]
    names += [c.name_birth_index for c in family.children if c.name_birth_index]
    return bsn, names


def _matching_families(family: Family, bsn: list[str], names: list[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    if bsn:
        for fid in db.session.scalars(select(Parent.family_id).where(Parent.bsn_index.in_(bsn))):
            found.setdefault(fid, "bsn")
    if names:
        for model in (Parent, Child):
            for fid in db.session.scalars(select(model.family_id).where(model.name_birth_index.in_(names))):
                found.setdefault(fid, "naam_geboortedatum")
    found.pop(family.id, None)
    return found


def scan(batch: int = 5000) -> tuple[int, int]:
    """Look at the registrations since the last scan: a match (BSN, or name + birth date) with a
    family whose NAW the registering user may not see is queued, once per pair, and the planners
    of both organisations and the privacy officers are told. Returns (checked, queued)."""
    last = int(get_setting("duplicates_scanned_to", fresh=True) or 0)
    families = list(db.session.scalars(select(Family).where(Family.id > last).order_by(Family.id).limit(batch)))
    queued = 0
    for family in families:
        creator = family.created_by
        bsn, names = _keys(family)
        matches = _matching_families(family, bsn, names) if creator is not None else {}
        if not matches:
            continue
        seen = gateway.identity_matches(creator, bsn, names)
        for existing_id, match in matches.items():
            # the earlier family is the existing one: a pair is queued once, when the later is scanned
            if existing_id > family.id or existing_id in seen or _queued(family.id, existing_id):
                continue
            _queue(family, db.session.get(Family, existing_id), match)
            queued += 1
    if families:
        set_setting("duplicates_scanned_to", families[-1].id)
    return len(families), queued


def _queued(new_id: int, existing_id: int) -> bool:
    return db.session.scalar(select(DuplicateCandidate.id).where(
        DuplicateCandidate.new_family_id == new_id, DuplicateCandidate.existing_family_id == existing_id)) is not None


def _queue(family: Family, existing: Family, match: str) -> None:
    row = DuplicateCandidate(new_family_id=family.id, existing_family_id=existing.id, new_pseudonym=family.pseudonym,
                             existing_pseudonym=existing.pseudonym, match=match,
                             registering_organisation_id=family.registering_organisation_id,
                             registered_by_id=family.created_by_id)
    db.session.add(row)
    db.session.flush()
    audit.record("create", object_type="duplicate_candidate", object_id=row.id, family_pseudonym=family.pseudonym,
                 detail=f"possible duplicate of {existing.pseudonym} queued ({match})")
    orgs = {family.registering_organisation_id, existing.registering_organisation_id}
    planners = select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "planner", User.organisation_id.in_(orgs), User.active.is_(True))
    officers = select(UserRole.user_id).where(UserRole.role == "privacy_officer")
    notify(set(db.session.scalars(planners)) | set(db.session.scalars(officers)), "dubbel",
           "Er is mogelijk een gezin dubbel aangemeld. Beoordeel de wachtrij 'Mogelijk dubbele gezinnen'.")


def _involved_orgs(row: DuplicateCandidate) -> set[int]:
    existing = db.session.get(Family, row.existing_family_id) if row.existing_family_id else None
    return {row.registering_organisation_id} | ({existing.registering_organisation_id} if existing else set())


def _may_see_queue(actor, row: DuplicateCandidate | None = None) -> bool:
    if actor.has_role("privacy_officer"):
        return True
    return actor.has_role("planner") and (row is None or actor.organisation_id in _involved_orgs(row))


def _may_merge(actor, row: DuplicateCandidate) -> bool:
    if actor.has_role("privacy_officer"):
        return True
    existing = db.session.get(Family, row.existing_family_id) if row.existing_family_id else None
    return actor.has_role("planner") and existing is not None \
        and existing.registering_organisation_id == actor.organisation_id


@dataclass
class CandidateView:
    id: int
    new_family_id: int | None
    existing_family_id: int | None
    new_pseudonym: str
    existing_pseudonym: str
    match: str
    registered_by: str
    organisation: str
    created_at: datetime
    resolution: str | None
    resolved_at: datetime | None


def _view(row: DuplicateCandidate) -> CandidateView:
    return CandidateView(row.id, row.new_family_id, row.existing_family_id, row.new_pseudonym, row.existing_pseudonym,
                         row.match, row.registered_by.name, row.registering_organisation.name, row.created_at,
                         row.resolution, row.resolved_at)


def queue(actor, *, include_resolved: bool = False) -> list[CandidateView]:
    if not _may_see_queue(actor):
        raise Forbidden("Alleen de planner of de privacy officer beoordeelt mogelijk dubbele gezinnen.")
    stmt = select(DuplicateCandidate).order_by(DuplicateCandidate.created_at.desc(), DuplicateCandidate.id.desc())
    if not include_resolved:
        stmt = stmt.where(DuplicateCandidate.resolved_at.is_(None))
    if not actor.has_role("privacy_officer"):
        existing_org = select(Family.registering_organisation_id).where(
            Family.id == DuplicateCandidate.existing_family_id).scalar_subquery()
        stmt = stmt.where((DuplicateCandidate.registering_organisation_id == actor.organisation_id)
                          | (existing_org == actor.organisation_id))
    rows = list(db.session.scalars(stmt.limit(200)))
    audit.record("read", user=actor, object_type="duplicate_queue", detail=f"{len(rows)} shown (pseudonyms only)")
    return [_view(r) for r in rows]


def resolve(actor, candidate_id: int, data: dict) -> DuplicateCandidate:
    row = db.session.get(DuplicateCandidate, candidate_id)
    if row is None or not _may_see_queue(actor, row):
        raise NotFound("Deze melding bestaat niet.")
    if row.resolved_at is not None:
        raise ValidationError({"_": "Deze melding is al afgehandeld."})
    command = parse(DuplicateResolveIn, data)
    resolution, note = command.resolution, command.note
    if resolution == "samenvoegen":
        if not _may_merge(actor, row):
            raise Forbidden("Samenvoegen beslist de privacy officer of de planner van de organisatie die het bestaande "
                            "gezin aanmeldde; u kunt de gezinnen wel als verschillend markeren.", audit={
                                "action": "update", "user": actor, "object_type": "duplicate_candidate",
                                "object_id": row.id, "outcome": "denied", "detail": "merge refused"})
        if row.new_family_id is None or row.existing_family_id is None:
            raise ValidationError({"resolution": "Een van beide gezinnen bestaat niet meer; markeer als verschillend."})
        merge(actor, row.new_family_id, row.existing_family_id)
    row.resolution = "samengevoegd" if resolution == "samenvoegen" else "verschillend"
    row.resolved_at = clock.now()
    row.resolved_by_id = actor.id
    row.note = (note or "").strip() or None
    audit.record("update", user=actor, object_type="duplicate_candidate", object_id=row.id,
                 family_pseudonym=row.existing_pseudonym,
                 detail=f"{row.new_pseudonym} / {row.existing_pseudonym}: {row.resolution}")
    return row


def _family_tables():
    """(table, column) pairs that point at a family, other than the ones merged by hand."""
    for table in db.metadata.sorted_tables:
        if table.name in _SPECIAL:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "family":
                yield table, fk.parent


def merge(actor, source_id: int, target_id: int) -> Family:
    """Merge family ``source`` (the new registration) into ``target`` (the existing one): its
    referrals, handovers, intakes, notes, consents, team, MDO history and actions move; parents
    and children not already known are added; the registering user keeps a care relationship
    as core-team member. The source family is removed. All or nothing (one transaction)."""
    source, target = db.session.get(Family, source_id), db.session.get(Family, target_id)
    if source is None or target is None or source.id == target.id:
        raise ValidationError({"resolution": "Deze gezinnen kunnen niet worden samengevoegd."})
    parent_map = _merge_people(source, target)
    for record in source_consents(source.id):
        if record.recorded_by.organisation_id != target.registering_organisation_id:
            # consent is the data holder's record: another organisation's does not carry over
            db.session.delete(record)
        else:
            record.given_by = sorted({parent_map.get(pid, pid) for pid in (record.given_by or [])})
    db.session.flush()
    _move_agenda_items(source, target)
    for table, column in _family_tables():
        db.session.execute(update(table).where(column == source.id).values({column.name: target.id}))
    db.session.execute(update(DuplicateCandidate).where(DuplicateCandidate.new_family_id == source.id)
                       .values(new_family_id=target.id))
    db.session.execute(update(DuplicateCandidate).where(DuplicateCandidate.existing_family_id == source.id)
                       .values(existing_family_id=target.id))
    _tell_the_data_holder(source, target)
    if target.coordinator_id is None and source.coordinator_id is not None:
        target.coordinator_id = source.coordinator_id
    if target.status not in ACTIVE and source.status in ACTIVE:
        target.status = family_rules.transition(target.status, "samenvoeging", outcome=source.status)
        target.target_eligible = source.target_eligible
        target.target_result = source.target_result
    db.session.flush()
    audit.record("update", user=actor, object_type="family", object_id=target.id, family_pseudonym=target.pseudonym,
                 detail=f"merged {source.pseudonym} into {target.pseudonym}")
    db.session.expire(target)
    db.session.delete(db.session.get(Family, source.id))
    db.session.flush()
    return target


def _tell_the_data_holder(source: Family, target: Family) -> None:
    """The registering user of the merged registration gains nothing by the merge; the coordinator
    and the registering organisation's planners hear of it and may add them to the core team."""
    planners = set(db.session.scalars(select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "planner", User.organisation_id == target.registering_organisation_id)))
    recipients = planners | ({target.coordinator_id} if target.coordinator_id else set())
    creator = source.created_by
    who = f"{creator.name} ({creator.organisation.name})" if creator else "een andere organisatie"
    notify(recipients, "dubbel", f"Een aanmelding van {who} is samengevoegd met gezin {{gezin}}. Voeg de aanmelder zo "
                                 "nodig toe aan het kernteam; de toestemming van de ouders bepaalt wat zij zien.",
           family_id=target.id)


def source_consents(family_id: int):
    return list(db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family_id)))


def _merge_people(source: Family, target: Family) -> dict[int, int]:
    """Parents and children of the source not already in the target (same BSN or name + birth
    date index) move over; returns source parent id -> target parent id for the consents."""
    mapping: dict[int, int] = {}
    for parent in list(source.parents):
        match = next((p for p in target.parents if (parent.bsn_index and p.bsn_index == parent.bsn_index)
                      or (parent.name_birth_index and p.name_birth_index == parent.name_birth_index)), None)
        if match is not None:
            mapping[parent.id] = match.id
        else:
            db.session.execute(update(Parent).where(Parent.id == parent.id).values(
                family_id=target.id, position=len(target.parents) + 1))
            mapping[parent.id] = parent.id
    known = {c.name_birth_index for c in target.children if c.name_birth_index}
    position = len(target.children)
    for child in list(source.children):
        if child.name_birth_index and child.name_birth_index in known:
            continue
        position += 1
        db.session.execute(update(Child).where(Child.id == child.id).values(family_id=target.id, position=position))
    db.session.expire(source)
    db.session.expire(target)
    return mapping


def _move_agenda_items(source: Family, target: Family) -> None:
    target_meetings = set(db.session.scalars(select(AgendaItem.meeting_id).where(AgendaItem.family_id == target.id)))
    for item in db.session.scalars(select(AgendaItem).where(AgendaItem.family_id == source.id)):
        if item.meeting_id not in target_meetings:
            item.family_id = target.id
        elif item.outcomes or item.revisions:
            raise ValidationError({"resolution": "Beide gezinnen zijn in hetzelfde MDO besproken; voeg de verslagen "
                                                 "eerst samen of markeer de gezinnen als verschillend."})
        else:
            db.session.delete(item)   # both on one agenda: the empty duplicate item goes
    db.session.flush()


def pending_count(actor) -> int:
    if not _may_see_queue(actor):
        return 0
    from sqlalchemy import func

    stmt = select(func.count()).select_from(DuplicateCandidate).where(DuplicateCandidate.resolved_at.is_(None))
    if not actor.has_role("privacy_officer"):
        existing_org = select(Family.registering_organisation_id).where(
            Family.id == DuplicateCandidate.existing_family_id).scalar_subquery()
        stmt = stmt.where((DuplicateCandidate.registering_organisation_id == actor.organisation_id)
                          | (existing_org == actor.organisation_id))
    return db.session.scalar(stmt) or 0


__all__ = ["RESOLUTIONS", "merge", "pending_count", "queue", "resolve"]
