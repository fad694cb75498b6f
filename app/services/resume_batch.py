"""Due timers fired in batches: one transaction, a few statements for a whole batch of waits.

The one-at-a-time path (timers.fire_wait -> instances.resume_instance) costs about five
statements and a savepoint per wait. Here the claimed waits, their instances and records are
read with IN lists, the interpreter resumes each instance in memory, and the outcomes are
written with a handful of executemany statements in the caller's transaction:

- the answered waits (one UPDATE, every row must still be open),
- the instances' new state (a versioned UPDATE per row, sent as one executemany; every row
  must match its lock_version),
- their log entries, their outbox messages (idempotency key per instance step, as the
  one-at-a-time path writes them) and their new timer waits.

Only plain steps go this way: a `timer` wait of an instance with no other claimed wait, a
step that ends `waiting` or `completed` without document changes, stage changes, calls or
waits other than timers, and whose effects are e-mails or notifications. Anything else (a
failed step, a refused change, child processes, tasks, webhooks, call handlers...) is
returned to the caller, which fires it through the existing path in the same transaction,
so its behaviour is exactly what that path's tests prove.

Exactly once: the caller holds the claimed wait and instance rows (PostgreSQL: FOR UPDATE
SKIP LOCKED; SQLite: the write lock); the state checks in the UPDATEs turn any surprise
into an exception that rolls the whole batch back, after which each wait fires alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.models.base import utcnow
from app.models.processes import FINISHED_STATUSES, Instance, InstanceLogEntry, Wait
from app.models.records import Record
from app.services import outbox
from app.services.directory import Directory
from app.services.instances import wait_due_at, waiting_nodes
from app.services.templates import compiled_template
from interpreter import Context, resume
from interpreter.fields import parse_datetime

_WAITS = Wait.__table__
_INSTANCES = Instance.__table__
_RECORDS = Record.__table__
_EFFECTS = frozenset({"email", "notify"})   # written to the outbox, nothing else to do
_NEW_WAITS = frozenset({"timer"})           # kinds with no wait listener and no outbox row


_INSTANCE_COLUMNS = ("id", "template_id", "template_version", "document_type", "document_id",
                     "status", "state", "parameters", "started_by", "started_at", "steps",
                     "finished_at", "lock_version")


def _among(column: Any, postgres: bool) -> Any:
    """`column IN (:ids)`; on PostgreSQL `column = ANY(:ids)` with one array parameter, so the
    statement's text (parsed and planned once) is the same whatever the batch's size."""
    if postgres:
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", expanding=True))


@cache
def _reads(postgres: bool) -> dict[str, Any]:
    return {
        "waits": select(_WAITS.c.id, _WAITS.c.instance_id, _WAITS.c.token, _WAITS.c.kind,
                        _WAITS.c.state, _WAITS.c.request).where(_among(_WAITS.c.id, postgres)),
        # Not the columns a step overwrites (current_nodes, variables, error): less to decode.
        "instances": select(*(_INSTANCES.c[name] for name in _INSTANCE_COLUMNS))
        .where(_among(_INSTANCES.c.id, postgres)),
        "records": select(_RECORDS).where(_among(_RECORDS.c.id, postgres)),
        "open_tokens": select(_WAITS.c.instance_id, _WAITS.c.token).where(
            _among(_WAITS.c.instance_id, postgres), _WAITS.c.state == "open"),
        "answer": update(_WAITS).where(_among(_WAITS.c.id, postgres), _WAITS.c.state == "open")
        .values(state="answered", answered_at=bindparam("now"), response={}),
    }


_UPDATE_INSTANCE = update(_INSTANCES).where(_INSTANCES.c.id == bindparam("b_id"),
                                            _INSTANCES.c.lock_version == bindparam("b_version"))
_INSERT_LOG = insert(InstanceLogEntry.__table__)
_INSERT_WAIT = insert(_WAITS)


@dataclass
class Batch:
    """What fire_batch did: the live updates to publish after the commit, the wait ids left
    for the one-at-a-time path, how many outbox messages it wrote."""

    events: list[dict[str, Any]] = field(default_factory=list)
    rest: list[int] = field(default_factory=list)
    messages: int = 0


class Outcome:
    """One instance's step computed in memory, waiting to be written."""

    __slots__ = ("wait_id", "instance", "step")

    def __init__(self, wait_id: int, instance: Any, step: Any) -> None:
        self.wait_id, self.instance, self.step = wait_id, instance, step


def fire_batch(session: Session, claimed: list[tuple[int, int]], now: datetime,
               finish: Any = None) -> Batch:
    """Fire the plain ones of the claimed (wait id, instance id) pairs.

    `now` decides which timers are due (a test's clock); the steps run at the real time, as
    in the one-at-a-time path. `finish(session, instance_ids, moment)` is called with the
    instances that completed here; without it, steps that complete an instance are left to
    the one-at-a-time path.
    """
    if not claimed:
        return Batch()
    connection = session.connection()
    statements = _reads(connection.dialect.name == "postgresql")
    per_instance: dict[int, int] = {}
    for _wait_id, instance_id in claimed:
        per_instance[instance_id] = per_instance.get(instance_id, 0) + 1
    waits = {row.id: row for row in connection.execute(
        statements["waits"], {"ids": [wait_id for wait_id, _ in claimed]})}
    rows = {row.id: row for row in connection.execute(
        statements["instances"], {"ids": list(per_instance)})}
    rest: list[int] = []
    plain: list[tuple[Any, Any]] = []
    for wait_id, instance_id in claimed:
        wait, instance = waits.get(wait_id), rows.get(instance_id)
        if wait is None or instance is None or not _plain_wait(wait, instance, now) \
                or per_instance[instance_id] > 1:
            rest.append(wait_id)
        else:
            plain.append((wait, instance))
    document_ids = sorted({instance.document_id for _, instance in plain})
    documents = {row.id: row for row in connection.execute(
        statements["records"], {"ids": document_ids})} if plain else {}
    directory = Directory(session)
    moment = utcnow()
    outcomes: list[Outcome] = []
    for wait, instance in plain:
        step = _run(session, wait, instance, documents.get(instance.document_id), directory,
                    moment)
        if step is None or (finish is None and step.status in FINISHED_STATUSES):
            rest.append(wait.id)
        else:
            outcomes.append(Outcome(wait.id, instance, step))
    messages = _write(session, outcomes, moment, finish) if outcomes else 0
    return Batch([_event(o) for o in outcomes], rest, messages)


def _plain_wait(wait: Any, instance: Any, now: datetime) -> bool:
    if wait.kind != "timer" or wait.state != "open" or instance.status != "waiting":
        return False
    due = (wait.request or {}).get("due")
    if not isinstance(due, str):
        return True   # resumes at once, as the one-at-a-time path does
    try:
        return parse_datetime(due) <= now
    except ValueError:
        return True


def _run(session: Session, wait: Any, instance: Any, document: Any, directory: Directory,
         now: datetime) -> Any:
    """The step resuming `wait`, or None when it is not plain (or could not be computed)."""
    if document is None or document.document_type != instance.document_type:
        return None   # deleted: the one-at-a-time path fails the instance
    try:
        tpl = compiled_template(session, instance.template_id, instance.template_version)
        # Record.to_fields reads only column attributes, which the Core row has too.
        ctx = Context(Record.to_fields(document), document_type=instance.document_type,
                      parameters=instance.parameters, instance_id=instance.id,
                      started_by=instance.started_by, started_at=instance.started_at,
                      directory=directory, now=now, custom_fields=tpl.custom_fields)
        token = int(wait.token) if wait.token.isdigit() else wait.token
        step = resume(tpl, instance.state, ctx, {"token": token, "data": {}})
    except Exception:
        return None   # the one-at-a-time path logs it and applies its poison pause
    if step.status not in ("waiting", "completed") or step.changes:
        return None
    if any(effect.get("kind") not in _EFFECTS for effect in step.effects):
        return None
    if any(new.get("kind") not in _NEW_WAITS for new in step.waits):
        return None
    return step


def _write(session: Session, outcomes: list[Outcome], now: datetime, finish: Any) -> int:
    """Write the outcomes; returns how many outbox messages were written."""
    connection = session.connection()
    statements = _reads(connection.dialect.name == "postgresql")
    answered = connection.execute(statements["answer"],
                                  {"ids": [o.wait_id for o in outcomes], "now": now})
    if answered.rowcount != len(outcomes):
        raise StaleDataError("a claimed wait was answered by another transaction")
    instance_rows, log_rows, wait_rows = [], [], []
    messages = 0
    waiting = [o.instance.id for o in outcomes if o.step.waits]
    open_tokens: set[tuple[int, str]] = set()
    if waiting:
        open_tokens = {(row.instance_id, row.token) for row in connection.execute(
            statements["open_tokens"], {"ids": waiting})}
    for outcome in outcomes:
        instance, step = outcome.instance, outcome.step
        seq = instance.steps + 1
        finished = step.status in FINISHED_STATUSES
        instance_rows.append({
            "b_id": instance.id, "b_version": instance.lock_version,
            "lock_version": instance.lock_version + 1, "steps": seq, "status": step.status,
            "state": step.state, "variables": step.variables,
            "current_nodes": waiting_nodes(step.waits), "error": None, "updated_at": now,
            "finished_at": now if finished else instance.finished_at})
        for entry in step.log:
            at = entry.get("at")
            log_rows.append({"instance_id": instance.id,
                             "at": datetime.fromisoformat(at) if isinstance(at, str) else now,
                             "node": entry.get("node"),
                             "type": str(entry.get("type") or "")[:32],
                             "message": str(entry.get("message") or "")})
        for index, effect in enumerate(step.effects):
            payload = {key: value for key, value in effect.items() if key != "kind"}
            outbox.add_message(session, effect["kind"], payload,
                               outbox.idempotency_key(instance.id, seq, index),
                               instance_id=instance.id)
            messages += 1
        for new in step.waits:
            token = str(new["token"])
            if (instance.id, token) in open_tokens:
                continue   # another branch's wait, still open
            request = dict(new.get("request") or {})
            wait_rows.append({"instance_id": instance.id, "token": token,
                              "node": new.get("node"), "kind": new["kind"],
                              "request": request, "due_at": wait_due_at(request),
                              "state": "open", "response": None, "created_at": now,
                              "answered_at": None})
    if connection.dialect.name == "postgresql":
        updated = _pg_update_instances(connection, instance_rows)
        if log_rows:
            _pg_insert_log(connection, log_rows)
    else:
        updated = connection.execute(_UPDATE_INSTANCE, instance_rows).rowcount
        if log_rows:
            connection.execute(_INSERT_LOG, log_rows)
    if updated != len(instance_rows):
        raise StaleDataError("an instance was changed by another transaction")
    if wait_rows:
        connection.execute(_INSERT_WAIT, wait_rows)
    ended = [o.instance.id for o in outcomes if o.step.status in FINISHED_STATUSES]
    if ended:
        finish(session, ended, now)
    return messages


# PostgreSQL: one statement for the whole batch, its rows sent as one JSON array; the text
# is the same for every batch, so the server plans it once. An executemany costs a statement
# per row on the server and several times more CPU here.
_PG_UPDATE_INSTANCES = """
UPDATE instances AS i SET lock_version = v.version + 1, steps = v.steps, status = v.status,
    state = v.state, variables = v.variables, current_nodes = v.current_nodes,
    error = 'null'::jsonb, updated_at = v.updated_at, finished_at = v.finished_at
FROM json_to_recordset(%(rows)s::json) AS v(id integer, version integer, steps integer,
    status text, state jsonb, variables jsonb, current_nodes jsonb,
    updated_at timestamptz, finished_at timestamptz)
WHERE i.id = v.id AND i.lock_version = v.version"""
_PG_INSERT_LOG = """
INSERT INTO instance_log (instance_id, at, node, type, message)
SELECT instance_id, at, node, type, message FROM json_to_recordset(%(rows)s::json)
    AS v(instance_id integer, at timestamptz, node text, type text, message text)"""


def _pg_rows(rows: list[dict[str, Any]]) -> str:
    # As app.db serialises JSON columns (non-ASCII kept as is).
    return json.dumps(rows, ensure_ascii=False, default=_utc_text)


def _utc_text(moment: datetime) -> str:
    # A naive datetime is UTC, as models.base.UTCDateTime reads it.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _pg_update_instances(connection: Any, rows: list[dict[str, Any]]) -> int:
    return connection.exec_driver_sql(_PG_UPDATE_INSTANCES, {"rows": _pg_rows([{
        "id": r["b_id"], "version": r["b_version"], "steps": r["steps"],
        "status": r["status"], "state": r["state"], "variables": r["variables"],
        "current_nodes": r["current_nodes"], "updated_at": r["updated_at"],
        "finished_at": r["finished_at"]} for r in rows])}).rowcount


def _pg_insert_log(connection: Any, rows: list[dict[str, Any]]) -> None:
    connection.exec_driver_sql(_PG_INSERT_LOG, {"rows": _pg_rows(rows)})


def _event(outcome: Outcome) -> dict[str, Any]:
    """The live update of instances.publish, for one instance stepped here."""
    instance, step = outcome.instance, outcome.step
    return {"id": instance.id, "template_id": instance.template_id, "status": step.status,
            "current_nodes": waiting_nodes(step.waits), "error": None,
            "document_type": instance.document_type, "document_id": instance.document_id}
