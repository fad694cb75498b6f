"""JSON Schemas of record fields for the OpenAPI document, derived from interpreter.fields."""

from __future__ import annotations

from typing import Any

from interpreter.fields import (
    EMAIL_VALUE_TYPES,
    MAX_STRING_LENGTH,
    PHONE_VALUE_TYPES,
    FieldDef,
    standard_fields,
)

_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def _multi_value(value_types: tuple[str, ...], value_schema: dict[str, Any]) -> dict[str, Any]:
    item = {"type": "object", "required": ["VALUE"], "additionalProperties": False,
            "properties": {"VALUE": value_schema,
                           "VALUE_TYPE": {"type": "string", "enum": list(value_types)}}}
    return {"anyOf": [value_schema, {"type": "array", "items": item, "maxItems": 20}]}


def _single(field: FieldDef) -> dict[str, Any]:
    kind = field.type
    if kind in ("string", "text"):
        return {"type": "string", "maxLength": MAX_STRING_LENGTH}
    if kind == "integer":
        return {"type": "integer", "minimum": -(2**53), "maximum": 2**53}
    if kind == "number":
        return {"type": "number", "minimum": -1e15, "maximum": 1e15}
    if kind == "boolean":
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["Y", "N"]}]}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "datetime":
        return {"type": "string", "format": "date-time"}
    if kind in ("user", "crm_ref"):
        return dict(_ID)
    if kind == "list":
        return {"type": "string", "enum": [key for key, _ in field.options]} if field.options \
            else {"type": "string", "maxLength": 255}
    if kind == "crm_status":
        return {"type": "string", "maxLength": 64}
    if kind == "email":
        return _multi_value(EMAIL_VALUE_TYPES, {"type": "string", "format": "email",
                                                "maxLength": 254})
    if kind == "phone":
        return _multi_value(PHONE_VALUE_TYPES, {"type": "string", "pattern": r"^\+?[0-9]{3,15}$"})
    return {"type": ["string", "integer", "object"]}   # file


def field_value_schema(field: FieldDef) -> dict[str, Any]:
    """The schema of one field's input value (null always allowed)."""
    single = _single(field)
    if field.multiple and field.type not in ("email", "phone"):
        single = {"type": "array", "items": single, "maxItems": 50}
    return {"anyOf": [single, {"type": "null"}]}


def fields_input_schema(document_type: str) -> dict[str, Any]:
    """{CODE: value} a client may send for a type: writable standard fields and any UF_."""
    properties = {code: field_value_schema(field)
                  for code, field in standard_fields(document_type).items()
                  if not field.read_only}
    return {"type": "object", "properties": properties,
            "patternProperties": {"^UF_[A-Z0-9_]{1,60}$": {}},
            "additionalProperties": False}


def record_schema(document_type: str, with_started: bool = False) -> dict[str, Any]:
    """A record as the API returns it."""
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "type": {"const": document_type},
        "fields": {"type": "object", "required": ["ID"],
                   "properties": {"ID": {"type": "integer"}}},
    }
    if with_started:
        properties["started_instances"] = {"type": "array", "items": {"type": "integer"}}
    return {"type": "object", "required": list(properties), "properties": properties}


def record_list_schema(document_type: str) -> dict[str, Any]:
    """A page of records: {"items", "total"}."""
    return {"type": "object", "required": ["items", "total"],
            "properties": {"items": {"type": "array", "items": record_schema(document_type)},
                           "total": {"type": "integer", "minimum": 0}}}
