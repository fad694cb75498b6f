"""The `start` block: where every instance begins."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, properties


def _compile(node: Any, env: Any) -> Behaviour:
    return Behaviour(None, fixed=("started", "next"))


BLOCK = BlockType(
    type="start", title="Start", group="flow", role="start",
    description="Where the process begins; a template has exactly one.",
    properties_schema=properties({}), compile=_compile,
)
