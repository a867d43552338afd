"""Contact moments per family and discipline (guide §7.2, monitoring): recorded in a few clicks from
the family page. parse -> authorise (through the gateway) -> rule -> apply -> audit.

The category is NAW: a contact moment shows only that there was contact (when, which discipline,
which form), no content. Whoever may read the family's NAW reads the contact moments; whoever may
write it, has a care role with a discipline and a care relationship with the family (registering
organisation, coordinator, core team, acting substitute) records one. Volunteers record their
informal support instead (igp.support); the planner, the MDO chair alone, the projectleider, the
privacy officer and the beheerder record none.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, distinct, func, select
from sqlalchemy.orm import joinedload

from igp import clock
from igp.audit import services as audit
from igp.contacts import rules
from igp.contacts.models import ContactMoment
from igp.contacts.schemas import ContactMomentIn
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.families.models import Family
from igp.sharing import gateway
from igp.sharing.involvement import acting_substitute_for
from igp.validation import parse

CATEGORY = "naw"
REFUSAL = ("Een contactmoment legt een zorgverlener of sociaal werker vast die een zorgrelatie met dit gezin "
           "heeft (aanmeldende organisatie, coördinator, kernteam of vervanger).")


@dataclass
class ContactView:
    id: int
    contact_on: date
    discipline: str
    kind: str
    recorded_by: str
    organisation: str
    on_behalf_of: str | None
    recorded_at: datetime


@dataclass
class ContactSection:
    items: list[ContactView] = field(default_factory=list)        # newest first
    total: int = 0
    by_discipline: dict[str, int] = field(default_factory=dict)  # every discipline, 0 where none
    withheld: list[tuple[str, str]] = field(default_factory=list)
    may_record: bool = False
    disciplines: tuple[str, ...] = ()     # what this reader may record in (the first is her default)


def may_record(user, kinds, decision) -> bool:
    """The one rule for the route and the form: a care role with a care relationship, who may write
    the family's NAW (not on break-the-glass)."""
    return rules.may_record(user.roles, kinds) and decision.may_write(CATEGORY)


def _view(row: ContactMoment) -> ContactView:
    return ContactView(row.id, row.contact_on, row.discipline, row.kind, row.recorded_by.name,
                       row.organisation.name, row.on_behalf_of.name if row.on_behalf_of else None, row.recorded_at)


@cache
def _rows_statement(limit: int | None):
    """Built once per process and limit (issue 21); the family is a bound parameter."""
    return (select(ContactMoment).where(ContactMoment.family_id == bindparam("family_id"))
            .options(joinedload(ContactMoment.recorded_by), joinedload(ContactMoment.on_behalf_of),
                     joinedload(ContactMoment.organisation))
            .order_by(ContactMoment.contact_on.desc(), ContactMoment.id.desc()).limit(limit))


def _rows(family_id: int, limit: int | None) -> list[ContactMoment]:
    return list(db.session.scalars(_rows_statement(limit), {"family_id": family_id}).unique())


@cache
def _per_discipline_statement():
    return (select(ContactMoment.discipline, func.count())
            .where(ContactMoment.family_id == bindparam("family_id")).group_by(ContactMoment.discipline))


def _per_discipline(family_id: int) -> dict[str, int]:
    counted = db.session.execute(_per_discipline_statement(), {"family_id": family_id})
    return rules.complete_counts(rules.DISCIPLINES, counted)


def section_for(user, view: gateway.FamilyView, kinds: frozenset[str], *, limit: int | None = rules.RECENT
                ) -> ContactSection:
    """The contact moments this reader sees on a family view the gateway built (category NAW)."""
    key = view.read_key(CATEGORY, also=rules.may_read(user.roles))
    counts, rows = _per_discipline(key), _rows(key, limit)   # run alike whether or not they may be shown
    if not view.may(CATEGORY):
        return ContactSection(withheld=[(CATEGORY, view.decision.reason(CATEGORY) or "")])
    if not rules.may_read(user.roles):
        return ContactSection(withheld=[(CATEGORY, rules.VOLUNTEER_REASON)])
    allowed = may_record(user, kinds, view.decision)
    return ContactSection(items=[_view(r) for r in rows], total=sum(counts.values()),
                          by_discipline=counts, may_record=allowed,
                          disciplines=rules.disciplines_of(user.roles) if allowed else ())


def contacts_of(user, family_id: int, *, access: str = "api") -> ContactSection:
    """Every contact moment of the family (newest first) for the API; the read is logged."""
    view = gateway.read_family(user, family_id, access=access)
    section = section_for(user, view, gateway.involvement(user, gateway.load_family(view.id)), limit=None)
    if section.withheld:
        return section
    audit.record("read", user=user, object_type="contact_moment", object_id=view.id, family_pseudonym=view.pseudonym,
                 shown=[CATEGORY], consent_ids=view.decision.consent_ids,
                 detail=f"{access}: {section.total} contact moments")
    return section


def registered_on(family: Family) -> date:
    """The local date of the family's first aanmelding."""
    dates = [r.received_on for r in family.referrals if r.received_on is not None]
    return min(dates) if dates else clock.local_date(family.created_at)


def _authorise(user, family_id: int) -> Family:
    family, decision = gateway.load_for_write(user, family_id, needs=(CATEGORY,), audit_action="create")
    if not may_record(user, gateway.involvement(user, family), decision):
        raise Forbidden(REFUSAL, audit={
            "action": "create", "user": user, "object_type": "contact_moment", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied", "detail": "contact moment: refused"})
    return family


def record_contact(user, family_id: int, data: dict) -> ContactMoment:
    """Record one contact moment (404 for a family the user may not see, 403 for a user who may not
    record, 422 naming the field for bad input; nothing stored then)."""
    family = _authorise(user, family_id)
    parsed = parse(ContactMomentIn, data)
    contact_on = parsed.contact_on or clock.today()
    problems = {**rules.date_problems(contact_on, clock.today(), registered_on(family)),
                **rules.discipline_problems(parsed.discipline, user.roles)}
    if problems:
        raise ValidationError(problems)
    row = ContactMoment(family_id=family.id, contact_on=contact_on, kind=parsed.kind,
                        discipline=parsed.discipline or rules.default_discipline(user.roles),
                        organisation_id=user.organisation_id, recorded_by_id=user.id,
                        on_behalf_of_id=acting_substitute_for(user, family))
    db.session.add(row)
    db.session.flush()
    audit.record("create", user=user, object_type="contact_moment", object_id=row.id,
                 family_pseudonym=family.pseudonym, shown=[CATEGORY], on_behalf_of_id=row.on_behalf_of_id,
                 detail=f"contact moment {row.discipline} {row.kind}")
    return row


# ------------------------------------------------------------------ monitoring (§7.2)

def contact_figures(start: date, end: date, poli_id: int | None) -> dict:
    """Raw (unsuppressed) counts of the contact moments dated ``start`` to ``end`` (inclusive) of the
    families of a poli (None: all): the contacts, the distinct families with one, and per discipline
    and per kind (every code, 0 where none). Counted in SQL; no row of a family is loaded."""
    where = [ContactMoment.contact_on >= start, ContactMoment.contact_on <= end]
    if poli_id is not None:
        where.append(Family.poli_id == poli_id)

    def scoped(*columns):
        return select(*columns).select_from(ContactMoment).join(Family, Family.id == ContactMoment.family_id
                                                                ).where(*where)

    contacts, families = db.session.execute(
        scoped(func.count(ContactMoment.id), func.count(distinct(ContactMoment.family_id)))).one()
    by_discipline = db.session.execute(
        scoped(ContactMoment.discipline, func.count()).group_by(ContactMoment.discipline))
    by_kind = db.session.execute(scoped(ContactMoment.kind, func.count()).group_by(ContactMoment.kind))
    return {"contacts": int(contacts), "families": int(families),
            "by_discipline": rules.complete_counts(rules.DISCIPLINES, by_discipline),
            "by_kind": rules.complete_counts(rules.KINDS, by_kind)}
