"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

It is the contract for integrations and the input of the fuzz test (schemathesis). Its paths come
from one table, igp.api.operations.OPERATIONS; request bodies are the JSON schema of the input
models the services parse (igp.validation, pydantic v2), with `required` as that layer means it
(`Input.required_keys()`); response bodies are the models of igp.api.responses. Both sit under
components/schemas and are referenced with $ref. OpenAPI 3.1, because its schemas are JSON
Schema 2020-12, the dialect pydantic writes (`"type": ["string", "null"]`).
tests/web/test_openapi_contract.py fails when a route and this document disagree.
"""
from __future__ import annotations

import copy
import functools
import re

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from igp.api.blueprint import bp
from igp.api.operations import OPERATIONS, PATH_PARAMETERS, TAGS, Operation, request_models, response_models
from igp.api.responses import ErrorOut
from igp.auth import access
from igp.validation import Input

REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "Done",
    400: "Use the POST: identifying values never travel in a URL",
    401: "Not signed in (or wrong credentials)", 403: "Not allowed",
    404: "Not found (or not involved)", 409: "Conflict", 422: "Bad input; the field is named",
    429: "Too many attempts; see Retry-After",
}
DESCRIPTION = ("Every error is {\"error\": {\"code\", \"message\"}}; bad input names the field (`field`, and "
               "`fields` with every bad field and its Dutch message). A required field must have a value: null, "
               "an empty list or empty text count as missing.")


class InputJsonSchema(GenerateJsonSchema):
    """pydantic's JSON schema, with `required` as the input layer means it: the fields an Input
    lists in `required` (every Input field has a default, so pydantic's own list is empty)."""

    def model_schema(self, schema):
        json_schema = super().model_schema(schema)
        cls = schema.get("cls")
        if isinstance(cls, type) and issubclass(cls, Input):
            set_required(json_schema, cls.required_keys())
        return json_schema


def set_required(schema: dict, keys: list[str]) -> dict:
    schema.pop("required", None)
    if keys:
        schema["required"] = list(keys)
    return schema


def component_schemas() -> tuple[dict[type[BaseModel], str], dict[str, dict]]:
    """(model -> its $ref, name -> schema) for every input and response model of the table and
    the models they contain; pydantic names each once (a clash gets a longer name)."""
    models = [*request_models(), *response_models()]
    refs, definitions = models_json_schema([(m, "validation") for m in models], ref_template=REF,
                                           schema_generator=InputJsonSchema)
    return {model: refs[(model, "validation")]["$ref"] for model in models}, definitions.get("$defs", {})


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(model: type[BaseModel] | None, refs: dict) -> dict:
    return {"$ref": refs[model]} if model is not None else {"type": "object"}


def responses(op: Operation, refs: dict) -> dict:
    answers = {}
    if op.status == 204:
        answers["204"] = {"description": STATUS_TEXT[204]}
    else:
        text = STATUS_TEXT[op.status] if op.response is not None else f"{STATUS_TEXT[op.status]} (not modelled)"
        answers[str(op.status)] = _json(_ref(op.response, refs), text)
    for status, model in op.also.items():
        answers[str(status)] = _json(_ref(model, refs), STATUS_TEXT[status])
    for status in op.errors:
        answers.setdefault(str(status), _json({"$ref": refs[ErrorOut]}, STATUS_TEXT[status]))
    return dict(sorted(answers.items()))


def request_body(op: Operation, refs: dict) -> dict | None:
    if op.body is not None:
        schema = dict(op.body)
    elif len(op.request) == 1:
        schema = {"$ref": refs[op.request[0]]}
    elif op.request:
        schema = {"anyOf": [{"$ref": refs[model]} for model in op.request]}
    else:
        return None
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def description(op: Operation) -> str:
    parts = []
    if op.request:
        parts.append("Body: " + " or ".join(f"`{m.__name__}` ({m.__module__})" for m in op.request) + ".")
    if op.route_requires:
        parts.append("The route also requires " + ", ".join(f"`{name}`" for name in op.route_requires)
                     + f" (not yet listed as required by `{op.request[0].__name__}`).")
    if op.conditional:
        parts.append("Required only in some cases: "
                     + "; ".join(f"`{name}` ({when})" for name, when in op.conditional.items()) + ".")
    if op.note:
        parts.append(op.note)
    return " ".join(parts)


def operation_id(op: Operation) -> str:
    return op.method + "_" + "_".join(re.findall(r"[a-z0-9]+", op.path.lower()))


def operation(op: Operation, refs: dict) -> dict:
    result = {"operationId": operation_id(op), "summary": op.summary, "tags": [op.tag]}
    if description(op):
        result["description"] = description(op)
    if op.query:
        result["parameters"] = [{"name": q.name, "in": "query", "required": False, "schema": dict(q.schema),
                                 **({"description": q.description} if q.description else {})} for q in op.query]
    body = request_body(op, refs)
    if body is not None:
        result["requestBody"] = body
    result["responses"] = responses(op, refs)
    if op.public:
        result["security"] = []
    return result


def path_parameters(path: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": dict(PATH_PARAMETERS.get(name, {"type": "integer"}))}
            for name in re.findall(r"\{([a-z_]+)\}", path)]


def paths(refs: dict) -> dict:
    result: dict[str, dict] = {}
    for op in OPERATIONS:
        item = result.setdefault(op.path, {})
        if path_parameters(op.path) and "parameters" not in item:
            item["parameters"] = path_parameters(op.path)
        if op.method in item:
            raise ValueError(f"{op.method.upper()} {op.path} is twice in igp.api.operations.OPERATIONS")
        item[op.method] = operation(op, refs)
    return result


def document() -> dict:
    """The document (a copy: the caller may change it)."""
    return copy.deepcopy(_document())


@functools.cache
def _document() -> dict:
    """Built once per process: the table and the models do not change while it runs."""
    refs, schemas = component_schemas()
    return {
        "openapi": "3.1.0",
        "info": {"title": "IGP casusregie API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "security": [{"bearer": []}],
        "paths": paths(refs),
    }


@bp.route("/openapi.json")
@access.public
def openapi():
    return jsonify(_document())
