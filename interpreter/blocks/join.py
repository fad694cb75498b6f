"""The `join` block: waits until every branch of its parallel block has arrived."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import JOIN, Behaviour, BlockType, Join, properties


def _compile(node: Any, env: Any) -> Behaviour:
    def execute(run: Any, token: dict[str, Any]) -> Join:
        run.msg = "branch arrived"
        return JOIN

    return Behaviour(execute)


BLOCK = BlockType(
    type="join", title="Join branches", group="flow", role="join",
    description="Goes on once every branch of the parallel block before it has arrived.",
    properties_schema=properties({}), compile=_compile,
)
