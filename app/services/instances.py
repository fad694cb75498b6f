"""Instances: start, resume and terminate; one run step applied in the caller's transaction.

A run step is all or nothing: its document changes (through records.update_record, with the
instance as origin), the waits and the answered `call` waits happen inside one SAVEPOINT, the
outbox messages and the instance's new state right after it. When a block fails or the
records service refuses a change, the savepoint is rolled back and only the instance
(status `failed`, its error and log) is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from app.api.errors import ApiError
from app.db import driver_connection
from app.driver_statements import DriverStatement
from app.models.base import as_loaded, utcnow
from app.models.processes import (
    FINISHED_STATUSES,
    INSTANCE_STATUSES,
    Instance,
    InstanceLogEntry,
    Template,
    Wait,
)
from app.models.records import Record
from app.services import outbox, records
from app.services.directory import Directory
from app.services.record_events import Origin
from app.services.templates import compiled_template
from interpreter import Context, TemplateError, resume, start
from interpreter.fields import FieldValueError

# A process that creates documents which start processes that create documents...: the
# chain is cut (the instance fails) at this depth instead of recursing forever.
MAX_NESTED_STARTS = 16
STAGE_FIELDS = {"lead": "STATUS_ID", "deal": "STAGE_ID"}
_EVENTS = "bizflow.instance_events"
_DEPTH = "bizflow.start_depth"
_INSTANCES = Instance.__table__
_INSERT_INSTANCE = DriverStatement(insert(_INSTANCES).returning(_INSTANCES.c.id), (
    "template_id", "template_version", "document_type", "document_id", "status", "state",
    "current_nodes", "variables", "parameters", "error", "started_by", "started_at",
    "finished_at", "updated_at", "steps", "lock_version"))
_UPDATE_INSTANCE = DriverStatement(update(_INSTANCES).where(
    _INSTANCES.c.id == bindparam("b_id"), _INSTANCES.c.lock_version == bindparam("b_version")),
    ("steps", "status", "state", "variables", "current_nodes", "error", "updated_at",
     "finished_at", "lock_version", "b_id", "b_version"))
_INSERT_LOG = DriverStatement(insert(InstanceLogEntry.__table__),
                              ("instance_id", "at", "node", "type", "message"))
_FIRST_STEP_END = "bizflow.first_step_end"

# action -> handler(session, instance, record, request) -> data answered to the call wait
CallHandler = Callable[[Session, Instance, Record, Mapping[str, Any]], dict[str, Any]]
CALL_HANDLERS: dict[str, CallHandler] = {}


def register_call_handler(action: str, handler: CallHandler) -> None:
    """Answer `call` waits of `action` (e.g. "create_task") with `handler`."""
    CALL_HANDLERS[action] = handler


# Durable execution hooks, run in the step's transaction: a wait row was written (tasks are
# created for `task` waits), an instance ended (its timers and tasks are cancelled, a parent
# waiting for it is woken).
WaitListener = Callable[[Session, Instance, Wait], None]
FinishListener = Callable[[Session, Instance], None]
WAIT_LISTENERS: dict[str, list[WaitListener]] = {}
FINISH_LISTENERS: list[FinishListener] = []


def on_wait_opened(kind: str, listener: WaitListener) -> None:
    """Call `listener(session, instance, wait)` whenever a wait of `kind` is written."""
    WAIT_LISTENERS.setdefault(kind, []).append(listener)


def on_instance_finished(listener: FinishListener) -> None:
    """Call `listener(session, instance)` when an instance completes, terminates or fails."""
    FINISH_LISTENERS.append(listener)


def _finished(session: Session, instance: Instance, first_step: bool = False) -> None:
    outer = session.info.get(_FIRST_STEP_END)
    session.info[_FIRST_STEP_END] = instance.id if first_step else None
    try:
        for listener in FINISH_LISTENERS:
            listener(session, instance)
    finally:
        session.info[_FIRST_STEP_END] = outer


def ended_in_first_step(session: Session, instance: Instance) -> bool:
    """For finish listeners: the instance ended in the very step that started it.

    Nothing can wait for it then (a parent writes its `child` wait only after the start
    returned, and checks the child's status itself), so a listener may skip its queries.
    """
    return session.info.get(_FIRST_STEP_END) == instance.id


class _StepFailed(Exception):
    def __init__(self, node: str | None, message: str, log: list[dict[str, Any]] | None = None,
                 state: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.message = message
        self.log = log or []
        self.state = state


# --- starting -----------------------------------------------------------------------------

def check_parameters(session: Session, template: Template, parameters: Any) -> dict[str, Any]:
    """Start parameters coerced to their types; a 400 naming the parameter otherwise."""
    tpl = compiled_template(session, template.id, template.version)
    try:
        return tpl.check_parameters(parameters)
    except TemplateError as error:
        raise ApiError(400, "invalid_parameters", str(error), error.errors) from None


class TemplateRef(Protocol):
    """What starting needs of a template: a Template row, or any (id, version) pair."""

    id: int
    version: int


class TemplateKey(NamedTuple):
    """A TemplateRef as plain data (what configuration caches keep)."""

    id: int
    version: int


def start_instance(session: Session, template: TemplateRef, record: Record,
                   parameters: Mapping[str, Any] | None = None, actor: int | None = None,
                   changed_fields: Iterable[str] = ()) -> Instance:
    """Start one instance of the template's current version on `record` and run its first step.

    Runs in the caller's transaction; the instance may end `completed`, `waiting` or `failed`
    (a bad parameter of an auto-started template fails the instance, it never raises).
    """
    tpl = compiled_template(session, template.id, template.version)
    now = utcnow()
    try:
        checked, bad = tpl.check_parameters(parameters), None
    except TemplateError as error:
        checked, bad = {}, error
    instance = _insert_instance(session, {
        "template_id": template.id, "template_version": template.version,
        "document_type": record.document_type, "document_id": record.id,
        "status": "running", "state": {}, "current_nodes": [], "variables": {},
        "parameters": checked, "error": None, "started_by": actor, "started_at": now,
        "finished_at": None, "updated_at": now, "steps": 0, "lock_version": 1})
    if bad is not None:
        _store_failure(session, instance, _StepFailed(None, str(bad)), [], now)
        return instance
    depth = session.info.get(_DEPTH, 0)
    if depth >= MAX_NESTED_STARTS:
        _store_failure(session, instance, _StepFailed(
            None, f"more than {MAX_NESTED_STARTS} processes started each other in one "
                  "chain; stopped to avoid an endless loop"), [], now)
        return instance
    session.info[_DEPTH] = depth + 1
    try:
        ctx = _context(session, tpl, instance, record, changed_fields, now)
        _advance(session, tpl, instance, record, start(tpl, ctx), ctx, first_step=True)
    finally:
        session.info[_DEPTH] = depth
    return instance


def _insert_instance(session: Session, values: dict[str, Any]) -> Instance:
    # A Core INSERT (no unit-of-work flush of the whole session) and the object attached as
    # if loaded: the step's changes then go out as the usual versioned UPDATE.
    instance_id = _INSERT_INSTANCE.execute(session, values).fetchone()[0]
    instance = as_loaded(Instance, {"id": instance_id, **values})
    session.add(instance)
    return instance


def resume_instance(session: Session, instance: Instance, token: Any,
                    data: Mapping[str, Any] | None = None) -> Instance:
    """Answer one waiting token of an instance and run the next step (durable execution).

    The caller loaded `instance` in this transaction; the wait row of `token` is marked
    answered. An instance that is not waiting is left alone (a late or duplicate answer).
    """
    if instance.status != "waiting":
        return instance
    wait = session.scalar(select(Wait).where(Wait.instance_id == instance.id,
                                             Wait.token == str(token), Wait.state == "open"))
    if wait is None:
        return instance
    now = utcnow()
    wait.state = "answered"
    wait.answered_at = now
    wait.response = dict(data or {})
    tpl = compiled_template(session, instance.template_id, instance.template_version)
    record = records.get_record(session, instance.document_type, instance.document_id,
                                for_update=True)
    if record is None:
        _store_failure(session, instance, _StepFailed(
            wait.node, f"the {instance.document_type} {instance.document_id} was deleted"),
            [], now)
        return instance
    ctx = _context(session, tpl, instance, record, (), now)
    answer = {"token": _token_value(token), "data": dict(data or {})}
    step = resume(tpl, instance.state, ctx, answer)
    _advance(session, tpl, instance, record, step, ctx)
    return instance


def continue_instance(session: Session, instance: Instance,
                      event: Mapping[str, Any] | None = None) -> Instance:
    """Run a failed instance's step again from its stored state (retry after a fix).

    The failed step left no changes, so running it again from the last committed state is
    "retry from the failed block". `event` re-answers the wait whose answer failed.
    """
    now = utcnow()
    tpl = compiled_template(session, instance.template_id, instance.template_version)
    record = records.get_record(session, instance.document_type, instance.document_id,
                                for_update=True)
    if record is None:
        _store_failure(session, instance, _StepFailed(
            None, f"the {instance.document_type} {instance.document_id} was deleted"), [], now)
        return instance
    instance.status = "running"
    instance.error = None
    instance.finished_at = None
    ctx = _context(session, tpl, instance, record, (), now)
    if not instance.state:
        step = start(tpl, ctx)   # failed before its first step (e.g. a bad parameter)
    else:
        step = resume(tpl, instance.state, ctx, dict(event) if event else None)
    _advance(session, tpl, instance, record, step, ctx)
    return instance


def fail_instance(session: Session, instance: Instance, node: str | None, message: str) -> None:
    """Mark an instance failed from outside a step (e.g. its webhook could not be delivered)."""
    _store_failure(session, instance, _StepFailed(node, message), [], utcnow())


def terminate_instance(session: Session, instance: Instance) -> Instance:
    """Stop an instance: status `terminated`, its open waits cancelled (409 when it ended)."""
    if instance.status in FINISHED_STATUSES:
        raise ApiError(409, "instance_finished",
                       f"instance {instance.id} already ended ({instance.status})")
    now = utcnow()
    session.execute(update(Wait).where(Wait.instance_id == instance.id, Wait.state == "open")
                    .values(state="cancelled", answered_at=now)
                    .execution_options(synchronize_session=False))
    instance.status = "terminated"
    instance.current_nodes = []
    instance.finished_at = now
    instance.updated_at = now
    session.add(InstanceLogEntry(instance_id=instance.id, at=now, node=None, type="terminate",
                                 message="terminated by a user"))
    session.flush()
    _finished(session, instance)
    _queue_event(session, instance)
    return instance


# --- one run step -------------------------------------------------------------------------

def _token_value(token: Any) -> Any:
    # Tokens are ints in the interpreter's state and strings in the waits table.
    return int(token) if isinstance(token, str) and token.isdigit() else token


def _context(session: Session, tpl: Any, instance: Instance, record: Record,
             changed_fields: Iterable[str], now: datetime) -> Context:
    return Context(record.to_fields(), document_type=record.document_type,
                   parameters=instance.parameters, instance_id=instance.id,
                   started_by=instance.started_by, started_at=instance.started_at,
                   changed_fields=changed_fields, directory=Directory(session), now=now,
                   custom_fields=tpl.custom_fields)


def _advance(session: Session, tpl: Any, instance: Instance, record: Record, step: Any,
             ctx: Context, first_step: bool = False) -> None:
    """Apply `step`, answering `call` waits at once by resuming, all inside one savepoint.

    The savepoint begins before the step's first write: a step that only logs and sends
    messages (or fails in the interpreter) needs none, as nothing is written before the
    interpreter's result is known.
    """
    now = ctx.now
    applied_log: list[dict[str, Any]] = []
    events = session.info.setdefault(_EVENTS, [])
    events_before = len(events)
    seq = instance.steps + 1
    messages: list[tuple[str, dict[str, Any], str]] = []
    savepoint: _StepSavepoint | None = None
    try:
        while True:
            if step.status == "failed":
                error = step.error or {}
                raise _StepFailed(error.get("node"), error.get("message", "the step failed"),
                                  step.log, step.state)
            applied_log.extend(step.log)
            changes = _step_changes(record, step)
            if changes:
                savepoint = savepoint or _StepSavepoint(session)
                records.update_record(session, record, changes, instance.started_by,
                                      Origin.process(instance.id))
            _collect_messages(instance, seq, step.effects, messages)
            calls = [wait for wait in step.waits if wait["kind"] == "call"]
            if not calls:
                break
            call = calls[0]
            savepoint = savepoint or _StepSavepoint(session)
            data = _answer_call(session, instance, record, call)
            ctx = _context(session, tpl, instance, record, ctx.changed_fields, now)
            step = resume(tpl, step.state, ctx, {"token": call["token"], "data": data})
        if step.waits:
            savepoint = savepoint or _StepSavepoint(session)
            _write_waits(session, instance, seq, step.waits, len(messages))
    except (_StepFailed, ApiError, FieldValueError) as failure:
        if savepoint is not None:
            savepoint.rollback()
        del events[events_before:]
        if not isinstance(failure, _StepFailed):
            failure = _StepFailed(_last_changing_node(step.log or applied_log),
                                  f"the document change was refused: {failure}")
        _store_failure(session, instance, failure, applied_log, now)
        return
    if savepoint is not None:
        savepoint.commit()
    # Written after the savepoint (nothing can fail in between), so that the outbox rows and
    # the instance's new state go to the database in one flush.
    for kind, payload, key in messages:
        outbox.add_message(session, kind, payload, key, instance_id=instance.id)
    _update_instance(session, instance, {
        "steps": seq, "status": step.status, "state": step.state,
        "variables": step.variables, "current_nodes": waiting_nodes(step.waits),
        "error": None, "updated_at": now,
        "finished_at": now if step.status in FINISHED_STATUSES else instance.finished_at})
    _write_log(session, instance, applied_log)
    session.flush()
    if step.status in FINISHED_STATUSES:
        _finished(session, instance, first_step)
    _queue_event(session, instance)


_SAVEPOINTS = "bizflow.step_savepoints"


class _StepSavepoint:
    """The SAVEPOINT around a run step's changes, in plain SQL straight to the driver.

    The ORM's nested transaction costs about five times more CPU than the two statements
    (~0.2 ms a step), and SQLAlchemy's statement machinery ten times more than these
    statements themselves. On rollback (rare) the session forgets what the step did: objects the
    step added are expunged and every other one is read again, so the record and the
    instance show their state before the step (also values written by Core statements,
    which the ORM's own savepoint would not know to restore).
    """

    def __init__(self, session: Session) -> None:
        session.flush()   # changes made before the step stay outside the savepoint
        self._session = session
        number = session.info.get(_SAVEPOINTS, 0) + 1
        session.info[_SAVEPOINTS] = number
        self._name = f"bizflow_step_{number}"
        self._known = set(session.identity_map.keys())
        self._driver = driver_connection(session)
        self._driver.execute(f"SAVEPOINT {self._name}")

    def commit(self) -> None:
        self._driver.execute(f"RELEASE SAVEPOINT {self._name}")

    def rollback(self) -> None:
        session = self._session
        self._driver.execute(f"ROLLBACK TO SAVEPOINT {self._name}")
        self._driver.execute(f"RELEASE SAVEPOINT {self._name}")
        for obj in list(session.new):
            session.expunge(obj)
        for key, obj in list(session.identity_map.items()):
            if key not in self._known:
                session.expunge(obj)
        for obj in list(session.identity_map.values()):
            session.refresh(obj)


def _update_instance(session: Session, instance: Instance, values: dict[str, Any]) -> None:
    """The instance's new state: a Core versioned UPDATE when nothing else is pending on it
    (the unit of work costs several times more CPU), the ORM's otherwise."""
    if session.is_modified(instance):
        for key, value in values.items():
            setattr(instance, key, value)
        return
    version = instance.lock_version
    result = _UPDATE_INSTANCE.execute(session, {
        **values, "lock_version": version + 1, "b_id": instance.id, "b_version": version})
    if result.rowcount != 1:
        raise StaleDataError(f"instance {instance.id} was changed by another transaction")
    for key, value in values.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "lock_version", version + 1)


def _last_changing_node(log: list[dict[str, Any]]) -> str | None:
    for entry in reversed(log):
        if entry.get("type") in ("modify_document", "change_stage"):
            return entry.get("node")
    return log[-1].get("node") if log else None


def _step_changes(record: Record, step: Any) -> dict[str, Any]:
    changes = dict(step.changes)
    for effect in step.effects:
        if effect.get("kind") == "change_stage" and record.document_type in STAGE_FIELDS:
            changes.setdefault(STAGE_FIELDS[record.document_type], effect.get("stage"))
    return changes


def _collect_messages(instance: Instance, seq: int, effects: list[dict[str, Any]],
                      messages: list[tuple[str, dict[str, Any], str]]) -> None:
    for effect in effects:
        kind = effect.get("kind")
        if kind not in ("email", "notify"):
            continue
        payload = {key: value for key, value in effect.items() if key != "kind"}
        messages.append((kind, payload, outbox.idempotency_key(instance.id, seq, len(messages))))


def _write_waits(session: Session, instance: Instance, seq: int, waits: list[dict[str, Any]],
                 index: int) -> None:
    if not waits:
        return
    known = set(session.scalars(select(Wait.token).where(
        Wait.instance_id == instance.id, Wait.state == "open"))) if instance.steps else set()
    for wait in waits:
        token = str(wait["token"])
        if token in known:
            continue
        request = dict(wait.get("request") or {})
        row = Wait(instance_id=instance.id, token=token, node=wait.get("node"),
                   kind=wait["kind"], request=request, due_at=wait_due_at(request))
        session.add(row)
        for listener in WAIT_LISTENERS.get(wait["kind"], ()):
            listener(session, instance, row)
        if wait["kind"] == "webhook":
            # The request leaves through the outbox; its answer resumes this token.
            outbox.add_message(session, "webhook", {**request, "token": token,
                                                    "node": wait.get("node")},
                               outbox.idempotency_key(instance.id, seq, index),
                               instance_id=instance.id)
            index += 1


def wait_due_at(request: Mapping[str, Any]) -> datetime | None:
    """When a wait with this request falls due (its `due` or task `timeout_due`), if ever."""
    due = request.get("due") or request.get("timeout_due")
    if not isinstance(due, str):
        return None
    try:
        return datetime.fromisoformat(due)
    except ValueError:
        return None


def waiting_nodes(waits: list[dict[str, Any]]) -> list[str]:
    nodes: list[str] = []
    for wait in waits:
        if wait.get("node") not in nodes:
            nodes.append(wait.get("node"))
    return nodes


def _answer_call(session: Session, instance: Instance, record: Record,
                 wait: Mapping[str, Any]) -> dict[str, Any]:
    request = wait.get("request") or {}
    action = request.get("action")
    handler = CALL_HANDLERS.get(action)
    if handler is None:
        raise _StepFailed(wait.get("node"), f"{action}: this installation cannot do that yet")
    # A refusal (a bad field of the new document, a missing template...) is answered to the
    # block, which fails with it: the failure names the right block, and a block with
    # `on_error: continue` (every robot) lets the rest of the step go on.
    savepoint = _StepSavepoint(session)
    try:
        answer = handler(session, instance, record, request)
    except (ApiError, FieldValueError) as refusal:
        savepoint.rollback()
        return {"error": str(refusal)}
    savepoint.commit()
    return answer


def _store_failure(session: Session, instance: Instance, failure: _StepFailed,
                   applied_log: list[dict[str, Any]], now: datetime) -> None:
    instance.status = "failed"
    instance.error = {"node": failure.node, "message": failure.message}
    if failure.state is not None:
        # The state before the failed step: a retry runs that step again.
        instance.state = failure.state
    instance.current_nodes = [failure.node] if failure.node else []
    instance.finished_at = now
    instance.updated_at = now
    log = [*applied_log, *failure.log]
    log.append({"at": now.isoformat(), "node": failure.node, "type": "error",
                "message": failure.message})
    _write_log(session, instance, log)
    session.flush()
    _finished(session, instance)
    _queue_event(session, instance)


def _write_log(session: Session, instance: Instance, log: list[dict[str, Any]]) -> None:
    if not log:
        return
    rows = []
    for entry in log:
        at = entry.get("at")
        rows.append({"instance_id": instance.id,
                     "at": datetime.fromisoformat(at) if isinstance(at, str) else utcnow(),
                     "node": entry.get("node"), "type": str(entry.get("type") or "")[:32],
                     "message": str(entry.get("message") or "")})
    # A Core executemany: the log is written once and never read back in this session.
    _INSERT_LOG.execute_many(session, rows)


# --- call waits answered in the same transaction ------------------------------------------

def _create_document(session: Session, instance: Instance, record: Record,
                     request: Mapping[str, Any]) -> dict[str, Any]:
    created = records.create_record(session, request.get("document_type"),
                                     request.get("fields") or {}, instance.started_by,
                                     Origin.process(instance.id))
    return {"DocumentId": created.id}


def _start_process(session: Session, instance: Instance, record: Record,
                   request: Mapping[str, Any]) -> dict[str, Any]:
    template_id = request.get("template_id")
    if isinstance(template_id, str) and template_id.strip().isdigit():
        template_id = int(template_id)
    template = session.get(Template, template_id) \
        if isinstance(template_id, int) and 0 < template_id < 2**63 else None
    if template is None or template.deleted_at is not None:
        raise _StepFailed(None, f"start_process: there is no template {template_id!r}")
    document = request.get("document")
    target: Record | None = record
    if document not in (None, "", record.id):
        try:
            target = records.get_record(session, template.document_type, int(document))
        except (TypeError, ValueError):
            target = None
    if target is None or target.document_type != template.document_type:
        raise _StepFailed(None, f"start_process: no {template.document_type} {document!r} "
                                f"for template {template.id}")
    child = start_instance(session, template, target, request.get("parameters") or {},
                           instance.started_by)
    return {"InstanceId": child.id}


register_call_handler("create_document", _create_document)
register_call_handler("start_process", _start_process)


# --- live updates -------------------------------------------------------------------------

def _queue_event(session: Session, instance: Instance) -> None:
    session.info.setdefault(_EVENTS, []).append(
        {"id": instance.id, "template_id": instance.template_id, "status": instance.status,
         "current_nodes": list(instance.current_nodes or []), "error": instance.error,
         "document_type": instance.document_type, "document_id": instance.document_id})


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    events = session.info.pop(_EVENTS, None)
    if not events:
        return
    from flask import has_app_context

    from app import worker
    from app.realtime import publish

    # Live updates go through the current app's Socket.IO server; work done outside any app
    # (a script, a benchmark) has no browsers to tell.
    if has_app_context():
        for payload in events:
            publish("instance", payload, room=f"instance:{payload['id']}")
    # New outbox rows may have been committed with these steps: deliver them now.
    worker.wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_EVENTS, None)


# --- reading ------------------------------------------------------------------------------

def get_instance(session: Session, instance_id: int, for_update: bool = False) -> Instance:
    """The instance, or a 404 ApiError."""
    instance = None
    if 0 < instance_id < 2**63:
        query = select(Instance).where(Instance.id == instance_id)
        if for_update:
            query = query.with_for_update()
        instance = session.scalar(query)
    if instance is None:
        raise ApiError(404, "not_found", f"instance {instance_id} not found")
    return instance


def instance_log(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """The log of an instance in order: one entry per block executed."""
    rows = session.scalars(select(InstanceLogEntry).where(
        InstanceLogEntry.instance_id == instance_id).order_by(InstanceLogEntry.id))
    return [{"at": row.at.isoformat(), "node": row.node, "type": row.type,
             "message": row.message} for row in rows]


def instance_to_dict(session: Session, instance: Instance, with_log: bool = True
                     ) -> dict[str, Any]:
    """GET /instances/{id}: exactly the keys of SPEC 5.2 (the log only when asked)."""
    result = {
        "id": instance.id,
        "template_id": instance.template_id,
        "template_version": instance.template_version,
        "document_type": instance.document_type,
        "document_id": instance.document_id,
        "status": instance.status,
        "current_nodes": list(instance.current_nodes or []),
        "variables": dict(instance.variables or {}),
        "error": instance.error,
        "started_at": instance.started_at.isoformat(),
        "finished_at": instance.finished_at.isoformat() if instance.finished_at else None,
    }
    if with_log:
        result["log"] = instance_log(session, instance.id)
    return result


def list_instances(session: Session, filters: Mapping[str, Any], limit: int, offset: int
                   ) -> tuple[list[Instance], int]:
    """Instances newest first, filtered by template_id, document_type(s), document_id, status."""
    conditions = []
    for name in ("template_id", "document_type", "document_id", "status"):
        if filters.get(name) is not None:
            conditions.append(getattr(Instance, name) == filters[name])
    if filters.get("document_types") is not None:
        conditions.append(Instance.document_type.in_(list(filters["document_types"])))
    if filters.get("status") is not None and filters["status"] not in INSTANCE_STATUSES:
        raise ApiError(400, "invalid_parameter", f"status: one of "
                       f"{', '.join(INSTANCE_STATUSES)}", [{"parameter": "status"}])
    total = session.scalar(select(func.count()).select_from(Instance).where(*conditions))
    rows = session.scalars(select(Instance).where(*conditions).order_by(Instance.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), int(total or 0)
