"""GET /api/v1/families/{id}/fhir?recipient=<organisation id>: the family as a FHIR Bundle (type
collection) holding only what the family's consent lets that recipient organisation see, to hand the
case to another system or to print it into a dossier.

Who may export: the family's coordinator, the acting substitute and the named core-team members
(EXPORT_KINDS) with a role that may register (not informal support, not a referrer or an organisation
without a care relationship, not the team-wide planner involvement alone): handing data on is a
decision of the people who hold the case. Others: 403 (involved) or 404 (not involved), both logged.

parse (recipient) after authorise (404 before field errors) -> pure rule (consent.decide_for_recipient)
-> the narrowed view (gateway.build_view: only the recipient's categories are read) -> mappings ->
audit ("export", the categories handed on and withheld, the consents that allowed it)."""
from __future__ import annotations

from sqlalchemy import select

import consent
from igp import clock
from igp.admin.services import get_setting
from igp.audit import services as audit
from igp.auth.models import Organisation
from igp.errors import ValidationError
from igp.extensions import db
from igp.families import rules as family_rules
from igp.fhir import assemble, bundle
from igp.sharing import gateway, related
from igp.sharing.models import ConsentRecord

EXPORT_KINDS = frozenset({"coordinator", "substitute", "core_team"})
REFUSAL = ("Alleen de coördinator (of diens vervanger) en het kernteam van het gezin geven het dossier door aan "
           "een andere organisatie.")
RECIPIENT_MESSAGE = "Geef de ontvangende organisatie op: recipient=<id van de organisatie>."


def _recipient(raw) -> Organisation:
    value = (raw or "").strip()
    if not value.isdigit() or len(value) > 12:
        raise ValidationError({"recipient": RECIPIENT_MESSAGE})
    organisation = db.session.get(Organisation, int(value))
    if organisation is None:
        raise ValidationError({"recipient": "Deze organisatie bestaat niet."})
    return organisation


def recipient_decision(family, exporter: consent.Decision, organisation: Organisation) -> consent.Decision:
    records = list(db.session.scalars(select(ConsentRecord).where(ConsentRecord.family_id == family.id)))
    both = bool(get_setting("consent_both_parents"))
    return consent.decide_for_recipient(
        exporter, consent.Recipient(organisation.id, organisation.domain), [gateway.as_grant(r) for r in records],
        clock.now(), need_to_know=gateway.need_to_know_table(),
        parent_ids=family_rules.consenting_parent_ids(family.parents) if both else frozenset(),
        registering_organisation_id=family.registering_organisation_id)


def _addressed_to(view: related.ConsentView, organisation: Organisation) -> bool:
    return view.recipient_organisation_id == organisation.id or view.recipient_domain == organisation.domain


def export_bundle(user, family_id: int, recipient_raw, *, base_url: str) -> dict:
    family, exporter = gateway.load_for_write(user, family_id, access="fhir", requires=EXPORT_KINDS,
                                              refusal=REFUSAL, audit_action="export")
    organisation = _recipient(recipient_raw)
    decision = recipient_decision(family, exporter, organisation)
    view = gateway.build_view(user, family, decision)
    if view.naw is not None and organisation.domain not in gateway.BSN_DOMAINS:
        for parent in view.naw["parents"]:    # a BSN only to a care provider (zorg, JGZ)
            parent["bsn"] = None
        view.naw["bsn_shown"] = False
    audit.record("export", user=user, object_type="family", object_id=family.id, family_pseudonym=family.pseudonym,
                 shown=sorted(decision.allowed), withheld=decision.withheld_list(), consent_ids=decision.consent_ids,
                 detail=f"fhir: Bundle for organisation #{organisation.id}")
    names = {organisation.id: organisation.name}
    shown = [c for c in related.consents(view, names) if _addressed_to(c, organisation)]
    resources = assemble.family_resources(user, view, family, consents_shown=shown,
                                          no_contacts=organisation.domain == "informeel")
    return bundle.collection(resources, base_url=base_url, at=clock.now(),
                             identifier={"system": f"{assemble.referral.codes.BASE}/NamingSystem/export",
                                         "value": f"{family.pseudonym}-{organisation.id}"})
