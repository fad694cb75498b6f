"""Pipelines and stages: defaults, lookups used by the record service, and editing rules."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.automation import Pipeline, PipelineStage, StageRobots, Trigger
from app.models.records import Record
from app.services import config_cache, record_events
from interpreter.fields import DEFAULT_DEAL_STAGES, DEFAULT_LEAD_STATUSES, FieldValueError

PIPELINE_TYPES = ("lead", "deal")
SEMANTICS = ("process", "success", "failure")
STAGE_FIELD = {"lead": "STATUS_ID", "deal": "STAGE_ID"}
_STAGE_SUFFIX = re.compile(r"^[A-Z][A-Z0-9_]{0,47}$")
_SORT_STEP = 10


def stage_prefix(category_id: int) -> str:
    """Deal stages of pipeline N are `C{N}:...` so that stage ids are unique across pipelines."""
    return "" if category_id == 0 else f"C{category_id}:"


def check_pipeline_type(document_type: str) -> None:
    if document_type not in PIPELINE_TYPES:
        raise ApiError(404, "not_found",
                       f"'{document_type}' has no pipeline; pipelines exist for lead and deal")


# --- defaults -----------------------------------------------------------------------------

def _add_pipeline(session: Session, document_type: str, category_id: int, name: str,
                  stages: tuple[tuple[str, str, str], ...]) -> Pipeline:
    pipeline = Pipeline(document_type=document_type, category_id=category_id, name=name,
                        sort=category_id * _SORT_STEP)
    session.add(pipeline)
    prefix = stage_prefix(category_id)
    for index, (code, name_, semantics) in enumerate(stages, start=1):
        session.add(PipelineStage(document_type=document_type, category_id=category_id,
                                  stage_id=prefix + code, name=name_,
                                  sort=index * _SORT_STEP, semantics=semantics))
    return pipeline


def seed_default_pipelines(session: Session) -> None:
    """Create the default lead statuses and deal pipeline 0 if the type has none (idempotent)."""
    existing = set(session.scalars(select(Pipeline.document_type).distinct()))
    if "lead" not in existing:
        _add_pipeline(session, "lead", 0, "Leads", DEFAULT_LEAD_STATUSES)
    if "deal" not in existing:
        _add_pipeline(session, "deal", 0, "General", DEFAULT_DEAL_STAGES)
    session.flush()


# --- lookups ------------------------------------------------------------------------------

def get_stage(session: Session, document_type: str, stage_id: str) -> PipelineStage | None:
    """The stage `stage_id` of `document_type`, or None."""
    return session.scalar(select(PipelineStage).where(
        PipelineStage.document_type == document_type, PipelineStage.stage_id == stage_id))


def stage_exists(session: Session, document_type: str, stage_id: str) -> bool:
    """True when `stage_id` is a stage of `document_type` (any deal pipeline for deals)."""
    return get_stage(session, document_type, stage_id) is not None


def stage_category(session: Session, document_type: str, stage_id: str) -> int | None:
    """The pipeline (CATEGORY_ID) a stage belongs to, or None for an unknown stage."""
    stage = get_stage(session, document_type, stage_id)
    return None if stage is None else stage.category_id


def list_stages(session: Session, document_type: str,
                category_id: int | None = 0) -> list[PipelineStage]:
    """Stages of a pipeline in order (category None: every pipeline of the type)."""
    query = select(PipelineStage).where(PipelineStage.document_type == document_type)
    if category_id is not None:
        query = query.where(PipelineStage.category_id == category_id)
    return list(session.scalars(query.order_by(PipelineStage.category_id,
                                               PipelineStage.sort, PipelineStage.id)))


def default_stage(session: Session, document_type: str, category_id: int = 0) -> str | None:
    """The first stage of a pipeline: where a new record starts when none is given."""
    # Runs on every new lead and deal: cached until the stages change.
    return config_cache.cached(
        session, ("default_stage", document_type, category_id),
        lambda s: s.connection().execute(_DEFAULT_STAGE, {
            "document_type": document_type, "category_id": category_id}).scalar())


_STAGES = PipelineStage.__table__
_DEFAULT_STAGE = select(_STAGES.c.stage_id).where(
    _STAGES.c.document_type == bindparam("document_type"),
    _STAGES.c.category_id == bindparam("category_id")).order_by(
    _STAGES.c.sort, _STAGES.c.id).limit(1)


def stage_order(session: Session, document_type: str, stage_a: str, stage_b: str) -> int:
    """-1, 0 or 1: whether stage_a is below, equal to or above stage_b in their pipeline.

    Stages of different deal pipelines are not ordered against each other; they compare as
    "below" so that a trigger may bring a deal into its pipeline.
    """
    if stage_a == stage_b:
        return 0
    a = get_stage(session, document_type, stage_a)
    b = get_stage(session, document_type, stage_b)
    if a is None or b is None or a.category_id != b.category_id:
        return -1
    key_a, key_b = (a.sort, a.id), (b.sort, b.id)
    return -1 if key_a < key_b else 1


def stages_between(session: Session, document_type: str, low: str, high: str) -> list[str]:
    """Stage ids strictly between two stages of one pipeline (the ones a jump passes over)."""
    a, b = get_stage(session, document_type, low), get_stage(session, document_type, high)
    if a is None or b is None or a.category_id != b.category_id:
        return []
    lo, hi = sorted([(a.sort, a.id), (b.sort, b.id)])
    return [s.stage_id for s in list_stages(session, document_type, a.category_id)
            if lo < (s.sort, s.id) < hi]


# --- reading ------------------------------------------------------------------------------

def pipeline_view(session: Session, document_type: str) -> dict[str, Any]:
    """GET /pipelines/{type}: lead {"stages"}, deal {"categories": [{id, name, stages}]}."""
    check_pipeline_type(document_type)
    if document_type == "lead":
        return {"stages": [s.to_dict() for s in list_stages(session, "lead")]}
    pipelines = session.scalars(select(Pipeline).where(Pipeline.document_type == "deal")
                                .order_by(Pipeline.sort, Pipeline.category_id))
    stages = list_stages(session, "deal", None)
    return {"categories": [
        {"id": p.category_id, "name": p.name,
         "stages": [s.to_dict() for s in stages if s.category_id == p.category_id]}
        for p in pipelines]}


def get_pipeline(session: Session, document_type: str, category_id: int) -> Pipeline:
    check_pipeline_type(document_type)
    pipeline = session.scalar(select(Pipeline).where(Pipeline.document_type == document_type,
                                                     Pipeline.category_id == category_id))
    if pipeline is None:
        raise ApiError(404, "not_found", f"{document_type} pipeline {category_id} does not exist")
    return pipeline


# --- editing ------------------------------------------------------------------------------

def _records_in_stage(session: Session, document_type: str, stage_ids: list[str]) -> int:
    field = Record.fields[STAGE_FIELD[document_type]].as_string()
    return session.scalar(select(func.count(Record.id)).where(
        Record.document_type == document_type, field.in_(stage_ids))) or 0


def _text(body: dict[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise ApiError(400, "invalid_stage", f"'{key}' must be a non-empty string (max 255)",
                       [{"field": key, "message": "required non-empty string"}])
    return value.strip()


def _semantics(body: dict[str, Any]) -> str | None:
    value = body.get("semantics")
    if value is not None and value not in SEMANTICS:
        raise ApiError(400, "invalid_stage", f"'semantics' must be one of {', '.join(SEMANTICS)}",
                       [{"field": "semantics", "message": f"got {value!r}"}])
    return value


def _sort(body: dict[str, Any]) -> int | None:
    value = body.get("sort")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ApiError(400, "invalid_stage", "'sort' must be an integer",
                       [{"field": "sort", "message": f"got {value!r}"}])
    return value


def _new_stage_id(session: Session, document_type: str, category_id: int,
                  body: dict[str, Any], name: str) -> str:
    prefix = stage_prefix(category_id)
    given = body.get("id")
    if given is not None:
        if not isinstance(given, str):
            raise ApiError(400, "invalid_stage", "'id' must be a string",
                           [{"field": "id", "message": f"got {given!r}"}])
        suffix = given[len(prefix):] if prefix and given.startswith(prefix) else given
        if not _STAGE_SUFFIX.match(suffix):
            raise ApiError(400, "invalid_stage",
                           "'id' must be upper-case letters, digits and _ (e.g. CALLED_BACK)",
                           [{"field": "id", "message": f"got {given!r}"}])
    else:
        suffix = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")[:40] or "STAGE"
        if not suffix[0].isalpha():
            suffix = "S_" + suffix
        base, n = suffix, 1
        while stage_exists(session, document_type, prefix + suffix):
            n += 1
            suffix = f"{base}_{n}"
    stage_id = prefix + suffix
    if stage_exists(session, document_type, stage_id):
        raise ApiError(409, "stage_exists", f"stage '{stage_id}' already exists",
                       [{"field": "id", "message": "already exists"}])
    return stage_id


def _check_one_success(session: Session, document_type: str, category_id: int) -> None:
    stages = list_stages(session, document_type, category_id)
    successes = [s.stage_id for s in stages if s.semantics == "success"]
    if len(successes) != 1:
        raise ApiError(400, "invalid_pipeline",
                       f"a pipeline has exactly one success stage; this edit leaves "
                       f"{len(successes)} ({', '.join(successes) or 'none'})")
    if not any(s.semantics == "process" for s in stages):
        raise ApiError(400, "invalid_pipeline", "a pipeline needs at least one process stage")


def add_stage(session: Session, document_type: str, category_id: int,
              body: dict[str, Any]) -> PipelineStage:
    """Add a stage to a pipeline; without `sort` it goes after the last process stage."""
    get_pipeline(session, document_type, category_id)
    name = _text(body, "name", required=True)
    semantics = _semantics(body) or "process"
    sort = _sort(body)
    stage_id = _new_stage_id(session, document_type, category_id, body, name)
    stages = list_stages(session, document_type, category_id)
    if sort is None:
        # New stages go after the last stage of their kind: process stages before the final ones.
        same = [s for s in stages if s.semantics == semantics] or stages
        sort = (same[-1].sort + 1) if same else _SORT_STEP
        for later in stages:
            if later.sort >= sort and later not in same:
                later.sort += _SORT_STEP
    stage = PipelineStage(document_type=document_type, category_id=category_id,
                          stage_id=stage_id, name=name, sort=sort, semantics=semantics)
    session.add(stage)
    session.flush()
    _check_one_success(session, document_type, category_id)
    return stage


def find_stage(session: Session, document_type: str, stage_id: str,
               category_id: int | None = None) -> PipelineStage:
    check_pipeline_type(document_type)
    stage = get_stage(session, document_type, stage_id)
    if stage is None or (category_id is not None and stage.category_id != category_id):
        raise ApiError(404, "not_found", f"{document_type} stage '{stage_id}' does not exist")
    return stage


def update_stage(session: Session, document_type: str, stage_id: str,
                 body: dict[str, Any], category_id: int | None = None) -> PipelineStage:
    """Rename, re-sort or change the semantics of a stage (its id never changes)."""
    stage = find_stage(session, document_type, stage_id, category_id)
    unknown = set(body) - {"id", "name", "sort", "semantics"}
    if unknown:
        raise ApiError(400, "invalid_stage",
                       f"unknown stage properties: {', '.join(sorted(unknown))}",
                       [{"field": key, "message": "unknown"} for key in sorted(unknown)])
    if body.get("id") not in (None, stage_id):
        raise ApiError(400, "invalid_stage", "a stage's id cannot be changed",
                       [{"field": "id", "message": "read-only"}])
    name = _text(body, "name", required=False)
    semantics, sort = _semantics(body), _sort(body)
    if name is not None:
        stage.name = name
    if sort is not None:
        stage.sort = sort
    if semantics is not None:
        stage.semantics = semantics
    session.flush()
    _check_one_success(session, document_type, stage.category_id)
    return stage


def delete_stage(session: Session, document_type: str, stage_id: str,
                 category_id: int | None = None) -> None:
    """Delete an empty stage with its robots and triggers; 409 while records are in it."""
    stage = find_stage(session, document_type, stage_id, category_id)
    in_use = _records_in_stage(session, document_type, [stage_id])
    if in_use:
        raise ApiError(409, "stage_in_use",
                       f"{in_use} {document_type}(s) are in stage '{stage_id}'; move them first")
    session.delete(stage)
    session.execute(delete(StageRobots).where(StageRobots.document_type == document_type,
                                              StageRobots.stage_id == stage_id))
    session.execute(delete(Trigger).where(Trigger.document_type == document_type,
                                          Trigger.stage_id == stage_id))
    session.flush()
    _check_one_success(session, document_type, stage.category_id)


def add_deal_pipeline(session: Session, body: dict[str, Any]) -> Pipeline:
    """A new deal pipeline (CATEGORY_ID max+1) with the default stages, prefixed `C{N}:`."""
    name = _text(body, "name", required=True)
    last = session.scalar(select(func.max(Pipeline.category_id))
                          .where(Pipeline.document_type == "deal")) or 0
    pipeline = _add_pipeline(session, "deal", last + 1, name, DEFAULT_DEAL_STAGES)
    session.flush()
    return pipeline


def rename_pipeline(session: Session, document_type: str, category_id: int,
                    body: dict[str, Any]) -> Pipeline:
    pipeline = get_pipeline(session, document_type, category_id)
    pipeline.name = _text(body, "name", required=True)
    return pipeline


def delete_deal_pipeline(session: Session, category_id: int) -> None:
    """Delete a deal pipeline other than 0; 409 while deals are in any of its stages."""
    pipeline = get_pipeline(session, "deal", category_id)
    if category_id == 0:
        raise ApiError(409, "pipeline_in_use", "the default deal pipeline (0) cannot be deleted")
    stage_ids = [s.stage_id for s in list_stages(session, "deal", category_id)]
    in_use = _records_in_stage(session, "deal", stage_ids)
    if in_use:
        raise ApiError(409, "pipeline_in_use",
                       f"{in_use} deal(s) are in pipeline {category_id}; move them first")
    for model in (StageRobots, Trigger):
        session.execute(delete(model).where(model.document_type == "deal",
                                            model.stage_id.in_(stage_ids)))
    session.execute(delete(PipelineStage).where(PipelineStage.document_type == "deal",
                                                PipelineStage.category_id == category_id))
    session.delete(pipeline)
    session.flush()


# --- record validation (registered with app.services.record_events) ------------------------

def _category_value(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FieldValueError("invalid_value", "CATEGORY_ID",
                              f"CATEGORY_ID must be a pipeline number, got {value!r}") from None


def check_record_stage(session: Session, document_type: str, values: dict[str, Any],
                       changes: dict[str, Any], record: Any) -> dict[str, Any] | None:
    """STATUS_ID/STAGE_ID must be a stage of the pipeline; a new record starts in the first."""
    field = STAGE_FIELD.get(document_type)
    if field is None:
        return None
    creating = record is None
    if not creating and field not in changes and "CATEGORY_ID" not in changes:
        return None
    extra: dict[str, Any] = {}
    stage_id = values.get(field)
    if document_type == "lead":
        if stage_id is None:
            first = default_stage(session, "lead")
            return {field: first} if first is not None and (creating or field in changes) \
                else None
        if not stage_exists(session, "lead", stage_id):
            raise FieldValueError("unknown_stage", field,
                                  f"STATUS_ID: '{stage_id}' is not a lead status")
        return None
    category = _category_value(values.get("CATEGORY_ID"))
    stage_given = field in changes or (creating and stage_id is not None)
    if stage_given and stage_id is not None:
        stage_cat = stage_category(session, "deal", stage_id)
        if stage_cat is None:
            raise FieldValueError("unknown_stage", field,
                                  f"STAGE_ID: '{stage_id}' is not a stage of any deal pipeline")
        if "CATEGORY_ID" in changes and category is not None and category != stage_cat:
            raise FieldValueError(
                "unknown_stage", field,
                f"STAGE_ID: '{stage_id}' belongs to pipeline {stage_cat}, not {category}")
        if values.get("CATEGORY_ID") != str(stage_cat):
            # CATEGORY_ID is a `string` field (SPEC 2), so its canonical form is "1".
            extra["CATEGORY_ID"] = str(stage_cat)
        return extra or None
    # A new deal, or one moved to another pipeline: it starts in that pipeline's first stage.
    category = category or 0
    first = default_stage(session, "deal", category)
    if first is None:
        raise FieldValueError("unknown_category", "CATEGORY_ID",
                              f"CATEGORY_ID: deal pipeline {category} does not exist")
    if creating or stage_category(session, "deal", stage_id or "") != category:
        extra[field] = first
    if values.get("CATEGORY_ID") != str(category):
        extra["CATEGORY_ID"] = str(category)
    return extra or None


record_events.on_record_validating(check_record_stage)
