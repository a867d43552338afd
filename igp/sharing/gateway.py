"""The one path to family data.

Every read of a family (pages, API, exports, agendas, search results, digests) goes through
this module. For each read it:

1. works out how the user is involved with the family (registering organisation,
   coordinator, core team, acting substitute, MDO attendee);
2. asks `consent.decide()` which categories the user may see right now (consent records,
   need-to-know table, break-the-glass), so a withdrawal takes effect on the next read;
3. builds a view holding ONLY the allowed categories (withheld data never reaches a
   template or a JSON encoder, so it cannot leak into a page);
4. queues the audit entry (shown and withheld categories, the consents used); the request
   commits it before the response leaves.

A family the user is not involved with does not exist for them: NotFound, and the refusal
is logged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, Iterable

from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

import consent
from consent import (
    CATEGORIES,
    BreakGlass,
    ConsentGrant,
    Decision,
    FamilyContext,
    Viewer,
    merge_need_to_know,
    role_categories,
)
from consent.vocabulary import BY_CONSENT
from igp import clock, request_cache
from igp.admin.services import get_setting
from igp.audit import services as audit
from igp.auth.models import User
from igp.errors import Forbidden, NotFound
from igp.extensions import db
from igp.families import rules as family_rules
from igp.families.models import Child, Family, FamilyNote, Intake, IntakeParticipant, Parent, Referral
from igp.sharing import involvement as involvement_rules
from igp.sharing import listed
from igp.sharing.listed import ListedFamily
from igp.sharing.models import BreakGlassAccess, ConsentRecord
from igp.sql import id_in

# Roles of care providers that may process the BSN (Wabvpz / Wpg); never social or informal roles.
BSN_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts", "jeugdverpleegkundige"})
BSN_DOMAINS = frozenset({"zorg", "jgz"})
NOTE_CATEGORIES = ("consultverslagen", "overleg_derden", "diagnostiek", "medicatie")


# ------------------------------------------------------------------ policy inputs

def need_to_know_table() -> dict[str, frozenset[str]]:
    overrides = get_setting("need_to_know") or {}
    return merge_need_to_know(overrides)


def viewer_for(user) -> Viewer:
    return Viewer(user_id=user.id, organisation_id=user.organisation_id, domain=user.organisation.domain,
                  roles=frozenset(user.roles))


def may_see_any_family(user, table=None) -> bool:
    """Users whose roles see no category (projectleider, beheerder, privacy officer) see no
    individual family at all: aggregates only."""
    return bool(role_categories(user.roles, table or need_to_know_table()))


def involvement(user, family: Family) -> frozenset[str]:
    return involvement_rules.involvement(user, family)


def involvement_bulk(user, families: list[Family]) -> dict[int, frozenset[str]]:
    return involvement_rules.involvement_bulk(user, families)


def visibility_clause(user, *, direct_only: bool = False):
    """SQL condition: the families this user is involved with (for lists and search).
    Must agree with involvement() (a test compares them)."""
    return involvement_rules.visibility_clause(user, sees_any=may_see_any_family(user), direct_only=direct_only)


def as_grant(record) -> ConsentGrant:
    """A consent record (an ORM instance or a plain row of GRANT_COLUMNS) as the policy's value.
    The same record content gives the same (immutable, validated) grant: a list of 50 families
    converts some 130 consents a request, and the policy's checks cost ten times the look-up."""
    return _grant(record.id, record.recipient_organisation_id, record.recipient_domain, _codes(record.categories),
                  record.purpose, record.given_at, record.valid_until, record.withdrawn_at,
                  _codes(record.given_by))


def _codes(value) -> tuple:
    """A consent's list (categories, parent ids): from an ORM instance a list, from a plain row of
    GRANT_COLUMNS its JSON text, decoded once per process per text (a list of 50 families has some
    130 consents, most of them with the same few lists; decoding them was a third of the decisions)."""
    if isinstance(value, str):
        return _decoded(value)
    return tuple(value or ())


@lru_cache(maxsize=4096)
def _decoded(text: str) -> tuple:
    return tuple(json.loads(text) or ())


@lru_cache(maxsize=8192)   # keyed by every field: a changed or withdrawn consent is another key
def _grant(consent_id: int, organisation_id: int | None, domain: str | None, categories: tuple[str, ...], purpose: str,
           given_at: datetime, valid_until: datetime | None, withdrawn_at: datetime | None,
           given_by: tuple[int, ...]) -> ConsentGrant:
    return ConsentGrant(id=consent_id, recipient_organisation_id=organisation_id, recipient_domain=domain,
                        categories=frozenset(categories), purpose=purpose, given_at=given_at,
                        valid_until=valid_until, withdrawn_at=withdrawn_at, given_by=frozenset(given_by))


def _break_glass(row: BreakGlassAccess) -> BreakGlass:
    return BreakGlass(id=row.id, user_id=row.user_id, family_id=row.family_id, opened_at=row.opened_at,
                      expires_at=row.expires_at)


def _handover_matters(kinds: frozenset[str], consents: list) -> bool:
    """Whether the handover context could change this decision: the reader coordinates (or stands
    in) and the family has a consent for the handover purpose (else no query is needed)."""
    return bool(kinds & consent.HANDOVER_KINDS) and any(c.purpose == consent.HANDOVER_CONTEXT for c in consents)


def in_handover(family_ids: list[int]) -> set[int]:
    """The families among these in the handover context: their latest inward handover is open or
    was completed by the intake, not ended by a side exit (one query for the list)."""
    return involvement_rules.handover_family_ids(family_ids)


def decide_for(user, family: Family, *, context: str = "zorg_en_ondersteuning",
               consents: Iterable[ConsentRecord] | None = None,
               break_glass: Iterable[BreakGlassAccess] | None = None,
               table=None, kinds: frozenset[str] | None = None, both_parents: bool | None = None,
               handover: bool | None = None) -> Decision:
    if consents is None:
        consents = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id))
    grants = [as_grant(c) for c in consents]
    if break_glass is None:
        break_glass = db.session.scalars(select(BreakGlassAccess).where(
            BreakGlassAccess.family_id == family.id, BreakGlassAccess.user_id == user.id,
            BreakGlassAccess.expires_at > clock.now()))
    kinds = kinds if kinds is not None else involvement(user, family)
    if handover is None:
        handover = _handover_matters(kinds, grants) and family.id in in_handover([family.id])
    return _decision(viewer_for(user), family, grants, [_break_glass(b) for b in break_glass], context=context,
                     table=table or need_to_know_table(), kinds=kinds, handover=handover, now=clock.now(),
                     both_parents=bool(get_setting("consent_both_parents")) if both_parents is None else both_parents)


def _decision(viewer: Viewer, family: Family | ListedFamily, grants: list[ConsentGrant], glass: list[BreakGlass], *,
              context: str, table, kinds: frozenset[str], handover: bool, both_parents: bool,
              now: datetime) -> Decision:
    """consent.decide() for one family from plain values (the single rule)."""
    context_obj = FamilyContext(
        family_id=family.id, registering_organisation_id=family.registering_organisation_id,
        involvement=kinds, parent_ids=family_rules.consenting_parent_ids(family.parents), handover=handover,
    )
    return consent.decide(viewer, context_obj, grants, now, need_to_know=table, break_glass=glass, context=context,
                          both_parents_required=both_parents)


def may_coordinate(candidate, family: Family) -> bool:
    """Whether the family's consent (or being the registering organisation) lets ``candidate`` be its
    coordinator: as coordinator they would see the NAW (consent.may_coordinate), in the handover
    context too while the family's inward handover runs. Break-the-glass never counts."""
    consents = list(db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id)))
    handover = _handover_matters(frozenset({"coordinator"}), consents) and family.id in in_handover([family.id])
    context_obj = FamilyContext(
        family_id=family.id, registering_organisation_id=family.registering_organisation_id,
        involvement=frozenset({"coordinator"}), parent_ids=family_rules.consenting_parent_ids(family.parents),
        handover=handover,
    )
    return consent.may_coordinate(viewer_for(candidate), context_obj, [as_grant(c) for c in consents], clock.now(),
                                  need_to_know=need_to_know_table(),
                                  both_parents_required=bool(get_setting("consent_both_parents")))


# ------------------------------------------------------------------ views

@dataclass
class FamilyView:
    """What one user may see of one family, at one moment. Built only by this module."""

    id: int
    pseudonym: str
    poli_code: str
    poli_name: str
    phase: str
    status: str
    registering_organisation: str
    registering_organisation_id: int
    created_at: datetime
    referral_dates: list[datetime]
    target_eligible: bool
    decision: Decision
    naw: dict | None = None
    medical: dict | None = None
    risks: dict | None = None
    referrals: list[dict] | None = None
    intakes: list[dict] = field(default_factory=list)
    notes: dict[str, list[dict]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def may(self, category: str) -> bool:
        return self.decision.may(category)

    def read_key(self, category: str, *, also: bool = True) -> int:
        """The family id to read a section of ``category`` with: the family's own id where the reader
        may see it (and ``also`` holds), else 0, which no row has. A page then runs the same statements
        whatever the reader may see (issue 21: a constant count), and reads nothing it may not show."""
        return self.id if also and self.may(category) else 0

    @property
    def withheld(self) -> list[tuple[str, str]]:
        return self.decision.withheld_list()

    @property
    def display_name(self) -> str | None:
        if self.naw and self.naw["parents"]:
            return self.naw["parents"][0]["name"]
        return None


def _parent_dict(parent, show_bsn: bool) -> dict:
    return {
        "id": parent.id, "position": parent.position, "name": parent.name, "birth_date": parent.birth_date,
        "bsn": parent.bsn if show_bsn else None, "phone": parent.phone, "address": parent.address,
        "postcode": parent.postcode, "city": parent.city, "preferred_language": parent.preferred_language,
        "interpreter_needed": parent.interpreter_needed, "relationship_type": parent.relationship_type,
        "gezag": parent.gezag, "contact_secret": parent.contact_secret,
    }


def may_see_bsn(user) -> bool:
    """The role and the organisation that may see and record a BSN (a care provider in zorg or JGZ)."""
    return user.organisation.domain in BSN_DOMAINS and bool(user.roles & BSN_ROLES)


def shows_bsn(user, family: Family, decision: Decision) -> bool:
    """Whether this family's view shows the BSN. A planner is part of every family's team for the
    appointments: NAW without the BSN, whatever other roles the account has, unless the account
    also cares for this family directly (its organisation registered it, or it coordinates it)."""
    if not may_see_bsn(user):
        return False
    return not user.has_role("planner") or decision.own_organisation or family.coordinator_id == user.id


def may_search_bsn(user) -> bool:
    """A BSN search looks among every family the user may see; for a planner that is the whole team
    (team-wide involvement), so an account with the planner role never searches by BSN."""
    return may_see_bsn(user) and not user.has_role("planner")


def build_view(user, family: Family, decision: Decision, consents: list[ConsentRecord] | None = None) -> FamilyView:
    """The family as this user may see it: each category's part only when the decision allows it.
    ``consents``: the family's consent records already read for the decision (saves a statement)."""
    view = FamilyView(
        id=family.id, pseudonym=family.pseudonym, poli_code=family.poli.code, poli_name=family.poli.name,
        phase=family.phase, status=family.status, registering_organisation=family.registering_organisation.name,
        registering_organisation_id=family.registering_organisation_id, created_at=family.created_at,
        referral_dates=[r.received_at for r in family.referrals], target_eligible=family.target_eligible,
        decision=decision,
    )
    view.extra.update(version=family.version, exited_at=family.exited_at, exit_reason=family.exit_reason)
    uncovered = children_without_consent(family, decision, consents)
    view.extra["children_without_consent"] = sorted(uncovered)
    if decision.may("naw"):
        view.naw = _naw_part(family, shows_bsn(user, family, decision), uncovered)
    if decision.may("medische_voorgeschiedenis"):
        view.medical = _medical_part(family, uncovered)
    if decision.may("ontwikkeling_risicos"):
        view.risks = _risks_part(family)
    if decision.may("verwijzingen"):
        view.referrals = [{
            "id": r.id, "received_at": r.received_at, "referrer_type": r.referrer_type,
            "referrer_name": r.referrer_name, "referrer_organisation": r.referrer_organisation,
            "referrer_contact": r.referrer_contact, "reason": r.reason,
        } for r in family.referrals]
    view.intakes = [_intake_part(intake, decision) for intake in family.intakes]
    for note in family.notes:
        if decision.may(note.category):
            view.notes.setdefault(note.category, []).append(
                {"id": note.id, "text": note.text, "author": note.author.name, "created_at": note.created_at})
    return view


def children_without_consent(family: Family, decision: Decision,
                             consents: list[ConsentRecord] | None = None) -> set[int]:
    """The children (ids) a consent-based read may not show: every consent that opened this read was
    given before the child was born, so the parents never agreed to share the child's data (the
    prenatal consent does not silently extend to the newborn). Own organisation and break-the-glass
    reads are not limited by it. No query unless consent is the ground of the read (none at all when
    the family's ``consents`` are given)."""
    if BY_CONSENT not in decision.grounds.values() or not family.children or not decision.consent_ids:
        return set()
    if consents is not None:
        rows = [(c.given_at, c.categories) for c in consents if c.id in decision.consent_ids]
    else:
        rows = db.session.execute(select(ConsentRecord.given_at, ConsentRecord.categories)
                                  .where(ConsentRecord.id.in_(sorted(decision.consent_ids))))
    given = [clock.local_date(at) for at, categories in rows if "naw" in (categories or ())]
    latest = max(given, default=None)
    return {c.id for c in family.children if c.birth_date is not None and (latest is None or c.birth_date > latest)}


def _naw_part(family: Family, show_bsn: bool, uncovered: set[int] = frozenset()) -> dict:
    return {
        "parents": [_parent_dict(p, show_bsn) for p in family.parents],
        "children": [{"id": c.id, "position": c.position, "name": c.name, "birth_date": c.birth_date,
                      "sibling": c.sibling} for c in family.children if c.id not in uncovered],
        "support_question": family.support_question,
        "gemeente": family.gemeente, "wijk": family.wijk,   # codes of the IGP's local teams
        "bsn_shown": show_bsn,
    }


def _medical_part(family: Family, uncovered: set[int] = frozenset()) -> dict:
    latest = family.referrals[-1] if family.referrals else None
    today = clock.today()
    return {
        "expected_due_date": family.expected_due_date,
        "medical_reasons": sorted({m for r in family.referrals for m in (r.medical_reasons or [])}),
        "high_risk": any(r.high_risk for r in family.referrals),
        "children": [{"position": c.position, "gestational_age_weeks": c.gestational_age_weeks,
                      "gestational_age_days": c.gestational_age_days, "birth_weight_grams": c.birth_weight_grams,
                      "admission": c.admission,
                      "corrected_age": family_rules.corrected_age(c.birth_date, c.gestational_age_weeks,
                                                                  c.gestational_age_days, today)}
                     for c in family.children if c.id not in uncovered],
        "latest_referral_id": latest.id if latest else None,
    }


def _risks_part(family: Family) -> dict:
    return {
        "vulnerabilities": sorted({v for r in family.referrals for v in (r.vulnerabilities or [])}),
        "vulnerability_notes": [r.vulnerability_note for r in family.referrals if r.vulnerability_note],
        "protective_factors": sorted({f for r in family.referrals[-1:] for f in (r.protective_factors or [])}),
        "non_primary": sorted({n for r in family.referrals for n in (r.non_primary or [])}),
        "screenings": [{"instrument": r.screening_instrument, "result": r.screening_result,
                        "received_at": r.received_at} for r in family.referrals if r.screening_instrument],
        "target_group": family.target_result or {},
        "override": ({"reason": family.target_override_reason, "at": family.target_override_at}
                     if family.target_override else None),
    }


def _intake_part(intake, decision: Decision) -> dict:
    return {
        "id": intake.id, "type": intake.intake_type, "location": intake.location,
        "planned_at": intake.planned_at, "held_at": intake.held_at,
        "participants": [{"id": p.user.id, "name": p.user.name} for p in intake.participants],
        "report": intake.report if decision.may("consultverslagen") else None,
        "outcome": intake.outcome if decision.may("zorgplan") else None,
        "plan": intake.plan if decision.may("zorgplan") else None,
    }


@cache
def _full_options():
    # read_families (an MDO agenda's families); built once per process (loader options are immutable). The
    # participants joined to the intakes: one statement whether or not the family has intakes; the participants'
    # and note authors' organisations are not shown with them, so they are not joined (issue 21)
    return (selectinload(Family.parents), selectinload(Family.children), selectinload(Family.referrals),
            selectinload(Family.intakes).joinedload(Intake.participants).joinedload(IntakeParticipant.user)
            .lazyload(User.organisation),
            selectinload(Family.notes).joinedload(FamilyNote.author).lazyload(User.organisation))


@cache
def _family_statements():
    """The family, then each collection a view shows, as explicit loads built once per process (a
    selectin load builds its query on every load; issue 21). The same order as the relationships."""
    family_id = bindparam("family_id")
    return select(Family).where(Family.id == family_id), {
        "parents": select(Parent).where(Parent.family_id == family_id).order_by(Parent.position),
        "children": select(Child).where(Child.family_id == family_id).order_by(Child.position),
        "referrals": select(Referral).where(Referral.family_id == family_id).order_by(Referral.received_at),
        "intakes": select(Intake).where(Intake.family_id == family_id).order_by(Intake.id).options(
            joinedload(Intake.participants).joinedload(IntakeParticipant.user).lazyload(User.organisation)),
        "notes": select(FamilyNote).where(FamilyNote.family_id == family_id).order_by(FamilyNote.created_at)
        .options(joinedload(FamilyNote.author).lazyload(User.organisation)),
    }


def load_family(family_id: int) -> Family | None:
    """The family with what a view shows (six statements, whether or not it exists); kept for the
    request (request_cache.pin), so the page that asks for it again by id reads no second time."""
    family_stmt, collections = _family_statements()
    params = {"family_id": family_id}
    family = db.session.execute(family_stmt, params).scalar_one_or_none()
    loaded = {name: list(db.session.scalars(stmt, params).unique()) for name, stmt in collections.items()}
    if family is not None:
        for name, rows in loaded.items():
            set_committed_value(family, name, rows)
    return request_cache.pin(family)


def family_consents(family_id: int) -> tuple[ConsentRecord, ...]:
    """The family's consent records, newest first, once per request (the decision and the page's
    consent section read the same rows); the free-text note and withdrawal reason are not read."""
    return request_cache.cached("family_consents", family_id, lambda: tuple(db.session.scalars(
        _consents_statement(), {"family_id": family_id})))


@cache
def _consents_statement():
    return (select(ConsentRecord).where(ConsentRecord.family_id == bindparam("family_id"))
            .options(defer(ConsentRecord.note), defer(ConsentRecord.withdrawal_reason))
            .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc()))


def own_break_glass_rows(family_id: int, user_id: int) -> tuple[BreakGlassAccess, ...]:
    """This user's break-the-glass rows for the family, newest first, once per request (the decision
    uses the active ones, the page lists them all)."""
    return request_cache.cached("own_break_glass", (family_id, user_id), lambda: tuple(db.session.scalars(
        _own_break_glass_statement(), {"family_id": family_id, "user_id": user_id})))


@cache
def _own_break_glass_statement():
    return (select(BreakGlassAccess).where(BreakGlassAccess.family_id == bindparam("family_id"),
                                           BreakGlassAccess.user_id == bindparam("user_id"))
            .order_by(BreakGlassAccess.opened_at.desc(), BreakGlassAccess.id.desc()))


def read_families(user, family_ids: list[int], *, context: str = "zorg_en_ondersteuning",
                  access: str = "web", action: str = "read") -> dict[int, FamilyView | None]:
    """The gateway for many families at once (an MDO agenda): the same decisions, views and
    audit entries as read_family(), in a constant number of queries. None: not involved (the
    refusal is logged)."""
    ids = list(dict.fromkeys(family_ids))
    if not ids:
        return {}
    families = list(db.session.scalars(select(Family).where(Family.id.in_(ids)).options(*_full_options())))
    user = involvement_rules.resolved(user)
    decisions = decisions_for(user, families, context=context)
    result: dict[int, FamilyView | None] = {i: None for i in ids}
    for family in families:
        decision = decisions[family.id]
        if not decision.involved:
            audit.record(action, user=user, object_type="family", object_id=family.id,
                         family_pseudonym=family.pseudonym, outcome="denied",
                         withheld=[("*", "geen_betrokkenheid")], detail=f"{access}: not involved")
            continue
        view = build_view(user, family, decision)
        record_read(user, view, access=access, action=action)
        result[family.id] = view
    return result


def _refusal(user, family_id, pseudonym, detail: str) -> NotFound:
    return NotFound("Dit gezin bestaat niet of u hebt er geen toegang toe.", audit={
        "action": "read", "user": user, "object_type": "family", "object_id": family_id,
        "family_pseudonym": pseudonym, "outcome": "denied", "withheld": [("*", "geen_betrokkenheid")],
        "detail": detail,
    })


def read_family(user, family_id: int, *, context: str = "zorg_en_ondersteuning", access: str = "web",
                action: str = "read", audit_read: bool = True) -> FamilyView:
    """The gateway: one user's view of one family, logged. NotFound when not involved."""
    family = load_family(family_id)
    if family is None:
        raise _refusal(user, family_id, None, f"{access}: no such family")
    consents = list(family_consents(family.id))
    now = clock.now()
    glass = [b for b in own_break_glass_rows(family.id, user.id) if b.expires_at > now]
    decision = decide_for(user, family, context=context, consents=consents, break_glass=glass)
    if not decision.involved:
        raise _refusal(user, family.id, family.pseudonym, f"{access}: not involved")
    view = build_view(user, family, decision, consents)
    if audit_read:
        record_read(user, view, access=access, action=action)
    return view


def record_read(user, view: FamilyView, *, access: str, action: str = "read") -> None:
    decision = view.decision
    detail = access
    if decision.break_glass_id:
        detail += f"; break-the-glass #{decision.break_glass_id}"
    audit.record(action, user=user, object_type="family", object_id=view.id, family_pseudonym=view.pseudonym,
                 shown=sorted(decision.allowed), withheld=decision.withheld_list(),
                 consent_ids=decision.consent_ids, detail=detail)


def refusal(user, family_id: int | None, detail: str) -> NotFound:
    """The answer for a family that does not exist or that this user may not see: the same in
    both cases (no oracle), and logged."""
    return _refusal(user, family_id, None, detail)


def load_for_write(user, family_id: int, *, needs: Iterable[str] = (), access: str = "web",
                   context: str = "zorg_en_ondersteuning", requires: frozenset[str] | None = None,
                   refusal: str | None = None, audit_action: str = "update") -> tuple[Family, Decision]:
    """A family the user may change: involved, and allowed to write every category in `needs`
    (shown on a ground other than break-the-glass: emergency access opens reading only).
    ``requires``: involvement kinds of which the user needs at least one (e.g. a direct care
    relationship); otherwise 403 with ``refusal`` as the Dutch reason, logged as refused."""
    family = load_family(family_id)
    if family is None:
        raise _refusal(user, family_id, None, f"{access}: no such family (write)")
    kinds = involvement(user, family)
    decision = decide_for(user, family, context=context, kinds=kinds)
    if not decision.involved:
        raise _refusal(user, family.id, family.pseudonym, f"{access}: not involved (write)")
    if requires is not None and not kinds & requires:
        raise Forbidden(refusal or "U hebt geen zorgrelatie met dit gezin die dit toestaat.", audit={
            "action": audit_action, "user": user, "object_type": "family", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied",
            "detail": f"{access}: refused, involvement {','.join(sorted(kinds))} insufficient"})
    missing = [c for c in needs if not decision.may_write(c)]
    if missing:
        glass_only = all(c in decision.by_break_glass for c in missing)
        labels = ", ".join(consent.CATEGORY_LABELS[c].lower() for c in missing)
        message = (f"Noodtoegang geeft alleen inzage; u mag deze gegevens niet wijzigen of aanvullen: {labels}. "
                   "Schrijf zo nodig een noodnotitie." if glass_only else f"U mag deze gegevens niet wijzigen: {labels}.")
        raise Forbidden(message, audit={
            "action": "update", "user": user, "object_type": "family", "object_id": family.id,
            "family_pseudonym": family.pseudonym, "outcome": "denied",
            "withheld": [(c, decision.reason(c) or "alleen_noodtoegang") for c in missing],
            "detail": f"{access}: write refused"})
    return family, decision


def consent_covers(family: Family, context: str) -> bool:
    """Whether any consent of this family in force now fits the reading context (e.g. the MDO)."""
    records = db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id))
    return consent.covers_context([as_grant(r) for r in records], context, clock.now())


def visible_id_for_pseudonym(user, pseudonym: str, *, direct_only: bool = False) -> int | None:
    """The id of the family with this pseudonym (any case) if the user may see it, else None."""
    stmt = select(Family.id).where(Family.pseudonym == pseudonym.strip().upper(),
                                   visibility_clause(user, direct_only=direct_only)).limit(1)
    return db.session.scalar(stmt)


# ------------------------------------------------------------------ lists and search

@dataclass
class FamilySummary:
    id: int
    pseudonym: str
    poli_code: str
    poli_name: str
    phase: str
    status: str
    created_at: datetime
    received_at: datetime | None
    name: str | None              # only when NAW may be shown
    naw_withheld_reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)


# the columns of a consent that the policy reads: a list's consents are fetched as plain rows
# (the two lists as their JSON text, see _codes)
GRANT_COLUMNS = (ConsentRecord.id, ConsentRecord.family_id, ConsentRecord.recipient_organisation_id,
                 ConsentRecord.recipient_domain, cast(ConsentRecord.categories, Text).label("categories"),
                 ConsentRecord.purpose, ConsentRecord.given_at, ConsentRecord.valid_until,
                 ConsentRecord.withdrawn_at, cast(ConsentRecord.given_by, Text).label("given_by"))
GLASS_COLUMNS = (BreakGlassAccess.id, BreakGlassAccess.family_id, BreakGlassAccess.user_id,
                 BreakGlassAccess.opened_at, BreakGlassAccess.expires_at)


@cache
def _decision_statements():
    """The consents and the viewer's open break-the-glass rows of a list (built once per process)."""
    ids = bindparam("family_ids", expanding=True)
    return (select(*GRANT_COLUMNS).where(ConsentRecord.family_id.in_(ids)),
            select(*GLASS_COLUMNS).where(BreakGlassAccess.family_id.in_(ids),
                                         BreakGlassAccess.user_id == bindparam("user_id"),
                                         BreakGlassAccess.expires_at > bindparam("now")))


def decisions_for(user, families: list[Family | ListedFamily], *, context: str = "zorg_en_ondersteuning",
                  constant_cost: bool = False) -> dict[int, Decision]:
    """decide_for() for many families in a constant number of queries (parents must be loaded): the
    consents and break-the-glass rows as plain rows (no ORM instances), the viewer, the table, the
    setting and the time once for the list, then the policy per family in one pass.
    ``constant_cost``: run the same statements also for no families (an identity check must cost
    the same whether or not it matched, or its timing tells)."""
    ids = [f.id for f in families]
    if not ids and not constant_cost:
        return {}
    ids = ids or [0]
    user = involvement_rules.resolved(user)
    now = clock.now()
    grant_stmt, glass_stmt = _decision_statements()
    grants: dict[int, list[ConsentGrant]] = {i: [] for i in ids}
    for row in db.session.execute(grant_stmt, {"family_ids": ids}):
        grants[row.family_id].append(as_grant(row))
    glass: dict[int, list[BreakGlass]] = {i: [] for i in ids}
    for row in db.session.execute(glass_stmt, {"family_ids": ids, "user_id": user.id, "now": now}):
        glass[row.family_id].append(_break_glass(row))
    table = need_to_know_table()
    kinds = involvement_rules.involvement_bulk(user, families, probe_ids=ids)
    both_parents = bool(get_setting("consent_both_parents"))
    # one query for the list (the same one for no families): the handover context where it matters
    handover = in_handover([i for i in ids if _handover_matters(kinds.get(i, frozenset()), grants[i])] or [0])
    viewer = viewer_for(user)
    return {family.id: _decision(viewer, family, grants[family.id], glass[family.id], context=context, table=table,
                                 kinds=kinds[family.id], handover=family.id in handover, both_parents=both_parents,
                                 now=now)
            for family in families}


def identity_matches(user, bsn_keys: list[str], name_keys: list[str]) -> dict[int, str]:
    """The families whose parent (BSN, or name + birth date) or child (name + birth date) has
    one of these blind-index keys AND whose NAW this user may see now: family id -> "bsn" or
    "naam_geboortedatum". A match the user may not see is not returned, and the check runs the
    same statements whether anything matched or not (no oracle, not even by timing)."""
    from sqlalchemy import literal, union_all


    probe = {"bsn": bsn_keys or ["-"], "name": name_keys or ["-"]}
    matches = union_all(
        select(Parent.family_id, literal("bsn").label("kind")).where(Parent.bsn_index.in_(probe["bsn"])),
        select(Parent.family_id, literal("naam_geboortedatum")).where(Parent.name_birth_index.in_(probe["name"])),
        select(Child.family_id, literal("naam_geboortedatum")).where(Child.name_birth_index.in_(probe["name"])),
    ).subquery()
    found: dict[int, str] = {}
    for family_id, kind in db.session.execute(
            select(matches.c.family_id, matches.c.kind).join(Family, Family.id == matches.c.family_id)
            .where(visibility_clause(user)).order_by(matches.c.kind)):
        found.setdefault(family_id, kind)
    families = list(load_listed(ids=found).values())
    decisions = decisions_for(user, families, constant_cost=True)
    return {fid: kind for fid, kind in found.items() if decisions[fid].may("naw")}


def summarise(user, families: list[Family | ListedFamily], *, access: str, action: str = "search", detail: str = "",
              context: str = "zorg_en_ondersteuning", with_mdo_question: bool = False,
              require: str | None = None) -> list[FamilySummary]:
    """Summaries of families for a list; NAW per family through the policy. One audit entry
    per family shown (NEN 7513: a list is a read of each row). ``with_mdo_question``: also the
    question for the MDO, where the reader may see MDO content (mdo_notulen)."""
    return summarise_matches(user, [(family, detail, require) for family in families], access=access, action=action,
                             context=context, with_mdo_question=with_mdo_question)


def summarise_matches(user, matches: list[tuple[Family | ListedFamily, str, str | None]], *, access: str, action: str = "search",
                      context: str = "zorg_en_ondersteuning", with_mdo_question: bool = False,
                      limit: int | None = None, constant_cost: bool = False) -> list[FamilySummary]:
    """summarise() for families found in different ways, decided in one pass: each match is
    (family, what found it for the log, the category the user must see for it to count or None).
    At most ``limit`` are shown, and only those shown are logged. ``constant_cost``: the same
    statements also when nothing matched (a search's count does not depend on what it found)."""
    if not matches and not constant_cost:
        return []
    user = involvement_rules.resolved(user)
    decisions = decisions_for(user, [family for family, _, _ in matches], context=context, constant_cost=constant_cost)
    result: list[FamilySummary] = []
    for family, detail, require in matches:
        decision = decisions[family.id]
        if not decision.involved or (require is not None and not decision.may(require)):
            continue  # e.g. a search by BSN: a family whose NAW is withheld is not a match for this user
        if limit is not None and len(result) >= limit:
            break
        result.append(_summary(user, family, decision, access=access, action=action, detail=detail,
                               with_mdo_question=with_mdo_question))
    return result


def _summary(user, family: Family | ListedFamily, decision: Decision, *, access: str, action: str, detail: str,
             with_mdo_question: bool) -> FamilySummary:
    """One family of a list as the user may see it, its read logged."""
    name = family.parents[0].name if decision.may("naw") and family.parents else None
    shown = ["naw"] if name else []
    summary = FamilySummary(
        id=family.id, pseudonym=family.pseudonym, poli_code=family.poli.code, poli_name=family.poli.name,
        phase=family.phase, status=family.status, created_at=family.created_at,
        received_at=family.referrals[-1].received_at if family.referrals else None,
        name=name, naw_withheld_reason=None if decision.may("naw") else decision.reason("naw"),
    )
    summary.extra["coordinator"] = family.coordinator.name if family.coordinator else None
    summary.extra["coordinator_id"] = family.coordinator_id
    if with_mdo_question and decision.may("mdo_notulen") and family.mdo_question:
        summary.extra["mdo_question"] = family.mdo_question
        shown.append("mdo_notulen")
    withheld = [] if name else [("naw", decision.reason("naw"))]
    audit.record(action, user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=shown, withheld=withheld, consent_ids=decision.consent_ids if shown else None,
                 detail=f"{access}: list {detail}".strip())
    return summary


def consent_covers_bulk(family_ids: list[int], context: str) -> set[int]:
    """The ids among ``family_ids`` with a consent in force that fits the reading context."""
    if not family_ids:
        return set()
    grants: dict[int, list[ConsentGrant]] = {}
    for row in db.session.execute(select(*GRANT_COLUMNS).where(ConsentRecord.family_id.in_(family_ids))):
        grants.setdefault(row.family_id, []).append(as_grant(row))
    now = clock.now()
    return {fid for fid, items in grants.items() if consent.covers_context(items, context, now)}


@dataclass(frozen=True)
class DatedList:
    """A signal list of families by date (the age limit, a birth overdue, a plan evaluation past):
    the candidates' dates, found from one column; the category the date is read from (shown only
    where the user may see it: a signal computed from a category is a read of it); the log's detail."""
    due: dict[int, date]
    need: str
    detail: str


def read_dated(user, dated: DatedList, *, offset: int = 0,
               limit: int | None = None) -> tuple[list[tuple[FamilySummary, date]], int]:
    """One signal list: the page (``offset``, ``limit``; None: all) of (family, date), earliest
    first, and the number of candidates (the true total). See read_dated_lists."""
    return read_dated_lists(user, [(dated, offset, limit)])[0]


def read_dated_lists(user, lists: list[tuple[DatedList, int, int | None]], *,
                     budget: int | None = None) -> list[tuple[list[tuple[FamilySummary, date]], int]]:
    """Several signal lists of one page, each (list, offset, limit): the database reads, the policy
    decides and the audit log records only the pages shown. The families of all the pages are loaded
    and decided in one pass, in the same statements whichever lists are empty (issue 21). A family
    whose ``need`` is withheld is left out of its page, unlogged. ``budget``: at most this many shown
    over all the lists, in their order (the start page's few lines). Per list: (page, total)."""
    user = involvement_rules.resolved(user)
    pages = []
    for dated, offset, limit in lists:
        order = sorted(dated.due, key=lambda fid, due=dated.due: (due[fid], fid))
        pages.append((order[offset:] if limit is None else order[offset:offset + limit], len(order)))
    families = load_listed(ids={fid for chosen, _ in pages for fid in chosen})
    decisions = decisions_for(user, list(families.values()), constant_cost=True)
    result = []
    for (dated, _, _), (chosen, total) in zip(lists, pages):
        found = []
        for family in (families[fid] for fid in chosen if fid in families):
            if not decisions[family.id].may(dated.need):
                continue
            if budget is not None and budget <= 0:
                break
            budget = None if budget is None else budget - 1
            found.append((_dated_summary(user, family, decisions[family.id], dated), dated.due[family.id]))
        result.append((sorted(found, key=lambda x: (x[1], x[0].pseudonym)), total))
    return result


def _dated_summary(user, family: Family | ListedFamily, decision: Decision, dated: DatedList) -> FamilySummary:
    """A family of a signal list as the user may see it, its read logged."""
    audit.record("read", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=sorted({dated.need, "naw"} & decision.allowed), consent_ids=decision.consent_ids,
                 detail=dated.detail)
    return FamilySummary(
        id=family.id, pseudonym=family.pseudonym, poli_code=family.poli.code, poli_name=family.poli.name,
        phase=family.phase, status=family.status, created_at=family.created_at, received_at=None,
        name=family.parents[0].name if decision.may("naw") and family.parents else None,
        naw_withheld_reason=None if decision.may("naw") else decision.reason("naw"))


def load_listed(*where, ids: Iterable[int] | None = None, limit: int | None = None) -> dict[int, ListedFamily]:
    """The families with these ids (None: any) that meet ``where`` (by id, at most ``limit``), with what
    a summary and the policy read, as plain rows (igp.sharing.listed), in three statements whether or
    not any is found: the families, then their parents and their referrals, each one explicit IN load.
    (A search that found a family whose NAW the user may not see must cost the same statements as one
    that found nothing, or its timing would tell.)"""
    if ids is not None:
        where = (id_in(Family.id, list(ids) or [0]), *where)
    stmt = listed.family_select(*where)
    return {f.id: f for f in listed.load_rows(stmt if limit is None else stmt.order_by(Family.id).limit(limit))}


PARENT_LIST_COLUMNS = (Parent.id, Parent.family_id, Parent.position, Parent.name, Parent.gezag)
REFERRAL_LIST_COLUMNS = (Referral.id, Referral.family_id, Referral.received_at)


@cache
def list_options(*, with_mdo_question: bool = False, with_relations: bool = True) -> tuple:
    """Loader options for a list of families: only what a summary and the policy need (the parents'
    ids and names, the referral dates). The other encrypted columns are not fetched, so a list of
    300 families costs a few hundred decryptions instead of thousands. Use on a Family query, or
    inside another loader: selectinload(Handover.family).options(*list_options())."""
    deferred = () if with_mdo_question else (defer(Family.mdo_question),)
    return (defer(Family.expected_due_date), defer(Family.target_result), defer(Family.target_override_reason),
            defer(Family.support_question), *deferred, *(
                (selectinload(Family.parents).load_only(*PARENT_LIST_COLUMNS),
                 selectinload(Family.referrals).load_only(*REFERRAL_LIST_COLUMNS)) if with_relations else ()))


def visible_families_query(user):
    return select(Family).where(visibility_clause(user)).options(*list_options())


def is_visible(user, family_id: int) -> bool:
    stmt = select(Family.id).where(Family.id == family_id).where(visibility_clause(user)).limit(1)
    return db.session.scalar(stmt) is not None


def today() -> date:
    return clock.today()


__all__ = ["CATEGORIES", "DatedList", "FamilySummary", "FamilyView", "build_view", "decide_for", "is_visible", "load_for_write",
           "load_listed", "may_see_any_family", "read_dated", "read_dated_lists", "read_family", "summarise", "summarise_matches",
           "visibility_clause", "visible_families_query"]
