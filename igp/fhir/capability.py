"""What the FHIR endpoint supports: one table, read by GET /fhir/metadata and by the routes' tests.

Each resource type with its profiles (nl-core of the pinned package where one exists), the
interactions served and the search parameters. The import (POST /fhir with a referral document
Bundle, PUT /fhir/Task/{id} with If-Match) is listed with the exchange it belongs to."""
from __future__ import annotations

from dataclasses import dataclass, field

from igp.fhir.validate import NICTIZ, PACKAGE, PACKAGE_VERSION

FHIR_VERSION = "4.0.1"
BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/"


@dataclass(frozen=True)
class Supported:
    type: str
    profiles: tuple[str, ...]
    interactions: tuple[str, ...] = ("read",)
    search: tuple[tuple[str, str, str], ...] = ()      # (name, type, Dutch documentation)
    versioning: str = "no-version"
    documentation: str = ""
    extra: dict = field(default_factory=dict)


def _nl(*names: str) -> tuple[str, ...]:
    return tuple(NICTIZ + n for n in names)


RESOURCES: tuple[Supported, ...] = (
    Supported("Patient", _nl("nl-core-Patient"), ("read", "search-type"),
              search=(("identifier", "token",
                       "https://igp.example.nl/fhir/NamingSystem/gezin|<pseudoniem>, of met POST "
                       "/fhir/Patient/_search (formulier) http://fhir.nl/fhir/NamingSystem/bsn|<bsn>: een BSN hoort "
                       "niet in een adres (GET met een BSN: 400)."),),
              documentation="Kind en (zwangere) moeder; alleen gezinnen waarbij u betrokken bent."),
    Supported("RelatedPerson", _nl("nl-core-ContactPerson"), documentation="Ouders (v3 RoleCode MTH, FTH, ...)."),
    Supported("Observation", _nl("nl-core-Pregnancy", "nl-core-Pregnancy.EstimatedDateOfDelivery"),
              documentation="De zwangerschap van de moeder met de aterme datum."),
    Supported("Organization", _nl("nl-core-HealthcareProvider-Organization")),
    Supported("PractitionerRole", _nl("nl-core-HealthProfessional-PractitionerRole")),
    Supported("Encounter", _nl("nl-core-Encounter"), documentation="Intake, contactmomenten en het MDO "
                                                                  "(SNOMED 384682003)."),
    Supported("CarePlan", ("http://hl7.org/fhir/StructureDefinition/CarePlan",),
              documentation="Het gezinsplan; de uitkomsten van het MDO als activiteiten."),
    Supported("Goal", _nl("nl-core-TreatmentObjective")),
    Supported("CareTeam", _nl("nl-core-CareTeam"), documentation="Het kernteam van het gezin."),
    Supported("ServiceRequest", _nl("nl-core-Procedure-request"),
              documentation="De aanmelding (SNOMED 3457005) en verwijzingen uit het MDO en het gezinsplan."),
    Supported("Task", ("http://hl7.org/fhir/StructureDefinition/Task",), ("read", "update"), versioning="versioned-update",
              documentation="De warme overdracht; PUT met If-Match door de eigenaar."),
    Supported("Communication", ("http://hl7.org/fhir/StructureDefinition/Communication",),
              documentation="Terugkoppeling aan de verwijzer en het gezin."),
    Supported("Consent", ("http://hl7.org/fhir/StructureDefinition/Consent",),
              documentation="Toestemming (IHE PCF): een bepaling per categorie x ontvanger x doel."),
    Supported("AuditEvent", (BALP + "IHE.BasicAudit.PatientRead", BALP + "IHE.BasicAudit.PatientQuery",
                             BALP + "IHE.BasicAudit.PatientCreate", BALP + "IHE.BasicAudit.PatientUpdate"),
              documentation="Het toegangslog (NEN 7513) voor de privacy officer en de coördinator."),
    Supported("CodeSystem", ("http://hl7.org/fhir/StructureDefinition/CodeSystem",),
              documentation="De eigen codestelsels van het IGP (categorieën, doelen, redenen)."),
)

SYSTEM_INTERACTIONS = (
    ("transaction", "POST /fhir: een aanmelding als FHIR-document (Bundle type document, Composition eerst; "
                    "Patient, ServiceRequest, de verwijzer), verwerkt als aanmelding; 201 met een OperationOutcome."),
)


def capability_statement(base_url: str, software_version: str, date: str) -> dict:
    """The CapabilityStatement (kind instance) of this server."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "IGP casusregie",
        "kind": "instance",
        "software": {"name": "IGP casusregie", "version": software_version},
        "implementation": {"description": "FHIR R4-koppelvlak van de IGP casusregie", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json"],
        "implementationGuide": [f"http://nictiz.nl/fhir/ImplementationGuide/{PACKAGE}|{PACKAGE_VERSION}"],
        "rest": [{
            "mode": "server",
            "documentation": f"Profielen: {PACKAGE} {PACKAGE_VERSION} (zib2020, FHIR R4).",
            "security": {"description": "Authorization: Bearer <token> van POST /api/v1/auth/token. Elke inzage "
                                        "gaat via de toestemming van het gezin en wordt gelogd."},
            "resource": [_resource(r) for r in RESOURCES],
            "interaction": [{"code": code, "documentation": text} for code, text in SYSTEM_INTERACTIONS],
        }],
    }


def _resource(r: Supported) -> dict:
    item = {"type": r.type, "profile": r.profiles[0], "interaction": [{"code": i} for i in r.interactions],
            "versioning": r.versioning, "readHistory": False, "updateCreate": False}
    if len(r.profiles) > 1:
        item["supportedProfile"] = list(r.profiles[1:])
    if r.documentation:
        item["documentation"] = r.documentation
    if r.search:
        item["searchParam"] = [{"name": n, "type": t, "documentation": d} for n, t, d in r.search]
    if "update" in r.interactions:
        item["conditionalUpdate"] = False
    return item


def supported(resource_type: str) -> Supported | None:
    return next((r for r in RESOURCES if r.type == resource_type), None)
