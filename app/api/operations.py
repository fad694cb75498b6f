"""REST endpoints for operating processes: retry failed instances, see what instances wait for."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from sqlalchemy import func, select

from app.api.errors import ApiError, json_body
from app.api.instances import INSTANCE
from app.api.openapi import operation, query_param
from app.api.paging import int_param, page, paging_parameters
from app.auth import login_required, require_automation, require_user
from app.db import read_transaction, transaction
from app.models.processes import Instance, Wait
from app.services import instances
from app.services import retry as service
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("operations", __name__)
TAGS = ["instances"]
_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
WAIT_KINDS = ("timer", "task", "webhook", "child")
WAIT_STATES = ("open", "answered", "cancelled")
BULK = {"type": "object", "additionalProperties": False, "properties": {
    "template_id": _ID, "document_type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
    "node": {"type": "string", "description": "only instances that failed on this block"},
    "ids": {"type": "array", "items": _ID, "maxItems": service.MAX_BULK},
    "limit": {"type": "integer", "minimum": 1, "maximum": service.MAX_BULK}}}
WAIT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "instance_id": {"type": "integer"},
    "node": {"type": ["string", "null"]}, "kind": {"type": "string", "enum": list(WAIT_KINDS)},
    "state": {"type": "string"}, "request": {"type": "object"},
    "until": {"type": ["string", "null"]}, "why": {"type": "string"},
    "created_at": {"type": "string"}}}


@bp.post("/instances/<int:instance_id>/retry")
@operation("Retry a failed instance from its failed step (after fixing the cause)", tags=TAGS,
           responses={200: INSTANCE})
@login_required
def retry_instance(instance_id: int):
    user = require_user()
    with transaction() as session:
        instance = instances.get_instance(session, instance_id, for_update=True)
        require_automation(instance.document_type, "update")
        service.retry_instance(session, instance, user.id)
        return instances.instance_to_dict(session, instance)


@bp.post("/instances/retry")
@operation("Retry every failed instance matching the filters (each in its own transaction)",
           tags=TAGS, request=BULK, responses={200: {"type": "object", "properties": {
               "retried": {"type": "array", "items": {"type": "object"}},
               "total": {"type": "integer"}}}})
@login_required
def retry_instances():
    user = require_user()
    body = json_body()
    filters = _bulk_filters(body)
    limit = body.get("limit") or service.MAX_BULK
    if not isinstance(limit, int) or isinstance(limit, bool) or \
            not 1 <= limit <= service.MAX_BULK:
        raise ApiError(400, "invalid_value", f"limit: 1 to {service.MAX_BULK}",
                       [{"field": "limit", "code": "invalid_value",
                         "message": f"limit: 1 to {service.MAX_BULK}"}])
    with read_transaction() as session:
        ids = service.failed_instance_ids(session, filters, limit)
    results = []
    for instance_id in ids:
        with transaction() as session:
            instance = instances.get_instance(session, instance_id, for_update=True)
            if instance.status != "failed":
                continue   # someone retried it meanwhile
            if not _may_update(user, instance.document_type):
                continue
            service.retry_instance(session, instance, user.id)
            results.append({"id": instance.id, "status": instance.status,
                            "error": instance.error})
    return {"retried": results, "total": len(results)}


def _may_update(user: Any, document_type: str) -> bool:
    return user.automation_right(document_type) == "update"


def _bulk_filters(body: dict[str, Any]) -> dict[str, Any]:
    unknown = [key for key in body if key not in BULK["properties"]]
    if unknown:
        raise _invalid(unknown[0], f"{unknown[0]}: unknown filter (template_id, "
                                   "document_type, node, ids, limit)")
    filters: dict[str, Any] = {}
    template_id = body.get("template_id")
    if template_id is not None:
        if not isinstance(template_id, int) or isinstance(template_id, bool) or \
                not 0 < template_id < 2**63:
            raise _invalid("template_id", "template_id must be a template id")
        filters["template_id"] = template_id
    document_type = body.get("document_type")
    if document_type is not None:
        if document_type not in DOCUMENT_TYPES:
            raise _invalid("document_type", f"document_type: one of {', '.join(DOCUMENT_TYPES)}")
        filters["document_type"] = document_type
    node = body.get("node")
    if node is not None:
        if not isinstance(node, str) or not node:
            raise _invalid("node", "node must be a block id")
        filters["node"] = node
    ids = body.get("ids")
    if ids is not None:
        if not isinstance(ids, list) or len(ids) > service.MAX_BULK or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
            raise _invalid("ids", f"ids must be a list of at most {service.MAX_BULK} "
                                  "instance ids")
        filters["ids"] = ids
    return filters


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_value", message,
                    [{"field": field, "code": "invalid_value", "message": message}])


@bp.get("/waits")
@operation("What instances wait for: timers, tasks, webhooks, child processes, and until when",
           tags=TAGS, parameters=[
               query_param("instance_id", _ID),
               query_param("kind", {"type": "string", "enum": list(WAIT_KINDS)}),
               query_param("state", {"type": "string", "enum": list(WAIT_STATES)}),
               *paging_parameters()],
           responses={200: {"type": "object", "properties": {
               "items": {"type": "array", "items": WAIT}, "total": {"type": "integer"}}}})
@login_required
def list_waits():
    user = require_user()
    limit, offset = page()
    conditions = [Wait.state == _choice("state", WAIT_STATES, "open")]
    kind = _choice("kind", WAIT_KINDS, None)
    if kind is not None:
        conditions.append(Wait.kind == kind)
    instance_id = int_param("instance_id", 0, 1, 2**63 - 1) or None
    if instance_id is not None:
        conditions.append(Wait.instance_id == instance_id)
    if not user.is_admin:
        readable = [kind for kind in DOCUMENT_TYPES if user.automation_right(kind)]
        conditions.append(Instance.document_type.in_(readable))
    query = select(Wait).join(Instance, Instance.id == Wait.instance_id).where(*conditions)
    with read_transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Wait.due_at, Wait.id).limit(limit)
                               .offset(offset)).all()
        return {"items": [wait_to_dict(row) for row in rows], "total": int(total or 0)}


def _choice(name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        raise ApiError(400, "invalid_parameter", f"{name}: one of {', '.join(allowed)}",
                       [{"parameter": name}])
    return value


def wait_to_dict(wait: Wait) -> dict[str, Any]:
    """A wait with a one-line `why` and `until` (the moment it ends by itself, if any)."""
    request_ = wait.request or {}
    until = request_.get("due") or request_.get("timeout_due")
    return {"id": wait.id, "instance_id": wait.instance_id, "node": wait.node,
            "kind": wait.kind, "state": wait.state, "request": request_, "until": until,
            "why": why(wait), "created_at": wait.created_at.isoformat()}


def why(wait: Wait) -> str:
    """What a wait is waiting for, in words."""
    request_ = wait.request or {}
    if wait.kind == "timer":
        return f"pause until {request_.get('due')}"
    if wait.kind == "task":
        users = ", ".join(f"user {user}" for user in request_.get("users") or ())
        what = "approval" if request_.get("type") == "approve" else "a form to be filled in"
        limit = f" (time limit {request_['timeout_due']})" if request_.get("timeout_due") else ""
        return f"{what} '{request_.get('name', '')}' by {users}{limit}"
    if wait.kind == "webhook":
        return f"answer of {request_.get('method', 'POST')} {request_.get('url', '')}"
    if wait.kind == "child":
        return f"process instance {request_.get('instance_id')} to end"
    return wait.kind
