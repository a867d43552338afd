"""Exceptions that services raise and both doors (HTML and JSON) translate.

Services validate before they write, so raising one of these leaves nothing half-stored;
the request handler rolls the transaction back in any case.
"""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, audit: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # keyword arguments for igp.audit.services.record(): the request handler rolls the
        # transaction back and then records this refusal on its own, so it is never lost.
        self.audit = audit


class UsePost(ServiceError):
    """An identifying value (BSN, name, birth date) sent in a URL: refused, the POST is named."""

    status = 400
    code = "use_post"


class ValidationError(ServiceError):
    """Bad input: `errors` maps field names to Dutch messages."""

    status = 422
    code = "validation_error"

    def __init__(self, errors: dict[str, str] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "_": errors}
        self.errors = dict(errors)
        first_field, first_message = next(iter(self.errors.items()))
        super().__init__(first_message, field=first_field)

    def describe(self) -> str:
        return "; ".join(f"{f}: {m}" if f != "_" else m for f, m in self.errors.items())


class NotFound(ServiceError):
    """Also used for objects the user may not know exist (a family without involvement)."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class PreconditionRequired(ServiceError):
    """A versioned update sent without the version it read (If-Match missing)."""

    status = 428
    code = "precondition_required"


class PreconditionFailed(ServiceError):
    """A versioned update whose If-Match no longer names the current version."""

    status = 412
    code = "precondition_failed"


class UnsupportedMediaType(ServiceError):
    """A body in a format the endpoint does not take (415)."""

    status = 415
    code = "unsupported_media_type"
