"""The `approve` block: a task for approvers; any/all/percent decide; approved or rejected port."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from interpreter.blocks.definition import (
    Behaviour,
    BlockType,
    Wait,
    choice,
    interval,
    is_static,
    properties,
    recipients,
    text,
)
from interpreter.blocks.email import compile_recipients
from interpreter.errors import BlockError
from interpreter.intervals import IntervalError, parse_interval
from interpreter.recipients import resolve_users


def decide(request: Mapping[str, Any], votes: Iterable[tuple[int, str]]) -> str | None:
    """The decision of an approval task from the votes so far, or None while it is open.

    `votes` are (user id, "approved"/"rejected") pairs, one per approver who answered. `any`:
    the first vote decides; `all`: everyone must approve (one rejection decides); `percent`:
    approved once that share of approvers approved, rejected once it can no longer be reached.
    """
    users = list(request["users"])
    cast = {user: vote for user, vote in votes if user in users}
    approved = sum(1 for vote in cast.values() if vote == "approved")
    rejected = sum(1 for vote in cast.values() if vote == "rejected")
    mode = request.get("mode", "any")
    if mode == "any":
        if approved:
            return "approved"
        return "rejected" if rejected else None
    if mode == "all":
        if rejected:
            return "rejected"
        return "approved" if approved == len(users) else None
    needed = math.ceil(len(users) * float(request.get("percent") or 100) / 100)
    if approved >= needed:
        return "approved"
    if len(users) - rejected < needed:
        return "rejected"
    return None


def timeout_due(now: datetime, timeout: Any) -> str | None:
    """When an approval times out (ISO datetime), or None without a timeout."""
    if timeout in (None, "", 0):
        return None
    return (now + parse_interval(timeout)).isoformat()


def _compile(node: Any, env: Any) -> Behaviour:
    props = node.properties
    approvers = compile_recipients(props.get("approvers", []), env, "approvers")
    mode = props.get("mode", "any")
    percent = props.get("percent", 50 if mode == "percent" else None)
    name = env.text(props.get("name", node.title or "Approval"), "name")
    description = env.text(props.get("description", ""), "description")
    timeout = props.get("timeout")
    if timeout is not None and is_static(timeout):
        try:
            parse_interval(timeout)
        except IntervalError as exc:
            env.error("invalid_interval", str(exc), "timeout")
    timeout_value = env.value(timeout, "timeout")
    node_id = node.id

    def execute(run: Any, token: dict[str, Any]) -> Wait:
        users = resolve_users(approvers(run), run.ctx.directory)
        if not users:
            raise BlockError("approve: no approvers")
        try:
            due = timeout_due(run.ctx.now, timeout_value(run))
        except IntervalError as exc:
            raise BlockError(f"timeout: {exc}") from None
        run.msg = f"waiting for approval by {', '.join(map(str, users))}"
        return Wait("task", {"type": "approve", "users": users, "mode": mode,
                             "percent": percent, "name": name(run),
                             "description": description(run), "fields": [],
                             "timeout_due": due})

    def resume(run: Any, token: dict[str, Any], data: Any) -> str:
        decision = data.get("decision")
        if decision == "timeout":
            decision = "rejected"
            run.msg = "timed out: rejected"
        elif decision in ("approved", "rejected"):
            run.msg = decision
        else:
            raise BlockError(f"approve: decision must be approved, rejected or timeout, "
                             f"got {decision!r}")
        comments = data.get("comments")
        if isinstance(comments, list):
            comments = "\n".join(str(c) for c in comments)
        run.outputs[node_id] = {"Comments": comments or "",
                                "LastApprover": data.get("last_approver")}
        return decision

    return Behaviour(execute, resume)


BLOCK = BlockType(
    type="approve", title="Approval", group="people", ports=("approved", "rejected"),
    outputs=("Comments", "LastApprover"),
    description="Asks people to approve; goes on through 'approved' or 'rejected'.",
    properties_schema=properties({
        "approvers": recipients("Approvers"),
        "mode": choice("Who must approve", ["any", "all", "percent"], "any"),
        "percent": {"title": "Percent of approvers", "type": "number", "exclusiveMinimum": 0,
                    "maximum": 100, "default": 50},
        "name": text("Task name", maxLength=1000),
        "description": text("Description"),
        "timeout": interval("Time limit (then rejected)"),
    }, required=("approvers",)),
    compile=_compile,
)
