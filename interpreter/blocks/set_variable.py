"""The `set_variable` block: sets template variables, each coerced to its variable's type."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import VALUE, Behaviour, BlockType, properties


def _compile(node: Any, env: Any) -> Behaviour:
    assignments = []
    for variable_id, raw in node.properties["values"].items():
        definition = env.variable(variable_id, "values", variable_id)
        field = definition.field if definition is not None else None
        assignments.append((variable_id, env.typed_value(field, raw, "values", variable_id)))
    plan = tuple(assignments)
    message = "set " + ", ".join(name for name, _ in plan) if plan else "nothing to set"

    def execute(run: Any, token: dict[str, Any]) -> str:
        values = [(name, compute(run)) for name, compute in plan]
        variables = run.variables
        for name, value in values:
            variables[name] = value
        run.msg = message
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="set_variable", title="Set variable", group="data",
    description="Gives template variables new values.",
    properties_schema=properties({
        "values": {"title": "Values", "type": "object", "format": "variables-map",
                   "additionalProperties": VALUE, "maxProperties": 500},
    }, required=("values",)),
    compile=_compile,
)
