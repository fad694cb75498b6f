"""The `notify` block: an in-app notification to users (an effect the host delivers)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, properties, recipients, text
from interpreter.blocks.email import compile_recipients
from interpreter.recipients import resolve_users


def _compile(node: Any, env: Any) -> Behaviour:
    to = compile_recipients(node.properties.get("to", []), env, "to")
    render = env.text(node.properties.get("text", ""), "text")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> str:
        users = resolve_users(to(run), run.ctx.directory)
        if not users:
            run.msg = "no recipients: nothing to notify"
            return "next"
        run.effects.append({"kind": "notify", "node": node_id, "to": users,
                            "text": render(run)})
        run.msg = "notified " + ", ".join(map(str, users))
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="notify", title="Notify", group="communication",
    description="Sends an in-app notification to users.",
    properties_schema=properties({"to": recipients("To"), "text": text("Text")},
                                 required=("to",)),
    compile=_compile,
)
