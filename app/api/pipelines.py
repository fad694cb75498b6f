"""Pipelines and stages (SPEC 7): GET /pipelines/{type}, stage and deal-pipeline editing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from app.api.errors import json_body
from app.api.openapi import operation
from app.auth import automation_required, login_required
from app.db import read_transaction, transaction
from app.services import pipelines

bp = Blueprint("pipelines", __name__)

STAGE_SCHEMA = {
    "type": "object", "required": ["id", "name", "sort", "semantics"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "sort": {"type": "integer"},
                   "semantics": {"enum": list(pipelines.SEMANTICS)}},
}
STAGE_INPUT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "sort": {"type": "integer"},
                   "semantics": {"enum": list(pipelines.SEMANTICS)}},
}
PIPELINE_SCHEMA = {
    "type": "object",
    "properties": {
        "stages": {"type": "array", "items": STAGE_SCHEMA},
        "categories": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "stages"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                           "stages": {"type": "array", "items": STAGE_SCHEMA}}}},
    },
}
CATEGORY_SCHEMA = {"type": "object", "required": ["id", "name", "stages"],
                   "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                  "stages": {"type": "array", "items": STAGE_SCHEMA}}}
NAME_INPUT = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
TAGS = ["pipelines"]


def _category_view(session: Any, category_id: int) -> dict[str, Any]:
    pipeline = pipelines.get_pipeline(session, "deal", category_id)
    return {"id": pipeline.category_id, "name": pipeline.name,
            "stages": [s.to_dict() for s in pipelines.list_stages(session, "deal", category_id)]}


@bp.get("/pipelines/<document_type>")
@operation("A pipeline's stages (lead) or every deal pipeline", tags=TAGS,
           responses={200: PIPELINE_SCHEMA})
@login_required
def get_pipeline(document_type: str):
    with read_transaction() as session:
        return pipelines.pipeline_view(session, document_type)


@bp.post("/pipelines/<document_type>/stages")
@bp.post("/pipelines/<document_type>/<int:category_id>/stages")
@operation("Add a stage", tags=TAGS, request=STAGE_INPUT, responses={201: STAGE_SCHEMA})
@automation_required("document_type", "update")
def add_stage(document_type: str, category_id: int = 0):
    body = json_body()
    with transaction() as session:
        stage = pipelines.add_stage(session, document_type, category_id, body)
        return stage.to_dict(), 201


@bp.put("/pipelines/<document_type>/stages/<stage_id>")
@bp.put("/pipelines/<document_type>/<int:category_id>/stages/<stage_id>")
@operation("Rename, re-sort or change a stage's semantics", tags=TAGS, request=STAGE_INPUT,
           responses={200: STAGE_SCHEMA})
@automation_required("document_type", "update")
def update_stage(document_type: str, stage_id: str, category_id: int | None = None):
    body = json_body()
    with transaction() as session:
        return pipelines.update_stage(session, document_type, stage_id, body,
                                      category_id).to_dict()


@bp.delete("/pipelines/<document_type>/stages/<stage_id>")
@bp.delete("/pipelines/<document_type>/<int:category_id>/stages/<stage_id>")
@operation("Delete an empty stage (409 while records are in it)", tags=TAGS,
           responses={204: None})
@automation_required("document_type", "update")
def delete_stage(document_type: str, stage_id: str, category_id: int | None = None):
    with transaction() as session:
        pipelines.delete_stage(session, document_type, stage_id, category_id)
    return "", 204


@bp.post("/pipelines/deal")
@operation("Add a deal pipeline (it gets the default stages, prefixed C{N}:)", tags=TAGS,
           request=NAME_INPUT, responses={201: CATEGORY_SCHEMA})
@automation_required("deal", "update")
def add_deal_pipeline():
    body = json_body()
    with transaction() as session:
        pipeline = pipelines.add_deal_pipeline(session, body)
        return _category_view(session, pipeline.category_id), 201


@bp.get("/pipelines/deal/<int:category_id>")
@operation("One deal pipeline", tags=TAGS, responses={200: CATEGORY_SCHEMA})
@login_required
def get_deal_pipeline(category_id: int):
    with read_transaction() as session:
        return _category_view(session, category_id)


@bp.put("/pipelines/deal/<int:category_id>")
@operation("Rename a deal pipeline", tags=TAGS, request=NAME_INPUT,
           responses={200: CATEGORY_SCHEMA})
@automation_required("deal", "update")
def rename_deal_pipeline(category_id: int):
    body = json_body()
    with transaction() as session:
        pipelines.rename_pipeline(session, "deal", category_id, body)
        return _category_view(session, category_id)


@bp.delete("/pipelines/deal/<int:category_id>")
@operation("Delete a deal pipeline other than 0 (409 while deals are in it)", tags=TAGS,
           responses={204: None})
@automation_required("deal", "update")
def delete_deal_pipeline(category_id: int):
    with transaction() as session:
        pipelines.delete_deal_pipeline(session, category_id)
    return "", 204
