"""POST /api/v1/hooks/triggers/{token}: inbound webhook triggers; the secret token is the auth."""

from __future__ import annotations

from flask import Blueprint

from app.api.events import RESULT_SCHEMA
from app.api.openapi import operation
from app.api.pipelines import json_object
from app.db import transaction
from app.services import triggers

bp = Blueprint("hooks", __name__)


@bp.post("/hooks/triggers/<token>")
@operation("Fire a webhook trigger (no other authentication: the URL is the secret)",
           tags=["automation"], auth=False,
           request={"type": "object", "required": ["document_id"],
                    "properties": {"document_type": {"enum": ["lead", "deal"]},
                                   "document_id": {"type": "integer"}}},
           responses={200: RESULT_SCHEMA})
def fire_webhook(token: str):
    body = json_object()
    with transaction() as session:
        return triggers.fire_webhook(session, token, body)
