"""The FHIR endpoint's writes: POST /fhir (a referral document as an aanmelding) and
PUT /fhir/Task/{id} (a step of the warm handover, with If-Match).

Thin: parse the request, call one service (igp.fhir.importing, igp.fhir.tasks), answer
application/fhir+json. Errors are OperationOutcome (igp.web routes every error on /fhir to
igp.fhir.outcome); the 422 of an import names each element twice where it can: its path in the
Bundle and `Type.element`."""
from __future__ import annotations

import json

from flask import request
from flask_login import current_user

from igp.auth import access
from igp.errors import NotFound, ServiceError, UnsupportedMediaType
from igp.families.services import REGISTERING_ROLES, DuplicateFound
from igp.fhir import importing, outcome, tasks
from igp.fhir import referral as mapping
from igp.fhir.blueprint import bp
from igp.handover.services import HANDOVER_ROLES
from igp.ids import as_id

FHIR_TYPES = ("application/fhir+json", "application/json")


class BadJson(ServiceError):
    status = 400
    code = "invalid_json"


def fhir_body(expected: str):
    """The body as JSON of a FHIR media type (415 otherwise, 400 when it is not JSON)."""
    if request.mimetype not in FHIR_TYPES:
        raise UnsupportedMediaType(f"Stuur de {expected} als application/fhir+json (Content-Type), niet als "
                                   f"'{request.mimetype or 'zonder type'}'.")
    try:
        return json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadJson(f"De body is geen geldige JSON ({expected} verwacht).") from None


@bp.route("", methods=["POST"])
@access.roles(*sorted(REGISTERING_ROLES))
def import_document():
    """A referral document Bundle, registered as an aanmelding (the roles of POST /api/v1/families)."""
    bundle = fhir_body("Bundle (type document)")
    try:
        imported = importing.import_referral(current_user, bundle)
    except DuplicateFound as exc:   # rolled back by the request handler (4xx), as the API's 409
        return outcome.fhir_response(duplicates_outcome(exc), 409)
    except importing.DocumentInvalid as exc:
        issues = [outcome.issue("error", "invalid", message, exc.expressions.get(path, path))
                  for path, message in exc.errors.items()]
        return outcome.fhir_response(outcome.operation_outcome(issues), 422)
    result = imported.result
    handover = imported.handover
    location = f"Task/{handover.id}" if handover else f"ServiceRequest/{result.referral.id}"
    headers = {"Location": f"{request.url_root.rstrip('/')}/fhir/{location}"}
    return outcome.fhir_response(import_report(imported), 200 if result.linked else 201, headers)


def about(issue: dict, text: str) -> dict:
    """An issue about a resource or family rather than an element: named in details.text (expression
    is for FHIRPath into the document)."""
    issue["details"] = {"text": text}
    return issue


def family_reference(family_id: int, pseudonym: str) -> str:
    return f"gezin {pseudonym} (id {family_id})"


def duplicates_outcome(exc: DuplicateFound) -> dict:
    issues = [outcome.issue("error", "duplicate", exc.message)]
    for d in exc.duplicates:
        issues.append(about(outcome.issue("information", "duplicate",
                                          f"Mogelijk hetzelfde gezin: {d.pseudonym} (id {d.family_id}, "
                                          f"{d.organisation}); overeenkomst: "
                                          f"{'BSN' if d.match == 'bsn' else 'naam en geboortedatum'}."),
                            family_reference(d.family_id, d.pseudonym)))
    return outcome.operation_outcome(issues)


def import_report(imported: importing.Imported) -> dict:
    """201: what became of the document: the family, the target group, the handover, what was taken,
    what was ignored and the identifiers kept."""
    result, doc, handover = imported.result, imported.document, imported.handover
    family = result.family
    verb = "gekoppeld aan het bestaande gezin" if result.linked else "aangemeld als nieuw gezin"
    issues = [about(outcome.issue("information", "informational",
                                  f"Aanmelding verwerkt: {verb} {family.pseudonym} (id {family.id}), ServiceRequest/"
                                  f"{result.referral.id}."), f"ServiceRequest/{result.referral.id}")]
    if handover is not None:
        days = handover.term_workdays
        issues.append(about(outcome.issue("information", "informational",
                                          f"Warme overdracht: Task/{handover.id}, intake uiterlijk "
                                          f"{handover.deadline.strftime('%d-%m-%Y')} ({days} werkdagen)."),
                            f"Task/{handover.id}"))
    if not result.target_group.eligible:
        reasons = "; ".join(result.target_group.reasons) or "de criteria zijn niet vervuld"
        issues.append(outcome.issue("warning", "business-rule", f"Niet in de doelgroep: {reasons}."))
    issues += [outcome.issue("information", "informational", f"Overgenomen: {text}", path)
               for path, text in doc.taken]
    issues += [outcome.issue("information", "informational", f"Niet overgenomen: {text}", path)
               for path, text in doc.ignored]
    issues += [outcome.issue("information", "informational",
                             f"Identificatie van de verzender bewaard ({i['resource']}): {i['system']}|{i['value']}",
                             f"{i['resource']}.identifier") for i in doc.identifiers]
    return outcome.operation_outcome(issues)


@bp.route("/Task/<task_id>", methods=["PUT"])
@access.roles(*sorted(HANDOVER_ROLES))
def update_task(task_id: str):
    """A step of the warm handover, with If-Match: W/"<meta.versionId>"."""
    number = as_id(task_id)
    if number is None:
        raise NotFound("Dit gegeven bestaat niet of u hebt er geen toegang toe.")
    body = fhir_body("Task")
    handover = tasks.update_task(current_user, number, request.headers.get("If-Match"), body)
    return outcome.fhir_response(mapping.task(handover), 200, {"ETag": tasks.etag(handover)})
