"""The `request_info` block: a form task; each filled-in field becomes an output of the block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, Wait, properties, recipients, text
from interpreter.blocks.email import compile_recipients
from interpreter.errors import BlockError
from interpreter.fields import FIELD_TYPES, FieldDef, FieldValueError, coerce_value
from interpreter.recipients import resolve_users


def _outputs(props: Mapping[str, Any]) -> list[str]:
    return [item["id"] for item in props.get("fields", ())]


def form_fields(props: Mapping[str, Any]) -> list[FieldDef]:
    """The form's fields as FieldDefs (used to check what the user filled in)."""
    result = []
    for item in props.get("fields", ()):
        options = tuple((o, o) if isinstance(o, str) else (o["id"], o.get("title", o["id"]))
                        for o in item.get("options", ()))
        result.append(FieldDef(code=item["id"], type=item.get("type", "string"),
                               title=item.get("title", item["id"]),
                               multiple=item.get("multiple", False), options=options,
                               required=item.get("required", False)))
    return result


def check_form(fields: list[dict[str, Any]], values: Mapping[str, Any]) -> tuple[dict, list]:
    """Coerce a submitted form against a task's `fields`: (values, errors as {field, message})."""
    result: dict[str, Any] = {}
    errors = []
    for item in form_fields({"fields": fields}):
        try:
            value = coerce_value(item, values.get(item.code))
        except FieldValueError as exc:
            errors.append({"field": item.code, "message": exc.message})
            continue
        if item.required and value in (None, "", []):
            errors.append({"field": item.code, "message": f"{item.code}: a value is required"})
        result[item.code] = value
    return result, errors


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    users = compile_recipients(props.get("users", []), env, "users")
    name = env.text(props.get("name", node.title or "Information request"), "name")
    description = env.text(props.get("description", ""), "description")
    seen: set[str] = set()
    for index, item in enumerate(props["fields"]):
        if item["id"] in seen:
            env.error("duplicate_id", f"form field id {item['id']!r} is used more than once",
                      "fields", index, "id")
        seen.add(item["id"])
    fields = [dict(item) for item in props["fields"]]
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        who = resolve_users(users(run), run.ctx.directory)
        if not who:
            raise BlockError("request_info: no users to ask")
        run.msg = f"waiting for {', '.join(map(str, who))} to fill in the form"
        return Wait("task", {"type": "request_info", "users": who, "mode": "any",
                             "percent": None, "name": name(run),
                             "description": description(run), "fields": fields,
                             "timeout_due": None})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        submitted = data.get("values") or {}
        if not isinstance(submitted, Mapping):
            raise BlockError("request_info: values must be an object")
        values, errors = check_form(fields, submitted)
        if errors:
            raise BlockError("request_info: " + "; ".join(e["message"] for e in errors))
        run.outputs[node_id] = values
        run.msg = "form filled in"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="request_info", title="Request information", group="people", outputs=_outputs,
    description="Asks people to fill in a form; each field becomes an output.",
    properties_schema=properties({
        "users": recipients("Ask"),
        "name": text("Task name", maxLength=1000),
        "description": text("Description"),
        "fields": {
            "title": "Form fields", "type": "array", "minItems": 1, "maxItems": 100,
            "format": "form-fields",
            "items": {
                "type": "object", "required": ["id"], "additionalProperties": False,
                "properties": {
                    "id": {"title": "Id", "type": "string",
                           "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"},
                    "title": {"title": "Title", "type": "string", "maxLength": 255},
                    "type": {"title": "Type", "enum": list(FIELD_TYPES), "default": "string"},
                    "required": {"title": "Required", "type": "boolean", "default": False},
                    "multiple": {"title": "Multiple", "type": "boolean", "default": False},
                    "options": {"title": "Options", "type": "array", "maxItems": 500,
                                "items": {"oneOf": [
                                    {"type": "string"},
                                    {"type": "object", "required": ["id"],
                                     "additionalProperties": False,
                                     "properties": {"id": {"type": "string"},
                                                    "title": {"type": "string"}}}]}},
                },
            },
        },
    }, required=("users", "fields")),
    compile=_compile,
)
