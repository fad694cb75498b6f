"""The `start_process` block: starts another template (call wait), optionally waiting for it."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.create_task import call_result
from interpreter.blocks.definition import VALUE, Behaviour, BlockType, Wait, properties, value
from interpreter.errors import BlockError


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    template_id = env.value(props["template_id"], "template_id")
    document = env.value(props.get("document", "{=Document:ID}"), "document")
    parameters = tuple((name, env.value(raw, "parameters", name))
                       for name, raw in props.get("parameters", {}).items())
    wait = bool(props.get("wait", False))
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        target = template_id(run)
        if target in (None, ""):
            raise BlockError("start_process: no template id")
        run.msg = f"starting template {target}"
        return Wait("call", {"action": "start_process", "template_id": target,
                             "document": document(run),
                             "parameters": {name: compute(run) for name, compute in parameters},
                             "wait": wait})

    def resume(run: Any, token: dict[str, Any], data: Any) -> Any:
        if token["wait"]["kind"] == "child":
            status = data.get("status", "completed")
            run.outputs[node_id] = {**run.outputs.get(node_id, {}), "Status": status}
            run.msg = f"child process ended: {status}"
            return "next"
        instance_id = call_result(run, node_id, data, "InstanceId")
        if wait:
            run.msg = f"waiting for process {instance_id}"
            return Wait("child", {"instance_id": instance_id})
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="start_process", title="Start process", group="flow", outputs=("InstanceId", "Status"),
    description="Starts another template, on this document or another; can wait for it to end.",
    properties_schema=properties({
        "template_id": value("Template"),
        "document": value("Document id (default: this document)"),
        "parameters": {"title": "Parameters", "type": "object", "format": "parameters-map",
                       "additionalProperties": VALUE, "maxProperties": 100},
        "wait": {"title": "Wait until it ends", "type": "boolean", "default": False},
    }, required=("template_id",)),
    compile=_compile,
)
