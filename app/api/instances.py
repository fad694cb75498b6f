"""REST endpoints of instances: list with filters, one with its log, terminate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api.errors import ApiError
from app.api.openapi import operation, query_param
from app.api.paging import int_param, page, paging_parameters
from app.auth import login_required, require_automation, require_user
from app.db import read_transaction, transaction
from app.models.processes import INSTANCE_STATUSES
from app.services import instances as service
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("instances", __name__)
TAGS = ["instances"]
_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
INSTANCE_PROPERTIES = {
    "id": {"type": "integer"}, "template_id": {"type": "integer"},
    "template_version": {"type": "integer"},
    "document_type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
    "document_id": {"type": "integer"},
    "status": {"type": "string", "enum": list(INSTANCE_STATUSES)},
    "current_nodes": {"type": "array", "items": {"type": ["string", "null"]}},
    "variables": {"type": "object"}, "error": {"type": ["object", "null"]},
    "started_at": {"type": "string"}, "finished_at": {"type": ["string", "null"]},
}
INSTANCE = {"type": "object", "required": [*INSTANCE_PROPERTIES, "log"],
            "properties": {**INSTANCE_PROPERTIES, "log": {"type": "array", "items": {
                "type": "object", "properties": {
                    "at": {"type": "string"}, "node": {"type": ["string", "null"]},
                    "type": {"type": "string"}, "message": {"type": "string"}}}}}}
INSTANCE_LIST = {"type": "object", "required": ["items", "total"], "properties": {
    "items": {"type": "array", "items": {"type": "object", "required": list(INSTANCE_PROPERTIES),
                                         "properties": INSTANCE_PROPERTIES}},
    "total": {"type": "integer"}}}


@bp.get("/instances")
@operation("List instances, newest first", tags=TAGS, parameters=[
    query_param("template_id", _ID), query_param("document_id", _ID),
    query_param("document_type", {"type": "string", "enum": list(DOCUMENT_TYPES)}),
    query_param("status", {"type": "string", "enum": list(INSTANCE_STATUSES)}),
    *paging_parameters()], responses={200: INSTANCE_LIST})
@login_required
def list_instances():
    user = require_user()
    limit, offset = page()
    filters: dict[str, Any] = {
        "template_id": int_param("template_id", 0, 1, 2**63 - 1) or None,
        "document_id": int_param("document_id", 0, 1, 2**63 - 1) or None,
        "document_type": request.args.get("document_type") or None,
        "status": request.args.get("status") or None,
    }
    if filters["document_type"] is not None:
        if filters["document_type"] not in DOCUMENT_TYPES:
            raise ApiError(400, "invalid_parameter", "document_type: one of "
                           f"{', '.join(DOCUMENT_TYPES)}", [{"parameter": "document_type"}])
        require_automation(filters["document_type"], "read")
    elif not user.is_admin:
        readable = [kind for kind in DOCUMENT_TYPES if user.automation_right(kind)]
        if not readable:
            raise ApiError(403, "forbidden", "this needs the automation 'read' right")
        filters["document_types"] = readable
    with read_transaction() as session:
        items, total = service.list_instances(session, filters, limit, offset)
        return {"items": [service.instance_to_dict(session, item, with_log=False)
                          for item in items], "total": total}


@bp.get("/instances/<int:instance_id>")
@operation("One instance with its log", tags=TAGS, responses={200: INSTANCE})
@login_required
def get_instance(instance_id: int):
    with read_transaction() as session:
        instance = service.get_instance(session, instance_id)
        require_automation(instance.document_type, "read")
        return service.instance_to_dict(session, instance)


@bp.post("/instances/<int:instance_id>/terminate")
@operation("Stop an instance", tags=TAGS, responses={200: INSTANCE})
@login_required
def terminate_instance(instance_id: int):
    with transaction() as session:
        instance = service.get_instance(session, instance_id, for_update=True)
        require_automation(instance.document_type, "update")
        service.terminate_instance(session, instance)
        return service.instance_to_dict(session, instance)
