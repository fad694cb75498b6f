"""The `modify_document` block: sets document fields, each value coerced to its field's type."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, fields_map, properties


def _compile(node: Any, env: Any) -> Behaviour:
    assignments = []
    for code, raw in node.properties["fields"].items():
        field = env.field(code, "fields", code, writable=True)
        assignments.append((code, env.typed_value(field, raw, "fields", code)))
    plan = tuple(assignments)
    message = "set " + ", ".join(code for code, _ in plan) if plan else "nothing to set"

    def execute(run: Any, token: dict[str, Any]) -> str:
        scope = run.scope
        # Compute every value before writing any, so a bad value changes nothing.
        values = [(code, compute(scope)) for code, compute in plan]
        set_field = run.set_field
        for code, value in values:
            set_field(code, value)
        run.msg = message
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="modify_document", title="Modify document", group="document",
    description="Sets fields of the document the process runs on.",
    properties_schema=properties({"fields": fields_map("Fields")}, required=("fields",)),
    compile=_compile,
)
