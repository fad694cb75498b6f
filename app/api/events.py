"""POST /api/v1/events: a customer-side event (SPEC 8) that may move a record by a trigger."""

from __future__ import annotations

from flask import Blueprint

from app.api.errors import json_body
from app.api.openapi import operation
from app.auth import login_required
from app.db import transaction
from app.services import triggers

bp = Blueprint("events", __name__)

EVENT_SCHEMA = {
    "type": "object", "required": ["event", "document"],
    "properties": {
        "event": {"type": "string", "description": "an event code of SPEC 8 or app.<code>"},
        "document": {"type": "object", "required": ["type", "id"],
                     "properties": {"type": {"enum": ["lead", "deal"]},
                                    "id": {"type": "integer"}}},
        "data": {"type": "object"},
    },
}
RESULT_SCHEMA = {
    "type": "object", "required": ["moved", "from", "to", "trigger_id"],
    "properties": {"moved": {"type": "boolean"}, "from": {"type": ["string", "null"]},
                   "to": {"type": ["string", "null"]},
                   "trigger_id": {"type": ["integer", "null"]}},
}


@bp.post("/events")
@operation("Report an event; the first matching trigger moves the record", tags=["automation"],
           request=EVENT_SCHEMA, responses={200: RESULT_SCHEMA})
@login_required
def post_event():
    body = json_body()
    with transaction() as session:
        return triggers.post_event(session, body)
