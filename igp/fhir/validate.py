"""The validation harness: is a resource (or Bundle) valid FHIR R4 and does it keep the nl-core
constraints the mappings rely on?

1. Structure: parsed with fhirclient's models, generated from FHIR 4.0.1, strictly (wrong types,
   unknown elements, missing required elements and bad primitive formats are problems).
2. Profiles: FHIRPath checks (fhirpathpy) of what the nl-core profiles of the pinned package
   (PACKAGE) demand and the mappings use: the profile URL in meta.profile, the BSN identifier
   system, the fixed codes and the required bindings (codes from the bound value sets), and the
   elements the mapping promises (CHECKS below; derived from the Nictiz StructureDefinitions and
   value sets kept in tests/fixtures/nictiz/, CC0).

`problems(resource)` answers a list of Problem (an element path and a Dutch message); an empty
list means valid. The same function serves the tests and the import (POST /fhir)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import fhirpathpy
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.fhirelementfactory import FHIRElementFactory

PACKAGE = "nictiz.fhir.nl.r4.nl-core"
PACKAGE_VERSION = "0.12.1-beta.1"
NICTIZ = "http://nictiz.nl/fhir/StructureDefinition/"
BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"

# nl-core RelatieCodelijst (2.16.840.1.113883.2.4.3.11.60.40.2.3.1.1--20200901000000), the required
# binding of RelatedPerson.relationship:relationship (tests/fixtures/nictiz/RelatieCodelijst.json)
RELATIE_CODES = ("ADOPTF", "ADOPTM", "AUNT", "BRO", "BROINLAW", "COUSN", "DAUC", "DAUINLAW", "DOMPART", "FTH",
                 "FTHINLAW", "DAUFOST", "FTHFOST", "MTHFOST", "SONFOST", "GRNDDAU", "GRFTH", "GRMTH", "GRNDSON",
                 "GGRFTH", "GGRMTH", "HUSB", "MTH", "MTHINLAW", "NEPHEW", "NIECE", "SIS", "SISINLAW", "SONC",
                 "SONINLAW", "STPFTH", "STPMTH", "UNCLE", "WIFE")


@dataclass(frozen=True)
class Problem:
    path: str       # element path, e.g. "Patient.identifier[0].system" or "Bundle.entry[2].resource"
    message: str    # Dutch

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Check:
    """One FHIRPath rule: on resources of `resource_type` (claiming `profile`, when given) the
    expression must be true."""
    key: str
    resource_type: str
    profile: str | None
    expression: str
    message: str
    path: str


def _codes(values) -> str:
    return "(" + " | ".join(f"'{v}'" for v in values) + ")"


def _profile(name: str) -> str:
    return NICTIZ + name


CHECKS: tuple[Check, ...] = (
    # every Patient: a BSN identifier carries the BSN system and a value of nine digits (zib-Patient
    # identifier:bsn patternIdentifier)
    Check("igp-pat-1", "Patient", _profile("nl-core-Patient"), "identifier.exists()",
          "Een patiënt heeft een identificatie (BSN of het IGP-nummer).", "Patient.identifier"),
    Check("igp-pat-2", "Patient", None,
          f"identifier.where(system = '{BSN_SYSTEM}').all(value.matches('^[0-9]{{9}}$'))",
          "Een BSN bestaat uit negen cijfers.", "Patient.identifier.value"),
    Check("igp-pat-3", "Patient", _profile("nl-core-Patient"),
          "gender.empty() or gender in ('male' | 'female' | 'other' | 'unknown')",
          "Geslacht komt uit administrative-gender.", "Patient.gender"),
    Check("igp-rp-1", "RelatedPerson", _profile("nl-core-ContactPerson"),
          f"relationship.coding.where((system = '{ROLE_CODE}' and code in {_codes(RELATIE_CODES)}) or "
          f"(system = '{NULL_FLAVOR}' and code = 'OTH')).exists() and "
          f"relationship.coding.where(system = '{ROLE_CODE}').all(code in {_codes(RELATIE_CODES)})",
          "De relatie komt uit de RelatieCodelijst (v3 RoleCode, bijv. MTH, FTH; anders NullFlavor OTH).",
          "RelatedPerson.relationship"),
    Check("igp-rp-2", "RelatedPerson", _profile("nl-core-ContactPerson"), "patient.reference.startsWith('Patient/')",
          "Een contactpersoon hoort bij een patiënt.", "RelatedPerson.patient"),
    Check("igp-preg-1", "Observation", _profile("nl-core-Pregnancy"),
          "code.coding.where(system = 'http://snomed.info/sct' and code = '118185001').exists()",
          "Zwangerschap: code SNOMED 118185001.", "Observation.code"),
    Check("igp-edd-1", "Observation", _profile("nl-core-Pregnancy.EstimatedDateOfDelivery"),
          "code.coding.where(system = 'http://snomed.info/sct' and code = '161714006').exists() and "
          "valueDateTime.exists()", "Aterme datum: code SNOMED 161714006 met een datum.", "Observation.valueDateTime"),
    Check("igp-enc-1", "Encounter", _profile("nl-core-Encounter"), "class.exists() and subject.exists()",
          "Een contact heeft een klasse en een patiënt.", "Encounter.class"),
    Check("igp-goal-1", "Goal", _profile("nl-core-TreatmentObjective"), "addresses.count() = 1",
          "Een behandeldoel verwijst naar precies één probleem of verzoek (addresses).", "Goal.addresses"),
    Check("igp-ct-1", "CareTeam", _profile("nl-core-CareTeam"), "participant.all(member.exists())",
          "Elke deelnemer van het kernteam heeft een lid (member).", "CareTeam.participant.member"),
    Check("igp-ct-2", "CareTeam", _profile("nl-core-CareTeam"),
          "participant.member.all(reference.startsWith('PractitionerRole/') or reference.startsWith('Patient/') "
          "or reference.startsWith('RelatedPerson/'))",
          "Kernteamleden zijn zorgverleners, de patiënt of contactpersonen.", "CareTeam.participant.member"),
    Check("igp-org-1", "Organization", _profile("nl-core-HealthcareProvider-Organization"), "name.exists()",
          "Een zorgaanbieder heeft een naam.", "Organization.name"),
    Check("igp-pr-1", "PractitionerRole", _profile("nl-core-HealthProfessional-PractitionerRole"),
          "organization.exists() and code.exists()", "Een zorgverlenersrol hoort bij een organisatie en heeft een rol.",
          "PractitionerRole.organization"),
    Check("igp-mdo-1", "Encounter", None,
          "id.startsWith('mdo-') implies type.coding.where(system = 'http://snomed.info/sct' and "
          "code = '384682003').exists()", "Een MDO is een contact van het type SNOMED 384682003.", "Encounter.type"),
    Check("igp-cons-1", "Consent", None,
          "provision.provision.all(actor.exists() and class.exists() and purpose.exists())",
          "Elke toestemmingsbepaling noemt ontvanger, categorie en doel.", "Consent.provision.provision"),
    Check("igp-cons-2", "Consent", None, "status in ('active' | 'inactive')",
          "Een toestemming is actief of inactief.", "Consent.status"),
    Check("igp-audit-1", "AuditEvent", None, "agent.exists() and entity.exists()",
          "Een logregel noemt wie en welk gezin.", "AuditEvent.agent"),
)

# resource types that should claim a profile in meta.profile (the nl-core ones)
PROFILED = {"Patient", "RelatedPerson", "Organization", "PractitionerRole", "Encounter", "CareTeam", "Goal"}


def parse_problems(resource: dict, path: str | None = None) -> list[Problem]:
    """Structure: parse with the 4.0.1 models, strictly."""
    root = path or str(resource.get("resourceType") or "Resource") if isinstance(resource, dict) else "Resource"
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return [Problem(root, "Geen FHIR-resource: resourceType ontbreekt.")]
    try:
        FHIRElementFactory.instantiate(resource["resourceType"], resource)
    except FHIRValidationError as exc:
        return [Problem(p, m) for p, m in _flatten(exc, root)]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return [Problem(root, f"Ongeldige structuur: {exc}")]
    return []


def _flatten(exc: BaseException, prefix: str) -> list[tuple[str, str]]:
    if isinstance(exc, FHIRValidationError):
        here = _join(prefix, exc.path) if exc.path else prefix
        found = [item for sub in exc.errors for item in _flatten(sub, here)]
        return found or [(here, "Ongeldige waarde.")]
    return [(prefix, _dutch(str(exc)))]


def _join(prefix: str, path: str) -> str:
    return prefix + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in path.split("."))


def _dutch(text: str) -> str:
    text = text.strip()
    if "does not match expected format" in text:
        return "De waarde heeft niet het voorgeschreven formaat."
    if text.startswith("Superfluous entry"):
        name = re.search(r'"([^"]+)"', text)
        return f"Onbekend element {name.group(1) if name else ''} (niet in FHIR R4)."
    if "Non-optional property" in text:
        name = re.search(r'"([^"]+)"', text)
        return f"Verplicht element {name.group(1) if name else ''} ontbreekt."
    if text.startswith("Wrong type"):
        return "Verkeerd type: " + text
    return text


def claims(resource: dict, profile: str) -> bool:
    return profile in ((resource.get("meta") or {}).get("profile") or [])


def profile_problems(resource: dict, root: str | None = None) -> list[Problem]:
    """The nl-core and IGP rules (FHIRPath) that apply to this resource."""
    kind = resource.get("resourceType")
    root = root or kind
    found: list[Problem] = []
    if kind in PROFILED and not any(isinstance(p, str) and p.startswith(NICTIZ) for p in (resource.get("meta") or {}).get("profile") or []):
        found.append(Problem(f"{root}.meta.profile", "Het nl-core-profiel ontbreekt in meta.profile."))
    for check in CHECKS:
        if check.resource_type != kind or (check.profile and not claims(resource, check.profile)):
            continue
        if fhirpathpy.evaluate(resource, check.expression, []) != [True]:
            found.append(Problem(root + check.path.removeprefix(kind), f"{check.message} ({check.key})"))
    return found


def problems(resource: dict) -> list[Problem]:
    """Every problem of a resource or a Bundle (each entry's resource checked too)."""
    found = parse_problems(resource)
    if found or not isinstance(resource, dict):
        return found
    found = profile_problems(resource)
    if resource.get("resourceType") == "Bundle":
        for i, entry in enumerate(resource.get("entry") or []):
            inner = entry.get("resource")
            if isinstance(inner, dict):
                found += profile_problems(inner, f"Bundle.entry[{i}].resource")
        urls = [e.get("fullUrl") for e in resource.get("entry") or [] if e.get("fullUrl")]
        if len(urls) != len(set(urls)):
            found.append(Problem("Bundle.entry.fullUrl", "Elke fullUrl komt één keer voor (bdl-7)."))
    return found


def resources_in(resource: dict) -> list[dict]:
    """The resource itself and, for a Bundle, the resources of its entries (for counting)."""
    if resource.get("resourceType") != "Bundle":
        return [resource]
    return [resource, *(e["resource"] for e in resource.get("entry") or [] if isinstance(e.get("resource"), dict))]
