"""The `email` block: composes a message for the outbox; the engine never sends it itself."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    choice,
    properties,
    recipients,
    text,
    value,
)
from interpreter.recipients import resolve_recipients


def compile_recipients(raw: Any, env: Any, *parts: Any) -> Any:
    """Compile a recipients property (a list of values, or one value) to scope -> raw list."""
    items = raw if isinstance(raw, list) else [raw]
    return env.value(items, *parts)


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    to = compile_recipients(props.get("to", []), env, "to")
    cc = compile_recipients(props.get("cc", []), env, "cc")
    sender = env.text(props["from"], "from") if props.get("from") is not None else None
    subject = env.text(props.get("subject", ""), "subject")
    body = env.text(props.get("body", ""), "body")
    body_format = props.get("format", "text")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> str:
        scope = run.scope
        directory = run.ctx.directory
        to_list = resolve_recipients(to(scope), directory)
        cc_list = resolve_recipients(cc(scope), directory)
        if not to_list and not cc_list:
            run.msg = "no recipients: nothing to send"
            return "next"
        message_id = f"{run.ctx.instance_id or 'dry-run'}.{node_id}.{run.next_seq()}"
        run.effects.append({
            "kind": "email", "node": node_id, "to": to_list, "cc": cc_list,
            "from": sender(scope) if sender is not None else None,
            "subject": subject(scope), "body": body(scope), "format": body_format,
            "message_id": message_id,
        })
        run.outputs[node_id] = {"MessageId": message_id}
        run.msg = "e-mail to " + ", ".join(map(str, to_list or cc_list))
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="email", title="Send e-mail", group="communication", outputs=("MessageId",),
    description="Writes an e-mail to the outbox; a worker delivers it.",
    properties_schema=properties({
        "to": recipients("To"),
        "cc": recipients("Cc"),
        "from": value("From"),
        "subject": text("Subject", maxLength=10_000),
        "body": text("Body"),
        "format": choice("Format", ["text", "html"], "text"),
    }, required=("to",)),
    compile=_compile,
)
