"""The `condition` block: takes the first branch whose condition holds; `when: null` is the else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, condition, properties

NO_BRANCH = ""   # a port no edge can have: the path ends when no branch holds


def _ports(props: Mapping[str, Any]) -> list[str]:
    return [branch["id"] for branch in props.get("branches", ())]


def _compile(node: Any, env: Any) -> Behaviour:
    branches = node.properties["branches"]
    compiled = []
    seen: set[str] = set()
    for index, branch in enumerate(branches):
        if branch["id"] in seen:
            env.error("duplicate_id", f"branch id {branch['id']!r} is used more than once",
                      "branches", index, "id")
        seen.add(branch["id"])
        when = branch.get("when")
        if when is None:
            if index != len(branches) - 1:
                env.error("else_not_last",
                          f"branch {branch['id']!r} has no condition (the else branch); "
                          "it must be the last branch", "branches", index, "when")
            compiled.append((branch["id"], None, f"branch {branch['id']} (else)"))
        else:
            compiled.append((branch["id"], env.condition(when, "branches", index, "when"),
                             f"branch {branch['id']}"))
    choices = tuple(compiled)
    if len(choices) == 2 and choices[0][1] is not None and choices[1][1] is None:
        return Behaviour(_if_else(*choices[0], *choices[1]))

    def execute(run: Any, token: dict[str, Any]) -> str:
        for port, holds, message in choices:
            if holds is None or holds(run):
                run.msg = message
                return port
        run.msg = "no branch holds"
        return NO_BRANCH

    return Behaviour(execute)


def _if_else(port: str, holds: Any, message: str, else_port: str, _none: None,
             else_message: str) -> Any:
    # The usual condition block: one branch and the else branch.
    def execute(run: Any, token: dict[str, Any]) -> str:
        if holds(run):
            run.msg = message
            return port
        run.msg = else_message
        return else_port
    return execute


BLOCK = BlockType(
    type="condition", title="Condition", group="flow", ports=_ports,
    description="Goes on through the first branch whose condition holds.",
    properties_schema=properties({
        "branches": {
            "title": "Branches", "type": "array", "minItems": 1, "maxItems": 100,
            "format": "branches",
            "items": {
                "type": "object", "required": ["id"], "additionalProperties": False,
                "properties": {
                    "id": {"title": "Id", "type": "string",
                           "pattern": "^[A-Za-z][A-Za-z0-9_]{0,63}$"},
                    "title": {"title": "Title", "type": "string", "maxLength": 255},
                    "when": condition("When (empty: otherwise)"),
                },
            },
        },
    }, required=("branches",)),
    compile=_compile,
)
