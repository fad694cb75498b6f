"""The `condition` block: takes the first branch whose condition holds; `when: null` is the else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, Branch, condition, properties

NO_BRANCH = ""   # a port no edge can have: the path ends when no branch holds


def _ports(props: Mapping[str, Any]) -> list[str]:
    return [branch["id"] for branch in props.get("branches", ())]


def _compile(node: Any, env: Any) -> Behaviour:
    branches = node.properties["branches"]
    # The usual condition block, one branch and the else branch: its compiled condition is
    # the block's execute and picks the branch itself (one call fewer per run).
    if_else = len(branches) == 2 and branches[0].get("when") is not None \
        and branches[1].get("when") is None
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
        elif if_else:
            other = branches[1]["id"]
            choose = env.choice(when, Branch(branch["id"], f"branch {branch['id']}"),
                                Branch(other, f"branch {other} (else)"), "branches", index, "when")
        else:
            compiled.append((branch["id"], env.condition(when, "branches", index, "when"),
                             f"branch {branch['id']}"))
    if if_else:
        return Behaviour(choose)
    choices = tuple(compiled)

    def execute(run: Any, token: dict[str, Any]) -> str:
        for port, holds, message in choices:
            if holds is None or holds(run):
                run.msg = message
                return port
        run.msg = "no branch holds"
        return NO_BRANCH

    return Behaviour(execute)


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
