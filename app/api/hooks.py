"""POST /api/v1/hooks/triggers/{token}: inbound webhook triggers; the secret token is the auth."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from app.api.errors import ApiError
from app.api.events import RESULT_SCHEMA
from app.api.openapi import operation
from app.db import transaction
from app.services import triggers

bp = Blueprint("hooks", __name__)


def _hook_body() -> dict[str, Any]:
    """Other systems call webhooks as they can: a JSON body (any content type), a form, or
    the query string all work."""
    body = request.get_json(force=True, silent=True)
    if isinstance(body, dict):
        return body
    if body is not None:
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return {**request.args.to_dict(), **request.form.to_dict()}


@bp.post("/hooks/triggers/<token>")
@operation("Fire a webhook trigger (no other authentication: the URL is the secret)",
           tags=["automation"], auth=False,
           request={"type": "object", "required": ["document_id"],
                    "properties": {"document_type": {"enum": ["lead", "deal"]},
                                   "document_id": {"type": "integer"}}},
           responses={200: RESULT_SCHEMA})
def fire_webhook(token: str):
    body = _hook_body()
    with transaction() as session:
        return triggers.fire_webhook(session, token, body)
