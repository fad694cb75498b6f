"""The `modify_document` block: sets document fields, each value coerced to its field's type."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    ConstantValue,
    fields_map,
    properties,
)


def _compile(node: Any, env: Any) -> Behaviour:
    assignments = []
    for code, raw in node.properties["fields"].items():
        field = env.field(code, "fields", code, writable=True)
        assignments.append((code, env.typed_value(field, raw, "fields", code)))
    plan = tuple(assignments)
    message = "set " + ", ".join(code for code, _ in plan) if plan else "nothing to set"

    if len(plan) == 1 and isinstance(plan[0][1], ConstantValue):
        # The common "set the responsible person" block: nothing to compute when it runs.
        code, value = plan[0][0], plan[0][1].value

        def set_one(run: Any, token: dict[str, Any]) -> str:
            fields = run.fields
            if fields.get(code) != value or code in run.changes:
                run.changes[code] = value
            fields[code] = value
            run.msg = message
            return "next"

        return Behaviour(set_one)

    def execute(run: Any, token: dict[str, Any]) -> str:
        # Compute every value before writing any, so a bad value changes nothing.
        values = []
        for code, compute in plan:
            values.append((code, compute(run)))
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
