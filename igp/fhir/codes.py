"""The IGP's own code systems, as the mappings use them and as GET /fhir/CodeSystem/{id} serves them.

Every coding with a system under codes.BASE (igp.fhir.referral) comes from this table, so every local
code a resource carries can be looked up (a test walks the produced resources for it). The labels
are the app's own (consent/, the domain rules): the codes are contracts, the labels UI text."""
from __future__ import annotations

from consent import CATEGORY_LABELS, DOMAIN_LABELS, PURPOSE_LABELS, REASON_LABELS, ROLE_LABELS
from igp.contacts import rules as contact_rules
from igp.families import rules as family_rules
from igp.fhir.referral import codes as shared
from igp.handover import rules as handover_rules
from igp.mdo import rules as mdo_rules
from igp.plan import rules as plan_rules

BASE = shared.BASE

# id -> (title, labels); the url is BASE/CodeSystem/<id>
SYSTEMS: dict[str, tuple[str, dict]] = {
    "categorie": ("Gegevenscategorieën van de IGP (toestemming)", dict(CATEGORY_LABELS)),
    "doel": ("Doelen van een toestemming", dict(PURPOSE_LABELS)),
    "reden": ("Redenen waarom gegevens niet worden getoond", dict(REASON_LABELS)),
    "rol": ("Rollen in de IGP", dict(ROLE_LABELS)),
    "domein": ("Domeinen van de IGP", dict(DOMAIN_LABELS)),
    "ouder-relatie": ("Relatie van een ouder tot het kind", dict(family_rules.PARENT_RELATIONSHIPS)),
    "intake-soort": ("Soort intake", dict(family_rules.INTAKE_TYPES)),
    "intake-locatie": ("Plaats van de intake", dict(family_rules.INTAKE_LOCATIONS)),
    "contact-soort": ("Soort contactmoment", dict(contact_rules.KINDS)),
    "discipline": ("Discipline van een contactmoment", dict(contact_rules.DISCIPLINES)),
    "mdo-uitkomst": ("Soort uitkomst van het MDO", dict(mdo_rules.OUTCOME_KINDS)),
    "verwijzing-soort": ("Soort doorverwijzing", dict(mdo_rules.REFERRAL_TYPES)),
    "verwijzing-status": ("Status van een verwijzing uit het gezinsplan", dict(plan_rules.REFERRAL_STATUSES)),
    "doel-status": ("Status van een doel van het gezinsplan", dict(plan_rules.GOAL_STATUSES)),
    "terugkoppeling-ontvanger": ("Ontvanger van een terugkoppeling", dict(handover_rules.FEEDBACK_RECIPIENTS)),
    "terugkoppeling-wijze": ("Hoe is teruggekoppeld", dict(handover_rules.FEEDBACK_METHODS)),
    "identificatie": ("Soorten identificatie van de IGP", {"gezin": "Pseudoniem van het gezin"}),
    # the code systems of the referral and the handover (igp.fhir.referral, the import side)
    "kwetsbaarheden": ("Kwetsbaarheden (doelgroep)", dict(family_rules.VULNERABILITIES)),
    "medische-redenen": ("Redenen voor zorg uit de tweede of derde lijn", dict(family_rules.MEDICAL_REASONS)),
    "doelgroep": ("Doelgroep", dict(shared.TARGET_GROUP_LABELS)),
    "verwijzer-soort": ("Soort verwijzer", dict(family_rules.REFERRER_TYPES)),
    "overdracht-stap": ("Stappen van de warme overdracht", dict(handover_rules.STATUSES)),
    # what PUT /fhir/Task/{id} takes as Task.input (igp.fhir.task_input)
    "overdracht-invoer": ("Invoer bij een stap van de warme overdracht",
                          {"contactwijze": "Wijze van contact (valueCode uit de contactwijzen)",
                           "intake_gepland_op": "Moment waarop de intake gepland is (valueDateTime)"}),
}


def url(system_id: str) -> str:
    if system_id not in SYSTEMS:
        raise KeyError(system_id)
    return f"{BASE}/CodeSystem/{system_id}"


def coding(system_id: str, code: str) -> dict:
    """A coding of a local code system, with its Dutch label as display when the code is known."""
    item = {"system": url(system_id), "code": code}
    label = SYSTEMS[system_id][1].get(code)
    if label:
        item["display"] = label
    return item


def concept(system_id: str, code: str) -> dict:
    return {"coding": [coding(system_id, code)]}


def system_id_of(system_url: str) -> str | None:
    prefix = f"{BASE}/CodeSystem/"
    key = system_url.removeprefix(prefix) if system_url.startswith(prefix) else None
    return key if key in SYSTEMS else None


def code_system(system_id: str) -> dict:
    """The CodeSystem resource of one local code system (complete content)."""
    title, labels = SYSTEMS[system_id]
    return {
        "resourceType": "CodeSystem", "id": f"igp-{system_id}", "url": url(system_id), "name": _name(system_id),
        "title": title, "status": "active", "content": "complete", "caseSensitive": True,
        "count": len(labels), "concept": [{"code": code, "display": label} for code, label in labels.items()],
    }


def _name(system_id: str) -> str:
    return "IGP" + "".join(part.capitalize() for part in system_id.split("-"))
