"""GET /api/v1/health: the liveness check (no authentication)."""

from flask import Blueprint

from app.api.openapi import operation

bp = Blueprint("health", __name__)


@bp.get("/health")
@operation("Liveness check", tags=["meta"], auth=False,
           responses={200: {"type": "object", "required": ["status"],
                            "properties": {"status": {"const": "ok"}}}})
def health():
    return {"status": "ok"}
