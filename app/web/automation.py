"""Automation pages: a pipeline's stages with robots and triggers, the Kanban board, history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from app.api.errors import ApiError
from app.auth import current_user, login_required
from app.db import read_transaction
from app.models.automation import Pipeline, StageRobots
from app.models.processes import Template
from app.models.records import Record
from app.services import history, invoices, pipelines, records, robots, triggers
from app.services.robots_compile import BLOCK_ROBOTS, CATALOGUE, TIMING_MODES
from interpreter.blocks import REGISTRY

bp = Blueprint("automation_pages", __name__, template_folder="templates")

KANBAN_LIMIT = 200
# How the designer's schema-driven forms edit each kind of catalogue property.
_KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "format": "text"},
    "recipients": {"format": "recipients", "type": ["array", "string", "integer"]},
    "value": {"format": "value"},
    "interval": {"format": "interval", "type": "string"},
    "fields": {"format": "fields-map", "type": "object"},
    "format": {"enum": ["text", "html"], "default": "text"},
}
_TARGETS = {"lead": ["deal", "contact", "company"], "deal": ["invoice", "quote"]}


def robot_schemas(document_type: str, stage_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each robot type's properties, for the designer's forms."""
    schemas: dict[str, dict[str, Any]] = {}
    for name, rule in CATALOGUE.items():
        props = {}
        for key, kind in rule.properties.items():
            if kind == "stage":
                schema: dict[str, Any] = {"enum": stage_ids}
            elif kind == "document_type":
                schema = {"enum": _TARGETS.get(document_type, [])}
            else:
                schema = dict(_KIND_SCHEMAS[kind])
            props[key] = {**schema, "title": key.replace("_", " ").capitalize()}
        schemas[name] = {"type": "object", "properties": props, "required": list(rule.required)}
    for name in BLOCK_ROBOTS:
        if name not in CATALOGUE and name in REGISTRY:
            schemas[name] = REGISTRY[name].properties_schema
    return schemas


def _right(document_type: str) -> str | None:
    user = current_user()
    return user.automation_right(document_type) if user is not None else None


def _pipeline_or_404(session: Any, document_type: str, category_id: int) -> Pipeline:
    try:
        return pipelines.get_pipeline(session, document_type, category_id)
    except ApiError:
        abort(404)


@bp.get("/automation/")
@login_required
def index():
    with read_transaction() as session:
        boards = list(session.scalars(select(Pipeline).order_by(
            Pipeline.document_type.desc(), Pipeline.category_id)))
        return render_template("automation/index.html", user=current_user(), boards=boards,
                               rights={t: _right(t) for t in pipelines.PIPELINE_TYPES})


@bp.get("/automation/<document_type>/<int:category_id>")
@login_required
def pipeline_page(document_type: str, category_id: int):
    right = _right(document_type) if document_type in pipelines.PIPELINE_TYPES else None
    if right is None:
        abort(403 if document_type in pipelines.PIPELINE_TYPES else 404)
    with read_transaction() as session:
        pipeline = _pipeline_or_404(session, document_type, category_id)
        stages = pipelines.list_stages(session, document_type, category_id)
        stage_ids = [s.stage_id for s in stages]
        robot_rows = {row.stage_id: row for row in session.scalars(select(StageRobots).where(
            StageRobots.document_type == document_type, StageRobots.stage_id.in_(stage_ids)))}
        stage_templates = {t.id: t for t in session.scalars(select(Template).where(
            Template.id.in_([r.template_id for r in robot_rows.values() if r.template_id]),
            Template.deleted_at.is_(None)))}
        trigger_list = [t for t in triggers.list_triggers(session, document_type)
                        if t.stage_id in stage_ids]
        columns = [{
            "stage": stage.to_dict(),
            "version": robot_rows[stage.stage_id].version if stage.stage_id in robot_rows else 0,
            "template_id": robot_rows[stage.stage_id].template_id
            if stage.stage_id in robot_rows else None,
            "robots": robot_rows[stage.stage_id].robots if stage.stage_id in robot_rows else [],
            "designer_edited": stage.stage_id in robot_rows and robots.designer_edited(
                robot_rows[stage.stage_id],
                stage_templates.get(robot_rows[stage.stage_id].template_id)),
            "triggers": [triggers.trigger_to_dict(t) for t in trigger_list
                         if t.stage_id == stage.stage_id],
        } for stage in stages]
        fields = [{"code": f.code, "title": f.title, "type": f.type}
                  for f in records.fields_of(session, document_type).values()]
    catalogue = [{"type": name, "title": rule.title, "group": rule.group,
                  "properties": rule.properties} for name, rule in CATALOGUE.items()]
    catalogue += [{"type": name, "title": name.replace("_", " ").capitalize(),
                   "group": "block", "properties": None}
                  for name in BLOCK_ROBOTS if name not in CATALOGUE]
    data = {"document_type": document_type, "category_id": category_id, "columns": columns,
            "schemas": robot_schemas(document_type, stage_ids),
            "catalogue": catalogue, "events": triggers.EVENT_TITLES,
            "event_settings": {e: list(s) for e, s in triggers.EVENTS.items()},
            "timing_modes": list(TIMING_MODES), "fields": fields,
            "can_update": right == "update"}
    return render_template("automation/pipeline.html", user=current_user(), pipeline=pipeline,
                           columns=columns, data=data, can_update=right == "update")


@bp.get("/automation/<document_type>/<int:category_id>/kanban")
@login_required
def kanban(document_type: str, category_id: int):
    if document_type not in pipelines.PIPELINE_TYPES:
        abort(404)
    field = pipelines.STAGE_FIELD[document_type]
    with read_transaction() as session:
        pipeline = _pipeline_or_404(session, document_type, category_id)
        stages = pipelines.list_stages(session, document_type, category_id)
        stage_ids = [s.stage_id for s in stages]
        rows = session.scalars(select(Record).where(
            Record.document_type == document_type,
            Record.fields[field].as_string().in_(stage_ids))
            .order_by(Record.id.desc()).limit(KANBAN_LIMIT))
        cards: dict[str, list[dict[str, Any]]] = {s: [] for s in stage_ids}
        for record in rows:
            cards[record.fields[field]].append({
                "id": record.id, "title": record.fields.get("TITLE") or
                f"{record.fields.get('NAME', '')} {record.fields.get('LAST_NAME', '')}".strip()
                or f"#{record.id}",
                "amount": record.fields.get("OPPORTUNITY"),
                "currency": record.fields.get("CURRENCY_ID")})
    return render_template("automation/kanban.html", user=current_user(), pipeline=pipeline,
                           stages=stages, cards=cards, field=field,
                           collection=records.COLLECTION_OF[document_type])


@bp.get("/automation/<document_type>/records/<int:record_id>")
@login_required
def record_page(document_type: str, record_id: int):
    if document_type not in records.COLLECTION_OF:
        abort(404)
    with read_transaction() as session:
        record = records.get_record(session, document_type, record_id)
        if record is None:
            abort(404)
        fields = record.to_fields()
        lines = history.record_history(session, document_type, record_id)
        items = [item.to_dict() for kind in ("invoice", "quote")
                 for item in invoices.list_items(session, record, kind)] \
            if document_type == "deal" else None
    return render_template("automation/record.html", user=current_user(),
                           document_type=document_type, record_id=record_id, fields=fields,
                           history=lines, items=items)
