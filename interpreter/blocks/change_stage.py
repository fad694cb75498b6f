"""The `change_stage` block: moves the record to another status or stage (STATUS_ID / STAGE_ID)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import Behaviour, BlockType, properties, value

STAGE_FIELDS = {"lead": "STATUS_ID", "deal": "STAGE_ID"}


def _compile(node: Any, env: Any) -> Behaviour:
    code = STAGE_FIELDS.get(env.document_type)
    if code is None:
        env.error("no_stage", f"a {env.document_type} has no stages; change_stage works on "
                  "leads and deals", "stage")
    field = env.fields.get(code) if code else None
    stage = env.typed_value(field, node.properties["stage"], "stage")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> str:
        target = stage(run)
        run.set_field(code, target)
        run.effects.append({"kind": "change_stage", "node": node_id, "stage": target})
        run.msg = f"stage {target}"
        return "next"

    return Behaviour(execute)


BLOCK = BlockType(
    type="change_stage", title="Change stage", group="document",
    description="Moves a lead to another status or a deal to another stage; that stage's "
                "robots run.",
    properties_schema=properties({"stage": value("Stage")}, required=("stage",)),
    compile=_compile,
)
