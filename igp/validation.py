"""The input-schema layer: one pydantic model per command, shared by the web forms and the API.

A service parses its input with `parse(Model, data)`: the result is a typed, validated model,
or a ValidationError naming every bad field in Dutch, in the API's contract
(`{"error": {"code", "message", "field", "fields"}}`) with paths such as `parents[0].bsn`.
The same models give the OpenAPI document its request bodies (igp.api.openapi).

The field types below carry their own Dutch messages; a model field gives its label with
`Field(title=...)`. Rules that need the clock, a setting or the database (a date in the future,
the age limit, whether a user exists) stay in the services and rules, after the parse.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from igp import bounds, clock
from igp.errors import ValidationError

MAX_ID = 2**31 - 1
MAX_TEXT = 4000
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")


class Input(BaseModel):
    """The base of every command model: unknown fields are ignored (forms send more), values are
    not coerced silently beyond what the field types below allow."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, populate_by_name=True,
                              arbitrary_types_allowed=True, frozen=False)
    # fields that must have a value ("{title} is verplicht."): a form sends every field, often
    # empty, so a field that is present but empty counts as missing, too
    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def required_keys(cls) -> list[str]:
        """The required fields as the input names them (their alias, if any)."""
        return [cls.model_fields[name].alias or name for name in cls.required]


def _error(kind: str, message: str, **context) -> PydanticCustomError:
    return PydanticCustomError(f"igp_{kind}", message, context or None)


# ------------------------------------------------------------------ field types

def Text(limit: int = MAX_TEXT) -> Any:  # noqa: N802 (a type, used in annotations)
    """Text of at most `limit` characters, stripped; empty text is None."""
    def check(value):
        if value is None:
            return None
        if not isinstance(value, str):
            raise _error("text", "{label} moet tekst zijn.")
        value = value.strip()
        if not value:
            return None
        if len(value) > limit:
            raise _error("too_long", "{label} is te lang (hoogstens {limit} tekens).", limit=limit)
        return value

    return Annotated[str | None, BeforeValidator(check),
                     WithJsonSchema({"type": ["string", "null"], "maxLength": limit})]


def Code(known: Iterable[str] | Mapping[str, str]) -> Any:  # noqa: N802
    """One code out of a vocabulary; empty is None."""
    values = tuple(known)

    def check(value):
        if value in (None, ""):
            return None
        if not isinstance(value, str) or value not in values:
            shown = value if isinstance(value, (str, int, float)) else type(value).__name__
            raise _error("code", "{label}: onbekende waarde '{value}'. Kies uit: {choices}.", value=shown,
                         choices=", ".join(values))
        return value

    return Annotated[str | None, BeforeValidator(check),
                     WithJsonSchema({"type": ["string", "null"], "enum": [*values, None]})]


def _code_list(value) -> list[str]:
    """A list of strings as sent (a single one counts as a list of one; empty is none)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _error("codes", "{label}: geef een lijst met codes.")
    return list(value)


def Codes(known: Iterable[str] | Mapping[str, str]) -> Any:  # noqa: N802
    """A list of codes out of a vocabulary (a single code counts as a list of one), without doubles."""
    values = tuple(known)

    def check(value):
        value = _code_list(value)
        unknown = [v for v in value if v not in values]
        if unknown:
            raise _error("code", "{label}: onbekende code '{value}'. Kies uit: {choices}.", value=unknown[0],
                         choices=", ".join(values))
        return list(dict.fromkeys(value))

    return Annotated[list[str], BeforeValidator(check),
                     WithJsonSchema({"type": "array", "items": {"type": "string", "enum": list(values)}})]


CODE_SHAPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def CodeShapes() -> Any:  # noqa: N802
    """A list of code-shaped strings (a code list this IGP keeps itself: the service checks them
    against the list), without doubles; a single code counts as a list of one."""
    def check(value):
        value = _code_list(value)
        bad = [v for v in value if not CODE_SHAPE.match(v)]
        if bad:
            raise _error("code", "{label}: onbekende code '{value}'.", value=bad[0][:60])
        return list(dict.fromkeys(value))

    return Annotated[list[str], BeforeValidator(check),
                     WithJsonSchema({"type": "array", "items": {"type": "string", "pattern": CODE_SHAPE.pattern}})]


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        raise _error("date", "{label}: gebruik een geldige datum (dd-mm-jjjj of jjjj-mm-dd).")
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.strptime(value.strip(), fmt).date()
                break
            except ValueError:
                continue
        else:
            raise _error("date", "{label}: gebruik een geldige datum (dd-mm-jjjj of jjjj-mm-dd).")
    else:
        raise _error("date", "{label}: gebruik een geldige datum (dd-mm-jjjj of jjjj-mm-dd).")
    if not bounds.MIN_YEAR <= parsed.year <= bounds.MAX_YEAR:
        raise _error("date_range", "{label}: de datum moet " + bounds.RANGE_TEXT + " liggen.")
    return parsed


def _date(value):
    if value in (None, ""):
        return None
    return _parse_date(value)


Date = Annotated[date | None, BeforeValidator(_date),
                 WithJsonSchema({"type": ["string", "null"], "format": "date"})]


def _datetime(value):
    """ISO 8601 date and time; without an offset it is Europe/Amsterdam; a date alone is the
    start of that day in Amsterdam. Returned as an aware UTC datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=clock.AMSTERDAM)
    elif isinstance(value, str):
        raw = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raw += "T00:00"
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise _error("datetime", "{label}: gebruik een geldige datum en tijd (jjjj-mm-ddTuu:mm).") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.AMSTERDAM)
    else:
        raise _error("datetime", "{label}: gebruik een geldige datum en tijd (jjjj-mm-ddTuu:mm).")
    if not bounds.MIN_YEAR <= moment.year <= bounds.MAX_YEAR:
        raise _error("date_range", "{label}: de datum moet " + bounds.RANGE_TEXT + " liggen.")
    return clock.ensure_utc(moment)


DateTime = Annotated[datetime | None, BeforeValidator(_datetime),
                     WithJsonSchema({"type": ["string", "null"], "format": "date-time",
                                     "description": "ISO 8601; without an offset: Europe/Amsterdam"})]


def _bool(value):
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "ja", "on", "y"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "nee", "off", "n"):
        return False
    raise _error("bool", "Geef ja of nee (true/false).")


Bool = Annotated[bool, BeforeValidator(_bool), WithJsonSchema({"type": "boolean"})]


def Integer(low: int, high: int) -> Any:  # noqa: N802
    """A whole number from `low` to `high` (also as text, as a form sends it); empty is None."""
    def check(value):
        if value in (None, ""):
            return None
        if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
            raise _error("int", "{label} moet een geheel getal zijn.")
        try:
            number = int(value.strip()) if isinstance(value, str) and value.strip().isascii() else int(value)
        except (TypeError, ValueError, OverflowError):
            raise _error("int", "{label} moet een geheel getal zijn.") from None
        if not low <= number <= high:
            raise _error("int_range", "{label} moet tussen {low} en {high} liggen.", low=low, high=high)
        return number

    return Annotated[int | None, BeforeValidator(check),
                     WithJsonSchema({"type": ["integer", "null"], "minimum": low, "maximum": high})]


def _id(value):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _error("id", "{label}: geef een geldig id.")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 10:
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _error("id", "{label}: geef een geldig id.")
    return value


Id = Annotated[int | None, BeforeValidator(_id),
               WithJsonSchema({"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID})]


def _ids(value):
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        value = [value]
    result = []
    for item in value:
        try:
            result.append(_id(item))
        except PydanticCustomError:
            raise _error("ids", "{label}: geef een lijst met id's.") from None
    return [i for i in dict.fromkeys(result) if i is not None]


Ids = Annotated[list[int], BeforeValidator(_ids),
                WithJsonSchema({"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})]


# ------------------------------------------------------------------ parsing and Dutch errors

GENERIC = {
    "missing": "{label} is verplicht.",
    "model_type": "{label}: geef een object.",
    "model_attributes_type": "{label}: geef een object.",
    "dict_type": "{label}: geef een object.",
    "list_type": "{label}: geef een lijst.",
    "string_type": "{label} moet tekst zijn.",
    "too_long": "{label}: hoogstens {max_length} waarden.",
    "too_short": "{label}: ten minste {min_length} waarde(n).",
}


def _path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "_"


def _title(model: type[BaseModel], loc: tuple) -> str:
    """The Dutch label of the field at `loc` (its Field title), walking nested models and lists."""
    current: Any = model
    title = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        info = fields[part]
        title = info.title or part
        current = _inner_model(info.annotation)
    return title or (str(loc[-1]) if loc else "De invoer")


def _inner_model(annotation):
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def dutch_errors(model: type[BaseModel], exc: PydanticValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        label = _title(model, loc)
        context = dict(error.get("ctx") or {})
        if error["type"].startswith("igp_"):
            template = error["msg"]
        elif error["type"] in ("value_error", "assertion_error"):
            template = str(context.get("error", error["msg"]))
        else:
            template = GENERIC.get(error["type"], "{label}: ongeldige waarde.")
        try:
            message = template.format(label=label, **context)
        except (KeyError, IndexError, ValueError):
            message = template
        errors.setdefault(_path(loc), message[:1].upper() + message[1:] if message else message)
    return errors


def parse(model: type[BaseModel], data) -> Any:
    """Validate `data` (the API's JSON, or a form converted to the same shape) into `model`, or
    raise ValidationError naming every bad field."""
    if not isinstance(data, Mapping):
        raise ValidationError({"_": "Stuur een JSON-object."})
    errors = _missing(model, data)
    try:
        result = model.model_validate(dict(data))
    except PydanticValidationError as exc:
        errors = {**errors, **dutch_errors(model, exc)}
    if errors:
        raise ValidationError(errors)
    return result


def _missing(model: type[BaseModel], data: Mapping) -> dict[str, str]:
    errors = {}
    for name in getattr(model, "required", ()):
        info = model.model_fields[name]
        key = info.alias or name
        value = data.get(key, data.get(name))
        if value is None or value == [] or isinstance(value, str) and not value.strip():
            errors[key] = getattr(model, "required_messages", {}).get(name) or f"{info.title or key} is verplicht."
    return errors


def form_data(form, *, lists: Iterable[str] = ()) -> dict:
    """A submitted form (a MultiDict) in the API's shape: single values, and lists for `lists`."""
    data = {key: form.get(key) for key in form.keys()}
    for key in lists:
        data[key] = form.getlist(key)
    return data
