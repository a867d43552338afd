"""Consent records, withdrawal, break-the-glass, the need-to-know table, transparency."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

import consent
from consent import CATEGORIES, PRESETS, get_preset, preset_categories, validate_consent
from igp import clock
from igp.admin.services import set_setting
from igp.audit import services as audit
from igp.audit.models import AuditEntry
from igp.auth.models import Organisation, UserRole
from igp.auth.services import organisations
from igp.coordination.models import CoreTeamMember
from igp.errors import Forbidden, NotFound, ValidationError
from igp.extensions import db
from igp.families import rules as family_rules
from igp.families.models import Family, FamilyNote
from igp.mdo.models import MdoAction
from igp.notifications.services import notify
from igp.sharing import gateway, related
from igp.sharing.involvement import acting_substitute_for
from igp.sharing.models import BreakGlassAccess, ConsentRecord
from igp.sharing.schemas import ConsentIn, PresetIn, ReasonIn
from igp.validation import parse

CONSENT_ROLES = frozenset({"gynaecoloog", "verloskundige", "kinderarts", "mmw", "jeugdarts",
                           "jeugdverpleegkundige", "sociaal_werker", "planner"})
BREAK_GLASS_HOURS = 24
SCAN_TYPES = {"application/pdf": b"%PDF", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
SCAN_MAX_BYTES = 2 * 1024 * 1024


def check_scan(data: bytes | None, mimetype: str | None) -> dict[str, str]:
    if not data:
        return {}
    if mimetype not in SCAN_TYPES:
        return {"scan": "Alleen een PDF, PNG of JPEG-bestand."}
    if len(data) > SCAN_MAX_BYTES:
        return {"scan": "Het bestand is te groot (hoogstens 2 MB)."}
    if not data.startswith(SCAN_TYPES[mimetype]):
        return {"scan": "De inhoud van het bestand past niet bij het bestandstype."}
    return {}


def may_record_consent(actor, family: Family) -> bool:
    """The data holder (the registering organisation), and the coordinator or the acting substitute
    who meet the parents (at the intake, at home), record what the parents agreed to share: with
    the same form and presets, logged (the substitute "namens" the coordinator)."""
    return bool(actor.roles & CONSENT_ROLES) and (
        actor.organisation_id == family.registering_organisation_id or family.coordinator_id == actor.id
        or acting_substitute_for(actor, family) is not None)


def may_withdraw_consent(actor, family: Family) -> bool:
    """The same people record that the parents withdrew their consent; withdrawing only narrows
    what is shared."""
    return may_record_consent(actor, family)


CONSENT_REFUSAL = ("Alleen de organisatie die het gezin aanmeldde of de coördinator van het gezin (of diens "
                   "vervanger) legt de toestemming van de ouders vast.")


SELF_GRANT_REFUSAL = ("Als coördinator (of vervanger) legt u geen toestemming vast voor uw eigen organisatie of "
                      "domein; dat doet de organisatie die het gezin aanmeldde.")


def _refuse_self_grant(actor, family: Family, recipient) -> None:
    """The coordinator (or substitute) records consent for others (the social worker, the
    volunteer), never for a recipient that includes themselves: nobody but the data holder grants
    their own organisation access (security review H2)."""
    if actor.organisation_id == family.registering_organisation_id:
        return
    if recipient.organisation_id == actor.organisation_id or recipient.domain == actor.organisation.domain:
        raise Forbidden(SELF_GRANT_REFUSAL, audit={
            "action": "create", "user": actor, "object_type": "consent", "family_pseudonym": family.pseudonym,
            "outcome": "denied", "on_behalf_of_id": acting_substitute_for(actor, family),
            "detail": "consent for the coordinator's own organisation or domain refused"})


def _refuse_non_holder(actor, family: Family, recipient) -> None:
    _require_holder(actor, family)
    _refuse_self_grant(actor, family, recipient)


def _require_holder(actor, family: Family) -> None:
    """Who may record consent at all: checked before the input (a 403 before any field error), the
    same rule that shows the form."""
    if not actor.roles & CONSENT_ROLES:
        raise Forbidden("Uw rol mag geen toestemming vastleggen.")
    if not may_record_consent(actor, family):
        # only the data holder or the family's coordinator records what the parents agreed to share;
        # otherwise a professional could grant their own organisation access (break-the-glass
        # without reason or review)
        raise Forbidden(CONSENT_REFUSAL,
                        audit={"action": "create", "user": actor, "object_type": "consent",
                               "family_pseudonym": family.pseudonym, "outcome": "denied",
                               "detail": "consent by neither the registering organisation nor the coordinator "
                                         "refused"})


def _consent_problems(parsed: ConsentIn, family: Family) -> tuple[dict[str, str], list[int]]:
    """The rules of one consent beyond its fields' shapes: recipient, the policy's own checks,
    not in the future, and who gave it (the family's parents; all of them when none is named)."""
    errors: dict[str, str] = {}
    org_id = parsed.recipient.organisation_id if parsed.recipient else None
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        errors["recipient"] = "Onbekende organisatie als ontvanger."
    given_at = parsed.given_at or clock.now()
    for key, message in validate_consent(org_id, parsed.recipient.domain if parsed.recipient else None,
                                         parsed.categories, parsed.purpose or "zorg_en_ondersteuning", parsed.method,
                                         given_at, parsed.valid_until).items():
        errors.setdefault(key, message)
    if given_at > clock.now() + timedelta(minutes=5):
        errors.setdefault("given_at", "De toestemming kan niet in de toekomst gegeven zijn.")
    parent_ids = {p.id for p in family.parents}
    given_by = parsed.given_by or sorted(family_rules.consenting_parent_ids(family.parents))
    if not set(given_by) <= parent_ids:
        errors["given_by"] = "Kies de ouder(s) van dit gezin die toestemming gaven."
    elif parsed.given_by:   # named on the form: each must be able to give it (the default is those with gezag)
        errors.update(family_rules.gezag_problems(family.parents, given_by))
    return errors, given_by


def record_consent(actor, family_id: int, data: dict, *, scan: bytes | None = None,
                   scan_mimetype: str | None = None, scan_filename: str | None = None) -> ConsentRecord:
    """Record one consent (API shape: recipient {organisation_id} or {domain}, categories,
    purpose, given_at, valid_until, form_version, method, given_by)."""
    family, _ = gateway.load_for_write(actor, family_id)
    _require_holder(actor, family)
    parsed = parse(ConsentIn, data)
    errors, given_by = _consent_problems(parsed, family)
    errors.update(check_scan(scan, scan_mimetype))
    if errors:
        raise ValidationError(errors)
    recipient = parsed.recipient
    _refuse_non_holder(actor, family, recipient)
    record = ConsentRecord(
        family_id=family.id, recipient_organisation_id=recipient.organisation_id, recipient_domain=recipient.domain,
        categories=[c for c in CATEGORIES if c in set(parsed.categories)],
        purpose=parsed.purpose or "zorg_en_ondersteuning", given_at=parsed.given_at or clock.now(),
        valid_until=parsed.valid_until, given_by=given_by, form_version=parsed.form_version, method=parsed.method,
        preset=parsed.preset, recorded_by_id=actor.id, note=parsed.note, scan=scan or None,
        scan_mimetype=scan_mimetype if scan else None, scan_filename=scan_filename if scan else None,
    )
    db.session.add(record)
    db.session.flush()
    target = f"org {recipient.organisation_id}" if recipient.organisation_id else f"domain {recipient.domain}"
    audit.record("create", user=actor, object_type="consent", object_id=record.id,
                 family_pseudonym=family.pseudonym, consent_ids=[record.id],
                 on_behalf_of_id=acting_substitute_for(actor, family),
                 detail=f"consent to {target}: {','.join(record.categories)} ({record.purpose})")
    return record


def record_preset(actor, family_id: int, preset_code: str, *, method: str, given_at=None,
                  form_version: str | None = None, categories: list[str] | None = None,
                  domains: list[str] | None = None) -> list[ConsentRecord]:
    """A preset (e.g. 'Kernteam IGP') as one consent per domain; the professional may narrow
    the categories and domains first."""
    _require_holder(actor, gateway.load_for_write(actor, family_id)[0])
    parsed = parse(PresetIn, {"preset": preset_code, "method": method, "given_at": given_at,
                              "form_version": form_version, "categories": categories, "domains": domains})
    if parsed.preset is None:
        raise ValidationError({"preset": "Kies een voorkeuze."})
    if parsed.method is None:
        raise ValidationError({"method": "Kies hoe de toestemming is gegeven."})
    preset = get_preset(parsed.preset)
    if parsed.domains is not None and not parsed.domains:
        raise ValidationError({"domains": "Kies ten minste één ontvanger."})
    # per domain only what one of its roles may see (need-to-know, with the beheerder's changes)
    per_domain = preset_categories(preset, gateway.need_to_know_table(), categories=parsed.categories,
                                   domains=parsed.domains)
    if not per_domain:
        raise ValidationError({"categories": "De gekozen ontvangers mogen geen van deze gegevens inzien; "
                                             "kies andere gegevens of ontvangers."})
    given = parsed.given_at or clock.now()
    valid_until = preset.valid_until_from(given)
    return [record_consent(actor, family_id, {
        "recipient": {"domain": d}, "categories": list(categories), "purpose": preset.purpose,
        "given_at": given.isoformat(), "valid_until": valid_until.isoformat(), "method": parsed.method,
        "form_version": parsed.form_version, "preset": preset.code,
    }) for d, categories in per_domain.items()]


@dataclass
class FamilyRef:
    """A family by id and pseudonym only (no category data)."""

    id: int
    pseudonym: str
    may_open: bool = False   # the reader may open the family page (a link to it is shown)


@dataclass
class Scan:
    consent_id: int
    data: bytes
    mimetype: str

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[self.mimetype]


def consent_scan(actor, family_id: int, consent_id: int) -> Scan:
    """The signed consent form: it names the parents, so it is NAW; only for those who record
    consent for this family (the data holder), read through the gateway and logged. A scan that
    does not exist or may not be seen answers alike (404)."""
    view = gateway.read_family(actor, family_id, access="consent scan", audit_read=False)
    record = db.session.get(ConsentRecord, consent_id)
    family = db.session.get(Family, view.id)
    if (record is None or record.family_id != view.id or record.scan_mimetype is None
            or not view.may("naw") or not may_record_consent(actor, family)):
        raise NotFound("Deze scan bestaat niet of u hebt er geen toegang toe.", audit={
            "action": "read", "user": actor, "object_type": "consent_scan", "object_id": consent_id,
            "family_pseudonym": view.pseudonym, "outcome": "denied", "detail": "consent scan refused"})
    audit.record("read", user=actor, object_type="consent_scan", object_id=record.id,
                 family_pseudonym=view.pseudonym, shown=["naw"], consent_ids=view.decision.consent_ids or None,
                 detail="scan downloaded")
    return Scan(record.id, record.scan, record.scan_mimetype)


def consents_of(family_id: int) -> list[ConsentRecord]:
    return list(db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family_id)
                                   .order_by(ConsentRecord.given_at.desc(), ConsentRecord.id.desc())))


def consent_status(record: ConsentRecord) -> str:
    return consent.grant_status(gateway.as_grant(record), clock.now())


def withdraw(actor, consent_id: int, reason: str | None, *, family_id: int | None = None) -> ConsentRecord:
    record = db.session.get(ConsentRecord, consent_id)
    if record is None or (family_id is not None and record.family_id != family_id):
        # the same answer as for a consent of a family the user may not see
        raise gateway.refusal(actor, None, "consent withdraw: no such consent")
    family, _ = gateway.load_for_write(actor, record.family_id)
    if not may_withdraw_consent(actor, family):
        raise Forbidden("Alleen de organisatie die het gezin aanmeldde of de coördinator (of diens vervanger) legt "
                        "de intrekking van toestemming vast.", audit={
                            "action": "update", "user": actor, "object_type": "consent", "object_id": record.id,
                            "family_pseudonym": family.pseudonym, "outcome": "denied",
                            "detail": "consent withdrawal refused"})
    if record.withdrawn_at is not None:
        raise ValidationError({"_": "Deze toestemming is al ingetrokken op "
                                    f"{clock.local(record.withdrawn_at).strftime('%d-%m-%Y')}."})
    reason = (parse(ReasonIn, {"reason": reason}).reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Noteer waarom of op wiens verzoek de toestemming wordt ingetrokken."})
    readers_before = _action_readers(family)
    record.withdrawn_at = clock.now()
    record.withdrawn_by_id = actor.id
    record.withdrawal_reason = reason[:2000]
    audit.record("update", user=actor, object_type="consent", object_id=record.id, family_pseudonym=family.pseudonym,
                 consent_ids=[record.id], on_behalf_of_id=acting_substitute_for(actor, family),
                 detail="consent withdrawn")
    _notify_withdrawal(actor, family, record)
    record.stranded_actions = _stranded_actions(actor, family, readers_before)
    return record


def _open_actions(family: Family) -> list[MdoAction]:
    return list(db.session.scalars(select(MdoAction).where(MdoAction.family_id == family.id,
                                                           MdoAction.status == "open").order_by(MdoAction.id)))


def _action_readers(family: Family) -> set[int]:
    """The open actions (ids) whose owner can read them now: the family is visible to the owner
    and consent covers the MDO minutes (where the action's text lives)."""
    return {a.id for a in _open_actions(family)
            if gateway.is_visible(a.owner, family.id) and "mdo_notulen" in gateway.decide_for(a.owner, family).allowed}


def _stranded_actions(actor, family: Family, readers_before: set[int]) -> list[MdoAction]:
    """The open actions whose owner could read them before the withdrawal and cannot now: listed
    to the withdrawing user (to close or hand over), and their owners are told."""
    db.session.flush()
    readers_after = _action_readers(family)
    stranded = [a for a in _open_actions(family) if a.id in readers_before and a.id not in readers_after]
    owners = {a.owner_id for a in stranded} - {actor.id}
    notify(owners, "mdo_actie", "Door een intrekking van toestemming kunt u een open MDO-actie voor gezin {gezin} "
                                "niet meer inzien. De coördinator draagt de actie over of sluit hem af.",
           family_id=family.id)
    for action in stranded:
        audit.record("update", user=actor, object_type="mdo_action", object_id=action.id,
                     family_pseudonym=family.pseudonym, detail="owner can no longer read the action (consent withdrawn)")
    return stranded


def _notify_withdrawal(actor, family: Family, record: ConsentRecord) -> None:
    recipients = set()
    if family.coordinator_id:
        recipients.add(family.coordinator_id)
    members = db.session.scalars(select(CoreTeamMember).where(CoreTeamMember.family_id == family.id,
                                                              CoreTeamMember.removed_at.is_(None)))
    for member in members:
        user = member.user
        if user.organisation_id == record.recipient_organisation_id or user.organisation.domain == record.recipient_domain:
            recipients.add(user.id)
    recipients.discard(actor.id)
    labels = ", ".join(consent.CATEGORY_LABELS[c].lower() for c in record.categories)
    notify(recipients, "toestemming_ingetrokken",
           f"De ouders van gezin {{gezin}} hebben toestemming ingetrokken ({labels}). "
           "Deze gegevens worden niet meer getoond.", family_id=family.id)


# ------------------------------------------------------------------ break the glass

BREAK_GLASS_REFUSAL = ("Noodtoegang is alleen mogelijk bij een directe zorgrelatie met het gezin: als aanmeldende "
                       "organisatie, coördinator, vervanger of kernteamlid. Deelname aan een MDO of een teambrede rol "
                       "is daarvoor niet genoeg. Neem contact op met de coördinator of de privacy officer.")


def break_glass(actor, family_id: int, reason: str) -> BreakGlassAccess:
    """Emergency access (Meldcode): opens reading of the categories withheld for want of consent,
    for BREAK_GLASS_HOURS, for a user with a direct care relationship only. It allows no write
    but an emergency note, and is never a ground for coordination, core-team membership or
    consent. The privacy officer reviews it; the coordinator is told at once."""
    family, decision = gateway.load_for_write(actor, family_id, requires=consent.DIRECT_CARE_KINDS,
                                              refusal=BREAK_GLASS_REFUSAL, access="break-the-glass",
                                              audit_action="break_glass")
    reason = (parse(ReasonIn, {"reason": reason}).reason or "").strip()
    if len(reason) < 20:
        raise ValidationError({"reason": "Noodtoegang vraagt een reden van minstens 20 tekens: welke acute "
                                         "veiligheidssituatie (Meldcode) maakt dit nodig?"})
    consent_reasons = {"geen_toestemming", "toestemming_ingetrokken", "toestemming_verlopen"}
    if not any(r in consent_reasons for _, r in decision.withheld_list()):
        raise ValidationError({"_": "Er zijn geen gegevens afgeschermd die noodtoegang kan openen."})
    now = clock.now()
    row = BreakGlassAccess(family_id=family.id, user_id=actor.id, reason=reason[:4000], opened_at=now,
                           expires_at=now + timedelta(hours=BREAK_GLASS_HOURS))
    db.session.add(row)
    db.session.flush()
    audit.record("break_glass", user=actor, object_type="family", object_id=family.id,
                 family_pseudonym=family.pseudonym, withheld=decision.withheld_list(),
                 detail=f"break-the-glass #{row.id} opened for {BREAK_GLASS_HOURS}h")
    officers = set(db.session.scalars(select(UserRole.user_id).where(UserRole.role == "privacy_officer")))
    if family.coordinator_id:
        officers.add(family.coordinator_id)
    officers.discard(actor.id)
    notify(officers, "noodtoegang", f"Noodtoegang tot gezin {{gezin}} door {actor.name} "
                                    f"({actor.organisation.name}).", family_id=family.id)
    return row


def may_break_glass(actor, kinds: frozenset[str], decision) -> bool:
    """Whether to offer break-the-glass to this reader (the same rule break_glass() enforces)."""
    consent_reasons = {"geen_toestemming", "toestemming_ingetrokken", "toestemming_verlopen"}
    return consent.has_direct_care(kinds) and any(r in consent_reasons for _, r in decision.withheld_list())


@dataclass
class GlassReview:
    """One break-the-glass for the privacy officer's review: who, when, which family (pseudonym),
    the stated reason, and how many emergency notes were written under it (not their text)."""

    id: int
    opened_at: datetime
    expires_at: datetime
    user_name: str
    organisation: str
    pseudonym: str
    reason: str
    emergency_notes: int
    reviewed_at: datetime | None
    review_note: str | None


def open_break_glass_reviews() -> int:
    """How many uses of break-the-glass still wait for the privacy officer's review (a count only:
    no pseudonym or reason is read)."""
    return db.session.scalar(select(func.count()).select_from(BreakGlassAccess)
                             .where(BreakGlassAccess.reviewed_at.is_(None))) or 0


def break_glass_queue(include_reviewed: bool = False) -> list[GlassReview]:
    stmt = (select(BreakGlassAccess, Family.pseudonym).join(Family, Family.id == BreakGlassAccess.family_id)
            .order_by(BreakGlassAccess.opened_at.desc()))
    if not include_reviewed:
        stmt = stmt.where(BreakGlassAccess.reviewed_at.is_(None))
    rows = list(db.session.execute(stmt.limit(500)))
    ids = [row.id for row, _ in rows]
    audit.record("read", object_type="break_glass_queue", detail=f"{len(rows)} shown (pseudonyms, reasons)")
    notes = dict(db.session.execute(select(FamilyNote.break_glass_id, func.count()).where(
        FamilyNote.break_glass_id.in_(ids)).group_by(FamilyNote.break_glass_id)).all()) if ids else {}
    return [GlassReview(row.id, row.opened_at, row.expires_at, row.user.name, row.user.organisation.name, pseudonym,
                        row.reason, notes.get(row.id, 0), row.reviewed_at, row.review_note) for row, pseudonym in rows]


def review_break_glass(officer, access_id: int, note: str) -> BreakGlassAccess:
    if not officer.has_role("privacy_officer"):
        raise Forbidden("Alleen de privacy officer beoordeelt noodtoegang.")
    row = db.session.get(BreakGlassAccess, access_id)
    if row is None:
        raise NotFound("Deze noodtoegang bestaat niet.")
    if row.reviewed_at is not None:
        raise ValidationError({"_": "Deze noodtoegang is al beoordeeld."})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Noteer de beoordeling."})
    row.reviewed_at = clock.now()
    row.reviewed_by_id = officer.id
    row.review_note = note[:4000]
    audit.record("update", user=officer, object_type="break_glass", object_id=row.id,
                 family_pseudonym=row.family.pseudonym, detail="break-the-glass reviewed")
    return row


def break_glass_for_family(family_id: int) -> list[BreakGlassAccess]:
    return list(db.session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.family_id == family_id)
                                   .order_by(BreakGlassAccess.opened_at.desc())))


# ------------------------------------------------------------------ need to know

def set_need_to_know(actor, table: dict[str, list[str]]) -> dict:
    if not actor.has_role("beheerder"):
        raise Forbidden("Alleen de beheerder past de need-to-know-tabel aan.")
    try:
        merged = consent.merge_need_to_know(table)
    except consent.PolicyError as exc:
        raise ValidationError({"need_to_know": str(exc)}) from None
    if not merged["planner"] <= consent.TEAM_PLANNER_CATEGORIES:
        # planners are involved with every family (team-wide): they need NAW for appointments, no more
        raise ValidationError({"need_to_know": "De planner is bij elk gezin betrokken en ziet daarom alleen "
                                               "NAW-gegevens; meer categorieën kunnen niet."})
    overrides = {role: sorted(cats) for role, cats in merged.items()
                 if frozenset(cats) != consent.DEFAULT_NEED_TO_KNOW[role]}
    set_setting("need_to_know", overrides)
    return overrides


# ------------------------------------------------------------------ transparency

def may_see_access_log(actor, family: Family) -> bool:
    return (actor.has_role("privacy_officer") or family.coordinator_id == actor.id
            or acting_substitute_for(actor, family) is not None)


def access_log(actor, family_id: int) -> tuple[Family, list[AuditEntry]]:
    """'Wie zag wat': who looked at which categories of this family, for the coordinator and
    the privacy officer."""
    family = db.session.get(Family, family_id)
    if family is None or not may_see_access_log(actor, family):
        raise NotFound("Dit gezin bestaat niet of u hebt er geen toegang toe.", audit={
            "action": "read", "user": actor, "object_type": "access_log", "object_id": family_id,
            "family_pseudonym": family.pseudonym if family else None, "outcome": "denied"})
    entries = audit.entries_for_family(family.pseudonym)
    audit.record("read", user=actor, object_type="access_log", object_id=family.id,
                 family_pseudonym=family.pseudonym, detail="wie zag wat")
    return FamilyRef(family.id, family.pseudonym, gateway.decide_for(actor, family).involved), entries


@dataclass
class ParentsOverview:
    view: gateway.FamilyView | None
    consents: list
    entries: list
    requester: int | None                      # the position of the parent it is made for
    choices: list[tuple[int, str]] = field(default_factory=list)   # when that is still to be chosen


def _for_requester(view: gateway.FamilyView, family: Family, requester: int) -> None:
    """A parent receives their own data in full; of the other parent only the name, relationship
    and gezag: never the other's BSN or birth date, and a geheim address or phone never at all."""
    parents = []
    for shown, row in zip(view.naw["parents"], family.parents):
        if row.position == requester:
            parents.append(dict(shown, bsn=row.bsn, own=True))
            continue
        keep = {k: shown[k] for k in ("id", "position", "name", "relationship_type", "gezag")}
        if not row.contact_secret:
            keep.update({k: shown[k] for k in ("phone", "address", "postcode", "city")})
        parents.append(dict(keep, own=False, contact_withheld=row.contact_secret))
    view.naw = dict(view.naw, parents=parents)


def overview_for_parents(actor, family_id: int, requester: int | None = None) -> ParentsOverview:
    """The right-of-access overview (AVG art. 15) for one parent (`requester`: the parent's position):
    all data held, consents, accesses. Only the privacy officer produces it (it shows every category,
    beyond any professional's consent or need to know); logged as a print (it is the page the parent
    receives on paper). With two parents and none chosen, the officer first chooses for whom."""
    family = db.session.get(Family, family_id)
    if family is None or not actor.has_role("privacy_officer"):
        raise NotFound("Dit gezin bestaat niet of u hebt er geen toegang toe.", audit={
            "action": "print", "user": actor, "object_type": "family", "object_id": family_id,
            "outcome": "denied", "detail": "AVG art. 15 overview refused"})
    positions = [p.position for p in family.parents]
    if requester is None and len(positions) == 1:
        requester = positions[0]
    if requester not in positions:
        return ParentsOverview(None, [], [], None, [(p.position, p.name) for p in family.parents])
    full = consent.Decision(involved=True, allowed=frozenset(CATEGORIES), withheld={}, own_organisation=True)
    view = gateway.build_view(actor, gateway.load_family(family.id), full)
    _for_requester(view, family, requester)
    entries = audit.entries_for_family(family.pseudonym)
    audit.record("print", user=actor, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=list(CATEGORIES), detail=f"AVG art. 15 overview for parent {requester}")
    return ParentsOverview(view, related.consents(view, {o.id: o.name for o in organisations()}), entries, requester)


PRESET_CHOICES = [(p.code, p.label) for p in PRESETS]


@dataclass
class PresetChoice:
    """A preset as the consent form offers it: what it asks per domain (only what that domain's
    roles may see, with the beheerder's need-to-know table), in the sentences read to the parents."""

    code: str
    label: str
    per_domain: dict[str, tuple[str, ...]]
    lines: list[str]


def preset_choices() -> list[PresetChoice]:
    table = gateway.need_to_know_table()
    choices = []
    for preset in PRESETS:
        per_domain = preset_categories(preset, table)
        if per_domain:
            choices.append(PresetChoice(preset.code, preset.label, per_domain, consent.describe_preset(preset, per_domain)))
    return choices
