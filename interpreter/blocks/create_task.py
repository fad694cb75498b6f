"""The `create_task` block: asks the host to create a task (a call wait answered at once)."""

from __future__ import annotations

from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    Wait,
    properties,
    recipients,
    text,
    value,
)
from interpreter.blocks.email import compile_recipients
from interpreter.errors import BlockError
from interpreter.fields import parse_datetime
from interpreter.recipients import resolve_users


def call_result(run: Any, node_id: str, data: Any, name: str) -> Any:
    """Store the id the host answered a call wait with as the block's output.

    A host that refused the action answers `{"error": message}`: the block fails with it, so
    the failure is this block's (and `on_error: continue` can let the process go on).
    """
    if "error" in data:
        raise BlockError(f"refused: {data['error']}")
    if name not in data:
        raise BlockError(f"the host's answer has no {name}")
    run.outputs[node_id] = {name: data[name]}
    run.msg = f"{name} {data[name]}"
    return data[name]


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    title = env.text(props.get("title", ""), "title")
    description = env.text(props.get("description", ""), "description")
    responsible = compile_recipients(props.get("responsible", []), env, "responsible")
    deadline = env.value(props.get("deadline"), "deadline")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        users = resolve_users(responsible(run), run.ctx.directory)
        if not users:
            raise BlockError("create_task: no responsible person")
        due = deadline(run)
        if due not in (None, ""):
            try:
                due = parse_datetime(due).isoformat()
            except ValueError as exc:
                raise BlockError(f"deadline: {exc}") from None
        else:
            due = None
        run.msg = "creating a task"
        return Wait("call", {"action": "create_task", "title": title(run),
                             "description": description(run), "responsible": users[0],
                             "deadline": due})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        call_result(run, node_id, data, "TaskId")
        return "next"

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="create_task", title="Create task", group="people", outputs=("TaskId",),
    description="Creates a task for a person, with an optional deadline.",
    properties_schema=properties({
        "title": text("Title", maxLength=1000),
        "description": text("Description"),
        "responsible": recipients("Responsible person"),
        "deadline": value("Deadline (date and time)"),
    }, required=("title", "responsible")),
    compile=_compile,
)
