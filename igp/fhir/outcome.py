"""OperationOutcome: the shape of every error on /fhir (and of import reports).

An issue has a severity, a code from the FHIR issue-type list, the Dutch message in `diagnostics`
and, where one element is at fault, its path in `expression` (FHIRPath-like, e.g.
`Bundle.entry[1].resource.birthDate`, or the name of the form field or query parameter)."""
from __future__ import annotations

import json

from flask import Response

FHIR_JSON = "application/fhir+json"

# HTTP status -> the FHIR issue type that fits it (http://hl7.org/fhir/issue-type)
STATUS_ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported", 406: "not-supported",
    409: "conflict", 410: "deleted", 412: "conflict", 413: "too-costly", 414: "too-long", 415: "not-supported",
    422: "processing", 429: "throttled", 500: "exception", 503: "transient",
}
SEVERITIES = ("fatal", "error", "warning", "information")


def issue(severity: str, code: str, diagnostics: str, expression: str | list[str] | None = None) -> dict:
    """One OperationOutcome.issue."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    item = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        item["expression"] = [expression] if isinstance(expression, str) else list(expression)
    return item


def operation_outcome(issues: list[dict]) -> dict:
    """An OperationOutcome with these issues (at least one: the resource requires it)."""
    if not issues:
        issues = [issue("information", "informational", "Geen bijzonderheden.")]
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def error_outcome(status: int, message: str, *, field: str | None = None, fields: dict | None = None) -> dict:
    """The OperationOutcome of an error answer: one issue per bad field (or one for the whole request)."""
    code = STATUS_ISSUE_CODES.get(status, "exception" if status >= 500 else "processing")
    if status in (400, 422) and (field or fields):
        code = "invalid" if status == 422 else code
    named = {k: v for k, v in (fields or {}).items() if k not in (None, "_")}
    if named:
        return operation_outcome([issue("error", code, text, path) for path, text in named.items()])
    return operation_outcome([issue("error", code, message, field if field not in (None, "_") else None)])


def dumps(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    """A resource as application/fhir+json."""
    response = Response(dumps(resource), status=status, mimetype=FHIR_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(status: int, message: str, *, field: str | None = None, fields: dict | None = None) -> Response:
    response = fhir_response(error_outcome(status, message, field=field, fields=fields), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="igp"'
    return response
