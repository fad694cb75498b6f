"""The `sms` block: asks the host to send a text message (a call wait answered at once)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, Wait, properties, recipients, text
from interpreter.blocks.email import compile_recipients


def phone_numbers(values: Any) -> list[str]:
    """Phone numbers and user references of evaluated values: phone entries give their VALUE,
    users stay `user:ID` (the host knows their numbers); duplicates are dropped."""
    result: list[str] = []
    pending = list(values) if isinstance(values, list) else [values]
    while pending:
        item = pending.pop(0)
        if isinstance(item, list):
            pending[:0] = item
            continue
        if isinstance(item, dict):
            item = item.get("VALUE", item.get("ID"))
        if item is None or item == "" or isinstance(item, bool):
            continue
        entry = f"user:{item}" if isinstance(item, int) else str(item).strip()
        if entry and entry not in result:
            result.append(entry)
    return result


def _compile(node: Any, env: Any) -> Behaviour:
    to = compile_recipients(node.properties.get("to", []), env, "to")
    render = env.text(node.properties.get("text", ""), "text")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Any:
        numbers = phone_numbers(to(run))
        if not numbers:
            run.msg = "no phone number: nothing to send"
            return "next"
        run.msg = "SMS to " + ", ".join(numbers)
        return Wait("call", {"action": "send_sms", "to": numbers, "text": render(run)})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        # A dry run answers actions it does not know with {"Id": ...}.
        run.outputs[node_id] = {"MessageId": data.get("MessageId", data.get("Id"))}
        run.msg = f"sent, MessageId {run.outputs[node_id]['MessageId']}"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="sms", title="Send SMS", group="communication", outputs=("MessageId",),
    description="Sends a text message through the installation's SMS provider.",
    properties_schema=properties({"to": recipients("To (phone numbers, users, {=Document:PHONE})"),
                                  "text": text("Text")}, required=("to", "text")),
    compile=_compile,
)
