"""Informal support given to a family, the volunteer's notes on it, and the family's gemeente and
wijk (its local team). parse -> authorise (through the gateway) -> rule -> apply -> audit.

What the volunteer sees: the gateway gives her the NAW (and with it the agreed support question)
only; here she sees the support records of her own organisation and their notes, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from igp import clock
from igp.admin import services as admin
from igp.audit import services as audit
from igp.auth import services as auth
from igp.auth.models import Organisation
from igp.errors import Forbidden, ValidationError
from igp.extensions import db
from igp.sharing import gateway
from igp.sharing.involvement import acting_substitute_for
from igp.support import rules
from igp.support.models import InformalSupport, InformalSupportNote
from igp.support.schemas import InformalSupportIn, LocalAreaIn, SupportNoteIn, SupportUpdateIn
from igp.validation import parse

AREA_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige",
                        "sociaal_werker", "planner"})


@dataclass
class NoteView:
    text: str
    author: str
    created_at: datetime


@dataclass
class SupportView:
    id: int
    organisation_id: int
    organisation: str
    kind: str
    status: str
    starts_on: date
    ends_on: date | None
    recorded_at: datetime
    notes: list[NoteView] | None          # None: this reader does not see the notes
    may_note: bool = False
    may_update: bool = False


@dataclass
class SupportSection:
    items: list[SupportView] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)
    may_record: bool = False
    organisations: list = field(default_factory=list)   # what the reader may record support for


def informal_organisations() -> list[Organisation]:
    return [o for o in auth.organisations() if o.domain == rules.INFORMAL_DOMAIN]


def recordable_organisations(user, kinds) -> list[Organisation]:
    """The organisations this user may record informal support for on a family with these kinds."""
    return [o for o in informal_organisations()
            if rules.may_record(user.roles, kinds, user.organisation_id, o.id, o.domain)]


def _support_view(user, kinds, row: InformalSupport) -> SupportView:
    notes = None
    if rules.sees_notes(user.roles, kinds, user.organisation_id, row.organisation_id):
        notes = [NoteView(n.text, n.author.name, n.created_at) for n in row.notes]
    return SupportView(row.id, row.organisation_id, row.organisation.name, row.kind, row.status, row.starts_on,
                       row.ends_on, row.recorded_at, notes,
                       rules.may_note(user.roles, kinds, user.organisation_id, row.organisation_id),
                       rules.may_record(user.roles, kinds, user.organisation_id, row.organisation_id,
                                        row.organisation.domain))


def section_for(user, view: gateway.FamilyView, kinds: frozenset[str]) -> SupportSection:
    """The informal support this reader sees on a family view the gateway built (category NAW)."""
    rows = db.session.scalars(select(InformalSupport).where(InformalSupport.family_id == view.read_key("naw"))
                              .order_by(InformalSupport.starts_on, InformalSupport.id)).all()
    if not view.may("naw"):
        return SupportSection(withheld=[("naw", view.decision.reason("naw") or "")])
    items = [_support_view(user, kinds, r) for r in rows
             if rules.sees_record(user.roles, user.organisation_id, r.organisation_id)]
    organisations = recordable_organisations(user, kinds) if view.decision.may_write("naw") else []
    return SupportSection(items=items, may_record=bool(organisations), organisations=organisations)


def support_of(user, family_id: int, *, access: str = "api") -> SupportSection:
    view = gateway.read_family(user, family_id, access=access)
    return section_for(user, view, gateway.involvement(user, gateway.load_family(view.id)))


def record_support(user, family_id: int, data: dict) -> InformalSupport:
    """Record support agreed or started (coordinator, acting substitute, or the volunteer's own
    organisation). 422 naming the field for bad input; 403 for an organisation the user may not name."""
    family, _ = gateway.load_for_write(user, family_id)   # a family the user may not see: 404 before any 422
    kinds = gateway.involvement(user, family)
    if not recordable_organisations(user, kinds):   # the action itself, before its input (403 before 422)
        raise Forbidden("Informele steun legt de coördinator vast, of de vrijwilliger voor de eigen organisatie.",
                        audit=_denied(user, family, "informal support: record refused"))
    parsed = parse(InformalSupportIn, data)
    family, _ = gateway.load_for_write(user, family_id, needs=("naw",))
    organisation = db.session.get(Organisation, parsed.organisation_id)
    if organisation is None or organisation.domain != rules.INFORMAL_DOMAIN:
        raise ValidationError({"organisation_id": "Kies een organisatie van de informele steun."})
    if not rules.may_record(user.roles, kinds, user.organisation_id, organisation.id, organisation.domain):
        raise Forbidden("Informele steun legt de coördinator vast, of de vrijwilliger voor de eigen organisatie.",
                        audit=_denied(user, family, "informal support: record refused"))
    status = parsed.status or ("gestart" if parsed.starts_on <= clock.today() else "afgesproken")
    problems = rules.period_problems(parsed.starts_on, parsed.ends_on, status)
    if problems:
        raise ValidationError(problems)
    row = InformalSupport(family_id=family.id, organisation_id=organisation.id, kind=parsed.kind, status=status,
                          starts_on=parsed.starts_on, ends_on=parsed.ends_on, recorded_by_id=user.id,
                          on_behalf_of_id=acting_substitute_for(user, family))
    db.session.add(row)
    db.session.flush()
    audit.record("create", user=user, object_type="informal_support", object_id=row.id,
                 family_pseudonym=family.pseudonym, on_behalf_of_id=row.on_behalf_of_id,
                 detail=f"informal support {parsed.kind} {status} by organisation {organisation.id}")
    return row


def _denied(user, family, detail: str) -> dict:
    return {"action": "update", "user": user, "object_type": "family", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied", "detail": detail}


def add_note(user, family_id: int, support_id: int, data: dict) -> InformalSupportNote:
    """A volunteer's short note on her organisation's support. A record of another organisation
    answers like one that does not exist (404)."""
    gateway.load_for_write(user, family_id)
    parsed = parse(SupportNoteIn, data)
    family, _ = gateway.load_for_write(user, family_id, needs=("naw",))
    row = db.session.get(InformalSupport, support_id)
    if row is None or row.family_id != family.id or \
            not rules.sees_record(user.roles, user.organisation_id, row.organisation_id):
        raise gateway.refusal(user, family.id, "informal support note: no such record")
    kinds = gateway.involvement(user, family)
    if not rules.may_note(user.roles, kinds, user.organisation_id, row.organisation_id):
        raise Forbidden("Alleen een vrijwilliger van deze organisatie schrijft hier een notitie.",
                        audit=_denied(user, family, "informal support note refused"))
    note = InformalSupportNote(support=row, text=parsed.text, author_id=user.id)
    db.session.add(note)
    db.session.flush()
    audit.record("create", user=user, object_type="informal_support_note", object_id=note.id,
                 family_pseudonym=family.pseudonym, shown=["naw"], detail=f"note on informal support {row.id}")
    return note


def update_support(user, family_id: int, support_id: int, data: dict) -> InformalSupport:
    """Move the support on (afgesproken -> gestart -> afgerond or gestopt) and record its end; the
    same people who may record it. A record the user does not see: 404."""
    family, _ = gateway.load_for_write(user, family_id)
    kinds = gateway.involvement(user, family)
    if not recordable_organisations(user, kinds):   # the action itself, before its input (403 before 422)
        raise Forbidden("Informele steun legt de coördinator vast, of de vrijwilliger voor de eigen organisatie.",
                        audit=_denied(user, family, "informal support: update refused"))
    parsed = parse(SupportUpdateIn, data)
    family, _ = gateway.load_for_write(user, family_id, needs=("naw",))
    row = db.session.get(InformalSupport, support_id)
    if row is None or row.family_id != family.id or \
            not rules.sees_record(user.roles, user.organisation_id, row.organisation_id):
        raise gateway.refusal(user, family.id, "informal support update: no such record")
    if not rules.may_record(user.roles, kinds, user.organisation_id, row.organisation_id, row.organisation.domain):
        raise Forbidden("Informele steun legt de coördinator vast, of de vrijwilliger voor de eigen organisatie.",
                        audit=_denied(user, family, "informal support: update refused"))
    ends_on = parsed.ends_on or row.ends_on
    problems = rules.period_problems(row.starts_on, ends_on, parsed.status)
    if problems:
        raise ValidationError(problems)
    row.status, row.ends_on = parsed.status, ends_on
    db.session.flush()
    audit.record("update", user=user, object_type="informal_support", object_id=row.id,
                 family_pseudonym=family.pseudonym, on_behalf_of_id=acting_substitute_for(user, family),
                 detail=f"informal support now {parsed.status}")
    return row


# ------------------------------------------------------------------ gemeente and wijk

def set_local_area(user, family_id: int, data: dict):
    """The family's gemeente and wijk (codes of the IGP's list of local teams; both empty: none)."""
    family, _ = gateway.load_for_write(user, family_id, needs=("naw",))
    if not user.roles & AREA_ROLES:
        raise Forbidden("Uw rol mag de gemeente en wijk van een gezin niet wijzigen.")
    parsed = parse(LocalAreaIn, data)
    problems = admin.area_problems(parsed.gemeente, parsed.wijk)
    if problems:
        raise ValidationError(problems)
    family.gemeente, family.wijk = parsed.gemeente, parsed.wijk
    db.session.flush()
    audit.record("update", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=["naw"], on_behalf_of_id=acting_substitute_for(user, family), detail="gemeente and wijk")
    return family


def area_of(user, view: gateway.FamilyView) -> dict:
    """The family's gemeente and wijk (names and codes) and its local team, within NAW."""
    if view.naw is None:
        return {"gemeente": None, "wijk": None, "team": None, "may_change": False}
    code, wijk = view.naw.get("gemeente"), view.naw.get("wijk")
    gemeenten, wijken = admin.area_labels()
    return {"gemeente_code": code, "wijk_code": wijk, "gemeente": gemeenten.get(code, code) if code else None,
            "wijk": wijken.get((code, wijk), wijk) if wijk else None,
            "team": admin.local_team_for(code, wijk) if code else None,
            "may_change": bool(user.roles & AREA_ROLES) and view.decision.may_write("naw")}
