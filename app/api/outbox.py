"""REST endpoint of the outbox: outgoing messages and their delivery state."""

from __future__ import annotations

from flask import Blueprint, request

from app.api.errors import ApiError
from app.api.openapi import operation, query_param
from app.api.paging import int_param, page, paging_parameters
from app.auth import login_required, require_user
from app.db import read_transaction
from app.models.processes import OUTBOX_KINDS, OUTBOX_STATES
from app.services import outbox as service
from interpreter.fields import DOCUMENT_TYPES

bp = Blueprint("outbox", __name__)
MESSAGE = {"type": "object", "required": ["id", "kind", "state", "attempts", "payload"],
           "properties": {"id": {"type": "integer"},
                          "kind": {"type": "string", "enum": list(OUTBOX_KINDS)},
                          "instance_id": {"type": ["integer", "null"]},
                          "idempotency_key": {"type": "string"},
                          "state": {"type": "string", "enum": list(OUTBOX_STATES)},
                          "attempts": {"type": "integer"},
                          "next_attempt_at": {"type": ["string", "null"]},
                          "last_error": {"type": ["string", "null"]},
                          "sent_at": {"type": ["string", "null"]},
                          "created_at": {"type": "string"}, "payload": {"type": "object"}}}


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ApiError(400, "invalid_parameter", f"{name}: one of {', '.join(allowed)}",
                       [{"parameter": name}])
    return value


@bp.get("/outbox")
@operation("Outgoing messages (e-mail, notifications, webhooks) and their delivery state",
           tags=["outbox"], parameters=[
               query_param("state", {"type": "string", "enum": list(OUTBOX_STATES)}),
               query_param("kind", {"type": "string", "enum": list(OUTBOX_KINDS)}),
               query_param("instance_id", {"type": "integer", "minimum": 1,
                                           "maximum": 2**63 - 1}),
               *paging_parameters()],
           responses={200: {"type": "object", "required": ["items", "total"], "properties": {
               "items": {"type": "array", "items": MESSAGE}, "total": {"type": "integer"}}}})
@login_required
def list_outbox():
    user = require_user()
    if not user.is_admin and not any(user.automation_right(kind) for kind in DOCUMENT_TYPES):
        raise ApiError(403, "forbidden", "this needs the admin role or an automation right")
    limit, offset = page()
    filters = {"state": _choice("state", OUTBOX_STATES), "kind": _choice("kind", OUTBOX_KINDS),
               "instance_id": int_param("instance_id", 0, 1, 2**63 - 1) or None}
    with read_transaction() as session:
        items, total = service.list_messages(session, filters, limit, offset)
        return {"items": [service.message_to_dict(item) for item in items], "total": total}
