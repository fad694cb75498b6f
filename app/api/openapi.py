"""The OpenAPI document, built from the `@operation` declarations on the API's view functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify

API_PREFIX = "/api/v1"
F = TypeVar("F", bound=Callable[..., Any])

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "array"}},
    }},
}
_ERROR_STATUSES = {
    400: "Bad input (the message names the field or parameter)",
    404: "Not found", 405: "Method not allowed", 409: "Conflict",
    413: "Body too large", 415: "Unsupported media type",
}
_RULE_ARG = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass
class Operation:
    """What one view function declares about itself for the OpenAPI document."""

    summary: str
    tags: list[str] = field(default_factory=list)
    request: dict[str, Any] | None = None          # JSON Schema of the JSON body
    request_content: dict[str, Any] | None = None  # full `content` map (e.g. multipart too)
    responses: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    auth: bool = True
    description: str = ""
    raw_responses: dict[str, Any] = field(default_factory=dict)  # non-JSON, e.g. a file


def operation(summary: str, *, tags: list[str] | None = None,
              request: dict[str, Any] | None = None,
              request_content: dict[str, Any] | None = None,
              responses: dict[int, dict[str, Any] | None] | None = None,
              parameters: list[dict[str, Any]] | None = None, auth: bool = True,
              description: str = "", raw_responses: dict[str, Any] | None = None
              ) -> Callable[[F], F]:
    """Declare a view's request and response schemas; put it under the route decorator.

    `responses` maps a status to the JSON Schema of its body (None: no body). Error
    statuses (400/401/404/...) with the standard error body are added automatically.
    """

    def decorate(view: F) -> F:
        view.openapi = Operation(  # type: ignore[attr-defined]
            summary=summary, tags=list(tags or []), request=request,
            request_content=request_content, responses=dict(responses or {}),
            parameters=list(parameters or []), auth=auth, description=description,
            raw_responses=dict(raw_responses or {}))
        return view

    return decorate


def query_param(name: str, schema: dict[str, Any], description: str = "",
                required: bool = False) -> dict[str, Any]:
    """An OpenAPI query parameter."""
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _path_and_params(rule: Any) -> tuple[str, list[dict[str, Any]]]:
    params = []
    defaults = rule.defaults or {}

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in defaults:
            converter = match.group("converter") or "string"
            schema = ({"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
                      if converter == "int" else {"type": "string"})
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _RULE_ARG.sub(replace, rule.rule), params


def _operation_object(op: Operation, endpoint: str, path_params: list[dict[str, Any]]
                      ) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, schema in op.responses.items():
        entry: dict[str, Any] = {"description": str(status)}
        if schema is not None:
            entry["content"] = _json(schema)
        responses[str(status)] = entry
    responses.update(op.raw_responses)
    errors = dict(_ERROR_STATUSES)
    if op.auth:
        errors[401] = "Not authenticated"
        errors[403] = "Not allowed"
    for status, text in errors.items():
        responses.setdefault(str(status), {
            "description": text, "content": _json({"$ref": "#/components/schemas/Error"})})
    result: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": op.summary,
        "tags": op.tags,
        "parameters": path_params + op.parameters,
        "responses": responses,
        "security": [{"bearer": []}, {"session": []}] if op.auth else [],
    }
    if op.description:
        result["description"] = op.description
    if op.request_content is not None:
        result["requestBody"] = {"required": True, "content": op.request_content}
    elif op.request is not None:
        result["requestBody"] = {"required": True, "content": _json(op.request)}
    return result


def build_openapi(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented route under /api/v1."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        op = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if op is None:
            continue
        path, path_params = _path_and_params(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation_object(
                op, rule.endpoint, path_params)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bizflow API", "version": "1.0.0",
                 "description": "CRM records, users, business-process templates and instances."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
@operation("This OpenAPI document", tags=["meta"], auth=False, responses={200: {"type": "object"}})
def openapi_document():
    return jsonify(build_openapi(current_app))
