"""The `create_document` block: asks the host to create a record (a call wait answered at once)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.create_task import call_result
from interpreter.blocks.definition import Behaviour, BlockType, Wait, choice, fields_map, properties
from interpreter.fields import DOCUMENT_TYPES, field_map


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    document_type = props["document_type"]
    # The template's own custom fields apply when it creates a record of its own type.
    custom = [f for f in env.fields.values() if f.code.startswith("UF_")]
    known = field_map(document_type, custom if document_type == env.document_type else ())
    assignments = []
    for code, raw in props.get("fields", {}).items():
        field = env.field(code, "fields", code, writable=True, fields=known)
        assignments.append((code, env.typed_value(field, raw, "fields", code)))
    plan = tuple(assignments)
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        values = {code: compute(run) for code, compute in plan}
        run.msg = f"creating a {document_type}"
        return Wait("call", {"action": "create_document", "document_type": document_type,
                             "fields": values})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        call_result(run, node_id, data, "DocumentId")
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="create_document", title="Create document", group="document", outputs=("DocumentId",),
    description="Creates a new lead, contact, company, deal or library document.",
    properties_schema=properties({
        "document_type": choice("Type", list(DOCUMENT_TYPES), "lead"),
        "fields": fields_map("Fields"),
    }, required=("document_type",)),
    compile=_compile,
)
