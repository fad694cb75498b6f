"""Due work: waits whose time has come (timers, approval time limits, finished children).

A wait is due when `due_at <= now`, it is open and its instance waits. Firing one answers it
and runs the instance's next step in ONE transaction with the wait's answer, so a crash
before the commit leaves the wait open and due: it simply fires again, and the outbox rows
the step wrote carry idempotency keys, so nothing leaves twice.

Claiming: on PostgreSQL the due waits and then their instances (in id order, so workers never
deadlock on each other) are locked with `FOR UPDATE SKIP LOCKED`; a worker only fires the
waits whose instance it holds. Any number of workers share the work and none runs a step
another one runs. On SQLite every write transaction begins with BEGIN IMMEDIATE: one writer
at a time, so the same select-then-update is already exclusive. The instance's `lock_version`
is a second guard: a step committed meanwhile by another path (a person completing a task)
makes the stale one fail instead of overwriting it.

`due_at` also serves the Celery dispatcher as a lease: it moves `due_at` forward when it
sends a wait to the queue, so a lost message makes the wait due again later (the sweep);
what a wait is answered with is decided from its request (`due`, `timeout_due`), never from
`due_at`.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import exists, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import is_sqlite, read_transaction, transaction
from app.models.base import utcnow
from app.models.processes import Instance, Wait
from app.services import instances, resume_batch, tasks
from interpreter.fields import parse_datetime

log = logging.getLogger(__name__)

DUE_KINDS = ("timer", "task", "child")
_PARENTS_WAITING = "bizflow.parents_waiting"
_WOKE_PARENTS = "bizflow.woke_parents"
# A failed child does not wake its parent: once retried and ended, it does.
CHILD_ENDED = ("completed", "terminated")
BATCH = 200
# A wait whose firing raised something unexpected is tried again after this pause, not in a
# tight loop.
POISON_PAUSE = timedelta(seconds=30)
HELD_PAUSE = 0.1
# Per worker thread: whether its last claim found every due wait held by other workers.
_last_claim = threading.local()


def _due_condition(now: datetime) -> Any:
    return (Wait.state == "open") & Wait.kind.in_(DUE_KINDS) & (Wait.due_at <= now) \
        & (Instance.status == "waiting")


def has_due_waits(app: Flask | None = None, now: datetime | None = None) -> bool:
    """True when some wait is due (a cheap read: on SQLite it takes no write lock)."""
    now = now or utcnow()
    with read_transaction(app) as session:
        return bool(session.scalar(select(exists().where(
            Wait.instance_id == Instance.id, _due_condition(now)))))


def claim_due_waits(session: Session, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(wait id, instance id) of up to `limit` due waits whose wait and instance rows this
    transaction now holds (PostgreSQL: row locks, SKIP LOCKED; SQLite: the write lock)."""
    query = select(Wait.id, Wait.instance_id).join(Instance, Instance.id == Wait.instance_id) \
        .where(_due_condition(now)).order_by(Wait.due_at, Wait.id).limit(limit)
    if is_sqlite(session):
        return [tuple(row) for row in session.execute(query)]
    rows = session.execute(query.with_for_update(of=Wait, skip_locked=True)).all()
    held = set(session.scalars(
        select(Instance.id).where(Instance.id.in_({row.instance_id for row in rows}))
        .order_by(Instance.id).with_for_update(skip_locked=True)))
    return [(row.id, row.instance_id) for row in rows if row.instance_id in held]


def fire_due_waits(app: Flask | None = None, batch: int = BATCH, max_batches: int = 100,
                   now: datetime | None = None) -> int:
    """The worker job: fire due waits, `batch` per transaction, until none is left.

    The plain timers of a batch are resumed together (app.services.resume_batch); the others
    one by one in the same transaction. `now` replaces the clock (tests); by default each
    batch reads the time afresh.
    """
    fired = 0
    held_elsewhere = False   # due waits were there, but other workers held every one
    for _ in range(max_batches):
        if not has_due_waits(app, now):
            break
        claimed: list[tuple[int, int]] = []
        moment = now or utcnow()
        woke = False
        try:
            with transaction(app) as session:
                claimed = claim_due_waits(session, moment, batch)
                done = resume_batch.fire_batch(
                    session, claimed, moment, _wake_parents if _batch_may_finish() else None)
                count = len(done.events)
                rest = set(done.rest)
                held = _load(session, [c for c in claimed if c[0] in rest])  # noqa: F841
                for wait_id in done.rest:
                    # No savepoint per wait: the common case pays for none. A failure rolls
                    # the batch back and each of its waits is then fired alone, below.
                    count += _fire(session, wait_id, moment, loaded=True)
                woke = bool(session.info.pop(_WOKE_PARENTS, False))
            fired += count
            _publish(app, done)
        except Exception:
            log.warning("a batch of due waits failed; firing them one by one", exc_info=True)
            for wait_id, _instance_id in claimed:
                fired += fire_one(app, wait_id, moment)
        held_elsewhere = not claimed
        if len(claimed) < batch and not woke:
            break   # else more may be due: the rest, or parents of children that ended here
    _last_claim.empty = held_elsewhere
    return fired


def _batch_may_finish() -> bool:
    """True when every finish listener is one whose work for a completed instance is
    `_wake_parents` (the batch path then completes instances itself)."""
    return all(listener in (on_finished, tasks.cancel_instance_tasks)
               for listener in instances.FINISH_LISTENERS)


def _wake_parents(session: Session, instance_ids: list[int], now: datetime) -> None:
    """Make the `child` waits of parents of these (completed) instances due now."""
    woken = session.execute(update(Wait).where(
        Wait.kind == "child", Wait.state == "open",
        Wait.request["instance_id"].as_integer().in_(instance_ids))
        .values(due_at=now).execution_options(synchronize_session=False))
    if woken.rowcount:
        session.info[_WOKE_PARENTS] = True


def _publish(app: Flask | None, done: resume_batch.Batch) -> None:
    """The live updates of instances stepped by the batch path, after its commit (through
    `app`'s Socket.IO server; none without an app, e.g. in a script)."""
    from flask import has_app_context

    from app import worker
    from app.realtime import publish

    if app is not None or has_app_context():
        for payload in done.events:
            publish("instance", payload, room=f"instance:{payload['id']}", app=app)
    if done.messages:
        worker.wake()   # deliver them now


def next_due_in(app: Flask | None = None, now: datetime | None = None) -> float | None:
    """Seconds until this thread's due-waits job should run again: 0 while some wait is due
    (HELD_PAUSE when other workers hold it), else until the next timer or task time limit
    falls due (None: nothing waits). One index lookup per wait kind."""
    now = now or utcnow()
    firsts = [select(Wait.due_at).where(Wait.kind == kind, Wait.state == "open",
                                        Wait.due_at > now)
              .order_by(Wait.due_at).limit(1).scalar_subquery() for kind in ("timer", "task")]
    if has_due_waits(app, now):
        # Held by other workers when this thread's last claim got nothing: they go on with
        # it themselves, so this one looks again a little later, not in a tight loop.
        return HELD_PAUSE if getattr(_last_claim, "empty", False) else 0.0
    with read_transaction(app) as session:
        moments = [moment for moment in session.execute(select(*firsts)).one()
                   if moment is not None]
    return (min(moments) - now).total_seconds() if moments else None


def _load(session: Session, claimed: list[tuple[int, int]]) -> list[Any]:
    """Load the claimed waits and instances in two queries (not two per wait).

    The caller keeps the returned list: the identity map holds objects weakly. Also notes
    whether any parent waits for a child at all: a child finishing in this batch was
    started in a step that committed its parent's wait with it, so that wait is visible
    now; when there is none, finishing instances skip looking for parents.
    """
    if not claimed:
        return []
    rows: list[Any] = list(session.scalars(
        select(Wait).where(Wait.id.in_([w for w, _ in claimed]))
        .execution_options(populate_existing=True)))
    rows += session.scalars(select(Instance).where(Instance.id.in_([i for _, i in claimed]))
                            .execution_options(populate_existing=True))
    session.info[_PARENTS_WAITING] = bool(session.scalar(select(exists().where(
        Wait.kind == "child", Wait.state == "open"))))
    return rows


def fire_wait(session: Session, wait_id: int, now: datetime | None = None) -> int:
    """Answer one due wait and run its instance's step inside a savepoint; 1 if it fired.

    Safe to call for a wait that is no longer due, answered or cancelled (a duplicate or
    late queue message): it then changes nothing, or only moves `due_at` to the real time.
    """
    now = now or utcnow()
    savepoint = session.begin_nested()
    try:
        fired = _fire(session, wait_id, now, loaded=False)
    except (DBAPIError, StaleDataError):
        # Deadlock, lost lock or a concurrent step: the wait stays open and due.
        savepoint.rollback()
        log.warning("wait %s could not fire now; it stays due", wait_id, exc_info=True)
        return 0
    except Exception:
        savepoint.rollback()
        log.exception("wait %s failed to fire; trying again in %s", wait_id, POISON_PAUSE)
        session.execute(update(Wait).where(Wait.id == wait_id, Wait.state == "open")
                        .values(due_at=now + POISON_PAUSE)
                        .execution_options(synchronize_session=False))
        return 0
    savepoint.commit()
    return fired


def _fire(session: Session, wait_id: int, now: datetime, loaded: bool) -> int:
    if loaded:   # claimed and loaded in this transaction (rows held)
        wait = session.get(Wait, wait_id)
        instance = session.get(Instance, wait.instance_id) if wait is not None else None
    else:
        wait = session.scalar(select(Wait).where(Wait.id == wait_id).with_for_update()
                              .execution_options(populate_existing=True))
        instance = None if wait is None else session.scalar(
            select(Instance).where(Instance.id == wait.instance_id).with_for_update()
            .execution_options(populate_existing=True))
    if wait is None or wait.state != "open":
        return 0
    if instance is None or instance.status != "waiting":
        return 0
    request = wait.request or {}
    if wait.kind == "timer":
        due = _moment(request.get("due"))
        if due is not None and due > now:
            wait.due_at = due   # a lease moved it, or a clock mismatch: not yet
            return 0
        instances.resume_instance(session, instance, wait.token, {})
        return 1
    if wait.kind == "task":
        due = _moment(request.get("timeout_due"))
        if due is None or due > now:
            wait.due_at = due
            return 0
        tasks.time_out(session, instance, wait)
        return 1
    if wait.kind == "child":
        child = session.get(Instance, _child_id(wait))
        if child is None or child.status in CHILD_ENDED:
            status = child.status if child is not None else "terminated"
            instances.resume_instance(session, instance, wait.token, {"status": status})
            return 1
        wait.due_at = None   # woken again when the child ends (wake_parents)
        return 0
    wait.due_at = None
    return 0


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _child_id(wait: Wait) -> int | None:
    value = (wait.request or {}).get("instance_id")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- listeners ----------------------------------------------------------------------------

def check_child(session: Session, instance: Instance, wait: Wait) -> None:
    """Wait listener for `child`: due at once when the child already ended (it may have
    finished inside the very step that started it), else when it ends."""
    child_id = _child_id(wait)
    child = session.get(Instance, child_id) if child_id is not None else None
    wait.due_at = utcnow() if child is None or child.status in CHILD_ENDED else None


def on_finished(session: Session, instance: Instance) -> None:
    """Finish listener: cancel an ended instance's waits; wake a parent waiting for it."""
    if instance.status not in CHILD_ENDED:
        return   # a failed instance keeps its waits: a retry continues with them
    now = utcnow()
    if instance.status == "terminated":
        # A completed instance has no open wait left: every token ran to its end.
        session.execute(update(Wait).where(Wait.instance_id == instance.id,
                                           Wait.state == "open")
                        .values(state="cancelled", answered_at=now)
                        .execution_options(synchronize_session=False))
    if session.info.get(_PARENTS_WAITING) is False or \
            instances.ended_in_first_step(session, instance):
        return
    parents = session.scalars(select(Wait).where(
        Wait.kind == "child", Wait.state == "open",
        Wait.request["instance_id"].as_integer() == instance.id))
    for wait in parents:
        wait.due_at = now
        session.info[_WOKE_PARENTS] = True


instances.on_wait_opened("child", check_child)
instances.on_instance_finished(on_finished)


def fire_one(app: Flask | None, wait_id: int, now: datetime | None = None) -> int:
    """Fire one wait by id in its own transaction (a Celery task); 0 when not due or taken."""
    with transaction(app) as session:
        wait = session.get(Wait, wait_id)
        if wait is None or wait.state != "open":
            return 0
        return fire_wait(session, wait_id, now)
