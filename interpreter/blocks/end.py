"""The `end` block: ends the path (completed) or the whole instance (terminated)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    END_COMPLETED,
    END_TERMINATED,
    Behaviour,
    BlockType,
    choice,
    properties,
)


def _compile(node: Any, env: Any) -> Behaviour:
    status = node.properties.get("status", "completed")
    outcome = END_TERMINATED if status == "terminated" else END_COMPLETED
    return Behaviour(None, fixed=(f"end: {status}", outcome))


BLOCK = BlockType(
    type="end", title="End", group="flow", ports=(),
    description="Ends this path; 'terminated' stops the whole process at once.",
    properties_schema=properties({
        "status": choice("Outcome", ["completed", "terminated"], "completed"),
    }),
    compile=_compile,
)
