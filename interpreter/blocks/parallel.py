"""The `parallel` block: every connected branch runs; a `join` waits for all of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, Fork, properties


def _ports(props: Mapping[str, Any]) -> list[str]:
    return [branch["id"] for branch in props.get("branches", ())]


def _compile(node: Any, env: Any) -> Behaviour:
    branches = node.properties["branches"]
    seen: set[str] = set()
    for index, branch in enumerate(branches):
        if branch["id"] in seen:
            env.error("duplicate_id", f"branch id {branch['id']!r} is used more than once",
                      "branches", index, "id")
        seen.add(branch["id"])
    fork = Fork([branch["id"] for branch in branches])
    message = f"{len(branches)} branches"

    def execute(run: Any, token: dict[str, Any]) -> Fork:
        run.msg = message
        return fork

    return Behaviour(execute)


BLOCK = BlockType(
    type="parallel", title="Parallel branches", group="flow", ports=_ports, role="parallel",
    description="Runs every branch; a join block after them waits for all.",
    properties_schema=properties({
        "branches": {
            "title": "Branches", "type": "array", "minItems": 1, "maxItems": 50,
            "format": "branches",
            "items": {
                "type": "object", "required": ["id"], "additionalProperties": False,
                "properties": {
                    "id": {"title": "Id", "type": "string",
                           "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"},
                    "title": {"title": "Title", "type": "string", "maxLength": 255},
                },
            },
        },
    }, required=("branches",)),
    compile=_compile,
)
