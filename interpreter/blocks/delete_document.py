"""The `delete_document` block: asks the host to delete the document the process runs on."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, Wait, properties
from interpreter.errors import BlockError


def _compile(node: Any, env: Any) -> Behaviour:
    def execute(run: Any, token: dict[str, Any]) -> Wait:
        run.msg = "deleting the document"
        return Wait("call", {"action": "delete_document"})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        if "error" in data:
            raise BlockError(f"refused: {data['error']}")
        run.msg = "document deleted"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="delete_document", title="Delete document", group="document",
    description="Deletes the record the process runs on (e.g. a junk lead).",
    properties_schema=properties({}),
    compile=_compile,
)
