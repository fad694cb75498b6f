"""Robots per stage: the version-checked list, its compiled template, and running it on entry.

Each stage with robots owns one stored template (disabled, no auto-start) holding the
compiled graph; saving the list saves a new version of it, so running instances keep the
version they started on and "edit in designer" opens an ordinary template.
When a record enters a stage (any path: API, UI, a process, a trigger), the robots instance
of the stage it left is terminated and the new stage's template starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.automation import Pipeline, StageRobotRun, StageRobots
from app.models.base import utcnow
from app.models.processes import FINISHED_STATUSES, Instance, Template
from app.models.records import Record
from app.services import (
    config_cache,
    history,
    invoices,  # noqa: F401  (registers the create_invoice block and call)
    pipelines,
    record_events,
    sms,  # noqa: F401  (registers the sms and delete_document calls)
    templates,
)
from app.services.instances import (
    TemplateKey,
    register_call_handler,
    start_instance,
    terminate_instance,
)
from app.services.record_events import Origin
from app.services.records import custom_fields, delete_record
from app.services.robots_compile import RobotError, compile_stage, normalise_robots


def _stage(session: Session, document_type: str, stage_id: str) -> Any:
    pipelines.check_pipeline_type(document_type)
    return pipelines.find_stage(session, document_type, stage_id)


def _row(session: Session, document_type: str, stage_id: str) -> StageRobots | None:
    return session.scalar(select(StageRobots).where(StageRobots.document_type == document_type,
                                                    StageRobots.stage_id == stage_id))


def _stage_template_row(session: Session, row: StageRobots | None) -> Template | None:
    template = session.get(Template, row.template_id) if row and row.template_id else None
    return template if template is not None and template.deleted_at is None else None


def designer_edited(row: StageRobots | None, template: Template | None) -> bool:
    """Whether the stage's template was saved from the designer after the robots compiled it
    (its current version is not the one the robot list produced); the stage runs that edit."""
    return (template is not None and row is not None and row.template_version is not None
            and template.version != row.template_version)


def _listing(row: StageRobots, template: Template | None) -> dict[str, Any]:
    return {"version": row.version, "robots": row.robots, "template_id": row.template_id,
            "designer_edited": designer_edited(row, template)}


def get_robots(session: Session, document_type: str, stage_id: str) -> dict[str, Any]:
    """GET .../robots: {"version", "robots", "designer_edited"}; never saved: version 0."""
    _stage(session, document_type, stage_id)
    row = _row(session, document_type, stage_id)
    if row is None:
        return {"version": 0, "robots": [], "template_id": None, "designer_edited": False}
    return _listing(row, _stage_template_row(session, row))


def _details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"robot": e.get("robot"), "field": e.get("field"), "code": e.get("code"),
             "message": e.get("message")} for e in errors]


def _template_errors_to_robots(details: list[Any], robots: list[dict[str, Any]]
                               ) -> list[dict[str, Any]]:
    """Name the robot and field of each interpreter error of the compiled graph."""
    ids = sorted((r["id"] for r in robots), key=len, reverse=True)
    result = []
    for error in details:
        error = error if isinstance(error, dict) else {"message": str(error)}
        node = error.get("node") or ""
        robot = next((rid for rid in ids if node == rid or node.startswith(rid + "_")), None)
        path = str(error.get("path") or "")
        parts = path.split("/")
        field = "properties"
        if len(parts) > 3 and parts[3] == "properties":
            field = ".".join(["properties", *parts[4:]])
        if node.endswith("_if"):
            field = "condition"
        elif node.endswith("_timing") or node.endswith("_has_date"):
            field = "timing"
        message = error.get("message", "invalid")
        result.append({"robot": robot, "field": field, "code": error.get("code"),
                       "message": f"robot {robot or '?'}: {field}: {message}"})
    return result


def _check_pipelines(session: Session, robots: list[dict[str, Any]]) -> None:
    """A deal made from a lead goes to a pipeline that exists (the host would refuse it at
    run time, failing the whole stage run)."""
    errors = []
    for robot in robots:
        category = (robot["properties"] or {}).get("category_id") \
            if robot["type"] == "create_from_source" else None
        if category in (None, "") or (isinstance(category, str) and "{=" in category):
            continue
        text = str(category).strip()
        known = text.isdigit() and len(text) < 10 and session.scalar(
            select(Pipeline.id).where(Pipeline.document_type == "deal",
                                      Pipeline.category_id == int(text))) is not None
        if not known:
            errors.append({"robot": robot["id"], "field": "properties.category_id",
                           "code": "invalid_value",
                           "message": f"robot {robot['id']}: properties.category_id: deal "
                                      f"pipeline {category!r} does not exist"})
    if errors:
        raise ApiError(400, "invalid_robots", "; ".join(e["message"] for e in errors), errors)


def compile_robots(session: Session, document_type: str, stage_id: str,
                   robots: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Normalised robots and their template; a 400 naming robot and field when invalid."""
    stage = _stage(session, document_type, stage_id)
    try:
        normalised = normalise_robots(robots, document_type, custom_fields(session, document_type))
        body = compile_stage(normalised, document_type, stage_id, stage.name)
    except RobotError as error:
        raise ApiError(400, "invalid_robots", str(error), _details(error.errors)) from None
    _check_pipelines(session, normalised)
    try:
        templates.compile_body(session, body)
    except ApiError as error:
        details = _template_errors_to_robots(error.details, normalised)
        raise ApiError(400, "invalid_robots",
                       "; ".join(d["message"] for d in details) or error.message,
                       details) from None
    return normalised, body


def save_robots(session: Session, document_type: str, stage_id: str, version: Any,
                robots: Any, actor: int | None,
                discard_designer_edits: Any = False) -> dict[str, Any]:
    """PUT .../robots: replace the list when `version` is current (409 otherwise).

    When the stage's template was edited in the designer, saving the list would replace that
    edit: it needs `discard_designer_edits: true`, else 409 `designer_edits`.
    """
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApiError(400, "invalid_version",
                       "'version' must be the integer version you edited (from GET)",
                       [{"field": "version", "message": "an integer is required"}])
    if not isinstance(discard_designer_edits, bool):
        raise ApiError(400, "invalid_value", "discard_designer_edits: must be true or false",
                       [{"field": "discard_designer_edits",
                         "message": "must be true or false"}])
    row = _row(session, document_type, stage_id)
    current = row.version if row is not None else 0
    if version != current:
        raise ApiError(409, "version_conflict",
                       f"the robots of {document_type} stage {stage_id} are at version "
                       f"{current}, not {version}: reload and retry",
                       [{"current_version": current}])
    template = _stage_template_row(session, row)
    if designer_edited(row, template) and not discard_designer_edits:
        raise ApiError(409, "designer_edits",
                       f"the robots of {document_type} stage {stage_id} were edited in the "
                       f"designer (template {template.id}, version {template.version}); "
                       "saving the robot list replaces those edits: send "
                       '"discard_designer_edits": true to do so',
                       [{"stage_id": stage_id, "template_id": template.id,
                         "template_version": template.version}])
    normalised, body = compile_robots(session, document_type, stage_id, robots)
    if row is None:
        row = StageRobots(document_type=document_type, stage_id=stage_id, version=0, robots=[])
        session.add(row)
    if template is None:
        template = templates.create_template(session, body, actor, enabled=False)
        row.template_id = template.id
    else:
        templates.save_template(session, template, template.version, body, actor)
    row.version = current + 1
    row.robots = normalised
    row.template_version = template.version
    row.updated_at = utcnow()
    session.flush()
    return _listing(row, template)


def stage_template(session: Session, document_type: str, stage_id: str) -> dict[str, Any]:
    """GET .../template: the graph the stage runs: its robots compiled, or the designer's
    edit of them when there is one."""
    stage = _stage(session, document_type, stage_id)
    row = _row(session, document_type, stage_id)
    template = _stage_template_row(session, row)
    if designer_edited(row, template):
        return templates.template_body(session, template)
    return compile_stage(row.robots if row else [], document_type, stage_id, stage.name)


# --- running --------------------------------------------------------------------------------

def _cancel_runs(session: Session, record: Record, origin: Origin, reason: str) -> None:
    """Terminate the robots instance of the stage the record leaves, if one still runs."""
    runs = session.scalars(select(StageRobotRun).where(
        StageRobotRun.document_type == record.document_type,
        StageRobotRun.document_id == record.id, StageRobotRun.status == "running"))
    for run in runs:
        run.status = "left"
        # The instance that moved the record ends itself (change_stage robots end with
        # `terminated`); cancelling it in the middle of its own step would lose that step.
        if run.instance_id is None or (origin.kind == "process" and origin.id == run.instance_id):
            continue
        instance = session.get(Instance, run.instance_id)
        if instance is None or instance.status in FINISHED_STATUSES:
            continue
        terminate_instance(session, instance)
        history.add_entry(session, record.document_type, record.id, "cancelled",
                          f"robots of stage {run.stage_id} {reason}",
                          data={"instance_id": instance.id, "stage": run.stage_id})


def _start_stage(session: Session, record: Record, stage_id: str,
                 actor: int | None) -> list[int]:
    template = config_cache.cached(session, ("stage_robots", record.document_type, stage_id),
                                   lambda s: _stage_template(s, record.document_type, stage_id))
    if template is None:
        return []
    instance = start_instance(session, template, record, actor=actor)
    # Only stages with robots leave a run row: it is what leaving the stage cancels.
    session.add(StageRobotRun(document_type=record.document_type, document_id=record.id,
                              stage_id=stage_id, instance_id=instance.id, status="running"))
    return [instance.id]


_ROBOTS = StageRobots.__table__
_TEMPLATES = Template.__table__
# The stage's template as it is now: a designer edit of it runs (unless it was deleted or
# switched to another document type there).
_STAGE_ROBOTS = select(_ROBOTS.c.template_id, _ROBOTS.c.robots,
                       _ROBOTS.c.template_version.label("compiled_version"),
                       _TEMPLATES.c.version).join(
    _TEMPLATES, _TEMPLATES.c.id == _ROBOTS.c.template_id).where(
    _ROBOTS.c.document_type == bindparam("document_type"),
    _ROBOTS.c.stage_id == bindparam("stage_id"), _TEMPLATES.c.deleted_at.is_(None),
    _TEMPLATES.c.document_type == _ROBOTS.c.document_type)


def _stage_template(session: Session, document_type: str, stage_id: str) -> TemplateKey | None:
    """The template a stage's robots run as, or None when the stage has nothing to run."""
    found = session.connection().execute(_STAGE_ROBOTS, {
        "document_type": document_type, "stage_id": stage_id}).first()
    if found is None or not (found.robots or found.compiled_version not in (None, found.version)):
        return None   # no robots, and no designer edit of the (empty) list either
    return TemplateKey(found.template_id, found.version)


def enter_stage(session: Session, record: Record, stage_id: str, actor: int | None,
                origin: Origin, left: str | None = None, new: bool = False) -> list[int]:
    """The record is now in `stage_id` (from `left`): cancel the old robots, start the new."""
    if not new:
        _cancel_runs(session, record, origin, f"cancelled: the record moved on to {stage_id}")
        history.record_stage_change(session, record, left, stage_id, actor, origin)
    started = _start_stage(session, record, stage_id, actor)
    if started or not new:
        session.flush()
    return started


_OLD_STAGES = "bizflow.stage_before_update"


@record_events.on_record_validating
def _remember_old_stage(session: Session, document_type: str, values: dict[str, Any],
                        changes: dict[str, Any], record: Record | None) -> None:
    """Keep the stage a record leaves (listeners only see the new values)."""
    field = pipelines.STAGE_FIELD.get(document_type)
    if record is not None and field in changes:
        session.info.setdefault(_OLD_STAGES, {})[record.id] = record.fields.get(field)


@record_events.on_record_created
def _robots_on_create(session: Session, record: Record, changes: dict[str, Any],
                      actor: int | None, origin: Origin) -> list[int]:
    field = pipelines.STAGE_FIELD.get(record.document_type)
    stage_id = record.fields.get(field) if field else None
    if not stage_id:
        return []
    return enter_stage(session, record, stage_id, actor, origin, new=True)


@record_events.on_record_updated
def _robots_on_update(session: Session, record: Record, changes: dict[str, Any],
                      actor: int | None, origin: Origin) -> list[int]:
    field = pipelines.STAGE_FIELD.get(record.document_type)
    if not field or field not in changes or not changes[field]:
        return []
    left = session.info.get(_OLD_STAGES, {}).pop(record.id, None)
    if record.fields.get(field) != changes[field]:
        return []   # a listener (a trigger) already moved the record on: that move counts
    return enter_stage(session, record, changes[field], actor, origin, left)


@record_events.on_record_deleted
def _robots_on_delete(session: Session, record: Record, actor: int | None,
                      origin: Origin) -> None:
    if record.document_type in pipelines.STAGE_FIELD:
        _cancel_runs(session, record, origin, "cancelled: the record was deleted")


def _delete_document(session: Session, instance: Instance, record: Record,
                     request: Mapping[str, Any]) -> dict[str, Any]:
    """The `delete_document` call of the "delete record" robot."""
    delete_record(session, record, instance.started_by, Origin.process(instance.id))
    return {}


register_call_handler("delete_document", _delete_document)
