"""REST endpoints of human tasks: the current user's list and completing one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api.errors import ApiError, json_body
from app.api.openapi import operation, query_param
from app.api.paging import int_param, page, paging_parameters
from app.auth import login_required, require_user
from app.db import read_transaction, transaction
from app.models.tasks import DECISIONS, TASK_KINDS, TASK_STATUSES
from app.services import tasks as service
from app.services import timers  # noqa: F401 - registers the due-work listeners
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("tasks", __name__)
TAGS = ["tasks"]
_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
TASK = {"type": "object", "required": ["id", "kind", "status", "name", "user_id"],
        "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(TASK_KINDS)},
            "status": {"type": "string", "enum": list(TASK_STATUSES)},
            "name": {"type": "string"}, "description": {"type": "string"},
            "user_id": {"type": "integer"}, "instance_id": {"type": ["integer", "null"]},
            "node": {"type": ["string", "null"]},
            "document_type": {"type": ["string", "null"]},
            "document_id": {"type": ["integer", "null"]},
            "fields": {"type": "array", "items": {"type": "object"}},
            "decision": {"type": ["string", "null"]}, "comment": {"type": ["string", "null"]},
            "values": {"type": "object"}, "deadline": {"type": ["string", "null"]},
            "created_at": {"type": "string"}, "completed_at": {"type": ["string", "null"]}}}
COMPLETE = {"type": "object", "properties": {
    "decision": {"type": "string", "enum": list(DECISIONS),
                 "description": "approve tasks: required"},
    "comment": {"type": "string", "maxLength": service.MAX_COMMENT},
    "values": {"type": "object", "description": "request_info tasks: the form's field ids"}}}


@bp.get("/tasks")
@operation("The current user's tasks, newest first (admins: ?user_id= or ?all=1)", tags=TAGS,
           parameters=[
               query_param("status", {"type": "string", "enum": list(TASK_STATUSES)}),
               query_param("kind", {"type": "string", "enum": list(TASK_KINDS)}),
               query_param("instance_id", _ID), query_param("document_id", _ID),
               query_param("document_type", {"type": "string", "enum": list(DOCUMENT_TYPES)}),
               query_param("user_id", _ID), query_param("all", {"type": "boolean"}),
               *paging_parameters()],
           responses={200: {"type": "object", "required": ["items", "total"], "properties": {
               "items": {"type": "array", "items": TASK}, "total": {"type": "integer"}}}})
@login_required
def list_tasks():
    user = require_user()
    limit, offset = page()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in TASK_KINDS:
        raise ApiError(400, "invalid_parameter", f"kind: one of {', '.join(TASK_KINDS)}",
                       [{"parameter": "kind"}])
    document_type = request.args.get("document_type") or None
    if document_type is not None and document_type not in DOCUMENT_TYPES:
        raise ApiError(400, "invalid_parameter", "document_type: one of "
                       f"{', '.join(DOCUMENT_TYPES)}", [{"parameter": "document_type"}])
    filters: dict[str, Any] = {
        "status": service.check_status_filter(request.args.get("status") or None),
        "kind": kind, "document_type": document_type,
        "instance_id": int_param("instance_id", 0, 1, 2**63 - 1) or None,
        "document_id": int_param("document_id", 0, 1, 2**63 - 1) or None}
    owner: int | None = user.id
    other = int_param("user_id", 0, 1, 2**63 - 1) or None
    everyone = request.args.get("all") in ("1", "true", "yes")
    if (other not in (None, user.id) or everyone) and not user.is_admin:
        raise ApiError(403, "forbidden", "only admins see other users' tasks")
    if everyone:
        owner = None
    elif other is not None:
        owner = other
    with read_transaction() as session:
        items, total = service.list_tasks(session, owner, filters, limit, offset)
        return {"items": [service.task_to_dict(item) for item in items], "total": total}


@bp.get("/tasks/<int:task_id>")
@operation("One task", tags=TAGS, responses={200: TASK})
@login_required
def get_task(task_id: int):
    user = require_user()
    with read_transaction() as session:
        task = service.get_task(session, task_id)
        if task.user_id != user.id and not user.is_admin:
            raise ApiError(403, "forbidden", f"task {task_id} is assigned to another user")
        return service.task_to_dict(task)


@bp.post("/tasks/<int:task_id>/complete")
@operation("Complete a task: decision (approve), comment, form values (request_info); the "
           "process goes on once the task's people have decided", tags=TAGS,
           request=COMPLETE, responses={200: TASK})
@login_required
def complete_task(task_id: int):
    user = require_user()
    body = json_body()
    with transaction() as session:
        task = service.complete_task(session, task_id, user, body)
        return service.task_to_dict(task)
