"""The `generate_code` block: a random code (e.g. a coupon), optionally stored in a variable."""

from __future__ import annotations

import secrets
from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, properties
from interpreter.fields import FieldValueError, coerce_value

DEFAULT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    length = props.get("length", 8)
    alphabet = "".join(dict.fromkeys(props.get("alphabet", DEFAULT_ALPHABET)))
    if len(alphabet) < 2:
        env.error("invalid_value", "alphabet needs at least two different characters",
                  "alphabet")
    variable = props.get("variable")
    definition = env.variable(variable, "variable") if variable else None
    if definition is not None:
        try:
            coerce_value(definition.field, "A" * length if alphabet else "")
        except FieldValueError:
            env.error("invalid_value", f"variable {variable} (a {definition.type}) cannot hold "
                      "a generated code", "variable")
    node_id = node.id
    choose = secrets.choice

    def execute(run: Any, token: dict[str, Any]) -> str:
        code = "".join(choose(alphabet) for _ in range(length))
        run.outputs[node_id] = {"Code": code}
        if variable:
            run.variables[variable] = coerce_value(definition.field, code)
        run.msg = f"code of {length} characters"
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="generate_code", title="Generate code", group="data", outputs=("Code",),
    description="Makes a random code, e.g. a coupon or a confirmation number.",
    properties_schema=properties({
        "length": {"title": "Length", "type": "integer", "minimum": 1, "maximum": 256,
                   "default": 8},
        "alphabet": {"title": "Characters", "type": "string", "minLength": 2,
                     "maxLength": 1000, "default": DEFAULT_ALPHABET},
        "variable": {"title": "Store in variable", "type": "string",
                     "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"},
    }),
    compile=_compile,
)
