"""The `log` block: writes a line of text to the instance log."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, properties, text


def _compile(node: Any, env: Any) -> Behaviour:
    render = env.text(node.properties.get("text", ""), "text")

    def execute(run: Any, token: dict[str, Any]) -> str:
        run.msg = render(run)
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="log", title="Write to log", group="data",
    description="Adds a line to the process log.",
    properties_schema=properties({"text": text("Text")}),
    compile=_compile,
)
