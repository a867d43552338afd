"""POST /fhir: a referral document (ZorgDomein style) registered as an aanmelding.

parse (fhirclient 4.0.1 models and the FHIRPath checks of igp.fhir.validate, then the document's
structure, igp.fhir.aanmelding) -> the same registration service as the form and the JSON API
(igp.families.services.aanmelden: role, target group, duplicates, the warm handover and its
deadline, the default coordinator, the audit entries) -> the sender's identifiers kept on the
referral. One transaction: a refusal stores nothing (the request handler rolls back).
"""
from __future__ import annotations

from dataclasses import dataclass

from igp import clock
from igp.audit import services as audit
from igp.errors import ValidationError
from igp.families import services as families
from igp.fhir import aanmelding, validate
from igp.fhir.referral import codes
from igp.handover import services as handover_services

SYSTEMS = aanmelding.CodeSystems(poli=codes.POLI, vulnerabilities=codes.VULNERABILITIES,
                                 medical_reasons=codes.MEDICAL_REASONS, target_group=codes.TARGET_GROUP,
                                 referrer_types=codes.REFERRER_TYPES)


class DocumentInvalid(ValidationError):
    """422: the Bundle is not valid FHIR or not a readable referral document. `expressions` gives
    every issue's FHIR elements: the path in the Bundle and, where known, `Type.element`."""

    def __init__(self, problems: dict[str, str], doc: aanmelding.Document | None = None):
        super().__init__(problems)
        self.expressions = {path: [path, *([short] if (short := _short(path, doc)) else [])] for path in problems}


def _short(path: str, doc: aanmelding.Document | None) -> str | None:
    if doc is not None:
        return doc.short(path)
    return None


@dataclass
class Imported:
    result: families.RegistrationResult
    document: aanmelding.Document
    handover: object | None


def structure_problems(bundle) -> dict[str, str]:
    """fhirclient's 4.0.1 models and the nl-core checks (igp.fhir.validate), by element path. A sender
    need not claim the nl-core profiles (ZorgDomein has its own); what claims one keeps its rules."""
    found: dict[str, str] = {}
    for problem in validate.problems(bundle):
        if not problem.path.endswith(".meta.profile"):
            found.setdefault(problem.path, problem.message)
    return found


def _types_of(bundle) -> dict[str, str]:
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entry"), list):
        return {}
    return {f"Bundle.entry[{i}].resource": e["resource"]["resourceType"] for i, e in enumerate(bundle["entry"])
            if isinstance(e, dict) and isinstance(e.get("resource"), dict)
            and isinstance(e["resource"].get("resourceType"), str)}


def read(bundle) -> aanmelding.Document:
    """The document as an aanmelding, or DocumentInvalid naming every bad element."""
    found = structure_problems(bundle)
    typed = aanmelding.Document(data={}, types=_types_of(bundle))
    try:
        doc = aanmelding.read_document(bundle, SYSTEMS, clock.today())
    except aanmelding.DocumentProblems as exc:
        raise DocumentInvalid({**exc.problems, **found}, typed) from exc
    if found:
        raise DocumentInvalid(found, typed)
    return doc


def import_referral(user, bundle) -> Imported:
    """Register the referral of a FHIR document; DuplicateFound (409) as the API's registration."""
    doc = read(bundle)
    try:
        result = families.aanmelden(user, doc.data)
    except ValidationError as exc:   # the registration's own checks, named as FHIR elements
        problems: dict[str, str] = {}
        for key, message in exc.errors.items():
            problems.setdefault(doc.expression(key), message)
        raise DocumentInvalid(problems, doc) from exc
    result.referral.sender_identifiers = doc.identifiers or None
    handover = handover_services.current_handover(result.family.id, "in")
    audit.record("transfer", user=user, object_type="referral", object_id=result.referral.id,
                 family_pseudonym=result.family.pseudonym,
                 detail=f"FHIR document imported as aanmelding: {len(doc.taken)} parts taken, {len(doc.ignored)} "
                        f"ignored, {len(doc.identifiers)} sender identifiers kept")
    return Imported(result, doc, handover)
