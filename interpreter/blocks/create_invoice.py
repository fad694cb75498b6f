"""The `create_invoice` block (deal templates): asks the host to add an invoice or a quote.

Invoices and quotes are items of a deal kept by the host, not a document type, so the block
only returns a `call` wait that the app answers. The "create from source" robot of a deal
compiles to it.
"""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    Wait,
    choice,
    properties,
    text,
    value,
)
from interpreter.errors import BlockError

KINDS = ["invoice", "quote"]


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    if env.document_type != "deal":
        env.error("invalid_block", "create_invoice: invoices and quotes belong to deals; "
                  f"this is a {env.document_type} template")
    kind = props.get("kind", "invoice")
    title = env.text(props.get("title", f"{kind.capitalize()}: {{=Document:TITLE}}"), "title")
    amount = env.typed_value(env.fields.get("OPPORTUNITY"),
                             props.get("amount", "{=Document:OPPORTUNITY}"), "amount")
    currency = env.typed_value(env.fields.get("CURRENCY_ID"),
                               props.get("currency", "{=Document:CURRENCY_ID}"), "currency")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        request = {"action": "create_invoice", "kind": kind, "title": title(run),
                   "amount": amount(run), "currency": currency(run)}
        run.msg = f"creating a {kind}"
        return Wait("call", request)

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        if data.get("error"):
            raise BlockError(f"create_invoice: {data['error']}")
        # A dry run answers actions it does not know with {"Id": ...}.
        created = data.get("InvoiceId", data.get("Id"))
        run.outputs[node_id] = {"InvoiceId": created, "Number": data.get("Number")}
        run.msg = f"{kind} {data.get('Number') or created} created"
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="create_invoice", title="Create invoice or quote", group="document",
    outputs=("InvoiceId", "Number"), document_types=("deal",),
    description="Adds an invoice or a quote to the deal (amount and currency default to the "
                "deal's).",
    properties_schema=properties({
        "kind": choice("Kind", KINDS, "invoice"),
        "title": text("Title"),
        "amount": value("Amount"),
        "currency": value("Currency"),
    }),
    compile=_compile,
)
